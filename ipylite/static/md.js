/* ipylite: a small Markdown renderer (CommonMark's common parts + GFM tables) and a
   small TeX-to-MathML converter for $...$, $$...$$ and \begin{env}...\end{env}. */
"use strict";
(function (IPL) {

/* ------------------------------------------------------------------ TeX math */
var SYM = {
  alpha: "α", beta: "β", gamma: "γ", delta: "δ", epsilon: "ϵ", varepsilon: "ε", zeta: "ζ",
  eta: "η", theta: "θ", vartheta: "ϑ", iota: "ι", kappa: "κ", lambda: "λ", mu: "μ", nu: "ν",
  xi: "ξ", pi: "π", varpi: "ϖ", rho: "ρ", varrho: "ϱ", sigma: "σ", varsigma: "ς", tau: "τ",
  upsilon: "υ", phi: "ϕ", varphi: "φ", chi: "χ", psi: "ψ", omega: "ω",
  Gamma: "Γ", Delta: "Δ", Theta: "Θ", Lambda: "Λ", Xi: "Ξ", Pi: "Π", Sigma: "Σ",
  Upsilon: "Υ", Phi: "Φ", Psi: "Ψ", Omega: "Ω",
  infty: "∞", partial: "∂", nabla: "∇", hbar: "ℏ", ell: "ℓ", Re: "ℜ", Im: "ℑ", aleph: "ℵ",
  emptyset: "∅", forall: "∀", exists: "∃", neg: "¬", angle: "∠", prime: "′", ldots: "…",
  cdots: "⋯", vdots: "⋮", ddots: "⋱", dots: "…"
};
var OPS = {
  pm: "±", mp: "∓", times: "×", div: "÷", cdot: "⋅", ast: "∗", star: "⋆", circ: "∘",
  bullet: "∙", leq: "≤", le: "≤", geq: "≥", ge: "≥", neq: "≠", ne: "≠", approx: "≈",
  equiv: "≡", sim: "∼", simeq: "≃", cong: "≅", propto: "∝", ll: "≪", gg: "≫",
  in: "∈", notin: "∉", ni: "∋", subset: "⊂", supset: "⊃", subseteq: "⊆", supseteq: "⊇",
  cup: "∪", cap: "∩", setminus: "∖", wedge: "∧", land: "∧", vee: "∨", lor: "∨", oplus: "⊕",
  otimes: "⊗", to: "→", rightarrow: "→", leftarrow: "←", Rightarrow: "⇒", Leftarrow: "⇐",
  leftrightarrow: "↔", Leftrightarrow: "⇔", iff: "⟺", implies: "⟹", mapsto: "↦",
  mid: "∣", parallel: "∥", perp: "⊥", langle: "⟨", rangle: "⟩", lfloor: "⌊", rfloor: "⌋",
  lceil: "⌈", rceil: "⌉", vert: "|", Vert: "‖", colon: ":", lbrace: "{", rbrace: "}",
  uparrow: "↑", downarrow: "↓"
};
var BIG = { sum: "∑", prod: "∏", coprod: "∐", int: "∫", iint: "∬", iiint: "∭", oint: "∮",
  bigcup: "⋃", bigcap: "⋂", bigoplus: "⨁", bigotimes: "⨂" };
var FUNCS = "sin cos tan cot sec csc arcsin arccos arctan sinh cosh tanh log ln exp lim max min sup inf det dim ker deg arg gcd Pr mod".split(" ");
var ACCENTS = { hat: "^", widehat: "^", bar: "¯", overline: "¯", vec: "→", tilde: "~",
  widetilde: "~", dot: "˙", ddot: "¨" };
var SPACES = { ",": "0.1667em", ":": "0.2222em", ";": "0.2778em", "!": "-0.1667em",
  quad: "1em", qquad: "2em", " ": "0.25em" };
var FONTS = { mathbf: "bold", mathit: "italic", mathrm: "normal", mathsf: "sans-serif",
  mathtt: "monospace", mathbb: "double-struck", mathcal: "script", mathfrak: "fraktur",
  boldsymbol: "bold-italic", textbf: "bold", operatorname: "normal" };
var ENV_FENCES = { pmatrix: ["(", ")"], bmatrix: ["[", "]"], Bmatrix: ["{", "}"],
  vmatrix: ["|", "|"], Vmatrix: ["‖", "‖"], matrix: null, smallmatrix: null, cases: ["{", ""] };

function esc(s) { return IPL.esc(s); }

function TexParser(src) { this.s = src; this.i = 0; }
TexParser.prototype = {
  peek: function () { return this.s[this.i]; },
  ws: function () { while (this.i < this.s.length && /\s/.test(this.s[this.i])) this.i++; },
  cmdName: function () {
    var m = /^\\([a-zA-Z]+|.)/.exec(this.s.slice(this.i));
    if (!m) return null;
    this.i += m[0].length;
    return m[1];
  },
  group: function () {   // one argument: {...} or a single token
    this.ws();
    if (this.peek() === "{") {
      this.i++;
      var r = this.list("}");
      this.i++;
      return r.length === 1 ? r[0] : "<mrow>" + r.join("") + "</mrow>";
    }
    var a = this.atom();
    return a === null ? "<mrow></mrow>" : a;
  },
  rawGroup: function () {
    this.ws();
    if (this.peek() !== "{") return this.s[this.i++] || "";
    var depth = 0, start = ++this.i;
    while (this.i < this.s.length) {
      var c = this.s[this.i];
      if (c === "{") depth++;
      else if (c === "}") { if (depth === 0) break; depth--; }
      this.i++;
    }
    return this.s.slice(start, this.i++);
  },
  list: function (stop) {
    var items = [];
    while (this.i < this.s.length) {
      this.ws();
      var c = this.peek();
      if (c === undefined || (stop && this.s.startsWith(stop, this.i))) break;
      if (stop === "&\\\\" && (c === "&" || this.s.startsWith("\\\\", this.i) ||
          this.s.startsWith("\\end", this.i))) break;
      if (c === "^" || c === "_") {
        this.i++;
        var base = items.pop() || "<mrow></mrow>";
        var first = this.group(), sub = null, sup = null;
        if (c === "^") sup = first; else sub = first;
        this.ws();
        var n = this.peek();
        if ((n === "^" && sup === null) || (n === "_" && sub === null)) {
          this.i++;
          if (n === "^") sup = this.group(); else sub = this.group();
        }
        var big = /^<m(i|o|row) data-big="1"/.test(base);
        var tag = sub && sup ? (big ? "munderover" : "msubsup") : sub ? (big ? "munder" : "msub") : (big ? "mover" : "msup");
        items.push("<" + tag + ">" + base + (sub || "") + (sup || "") + "</" + tag + ">");
        continue;
      }
      var a = this.atom(stop);
      if (a === null) break;
      if (a !== "") items.push(a);
    }
    return items;
  },
  atom: function (stop) {
    this.ws();
    var c = this.peek();
    if (c === undefined) return null;
    if (c === "{") { this.i++; var r = this.list("}"); this.i++; return "<mrow>" + r.join("") + "</mrow>"; }
    if (c === "}") { this.i++; return ""; }
    if (/[0-9.]/.test(c)) {
      var m = /^[0-9]*\.?[0-9]+|^[0-9]+/.exec(this.s.slice(this.i));
      this.i += m[0].length;
      return "<mn>" + m[0] + "</mn>";
    }
    if (/[a-zA-Z]/.test(c)) { this.i++; return "<mi>" + c + "</mi>"; }
    if (c === "\\") return this.command(stop);
    if (c === "&" || c === "~") { this.i++; return c === "~" ? '<mspace width="0.25em"></mspace>' : ""; }
    this.i++;
    if (c === "'") return "<mo>′</mo>";
    if (c === "-") return "<mo>−</mo>";
    var stretchy = /[()\[\]|]/.test(c) ? ' stretchy="false"' : "";
    return "<mo" + stretchy + ">" + esc(c) + "</mo>";
  },
  command: function (stop) {
    var save = this.i;
    var name = this.cmdName();
    if (name === "\\") { this.i = save; return null; }
    if (SYM[name]) return (/^[A-Z]/.test(name) ? '<mi mathvariant="normal">' : "<mi>") + SYM[name] + "</mi>";
    if (OPS[name]) return "<mo>" + esc(OPS[name]) + "</mo>";
    if (BIG[name]) return '<mo data-big="' + (/int/.test(name) ? 0 : 1) + '" largeop="true" movablelimits="' + (/int/.test(name) ? "false" : "true") + '">' + BIG[name] + "</mo>";
    if (FUNCS.indexOf(name) >= 0) return '<mrow data-big="' + (/^(lim|max|min|sup|inf|det|Pr|gcd)$/.test(name) ? 1 : 0) + '"><mi mathvariant="normal">' + name + "</mi><mo>&#x2061;</mo></mrow>";
    if (SPACES[name]) return '<mspace width="' + SPACES[name] + '"></mspace>';
    if (name === "frac" || name === "dfrac" || name === "tfrac") return "<mfrac>" + this.group() + this.group() + "</mfrac>";
    if (name === "binom") return '<mrow><mo>(</mo><mfrac linethickness="0">' + this.group() + this.group() + "</mfrac><mo>)</mo></mrow>";
    if (name === "sqrt") {
      this.ws();
      if (this.peek() === "[") {
        var end = this.s.indexOf("]", this.i);
        var idx = new TexParser(this.s.slice(this.i + 1, end)).list().join("");
        this.i = end + 1;
        return "<mroot>" + this.group() + "<mrow>" + idx + "</mrow></mroot>";
      }
      return "<msqrt>" + this.group() + "</msqrt>";
    }
    if (ACCENTS[name]) return '<mover accent="true">' + this.group() + "<mo>" + ACCENTS[name] + "</mo></mover>";
    if (name === "underline") return "<munder>" + this.group() + "<mo>_</mo></munder>";
    if (FONTS[name]) {
      var inner = this.group();
      return '<mstyle mathvariant="' + FONTS[name] + '">' + inner.replace(/<mi>/g, '<mi mathvariant="' + FONTS[name] + '">') + "</mstyle>";
    }
    if (name === "text" || name === "textrm" || name === "mbox" || name === "textit") return "<mtext>" + esc(this.rawGroup()) + "</mtext>";
    if (name === "left" || name === "right" || name === "big" || name === "Big" || name === "bigl" || name === "bigr" || name === "Bigl" || name === "Bigr") {
      this.ws();
      var d = this.peek() === "\\" ? this.cmdName() : this.s[this.i++];
      d = OPS[d] || (d === "{" ? "{" : d === "}" ? "}" : d);
      if (d === ".") return "";
      return '<mo stretchy="true">' + esc(d) + "</mo>";
    }
    if (name === "{" || name === "}" || name === "_" || name === "%" || name === "$" || name === "#" || name === "&")
      return "<mo>" + esc(name) + "</mo>";
    if (name === "|") return "<mo>‖</mo>";
    if (name === "begin") {
      var env = this.rawGroup().replace("*", "");
      return this.environment(env);
    }
    if (name === "end") { this.rawGroup(); return ""; }
    if (name === "displaystyle" || name === "limits" || name === "nolimits" || name === "label" || name === "nonumber" || name === "notag") {
      if (name === "label") this.rawGroup();
      return "";
    }
    return '<mtext mathcolor="#c00">\\' + esc(name) + "</mtext>";
  },
  environment: function (env) {
    if (env === "array") this.rawGroup();
    var rows = [], row = [];
    while (this.i < this.s.length) {
      var cell = this.list("&\\\\");
      row.push(cell.join(""));
      if (this.s.startsWith("&", this.i)) { this.i++; continue; }
      if (this.s.startsWith("\\\\", this.i)) { this.i += 2; rows.push(row); row = []; continue; }
      if (this.s.startsWith("\\end", this.i)) { this.i += 4; this.rawGroup(); break; }
      break;
    }
    if (row.length && !(row.length === 1 && row[0] === "")) rows.push(row);
    var align = /align|split|gather|eqnarray/.test(env);
    var table = "<mtable" + (align ? ' columnalign="right left" columnspacing="0"' : "") + ">" + rows.map(function (r) {
      return "<mtr>" + r.map(function (c) { return "<mtd><mrow>" + c + "</mrow></mtd>"; }).join("") + "</mtr>";
    }).join("") + "</mtable>";
    var f = ENV_FENCES[env];
    if (f) return "<mrow><mo>" + esc(f[0]) + "</mo>" + table + (f[1] ? "<mo>" + esc(f[1]) + "</mo>" : "") + "</mrow>";
    return table;
  }
};

IPL.tex = function (src, display) {
  var body;
  try { body = new TexParser(src).list().join(""); }
  catch (e) { body = "<mtext>" + esc(src) + "</mtext>"; }
  body = body.replace(/ data-big="[01]"/g, "");
  return '<math xmlns="http://www.w3.org/1998/Math/MathML"' + (display ? ' display="block"' : "") +
    "><semantics><mrow>" + body + '</mrow><annotation encoding="application/x-tex">' + esc(src) +
    "</annotation></semantics></math>";
};

/* Replace math in text with placeholders; returns [text, list of MathML]. */
function stashMath(text, store) {
  return text.replace(/\\\$|\$\$([\s\S]+?)\$\$|\\\[([\s\S]+?)\\\]|\\begin\{([a-z]+\*?)\}([\s\S]+?)\\end\{\3\}|\\\(([\s\S]+?)\\\)|\$((?:[^$\\\n]|\\.)+?)\$/g,
    function (all, dd, br, env, envBody, paren, single) {
      var mml;
      if (all === "\\$") return all;          // an escaped dollar is text
      if (dd !== undefined) mml = IPL.tex(dd, true);
      else if (br !== undefined) mml = IPL.tex(br, true);
      else if (env !== undefined) mml = IPL.tex(/^(equation|displaymath)\*?$/.test(env) ? envBody : all, true);
      else if (paren !== undefined) mml = IPL.tex(paren, false);
      else mml = IPL.tex(single, false);
      store.push(mml);
      return "\u0000M" + (store.length - 1) + "\u0000";
    });
}

/* LaTeX output (text/latex): math inside, plain text around. */
IPL.latex = function (src) {
  var store = [];
  var t = stashMath(src, store);
  if (!store.length) { store.push(IPL.tex(src, true)); t = "\u0000M0\u0000"; }
  return esc(t).replace(/\u0000M(\d+)\u0000/g, function (_, n) { return store[+n]; });
};

/* ------------------------------------------------------------------ Markdown */
function inline(text, store) {
  var codes = [];
  text = text.replace(/(`+)([\s\S]*?[^`])\1(?!`)/g, function (_, ticks, code) {
    codes.push("<code>" + esc(code.replace(/^ (.*) $/, "$1")) + "</code>");
    return "\u0000C" + (codes.length - 1) + "\u0000";
  });
  var escapes = [];
  text = text.replace(/\\([\\`*_{}\[\]()#+\-.!|<>~$])/g, function (_, ch) {
    escapes.push(esc(ch));
    return "\u0000E" + (escapes.length - 1) + "\u0000";
  });
  // keep inline HTML tags, escape the rest
  var tags = [];
  text = text.replace(/<\/?[a-zA-Z][^<>]*>|<!--[\s\S]*?-->/g, function (t) {
    var auto = /^<((?:https?|ftp):\/\/[^\s<>]+|mailto:[^\s<>]+)>$/.exec(t);   // <https://...> autolink
    tags.push(auto ? '<a href="' + esc(auto[1]) + '">' + esc(auto[1].replace(/^mailto:/, "")) + "</a>" : t);
    return "\u0000T" + (tags.length - 1) + "\u0000";
  });
  text = esc(text);
  text = text.replace(/!\[([^\]]*)\]\(\s*([^)\s]+)(?:\s+&quot;([^&]*)&quot;)?\s*\)/g, function (_, alt, url, title) {
    return '<img src="' + url + '" alt="' + alt + '"' + (title ? ' title="' + title + '"' : "") + ">";
  });
  text = text.replace(/\[([^\]]+)\]\(\s*([^)\s]+)(?:\s+&quot;([^&]*)&quot;)?\s*\)/g, function (_, label, url, title) {
    return '<a href="' + url + '"' + (title ? ' title="' + title + '"' : "") + ">" + label + "</a>";
  });
  text = text.replace(/&lt;(https?:\/\/[^\s&]+)&gt;/g, '<a href="$1">$1</a>');
  text = text.replace(/(\*\*|__)(?=\S)([\s\S]*?\S)\1/g, "<strong>$2</strong>");
  text = text.replace(/(^|[^\w*])(\*|_)(?=\S)([\s\S]*?\S)\2(?![\w*])/g, "$1<em>$3</em>");
  text = text.replace(/~~(?=\S)([\s\S]*?\S)~~/g, "<del>$1</del>");
  text = text.replace(/(  |\\)\n/g, "<br>\n");
  return text.replace(/\u0000([CETM])(\d+)\u0000/g, function (_, k, n) {
    return k === "C" ? codes[+n] : k === "E" ? escapes[+n] : k === "T" ? tags[+n] : store[+n];
  });
}

function splitRow(line) {
  line = line.trim().replace(/^\|/, "").replace(/\|$/, "");
  return line.split(/(?<!\\)\|/).map(function (c) { return c.trim(); });
}

function blocks(lines, store) {
  var out = [], i = 0, para = [];
  function flush() {
    if (para.length) { out.push("<p>" + inline(para.join("\n"), store) + "</p>"); para = []; }
  }
  while (i < lines.length) {
    var line = lines[i], m;
    if (/^\s*$/.test(line)) { flush(); i++; continue; }
    if ((m = /^ {0,3}(`{3,}|~{3,})\s*([\w+#.-]*)/.exec(line))) {
      flush();
      var fence = m[1], lang = m[2], code = [];
      i++;
      while (i < lines.length && !new RegExp("^ {0,3}" + fence[0] + "{" + fence.length + ",}\\s*$").test(lines[i])) code.push(lines[i++]);
      i++;
      var body = code.join("\n").replace(/\u0000M(\d+)\u0000/g, function (_, n) { return store.raw[+n]; });
      out.push('<pre><code class="language-' + esc(lang || "text") + '">' +
        (/^(python|py|ipython3?)$/.test(lang) ? IPL.highlight(body) : esc(body)) + "</code></pre>");
      continue;
    }
    if ((m = /^ {0,3}(#{1,6})\s+(.*?)\s*#*\s*$/.exec(line))) {
      flush();
      var level = m[1].length, textH = m[2];
      var id = textH.replace(/\u0000M\d+\u0000/g, "").replace(/[^\w\- ]/g, "").trim().replace(/ /g, "-");
      out.push("<h" + level + ' id="' + esc(id) + '">' + inline(textH, store) + "</h" + level + ">");
      i++;
      continue;
    }
    if (para.length && /^ {0,3}(=+|-+)\s*$/.test(line)) {
      var lvl = line.trim()[0] === "=" ? 1 : 2;
      out.push("<h" + lvl + ">" + inline(para.join("\n"), store) + "</h" + lvl + ">");
      para = [];
      i++;
      continue;
    }
    if (/^ {0,3}([-*_])(\s*\1){2,}\s*$/.test(line)) { flush(); out.push("<hr>"); i++; continue; }
    if (/^ {0,3}>/.test(line)) {
      flush();
      var quote = [];
      while (i < lines.length && !/^\s*$/.test(lines[i])) quote.push(lines[i++].replace(/^ {0,3}> ?/, ""));
      out.push("<blockquote>" + blocks(quote, store) + "</blockquote>");
      continue;
    }
    if (/\|/.test(line) && i + 1 < lines.length && /^\s*\|?\s*:?-+:?\s*(\|\s*:?-+:?\s*)*\|?\s*$/.test(lines[i + 1])) {
      flush();
      var head = splitRow(line), aligns = splitRow(lines[i + 1]).map(function (a) {
        return /^:-+:$/.test(a) ? "center" : /:$/.test(a) ? "right" : /^:/.test(a) ? "left" : "";
      });
      i += 2;
      var rows = [];
      while (i < lines.length && /\|/.test(lines[i]) && !/^\s*$/.test(lines[i])) rows.push(splitRow(lines[i++]));
      var cellHtml = function (tag, c, k) {
        return "<" + tag + (aligns[k] ? ' style="text-align:' + aligns[k] + '"' : "") + ">" + inline(c || "", store) + "</" + tag + ">";
      };
      out.push("<table><thead><tr>" + head.map(function (c, k) { return cellHtml("th", c, k); }).join("") +
        "</tr></thead><tbody>" + rows.map(function (r) {
          return "<tr>" + head.map(function (_, k) { return cellHtml("td", r[k], k); }).join("") + "</tr>";
        }).join("") + "</tbody></table>");
      continue;
    }
    if ((m = /^( {0,3})([-*+]|\d{1,9}[.)])\s+/.exec(line))) {
      flush();
      var ordered = /\d/.test(m[2]), start = ordered ? parseInt(m[2], 10) : 1;
      var items = [], cur = null, indent = m[0].length;
      while (i < lines.length) {
        var l = lines[i], mm = /^( {0,3})([-*+]|\d{1,9}[.)])\s+/.exec(l);
        if (mm && (/\d/.test(mm[2]) === ordered) && mm[1].length < indent) {
          cur = [l.slice(mm[0].length)];
          indent = mm[0].length;
          items.push(cur);
          i++;
        } else if (cur && /^\s*$/.test(l)) {
          if (i + 1 < lines.length && /^\s+\S/.test(lines[i + 1])) { cur.push(""); i++; }
          else break;
        } else if (cur && /^\s+\S/.test(l)) {
          cur.push(l.replace(new RegExp("^ {1," + indent + "}"), "")); i++;
        } else if (cur && !mm && !/^ {0,3}(#|>|```)/.test(l) && !/^\s*$/.test(lines[i - 1])) {
          cur.push(l); i++;   // lazy continuation
        } else break;
      }
      var tag = ordered ? "ol" : "ul";
      out.push("<" + tag + (ordered && start !== 1 ? ' start="' + start + '"' : "") + ">" + items.map(function (it) {
        var inner = blocks(it, store);
        if (it.indexOf("") < 0) inner = inner.replace(/^<p>([\s\S]*?)<\/p>/, "$1");
        return "<li>" + inner + "</li>";
      }).join("") + "</" + tag + ">");
      continue;
    }
    if (/^ {4,}\S/.test(line) && !para.length) {
      var ind = [];
      while (i < lines.length && (/^ {4,}/.test(lines[i]) || /^\s*$/.test(lines[i]))) ind.push(lines[i++].slice(4));
      out.push("<pre><code>" + esc(ind.join("\n").replace(/\s+$/, "")) + "</code></pre>");
      continue;
    }
    if (/^ {0,3}<(div|table|p|pre|details|center|img|h[1-6]|ul|ol|dl|hr|br|svg|style|blockquote)\b/i.test(line)) {
      flush();
      var h = [];
      while (i < lines.length && !/^\s*$/.test(lines[i])) h.push(lines[i++]);
      out.push(h.join("\n").replace(/\u0000M(\d+)\u0000/g, function (_, n) { return store[+n]; }));
      continue;
    }
    para.push(line.replace(/^\s+/, ""));
    i++;
  }
  flush();
  return out.join("\n");
}

/* Markdown to HTML text, NOT sanitised: show it with IPL.renderMarkdown. */
IPL.markdown = function (src, trusted) {
  var store = [];
  store.raw = [];
  var raw = [];
  // math first, but not inside code fences/spans
  var parts = String(src).split(/(^ {0,3}```[\s\S]*?^ {0,3}```|`[^`\n]+`)/m);
  var text = parts.map(function (p, k) {
    if (k % 2) return p;
    var before = store.length;
    var t = stashMath(p, store);
    for (var n = before; n < store.length; n++) raw[n] = "";
    return t;
  }).join("");
  var html = blocks(text.replace(/\r\n?/g, "\n").split("\n"), store);
  return html;
};

})(window.IPL);
