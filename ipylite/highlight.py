"""Python highlighting's one source of truth, for the Qt console and the notebook page.

The words come from Python itself: ``KEYWORDS`` are :data:`keyword.kwlist` and the soft
keywords that are neither a builtin nor ``_`` (``match``, ``case``); ``BUILTINS`` are
the public names of the :mod:`builtins` module (functions, types, exceptions), those the
:mod:`site` module adds (so ``python -S`` gets the same) and ``self``.

:func:`python_spans` is the Qt console's tokenizer. The notebook page's tokenizer is
JavaScript (static/render.js, it runs in the browser) but takes its words from here:
whoever serves or inlines render.js passes it through :func:`fill_page_words`, which
writes these two sets into it, so both frontends classify every word the same way
(tests/test_highlight.py drives both on the same sample).

The standard library only: no Qt, no zmq.
"""

import builtins
import json
import keyword
import re

__all__ = ["BUILTINS", "KEYWORDS", "fill_page_words", "python_spans", "word_kind"]

KEYWORDS = frozenset(keyword.kwlist) | frozenset(
    w for w in getattr(keyword, "softkwlist", ()) if w != "_" and not hasattr(builtins, w))
SITE_BUILTINS = frozenset(("help", "exit", "quit", "copyright", "credits", "license"))
BUILTINS = (frozenset(n for n in vars(builtins) if not n.startswith("_")) | SITE_BUILTINS
            | {"self"}) - KEYWORDS


def word_kind(word):
    """"keyword", "builtin" or None for one identifier."""
    return "keyword" if word in KEYWORDS else "builtin" if word in BUILTINS else None


# ---------------------------------------------------------------- the Qt console's tokenizer

_TOKEN_RE = re.compile(r"""
    (?P<comment>\#[^\n]*)
  | (?P<string>[rbuf]{0,2}(?:'''|\"\"\"|'(?:\\.|[^'\\\n])*'?|"(?:\\.|[^"\\\n])*"?))
  | (?P<number>\b(?:0[xob][0-9a-f_]+|\d[\d_]*\.?\d*(?:e[+-]?\d+)?j?)\b)
  | (?P<name>[A-Za-z_][A-Za-z0-9_]*)
  | (?P<magic>^\s*%{1,2}[A-Za-z_]\w*)
""", re.VERBOSE | re.IGNORECASE)


def python_spans(line):
    """[(start, length, kind)] of the highlighted tokens of one line of Python; kind is
    keyword (a magic at the line's start too), builtin, string, comment or number.
    Triple-quoted strings are
    marked from their opening quotes to the end of the line."""
    spans = []
    for m in _TOKEN_RE.finditer(line):
        kind = m.lastgroup
        if kind == "name":
            kind = word_kind(m.group())
            if kind is None:
                continue
        elif kind == "string" and m.group().endswith(("'''", '"""')) and len(m.group()) <= 5:
            spans.append((m.start(), len(line) - m.start(), "string"))
            break
        elif kind == "magic":
            kind = "keyword"
        spans.append((m.start(), m.end() - m.start(), kind))
    return spans


# ---------------------------------------------------------------- the page's words

PAGE_MARK = '{"keywords": [], "builtins": []} /* PY_WORDS */'


def fill_page_words(render_js):
    """static/render.js's text with KEYWORDS and BUILTINS written in at its mark."""
    if PAGE_MARK not in render_js:
        raise ValueError("render.js has lost its PY_WORDS mark: " + PAGE_MARK)
    words = json.dumps({"keywords": sorted(KEYWORDS), "builtins": sorted(BUILTINS)})
    return render_js.replace(PAGE_MARK, words, 1)
