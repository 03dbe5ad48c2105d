"""The notebook's Markdown (ipylite/static/cmark.js, with md.js keeping math out of
its way) in a real headless Chromium, measured with the CommonMark 0.31.2 spec's own
examples. The spec comes from the npm registry's `commonmark-spec` package, installed
by .ci/run with `npm pack` into a cache folder (never committed, never fetched by a test)."""

import html
import html.parser
import os
import re
import shutil

import pytest

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
STATIC = os.path.join(ROOT, "ipylite", "static")
ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking",
        "--disable-component-update", "--disable-sync", "--no-first-run"]
SPEC_VERSION = "0.31.2"
CACHE = os.environ.get("IPYLITE_SPEC_CACHE") or os.path.join(
    os.path.expanduser("~"), ".cache", "ipylite-tests", "commonmark-spec-" + SPEC_VERSION)


def spec_text():
    """The spec, installed with the test dependencies (.ci/run: ``npm pack
    commonmark-spec@0.31.2``, its spec.txt put in CACHE), never fetched by a test."""
    path = os.path.join(CACHE, "spec.txt")
    if not os.path.exists(path):
        pytest.fail("no %s: install the CommonMark spec as .ci/run does (npm pack commonmark-spec@%s, "
                    "package/spec.txt into that folder), or point IPYLITE_SPEC_CACHE at a folder "
                    "holding spec.txt" % (path, SPEC_VERSION))
    with open(path, encoding="utf-8") as f:
        return f.read()


def spec_examples():
    """The examples as the package's own index.js extracts them (→ is a tab)."""
    text = re.sub(r"(?ms)^<!-- END TESTS -->.*", "", spec_text().replace("\r\n", "\n"))
    out, section = [], ""
    for m in re.finditer(r"(?m)^`{32} example\n([\s\S]*?)^\.\n([\s\S]*?)^`{32}$|^#{1,6} *(.*)$", text):
        if m.group(3) is not None:
            section = m.group(3)
        else:
            out.append({"markdown": m.group(1).replace("→", "\t"), "html": m.group(2).replace("→", "\t"),
                        "section": section, "number": len(out) + 1})
    return out


BLOCK = ("address article aside blockquote body center dd dir div dl dt fieldset figcaption figure "
         "footer form h1 h2 h3 h4 h5 h6 head header hr html legend li main menu nav ol p pre "
         "section table tbody td tfoot th thead title tr ul").split()


class Normalizer(html.parser.HTMLParser):
    """HTML in a canonical form for comparison, as the spec's own normalize.py does:
    whitespace next to block tags dropped, runs of whitespace collapsed outside <pre>,
    attributes sorted, entities as characters, void tags without the slash."""

    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.out, self.pre, self.last = [], 0, "start"

    def handle_starttag(self, tag, attrs):
        if tag == "pre":
            self.pre += 1
        if tag in BLOCK:
            self.strip()
        attrs = sorted((k, v if v is not None else "") for k, v in attrs)
        self.out.append("<%s%s>" % (tag, "".join(' %s="%s"' % (k, html.escape(v)) for k, v in attrs)))
        self.last = "block" if tag in BLOCK else "tag"

    handle_startendtag = handle_starttag

    def handle_endtag(self, tag):
        if tag == "pre":
            self.pre -= 1
        if tag in BLOCK:
            self.strip()
        self.out.append("</%s>" % tag)
        self.last = "block" if tag in BLOCK else "tag"

    def handle_data(self, data):
        if not self.pre:
            data = re.sub(r"\s+", " ", data)
            if self.last in ("block", "start"):
                data = data.lstrip()
        self.out.append(html.escape(data, quote=False))
        self.last = "data"

    def handle_comment(self, data):
        self.out.append("<!--%s-->" % data)

    def handle_decl(self, decl):
        self.out.append("<!%s>" % decl)

    def handle_pi(self, data):
        self.out.append("<?%s>" % data)

    def unknown_decl(self, data):
        self.out.append("<![%s]>" % data)

    def strip(self):
        if self.out and not self.pre and not self.out[-1].startswith("<"):
            self.out[-1] = self.out[-1].rstrip()

    def result(self):
        self.strip()
        return "".join(self.out).strip()


def normalize(text):
    n = Normalizer()
    n.feed(text)
    n.close()
    return n.result()


@pytest.fixture(scope="module")
def page():
    from playwright.sync_api import sync_playwright

    def read(name):
        with open(os.path.join(STATIC, name), encoding="utf-8") as f:
            return f.read().replace("</script", "<\\/script")

    doc = ("<!DOCTYPE html><html><head><meta charset='utf-8'><style>%s</style></head>"
           "<body><div id='out' style='width:900px'></div><script>%s</script><script>%s</script>"
           "<script>%s</script></body></html>" % (read("nb.css"), read("render.js"), read("cmark.js"), read("md.js")))
    with sync_playwright() as p:
        b = p.chromium.launch(executable_path=shutil.which("chromium"), args=ARGS)
        try:
            pg = b.new_page(viewport={"width": 1000, "height": 800})
            pg.set_default_timeout(20000)
            pg.set_content(doc)
            yield pg
        finally:
            b.close()


def failures(page, fn):
    examples = spec_examples()
    assert len(examples) == 652
    got = page.evaluate("([ex, fn]) => ex.map(e => { try { return IPL[fn](e.markdown); }"
                        " catch (err) { return 'THREW ' + err; } })", [examples, fn])
    return [(e["number"], e["section"]) for e, g in zip(examples, got)
            if normalize(g) != normalize(e["html"])], len(examples)


def test_commonmark_spec_examples_pass(page):
    bad, total = failures(page, "commonmark")
    rate = 1 - len(bad) / total
    print("CommonMark %s spec examples: %d of %d pass (%.1f%%); failing: %s"
          % (SPEC_VERSION, total - len(bad), total, 100 * rate, bad))
    assert rate >= 0.95, bad


def test_spec_examples_through_the_notebooks_markdown_with_math(page):
    """IPL.markdown (what cells and outputs use): math is kept out of Markdown's way
    and Markdown stays as the spec says."""
    bad, total = failures(page, "markdown")
    rate = 1 - len(bad) / total
    print("through IPL.markdown: %d of %d (%.1f%%)" % (total - len(bad), total, 100 * rate))
    assert rate >= 0.95, bad


def rendered(page, src):
    """`src` as a Markdown cell shows it (sanitised): the element's innerHTML."""
    return page.evaluate("""src => {
        var d = document.createElement('div');
        d.className = 'md-rendered';
        var out = document.getElementById('out');
        out.textContent = '';
        out.appendChild(d);
        IPL.renderMarkdown(d, src, false);
        return d.innerHTML;
    }""", src)


def test_gfm_tables_with_alignment_escaped_pipes_and_inline_markup(page):
    h = rendered(page, "Intro\n| Left | Mid | Right |\n|:-----|:---:|------:|\n| `a\\|b` | **x** | 3 |\n| only |\n\nafter")
    assert "<p>Intro</p>" in h
    assert '<th align="left">Left</th>' in h and '<th align="center">Mid</th>' in h and '<th align="right">Right</th>' in h
    assert "<td align=\"left\"><code>a|b</code></td>" in h and "<strong>x</strong>" in h
    assert h.count("<tr>") == 3 and h.count("<td") == 6         # a short row is filled
    assert h.rstrip().endswith("<p>after</p>")
    assert "<table>" not in rendered(page, "a | b\n-- -- --")     # not a delimiter row


def test_gfm_task_lists_strikethrough_and_bare_autolinks(page):
    h = rendered(page, "- [ ] todo\n- [x] done\n- [y] not a task\n\n~~gone~~ and ~one~ see www.example.com/a or https://x.org/p?q=1.")
    assert h.count('class="task-check"') == 2 and "☐</span> todo" in h and "☑</span> done" in h
    assert "[y] not a task" in h
    assert "<del>gone</del>" in h and "<del>one</del>" in h
    assert '<a href="http://www.example.com/a">www.example.com/a</a>' in h
    assert '<a href="https://x.org/p?q=1">https://x.org/p?q=1</a>.' in h
    assert "<a" not in rendered(page, "`https://in.code/x`")


def test_entities_reference_links_and_html_blocks(page):
    h = rendered(page, "&copy; &nbsp;&amp; &#x41; &bogus;\n\n[ref][] and [Ref]\n\n[ref]: /url \"T\"\n\n<div>\n*raw*\n</div>\n\n*md*")
    assert "© &nbsp;&amp; A &amp;bogus;" in h        # (innerHTML writes U+00A0 as &nbsp;)
    assert h.count('<a href="/url" title="T">') == 2
    assert "<div>\n*raw*\n</div>" in h and "<em>md</em>" in h


def test_math_is_kept_out_of_markdowns_way(page):
    h = rendered(page, "$a_1 * b_2 * c_3$ and *emph* $x_i$\n\n$$\n\\begin{aligned} a &= b_1 \\\\ c &= d_2 \\end{aligned}\n$$\n\n"
                       "`$not math$` and \\$5 and \\\\(y_1\\\\) and \\(z\\)")
    assert "<em>emph</em>" in h and h.count("<em>") == 1            # no emphasis made of the math's * and _
    assert h.count("<math") == 5
    assert "<code>$not math$</code>" in h and "and $5 and" in h
    text = page.evaluate("""() => { var d = document.querySelector('#out .md-rendered').cloneNode(true);
        d.querySelectorAll('annotation').forEach(a => a.remove()); return d.textContent; }""")
    assert "\\" not in text                                          # \\(y\\) leaves no stray backslash
