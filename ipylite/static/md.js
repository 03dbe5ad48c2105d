/* ipylite: a small Markdown renderer (CommonMark's common parts + GFM tables) and a
   small TeX-to-MathML converter for $...$, $$...$$ and \begin{env}...\end{env}.
   The MathML is MathML Core (what Chromium and Firefox draw natively): letters in
   \mathbf, \mathbb, ... are Unicode math alphanumerics, not mathvariant; table
   alignment, rules and boxes are CSS; a math font with an OpenType MATH table is
   named so that large operators and stretchy fences are drawn. */
"use strict";
(function (IPL) {

/* ------------------------------------------------------------------ TeX math */
var MATH_FONT = "font-family:'Latin Modern Math','STIX Two Math','Cambria Math','DejaVu Math TeX Gyre',math";
var SYM = {
  alpha: "α", beta: "β", gamma: "γ", delta: "δ", epsilon: "ϵ", varepsilon: "ε", zeta: "ζ",
  eta: "η", theta: "θ", vartheta: "ϑ", iota: "ι", kappa: "κ", varkappa: "ϰ", lambda: "λ",
  mu: "μ", nu: "ν", xi: "ξ", pi: "π", varpi: "ϖ", rho: "ρ", varrho: "ϱ", sigma: "σ",
  varsigma: "ς", tau: "τ", upsilon: "υ", phi: "ϕ", varphi: "φ", chi: "χ", psi: "ψ", omega: "ω",
  digamma: "ϝ", Gamma: "Γ", Delta: "Δ", Theta: "Θ", Lambda: "Λ", Xi: "Ξ", Pi: "Π", Sigma: "Σ",
  Upsilon: "Υ", Phi: "Φ", Psi: "Ψ", Omega: "Ω",
  infty: "∞", partial: "∂", nabla: "∇", hbar: "ℏ", hslash: "ℏ", ell: "ℓ", Re: "ℜ", Im: "ℑ",
  aleph: "ℵ", beth: "ℶ", gimel: "ℷ", wp: "℘", mho: "℧", emptyset: "∅", varnothing: "∅",
  forall: "∀", exists: "∃", nexists: "∄", neg: "¬", lnot: "¬", angle: "∠", measuredangle: "∡",
  prime: "′", backprime: "‵", ldots: "…", cdots: "⋯", vdots: "⋮", ddots: "⋱", iddots: "⋰",
  dots: "…", dotsc: "…", dotso: "…", dotsb: "⋯", dotsm: "⋯", dotsi: "⋯", top: "⊤", bot: "⊥",
  imath: "ı", jmath: "ȷ", complement: "∁", triangle: "△", square: "□", Box: "□",
  blacksquare: "■", lozenge: "◊", diamondsuit: "♢", heartsuit: "♡", clubsuit: "♣",
  spadesuit: "♠", flat: "♭", natural: "♮", sharp: "♯", checkmark: "✓", S: "§", P: "¶",
  surd: "√", Finv: "Ⅎ", Game: "⅁", eth: "ð", degree: "°", copyright: "©", circledS: "Ⓢ",
  bigstar: "★", blacktriangle: "▴", sphericalangle: "∢"
};
var OPS = {
  pm: "±", mp: "∓", times: "×", div: "÷", cdot: "⋅", cdotp: "⋅", centerdot: "⋅", ast: "∗",
  star: "⋆", circ: "∘", bullet: "∙", dagger: "†", ddagger: "‡", amalg: "⨿", wr: "≀",
  diamond: "⋄", bigcirc: "◯", odot: "⊙", ominus: "⊖", oslash: "⊘", circledast: "⊛",
  uplus: "⊎", sqcup: "⊔", sqcap: "⊓", triangleleft: "◃", triangleright: "▹", lhd: "⊲",
  rhd: "⊳", unlhd: "⊴", unrhd: "⊵", bigtriangleup: "△", bigtriangledown: "▽", ltimes: "⋉",
  rtimes: "⋊", dotplus: "∔", intercal: "⊺", barwedge: "⊼", veebar: "⊻", curlyvee: "⋎",
  curlywedge: "⋏", smallsetminus: "∖", divideontimes: "⋇",
  leq: "≤", le: "≤", geq: "≥", ge: "≥", leqq: "≦", geqq: "≧", leqslant: "⩽", geqslant: "⩾",
  lesssim: "≲", gtrsim: "≳", lessgtr: "≶", gtrless: "≷", neq: "≠", ne: "≠", approx: "≈",
  approxeq: "≊", equiv: "≡", sim: "∼", thicksim: "∼", simeq: "≃", cong: "≅", propto: "∝",
  varpropto: "∝", ll: "≪", gg: "≫", lll: "⋘", ggg: "⋙", asymp: "≍", doteq: "≐",
  triangleq: "≜", coloneqq: "≔", eqqcolon: "≕", backsim: "∽", between: "≬", bowtie: "⋈",
  Join: "⋈", smile: "⌣", frown: "⌢", prec: "≺", succ: "≻", preceq: "⪯", succeq: "⪰",
  precsim: "≾", succsim: "≿", vdash: "⊢", dashv: "⊣", models: "⊨", vDash: "⊨", Vdash: "⊩",
  nmid: "∤", nparallel: "∦", ncong: "≇", nsim: "≁", nless: "≮",
  ngtr: "≯", nleq: "≰", ngeq: "≱", nsubseteq: "⊈", nsupseteq: "⊉", pitchfork: "⋔",
  in: "∈", notin: "∉", ni: "∋", owns: "∋", subset: "⊂", supset: "⊃", subseteq: "⊆",
  supseteq: "⊇", subsetneq: "⊊", supsetneq: "⊋", sqsubset: "⊏", sqsupset: "⊐",
  sqsubseteq: "⊑", sqsupseteq: "⊒", cup: "∪", cap: "∩", setminus: "∖", backslash: "∖",
  wedge: "∧", land: "∧", vee: "∨", lor: "∨", oplus: "⊕", otimes: "⊗",
  to: "→", rightarrow: "→", gets: "←", leftarrow: "←", Rightarrow: "⇒", Leftarrow: "⇐",
  leftrightarrow: "↔", Leftrightarrow: "⇔", longrightarrow: "⟶", longleftarrow: "⟵",
  longleftrightarrow: "⟷", Longrightarrow: "⟹", Longleftarrow: "⟸", Longleftrightarrow: "⟺",
  mapsto: "↦", longmapsto: "⟼", hookrightarrow: "↪", hookleftarrow: "↩", nearrow: "↗",
  searrow: "↘", swarrow: "↙", nwarrow: "↖", leftharpoonup: "↼", rightharpoonup: "⇀",
  leftharpoondown: "↽", rightharpoondown: "⇁", rightleftharpoons: "⇌", leftrightharpoons: "⇋",
  leftrightarrows: "⇆", rightleftarrows: "⇄", rightrightarrows: "⇉", leftleftarrows: "⇇",
  twoheadrightarrow: "↠", twoheadleftarrow: "↞", rightsquigarrow: "⇝", leadsto: "⇝",
  circlearrowleft: "↺", circlearrowright: "↻", curvearrowleft: "↶", curvearrowright: "↷",
  Lsh: "↰", Rsh: "↱", nrightarrow: "↛", nleftarrow: "↚", nRightarrow: "⇏", nLeftarrow: "⇍",
  uparrow: "↑", downarrow: "↓", updownarrow: "↕", Uparrow: "⇑", Downarrow: "⇓",
  Updownarrow: "⇕", mid: "∣", parallel: "∥", perp: "⊥", colon: ":",
  langle: "⟨", rangle: "⟩", lfloor: "⌊", rfloor: "⌋", lceil: "⌈", rceil: "⌉", lbrace: "{",
  rbrace: "}", lbrack: "[", rbrack: "]", vert: "|", Vert: "‖", lvert: "|", rvert: "|",
  lVert: "‖", rVert: "‖", ulcorner: "⌜", urcorner: "⌝", llcorner: "⌞", lrcorner: "⌟"
};
/* spaced like TeX's \iff (\;\Longleftrightarrow\;) */
var WIDE_OPS = { iff: "⟺", implies: "⟹", impliedby: "⟸" };
var REL_OPS = { therefore: "∴", because: "∵" };
var BIG = { sum: "∑", prod: "∏", coprod: "∐", bigcup: "⋃", bigcap: "⋂", bigoplus: "⨁",
  bigotimes: "⨂", bigodot: "⨀", biguplus: "⨄", bigsqcup: "⨆", bigvee: "⋁", bigwedge: "⋀",
  int: "∫", intop: "∫", iint: "∬", iiint: "∭", iiiint: "⨌", oint: "∮", oiint: "∯", oiiint: "∰",
  smallint: "∫" };
var FUNCS = ("sin cos tan cot sec csc arcsin arccos arctan sinh cosh tanh coth sech csch " +
  "log ln lg exp arg deg dim hom ker sgn tr Tr").split(" ");
var LIMFUNCS = ("lim liminf limsup max min sup inf det Pr gcd lcm argmax argmin injlim " +
  "projlim").split(" ");
var LIMNAMES = { liminf: "lim inf", limsup: "lim sup", injlim: "inj lim", projlim: "proj lim" };
/* [character, stretchy]: the stretchy ones are characters Chromium stretches
   with the usual math fonts */
var ACCENTS = { hat: ["^"], widehat: ["\u0302", 1], check: ["ˇ"], widecheck: ["ˇ"],
  tilde: ["~"], widetilde: ["~"], acute: ["´"], grave: ["`"], dot: ["˙"], ddot: ["¨"],
  dddot: ["\u20db"], breve: ["˘"], bar: ["¯"], vec: ["→"], mathring: ["˚"],
  overrightarrow: ["→", 1], overleftarrow: ["←", 1], overleftrightarrow: ["↔", 1] };
var UNDER_ACCENTS = { underrightarrow: "→", underleftarrow: "←", underleftrightarrow: "↔" };
var SPACES = { ",": "0.1667em", ":": "0.2222em", ">": "0.2222em", ";": "0.2778em",
  "!": "-0.1667em", quad: "1em", qquad: "2em", " ": "0.25em", enspace: "0.5em",
  thinspace: "0.1667em", medspace: "0.2222em", thickspace: "0.2778em",
  negthinspace: "-0.1667em", negmedspace: "-0.2222em", negthickspace: "-0.2778em" };
var FONTS = { mathbf: "bold", mathit: "italic", mathrm: "normal", mathup: "normal",
  mathsf: "sans-serif", mathtt: "monospace", mathbb: "double-struck", mathcal: "script",
  mathscr: "script", mathfrak: "fraktur", boldsymbol: "boldsymbol", bm: "boldsymbol",
  mathbfit: "bold-italic", mathnormal: null, Bbb: "double-struck", bold: "bold" };
var OLD_FONTS = { rm: "normal", bf: "bold", it: "italic", sf: "sans-serif", tt: "monospace",
  cal: "script", frak: "fraktur", Bbb: "double-struck" };
var TEXT = { text: "", textrm: "", textup: "", textnormal: "", mbox: "", hbox: "",
  textbf: "font-weight:bold", textit: "font-style:italic", emph: "font-style:italic",
  textsl: "font-style:italic", texttt: "font-family:monospace", textsf: "font-family:sans-serif" };
var STYLES = { displaystyle: ' displaystyle="true" scriptlevel="0"',
  textstyle: ' displaystyle="false" scriptlevel="0"', scriptstyle: ' displaystyle="false" scriptlevel="1"',
  scriptscriptstyle: ' displaystyle="false" scriptlevel="2"' };
var BIGSIZE = { big: "1.2em", Big: "1.623em", bigg: "2.047em", Bigg: "2.470em" };
var NOT = { "=": "≠", "<": "≮", ">": "≯", in: "∉", ni: "∌", equiv: "≢", leq: "≰", le: "≰",
  geq: "≱", ge: "≱", subset: "⊄", supset: "⊅", subseteq: "⊈", supseteq: "⊉", sim: "≁",
  simeq: "≄", approx: "≉", cong: "≇", mid: "∤", parallel: "∦", exists: "∄", prec: "⊀",
  succ: "⊁", vdash: "⊬", models: "⊭", rightarrow: "↛", to: "↛", leftarrow: "↚",
  Rightarrow: "⇏", Leftarrow: "⇍", leftrightarrow: "↮", Leftrightarrow: "⇎" };
/* environments: [open fence, close fence, column alignment ("c", "l", "rl" repeated,
   "rcl"), cells in display style] */
var ENVS = { matrix: ["", "", "c"], smallmatrix: ["", "", "c"], pmatrix: ["(", ")", "c"],
  bmatrix: ["[", "]", "c"], Bmatrix: ["{", "}", "c"], vmatrix: ["|", "|", "c"],
  Vmatrix: ["‖", "‖", "c"], array: ["", "", "c"], subarray: ["", "", "c"],
  cases: ["{", "", "l"], dcases: ["{", "", "l", 1], rcases: ["", "}", "l"],
  aligned: ["", "", "rl", 1], align: ["", "", "rl", 1], alignat: ["", "", "rl", 1],
  alignedat: ["", "", "rl", 1], flalign: ["", "", "rl", 1], split: ["", "", "rl", 1],
  eqnarray: ["", "", "rcl", 1], gathered: ["", "", "c", 1], gather: ["", "", "c", 1],
  multline: ["", "", "c", 1], equation: ["", "", "c", 1], displaymath: ["", "", "c", 1],
  top: ["", "", "c", 1] };
/* delimiters outside \left...\right keep their size; fences have no space around */
var FIXED = /^[()\[\]{}|‖⟨⟩⌊⌋⌈⌉\/↑↓↕⇑⇓⇕∣∥∖⌜⌝⌞⌟]$/, FENCE = /^[()\[\]{}|‖⟨⟩⌊⌋⌈⌉⌜⌝⌞⌟]$/;
function fixedMo(ch) {
  return "<mo" + (FIXED.test(ch) ? ' stretchy="false"' : "") + (FENCE.test(ch) ? ' lspace="0" rspace="0"' : "") +
    ">" + IPL.esc(ch) + "</mo>";
}

function esc(s) { return IPL.esc(s); }
function get(o, k) { return Object.prototype.hasOwnProperty.call(o, k) ? o[k] : undefined; }
function mrow(items) { return items.length === 1 ? items[0] : "<mrow>" + items.join("") + "</mrow>"; }

/* Unicode Mathematical Alphanumeric Symbols: [A, a, 0] per style (0: none) */
var ALPHA = { bold: [0x1D400, 0x1D41A, 0x1D7CE], italic: [0x1D434, 0x1D44E, 0],
  "bold-italic": [0x1D468, 0x1D482, 0x1D7CE], script: [0x1D49C, 0x1D4B6, 0],
  fraktur: [0x1D504, 0x1D51E, 0], "double-struck": [0x1D538, 0x1D552, 0x1D7D8],
  "sans-serif": [0x1D5A0, 0x1D5BA, 0x1D7E2], monospace: [0x1D670, 0x1D68A, 0x1D7F6] };
var HOLES = { italic: { h: "ℎ" },
  script: { B: "ℬ", E: "ℰ", F: "ℱ", H: "ℋ", I: "ℐ", L: "ℒ", M: "ℳ", R: "ℛ", e: "ℯ", g: "ℊ", o: "ℴ" },
  fraktur: { C: "ℭ", H: "ℌ", I: "ℑ", R: "ℜ", Z: "ℨ" },
  "double-struck": { C: "ℂ", H: "ℍ", N: "ℕ", P: "ℙ", Q: "ℚ", R: "ℝ", Z: "ℤ" } };
var GREEK = { bold: 0x1D6A8, italic: 0x1D6E2, "bold-italic": 0x1D71C };
var GREEK_EXTRA = { "ϴ": 17, "∇": 25, "∂": 51, "ϵ": 52, "ϑ": 53, "ϰ": 54, "ϕ": 55, "ϱ": 56, "ϖ": 57 };

function greekIndex(ch) {
  var cp = ch.charCodeAt(0);
  if (cp >= 0x391 && cp <= 0x3A9 && cp !== 0x3A2) return cp - 0x391;
  if (cp >= 0x3B1 && cp <= 0x3C9) return 26 + cp - 0x3B1;
  return GREEK_EXTRA[ch] === undefined ? -1 : GREEK_EXTRA[ch];
}
/* one character in a math style ("bold", "double-struck", ..., "boldsymbol") */
function styled(ch, v) {
  var g = greekIndex(ch);
  if (v === "boldsymbol") v = g >= 0 && g < 26 ? "bold" : /[0-9]/.test(ch) ? "bold" : "bold-italic";
  if (g >= 0) return GREEK[v] ? String.fromCodePoint(GREEK[v] + g) : ch;
  var a = ALPHA[v];
  if (!a) return ch;
  if (HOLES[v] && HOLES[v][ch]) return HOLES[v][ch];
  var c = ch.charCodeAt(0);
  if (c >= 65 && c <= 90) return String.fromCodePoint(a[0] + c - 65);
  if (c >= 97 && c <= 122) return String.fromCodePoint(a[1] + c - 97);
  if (c >= 48 && c <= 57 && a[2]) return String.fromCodePoint(a[2] + c - 48);
  return ch;
}
function fenceMo(d, form) {
  return d ? '<mo fence="true" form="' + form + '" stretchy="true" symmetric="true"' +
    (form === "infix" ? ' lspace="0.05em" rspace="0.05em"' : "") + ">" + esc(d) + "</mo>" : "";
}
function padded(x) {
  return '<mrow><mspace width="0.3em"></mspace>' + (x || "") + '<mspace width="0.3em"></mspace></mrow>';
}
function cssColor(model, v) {
  v = String(v).trim();
  if (/^html$/i.test(model) && /^[0-9a-fA-F]{6}$/.test(v)) return "#" + v;
  if (/^rgb$/i.test(model)) {
    var p = v.split(",").map(function (x) { return Math.round(255 * Math.min(1, Math.max(0, +x || 0))); });
    return p.length === 3 ? "rgb(" + p.join(",") + ")" : "";
  }
  if (/^RGB$/.test(model)) return "rgb(" + v.replace(/[^0-9,]/g, "") + ")";
  return /^(#[0-9a-fA-F]{3,8}|[a-zA-Z]+)$/.test(v) ? v : "";
}
function textMtext(s, style) {
  s = s.replace(/\\([%&$_{}#])/g, "$1").replace(/\\ /g, " ").replace(/~/g, " ")
    .replace(/---/g, "—").replace(/--/g, "–").replace(/\s/g, "\u00a0");
  return "<mtext" + (style ? ' style="' + style + '"' : "") + ">" + esc(s) + "</mtext>";
}
function dimension(s) {   // "1em", "3mu", "-2pt" -> CSS length (em), or ""
  var m = /^\s*(-?[0-9]*\.?[0-9]+)\s*(em|ex|pt|mu|px|cm|mm|in)?/.exec(s);
  if (!m) return "";
  var k = { em: 1, ex: 0.43, pt: 0.1, mu: 1 / 18, px: 0.0625, cm: 2.845, mm: 0.2845, in: 7.227 }[m[2] || "em"];
  return (Math.round(parseFloat(m[1]) * k * 1000) / 1000) + "em";
}

function TexParser(src, display) {
  this.s = src; this.i = 0; this.display = !!display; this.font = null; this.depth = 0;
  this.tag = null;
}
TexParser.prototype = {
  ws: function () { while (this.i < this.s.length && /\s/.test(this.s[this.i])) this.i++; },
  startsCmd: function (name) {
    return this.s.startsWith("\\" + name, this.i) && !/[a-zA-Z]/.test(this.s[this.i + name.length + 1] || "");
  },
  cmdName: function () {
    var m = /^\\([a-zA-Z]+|[\s\S])/.exec(this.s.slice(this.i, this.i + 64));
    if (!m) return null;
    this.i += m[0].length;
    return m[1];
  },
  atStop: function (stop) {
    var c = this.s[this.i];
    if (stop === "}" || stop === "]") return c === stop;
    if (stop === "right") return this.startsCmd("right") || this.startsCmd("middle");
    if (stop === "cell" || stop === "cell}" || stop === "top")
      return c === "&" || this.s.startsWith("\\\\", this.i) || this.startsCmd("cr") ||
        (stop !== "top" && this.startsCmd("end")) || (stop === "cell}" && c === "}");
    return false;
  },
  /* the items of a list up to `stop` (not consumed) */
  list: function (stop) {
    var items = [], font = this.font, m, chain = 0;
    if (++this.depth > 150) throw new Error("formula nested too deeply");
    while (this.i < this.s.length) {
      this.ws();
      if (this.i >= this.s.length || this.atStop(stop)) break;
      var start = this.i, c = this.s[this.i];
      if (c === "^" || c === "_" || c === "'") {
        if (++chain > 100) throw new Error("too many scripts in a row");   // x^a^b^c...: TeX refuses too
        this.scripts(items);
        continue;
      }
      chain = 0;
      if (c === "\\" && (m = /^\\([a-zA-Z]+)(?![a-zA-Z])/.exec(this.s.slice(this.i, this.i + 40)))) {
        var sw = m[1];
        if (sw === "color" || get(STYLES, sw)) {   // switches: the rest of the group
          this.i += m[0].length;
          var attr = get(STYLES, sw) || "";
          if (sw === "color") {
            var model = this.optRaw(), col = cssColor(model, this.rawGroup());
            attr = col ? ' mathcolor="' + esc(col) + '"' : "";
          }
          var rest = this.list(stop);
          if (rest.length) items.push("<mstyle" + attr + ">" + rest.join("") + "</mstyle>");
          break;
        }
        if (get(OLD_FONTS, sw) && !/^(Bbb)$/.test(sw) || sw === "boldmath") {
          this.i += m[0].length;
          this.font = sw === "boldmath" ? "boldsymbol" : get(OLD_FONTS, sw);
          continue;
        }
        if (sw === "limits" || sw === "nolimits") {
          this.i += m[0].length;
          var last = items.length - 1;
          if (last >= 0) items[last] = items[last].replace(/^<(\w+) data-lim="\w"/, function (_, t) {
            return "<" + t + ' data-lim="' + (sw === "limits" ? "u" : "s") + '"';
          }).replace(/movablelimits="true"/, 'movablelimits="false"');
          continue;
        }
        if (sw === "over" || sw === "atop" || sw === "choose") {
          this.i += m[0].length;
          var den = this.list(stop);
          var fr = "<mfrac" + (sw === "over" ? "" : ' linethickness="0"') + ">" + mrow(items.length ? items : ["<mrow></mrow>"]) +
            mrow(den.length ? den : ["<mrow></mrow>"]) + "</mfrac>";
          items = [sw === "choose" ? "<mrow><mo>(</mo>" + fr + "<mo>)</mo></mrow>" : fr];
          break;
        }
        if (sw === "tag") {
          this.i += m[0].length;
          var star = this.s[this.i] === "*";
          if (star) this.i++;
          var t = this.rawGroup();
          this.tag = star ? t : "(" + t + ")";
          continue;
        }
      }
      var a = this.atom();
      if (a === null) break;
      if (a !== "") items.push(a);
      if (this.i === start) this.i++;     // never loop without progress
    }
    this.font = font;
    this.depth--;
    return this.functions(items);
  },
  /* \sin x: the function name, then an invisible function application */
  functions: function (items) {
    var out = [];
    for (var k = 0; k < items.length; k++) {
      out.push(items[k]);
      if (!/^(<m(sub|sup|subsup)>)?<mi data-fn="1"/.test(items[k].slice(0, 40))) continue;
      var next = (items[k + 1] || "").slice(0, 80);
      var tight = !next || /^<mo[^>]*>[(\[{|⟨‖]<|^<mrow><mo fence/.test(next);
      out.push('<mo lspace="0" rspace="' + (tight ? "0" : "0.1667em") + '">\u2061</mo>');
    }
    return out;
  },
  /* x_a^b, x', f''(x), \sum\limits_a^b */
  scripts: function (items) {
    var base = items.length ? items.pop() : "<mrow></mrow>", sub = null, sup = null, primes = "";
    for (;;) {
      this.ws();
      var c = this.s[this.i];
      if (c === "'" && sup === null) { this.i++; primes += "′"; }
      else if (c === "^" && sup === null) { this.i++; sup = this.group(); }
      else if (c === "_" && sub === null) { this.i++; sub = this.group(); }
      else break;
    }
    if (primes) {     // f'(x): the prime glyph of a math font is already raised
      base = "<mrow>" + base + '<mo lspace="0" rspace="0">' + ({ "′′": "″", "′′′": "‴" }[primes] || primes) + "</mo></mrow>";
      if (sub === null && sup === null) { items.push(base); return; }
    }
    var lim = /^<\w+ data-lim="(\w)"/.exec(base);
    var under = lim && lim[1] !== "s";
    var tag = sub !== null && sup !== null ? (under ? "munderover" : "msubsup") :
      sub !== null ? (under ? "munder" : "msub") : (under ? "mover" : "msup");
    items.push("<" + tag + ">" + base + (sub !== null ? sub : "") + (sup !== null ? sup : "") + "</" + tag + ">");
  },
  /* one argument: {...} or a single token */
  group: function () {
    this.ws();
    if (this.s[this.i] === "{") {
      this.i++;
      var r = this.list("}");
      if (this.s[this.i] === "}") this.i++;
      return r.length === 1 ? r[0] : "<mrow>" + r.join("") + "</mrow>";
    }
    var a = this.atom(true);
    return a === null || a === "" ? "<mrow></mrow>" : a;
  },
  /* [optional argument] as MathML, or null */
  optArg: function () {
    this.ws();
    if (this.s[this.i] !== "[") return null;
    this.i++;
    var r = this.list("]");
    if (this.s[this.i] === "]") this.i++;
    return mrow(r.length ? r : ["<mrow></mrow>"]);
  },
  optRaw: function () {
    this.ws();
    if (this.s[this.i] !== "[") return "";
    var end = this.s.indexOf("]", this.i);
    if (end < 0) end = this.s.length;
    var r = this.s.slice(this.i + 1, end);
    this.i = end + 1;
    return r;
  },
  rawGroup: function () {
    this.ws();
    if (this.s[this.i] !== "{") {
      if (this.s[this.i] === "\\") { var n = this.cmdName(); return n === null ? "" : "\\" + n; }
      return this.i < this.s.length ? this.s[this.i++] : "";
    }
    var depth = 0, start = ++this.i;
    while (this.i < this.s.length) {
      var c = this.s[this.i];
      if (c === "\\") { this.i += 2; continue; }
      if (c === "{") depth++;
      else if (c === "}") { if (depth === 0) break; depth--; }
      this.i++;
    }
    var r = this.s.slice(start, Math.min(this.i, this.s.length));
    this.i++;
    return r;
  },
  /* a delimiter after \left, \right, \big...: a character, or "" for "." */
  delim: function () {
    this.ws();
    var c = this.s[this.i];
    if (c === undefined) return "";
    if (c === "\\") {
      var n = this.cmdName();
      if (n === null) return "";
      if (n === "{" || n === "}") return n;
      if (n === "|") return "‖";
      return get(OPS, n) || get(SYM, n) || "\\" + n;
    }
    this.i++;
    if (c === ".") return "";
    return c === "<" ? "⟨" : c === ">" ? "⟩" : c;
  },
  letterMi: function (ch) {
    if (this.font === "normal") return '<mi mathvariant="normal">' + esc(ch) + "</mi>";
    if (this.font) return "<mi>" + esc(styled(ch, this.font)) + "</mi>";
    return (/^[Α-Ω]$/.test(ch) ? '<mi mathvariant="normal">' : "<mi>") + esc(ch) + "</mi>";
  },
  atom: function (single) {
    this.ws();
    var c = this.s[this.i], m;
    if (c === undefined) return null;
    if (c === "{") {
      this.i++;
      var r = this.list("}");
      if (this.s[this.i] === "}") this.i++;
      return "<mrow>" + r.join("") + "</mrow>";
    }
    if (c === "}") { this.i++; return ""; }
    if (c === "\\") return this.command();
    if ((m = (single ? /^[0-9]/ : /^[0-9]*\.?[0-9]+|^[0-9]+/).exec(this.s.slice(this.i, this.i + 200)))) {
      this.i += m[0].length;
      var digits = m[0], font = this.font;
      if (font && font !== "normal") digits = digits.replace(/[0-9]/g, function (d) { return styled(d, font); });
      return "<mn>" + digits + "</mn>";
    }
    if (/[a-zA-Z]/.test(c)) {
      if (this.font && !single) {    // \mathrm{abc}, \mathbf{xy}: one identifier
        m = /^[a-zA-Z]+/.exec(this.s.slice(this.i));
        this.i += m[0].length;
        if (m[0].length > 1) {
          var f = this.font;
          return "<mi>" + esc(f === "normal" ? m[0] : m[0].replace(/./g, function (ch) { return styled(ch, f); })) + "</mi>";
        }
        return this.letterMi(m[0]);
      }
      this.i++;
      return this.letterMi(c);
    }
    if (c === "&") { this.i++; return ""; }
    if (c === "~") { this.i++; return '<mspace width="0.25em"></mspace>'; }
    var cp = this.s.codePointAt(this.i), ch = String.fromCodePoint(cp);
    this.i += ch.length;
    if (/\p{L}/u.test(ch)) return this.letterMi(ch);
    if (ch === "'") return "<mo>′</mo>";
    if (ch === "-") return "<mo>−</mo>";
    if (ch === "*") return "<mo>∗</mo>";
    if (ch === "/") return '<mo stretchy="false" lspace="0" rspace="0">/</mo>';
    return fixedMo(ch);
  },
  command: function () {
    var name = this.cmdName(), f, m;
    if (name === null) { this.i++; return "<mo>\\</mo>"; }
    if (name === "\\" || name === "cr" || name === "newline") { this.optRaw(); return ""; }
    if (/^\s$/.test(name)) return '<mspace width="0.25em"></mspace>';
    if (get(SYM, name)) {
      if (this.font && greekIndex(get(SYM, name)) >= 0) return this.letterMi(get(SYM, name));
      return (/^[A-Z]/.test(name) && name.length > 1 ? '<mi mathvariant="normal">' : "<mi>") + get(SYM, name) + "</mi>";
    }
    if (get(OPS, name)) return fixedMo(get(OPS, name));
    if (get(REL_OPS, name)) return '<mo lspace="0.2778em" rspace="0.2778em">' + get(REL_OPS, name) + "</mo>";
    if (get(WIDE_OPS, name)) return '<mo lspace="0.5556em" rspace="0.5556em">' + get(WIDE_OPS, name) + "</mo>";
    if (get(BIG, name)) {
      var integral = /int/.test(name);
      return '<mo data-lim="' + (integral ? "s" : "m") + '" largeop="' + (name === "smallint" ? "false" : "true") +
        '" movablelimits="' + !integral + '">' + get(BIG, name) + "</mo>";
    }
    if (FUNCS.indexOf(name) >= 0) return '<mi data-fn="1">' + name + "</mi>";
    if (LIMFUNCS.indexOf(name) >= 0) return this.limOp(get(LIMNAMES, name) || name);
    if (name === "operatorname") {
      var opStar = this.s[this.i] === "*";
      if (opStar) this.i++;
      var opText = this.rawGroup().replace(/\\[,:;>! ]/g, "\u2009").replace(/\\(mathrm|text|rm)\b/g, "")
        .replace(/\\([a-zA-Z]+)/g, function (_, n) { return get(SYM, n) || get(OPS, n) || n; }).replace(/[{}\s]/g, "")
        .replace(/\\(.)/g, "$1");
      if (opStar) return this.limOp(opText);
      return '<mi data-fn="1"' + (opText.length === 1 ? ' mathvariant="normal"' : "") + ">" + esc(opText) + "</mi>";
    }
    if (name === "mathop") {
      var opg = this.group();
      return /^<mi>[^<]*<\/mi>$/.test(opg) ? this.limOp(opg.slice(4, -5), true) : '<mrow data-lim="u">' + opg + "</mrow>";
    }
    if (name === "mathbin" || name === "mathrel" || name === "mathord" || name === "mathopen" ||
        name === "mathclose" || name === "mathpunct" || name === "mathinner") return this.group();
    if (get(SPACES, name)) return '<mspace width="' + get(SPACES, name) + '"></mspace>';
    if (name === "hspace" || name === "kern" || name === "mkern" || name === "hskip" || name === "mskip") {
      if (this.s[this.i] === "*") this.i++;
      var dimText = name === "hspace" ? this.rawGroup() : this.s.slice(this.i, this.i + 20);
      var dm = /^\s*-?[0-9]*\.?[0-9]+\s*(em|ex|pt|mu|px|cm|mm|in)?/.exec(dimText);
      if (name !== "hspace" && dm) this.i += dm[0].length;
      var w = dimension(dimText);
      return w ? '<mspace width="' + w + '"></mspace>' : "";
    }
    if (name === "frac" || name === "dfrac" || name === "tfrac" || name === "cfrac") {
      if (name === "cfrac") this.optRaw();
      var num = this.group(), den = this.group();
      if (name === "cfrac") {
        return '<mfrac><mrow displaystyle="true" scriptlevel="0">' + num + '</mrow><mrow displaystyle="true" scriptlevel="0">' + den + "</mrow></mfrac>";
      }
      var fr = "<mfrac>" + num + den + "</mfrac>";
      return name === "frac" ? fr : "<mstyle" + get(STYLES, name === "dfrac" ? "displaystyle" : "textstyle") + ">" + fr + "</mstyle>";
    }
    if (name === "binom" || name === "dbinom" || name === "tbinom") {
      var bn = '<mrow><mo>(</mo><mfrac linethickness="0">' + this.group() + this.group() + "</mfrac><mo>)</mo></mrow>";
      return name === "binom" ? bn : "<mstyle" + get(STYLES, name === "dbinom" ? "displaystyle" : "textstyle") + ">" + bn + "</mstyle>";
    }
    if (name === "sqrt") {
      var idx = this.optArg();
      return idx !== null ? "<mroot>" + this.group() + idx + "</mroot>" : "<msqrt>" + this.group() + "</msqrt>";
    }
    if (name === "cancel" || name === "bcancel" || name === "xcancel" || name === "cancelto") {
      var to = name === "cancelto" ? this.group() : null;   // (Chromium has no menclose: a drawn line)
      var line = function (dir) {
        return "linear-gradient(to " + dir + " right,transparent calc(50% - 0.04em),currentColor calc(50% - 0.04em)," +
          "currentColor calc(50% + 0.04em),transparent calc(50% + 0.04em))";
      };
      var bg = name === "bcancel" ? line("top") : name === "xcancel" ? line("top") + "," + line("bottom") : line("bottom");
      var struck = '<mrow class="cancel" style="background:' + bg + '">' + this.group() + "</mrow>";
      return to === null ? struck : "<msup>" + struck + "<mrow>" + to + "</mrow></msup>";
    }
    if (name === "LaTeX" || name === "TeX") return "<mtext>" + name + "</mtext>";
    if (get(ACCENTS, name)) {
      var ac = get(ACCENTS, name);
      return '<mover accent="true">' + this.group() + "<mo" + (ac[1] ? ' stretchy="true"' : ' stretchy="false"') + ">" + ac[0] + "</mo></mover>";
    }
    if (get(UNDER_ACCENTS, name)) return '<munder accentunder="true">' + this.group() + '<mo stretchy="true">' + get(UNDER_ACCENTS, name) + "</mo></munder>";
    if (name === "overline") return '<mrow style="border-top:0.06em solid;padding-top:0.12em">' + this.group() + "</mrow>";
    if (name === "underline") return '<mrow style="border-bottom:0.06em solid;padding-bottom:0.12em">' + this.group() + "</mrow>";
    if (name === "overbrace" || name === "underbrace") {
      var over = name === "overbrace";
      return "<m" + (over ? 'over data-lim="u" accent' : 'under data-lim="u" accentunder') + '="true">' + this.group() +
        '<mo stretchy="true">' + (over ? "⏞" : "⏟") + "</mo></m" + (over ? "over>" : "under>");
    }
    if (name === "overset" || name === "stackrel" || name === "underset") {
      var script = this.group(), base = this.group(), tg = name === "underset" ? "munder" : "mover";
      return "<" + tg + ">" + base + script + "</" + tg + ">";
    }
    if ((m = /^x(right|left|leftright)arrow$|^x(Right|Left|Leftright)arrow$|^x(mapsto|hookrightarrow|hookleftarrow|rightharpoonup|rightleftharpoons)$/.exec(name))) {
      var arrow = get(OPS, name.slice(1)) || "→";
      var below = this.optArg(), above = this.group();
      return (below !== null ? "<munderover>" : "<mover>") + '<mo stretchy="true">' + arrow + "</mo>" +
        (below !== null ? padded(below) : "") + padded(above) + (below !== null ? "</munderover>" : "</mover>");
    }
    if (FONTS.hasOwnProperty(name)) {
      var saved = this.font;
      this.font = FONTS[name];
      var inner = this.group();
      this.font = saved;
      return inner;
    }
    if (TEXT.hasOwnProperty(name)) return this.text(this.rawGroup(), TEXT[name]);
    if (name === "textcolor") {
      var tmodel = this.optRaw(), tcol = cssColor(tmodel, this.rawGroup());
      return "<mrow" + (tcol ? ' mathcolor="' + esc(tcol) + '"' : "") + ">" + this.group() + "</mrow>";
    }
    if (name === "colorbox") {
      var bmodel = this.optRaw(), bcol = cssColor(bmodel, this.rawGroup());
      return "<mrow" + (bcol ? ' mathbackground="' + esc(bcol) + '"' : "") + ">" + this.text(this.rawGroup(), "") + "</mrow>";
    }
    if (name === "boxed" || name === "fbox") {
      var boxed = name === "fbox" ? this.text(this.rawGroup(), "") : this.group();
      return '<mrow style="border:0.06em solid;padding:0.2em 0.3em">' + boxed + "</mrow>";
    }
    if (name === "phantom") return "<mphantom>" + this.group() + "</mphantom>";
    if (name === "hphantom") return '<mpadded height="0" depth="0"><mphantom>' + this.group() + "</mphantom></mpadded>";
    if (name === "vphantom") return '<mpadded width="0"><mphantom>' + this.group() + "</mphantom></mpadded>";
    if (name === "smash") { this.optRaw(); return '<mpadded height="0" depth="0">' + this.group() + "</mpadded>"; }
    if (name === "left") {
      var parts = [fenceMo(this.delim(), "prefix")];
      parts.push.apply(parts, this.list("right"));
      while (this.startsCmd("middle")) {
        this.i += 7;
        parts.push(fenceMo(this.delim(), "infix"));
        parts.push.apply(parts, this.list("right"));
      }
      if (this.startsCmd("right")) { this.i += 6; parts.push(fenceMo(this.delim(), "postfix")); }
      return "<mrow>" + parts.join("") + "</mrow>";
    }
    if (name === "right" || name === "middle") {   // without \left: the delimiter as it is
      var stray = this.delim();
      return stray ? '<mo stretchy="false">' + esc(stray) + "</mo>" : "";
    }
    if ((m = /^(big|Big|bigg|Bigg)([lrm]?)$/.exec(name))) {
      var d = this.delim(), size = BIGSIZE[m[1]];
      if (!d) return '<mspace width="0.12em"></mspace>';
      var sp = m[2] === "m" ? "0.2778em" : "0";
      return '<mrow><mo fence="true" stretchy="true" symmetric="true" minsize="' + size + '" maxsize="' + size +
        '" lspace="' + sp + '" rspace="' + sp + '">' + esc(d) + "</mo></mrow>";
    }
    if (name === "not") {
      this.ws();
      var nc = this.s[this.i], target;
      if (nc === "\\") { var nn = this.cmdName(); target = get(NOT, nn) || ((get(OPS, nn) || get(SYM, nn) || "") + "\u0338"); }
      else if (nc === undefined) target = "/";
      else { this.i++; target = get(NOT, nc) || nc + "\u0338"; }
      return "<mo>" + esc(target) + "</mo>";
    }
    if (name === "bmod") return '<mo lspace="0.2222em" rspace="0.2222em">mod</mo>';
    if (name === "pmod" || name === "pod") {
      var pm = this.group();
      return '<mrow><mspace width="' + (this.display ? "1em" : "0.4444em") + '"></mspace><mo stretchy="false">(</mo>' +
        (name === "pmod" ? '<mi>mod</mi><mspace width="0.3333em"></mspace>' : "") + pm + '<mo stretchy="false">)</mo></mrow>';
    }
    if (name === "mod") {
      return '<mrow><mspace width="' + (this.display ? "1em" : "0.6667em") + '"></mspace><mi>mod</mi><mspace width="0.3333em"></mspace>' + this.group() + "</mrow>";
    }
    if (name === "substack") {
      this.ws();
      if (this.s[this.i] !== "{") return this.group();
      this.i++;
      var st = this.table("substack", "cell}");
      if (this.s[this.i] === "}") this.i++;
      return st;
    }
    if (name === "{" || name === "}") return fixedMo(name);
    if (name === "_" || name === "%" || name === "$" || name === "#" || name === "&")
      return "<mo>" + esc(name) + "</mo>";
    if (name === "|") return fixedMo("‖");
    if (name === "begin") {
      var env = this.rawGroup();
      return this.environment(env);
    }
    if (name === "end") return '<mtext mathcolor="#c00">\\end{' + esc(this.rawGroup()) + "}</mtext>";
    if (name === "label" || name === "hline" || name === "hdashline" || name === "nonumber" || name === "notag" ||
        name === "displaystyle" || name === "limits" || name === "nolimits" || name === "allowbreak" ||
        name === "strut" || name === "mathstrut" || name === "nobreak" || name === "relax" || name === "left.") {
      if (name === "label") this.rawGroup();
      return "";
    }
    return '<mtext mathcolor="#c00">\\' + esc(name) + "</mtext>";
  },
  /* \lim, \max, \operatorname*{argmax}: limits below in display, at the side inline */
  limOp: function (text, escaped) {
    return '<mo data-lim="m" movablelimits="true" form="prefix" lspace="0" rspace="0.1667em">' + (escaped ? text : esc(text)) + "</mo>";
  },
  /* \text{...}: spaces kept (no-break spaces), $...$ inside is math again */
  text: function (raw, style) {
    var parts = raw.split(/\$((?:[^$\\]|\\.)*)\$/), out = [];
    for (var k = 0; k < parts.length; k++) {
      if (k % 2) {
        var p = new TexParser(parts[k], false);
        p.depth = this.depth;
        out.push(mrow(p.list()));
      } else if (parts[k]) out.push(textMtext(parts[k], style));
    }
    return out.length ? mrow(out) : "<mtext></mtext>";
  },
  environment: function (env) {
    var name = env.replace(/\*$/, "");
    var spec = get(ENVS, name);
    if (!spec) return '<mtext mathcolor="#c00">\\begin{' + esc(env) + "}</mtext>" + mrow(this.list("cell"));
    var cols = null;
    if (name === "array" || name === "subarray") cols = this.rawGroup();
    if (name === "alignat" || name === "alignedat") this.rawGroup();
    if (/matrix$/.test(name) && this.s[this.i] === "[") this.optRaw();
    var table = this.table(name, "cell", cols);
    if (!spec[0] && !spec[1]) return table;
    return "<mrow>" + fenceMo(spec[0], "prefix") + table + fenceMo(spec[1], "postfix") + "</mrow>";
  },
  /* column spec of an array, "c|l|r" -> [{align, left rule, right rule}] */
  columns: function (cols) {
    var out = [], rule = false;
    cols = cols.replace(/\*\{(\d+)\}\{([^{}]*)\}/g, function (_, n, s) { return new Array(Math.min(+n, 50) + 1).join(s); });
    for (var k = 0; k < cols.length; k++) {
      var c = cols[k];
      if (c === "|") { if (out.length) out[out.length - 1].right = true; else rule = true; continue; }
      if (c === "@" || c === "!" || c === ">" || c === "<" || /[pmb]/.test(c)) {
        var depth = 0;
        while (k + 1 < cols.length && (cols[k + 1] === "{" || depth > 0)) {
          k++;
          if (cols[k] === "{") depth++;
          else if (cols[k] === "}") depth--;
        }
        if (/[pmb]/.test(c)) out.push({ align: "left", left: rule });
        rule = false;
        continue;
      }
      if (/[lcr]/.test(c)) { out.push({ align: { l: "left", c: "center", r: "right" }[c], left: rule }); rule = false; }
    }
    return out;
  },
  /* rows and cells up to \end{...} (or the end of the source): an <mtable> */
  table: function (name, stop, cols) {
    var spec = get(ENVS, name) || ["", "", "c"], rows = [], row = [], lines = {}, tags = [];
    var top = name === "top", outerTag = this.tag;
    this.tag = null;
    for (var guard = 0; guard < 100000; guard++) {
      this.ws();
      while (this.startsCmd("hline") || this.startsCmd("hdashline")) {
        lines[rows.length] = this.startsCmd("hline") ? "solid" : "dashed";
        this.i += this.startsCmd("hline") ? 6 : 10;
        this.ws();
      }
      var cell = this.list(stop);
      row.push(cell.join(""));
      if (this.s[this.i] === "&") { this.i++; continue; }
      if (this.s.startsWith("\\\\", this.i) || this.startsCmd("cr")) {
        this.i += this.s.startsWith("\\\\", this.i) ? 2 : 3;
        this.optRaw();
        rows.push(row); tags.push(this.tag); this.tag = null; row = [];
        continue;
      }
      if (this.startsCmd("end")) { this.i += 4; this.rawGroup(); }
      break;
    }
    if (row.length > 1 || row[0] !== "" || !rows.length) { rows.push(row); tags.push(this.tag); }
    else if (lines[rows.length]) lines[rows.length - 1 + "b"] = lines[rows.length];
    var tag = this.tag;
    this.tag = outerTag;
    if (top && rows.length === 1 && row.length <= 1 && rows[0].length === 1) {
      this.tag = tag || tags[0] || outerTag;
      return rows[0][0];
    }
    var ncol = Math.max.apply(null, rows.map(function (r) { return r.length; }));
    var colspec = cols ? this.columns(cols) : [];
    var anyTag = tags.some(function (t) { return t; });
    var align = spec[2], alignLike = align === "rl" || align === "rcl";
    var body = rows.map(function (r, ri) {
      var cells = [];
      for (var k = 0; k < ncol; k++) {
        var style = [], content = r[k] || "", a;
        if (colspec[k]) a = colspec[k].align;
        else if (align === "rl") a = k % 2 ? "left" : "right";
        else if (align === "rcl") a = ["right", "center", "left"][k % 3];
        else a = { l: "left", c: "center" }[align];
        if (a !== "center") style.push("text-align:" + a, "text-align:-webkit-" + a);   // Chromium needs the -webkit- form
        if (alignLike) {
          style.push("padding-left:" + (k % 2 || k === 0 ? "0" : "1em"), "padding-right:0");
          if (k % 2 && /^<mo/.test(content)) content = "<mi></mi>" + content;   // "&=" spaced as a relation
        } else if (align === "l" && k > 0) style.push("padding-left:1em");
        if (name === "substack" || name === "subarray" || name === "smallmatrix") style.push("padding:0 0.2em");
        if (lines[ri]) style.push("border-top:0.06em " + lines[ri]);
        if (lines[ri + "b"]) style.push("border-bottom:0.06em " + lines[ri + "b"]);
        if (colspec[k] && colspec[k].left) style.push("border-left:0.06em solid");
        if (colspec[k] && colspec[k].right) style.push("border-right:0.06em solid");
        cells.push("<mtd" + (style.length ? ' style="' + style.join(";") + '"' : "") + "><mrow>" + content + "</mrow></mtd>");
      }
      if (anyTag) cells.push('<mtd style="padding-left:2em;text-align:right;text-align:-webkit-right">' + (tags[ri] ? textMtext(tags[ri], "") : "") + "</mtd>");
      return "<mtr>" + cells.join("") + "</mtr>";
    }).join("");
    return "<mtable" + (spec[3] ? ' displaystyle="true"' : "") + ">" + body + "</mtable>";
  }
};

/* ---------------------------------------------- macros and mhchem, before parsing */
/* \newcommand, \renewcommand, \def and \DeclareMathOperator define macros for the rest
   of the page (as MathJax does in a notebook); uses are expanded textually, bounded so
   a recursive macro cannot hang the page. */
IPL.texMacros = {};
var MAX_EXPANSIONS = 2000, MAX_EXPANDED = 50000;
function readArg(s, i) {       // [text, end] of the {group} or token at i (spaces skipped)
  while (i < s.length && /\s/.test(s[i])) i++;
  if (i >= s.length) return null;
  if (s[i] === "{") {
    for (var j = i, d = 0; j < s.length; j++) {
      if (s[j] === "\\") j++;
      else if (s[j] === "{") d++;
      else if (s[j] === "}" && --d === 0) return [s.slice(i + 1, j), j + 1];
    }
    return null;
  }
  var m = /^\\(?:[a-zA-Z]+|[\s\S])/.exec(s.slice(i));
  return m ? [m[0], i + m[0].length] : [s[i], i + 1];
}
function defineMacros(src) {
  var re = /\\(newcommand|renewcommand|providecommand|DeclareMathOperator\*?|def|require)(?![a-zA-Z])/g, out = "", last = 0, m;
  while ((m = re.exec(src))) {
    var i = re.lastIndex, kind = m[1], name = readArg(src, i), body, n = 0, dflt = null;
    if (!name) break;
    i = name[1];
    if (kind !== "require") {
      var nm = /^\\([a-zA-Z]+|[^a-zA-Z])$/.exec(name[0].trim());
      if (!nm) continue;
      if (kind === "def") {
        var params = /^(?:#\d)*/.exec(src.slice(i));
        n = params[0].length / 2;
        i += params[0].length;
      } else if (!/^DeclareMathOperator/.test(kind)) {
        var opt = /^\s*\[(\d)\](?:\[([^\]]*)\])?/.exec(src.slice(i));
        if (opt) { n = +opt[1]; dflt = opt[2] === undefined ? null : opt[2]; i += opt[0].length; }
      }
      body = readArg(src, i);
      if (!body) break;
      i = body[1];
      var text = /^DeclareMathOperator/.test(kind) ? "\\operatorname" + (kind.slice(-1) === "*" ? "*" : "") + "{" + body[0] + "}" : body[0];
      if (kind !== "providecommand" || !get(IPL.texMacros, nm[1]))
        IPL.texMacros[nm[1]] = { n: Math.min(n, 9), dflt: dflt, body: text };
    }
    out += src.slice(last, m.index);
    last = re.lastIndex = i;
  }
  return out + src.slice(last);
}
function expandMacros(src) {
  var names = Object.keys(IPL.texMacros);
  if (!names.length) return src;
  var count = 0, re = /\\([a-zA-Z]+|[^a-zA-Z\s])/g, m;
  while ((m = re.exec(src))) {
    var mac = get(IPL.texMacros, m[1]);
    if (!mac || (/[a-zA-Z]/.test(m[1]) && /[a-zA-Z]/.test(src[re.lastIndex] || ""))) continue;
    var i = re.lastIndex, args = [];
    for (var k = 0; k < mac.n; k++) {
      var opt = k === 0 && mac.dflt !== null ? /^\s*\[([^\]]*)\]/.exec(src.slice(i)) : null;
      if (k === 0 && mac.dflt !== null) { args.push(opt ? opt[1] : mac.dflt); if (opt) i += opt[0].length; continue; }
      var a = readArg(src, i);
      if (!a) break;
      args.push(a[0]);
      i = a[1];
    }
    var body = mac.body.replace(/#(\d)/g, function (_, d) { return args[+d - 1] !== undefined ? args[+d - 1] : ""; });
    src = src.slice(0, m.index) + "{" + body + "}" + src.slice(i);
    re.lastIndex = m.index;       // expand what the macro made, too
    if (++count >= MAX_EXPANSIONS || src.length >= MAX_EXPANDED) throw new Error("macros nested too deeply");
  }
  return src;
}

/* \ce{...} (mhchem) as TeX: elements upright, counts as subscripts, charges as
   superscripts, reaction arrows, states and hydrate dots. */
var CE_ARROWS = { "->": "\\rightarrow", "<-": "\\leftarrow", "<->": "\\leftrightarrow", "<=>": "\\rightleftharpoons",
  "<=>>": "\\rightleftharpoons", "<<=>": "\\rightleftharpoons", "=>": "\\Rightarrow" };
function mhchem(src) {
  return src.trim().split(/\s+/).map(function (tok) {
    var a = /^(<=>>|<<=>|<->|<=>|->|<-|=>)(?:\[([^\]]*)\])?(?:\[([^\]]*)\])?$/.exec(tok);
    if (a) {
      var arrow = CE_ARROWS[a[1]];
      if (a[2] === undefined) return arrow;
      return "\\overset{" + a[2] + "}{" + (a[3] !== undefined ? "\\underset{" + a[3] + "}{" + arrow + "}" : arrow) + "}";
    }
    if (tok === "+" || tok === "=") return tok;
    if (tok === "v") return "\\downarrow";
    if (tok === "^") return "\\uparrow";
    var out = "", i = 0, m, afterAtom = false;
    if ((m = /^(\d+\/\d+|\d*\.\d+|\d+)(?=[A-Za-z(\[])/.exec(tok))) { out += m[1] + "\\,"; i = m[0].length; }
    while (i < tok.length) {
      var rest = tok.slice(i);
      if ((m = /^\$([^$]*)\$/.exec(rest))) { out += "{" + m[1] + "}"; afterAtom = true; }
      else if ((m = /^\((aq|s|l|g|sln|cr|am)\)/.exec(rest))) { out += "\\mathrm{(" + m[1] + ")}"; afterAtom = false; }
      else if ((m = /^[A-Z][a-z]?/.exec(rest))) { out += "\\mathrm{" + m[0] + "}"; afterAtom = true; }
      else if (afterAtom && (m = /^\^(\{[^}]*\}|[0-9]*[+-]|[0-9]+|[a-z])/.exec(rest))) {
        out += "^{" + m[1].replace(/^\{|\}$/g, "") + "}"; afterAtom = false;
      }
      else if (afterAtom && (m = /^_?(\d+|[a-z](?![a-z]))/.exec(rest)) && m[0][0] !== "^") { out += "_{" + m[1] + "}"; }
      else if (afterAtom && (m = /^[0-9]*[+-]$/.exec(rest))) { out += "^{" + m[0] + "}"; afterAtom = false; }
      else if ((m = /^[.*]/.exec(rest))) { out += "\\cdot "; afterAtom = false; }
      else if ((m = /^[(\[]/.exec(rest))) { out += m[0]; afterAtom = false; }
      else if ((m = /^[)\]]/.exec(rest))) { out += m[0]; afterAtom = true; }
      else if ((m = /^#/.exec(rest))) { out += "\\equiv "; afterAtom = false; }
      else if ((m = /^[a-z]+/.exec(rest))) { out += "\\mathrm{" + m[0] + "}"; afterAtom = true; }
      else { m = [rest[0]]; out += rest[0] === "\\" ? "\\backslash " : rest[0]; afterAtom = false; }
      i += m[0].length;
    }
    return out;
  }).join("\\,");
}
function expandChem(src) {
  var re = /\\(ce|pu)(?![a-zA-Z])/g, m, count = 0;
  while ((m = re.exec(src)) && count++ < 500) {
    var arg = readArg(src, re.lastIndex);
    if (!arg) break;
    var tex = m[1] === "pu" ? arg[0].replace(/(\d)\s*([a-zA-Z])/, "$1\\,$2").replace(/([a-zA-Z]+)/g, "\\mathrm{$1}") : mhchem(arg[0]);
    src = src.slice(0, m.index) + "{" + tex + "}" + src.slice(arg[1]);
    re.lastIndex = m.index + tex.length + 2;
  }
  return src;
}

/* TeX source -> a <math> element (text). Never throws: what cannot be parsed is
   shown as it was typed, unknown commands in red. */
IPL.tex = function (src, display) {
  src = String(src == null ? "" : src);
  try { src = expandChem(expandMacros(defineMacros(src))); } catch (e) { /* shown as typed below */ }
  var p = new TexParser(src, display), body;
  try { body = p.table("top", "top"); }
  catch (e) { body = '<mtext mathcolor="#c00">' + esc(src.replace(/\s/g, "\u00a0")) + "</mtext>"; p.tag = null; }
  body = body.replace(/ data-(lim|fn)="\w"/g, "");
  var math = function (style) {
    return '<math xmlns="http://www.w3.org/1998/Math/MathML"' + (display ? ' display="block"' : "") +
      ' style="' + MATH_FONT + style + '"><semantics><mrow>' + body +
      '</mrow><annotation encoding="application/x-tex">' + esc(src) + "</annotation></semantics></math>";
  };
  if (p.tag === null) return math("");
  if (!display) { body += '<mspace width="1em"></mspace>' + textMtext(p.tag, ""); return math(""); }
  var tag = esc(p.tag);
  return '<span class="math-tagged" style="display:flex;align-items:center">' +
    '<span style="visibility:hidden;white-space:nowrap;' + MATH_FONT.replace(/'/g, "&#39;") + '">' + tag + "</span>" + math(";flex:1 1 auto;min-width:0") +
    '<span class="math-tag" style="white-space:nowrap;' + MATH_FONT.replace(/'/g, "&#39;") + '">' + tag + "</span></span>";
};

/* Replace math in text with placeholders; returns [text, list of MathML]. */
function stashMath(text, store) {
  return text.replace(/\\\$|\$\$([\s\S]+?)\$\$|\\\\?\[([\s\S]+?)\\\\?\]|\\begin\{([a-z]+\*?)\}([\s\S]+?)\\end\{\3\}|\\\\?\(([\s\S]+?)\\\\?\)|\$((?:[^$\\\n]|\\.)+?)\$/g,
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
/* Math is taken out first (as Jupyter does), except inside code, and put back after
   IPL.commonmark (cmark.js) has made the HTML: Markdown never sees TeX. */
var CODE = /(^ {0,3}(`{3,}|~{3,})[^\n]*\n[\s\S]*?(?:^ {0,3}\2[`~]*[ \t]*$|(?![\s\S]))|(`+)(?!`)[\s\S]*?[^`]\3(?!`))/m;
IPL.markdown = function (src, trusted) {
  var store = [];
  var parts = String(src).replace(/\r\n?/g, "\n").split(CODE);
  var text = "";
  for (var k = 0; k < parts.length; k += 4) {   // split() keeps the 3 groups: code, fence, ticks
    text += stashMath(parts[k] || "", store).replace(/\u0000M(\d+)\u0000/g, "\ue000$1\ue001");
    if (k + 1 < parts.length) text += parts[k + 1];
  }
  return IPL.commonmark(text).replace(/\ue000(\d+)\ue001/g, function (_, n) { return store[+n] || ""; });
};

})(window.IPL);
