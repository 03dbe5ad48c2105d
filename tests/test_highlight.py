"""Python highlighting: the Qt console (ipylite.highlight.python_spans) and the notebook
page (IPL.highlight in static/render.js, run in headless Chromium, both as the notebook
server serves it and as an exported page inlines it) classify every word the same way,
and the words are Python's own keywords and builtins."""

import builtins
import json
import keyword
import subprocess
import sys

from ipylite import nbfile
from ipylite.highlight import BUILTINS, KEYWORDS, python_spans, word_kind
from test_webnb_browser import TOKEN, browser, server  # noqa: F401 (fixtures)

PLAIN = ["foo", "printer", "Print", "self_", "_", "constructor", "toString",
         "hasOwnProperty", "__proto__", "valueOf", "__import__", "__name__"]
# `def`/`class` mark the next name as a definition on the page: put them last
WORDS = sorted(KEYWORDS - {"def", "class"}) + sorted(BUILTINS) + PLAIN + ["class", "def"]
SAMPLE = "\n".join(WORDS)
CLASSES = {"hl-kw": "keyword", "hl-bi": "builtin", "": None}

# [[class, text]] of the page's highlighting of one source (text outside spans: one
# entry per word, class "")
JS_WORDS = """src => {
  const d = document.createElement("div");
  d.innerHTML = IPL.highlight(src);
  const out = [];
  for (const n of d.childNodes) {
    if (n.nodeType === 1) out.push([n.className, n.textContent]);
    else n.textContent.split(/\\s+/).filter(Boolean).forEach(w => out.push(["", w]));
  }
  return out;
}"""


def qt_kinds(src):
    """{word: kind} as the Qt console's highlighter marks it."""
    out = {}
    for line in src.split("\n"):
        spans = {s: (n, k) for s, n, k in python_spans(line)}
        start = 0
        for word in line.split():
            start = line.index(word, start)
            n, kind = spans.get(start, (len(word), None))
            assert n == len(word), (word, n)
            out[word] = kind
            start += len(word)
    return out


def page_kinds(page, src):
    pairs = page.evaluate(JS_WORDS, src)
    assert all(c in CLASSES for c, _ in pairs), pairs
    return {w: CLASSES[c] for c, w in pairs}


def test_the_words_are_pythons_own():
    assert set(keyword.kwlist) <= KEYWORDS and {"match", "case"} <= KEYWORDS
    assert {"print", "len", "reversed", "ValueError", "Exception", "type", "self"} <= BUILTINS
    assert not KEYWORDS & BUILTINS and "_" not in KEYWORDS | BUILTINS
    assert all(hasattr(builtins, w) for w in BUILTINS - {"self"})
    assert word_kind("lambda") == "keyword" and word_kind("zip") == "builtin"
    assert word_kind("foo") is None
    # the same without the site module (which adds help, exit, ...)
    out = subprocess.run([sys.executable, "-S", "-c", "import json; from ipylite.highlight "
                          "import BUILTINS, KEYWORDS; print(json.dumps([sorted(KEYWORDS), "
                          "sorted(BUILTINS)]))"], capture_output=True, text=True, timeout=60)
    assert json.loads(out.stdout) == [sorted(KEYWORDS), sorted(BUILTINS)], out.stderr


def test_the_qt_console_and_the_page_classify_every_word_alike(browser, server):  # noqa: F811
    expected = {w: word_kind(w) for w in WORDS}
    assert qt_kinds(SAMPLE) == expected
    ctx = browser.new_context()
    try:
        page = ctx.new_page()
        page.set_default_timeout(30000)
        page.goto(server["url"] + "/tree?token=" + TOKEN)      # render.js as served
        page.wait_for_selector("body[data-loaded=true]")
        assert page_kinds(page, SAMPLE) == expected
        # an exported page inlines render.js: the same words there, offline
        nb = nbfile.new_notebook()
        nb["cells"].append({"cell_type": "code", "source": "print(len(x)) if match else None",
                            "metadata": {}, "outputs": [], "execution_count": 1})
        page.route("**/*", lambda route: route.abort())      # no network at all
        page.set_content(nbfile.to_html(nb))
        assert page_kinds(page, SAMPLE) == expected
        shown = page.eval_on_selector_all(
            ".cell-source span", "els => els.map(e => [e.className, e.textContent])")
        assert shown == [["hl-bi", "print"], ["hl-bi", "len"], ["hl-kw", "if"],
                         ["hl-kw", "match"], ["hl-kw", "else"], ["hl-kw", "None"]]
    finally:
        ctx.close()
