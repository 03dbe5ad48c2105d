"""The notebook's TeX-to-MathML converter (IPL.tex in ipylite/static/md.js) in a real
headless Chromium (Debian's package) driven by Playwright: the MathML it writes and
how Chromium lays it out. One browser and one page for the module; the page holds
render.js and md.js, and each formula goes through the same sanitiser as a
Markdown cell."""

import base64
import os
import re
import shutil
import subprocess

import pytest

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
STATIC = os.path.join(ROOT, "ipylite", "static")
ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking",
        "--disable-component-update", "--disable-sync", "--no-first-run"]

HELPERS = r"""
window.put = function (src, display) {
  var d = document.createElement("div");
  d.className = "case";
  var out = document.getElementById("out");
  out.textContent = "";
  out.appendChild(d);
  IPL.setSafeHTML(d, IPL.tex(src, display));
  return d;
};
/* [first, last] column with dark pixels in a PNG screenshot */
window.inkColumns = async function (b64) {
  var img = new Image();
  img.src = "data:image/png;base64," + b64;
  await img.decode();
  var c = document.createElement("canvas");
  c.width = img.width; c.height = img.height;
  var g = c.getContext("2d");
  g.drawImage(img, 0, 0);
  var px = g.getImageData(0, 0, c.width, c.height).data, lo = -1, hi = -1;
  for (var x = 0; x < c.width; x++) for (var y = 0; y < c.height; y++) {
    var k = (y * c.width + x) * 4;
    if (px[k] + px[k + 1] + px[k + 2] < 300) { if (lo < 0) lo = x; hi = x; break; }
  }
  return [lo, hi];
};
window.box = function (el) {
  var r = el.getBoundingClientRect();
  return {x: r.left, y: r.top, w: r.width, h: r.height, r: r.right, b: r.bottom};
};
/* the boxes of the elements matching each selector, in the formula `src` */
window.measure = function (src, display, sels) {
  var d = put(src, display), out = {html: d.innerHTML, text: d.textContent};
  var ann = d.querySelector("annotation");
  out.visible = d.textContent.replace(ann ? ann.textContent : "", "");
  (sels || []).forEach(function (s) {
    out[s] = Array.prototype.map.call(d.querySelectorAll(s), box);
  });
  out.math = box(d.querySelector("math"));
  return out;
};
"""


@pytest.fixture(scope="module")
def page():
    from playwright.sync_api import sync_playwright

    def read(name):
        with open(os.path.join(STATIC, name), encoding="utf-8") as f:
            return f.read().replace("</script", "<\\/script")

    html = ("<!DOCTYPE html><html><head><meta charset='utf-8'><style>%s</style></head>"
            "<body><div id='out' style='width:900px'></div><script>%s</script><script>%s</script><script>%s</script>"
            "<script>%s</script></body></html>" % (read("nb.css"), read("render.js"), read("cmark.js"), read("md.js"), HELPERS))
    with sync_playwright() as p:
        b = p.chromium.launch(executable_path=shutil.which("chromium"), args=ARGS)
        try:
            pg = b.new_page(viewport={"width": 1000, "height": 800})
            pg.set_default_timeout(20000)
            pg.set_content(html)
            yield pg
        finally:
            b.close()


def tex(page, src, display=False):
    return page.evaluate("([s, d]) => IPL.tex(s, d)", [src, display])


def measure(page, src, display=False, *sels):
    return page.evaluate("([s, d, sels]) => measure(s, d, sels)", [src, display, list(sels)])


def ink_width(page, box):
    """Width of what is drawn inside `box` (stretched operators report their
    unstretched size to the DOM)."""
    png = page.screenshot(clip={"x": box["x"], "y": box["y"], "width": max(box["w"], 1), "height": max(box["h"], 1)})
    lo, hi = page.evaluate("b => inkColumns(b)", base64.b64encode(png).decode())
    return hi - lo + 1 if lo >= 0 else 0


def text_of(page, src, sel, display=False):
    return page.evaluate("([s, d, sel]) => Array.prototype.map.call(put(s, d).querySelectorAll(sel),"
                         " e => e.textContent)", [src, display, sel])


# ---------------------------------------------------------------- letters and fonts

@pytest.mark.parametrize("src, chars", [
    (r"\mathbf{x}", "𝐱"), (r"\mathbf{A1}", "𝐀𝟏"), (r"\mathbb{R}", "ℝ"),
    (r"\mathbb{NZQCHP}", "ℕℤℚℂℍℙ"), (r"\mathbb{A}", "𝔸"), (r"\mathbb{1}", "𝟙"),
    (r"\mathcal{L}", "ℒ"), (r"\mathcal{BEFHIMR}", "ℬℰℱℋℐℳℛ"), (r"\mathcal{A}", "𝒜"),
    (r"\mathscr{e}", "ℯ"), (r"\mathfrak{g}", "𝔤"), (r"\mathfrak{CHIRZ}", "ℭℌℑℜℨ"),
    (r"\mathsf{A}", "𝖠"), (r"\mathtt{a}", "𝚊"), (r"\mathit{h}", "ℎ"),
    (r"\boldsymbol{x}", "𝒙"), (r"\boldsymbol{\alpha}", "𝜶"), (r"\boldsymbol{\Gamma}", "𝚪"),
    (r"\mathbf{\Omega}", "𝛀"), (r"\bm{\nabla}", "𝛁"), (r"{\bf v}", "𝐯"),
])
def test_font_commands_give_math_alphanumeric_characters(page, src, chars):
    out = tex(page, src)
    assert "".join(text_of(page, src, "mi, mn")) == chars
    assert not re.search(r'mathvariant="(?!normal")', out)    # Chromium ignores the others


def test_mathrm_and_operatorname_make_one_upright_identifier(page):
    assert text_of(page, r"\mathrm{sign}(x)", "mi") == ["sign", "x"]
    assert text_of(page, r"\operatorname{Tr} A", "mi") == ["Tr", "A"]
    out = tex(page, r"\mathrm{d}x")
    assert '<mi mathvariant="normal">d</mi>' in out
    # single letters are italic, several letters upright: Chromium's math-auto
    style = page.evaluate(r"""() => { var d = put('x \\mathrm{d}x'); return Array.prototype.map.call(
        d.querySelectorAll('mi'), e => getComputedStyle(e).textTransform); }""")
    assert style == ["math-auto", "none", "math-auto"]


# ---------------------------------------------------------------- fences

def test_left_right_stretches_to_its_own_contents(page):
    bare = measure(page, r"(x)", True, "mo")["mo"][0]["h"]
    m = measure(page, r"\left( \frac{a}{b} \right) + (x) + \frac{\frac{a}{b}}{\frac{c}{d}}", True, "mo", "mfrac")
    paren, close = m["mo"][0], m["mo"][1]
    inner_frac, tall_frac = m["mfrac"][0], m["mfrac"][1]
    assert paren["h"] > 1.5 * bare and close["h"] == pytest.approx(paren["h"], abs=1)
    assert paren["h"] >= inner_frac["h"] - 2            # covers its fraction
    assert paren["h"] < tall_frac["h"] - 5              # but not the taller one in the row
    assert m["mo"][3]["h"] == pytest.approx(bare, abs=1)    # a bare paren keeps its size
    assert "<mrow><mo fence" in m["html"]


def test_big_delimiters_have_fixed_growing_sizes(page):
    hs = [measure(page, r"\%s( x" % b, True, "mo")["mo"][0]["h"] for b in ("big", "Big", "bigg", "Bigg")]
    bare = measure(page, r"( x", True, "mo")["mo"][0]["h"]
    assert bare < hs[0] < hs[1] < hs[2] < hs[3]
    # fixed: the same next to something tall
    tall = measure(page, r"\bigl( \frac{\frac{a}{b}}{\frac{c}{d}} \bigr)", True, "mo")["mo"]
    assert tall[0]["h"] == pytest.approx(hs[0], abs=1) and tall[1]["h"] == pytest.approx(hs[0], abs=1)
    assert 'minsize="1.2em"' in tex(page, r"\bigl(") and 'maxsize="2.470em"' in tex(page, r"\Biggr]")


def test_middle_bar_stretches_and_abs_norm_delimiters(page):
    m = measure(page, r"\left\{ \frac{a}{b} \;\middle|\; b > 0 \right\}", True, "mo")
    bar = [b for b, t in zip(m["mo"], text_of(page, r"\left\{ \frac{a}{b} \;\middle|\; b > 0 \right\}", "mo", True))
           if t == "|"][0]
    assert bar["h"] > 1.5 * measure(page, "|", True, "mo")["mo"][0]["h"]
    assert text_of(page, r"\lvert x \rvert \lVert v \rVert", "mo") == ["|", "|", "‖", "‖"]
    assert text_of(page, r"\left\lVert v \right\rVert", "mo") == ["‖", "‖"]


# ---------------------------------------------------------------- text

def test_text_keeps_its_spaces_also_in_scripts(page):
    spaced = measure(page, r"\text{ if }", False, "mtext")["mtext"][0]["w"]
    tight = measure(page, r"\text{if}", False, "mtext")["mtext"][0]["w"]
    assert spaced > tight + 4
    assert text_of(page, r"x \text{ if } y", "mtext") == ["\u00a0if\u00a0"]
    m = measure(page, r"x_{\text{max value}} + x_\text{min}", False, "msub mtext")
    assert len(m["msub mtext"]) == 2 and "max\u00a0value" in m["text"]
    sizes = page.evaluate(r"""() => Array.prototype.map.call(put('\\text{a} x_\\text{a}').querySelectorAll('mtext'),
        e => parseFloat(getComputedStyle(e).fontSize))""")
    assert sizes[1] < sizes[0]                                   # script size
    # math inside text, and TeX escapes
    assert "mfrac" in tex(page, r"\text{for $\frac{1}{2}$ of them}")
    assert text_of(page, r"\text{50\% \& more}", "mtext") == ["50%\u00a0&\u00a0more"]


# ---------------------------------------------------------------- display and inline

def test_display_operators_are_large_with_limits_under_and_over(page):
    src = r"\sum_{i=1}^{n} i"
    d = measure(page, src, True, "munderover > mo", "munderover > :nth-child(2)", "munderover > :nth-child(3)")
    i = measure(page, src, False, "munderover > mo", "munderover > :nth-child(2)", "munderover > :nth-child(3)")
    dop, dsub, dsup = d["munderover > mo"][0], d["munderover > :nth-child(2)"][0], d["munderover > :nth-child(3)"][0]
    iop, isub, isup = i["munderover > mo"][0], i["munderover > :nth-child(2)"][0], i["munderover > :nth-child(3)"][0]
    assert dop["h"] > 1.3 * iop["h"]
    assert dsub["y"] >= dop["b"] - 2 and dsup["b"] <= dop["y"] + 2        # under and over
    assert isub["x"] >= iop["r"] - 1 and isup["x"] >= iop["r"] - 1        # at the side
    for name in ("lim", "max", "operatorname*{argmax}"):
        src = r"\%s_{x \to 0} f" % name
        d = measure(page, src, True, "munder > mo", "munder > :nth-child(2)")
        i = measure(page, src, False, "munder > mo", "munder > :nth-child(2)")
        assert d["munder > :nth-child(2)"][0]["y"] >= d["munder > mo"][0]["b"] - 2, name
        assert i["munder > :nth-child(2)"][0]["x"] >= i["munder > mo"][0]["r"] - 1, name


def test_integrals_keep_limits_at_the_side_unless_limits(page):
    d = measure(page, r"\int_0^1 f", True, "msubsup > mo", "msubsup > mn")
    i = measure(page, r"\int_0^1 f", False, "msubsup > mo")
    op = d["msubsup > mo"][0]
    assert op["h"] > 1.3 * i["msubsup > mo"][0]["h"]
    assert all(n["x"] >= op["r"] - 3 for n in d["msubsup > mn"])
    lim = measure(page, r"\int\limits_0^1 f", True, "munderover > mo", "munderover > mn")
    assert lim["munderover > mn"][0]["y"] >= lim["munderover > mo"][0]["b"] - 2
    side = measure(page, r"\sum\nolimits_i x", True, "msub")
    assert len(side["msub"]) == 1


def test_fractions_smaller_inline_and_dfrac_cfrac(page):
    d = measure(page, r"\frac{a}{b}", True, "mfrac")["mfrac"][0]["h"]
    i = measure(page, r"\frac{a}{b}", False, "mfrac")["mfrac"][0]["h"]
    assert d > i + 3
    assert measure(page, r"\dfrac{a}{b}", False, "mfrac")["mfrac"][0]["h"] == pytest.approx(d, abs=1)
    assert measure(page, r"\tfrac{a}{b}", True, "mfrac")["mfrac"][0]["h"] == pytest.approx(i, abs=1)
    # \cfrac keeps full-size numerators all the way down
    sizes = page.evaluate(r"""() => Array.prototype.map.call(put('\\cfrac{1}{1+\\cfrac{1}{1+x}}', true)
        .querySelectorAll('mn'), e => getComputedStyle(e).fontSize)""")
    assert len(set(sizes)) == 1


# ---------------------------------------------------------------- more commands

def test_overbrace_underbrace_with_labels(page):
    m = measure(page, r"\overbrace{a+b+c}^{\text{three}} = \underbrace{x+y}_{2}", True, "mo", "mtext", "mn")
    mos = text_of(page, r"\overbrace{a+b+c}^{\text{three}} = \underbrace{x+y}_{2}", "mo", True)
    brace = m["mo"][mos.index("⏞")]
    under = m["mo"][mos.index("⏟")]
    assert m["mtext"][0]["b"] <= brace["y"] + 2                 # label over the brace
    assert m["mn"][0]["y"] >= under["b"] - 2                    # label under the brace
    base = measure(page, r"\overbrace{a+b+c}^{\text{three}}", True, "mover > mover > mrow")["mover > mover > mrow"][0]
    label = measure(page, r"\overbrace{a+b+c}^{\text{three}}", True, "mtext")["mtext"][0]
    band = {"x": base["x"] - 5, "w": base["w"] + 10, "y": label["b"] + 1, "h": base["y"] - label["b"] - 1}
    assert ink_width(page, band) > 0.9 * base["w"]              # the brace stretches over a+b+c


def test_overset_underset_stackrel_xarrows(page):
    m = measure(page, r"\overset{!}{=} \underset{x}{\operatorname{argmin}} \stackrel{\text{def}}{=}", True,
                "mover", "munder")
    assert len(m["mover"]) == 2 and len(m["munder"]) == 1
    a = measure(page, r"a \xrightarrow{\text{a long label}} b \xleftarrow[below]{} c", True, "mover > mo",
                "mtext", "munderover > mo")
    arrow, label = a["mover > mo"][0], a["mtext"][0]
    band = {"x": label["x"] - 20, "w": label["w"] + 40, "y": label["b"] + 1, "h": arrow["b"] - label["b"]}
    assert ink_width(page, band) >= label["w"]                  # the arrow is as long as its label
    assert text_of(page, r"\xrightarrow{f} \xleftarrow[g]{}", "mo") == ["→", "←"]


@pytest.mark.parametrize("src, expected", [
    (r"a \not= b", "≠"), (r"x \not\in A", "∉"), (r"a \not< b", "≮"), (r"a \not\equiv b", "≢"),
    (r"\leqslant", "⩽"), (r"\geqslant", "⩾"), (r"\prec", "≺"), (r"\succ", "≻"), (r"\preceq", "⪯"),
    (r"\succeq", "⪰"), (r"\dagger", "†"), (r"\top", "⊤"), (r"\bot", "⊥"), (r"\vdash", "⊢"),
    (r"\models", "⊨"), (r"\nexists", "∄"), (r"\therefore", "∴"), (r"\because", "∵"),
    (r"\longrightarrow", "⟶"), (r"\longmapsto", "⟼"), (r"\hookrightarrow", "↪"),
    (r"\Longrightarrow", "⟹"), (r"A \iff B", "⟺"), (r"a_1, \dotsc, a_n", "…"),
    (r"a_1 + \dotsb + a_n", "⋯"), (r"\ldots", "…"), (r"\cdots", "⋯"),
])
def test_symbols(page, src, expected):
    out = tex(page, src)
    assert expected in out and "#c00" not in out


def test_mod_forms(page):
    assert "".join(text_of(page, r"a \equiv b \pmod{n}", "mi, mo, mn")) == "a≡b(modn)"
    assert text_of(page, r"a \bmod b", "mo") == ["mod"]
    assert text_of(page, r"x \mod 3", "mi") == ["x", "mod"]
    wide = measure(page, r"a \pmod{n}", True, "mspace")["mspace"][0]["w"]
    narrow = measure(page, r"a \pmod{n}", False, "mspace")["mspace"][0]["w"]
    assert wide > narrow


def test_boxed_phantom_color(page):
    border = page.evaluate(r"""() => getComputedStyle(put('\\boxed{E = mc^2}', true)
        .querySelector('mrow[style]')).borderTopStyle""")
    assert border == "solid"
    ph = measure(page, r"a\phantom{xxx}b", False, "mphantom")["mphantom"][0]
    assert ph["w"] > 10
    colors = page.evaluate(r"""() => { var d = put('{\\color{red} x} + \\textcolor{blue}{y} + z + \\color{green}{w}');
        return Array.prototype.map.call(d.querySelectorAll('mi'), e => getComputedStyle(e).color); }""")
    assert colors == ["rgb(255, 0, 0)", "rgb(0, 0, 255)", "rgb(33, 33, 33)", "rgb(0, 128, 0)"] or \
        (colors[0] == "rgb(255, 0, 0)" and colors[1] == "rgb(0, 0, 255)" and colors[3] == "rgb(0, 128, 0)"
         and colors[2] not in colors[:2] + colors[3:])
    assert 'mathcolor=' not in tex(page, r"\color{red\" onload=\"x}{y}")       # a bad colour is dropped


def test_substack_and_tag(page):
    m = measure(page, r"\sum_{\substack{0<i<m \\ 0<j<n}} P(i,j)", True, "munder mtr", "munder > mo")
    rows = m["munder mtr"]
    assert len(rows) == 2 and rows[1]["y"] >= rows[0]["b"] - 1 and rows[0]["y"] >= m["munder > mo"][0]["b"] - 2
    res = page.evaluate(r"""() => { var d = put('E = mc^2 \\tag{1.2}', true);
        var tag = d.querySelector('.math-tag'), math = d.querySelector('math'), mrow = math.querySelector('mrow');
        return {tag: tag.textContent, tb: box(tag), mb: box(mrow), db: box(d)}; }""")
    assert res["tag"] == "(1.2)"
    assert res["tb"]["r"] == pytest.approx(res["db"]["r"], abs=2)      # at the right edge
    assert res["mb"]["r"] < res["tb"]["x"] - 100                        # formula stays in the middle
    assert abs((res["mb"]["x"] + res["mb"]["r"]) / 2 - (res["db"]["x"] + res["db"]["r"]) / 2) < 5
    assert "(7)" in page.evaluate(r"() => put('x \\tag{7}', false).textContent")
    assert text_of(page, r"\begin{align} a &= b \tag{A} \\ c &= d \end{align}", "mtd:last-child", True)[0] == "(A)"


# ---------------------------------------------------------------- tables

def test_array_columns_alignment_and_rules(page):
    src = r"\begin{array}{l|cr} \text{left} & c & r \\ \hline 10 & 200 & 3000 \\ a & b & c \end{array}"
    m = measure(page, src, True, "mtd > mrow", "mtd")
    cells = m["mtd > mrow"]
    col = lambda k: [cells[r * 3 + k] for r in range(3)]
    assert len({round(c["x"]) for c in col(0)}) == 1                          # left aligned
    assert len({round(c["r"]) for c in col(2)}) == 1                          # right aligned
    assert len({round(c["r"]) for c in col(0)}) == 3
    assert len({round((c["x"] + c["r"]) / 2) for c in col(1)}) == 1           # centred
    styles = page.evaluate(r"""(s) => Array.prototype.map.call(put(s, true).querySelectorAll('mtd'),
        e => [getComputedStyle(e).borderTopStyle, getComputedStyle(e).borderRightStyle])""", src)
    assert [s[0] for s in styles] == ["none"] * 3 + ["solid"] * 3 + ["none"] * 3     # \hline
    assert [s[1] for s in styles][::3] == ["solid"] * 3                              # the | rule


def test_aligned_gathered_cases(page):
    src = r"\begin{aligned} f(x) &= (x+1)^2 \\ &= x^2 + 2x + 1 \end{aligned}"
    m = measure(page, src, True, "mo")
    eqs = [b for b, t in zip(m["mo"], text_of(page, src, "mo", True)) if t == "="]
    assert len(eqs) == 2 and eqs[0]["x"] == pytest.approx(eqs[1]["x"], abs=1)   # aligned at &=
    g = measure(page, r"\begin{gathered} a = b \\ c + d = e \end{gathered}", True, "mtd > mrow")["mtd > mrow"]
    assert (g[0]["x"] + g[0]["r"]) / 2 == pytest.approx((g[1]["x"] + g[1]["r"]) / 2, abs=1)
    cases = r"|x| = \begin{cases} \frac{1}{2} & \text{if } x \ge 0 \\ -x & \text{otherwise} \end{cases}"
    c = measure(page, cases, True, "mfrac", "mtd > mrow", "mo")
    d = measure(page, cases.replace("cases", "dcases"), True, "mfrac")
    assert d["mfrac"][0]["h"] > c["mfrac"][0]["h"] + 3                       # dcases: display style
    cells = c["mtd > mrow"]
    assert cells[0]["x"] == pytest.approx(cells[2]["x"], abs=1) and cells[1]["x"] == pytest.approx(cells[3]["x"], abs=1)
    brace = [b for b, t in zip(c["mo"], text_of(page, cases, "mo", True)) if t == "{"][0]
    assert brace["h"] > cells[0]["h"] + cells[2]["h"] - 5                   # the brace spans both rows
    assert tex(page, r"\begin{cases*} a & b \end{cases*}").count("<mtd") == 2


def test_matrices_have_stretched_fences(page):
    for env, fence in (("pmatrix", "("), ("bmatrix", "["), ("vmatrix", "|"), ("Bmatrix", "{")):
        src = r"\begin{%s} 1 & 0 \\ 0 & 1 \end{%s}" % (env, env)
        m = measure(page, src, True, "mo", "mtable")
        assert text_of(page, src, "mo", True)[0] == fence
        assert m["mo"][0]["h"] >= m["mtable"][0]["h"] - 4, env


# ---------------------------------------------------------------- bad input

@pytest.mark.parametrize("src, visible", [
    (r"\frac{a}", "a"), (r"{a", "a"), (r"a}", "a"), (r"\end{x} b", r"\end{x}b"),
    (r"\begin{matrix} a & b", "ab"), (r"\sqrt[3", "3"), (r"\left( x", "(x"), (r"\right) x", ")x"),
    (r"\middle| x", "|x"), (r"x^", "x"), (r"x \\ y & z \\", "xyz"),
    (r"\begin{nosuchenv} a \end{nosuchenv}", "a"), (r"\text{abc", "abc"), (r"\text{$x}", "$x"),
    ("a" + "'" * 5 + "_1", "a" + "\u2032" * 5 + "1"), (r"\mathbb{\mathcal{x}}", "\U0001d4cd"),
    (r"\constructor \__proto__ \toString", r"\constructor"), ("xx" + "{" * 400 + "y", "xx{{{{"),
    (r"\frac{" * 300, r"\frac{\frac{"), (r"\left(" * 300, r"\left(\left("), (r"\foo{x}", r"\foox"),
])
def test_malformed_input_shows_what_was_typed(page, src, visible):
    d = measure(page, src, True)
    assert visible in d["visible"].replace("\u00a0", "") and d["math"]["h"] > 0


@pytest.mark.parametrize("src", [
    r"\frac{a}", r"\frac", r"{a", r"a}", r"}}}{{{", r"\end{x} b", r"\begin{matrix} a & b", r"\sqrt[3",
    r"\left( x", r"\right) x", r"\middle| x", r"x^", r"_", r"^^", r"\\", "\\", r"x \\ y & z \\",
    r"\begin{array}{", r"\begin{nosuchenv} a \end{nosuchenv}", r"\left", r"\big", r"\not", r"\text{",
    r"\color", r"\tag{", r"\overbrace", r"\xrightarrow[", r"\operatorname*", r"\substack{", r"\\[",
    r"\hspace{", r"\kern", r"\constructor \__proto__ \toString", "x" * 3 + "{" * 400 + "y",
    r"\frac{" * 300, r"\left(" * 300, "x^" * 3000, r"\sin x" * 3000, "$", "\u0000", r"\text{$x}", r"a'''''_1", r"\mathbb{\mathcal{x}}",
])
def test_malformed_input_renders_something_readable(page, src):
    out = tex(page, src)
    assert out.startswith("<math") or out.startswith('<span class="math-tagged"')
    d = measure(page, src, True)
    assert d["math"]["w"] > 0      # laid out on the page (a lost or hidden formula has no box)


def test_unknown_commands_stay_visible_in_red(page):
    src = r"a + \foo{x} + \begin{weird} y \end{weird}"
    reds = page.evaluate(r"""(s) => Array.prototype.filter.call(put(s).querySelectorAll('mtext'),
        e => getComputedStyle(e).color === 'rgb(204, 0, 0)').map(e => e.textContent)""", src)
    assert reds == ["\\foo", "\\begin{weird}", "\\end{weird}"]
    assert text_of(page, src, "mi") == ["a", "x", "y"]
    deep = tex(page, "{" * 400 + "x")         # too deep: shown as typed
    assert "#c00" in deep and "{{{{x" in deep


def test_markdown_cell_keeps_math_font_and_styles_through_sanitiser(page):
    res = page.evaluate(r"""() => { var d = document.createElement('div');
        document.getElementById('out').appendChild(d);
        IPL.renderMarkdown(d, 'Let $\\mathbb{R}$ be\n\n$$\\boxed{x} \\tag{2}$$\n\n$\\text{ if }$', false);
        var m = d.querySelectorAll('math');
        return {n: m.length, font: getComputedStyle(m[0]).fontFamily, tag: d.querySelector('.math-tag').textContent,
                border: getComputedStyle(d.querySelector('mrow[style]')).borderTopStyle, text: d.textContent}; }""")
    assert res["n"] == 3 and "Math" in res["font"] and res["tag"] == "(2)" and res["border"] == "solid"
    assert "ℝ" in res["text"] and "\u00a0if\u00a0" in res["text"]


def test_a_math_font_is_installed():
    """Large operators and stretchy fences need a font with an OpenType MATH table;
    Chromium's generic `math` family does not find one on Debian by itself."""
    fc = shutil.which("fc-list")
    assert fc, "fontconfig's fc-list is missing"
    families = subprocess.run([fc, ":", "family"], capture_output=True, text=True, timeout=30).stdout
    named = re.findall(r"'([^']+)'", re.search(r'MATH_FONT = "([^"]+)"', open(os.path.join(STATIC, "md.js"),
                                                                          encoding="utf-8").read()).group(1))
    assert any(n in families for n in named), "no math font installed: apt-get install fonts-dejavu-extra"


# ---------------------------------------------------------------- real notebooks, macros, chemistry

FORMULAS = os.environ.get("IPYLITE_MATH_FORMULAS") or os.path.join(
    os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__)))), "shared", "math",
    "formulas.json")     # ../shared beside the repository, as CI lays it


def unknown(page, src, display=False):
    """What IPL.tex marks unknown (red) in `src`."""
    return re.findall(r'mathcolor="#c00">([^<]*)<', tex(page, src, display))


def test_every_formula_from_real_notebooks_renders_with_nothing_unknown(page):
    import json
    if not os.path.exists(FORMULAS):
        pytest.fail("no %s (set IPYLITE_MATH_FORMULAS to the formulas' JSON file)" % FORMULAS)
    with open(FORMULAS, encoding="utf-8") as f:
        formulas = json.load(f)
    got = page.evaluate("fs => fs.map(f => IPL.tex(f.tex, f.display))", formulas)
    bad = [(f["tex"], re.findall(r'mathcolor="#c00">([^<]*)<', g)) for f, g in zip(formulas, got) if "#c00" in g]
    assert len(formulas) == 290 and not bad, bad


def test_newcommand_def_and_declaremathoperator_hold_for_the_page(page):
    assert unknown(page, r"\newcommand{\Rset}{\mathbb{R}} \newcommand{\normof}[1]{\lVert #1 \rVert}") == []
    assert text_of(page, r"x \in \Rset, \normof{y}", "mi") == ["x", "ℝ", "y"]     # a later formula
    assert "‖" in "".join(text_of(page, r"\normof{z}", "mo"))
    assert text_of(page, r"\renewcommand{\pairof}[2][a]{(#1, #2)} \pairof{b} \pairof[c]{d}", "mi") == ["a", "b", "c", "d"]
    assert text_of(page, r"\def\vecv{\mathbf{v}} \vecv", "mi") == ["𝐯"]
    assert text_of(page, r"\DeclareMathOperator{\Tr}{Tr} \Tr A", "mi")[:2] == ["Tr", "A"]
    # a macro that calls itself is stopped and shown in red, not expanded forever
    assert "\\loopy" in unknown(page, r"\newcommand{\loopy}{x\loopy} \loopy")


def test_cancel_strikes_through_and_latex_logo(page):
    for name in ("cancel", "bcancel", "xcancel"):
        assert unknown(page, "\\%s{x+1}" % name) == []
        html = tex(page, "\\%s{x+1}" % name)
        assert 'class="cancel"' in html and "linear-gradient" in html
    assert text_of(page, r"\cancelto{0}{x}", "msup > mrow")[1] == "0"
    d = measure(page, r"\cancel{xyz}", False, "mrow.cancel")
    assert d["mrow.cancel"] and d["mrow.cancel"][0]["w"] > 10
    assert unknown(page, r"\LaTeX \text{ and } \TeX") == []


@pytest.mark.parametrize("src, text", [
    (r"\ce{H2O}", "H2O"), (r"\ce{2H2 + O2 -> 2H2O}", "2H2+O2→2H2O"),
    (r"\ce{SO4^2- + Ba^2+ -> BaSO4 v}", "SO42−+Ba2+→BaSO4↓"), (r"\ce{CuSO4.5H2O}", "CuSO4⋅5H2O"),
    (r"\ce{Fe(OH)3 <=> Fe^3+ + 3OH-}", "Fe(OH)3⇌Fe3++3OH−"), (r"\ce{NaCl(aq)}", "NaCl(aq)"),
])
def test_mhchem_ce(page, src, text):
    assert unknown(page, src) == []
    d = page.evaluate("""s => { var d = put(s, false); d.querySelectorAll('annotation').forEach(a => a.remove());
        return d.textContent; }""", src)
    assert d.replace("\u2009", "").replace(" ", "") == text
    assert page.evaluate("s => put(s, false).querySelectorAll('msub').length", src) >= (1 if any(c.isdigit() for c in src[4:]) else 0)


def test_widehat_stretches_over_its_base(page):
    def accent_ink(src):
        d = measure(page, src, True, "mover", "mover > :first-child")
        over, base = d["mover"][0], d["mover > :first-child"][0]
        strip = {"x": over["x"], "y": over["y"], "w": over["w"], "h": max(base["y"] - over["y"], 1)}
        return ink_width(page, strip)
    wide, narrow = accent_ink(r"\widehat{ABCDEF}"), accent_ink(r"\hat{ABCDEF}")
    assert wide > 2 * narrow, (wide, narrow)
