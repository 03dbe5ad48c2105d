"""The untrusted-HTML sanitiser (render.js) in a real Chromium, against the known
classes of XSS payloads (the kinds OWASP's filter-evasion list catalogues: script and
event handlers, javascript: and data: URLs in every spelling, entity and whitespace
obfuscation, mutation XSS through foreign content, CSS tricks, DOM clobbering, page
covering). Each payload tries to call xss(); none may, and none may leave behind a
handler, a dangerous URL, or a box that escapes its output area."""

import os
import shutil

import pytest

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
RENDER_JS = os.path.join(ROOT, "ipylite", "static", "render.js")
ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking",
        "--disable-component-update", "--disable-sync", "--no-first-run"]

PAYLOADS = [
    "<script>xss()</script>",
    "<SCRIPT SRC=//example.invalid/xss.js></SCRIPT>",
    '<IMG SRC="javascript:xss();">',
    "<IMG SRC=JaVaScRiPt:xss()>",
    "<IMG SRC=&#106;&#97;&#118;&#97;&#115;&#99;&#114;&#105;&#112;&#116;&#58;&#120;&#115;&#115;&#40;&#41;>",
    "<IMG SRC=&#x6A&#x61&#x76&#x61&#x73&#x63&#x72&#x69&#x70&#x74&#x3A&#x78&#x73&#x73&#x28&#x29>",
    '<IMG SRC="jav\tascript:xss();">',
    '<IMG SRC="jav&#x09;ascript:xss();">',
    '<IMG SRC=" &#14;  javascript:xss();">',
    '<IMG """><SCRIPT>xss()</SCRIPT>">',
    "<img src=x onerror=xss()>",
    "<img src=x:alert(1) onerror=eval(src)>",
    "<IMG SRC=# onmouseover=\"xss()\">",
    "<svg/onload=xss()>",
    "<svg><animate onbegin=xss() attributeName=x dur=1s>",
    "<svg><script>xss()</script></svg>",
    "<body onload=xss()>",
    '<BODY BACKGROUND="javascript:xss()">',
    '<TABLE BACKGROUND="javascript:xss()"><tr><td>t</td></tr></TABLE>',
    '<iframe src="javascript:xss()"></iframe>',
    '<iframe srcdoc="<script>parent.xss()</script>"></iframe>',
    '<a href="javascript:xss()">link</a>',
    '<a href="  JaVaScRiPt:xss()">link</a>',
    '<a href="jav&#x0A;ascript:xss()">link</a>',
    '<a href="&#x6A;avascript:xss()">link</a>',
    '<a href="data:text/html,<script>xss()</script>">link</a>',
    '<a href="vbscript:xss()">link</a>',
    "<math><mtext><table><mglyph><style><img src=x onerror=xss()></style></mglyph></table></mtext></math>",
    '<noscript><p title="</noscript><img src=x onerror=xss()>"></p></noscript>',
    "<form><math><mtext></form><form><mglyph><style></math><img src onerror=xss()>",
    "<template><script>xss()</script></template>",
    "<style>@import 'javascript:xss()';</style>",
    "<div style=\"background-image:url(javascript:xss())\">bg</div>",
    "<div style=\"width: expression(xss())\">ie</div>",
    "<DIV STYLE=\"background-image:\\0075\\0072\\006C\\0028'\\006a\\0061\\0076\\0061\\0073\\0063\\0072\\0069\\0070\\0074\\003a\\0078\\0073\\0073\\0028\\0029'\\0029\">esc</DIV>",
    '<meta http-equiv="refresh" content="0;url=javascript:xss()">',
    "<link rel=stylesheet href=javascript:xss()>",
    '<object data="javascript:xss()"></object>',
    '<embed src="data:image/svg+xml;base64,PHN2ZyBvbmxvYWQ9InhzcygpIj48L3N2Zz4=">',
    '<form action="javascript:xss()"><button>go</button></form>',
    "<input onfocus=xss() autofocus>",
    "<details open ontoggle=xss()>d</details>",
    "<video><source onerror=xss()></video>",
    "<audio src=x onerror=xss()></audio>",
    '<base href="javascript:/">',
    "<xss onmouseover=xss()>custom</xss>",
    "<marquee onstart=xss()>m</marquee>",
    "<isindex action=javascript:xss() type=image>",
    '<div style="position:fixed;top:0;left:0;width:100%;height:100%;z-index:9999;background:white">In [1]: fake prompt</div>',
    '<div style="position:absolute;top:-500px">over</div>',
    '<div style="margin-top:-2000px">up</div>',
    '<div style="transform:translateY(-900px)">moved</div>',
    '<img id="IPL" name="cookie" src="data:image/png;base64,iVBORw0KGgo=">',
    '<form id="body"><input name="attributes"></form>',
    '<a href="#" id="location">clobber</a>',
    "<!--<img src=x onerror=xss()>-->",
    "<![CDATA[<img src=x onerror=xss()>]]>",
    "<scr<script>ipt>xss()</scr</script>ipt>",
    "<img src=`x`onerror=xss()>",
    '<a href="java\0script:xss()">nul</a>',
]


@pytest.fixture(scope="module")
def page():
    from playwright.sync_api import sync_playwright
    with sync_playwright() as p:
        b = p.chromium.launch(executable_path=shutil.which("chromium"), args=ARGS)
        try:
            pg = b.new_page()
            pg.set_content("<html><head></head><body><div id='out' class='cell-output' "
                           "style='position:relative;overflow:visible;margin-top:300px;min-height:20px;padding:1px'></div></body></html>")
            pg.add_script_tag(path=RENDER_JS)
            pg.evaluate("window.xss = function () { window.__xss = (window.__xss || 0) + 1; }")
            yield pg
        finally:
            b.close()


AUDIT = """(el) => {
  const bad = [];
  const out = el.getBoundingClientRect();
  el.querySelectorAll('*').forEach((n) => {
    for (const a of n.attributes) {
      if (/^on/i.test(a.name)) bad.push('handler ' + a.name);
      if (/^\\s*(javascript|vbscript|data:text)/i.test(a.value.replace(/[\\s\\0]/g, ''))) bad.push('url ' + a.name);
    }
    const cs = getComputedStyle(n);
    if (cs.position === 'fixed' || cs.position === 'absolute') bad.push('position ' + cs.position);
    if (/url\\(/.test(cs.backgroundImage)) bad.push('background url');
    const r = n.getBoundingClientRect();
    if (r.height && r.top < out.top - 1) bad.push('above its output area');
    if (['SCRIPT', 'IFRAME', 'OBJECT', 'EMBED', 'FORM', 'BASE', 'META', 'LINK', 'STYLE'].includes(n.tagName)) bad.push('tag ' + n.tagName);
  });
  el.querySelectorAll('[id], [name]').forEach((n) => {
    for (const v of [n.id, n.getAttribute('name')]) {
      if (v && (v in window || v in document || v in HTMLFormElement.prototype)) bad.push('clobbers ' + v);
    }
  });
  if (!window.IPL || !window.IPL.sanitize || !(document.body instanceof HTMLBodyElement)) bad.push('clobbered');
  return bad;
}"""


@pytest.mark.parametrize("payload", PAYLOADS)
def test_payload_is_made_harmless(page, payload):
    page.evaluate("window.__xss = 0")
    page.evaluate("(p) => IPL.setSafeHTML(document.getElementById('out'), p)", payload)
    page.evaluate("""() => document.querySelectorAll('#out *').forEach((n) => {
      for (const t of ['mouseover', 'focus', 'click']) n.dispatchEvent(new Event(t, {bubbles: true}));
    })""")
    page.wait_for_timeout(150)           # onerror / ontoggle / onbegin fire asynchronously
    assert page.evaluate("window.__xss") == 0
    assert page.eval_on_selector("#out", AUDIT) == []
    assert page.evaluate("typeof document.getElementById('out') === 'object' && window.location.href.startsWith('about:')")


def test_useful_html_survives(page):
    html = ('<table border="1"><thead><tr><th colspan="2" style="text-align:center;color:red">T</th></tr></thead>'
            '<tbody><tr><td style="background-color:#eef;padding:2px">1</td><td>2</td></tr></tbody></table>'
            '<p><b>bold</b> <i>it</i> <a href="https://example.org/x" target="_blank">ext</a> '
            '<img src="data:image/png;base64,iVBORw0KGgo=" alt="pic" width="10">'
            '<span style="font-weight:bold;margin-left:4px">s</span></p>'
            '<details><summary>more</summary>hidden</details><ul><li>a</li></ul>'
            '<h2 id="section-2">Section</h2><input type="checkbox" checked>')
    page.evaluate("(p) => IPL.setSafeHTML(document.getElementById('out'), p)", html)
    got = page.evaluate("""() => {
      const o = document.getElementById('out');
      return {th: o.querySelector('th').getAttribute('style'), colspan: o.querySelector('th').colSpan,
              td: o.querySelector('td').style.backgroundColor, a: o.querySelector('a').href,
              rel: o.querySelector('a').rel, img: o.querySelector('img').alt + o.querySelector('img').width,
              span: o.querySelector('span').style.marginLeft, h2: o.querySelector('h2').id,
              box: o.querySelector('input').disabled && o.querySelector('input').checked,
              text: o.textContent};
    }""")
    assert got["th"] == "text-align: center; color: red;" or ("center" in got["th"] and "red" in got["th"])
    assert got["colspan"] == 2 and got["td"] == "rgb(238, 238, 255)"
    assert got["a"] == "https://example.org/x" and "noopener" in got["rel"]
    assert got["img"] == "pic10" and got["span"] == "4px" and got["h2"] == "section-2" and got["box"]
    assert "bold" in got["text"] and "hidden" in got["text"]
