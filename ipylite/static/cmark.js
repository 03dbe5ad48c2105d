/* ipylite: Markdown to HTML, written by us to the CommonMark 0.31.2 spec (its block
   and inline parsing algorithm, https://spec.commonmark.org/0.31.2/#appendix-a-parsing-strategy)
   plus the GitHub extensions notebooks use: tables, task lists, strikethrough and
   bare autolinks. IPL.commonmark(text) -> HTML text, NOT sanitised (md.js keeps math
   out of its way; render.js sanitises). Tested with the spec's own examples. */
"use strict";
(function (IPL) {

/* ------------------------------------------------------------------ tree */
function Node(type) {
  this.type = type;
  this.parent = this.firstChild = this.lastChild = this.prev = this.next = null;
  this.open = true;
  this.literal = null;
  this.strings = null;
}
Node.prototype.appendChild = function (c) {
  c.unlink();
  c.parent = this;
  if (this.lastChild) { this.lastChild.next = c; c.prev = this.lastChild; this.lastChild = c; }
  else { this.firstChild = this.lastChild = c; }
};
Node.prototype.unlink = function () {
  if (this.prev) this.prev.next = this.next; else if (this.parent) this.parent.firstChild = this.next;
  if (this.next) this.next.prev = this.prev; else if (this.parent) this.parent.lastChild = this.prev;
  this.parent = this.next = this.prev = null;
};
Node.prototype.insertAfter = function (s) {
  s.unlink();
  s.next = this.next;
  if (s.next) s.next.prev = s;
  s.prev = this;
  this.next = s;
  s.parent = this.parent;
  if (!s.next) s.parent.lastChild = s;
};
Node.prototype.insertBefore = function (s) {
  s.unlink();
  s.prev = this.prev;
  if (s.prev) s.prev.next = s;
  s.next = this;
  this.prev = s;
  s.parent = this.parent;
  if (!s.prev) s.parent.firstChild = s;
};
function textNode(s) { var n = new Node("text"); n.literal = s; return n; }

/* ------------------------------------------------------------------ shared bits */
var ESCAPABLE = "[!\"#$%&'()*+,./:;<=>?@[\\\\\\]^_`{|}~-]";
var ESCAPED = "\\\\" + ESCAPABLE;
var ENTITY = "&(?:#x[a-f0-9]{1,6}|#[0-9]{1,7}|[a-z][a-z0-9]{1,31});";
var reEntityOrEscaped = new RegExp("\\\\" + ESCAPABLE + "|" + ENTITY, "gi");
var TAGNAME = "[A-Za-z][A-Za-z0-9-]*";
var ATTRNAME = "[a-zA-Z_:][a-zA-Z0-9:._-]*";
var ATTRVALUE = "(?:[^\"'=<>`\\x00-\\x20]+|'[^']*'|\"[^\"]*\")";
var ATTRIBUTE = "(?:\\s+" + ATTRNAME + "(?:\\s*=\\s*" + ATTRVALUE + ")?)";
var OPENTAG = "<" + TAGNAME + ATTRIBUTE + "*\\s*/?>";
var CLOSETAG = "</" + TAGNAME + "\\s*[>]";
var HTMLCOMMENT = "<!-->|<!--->|<!--[\\s\\S]*?-->";
var PROCINST = "[<][?][\\s\\S]*?[?][>]";
var DECLARATION = "<![A-Za-z]+[^>]*>";
var CDATA = "<!\\[CDATA\\[[\\s\\S]*?\\]\\]>";
var HTMLTAG = "(?:" + OPENTAG + "|" + CLOSETAG + "|" + HTMLCOMMENT + "|" + PROCINST + "|" + DECLARATION + "|" + CDATA + ")";
var reHtmlTag = new RegExp("^" + HTMLTAG);

var entityBox = null;
function decodeEntity(s) {          // "&name;" or "&#...;" -> the character(s), or s itself
  if (s[1] === "#") {
    var n = s[2] === "x" || s[2] === "X" ? parseInt(s.slice(3, -1), 16) : parseInt(s.slice(2, -1), 10);
    if (!n || n > 0x10ffff || (n >= 0xd800 && n <= 0xdfff)) return "\ufffd";
    return String.fromCodePoint(n);
  }
  if (typeof document === "undefined") return s;
  entityBox = entityBox || document.createElement("textarea");
  entityBox.innerHTML = s;
  var v = entityBox.value;         // (a legacy entity decodes without its ";": "&copyx;")
  return v === s || v.length > 2 || (v[v.length - 1] === ";" && s !== "&semi;") ? s : v;
}
function unescapeString(s) {
  return s.indexOf("\\") < 0 && s.indexOf("&") < 0 ? s : s.replace(reEntityOrEscaped, function (m) {
    return m[0] === "\\" ? m[1] : decodeEntity(m);
  });
}
function normalizeURI(uri) {
  var out = "";
  for (var i = 0; i < uri.length; i++) {
    var c = uri[i], code = uri.charCodeAt(i);
    if (c === "%" && /^[0-9a-fA-F]{2}$/.test(uri.substr(i + 1, 2))) { out += c; continue; }
    if (/[A-Za-z0-9;\/?:@&=+$,\-_.!~*'()#]/.test(c)) { out += c; continue; }
    if (code >= 0xd800 && code <= 0xdbff && i + 1 < uri.length) {
      var lo = uri.charCodeAt(i + 1);
      if (lo >= 0xdc00 && lo <= 0xdfff) { out += encodeURIComponent(c + uri[i + 1]); i++; continue; }
    }
    out += code >= 0xd800 && code <= 0xdfff ? "%EF%BF%BD" : encodeURIComponent(c);
  }
  return out;
}
function normalizeLabel(s) {
  return s.slice(1, -1).trim().replace(/[ \t\r\n]+/g, " ").toLowerCase().toUpperCase();
}
function escHtml(s) {
  return s.replace(/[&<>"]/g, function (c) { return c === "&" ? "&amp;" : c === "<" ? "&lt;" : c === ">" ? "&gt;" : "&quot;"; });
}
var reSpaceOrTab = /^[ \t]$/;
function isBlank(s) { return /^[ \t]*$/.test(s); }

/* ------------------------------------------------------------------ inlines */
var PUNCT = /^[!-\/:-@\[-`{-~\p{P}\p{S}]$/u;
var WHITE = /^[\s\u00a0\u1680\u2000-\u200a\u202f\u205f\u3000]$/u;
var reLinkTitle = new RegExp('^(?:"(' + ESCAPED + '|\\\\[^\\\\]|[^\\\\"\\x00])*"|\'(' + ESCAPED + "|\\\\[^\\\\]|[^\\\\'\\x00])*'|\\((" + ESCAPED + "|\\\\[^\\\\]|[^\\\\()\\x00])*\\))");
var reLinkDestinationBraces = /^(?:<(?:[^<>\n\\\x00]|\\.)*>)/;
var reEmailAutolink = /^<([a-zA-Z0-9.!#$%&'*+\/=?^_`{|}~-]+@[a-zA-Z0-9](?:[a-zA-Z0-9-]{0,61}[a-zA-Z0-9])?(?:\.[a-zA-Z0-9](?:[a-zA-Z0-9-]{0,61}[a-zA-Z0-9])?)*)>/;
var reAutolink = /^<[A-Za-z][A-Za-z0-9.+-]{1,31}:[^<>\x00-\x20]*>/i;
var reSpnl = /^ *(?:\n *)?/;
var reWhitespaceChar = /^[ \t\n\x0b\x0c\x0d]/;
var reUnicodeWhitespace = /[ \t\r\n\f]+/g;
var reFinalSpace = / *$/;
var reInitialSpace = /^ */;
var reLinkLabel = /^\[(?:[^\\\[\]]|\\.){0,1000}\]/s;
var reMain = /^[^\n`\[\]\\!<&*_~hwHW]+/;
var reBareUrl = /^(?:https?:\/\/|www\.)[^\s<]*[^\s<?!.,:*_~'")\]]/i;

function InlineParser(refmap) { this.refmap = refmap; }
var IP = InlineParser.prototype;
IP.peek = function () { return this.pos < this.subject.length ? this.subject.charCodeAt(this.pos) : -1; };
IP.match = function (re) {
  var m = re.exec(this.subject.slice(this.pos));
  if (m === null) return null;
  this.pos += m.index + m[0].length;
  return m[0];
};
IP.spnl = function () { this.match(reSpnl); return true; };

IP.parse = function (block) {
  this.subject = block.strings.join("\n").trim();
  block.strings = null;
  this.pos = 0;
  this.delimiters = null;
  this.brackets = null;
  while (this.parseInline(block)) { /* */ }
  this.processEmphasis(null);
};

IP.parseInline = function (block) {
  var c = this.peek();
  if (c === -1) return false;
  var res;
  switch (c) {
    case 10: res = this.parseNewline(block); break;
    case 92: res = this.parseBackslash(block); break;
    case 96: res = this.parseBackticks(block); break;
    case 42: case 95: case 126: res = this.handleDelim(c, block); break;
    case 91: res = this.parseOpenBracket(block); break;
    case 33: res = this.parseBang(block); break;
    case 93: res = this.parseCloseBracket(block); break;
    case 60: res = this.parseAutolink(block) || this.parseHtmlTag(block); break;
    case 38: res = this.parseEntity(block); break;
    default: res = this.parseBareLink(block) || this.parseString(block);
  }
  if (!res) { this.pos += 1; block.appendChild(textNode(String.fromCharCode(c))); }
  return true;
};

IP.parseBackticks = function (block) {
  var ticks = this.match(/^`+/), afterOpen = this.pos, m;
  var re = /`+/g;
  re.lastIndex = afterOpen;
  while ((m = re.exec(this.subject)) !== null) {
    if (m[0] === ticks) {
      var contents = this.subject.slice(afterOpen, m.index).replace(/\n/g, " ");
      if (contents.length > 0 && /[^ ]/.test(contents) && contents[0] === " " && contents[contents.length - 1] === " ")
        contents = contents.slice(1, -1);
      var node = new Node("code");
      node.literal = contents;
      block.appendChild(node);
      this.pos = m.index + m[0].length;
      return true;
    }
  }
  this.pos = afterOpen;
  block.appendChild(textNode(ticks));
  return true;
};

IP.parseBackslash = function (block) {
  var s = this.subject;
  this.pos += 1;
  if (this.peek() === 10) {
    this.pos += 1;
    block.appendChild(new Node("linebreak"));
  } else if (this.pos < s.length && new RegExp("^" + ESCAPABLE).test(s[this.pos])) {
    block.appendChild(textNode(s[this.pos]));
    this.pos += 1;
  } else block.appendChild(textNode("\\"));
  return true;
};

IP.parseAutolink = function (block) {
  var m, dest, node;
  if ((m = this.match(reEmailAutolink))) {
    dest = m.slice(1, -1);
    node = new Node("link");
    node.destination = normalizeURI("mailto:" + dest);
    node.title = "";
    node.appendChild(textNode(dest));
    block.appendChild(node);
    return true;
  }
  if ((m = this.match(reAutolink))) {
    dest = m.slice(1, -1);
    node = new Node("link");
    node.destination = normalizeURI(dest);
    node.title = "";
    node.appendChild(textNode(dest));
    block.appendChild(node);
    return true;
  }
  return false;
};

/* GFM's extended autolinks: www.x.y, http(s)://..., at a word start. */
IP.parseBareLink = function (block) {
  var prev = this.pos > 0 ? this.subject[this.pos - 1] : "\n";
  if (!/[\s*_~(]/.test(prev) || this.brackets !== null) return false;
  var m = reBareUrl.exec(this.subject.slice(this.pos));
  if (!m) return false;
  var url = m[0];
  while (url.endsWith(")") && (url.match(/\(/g) || []).length < (url.match(/\)/g) || []).length) url = url.slice(0, -1);
  var ent = /&[a-z0-9]+;$/i.exec(url);
  if (ent) url = url.slice(0, ent.index);
  var host = url.replace(/^https?:\/\//i, "").split(/[\/?#]/)[0];
  if (!/^[\w-]+(\.[\w-]+)+$/.test(host) && !/^https?:\/\/[\w-]+/i.test(url)) return false;
  if (/^www\./i.test(url) && !/\./.test(host.slice(4))) return false;
  this.pos += url.length;
  var node = new Node("link");
  node.destination = normalizeURI(/^www\./i.test(url) ? "http://" + url : url);
  node.title = "";
  node.appendChild(textNode(url));
  block.appendChild(node);
  return true;
};

IP.parseHtmlTag = function (block) {
  var m = this.match(reHtmlTag);
  if (m === null) return false;
  var node = new Node("html_inline");
  node.literal = m;
  block.appendChild(node);
  return true;
};

IP.scanDelims = function (cc) {
  var numdelims = 0, startpos = this.pos, s = this.subject;
  while (this.peek() === cc) { numdelims++; this.pos++; }
  if (numdelims === 0) return null;
  var before = startpos === 0 ? "\n" : s[startpos - 1];
  if (startpos > 1 && /[\udc00-\udfff]/.test(before)) before = s.slice(startpos - 2, startpos);
  var after = this.pos < s.length ? s[this.pos] : "\n";
  if (/[\ud800-\udbff]/.test(after)) after = s.slice(this.pos, this.pos + 2);
  var afterWhite = WHITE.test(after), afterPunct = PUNCT.test(after);
  var beforeWhite = WHITE.test(before), beforePunct = PUNCT.test(before);
  var leftFlanking = !afterWhite && (!afterPunct || beforeWhite || beforePunct);
  var rightFlanking = !beforeWhite && (!beforePunct || afterWhite || afterPunct);
  var canOpen, canClose;
  if (cc === 95) {
    canOpen = leftFlanking && (!rightFlanking || beforePunct);
    canClose = rightFlanking && (!leftFlanking || afterPunct);
  } else {
    canOpen = leftFlanking;
    canClose = rightFlanking;
  }
  this.pos = startpos;
  return { numdelims: numdelims, canOpen: canOpen, canClose: canClose };
};

IP.handleDelim = function (cc, block) {
  var res = this.scanDelims(cc);
  if (!res) return false;
  var numdelims = res.numdelims, startpos = this.pos;
  this.pos += numdelims;
  var contents = this.subject.slice(startpos, this.pos);
  if (cc === 126 && numdelims > 2) { block.appendChild(textNode(contents)); return true; }
  var node = textNode(contents);
  block.appendChild(node);
  if (res.canOpen || res.canClose) {
    this.delimiters = { cc: cc, numdelims: numdelims, origdelims: numdelims, node: node,
      previous: this.delimiters, next: null, canOpen: res.canOpen, canClose: res.canClose };
    if (this.delimiters.previous) this.delimiters.previous.next = this.delimiters;
  }
  return true;
};

IP.removeDelimiter = function (delim) {
  if (delim.previous !== null) delim.previous.next = delim.next;
  if (delim.next !== null) delim.next.previous = delim.previous;
  else this.delimiters = delim.previous;
};
function removeDelimitersBetween(bottom, top) {
  if (bottom.next !== top) { bottom.next = top; top.previous = bottom; }
}

IP.processEmphasis = function (stackBottom) {
  var openersBottom = {};
  var closer = this.delimiters;
  while (closer !== null && closer.previous !== stackBottom) closer = closer.previous;
  while (closer !== null) {
    var cc = closer.cc;
    if (!closer.canClose) { closer = closer.next; continue; }
    var key = cc + ":" + (closer.canOpen ? 1 : 0) + ":" + (closer.origdelims % 3);
    var opener = closer.previous, openerFound = false;
    while (opener !== null && opener !== stackBottom && opener !== openersBottom[key]) {
      var oddMatch = cc !== 126 && (closer.canOpen || opener.canClose) && closer.origdelims % 3 !== 0 &&
        (opener.origdelims + closer.origdelims) % 3 === 0;
      if (opener.cc === closer.cc && opener.canOpen && !oddMatch &&
          (cc !== 126 || opener.numdelims === closer.numdelims)) { openerFound = true; break; }
      opener = opener.previous;
    }
    var oldCloser = closer;
    if (cc === 42 || cc === 95 || cc === 126) {
      if (!openerFound) closer = closer.next;
      else {
        var useDelims = cc === 126 ? closer.numdelims : (closer.numdelims >= 2 && opener.numdelims >= 2 ? 2 : 1);
        var openerInl = opener.node, closerInl = closer.node;
        opener.numdelims -= useDelims;
        closer.numdelims -= useDelims;
        openerInl.literal = openerInl.literal.slice(0, openerInl.literal.length - useDelims);
        closerInl.literal = closerInl.literal.slice(0, closerInl.literal.length - useDelims);
        var emph = new Node(cc === 126 ? "del" : useDelims === 1 ? "emph" : "strong");
        var tmp = openerInl.next, next;
        while (tmp && tmp !== closerInl) { next = tmp.next; emph.appendChild(tmp); tmp = next; }
        openerInl.insertAfter(emph);
        removeDelimitersBetween(opener, closer);
        if (opener.numdelims === 0) { openerInl.unlink(); this.removeDelimiter(opener); }
        if (closer.numdelims === 0) {
          closerInl.unlink();
          var tempstack = closer.next;
          this.removeDelimiter(closer);
          closer = tempstack;
        }
      }
    }
    if (!openerFound) {
      openersBottom[key] = oldCloser.previous;
      if (!oldCloser.canOpen) this.removeDelimiter(oldCloser);
    }
  }
  while (this.delimiters !== null && this.delimiters !== stackBottom) this.removeDelimiter(this.delimiters);
};

IP.parseLinkTitle = function () {
  var title = this.match(reLinkTitle);
  return title === null ? null : unescapeString(title.slice(1, -1));
};

IP.parseLinkDestination = function () {
  var res = this.match(reLinkDestinationBraces);
  if (res !== null) return normalizeURI(unescapeString(res.slice(1, -1)));
  if (this.peek() === 60) return null;
  var savepos = this.pos, openparens = 0, c;
  while ((c = this.peek()) !== -1) {
    if (c === 92 && new RegExp("^" + ESCAPABLE).test(this.subject.charAt(this.pos + 1))) {
      this.pos += 1;
      if (this.peek() !== -1) this.pos += 1;
    } else if (c === 40) { this.pos += 1; openparens += 1; }
    else if (c === 41) { if (openparens < 1) break; this.pos += 1; openparens -= 1; }
    else if (reWhitespaceChar.test(String.fromCharCode(c)) || c < 0x20 || c === 0x7f) break;
    else this.pos += 1;
  }
  if (this.pos === savepos && c !== 41) return null;
  if (openparens !== 0) return null;
  return normalizeURI(unescapeString(this.subject.slice(savepos, this.pos)));
};

IP.parseLinkLabel = function () {
  var m = this.match(reLinkLabel);
  return m === null || m.length > 1001 ? 0 : m.length;
};

IP.parseOpenBracket = function (block) {
  var startpos = this.pos;
  this.pos += 1;
  var node = textNode("[");
  block.appendChild(node);
  this.addBracket(node, startpos, false);
  return true;
};
IP.parseBang = function (block) {
  var startpos = this.pos;
  this.pos += 1;
  if (this.peek() === 91) {
    this.pos += 1;
    var node = textNode("![");
    block.appendChild(node);
    this.addBracket(node, startpos + 1, true);
  } else block.appendChild(textNode("!"));
  return true;
};
IP.addBracket = function (node, index, image) {
  if (this.brackets !== null) this.brackets.bracketAfter = true;
  this.brackets = { node: node, previous: this.brackets, previousDelimiter: this.delimiters,
    index: index, image: image, active: true };
};
IP.removeBracket = function () { this.brackets = this.brackets.previous; };

IP.parseCloseBracket = function (block) {
  var startpos, isImage, dest, title, matched = false, reflabel, opener;
  this.pos += 1;
  startpos = this.pos;
  opener = this.brackets;
  if (opener === null) { block.appendChild(textNode("]")); return true; }
  if (!opener.active) { block.appendChild(textNode("]")); this.removeBracket(); return true; }
  isImage = opener.image;
  var savepos = this.pos;
  if (this.peek() === 40) {
    this.pos++;
    if (this.spnl() && (dest = this.parseLinkDestination()) !== null && this.spnl() &&
        (reWhitespaceChar.test(this.subject.charAt(this.pos - 1)) && (title = this.parseLinkTitle()) || true) &&
        this.spnl() && this.peek() === 41) {
      this.pos += 1;
      matched = true;
    } else this.pos = savepos;
  }
  if (!matched) {
    var beforelabel = this.pos, n = this.parseLinkLabel();
    if (n > 2) reflabel = this.subject.slice(beforelabel, beforelabel + n);
    else if (!opener.bracketAfter) reflabel = this.subject.slice(opener.index, startpos);
    if (n === 0) this.pos = savepos;
    if (reflabel) {
      var link = this.refmap[normalizeLabel(reflabel)];
      if (link) { dest = link.destination; title = link.title; matched = true; }
    }
  }
  if (matched) {
    var node = new Node(isImage ? "image" : "link");
    node.destination = dest;
    node.title = title || "";
    var tmp = opener.node.next, next;
    while (tmp) { next = tmp.next; node.appendChild(tmp); tmp = next; }
    block.appendChild(node);
    this.processEmphasis(opener.previousDelimiter);
    this.removeBracket();
    opener.node.unlink();
    if (!isImage) {
      opener = this.brackets;
      while (opener !== null) { if (!opener.image) opener.active = false; opener = opener.previous; }
    }
    return true;
  }
  this.removeBracket();
  this.pos = startpos;
  block.appendChild(textNode("]"));
  return true;
};

IP.parseEntity = function (block) {
  var m = this.match(new RegExp("^" + ENTITY, "i"));
  if (!m) return false;
  var d = decodeEntity(m);
  block.appendChild(textNode(d === m && m[1] !== "#" ? m : d));
  return true;
};

IP.parseString = function (block) {
  var m = this.match(reMain);
  if (m === null) return false;
  block.appendChild(textNode(m));
  return true;
};

IP.parseNewline = function (block) {
  this.pos += 1;
  var lastc = block.lastChild;
  if (lastc && lastc.type === "text" && lastc.literal[lastc.literal.length - 1] === " ") {
    var hard = lastc.literal[lastc.literal.length - 2] === " ";
    lastc.literal = lastc.literal.replace(reFinalSpace, "");
    block.appendChild(new Node(hard ? "linebreak" : "softbreak"));
  } else block.appendChild(new Node("softbreak"));
  this.match(reInitialSpace);
  return true;
};

/* A link reference definition at the start of `s`: its length, or 0. */
IP.parseReference = function (s, refmap) {
  this.subject = s;
  this.pos = 0;
  var rawlabel, dest, title, matchChars, startpos = this.pos;
  matchChars = this.parseLinkLabel();
  if (matchChars === 0) return 0;
  rawlabel = this.subject.slice(0, matchChars);
  if (this.peek() === 58) this.pos++; else { this.pos = startpos; return 0; }
  this.spnl();
  dest = this.parseLinkDestination();
  if (dest === null) { this.pos = startpos; return 0; }
  var beforetitle = this.pos;
  this.spnl();
  if (this.pos !== beforetitle) title = this.parseLinkTitle();
  if (title === null) this.pos = beforetitle;
  var atLineEnd = true;
  if (this.match(/^ *(?:\n|$)/) === null) {
    if (title === null) atLineEnd = false;
    else {
      title = null;
      this.pos = beforetitle;
      atLineEnd = this.match(/^ *(?:\n|$)/) !== null;
    }
  }
  if (title == null) title = "";
  if (!atLineEnd) { this.pos = startpos; return 0; }
  var normlabel = normalizeLabel(rawlabel);
  if (normlabel === "") { this.pos = startpos; return 0; }
  if (!refmap[normlabel]) refmap[normlabel] = { destination: dest, title: title };
  return this.pos - startpos;
};

/* ------------------------------------------------------------------ blocks */
var reHtmlBlockOpen = [
  /./,
  /^<(?:script|pre|textarea|style)(?:\s|>|$)/i,
  /^<!--/,
  /^<[?]/,
  /^<![A-Za-z]/,
  /^<!\[CDATA\[/,
  /^<[/]?(?:address|article|aside|base|basefont|blockquote|body|caption|center|col|colgroup|dd|details|dialog|dir|div|dl|dt|fieldset|figcaption|figure|footer|form|frame|frameset|h[123456]|head|header|hr|html|iframe|legend|li|link|main|menu|menuitem|nav|noframes|ol|optgroup|option|p|param|search|section|summary|table|tbody|td|tfoot|th|thead|title|tr|track|ul)(?:\s|[/]?[>]|$)/i,
  new RegExp("^(?:" + OPENTAG + "|" + CLOSETAG + ")\\s*$", "i")
];
var reHtmlBlockClose = [/./, /<\/(?:script|pre|textarea|style)>/i, /-->/, /\?>/, />/, /\]\]>/];
var reThematicBreak = /^(?:\*[ \t]*){3,}$|^(?:_[ \t]*){3,}$|^(?:-[ \t]*){3,}$/;
var reMaybeSpecial = /^[#`~*+_=<>0-9-|:]/;
var reNonSpace = /[^ \t\f\v\r\n]/;
var reBulletListMarker = /^[*+-]/;
var reOrderedListMarker = /^(\d{1,9})([.)])/;
var reATXHeadingMarker = /^#{1,6}(?:[ \t]+|$)/;
var reCodeFence = /^`{3,}(?!.*`)|^~{3,}/;
var reClosingCodeFence = /^(?:`{3,}|~{3,})(?=[ \t]*$)/;
var reSetextHeadingLine = /^(?:=+|-+)[ \t]*$/;
var reTableDelim = /^\|?[ \t]*:?-+:?[ \t]*(?:\|[ \t]*:?-+:?[ \t]*)*\|?[ \t]*$/;

function splitRow(line) {
  line = line.trim();
  if (line[0] === "|") line = line.slice(1);
  if (line[line.length - 1] === "|" && line[line.length - 2] !== "\\") line = line.slice(0, -1);
  var cells = [], cur = "";
  for (var i = 0; i < line.length; i++) {
    if (line[i] === "\\" && line[i + 1] === "|") { cur += "|"; i++; }
    else if (line[i] === "|") { cells.push(cur.trim()); cur = ""; }
    else cur += line[i];
  }
  cells.push(cur.trim());
  return cells;
}

function endsWithBlankLine(block) {
  return !!block.next && block.sourceEnd !== block.next.sourceStart - 1;
}

var BLOCKS = {
  document: { cont: function () { return 0; }, finalize: function () {}, canContain: function (t) { return t !== "item"; }, acceptsLines: false },
  list: {
    cont: function () { return 0; },
    finalize: function (parser, block) {
      var item = block.firstChild;
      while (item) {
        if (endsWithBlankLine(item) && item.next) { block.listData.tight = false; break; }
        var sub = item.firstChild;
        while (sub) {
          if (endsWithBlankLine(sub) && (item.next || sub.next)) { block.listData.tight = false; break; }
          sub = sub.next;
        }
        if (!block.listData.tight) break;
        item = item.next;
      }
      if (block.lastChild) block.sourceEnd = block.lastChild.sourceEnd;
    },
    canContain: function (t) { return t === "item"; }, acceptsLines: false
  },
  block_quote: {
    cont: function (parser) {
      var ln = parser.currentLine;
      if (!parser.indented && ln.charCodeAt(parser.nextNonspace) === 62) {
        parser.advanceNextNonspace();
        parser.advanceOffset(1, false);
        if (reSpaceOrTab.test(ln[parser.offset] || "")) parser.advanceOffset(1, true);
        return 0;
      }
      return 1;
    },
    finalize: function () {}, canContain: function (t) { return t !== "item"; }, acceptsLines: false
  },
  item: {
    cont: function (parser, container) {
      if (parser.blank) {
        if (container.firstChild == null) return 1;
        parser.advanceNextNonspace();
      } else if (parser.indent >= container.listData.markerOffset + container.listData.padding) {
        parser.advanceOffset(container.listData.markerOffset + container.listData.padding, true);
      } else return 1;
      return 0;
    },
    finalize: function (parser, block) {
      block.sourceEnd = block.lastChild ? block.lastChild.sourceEnd : block.sourceStart;
      var p = block.firstChild;     // GFM task list item: [ ] or [x] opening its paragraph
      if (p && p.type === "paragraph" && p.strings && /^\[[ xX]\][ \t]+\S/.test(p.strings[0])) {
        block.task = p.strings[0][1] !== " " ? "checked" : "open";
        p.strings[0] = p.strings[0].slice(3).replace(/^[ \t]/, "");
      }
    },
    canContain: function (t) { return t !== "item"; }, acceptsLines: false
  },
  heading: { cont: function () { return 1; }, finalize: function () {}, canContain: function () { return false; }, acceptsLines: false },
  thematic_break: { cont: function () { return 1; }, finalize: function () {}, canContain: function () { return false; }, acceptsLines: false },
  code_block: {
    cont: function (parser, container) {
      var ln = parser.currentLine, indent = parser.indent;
      if (container.isFenced) {
        var match = indent <= 3 && ln.charAt(parser.nextNonspace) === container.fenceChar &&
          ln.slice(parser.nextNonspace).match(reClosingCodeFence);
        if (match && match[0].length >= container.fenceLength) {
          parser.lastLineLength = parser.offset + indent + match[0].length;
          parser.finalize(container, parser.lineNumber);
          return 2;
        }
        var i = container.fenceOffset;
        while (i > 0 && reSpaceOrTab.test(ln[parser.offset] || "")) { parser.advanceOffset(1, true); i--; }
      } else {
        if (indent >= 4) parser.advanceOffset(4, true);
        else if (parser.blank) parser.advanceNextNonspace();
        else return 1;
      }
      return 0;
    },
    finalize: function (parser, block) {
      if (block.isFenced) {
        var content = block.strings.join("\n") + "\n";
        var nl = content.indexOf("\n");
        block.info = unescapeString(content.slice(0, nl).trim());
        block.literal = content.slice(nl + 1);
      } else {
        var lines = block.strings.slice();
        while (lines.length && isBlank(lines[lines.length - 1])) lines.pop();
        block.literal = lines.join("\n") + "\n";
      }
      block.strings = null;
    },
    canContain: function () { return false; }, acceptsLines: true
  },
  html_block: {
    cont: function (parser, container) { return parser.blank && (container.htmlBlockType === 6 || container.htmlBlockType === 7) ? 1 : 0; },
    finalize: function (parser, block) { block.literal = block.strings.join("\n").replace(/(\n *)+$/, ""); block.strings = null; },
    canContain: function () { return false; }, acceptsLines: true
  },
  paragraph: {
    cont: function (parser) { return parser.blank ? 1 : 0; },
    finalize: function (parser, block) {
      var s = block.strings.join("\n"), pos, hasRef = false;
      while (s.charCodeAt(0) === 91 && (pos = parser.inlineParser.parseReference(s, parser.refmap))) {
        s = s.slice(pos);
        hasRef = true;
      }
      if (hasRef) {
        if (isBlank(s)) block.unlink(); else block.strings = s.split("\n");
      }
    },
    canContain: function () { return false; }, acceptsLines: true
  },
  table: {
    cont: function (parser) {
      if (parser.blank) return 1;
      var rest = parser.currentLine.slice(parser.nextNonspace);
      if (!parser.indented && /^(?:>|#{1,6}(?:[ \t]|$)|`{3,}|~{3,})/.test(rest)) return 1;
      if (!parser.indented && reThematicBreak.test(rest)) return 1;
      return 0;
    },
    finalize: function (parser, block) {
      block.rows = block.strings.filter(function (r, i) { return i !== 1; }).map(splitRow);  // [1]: the delimiter row
      block.strings = null;
    },
    canContain: function () { return false; }, acceptsLines: true
  }
};

/* Block starts: 0 no match, 1 container start, 2 leaf start. */
var blockStarts = [
  function blockQuote(parser) {
    if (!parser.indented && parser.currentLine.charCodeAt(parser.nextNonspace) === 62) {
      parser.advanceNextNonspace();
      parser.advanceOffset(1, false);
      if (reSpaceOrTab.test(parser.currentLine[parser.offset] || "")) parser.advanceOffset(1, true);
      parser.closeUnmatchedBlocks();
      parser.addChild("block_quote", parser.nextNonspace);
      return 1;
    }
    return 0;
  },
  function atxHeading(parser) {
    var match;
    if (!parser.indented && (match = parser.currentLine.slice(parser.nextNonspace).match(reATXHeadingMarker))) {
      parser.advanceNextNonspace();
      parser.advanceOffset(match[0].length, false);
      parser.closeUnmatchedBlocks();
      var container = parser.addChild("heading", parser.nextNonspace);
      container.level = match[0].trim().length;
      container.strings = [parser.currentLine.slice(parser.offset).replace(/^[ \t]*#+[ \t]*$/, "").replace(/[ \t]+#+[ \t]*$/, "")];
      parser.advanceOffset(parser.currentLine.length - parser.offset);
      return 2;
    }
    return 0;
  },
  function fencedCodeBlock(parser) {
    var match;
    if (!parser.indented && (match = parser.currentLine.slice(parser.nextNonspace).match(reCodeFence))) {
      var fenceLength = match[0].length;
      parser.closeUnmatchedBlocks();
      var container = parser.addChild("code_block", parser.nextNonspace);
      container.isFenced = true;
      container.fenceLength = fenceLength;
      container.fenceChar = match[0][0];
      container.fenceOffset = parser.indent;
      parser.advanceNextNonspace();
      parser.advanceOffset(fenceLength, false);
      return 2;
    }
    return 0;
  },
  function htmlBlock(parser, container) {
    if (!parser.indented && parser.currentLine.charCodeAt(parser.nextNonspace) === 60) {
      var s = parser.currentLine.slice(parser.nextNonspace);
      for (var t = 1; t <= 7; t++) {
        if (reHtmlBlockOpen[t].test(s) && (t < 7 || (container.type !== "paragraph" &&
            !(!parser.allClosed && !parser.blank && parser.tip.type === "paragraph")))) {
          parser.closeUnmatchedBlocks();
          var b = parser.addChild("html_block", parser.offset);
          b.htmlBlockType = t;
          return 2;
        }
      }
    }
    return 0;
  },
  function table(parser, container) {
    if (!parser.indented && container.type === "paragraph" && container.strings.length &&
        reTableDelim.test(parser.currentLine.slice(parser.nextNonspace)) &&
        /\|/.test(parser.currentLine.slice(parser.nextNonspace) + container.strings[container.strings.length - 1])) {
      var header = container.strings[container.strings.length - 1];
      var delims = splitRow(parser.currentLine.slice(parser.nextNonspace));
      if (splitRow(header).length !== delims.length) return 0;
      parser.closeUnmatchedBlocks();
      container.strings.pop();
      var before = container.strings.length;
      if (before) parser.finalize(container, parser.lineNumber - 1);
      var t = new Node("table");
      t.align = delims.map(function (d) { return /^:.*:$/.test(d) ? "center" : /^:/.test(d) ? "left" : /:$/.test(d) ? "right" : ""; });
      t.strings = [header];
      t.sourceStart = parser.lineNumber;
      var parent = container.parent;
      if (!before) container.unlink();
      parent.appendChild(t);
      parser.tip = t;
      parser.advanceOffset(parser.currentLine.length - parser.offset, false);
      return 2;
    }
    return 0;
  },
  function setextHeading(parser, container) {
    var match;
    if (!parser.indented && container.type === "paragraph" && (match = parser.currentLine.slice(parser.nextNonspace).match(reSetextHeadingLine))) {
      parser.closeUnmatchedBlocks();
      var s = container.strings.join("\n"), pos;
      while (s.charCodeAt(0) === 91 && (pos = parser.inlineParser.parseReference(s, parser.refmap))) s = s.slice(pos);
      if (s.length > 0) {
        var heading = new Node("heading");
        heading.sourceStart = container.sourceStart;
        heading.level = match[0][0] === "=" ? 1 : 2;
        heading.strings = s.split("\n");
        container.insertAfter(heading);
        container.unlink();
        parser.tip = heading;
        parser.advanceOffset(parser.currentLine.length - parser.offset, false);
        return 2;
      }
      return 0;
    }
    return 0;
  },
  function thematicBreak(parser) {
    if (!parser.indented && reThematicBreak.test(parser.currentLine.slice(parser.nextNonspace))) {
      parser.closeUnmatchedBlocks();
      parser.addChild("thematic_break", parser.nextNonspace);
      parser.advanceOffset(parser.currentLine.length - parser.offset, false);
      return 2;
    }
    return 0;
  },
  function listItem(parser, container) {
    var data;
    if ((!parser.indented || container.type === "list") && (data = parseListMarker(parser, container))) {
      parser.closeUnmatchedBlocks();
      if (parser.tip.type !== "list" || !listsMatch(container.listData, data)) {
        container = parser.addChild("list", parser.nextNonspace);
        container.listData = data;
      }
      container = parser.addChild("item", parser.nextNonspace);
      container.listData = data;
      return 1;
    }
    return 0;
  },
  function indentedCodeBlock(parser) {
    if (parser.indented && parser.tip.type !== "paragraph" && !parser.blank) {
      parser.advanceOffset(4, true);
      parser.closeUnmatchedBlocks();
      parser.addChild("code_block", parser.offset);
      return 2;
    }
    return 0;
  }
];

function parseListMarker(parser, container) {
  var rest = parser.currentLine.slice(parser.nextNonspace), match, nextc, spacesStartCol, spacesStartOffset;
  var data = { type: null, tight: true, bulletChar: null, start: null, delimiter: null, padding: null, markerOffset: parser.indent };
  if (parser.indent >= 4) return null;
  if ((match = rest.match(reBulletListMarker))) {
    data.type = "bullet";
    data.bulletChar = match[0][0];
  } else if ((match = rest.match(reOrderedListMarker)) && (container.type !== "paragraph" || match[1] === "1")) {
    data.type = "ordered";
    data.start = parseInt(match[1], 10);
    data.delimiter = match[2];
  } else return null;
  nextc = parser.currentLine.charCodeAt(parser.nextNonspace + match[0].length);
  if (!(nextc === -1 || isNaN(nextc) || nextc === 9 || nextc === 32)) return null;
  if (container.type === "paragraph" && !reNonSpace.test(parser.currentLine.slice(parser.nextNonspace + match[0].length))) return null;
  parser.advanceNextNonspace();
  parser.advanceOffset(match[0].length, true);
  spacesStartCol = parser.column;
  spacesStartOffset = parser.offset;
  do {
    parser.advanceOffset(1, true);
    nextc = parser.currentLine.charCodeAt(parser.offset);
  } while (parser.column - spacesStartCol < 5 && (nextc === 32 || nextc === 9));
  var blankItem = isNaN(nextc);
  var spacesAfterMarker = parser.column - spacesStartCol;
  if (spacesAfterMarker >= 5 || spacesAfterMarker < 1 || blankItem) {
    data.padding = match[0].length + 1;
    parser.column = spacesStartCol;
    parser.offset = spacesStartOffset;
    if (reSpaceOrTab.test(parser.currentLine[parser.offset] || "")) parser.advanceOffset(1, true);
  } else data.padding = match[0].length + spacesAfterMarker;
  return data;
}
function listsMatch(a, b) { return a.type === b.type && a.delimiter === b.delimiter && a.bulletChar === b.bulletChar; }

function BlockParser() {
  this.doc = new Node("document");
  this.tip = this.oldtip = this.doc;
  this.refmap = {};
  this.inlineParser = new InlineParser(this.refmap);
  this.lineNumber = 0;
}
var BP = BlockParser.prototype;
BP.addLine = function () {
  if (this.partiallyConsumedTab) {
    this.offset += 1;
    var charsToTab = 4 - (this.column % 4);
    this.tip.strings.push(" ".repeat(charsToTab) + this.currentLine.slice(this.offset));
  } else this.tip.strings.push(this.currentLine.slice(this.offset));
};
BP.addChild = function (tag, offset) {
  while (!BLOCKS[this.tip.type].canContain(tag)) this.finalize(this.tip, this.lineNumber - 1);
  var n = new Node(tag);
  n.sourceStart = this.lineNumber;
  n.strings = [];
  this.tip.appendChild(n);
  this.tip = n;
  return n;
};
BP.closeUnmatchedBlocks = function () {
  if (!this.allClosed) {
    while (this.oldtip !== this.lastMatchedContainer) {
      var parent = this.oldtip.parent;
      this.finalize(this.oldtip, this.lineNumber - 1);
      this.oldtip = parent;
    }
    this.allClosed = true;
  }
};
BP.findNextNonspace = function () {
  var ln = this.currentLine, i = this.offset, cols = this.column, c;
  while ((c = ln.charAt(i)) !== "") {
    if (c === " ") { i++; cols++; }
    else if (c === "\t") { i++; cols += 4 - (cols % 4); }
    else break;
  }
  this.blank = c === "\n" || c === "\r" || c === "";
  this.nextNonspace = i;
  this.nextNonspaceColumn = cols;
  this.indent = this.nextNonspaceColumn - this.column;
  this.indented = this.indent >= 4;
};
BP.advanceNextNonspace = function () {
  this.offset = this.nextNonspace;
  this.column = this.nextNonspaceColumn;
  this.partiallyConsumedTab = false;
};
BP.advanceOffset = function (count, columns) {
  var ln = this.currentLine, c, charsToTab, charsToAdvance;
  while (count > 0 && (c = ln[this.offset])) {
    if (c === "\t") {
      charsToTab = 4 - (this.column % 4);
      if (columns) {
        this.partiallyConsumedTab = charsToTab > count;
        charsToAdvance = charsToTab > count ? count : charsToTab;
        this.column += charsToAdvance;
        this.offset += this.partiallyConsumedTab ? 0 : 1;
        count -= charsToAdvance;
      } else {
        this.partiallyConsumedTab = false;
        this.column += charsToTab;
        this.offset += 1;
        count -= 1;
      }
    } else {
      this.partiallyConsumedTab = false;
      this.offset += 1;
      this.column += 1;
      count -= 1;
    }
  }
};
BP.incorporateLine = function (ln) {
  var allMatched = true, t;
  var container = this.doc;
  this.oldtip = this.tip;
  this.offset = this.column = 0;
  this.blank = this.partiallyConsumedTab = false;
  this.lineNumber += 1;
  this.currentLine = ln;
  var lastChild;
  while ((lastChild = container.lastChild) && lastChild.open) {
    container = lastChild;
    this.findNextNonspace();
    var r = BLOCKS[container.type].cont(this, container);
    if (r === 0) continue;
    if (r === 1) { allMatched = false; container = container.parent; break; }
    if (r === 2) return;
  }
  this.allClosed = container === this.oldtip;
  this.lastMatchedContainer = container;
  var matchedLeaf = container.type !== "paragraph" && BLOCKS[container.type].acceptsLines;
  while (!matchedLeaf) {
    this.findNextNonspace();
    if (!this.indented && !reMaybeSpecial.test(ln.slice(this.nextNonspace))) { this.advanceNextNonspace(); break; }
    var i = 0, res = 0;
    while (i < blockStarts.length) {
      res = blockStarts[i](this, container);
      if (res === 1) { container = this.tip; break; }
      if (res === 2) { container = this.tip; matchedLeaf = true; break; }
      i++;
    }
    if (i === blockStarts.length) { this.advanceNextNonspace(); break; }
  }
  if (!this.allClosed && !this.blank && this.tip.type === "paragraph") {
    this.addLine();                     // lazy paragraph continuation
  } else {
    this.closeUnmatchedBlocks();
    t = container.type;
    if (BLOCKS[t].acceptsLines) {
      this.addLine();
      if (t === "html_block" && container.htmlBlockType >= 1 && container.htmlBlockType <= 5 &&
          reHtmlBlockClose[container.htmlBlockType].test(this.currentLine.slice(this.offset))) {
        this.lastLineLength = ln.length;
        this.finalize(container, this.lineNumber);
      }
    } else if (this.offset < ln.length && !this.blank) {
      container = this.addChild("paragraph", this.offset);
      this.advanceNextNonspace();
      this.addLine();
    }
  }
  this.lastLineLength = ln.length;
};
BP.finalize = function (block, lineNumber) {
  var above = block.parent;
  block.open = false;
  block.sourceEnd = lineNumber;
  BLOCKS[block.type].finalize(this, block);
  this.tip = above;
};
BP.processInlines = function (block) {
  var stack = [block];
  while (stack.length) {
    var node = stack.pop();
    if ((node.type === "paragraph" || node.type === "heading") && node.strings) this.inlineParser.parse(node);
    else if (node.type === "table") {
      var self = this;
      node.cells = node.rows.map(function (row) {
        return row.map(function (text) {
          var cell = new Node("cell");
          cell.strings = [text];
          self.inlineParser.parse(cell);
          return cell;
        });
      });
    }
    for (var c = node.lastChild; c; c = c.prev) if (c.type !== "text") stack.push(c);
  }
};
BP.parse = function (input) {
  this.doc = new Node("document");
  this.tip = this.doc;
  this.refmap = {};
  this.inlineParser = new InlineParser(this.refmap);
  this.lineNumber = 0;
  this.lastLineLength = 0;
  this.offset = this.column = 0;
  this.lastMatchedContainer = this.doc;
  this.currentLine = "";
  var lines = input.split(/\r\n|\n|\r/);
  var len = lines.length;
  if (input.charCodeAt(input.length - 1) === 10 || input.charCodeAt(input.length - 1) === 13) len -= 1;
  for (var i = 0; i < len; i++) this.incorporateLine(lines[i]);
  while (this.tip) this.finalize(this.tip, len);
  this.processInlines(this.doc);
  return this.doc;
};

/* ------------------------------------------------------------------ HTML */
function renderHtml(doc) {
  var out = [];
  function text(node) { return node.literal != null ? node.literal : ""; }
  function plain(node) {         // an image's alt text
    var s = "";
    for (var c = node.firstChild; c; c = c.next) {
      if (c.type === "text" || c.type === "code" || c.type === "html_inline") s += escHtml(c.literal);
      else if (c.type === "softbreak" || c.type === "linebreak") s += "\n";
      else s += plain(c);
    }
    return s;
  }
  function inlines(node) {
    for (var c = node.firstChild; c; c = c.next) inline(c);
  }
  function inline(n) {
    switch (n.type) {
      case "text": out.push(escHtml(n.literal)); break;
      case "softbreak": out.push("\n"); break;
      case "linebreak": out.push("<br />\n"); break;
      case "code": out.push("<code>" + escHtml(n.literal) + "</code>"); break;
      case "html_inline": out.push(n.literal); break;
      case "emph": out.push("<em>"); inlines(n); out.push("</em>"); break;
      case "strong": out.push("<strong>"); inlines(n); out.push("</strong>"); break;
      case "del": out.push("<del>"); inlines(n); out.push("</del>"); break;
      case "link":
        out.push('<a href="' + escHtml(n.destination) + '"' + (n.title ? ' title="' + escHtml(n.title) + '"' : "") + ">");
        inlines(n);
        out.push("</a>");
        break;
      case "image":
        out.push('<img src="' + escHtml(n.destination) + '" alt="' + plain(n) + '"' + (n.title ? ' title="' + escHtml(n.title) + '"' : "") + " />");
        break;
      default: inlines(n);
    }
  }
  function block(n, tight) {
    switch (n.type) {
      case "document": children(n, false); break;
      case "paragraph":
        if (tight) { inlines(n); out.push("\n"); }
        else { out.push("<p>"); inlines(n); out.push("</p>\n"); }
        break;
      case "heading": out.push("<h" + n.level + ">"); inlines(n); out.push("</h" + n.level + ">\n"); break;
      case "thematic_break": out.push("<hr />\n"); break;
      case "block_quote": out.push("<blockquote>\n"); children(n, false); out.push("</blockquote>\n"); break;
      case "code_block":
        var lang = n.info ? n.info.split(/[ \t]+/)[0] : "";
        out.push("<pre><code" + (lang ? ' class="language-' + escHtml(lang) + '"' : "") + ">" + escHtml(n.literal) + "</code></pre>\n");
        break;
      case "html_block": out.push(n.literal + "\n"); break;
      case "list":
        var d = n.listData, tag = d.type === "bullet" ? "ul" : "ol";
        var task = false;
        for (var it = n.firstChild; it; it = it.next) if (it.task) task = true;
        out.push("<" + tag + (d.type === "ordered" && d.start !== 1 ? ' start="' + d.start + '"' : "") +
                 (task ? ' class="contains-task-list"' : "") + ">\n");
        for (var item = n.firstChild; item; item = item.next) {
          out.push(item.task ? '<li class="task-list-item">' : "<li>");
          if (item.task) out.push('<span class="task-check" role="checkbox" aria-checked="' + (item.task === "checked") + '">' +
                                  (item.task === "checked" ? "\u2611" : "\u2610") + "</span> ");
          var first = item.firstChild;
          if (first && !(d.tight && first.type === "paragraph")) out.push("\n");
          for (var c = first; c; c = c.next) {
            block(c, d.tight);
            if (d.tight && c.type === "paragraph" && !c.next) out[out.length - 1] = out[out.length - 1].replace(/\n$/, "");
          }
          out.push("</li>\n");
        }
        out.push("</" + tag + ">\n");
        break;
      case "table":
        out.push("<table>\n<thead>\n<tr>\n");
        var cells = n.cells, width = n.align.length;
        function row(r, tagName) {
          for (var k = 0; k < width; k++) {
            out.push("<" + tagName + (n.align[k] ? ' align="' + n.align[k] + '"' : "") + ">");
            if (r[k]) inlines(r[k]);
            out.push("</" + tagName + ">\n");
          }
        }
        row(cells[0], "th");
        out.push("</tr>\n</thead>\n");
        if (cells.length > 1) {
          out.push("<tbody>\n");
          for (var ri = 1; ri < cells.length; ri++) { out.push("<tr>\n"); row(cells[ri], "td"); out.push("</tr>\n"); }
          out.push("</tbody>\n");
        }
        out.push("</table>\n");
        break;
      default: children(n, tight);
    }
  }
  function children(n, tight) { for (var c = n.firstChild; c; c = c.next) block(c, tight); }
  block(doc, false);
  return out.join("");
}

/* Markdown text -> HTML text (not sanitised). */
IPL.commonmark = function (src) {
  var doc = new BlockParser().parse(String(src).replace(/\u0000/g, "\ufffd"));
  return renderHtml(doc);
};

})(window.IPL = window.IPL || {});
