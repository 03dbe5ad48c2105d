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
IPL.ansi = function (text) {
  var out = "", fg = null, bg = null, bold = false, open = false;
  var re = /\x1b\[([0-9;]*)m/g, last = 0, m;
  function chunk(t) {
    if (!t) return;
    var cls = [];
    if (fg) cls.push("ansi-" + fg + "-fg");
    if (bg) cls.push("ansi-" + bg + "-bg");
    if (bold) cls.push("ansi-bold");
    out += cls.length ? '<span class="' + cls.join(" ") + '">' + IPL.esc(t) + "</span>" : IPL.esc(t);
  }
  text = String(text).replace(/\x1b\[[0-9;]*[A-HJKSTf]/g, "");
  while ((m = re.exec(text))) {
    chunk(text.slice(last, m.index));
    last = re.lastIndex;
    var codes = m[1] ? m[1].split(";").map(Number) : [0];
    for (var i = 0; i < codes.length; i++) {
      var c = codes[i];
      if (c === 0) { fg = bg = null; bold = false; }
      else if (c === 1) bold = true;
      else if (c === 22) bold = false;
      else if (c >= 30 && c <= 37) fg = ANSI_NAMES[c - 30];
      else if (c >= 90 && c <= 97) fg = "bright-" + ANSI_NAMES[c - 90];
      else if (c === 39) fg = null;
      else if (c >= 40 && c <= 47) bg = ANSI_NAMES[c - 40];
      else if (c === 49) bg = null;
      else if (c === 38 || c === 48) { i += codes[i + 1] === 5 ? 2 : 4; }
    }
  }
  chunk(text.slice(last));
  return out;
};

/* Carriage returns and backspaces as a terminal shows them. */
IPL.fixOverwrite = function (text) {
  if (text.indexOf("\r") < 0 && text.indexOf("\b") < 0) return text;
  return text.split("\n").map(function (line) {
    var parts = line.split("\r"), cur = "";
    parts.forEach(function (p, i) {
      if (i === parts.length - 1 && p === "" && i > 0) return;
      cur = p + cur.slice(p.length);
    });
    while (/[^\b]\b/.test(cur)) cur = cur.replace(/[^\b]\b/, "");
    return cur.replace(/\b/g, "");
  }).join("\n");
};

/* --- sanitising untrusted HTML ------------------------------------------------- */
var BAD_TAGS = /^(script|iframe|object|embed|link|meta|base|form|frame|frameset|applet)$/i;
IPL.sanitize = function (htmlText) {
  var tpl = document.createElement("template");
  tpl.innerHTML = htmlText;
  (function walk(node) {
    Array.prototype.slice.call(node.children || []).forEach(function (el) {
      if (BAD_TAGS.test(el.tagName)) { el.remove(); return; }
      Array.prototype.slice.call(el.attributes).forEach(function (a) {
        var n = a.name.toLowerCase(), v = a.value.replace(/\s+/g, "").toLowerCase();
        if (n.indexOf("on") === 0 || n === "srcdoc" || n === "formaction" ||
            ((n === "href" || n === "src" || n === "xlink:href" || n === "action") &&
             (v.indexOf("javascript:") === 0 || v.indexOf("vbscript:") === 0 ||
              (v.indexOf("data:") === 0 && v.indexOf("data:image/") !== 0))))
          el.removeAttribute(a.name);
      });
      walk(el.content || el);
    });
  })(tpl.content);
  return tpl.innerHTML;
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
var KW = ("False None True and as assert async await break class continue def del elif else " +
  "except finally for from global if import in is lambda nonlocal not or pass raise return " +
  "try while with yield match case").split(" ");
var BUILTINS = ("print len range int float str list dict set tuple bool type isinstance open " +
  "sum min max abs enumerate zip map filter sorted reversed any all super object input repr " +
  "iter next hasattr getattr setattr round divmod format id hash vars dir help self").split(" ");
var KWSET = {}, BISET = {};
KW.forEach(function (k) { KWSET[k] = 1; });
BUILTINS.forEach(function (k) { BISET[k] = 1; });
var TOKEN = /([rRbBuUfF]{0,2}"""[\s\S]*?(?:"""|$)|[rRbBuUfF]{0,2}'''[\s\S]*?(?:'''|$)|[rRbBuUfF]{0,2}"(?:[^"\\\n]|\\.)*"?|[rRbBuUfF]{0,2}'(?:[^'\\\n]|\\.)*'?)|(#[^\n]*)|(\b\d[\d_]*\.?\d*(?:[eE][+-]?\d+)?j?\b|\b0[xXoObB][\da-fA-F_]+\b)|(@[\w.]+)|([A-Za-z_]\w*)|([%!][\w]*)/g;

/* HTML for Python source; `marks` is a list of character offsets to wrap in a
   bracket-match span. */
IPL.highlight = function (src, marks) {
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
};

/* --- a read-only notebook (HTML export) ----------------------------------------- */
IPL.renderStatic = function (container, nb) {
  var trusted = true;  // exported by the user from their own notebook
  (nb.cells || []).forEach(function (cell) {
    var div = document.createElement("div");
    div.className = "cell " + cell.cell_type + "-cell" + (cell.cell_type === "markdown" ? " rendered" : "");
    if (cell.id) div.setAttribute("data-cell-id", cell.id);
    var src = IPL.join(cell.source);
    if (cell.cell_type === "markdown") {
      var md = document.createElement("div");
      md.className = "md-rendered";
      md.innerHTML = IPL.markdown(src, false);   // Markdown HTML is always sanitised
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
      div.appendChild(row);
      if (cell.cell_type === "code") {
        var orow = document.createElement("div"), out = document.createElement("div");
        orow.className = "output-row";
        orow.innerHTML = '<div class="prompt out-prompt"></div>';
        out.className = "cell-output";
        IPL.renderOutputs(out, cell.outputs || [], trusted);
        orow.appendChild(out);
        div.appendChild(orow);
      }
    }
    container.appendChild(div);
  });
};
