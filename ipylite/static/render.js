/* ipylite: shared helpers — escaping, ANSI colours, HTML sanitising, Python
   highlighting, and a read-only notebook renderer used by HTML export. */
"use strict";
var IPL = window.IPL || {};
window.IPL = IPL;

IPL.esc = function (s) {
  return String(s).replace(/&/g, "&amp;").replace(/</g, "&lt;").replace(/>/g, "&gt;")
    .replace(/"/g, "&quot;");
};
IPL.join = function (v) { return Array.isArray(v) ? v.join("") : (v == null ? "" : String(v)); };

/* --- ANSI SGR colours to spans ------------------------------------------------ */
var ANSI_NAMES = ["black", "red", "green", "yellow", "blue", "magenta", "cyan", "white"];
function ansi256(n) {
  if (n < 16) return null;                               // caller maps to a class
  if (n >= 232) { var g = 8 + (n - 232) * 10; return "rgb(" + g + "," + g + "," + g + ")"; }
  n -= 16;
  var lv = [0, 95, 135, 175, 215, 255];
  return "rgb(" + lv[Math.floor(n / 36)] + "," + lv[Math.floor(n / 6) % 6] + "," + lv[n % 6] + ")";
}
IPL.ansi = function (text) {
  var out = "", fg = null, bg = null, fgc = null, bgc = null, bold = false, under = false, ital = false;
  var re = /\x1b\[([0-9;]*)m/g, last = 0, m;
  function chunk(t) {
    if (!t) return;
    var cls = [], st = [];
    if (fg) cls.push("ansi-" + fg + "-fg");
    if (bg) cls.push("ansi-" + bg + "-bg");
    if (bold) cls.push("ansi-bold");
    if (under) cls.push("ansi-underline");
    if (ital) cls.push("ansi-italic");
    if (fgc) st.push("color:" + fgc);
    if (bgc) st.push("background-color:" + bgc);
    out += cls.length || st.length ? "<span" + (cls.length ? ' class="' + cls.join(" ") + '"' : "") +
      (st.length ? ' style="' + st.join(";") + '"' : "") + ">" + IPL.esc(t) + "</span>" : IPL.esc(t);
  }
  function extended(codes, i, isFg) {     // 38;5;n or 38;2;r;g;b -> [colour, class, skip]
    var name = null, col = null, skip = 0;
    if (codes[i + 1] === 5 && codes[i + 2] >= 0 && codes[i + 2] <= 255) {
      var n = codes[i + 2];
      skip = 2;
      if (n < 8) name = ANSI_NAMES[n]; else if (n < 16) name = "bright-" + ANSI_NAMES[n - 8]; else col = ansi256(n);
    } else if (codes[i + 1] === 2 && codes.length > i + 4) {
      var rgb = codes.slice(i + 2, i + 5).map(function (v) { return Math.max(0, Math.min(255, v | 0)); });
      col = "rgb(" + rgb.join(",") + ")";
      skip = 4;
    } else skip = codes.length;
    if (isFg) { fg = name; fgc = col; } else { bg = name; bgc = col; }
    return skip;
  }
  text = String(text).replace(/\x1b\[[0-9;?]*[A-HJKSTfhlsu]/g, "").replace(/\x1b\][^\x07\x1b]*(\x07|\x1b\\)/g, "");
  while ((m = re.exec(text))) {
    chunk(text.slice(last, m.index));
    last = re.lastIndex;
    var codes = m[1] ? m[1].split(";").map(Number) : [0];
    for (var i = 0; i < codes.length; i++) {
      var c = codes[i];
      if (c === 0) { fg = bg = fgc = bgc = null; bold = under = ital = false; }
      else if (c === 1) bold = true;
      else if (c === 22) bold = false;
      else if (c === 3) ital = true;
      else if (c === 23) ital = false;
      else if (c === 4) under = true;
      else if (c === 24) under = false;
      else if (c >= 30 && c <= 37) { fg = ANSI_NAMES[c - 30]; fgc = null; }
      else if (c >= 90 && c <= 97) { fg = "bright-" + ANSI_NAMES[c - 90]; fgc = null; }
      else if (c === 39) fg = fgc = null;
      else if (c >= 40 && c <= 47) { bg = ANSI_NAMES[c - 40]; bgc = null; }
      else if (c >= 100 && c <= 107) { bg = "bright-" + ANSI_NAMES[c - 100]; bgc = null; }
      else if (c === 49) bg = bgc = null;
      else if (c === 38 || c === 48) i += extended(codes, i, c === 38);
    }
  }
  chunk(text.slice(last));
  return out;
};

/* Carriage returns and backspaces as Jupyter shows them: "\r\n" is a newline,
   a line keeps the text after its last "\r" (a trailing "\r" waits for more), and
   "\x08" rubs out the character before it. */
IPL.fixOverwrite = function (text) {
  text = String(text);
  if (text.indexOf("\r") < 0 && text.indexOf("\x08") < 0) return text;
  return text.replace(/\r+\n/g, "\n").split("\n").map(function (line) {
    var parts = line.split("\r");
    while (parts.length > 1 && parts[parts.length - 1] === "") parts.pop();
    line = parts[parts.length - 1];
    if (line.indexOf("\x08") < 0) return line;
    var out = [];
    for (var i = 0; i < line.length; i++) {
      if (line[i] === "\x08") out.pop(); else out.push(line[i]);
    }
    return out.join("");
  }).join("\n");
};

/* --- sanitising untrusted HTML ------------------------------------------------- */
/* An allow-list, as DOMPurify and ammonia are: only the tags, attributes and CSS
   properties below survive; everything else (scripts, event handlers, forms, frames,
   SVG, `position`, `url()`...) is dropped. The text is parsed ONCE into an inert
   template, cleaned there, and the cleaned nodes themselves are inserted: never
   serialised and parsed again (that round trip is what mutation XSS exploits). */
function wordSet(words) { var o = Object.create(null); words.split(/\s+/).forEach(function (k) { if (k) o[k] = 1; }); return o; }
var HTML_TAGS = wordSet(
  "a abbr address article aside b bdi bdo big blockquote br caption center cite code col colgroup " +
  "dd del details dfn div dl dt em figcaption figure font footer h1 h2 h3 h4 h5 h6 header hr i img " +
  "input ins kbd label li main mark nav ol p pre q rp rt ruby s samp section small span strike " +
  "strong sub summary sup table tbody td tfoot th thead time tr tt u ul var wbr audio video source");
var MATHML = wordSet(
  "math semantics annotation mrow mi mo mn ms mtext mspace mfrac msqrt mroot msub msup msubsup " +
  "munder mover munderover mtable mtr mtd mlabeledtr mstyle mpadded mphantom menclose merror " +
  "mmultiscripts mprescripts none");
var GLOBAL_ATTRS = wordSet("class dir lang title style align valign width height hidden role id name " +
  "aria-label aria-hidden aria-describedby");
var TAG_ATTRS = {
  a: wordSet("href target rel"), img: wordSet("src alt border"), td: wordSet("colspan rowspan scope nowrap"),
  th: wordSet("colspan rowspan scope nowrap"), table: wordSet("border cellpadding cellspacing summary"),
  col: wordSet("span"), colgroup: wordSet("span"), ol: wordSet("start type reversed"), ul: wordSet("type"),
  li: wordSet("value"), blockquote: wordSet("cite"), q: wordSet("cite"), del: wordSet("cite datetime"),
  ins: wordSet("cite datetime"), time: wordSet("datetime"), details: wordSet("open"),
  font: wordSet("color size face"), input: wordSet("type checked disabled"),
  audio: wordSet("src controls loop muted preload"), video: wordSet("src controls loop muted preload poster"),
  source: wordSet("src type"), bdo: wordSet("dir"), label: wordSet("for")
};
var MATH_ATTRS = wordSet(
  "xmlns display mathvariant mathcolor mathbackground mathsize stretchy fence separator lspace rspace " +
  "form largeop movablelimits symmetric minsize maxsize accent accentunder linethickness width height " +
  "depth voffset displaystyle scriptlevel columnalign rowalign columnlines rowlines columnspacing " +
  "rowspacing frame framespacing equalrows equalcolumns notation encoding class style");
var CSS_PROPS = wordSet(
  "color background-color opacity font font-family font-size font-style font-weight font-variant " +
  "text-align text-decoration text-decoration-line text-decoration-color text-decoration-style " +
  "text-indent text-transform text-shadow vertical-align line-height letter-spacing word-spacing " +
  "word-break word-wrap overflow-wrap white-space direction unicode-bidi visibility display " +
  "align-items align-self justify-content flex flex-direction flex-wrap flex-grow flex-shrink flex-basis gap " +
  "width height min-width min-height max-width max-height box-sizing float clear overflow overflow-x overflow-y " +
  "margin margin-top margin-right margin-bottom margin-left padding padding-top padding-right " +
  "padding-bottom padding-left border border-top border-right border-bottom border-left border-color " +
  "border-style border-width border-radius border-collapse border-spacing border-top-color " +
  "border-top-style border-top-width border-right-color border-right-style border-right-width " +
  "border-bottom-color border-bottom-style border-bottom-width border-left-color border-left-style " +
  "border-left-width list-style list-style-type list-style-position table-layout caption-side empty-cells " +
  "-webkit-text-align tab-size");
var HTML_NS = "http://www.w3.org/1999/xhtml", MATH_NS = "http://www.w3.org/1998/Math/MathML";
var URL_ATTRS = wordSet("href src poster cite");

function cleanUrl(v) {
  var u = String(v).replace(/[\u0000-\u0020\u007f-\u00a0]+/g, "").toLowerCase();
  if (/^data:/.test(u)) return /^data:(image\/(png|jpe?g|gif|webp|bmp)|audio\/[\w.+-]+|video\/[\w.+-]+)[;,]/.test(u);
  var scheme = /^([a-z][a-z0-9+.-]*):/.exec(u);
  return !scheme || /^(https?|mailto|attachment)$/.test(scheme[1]);
}
/* Only the allowed properties, each with a value the browser itself parsed; no
   url(), no negative margins (they would let an output cover the page). */
function cleanStyle(el) {
  var st = el.style, keep = [];
  for (var i = 0; i < st.length; i++) {
    var prop = st[i], val = st.getPropertyValue(prop);
    if (!CSS_PROPS[prop] || /url\s*\(|expression|image-set|var\s*\(|attr\s*\(|\\/i.test(val)) continue;
    if (/^margin/.test(prop) && /(^|\s)-/.test(val)) continue;
    keep.push(prop + ":" + val + (st.getPropertyPriority(prop) ? " !important" : ""));
  }
  if (keep.length) el.setAttribute("style", keep.join(";")); else el.removeAttribute("style");
}
function clobbers(v) { return v in window || v in document || v in HTMLFormElement.prototype; }
function cleanElement(el) {
  var name = el.localName, math = el.namespaceURI === MATH_NS;
  if (math ? !MATHML[name] : (el.namespaceURI !== HTML_NS || !HTML_TAGS[name])) return false;
  if (!math && el.parentNode && el.parentNode.namespaceURI === MATH_NS) return false;
  var tagAttrs = math ? null : TAG_ATTRS[name];
  Array.prototype.slice.call(el.attributes).forEach(function (a) {
    var n = a.name.toLowerCase(), ok = math ? MATH_ATTRS[n] : (GLOBAL_ATTRS[n] || (tagAttrs && tagAttrs[n]));
    if (ok && URL_ATTRS[n]) ok = cleanUrl(a.value);
    if (ok && (n === "id" || n === "name")) ok = !clobbers(a.value);
    if (!ok) el.removeAttribute(a.name);
  });
  if (el.hasAttribute("style")) cleanStyle(el);
  if (name === "input") {
    if ((el.getAttribute("type") || "").toLowerCase() !== "checkbox") return false;
    el.setAttribute("disabled", "");       // a task list's box, never a form field
  }
  if (name === "a" && el.getAttribute("target")) el.setAttribute("rel", "noopener noreferrer");
  return true;
}
/* Untrusted HTML text -> a DocumentFragment of cleaned nodes (no script can run). */
IPL.sanitize = function (htmlText) {
  var tpl = document.createElement("template");
  tpl.innerHTML = String(htmlText == null ? "" : htmlText);
  (function walk(node) {
    Array.prototype.slice.call(node.childNodes).forEach(function (ch) {
      if (ch.nodeType === 1) {
        if (!cleanElement(ch)) { ch.remove(); return; }
        walk(ch);
      } else if (ch.nodeType !== 3) ch.remove();      // comments, processing instructions
    });
  })(tpl.content);
  return document.importNode(tpl.content, true);
};
/* Replace el's children with the cleaned nodes of untrusted HTML. */
IPL.setSafeHTML = function (el, htmlText) {
  el.textContent = "";
  el.appendChild(IPL.sanitize(htmlText));
};

/* Markdown into `el`: sanitised unless trusted; ![x](attachment:name) resolved
   from the cell's attachments. */
IPL.renderMarkdown = function (el, src, trusted, attachments) {
  if (trusted) el.innerHTML = IPL.markdown(src, true);
  else IPL.setSafeHTML(el, IPL.markdown(src, true));
  IPL.resolveLocal(el);
  Array.prototype.forEach.call(el.querySelectorAll("img[src^='attachment:']"), function (img) {
    var name = decodeURIComponent(img.getAttribute("src").slice(11));
    var bundle = (attachments || {})[name] || {};
    var mime = Object.keys(bundle).filter(function (m) { return /^image\/(png|jpeg|gif|webp|bmp|svg\+xml)$/.test(m); })[0];
    if (!mime) { img.removeAttribute("src"); img.alt = img.alt || name; img.title = "missing attachment " + name; return; }
    var data = IPL.join(bundle[mime]);
    img.src = mime === "image/svg+xml" ? "data:image/svg+xml;charset=utf-8," + encodeURIComponent(data)
                                       : "data:" + mime + ";base64," + data.replace(/\s/g, "");
  });
};

/* Relative links and images in Markdown point into the notebook's folder, as in
   Jupyter: on the page they go to /files/<folder>/ (notebooks to /notebooks/), in an
   export images come from IPL.localFiles (path -> data URL, embedded by the server). */
IPL.notebookDir = null;     // the page sets it: the notebook's folder ("" at the root)
IPL.localFiles = null;
IPL.normPath = function (p) {
  var out = [];
  p.split("/").forEach(function (part) {
    if (part === "" || part === ".") return;
    if (part === ".." && out.length && out[out.length - 1] !== "..") out.pop(); else out.push(part);
  });
  return out.join("/");
};
function isLocal(u) { return !!u && !/^([a-z][a-z0-9+.-]*:|\/|#|\?)/i.test(u.trim()); }
IPL.resolveLocal = function (root) {
  Array.prototype.forEach.call(root.querySelectorAll("img[src], a[href], source[src], video[src], audio[src]"), function (node) {
    var attr = node.localName === "a" ? "href" : "src", v = node.getAttribute(attr);
    if (!isLocal(v)) return;
    var m = /^([^?#]*)(.*)$/.exec(v.trim()), rel;
    try { rel = decodeURIComponent(m[1]); } catch (e) { rel = m[1]; }
    if (IPL.localFiles) {
      var data = IPL.localFiles[IPL.normPath(rel)];
      if (data && attr === "src") node.setAttribute("src", data);
      return;
    }
    if (IPL.notebookDir == null) return;
    var path = IPL.normPath((IPL.notebookDir ? IPL.notebookDir + "/" : "") + rel);
    if (/^\.\.(\/|$)/.test(path)) return;              // outside the served folder
    var kind = attr === "href" && /\.ipynb$/i.test(path) ? "/notebooks/" : "/files/";
    node.setAttribute(attr, kind + path.split("/").map(encodeURIComponent).join("/") + m[2]);
  });
};

/* Insert trusted HTML and run its scripts (innerHTML alone does not). */
IPL.setTrustedHTML = function (el, htmlText) {
  el.innerHTML = htmlText;
  Array.prototype.slice.call(el.querySelectorAll("script")).forEach(function (old) {
    var s = document.createElement("script");
    Array.prototype.slice.call(old.attributes).forEach(function (a) { s.setAttribute(a.name, a.value); });
    s.textContent = old.textContent;
    old.replaceWith(s);
  });
};

/* --- Python highlighting -------------------------------------------------------- */
/* The keyword and builtin words are Python's own (its keyword and builtins modules), the
   same as the Qt console's: ipylite/highlight.py writes them in at the mark below
   whenever this file is served or inlined into an exported page. */
var PY_WORDS = {"keywords": [], "builtins": []} /* PY_WORDS */;
var KWSET = wordSet(PY_WORDS.keywords.join(" ")), BISET = wordSet(PY_WORDS.builtins.join(" "));
var TOKEN = /([rRbBuUfF]{0,2}"""[\s\S]*?(?:"""|$)|[rRbBuUfF]{0,2}'''[\s\S]*?(?:'''|$)|[rRbBuUfF]{0,2}"(?:[^"\\\n]|\\.)*"?|[rRbBuUfF]{0,2}'(?:[^'\\\n]|\\.)*'?)|(#[^\n]*)|(\b\d[\d_]*\.?\d*(?:[eE][+-]?\d+)?j?\b|\b0[xXoObB][\da-fA-F_]+\b)|(@[\w.]+)|([A-Za-z_]\w*)|([%!][\w]*)/g;

/* Cell magics whose body is another language: %%html, %%javascript, %%bash ... */
var JS_KW = {}, SH_KW = {};
("break case catch class const continue debugger default delete do else export extends finally for " +
 "function if import in instanceof let new return super switch this throw try typeof var void while " +
 "with yield async await of null undefined true false").split(" ").forEach(function (k) { JS_KW[k] = 1; });
("if then else elif fi for while until do done case esac in function select return exit export local " +
 "echo cd read set unset source").split(" ").forEach(function (k) { SH_KW[k] = 1; });
var LANGS = {
  html: { re: /(<!--[\s\S]*?(?:-->|$))|(<\/?[A-Za-z][\w:-]*|\/?>)|("[^"]*"?|'[^']*'?)|([A-Za-z_:][\w:.-]*(?==))/g,
          cls: function (m) { return m[1] ? "hl-com" : m[2] ? "hl-kw" : m[3] ? "hl-str" : "hl-bi"; } },
  js: { re: /(\/\/[^\n]*|\/\*[\s\S]*?(?:\*\/|$))|("(?:[^"\\\n]|\\.)*"?|'(?:[^'\\\n]|\\.)*'?|`(?:[^`\\]|\\[\s\S])*`?)|(\b\d[\d_]*\.?\d*(?:[eE][+-]?\d+)?\b)|([A-Za-z_$][\w$]*)/g,
        cls: function (m) { return m[1] ? "hl-com" : m[2] ? "hl-str" : m[3] ? "hl-num" : JS_KW[m[4]] ? "hl-kw" : ""; } },
  sh: { re: /((?:^|[ \t])#[^\n]*)|("(?:[^"\\]|\\[\s\S])*"?|'[^']*'?)|(\$\{?[\w@#?*!-]+\}?)|([A-Za-z_][\w-]*)/g,
        cls: function (m) { return m[1] ? "hl-com" : m[2] ? "hl-str" : m[3] ? "hl-bi" : SH_KW[m[4]] ? "hl-kw" : ""; } }
};
var MAGIC_LANGS = { html: "html", HTML: "html", svg: "html", SVG: "html", javascript: "js", js: "js",
  bash: "sh", sh: "sh", script: "sh", system: "sh", "!": "sh" };

function tokens(src, lang, marks, offset) {
  var out = "", last = 0, m, re = lang.re;
  function plain(a, b) {
    for (var i = a; i < b; i++) {
      var ch = IPL.esc(src[i]);
      out += marks[i + offset] ? '<span class="hl-match">' + ch + "</span>" : ch;
    }
  }
  re.lastIndex = 0;
  while ((m = re.exec(src))) {
    if (m[0] === "") { re.lastIndex++; continue; }
    plain(last, m.index);
    var cls = lang.cls(m);
    if (cls) out += '<span class="' + cls + '">';
    plain(m.index, m.index + m[0].length);
    if (cls) out += "</span>";
    last = re.lastIndex;
  }
  plain(last, src.length);
  return out;
}

/* HTML for a code cell's source: Python, or the language of its cell magic; `marks`
   is a list of character offsets to wrap in a bracket-match span. */
IPL.highlight = function (src, marks) {
  var m = /^%%(\w+|!)([^\n]*)(\n|$)/.exec(src), lang = m && MAGIC_LANGS[m[1]];
  if (lang && m[1] === "script" && !/^\s*(bash|sh|zsh)\b/.test(m[2])) lang = null;
  if (lang) {
    var set = {};
    (marks || []).forEach(function (p) { set[p] = 1; });
    var head = m[0].length;
    return '<span class="hl-magic">' + IPL.esc(src.slice(0, head).replace(/\n$/, "")) + "</span>" + (m[3] || "") +
      tokens(src.slice(head), LANGS[lang], set, head);
  }
  return pythonHighlight(src, marks);
};
function pythonHighlight(src, marks) {
  var out = "", last = 0, m, prevWord = "";
  var markSet = {};
  (marks || []).forEach(function (p) { markSet[p] = 1; });
  function plain(a, b) {
    for (var i = a; i < b; i++) {
      var ch = IPL.esc(src[i]);
      out += markSet[i] ? '<span class="hl-match">' + ch + "</span>" : ch;
    }
  }
  TOKEN.lastIndex = 0;
  while ((m = TOKEN.exec(src))) {
    if (m[0] === "") { TOKEN.lastIndex++; continue; }
    plain(last, m.index);
    var cls = m[1] ? "hl-str" : m[2] ? "hl-com" : m[3] ? "hl-num" : m[4] ? "hl-deco" :
      m[5] ? (KWSET[m[5]] ? "hl-kw" : (prevWord === "def" || prevWord === "class") ? "hl-def" :
        BISET[m[5]] ? "hl-bi" : "") : (m[6] && /^\s*$/.test(src.slice(src.lastIndexOf("\n", m.index - 1) + 1, m.index))) ? "hl-magic" : "";
    if (cls) out += '<span class="' + cls + '">';
    plain(m.index, m.index + m[0].length);
    if (cls) out += "</span>";
    if (m[5]) prevWord = m[5];
    last = TOKEN.lastIndex;
  }
  plain(last, src.length);
  return out;
}

/* --- a read-only notebook (HTML export) ----------------------------------------- */
/* Collapsed inputs and outputs (metadata.jupyter.source_hidden / outputs_hidden) are
   exported as the page shows them: a bar in their place, which shows them when clicked
   (a printed or PDF export keeps only the bar). */
function collapsedBar(what) {
  var bar = document.createElement("div");
  bar.className = "collapsed-bar";
  bar.textContent = "\u22ef " + what + " hidden (click to show)";
  bar.addEventListener("click", function () {
    bar.closest(".cell").classList.remove(what === "input" ? "source-hidden" : "outputs-hidden");
  });
  return bar;
}
IPL.renderStatic = function (container, nb, trusted) {
  trusted = trusted === true;   // only a notebook whose signature checks out
  if (IPL.widgets && IPL.widgets.restore) IPL.widgets.restore((nb.metadata || {}).widgets, trusted);
  (nb.cells || []).forEach(function (cell) {
    var div = document.createElement("div"), jm = (cell.metadata || {}).jupyter || {};
    div.className = "cell " + cell.cell_type + "-cell" + (cell.cell_type === "markdown" ? " rendered" : "") +
      (jm.source_hidden ? " source-hidden" : "") + (jm.outputs_hidden && cell.cell_type === "code" ? " outputs-hidden" : "");
    if (cell.id) div.setAttribute("data-cell-id", cell.id);
    var src = IPL.join(cell.source);
    if (cell.cell_type === "markdown") {
      if (jm.source_hidden) {
        var bar = document.createElement("div");
        bar.className = "input-row";
        bar.innerHTML = '<div class="prompt"></div>';
        bar.appendChild(collapsedBar("input"));
        div.appendChild(bar);
      }
      var md = document.createElement("div");
      md.className = "md-rendered";
      IPL.renderMarkdown(md, src, false, cell.attachments);   // Markdown HTML is always sanitised
      div.appendChild(md);
    } else {
      var row = document.createElement("div");
      row.className = "input-row";
      var prompt = document.createElement("div");
      prompt.className = "prompt";
      if (cell.cell_type === "code") prompt.textContent = "[" + (cell.execution_count || " ") + "]:";
      var pre = document.createElement("pre");
      pre.className = "cell-source";
      pre.innerHTML = cell.cell_type === "code" ? IPL.highlight(src) : IPL.esc(src);
      row.appendChild(prompt);
      row.appendChild(pre);
      row.appendChild(collapsedBar("input"));
      div.appendChild(row);
      if (cell.cell_type === "code") {
        var orow = document.createElement("div"), out = document.createElement("div");
        orow.className = "output-row";
        orow.innerHTML = '<div class="prompt out-prompt"></div>';
        out.className = "cell-output";
        IPL.renderOutputs(out, cell.outputs || [], trusted);
        orow.appendChild(out);
        orow.appendChild(collapsedBar("output"));
        div.appendChild(orow);
      }
    }
    container.appendChild(div);
  });
};
