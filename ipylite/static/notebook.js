/* ipylite: the notebook page — cells, editor, keyboard, kernel over a WebSocket. */
"use strict";
(function (IPL) {

var NB = IPL.nb = {
  path: document.body.getAttribute("data-path"),
  model: null, cells: [], sel: 0, anchor: 0, mode: "command",
  kernel: null, ws: null, pending: {}, done: {}, displays: {}, dirty: false, lastModified: null,
  clipboard: [], undo: [], broken: false, session: IPL.uuid ? IPL.uuid() : String(Math.random()).slice(2)
};
var main, statusEl;

function $(sel, root) { return (root || document).querySelector(sel); }
function el(tag, cls, text) {
  var e = document.createElement(tag);
  if (cls) e.className = cls;
  if (text != null) e.textContent = text;
  return e;
}
function newId() {
  var a = new Uint8Array(4);
  crypto.getRandomValues(a);
  return Array.prototype.map.call(a, function (b) { return ("0" + b.toString(16)).slice(-2); }).join("");
}
function uuid() {
  return "10000000-1000-4000-8000-100000000000".replace(/[018]/g, function (c) {
    return (c ^ crypto.getRandomValues(new Uint8Array(1))[0] & 15 >> c / 4).toString(16);
  });
}
NB.session = uuid();

/* ---------------------------------------------------------------- HTTP */
function xsrf() {
  var m = /(?:^|;\s*)_xsrf=([^;]*)/.exec(document.cookie);
  return m ? decodeURIComponent(m[1]) : "";
}
IPL.api = function (method, url, body) {
  var opts = { method: method, headers: { "X-XSRFToken": xsrf() }, credentials: "same-origin" };
  if (body !== undefined) { opts.body = JSON.stringify(body); opts.headers["Content-Type"] = "application/json"; }
  return fetch(url, opts).then(function (r) {
    if (r.status === 204) return null;
    return r.json().then(function (j) {
      if (!r.ok) { var e = new Error(j.message || r.statusText); e.status = r.status; throw e; }
      return j;
    });
  });
};
function apiPath(p) { return p.split("/").map(encodeURIComponent).join("/"); }

/* ---------------------------------------------------------------- status */
function setStatus(state) {
  if (state === "restarting" || state === "connecting") state = "starting";
  document.body.setAttribute("data-kernel-status", state);
  if (statusEl) { statusEl.textContent = state; statusEl.className = "kernel-status ks-" + state; }
}
function note(text, kind) {
  var n = $("#nb-notice");
  n.textContent = text;
  n.className = "notice " + (kind || "");
  clearTimeout(note.t);
  if (kind !== "sticky") note.t = setTimeout(function () { n.textContent = ""; n.className = "notice"; }, 3000);
}
function markDirty() { NB.dirty = true; document.title = "*" + NB.name; tocSoon(); }

/* ---------------------------------------------------------------- cells */
function Cell(data) {
  this.data = data;
  this.id = data.id || newId();
  this.type = data.cell_type;
  this.source = IPL.join(data.source);
  this.metadata = data.metadata || {};
  this.outputs = data.outputs || [];
  this.execution_count = data.execution_count == null ? null : data.execution_count;
  this.trusted = this.metadata.trusted !== false || !this.outputs.length;
  delete this.metadata.trusted;
  this.rendered = this.type === "markdown";
  this.build();
}
Cell.prototype.build = function () {
  var c = this.el = el("div", "cell " + this.type + "-cell");
  c.setAttribute("data-cell-id", this.id);
  c.cell = this;
  var row = el("div", "input-row");
  this.promptEl = el("div", "prompt", "");
  this.promptEl.draggable = true;
  this.promptEl.title = "drag to move";
  var ed = this.editorEl = el("div", "editor");
  this.srcEl = el("pre", "cell-source");
  ed.appendChild(this.srcEl);
  row.appendChild(this.promptEl);
  row.appendChild(ed);
  row.appendChild(el("div", "collapsed-bar", "\u22ef input hidden (click to show)"));
  c.appendChild(row);
  this.mdEl = el("div", "md-rendered");
  c.appendChild(this.mdEl);
  var orow = this.outRow = el("div", "output-row");
  orow.appendChild(el("div", "prompt out-prompt"));
  this.outEl = el("div", "cell-output");
  orow.appendChild(this.outEl);
  orow.appendChild(el("div", "collapsed-bar", "\u22ef output hidden (click to show)"));
  c.appendChild(orow);
  this.refresh();
};
Cell.prototype.refresh = function () {
  var cl = this.el.classList;
  ["code-cell", "markdown-cell", "raw-cell"].forEach(function (k) { cl.remove(k); });
  cl.add(this.type + "-cell");
  cl.toggle("rendered", !!this.rendered);
  var jm = this.metadata.jupyter || {};
  cl.toggle("source-hidden", !!jm.source_hidden);
  cl.toggle("outputs-hidden", !!jm.outputs_hidden);
  this.paintSource();
  this.setPrompt();
  if (this.type === "markdown") tocSoon();
  if (this.type === "markdown" && this.rendered) IPL.renderMarkdown(this.mdEl, this.source || "*Empty markdown cell: double-click to edit*", false, this.data.attachments);
  if (this.type === "code") this.renderOutputs(); else this.outEl.innerHTML = "";
};
/* The source drawn under the textarea; an empty marker opens each line, which shows
   its number (a CSS counter) when line numbers are on (Shift-L). */
Cell.prototype.paintSource = function (marks) {
  var html = this.type === "code" ? IPL.highlight(this.source, marks) : IPL.esc(this.source);
  this.srcEl.innerHTML = '<span class="ln"></span>' + html.replace(/\n/g, '\n<span class="ln"></span>');
};
Cell.prototype.setPrompt = function (busy) {
  this.promptEl.textContent = this.type === "code" ? "[" + (busy ? "*" : (this.execution_count || " ")) + "]:" : "";
  this.el.classList.toggle("busy", !!busy);
};
Cell.prototype.renderOutputs = function () {
  IPL.renderOutputs(this.outEl, this.outputs, this.trusted);
  if (this.dropped) this.noteDropped(0);
  this.checkScroll();
};
/* Outputs the server or kernel dropped to keep up: said on the cell (not saved). */
Cell.prototype.noteDropped = function (n) {
  this.dropped = (this.dropped || 0) + n;
  var box = this.outEl.querySelector(".output-dropped");
  if (!box) { box = el("div", "output-truncated output-dropped"); this.outEl.appendChild(box); }
  box.textContent = this.dropped + " output" + (this.dropped === 1 ? " was" : "s were") +
    " not shown, to keep up with the kernel";
};
/* Tall outputs scroll: checked once a frame for all the cells that changed, every
   height read before any class is set (one layout, not one per cell). */
var scrollChecks = [];
Cell.prototype.checkScroll = function () {
  if (this._scrollCheck || !this.outEl.firstChild) return;
  this._scrollCheck = true;
  if (!scrollChecks.length) requestAnimationFrame(function () {
    var cells = scrollChecks;
    scrollChecks = [];
    cells.filter(function (c) {
      c._scrollCheck = false;
      return c.outEl.scrollHeight > 1200 && !c.outEl.classList.contains("unscrolled");
    }).forEach(function (c) { c.outEl.classList.add("output-scrolled"); });
  });
  scrollChecks.push(this);
};
Cell.prototype.addOutput = function (out, displayId) {
  if (this.clearWait) { this.clearWait = false; this.outputs = []; this.outEl.innerHTML = ""; }
  var last = this.outputs[this.outputs.length - 1];
  if (out.output_type === "stream" && last && last.output_type === "stream" && last.name === out.name) {
    // stream text is merged at once but drawn at most once per frame
    last.text = IPL.join(last.text) + out.text;
    IPL.hideLines(last, out._hidden || 0);
    if (last.text.length > 2 * IPL.STREAM_MAX_CHARS) IPL.limitStream(last);
    this.drawStreamSoon();
    return;
  }
  this.drawStreamNow();   // the text merged into the last output, before one follows it
  if (out.output_type === "stream") IPL.limitStream(out);
  this.outputs.push(out);
  var node = IPL.renderOutput(out, this.trusted);
  if (displayId) {
    node.setAttribute("data-display-id", displayId);
    (NB.displays[displayId] = NB.displays[displayId] || []).push(this);
  }
  this.outEl.appendChild(node);
  this.checkScroll();
};
Cell.prototype.drawStreamSoon = function () {
  var self = this;
  if (self._streamFrame) return;
  self._streamFrame = requestAnimationFrame(function () { self._streamFrame = null; self.drawStream(); });
};
/* A finished cell shows all of its text at once, not a frame later. */
Cell.prototype.drawStreamNow = function () {
  if (!this._streamFrame) return;
  cancelAnimationFrame(this._streamFrame);
  this._streamFrame = null;
  this.drawStream();
};
Cell.prototype.drawStream = function () {
  var last = this.outputs[this.outputs.length - 1], node = this.outEl.lastElementChild;
  while (node && !node.classList.contains("output-item")) node = node.previousElementSibling;
  if (!last || last.output_type !== "stream" || !node || !node.classList.contains("output-stream")) return;
  IPL.limitStream(last);
  node.replaceWith(IPL.renderOutput(last, this.trusted));
  this.checkScroll();
};
Cell.prototype.clearOutputs = function () {
  this.outputs = [];
  this.dropped = 0;
  this.outEl.innerHTML = "";
  this.outEl.classList.remove("output-scrolled");
};
/* Collapsed input or output, kept as Jupyter does in metadata.jupyter.{source,outputs}_hidden. */
Cell.prototype.setHidden = function (what, on) {
  var key = what === "input" ? "source_hidden" : "outputs_hidden", jm = Object.assign({}, this.metadata.jupyter);
  if (on) jm[key] = true; else delete jm[key];
  if (Object.keys(jm).length) this.metadata.jupyter = jm; else delete this.metadata.jupyter;
  this.el.classList.toggle(what === "input" ? "source-hidden" : "outputs-hidden", !!on);
  markDirty();
};
Cell.prototype.toJSON = function () {
  var d = Object.assign({}, this.data);
  d.id = this.id;
  d.cell_type = this.type;
  d.source = this.source;
  d.metadata = Object.assign({}, this.metadata);
  if (this.type === "code") {
    d.outputs = this.outputs;
    d.execution_count = this.execution_count;
    d.metadata.trusted = this.trusted;
  } else {
    delete d.outputs;
    delete d.execution_count;
  }
  return d;
};

/* ---------------------------------------------------------------- editor */
Cell.prototype.edit = function (caret) {
  var self = this;
  if (this.type === "markdown") { this.rendered = false; this.el.classList.remove("rendered"); }
  if (!this.ta) {
    var ta = this.ta = el("textarea", "cell-input");
    ta.spellcheck = false;
    ta.setAttribute("autocapitalize", "off");
    ta.value = this.source;
    ta.history = new EditHistory(this);
    ta.addEventListener("beforeinput", function (e) { ta.history.before(e); });
    ta.addEventListener("input", function () {
      self.source = ta.value;
      ta.history.after();
      self.paintSource();
      markDirty();
    });
    ta.addEventListener("keydown", function (e) { editKey(self, e); });
    ta.addEventListener("keyup", function (e) { if (!/^(Shift|Control|Alt)$/.test(e.key)) matchBrackets(self); });
    ta.addEventListener("click", function () { matchBrackets(self); });
    ta.addEventListener("focus", function () { select(NB.cells.indexOf(self)); setMode("edit"); });
    ta.addEventListener("blur", function () { self.paintSource(); closeCompleter(); });
    this.editorEl.appendChild(ta);
  } else if (this.ta.value !== this.source) this.ta.value = this.source;
  this.ta.focus();
  if (caret != null) this.ta.setSelectionRange(caret, caret);
};
Cell.prototype.setSource = function (text) {
  this.source = text;
  if (this.ta) this.ta.value = text;
  this.paintSource();
};

function matchBrackets(cell) {
  var ta = cell.ta, pos = ta.selectionStart, s = cell.source;
  if (ta.selectionEnd !== pos || cell.type !== "code") return;
  var pairs = { "(": ")", "[": "]", "{": "}" }, rev = { ")": "(", "]": "[", "}": "{" };
  var at = null;
  if (pairs[s[pos - 1]] || rev[s[pos - 1]]) at = pos - 1;
  else if (pairs[s[pos]] || rev[s[pos]]) at = pos;
  if (at === null) { cell.paintSource(); return; }
  var ch = s[at], fwd = !!pairs[ch], open = fwd ? ch : rev[ch], close = pairs[open], depth = 0;
  for (var i = at; fwd ? i < s.length : i >= 0; i += fwd ? 1 : -1) {
    if (s[i] === open) depth += fwd ? 1 : -1;
    else if (s[i] === close) depth += fwd ? -1 : 1;
    if (depth === 0) { cell.paintSource([at, i]); return; }
  }
  cell.paintSource([at]);
}

/* Undo and redo of a cell's text, grouped as editors do: a run of typing is one step,
   broken at a word's end, a new line, a pause, a move of the caret or a change of kind
   (typing, deleting, pasting); each of the page's own edits (indent, completion) is a
   step. Chromium's own history cannot serve: it ends a typing group at any change to
   the page, and the highlighting under the text changes at every key. */
function EditHistory(cell) { this.cell = cell; this.done = []; this.undone = []; this.kind = null; this.at = -1; this.time = 0; }
EditHistory.prototype.state = function () {
  var ta = this.cell.ta;
  return { value: ta.value, start: ta.selectionStart, end: ta.selectionEnd };
};
EditHistory.prototype.push = function (kind) {
  this.done.push(this.state());
  if (this.done.length > 500) this.done.shift();
  this.undone = [];
  this.kind = kind;
};
EditHistory.prototype.before = function (e) {
  var t = e.inputType || "";
  if (t === "historyUndo" || t === "historyRedo") { e.preventDefault(); this[t === "historyUndo" ? "undo" : "redo"](); return; }
  var ta = this.cell.ta, data = e.data || "";
  var kind = /^insertText/.test(t) && !/\s/.test(data) ? "word" : /^insertText/.test(t) ? "space" : /^delete/.test(t) ? "delete" : "other";
  var moved = ta.selectionStart !== this.at || ta.selectionEnd !== this.at;
  if (kind === "other" || moved || Date.now() - this.time > 1500 || kind !== this.kind && !(this.kind === "word" && kind === "space"))
    this.push(kind);
  else this.kind = kind;
};
EditHistory.prototype.after = function () { this.at = this.cell.ta.selectionEnd; this.time = Date.now(); };
EditHistory.prototype.apply = function (st) {
  var ta = this.cell.ta;
  ta.value = st.value;
  ta.setSelectionRange(st.start, st.end);
  this.cell.source = st.value;
  this.cell.paintSource();
  this.kind = null;
  this.at = -1;
  markDirty();
};
EditHistory.prototype.undo = function () {
  if (!this.done.length) return;
  this.undone.push(this.state());
  this.apply(this.done.pop());
};
EditHistory.prototype.redo = function () {
  if (!this.undone.length) return;
  this.done.push(this.state());
  this.apply(this.undone.pop());
};

/* Replace [start, end) (default: the selection) with text, as one undo step. */
function insertText(ta, text, start, end) {
  if (start != null) ta.setSelectionRange(start, end);
  if (ta.history) ta.history.push("page");
  ta.setRangeText(text, ta.selectionStart, ta.selectionEnd, "end");
  ta.dispatchEvent(new Event("input"));
}

/* Brackets and quotes close themselves, typing the closer steps over it, and
   Backspace between an empty pair removes both (code cells, as Jupyter does). */
var PAIRS = { "(": ")", "[": "]", "{": "}", "'": "'", '"': '"' };
function autoClose(cell, e) {
  var ta = cell.ta, k = e.key, s = cell.source, a = ta.selectionStart, b = ta.selectionEnd;
  var prev = s[a - 1] || "", next = s[b] || "";
  if (k === "Backspace" && a === b && PAIRS[prev] && PAIRS[prev] === next) {
    e.preventDefault();
    insertText(ta, "", a - 1, a + 1);
    return true;
  }
  if (a !== b || k.length !== 1) return false;
  if ((k === ")" || k === "]" || k === "}" || k === "'" || k === '"') && next === k) {
    e.preventDefault();                 // step over the closer
    ta.setSelectionRange(a + 1, a + 1);
    if (ta.history) ta.history.at = -1;
    return true;
  }
  if (!PAIRS[k] || (next && !/[\s)\]},:;]/.test(next))) return false;
  if ((k === "'" || k === '"') && /[\w'"]/.test(prev)) return false;   // it's / an end quote
  e.preventDefault();
  insertText(ta, k + PAIRS[k]);
  ta.setSelectionRange(a + 1, a + 1);
  if (ta.history) ta.history.after();
  return true;
}

function editKey(cell, e) {
  var ta = cell.ta, k = e.key;
  if (completer && handleCompleterKey(e)) return;
  if (k === "Escape") { e.preventDefault(); if (tooltip) { closeTooltip(); return; } ta.blur(); setMode("command"); return; }
  var plain = !(e.ctrlKey || e.metaKey || e.altKey), caret = ta.selectionStart, empty = caret === ta.selectionEnd;
  if (plain && !e.shiftKey && empty && (k === "ArrowUp" && cell.source.lastIndexOf("\n", caret - 1) < 0 ||
      k === "ArrowDown" && cell.source.indexOf("\n", caret) < 0)) {       // at the cell's edge: the next cell
    var to = NB.sel + (k === "ArrowUp" ? -1 : 1);
    if (to >= 0 && to < NB.cells.length) {
      e.preventDefault();
      closeTooltip();
      select(to);
      scrollTo(cur());
      setMode("edit");
      cur().edit(k === "ArrowUp" ? cur().source.length : 0);
      return;
    }
  }
  if (plain && cell.type === "code" && autoClose(cell, e)) return;
  if ((e.ctrlKey || e.metaKey) && !e.altKey && (k === "z" || k === "Z" || k === "y")) {
    e.preventDefault();
    if (k === "z" && !e.shiftKey) ta.history.undo(); else ta.history.redo();
    return;
  }
  if (k === "Enter" && (e.shiftKey || e.ctrlKey || e.altKey || e.metaKey)) { e.preventDefault(); runKey(e); return; }
  if ((e.ctrlKey || e.metaKey) && k === "s") { e.preventDefault(); save(true); return; }
  if (e.ctrlKey && e.shiftKey && (k === "-" || k === "_")) { e.preventDefault(); splitCell(); return; }
  if (k === "Enter") {
    e.preventDefault();
    var before = cell.source.slice(0, ta.selectionStart);
    var line = before.slice(before.lastIndexOf("\n") + 1);
    var indent = /^\s*/.exec(line)[0];
    if (cell.type === "code" && /[:([{]\s*$/.test(line)) indent += "    ";
    if (cell.type === "code" && /^\s*(return|pass|break|continue|raise)\b/.test(line)) indent = indent.slice(4);
    insertText(ta, "\n" + indent);
    return;
  }
  if (k === "Tab" && e.shiftKey) { e.preventDefault(); inspect(cell); return; }
  if (k === "Tab") {
    e.preventDefault();
    var pre = cell.source.slice(0, ta.selectionStart);
    if (ta.selectionStart === ta.selectionEnd && cell.type === "code" && /[\w.]$/.test(pre)) complete(cell);
    else insertText(ta, "    ");
    return;
  }
  if (k === "Backspace" && ta.selectionStart === ta.selectionEnd) {
    var b = cell.source.slice(0, ta.selectionStart), ln = b.slice(b.lastIndexOf("\n") + 1);
    if (ln.length >= 4 && /^ +$/.test(ln)) {
      e.preventDefault();
      insertText(ta, "", ta.selectionStart - (ln.length % 4 || 4), ta.selectionStart);
    }
  }
}

/* ---------------------------------------------------------------- completion */
var completer = null, tooltip = null;
function complete(cell) {
  var pos = cell.ta.selectionStart;
  send("shell", "complete_request", { code: cell.source, cursor_pos: pos }, {}, function (reply) {
    var c = reply.content;
    if (c.status !== "ok" || !c.matches.length) return;
    var start = c.cursor_start, end = c.cursor_end;
    if (c.matches.length === 1) { insertText(cell.ta, c.matches[0], start, end); return; }
    closeCompleter();
    var box = completer = el("ul", "completer");
    box.cell = cell; box.start = start; box.end = end; box.idx = 0;
    c.matches.slice(0, 200).forEach(function (m, i) {
      var li = el("li", i === 0 ? "active" : "", m);
      li.addEventListener("mousedown", function (ev) { ev.preventDefault(); box.idx = i; pickCompletion(); });
      box.appendChild(li);
    });
    cell.editorEl.appendChild(box);
  });
}
function closeCompleter() { if (completer) { completer.remove(); completer = null; } }
function pickCompletion() {
  var box = completer, li = box.children[box.idx];
  insertText(box.cell.ta, li.textContent, box.start, box.end);
  closeCompleter();
}
function handleCompleterKey(e) {
  var box = completer;
  if (e.key === "ArrowDown" || e.key === "ArrowUp") {
    e.preventDefault();
    box.children[box.idx].className = "";
    box.idx = (box.idx + (e.key === "ArrowDown" ? 1 : -1) + box.children.length) % box.children.length;
    box.children[box.idx].className = "active";
    box.children[box.idx].scrollIntoView({ block: "nearest" });
    return true;
  }
  if (e.key === "Enter" || e.key === "Tab") { e.preventDefault(); pickCompletion(); return true; }
  if (e.key === "Escape") { e.preventDefault(); closeCompleter(); return true; }
  closeCompleter();
  return false;
}
function inspect(cell) {
  send("shell", "inspect_request", { code: cell.source, cursor_pos: cell.ta.selectionStart, detail_level: 0 }, {}, function (reply) {
    closeTooltip();
    var c = reply.content;
    if (!c.found) { note("no signature found"); return; }
    tooltip = el("div", "tooltip");
    var pre = el("pre");
    pre.innerHTML = IPL.ansi((c.data || {})["text/plain"] || "");
    tooltip.appendChild(pre);
    cell.editorEl.appendChild(tooltip);
  });
}
function closeTooltip() { if (tooltip) { tooltip.remove(); tooltip = null; } }

/* ---------------------------------------------------------------- selection & modes */
function cur() { return NB.cells[NB.sel]; }
function selRange() { return [Math.min(NB.sel, NB.anchor), Math.max(NB.sel, NB.anchor)]; }
function select(i, extend) {
  if (!NB.cells.length) return;
  i = Math.max(0, Math.min(NB.cells.length - 1, i));
  main.querySelectorAll(".cell.selected, .cell.multi").forEach(function (e) { e.classList.remove("selected", "multi"); });
  NB.sel = i;
  if (!extend) NB.anchor = i;
  var r = selRange();
  for (var k = r[0]; k <= r[1]; k++) NB.cells[k].el.classList.add(r[0] === r[1] ? "selected" : "multi");
  NB.cells[i].el.classList.add("selected");
  var picker = document.getElementById("cell-type");
  if (picker) picker.value = NB.cells[i].type;
}
function setMode(m) {
  NB.mode = m;
  document.body.setAttribute("data-mode", m);
  NB.cells.forEach(function (c) { c.el.classList.remove("editing"); });
  if (m === "edit" && cur()) cur().el.classList.add("editing");
  if (m === "command") { if (document.activeElement && document.activeElement.classList.contains("cell-input")) document.activeElement.blur(); }
}
/* Bottom edge of the sticky top bars (their real height: they wrap when narrow). */
function barsBottom() {
  var b = 0;
  Array.prototype.forEach.call(document.querySelectorAll(".topbar, .toolbar"), function (e) {
    b = Math.max(b, e.getBoundingClientRect().bottom);
  });
  return b;
}
function placeBars() {
  var top = document.querySelector(".topbar"), tool = document.querySelector(".toolbar");
  if (top && tool) tool.style.top = top.offsetHeight + "px";
}
function scrollTo(cell) {
  var r = cell.el.getBoundingClientRect(), top = barsBottom() + 4, h = window.innerHeight;
  if (r.top < top) window.scrollBy(0, r.top - top);
  else if (r.bottom > h) window.scrollBy(0, Math.min(r.bottom - h + 4, r.top - top));
}
function enterEdit() { var c = cur(); if (c) { if (c.el.classList.contains("source-hidden")) c.setHidden("input", false); setMode("edit"); c.edit(); c.el.classList.add("editing"); } }
function toggleHidden(what) {
  var r = selRange(), on = !cur().el.classList.contains(what === "input" ? "source-hidden" : "outputs-hidden");
  for (var k = r[0]; k <= r[1]; k++) NB.cells[k].setHidden(what, on);
}

/* ---------------------------------------------------------------- table of contents */
/* The headings of the Markdown cells (ATX and setext, outside code fences), in a side
   panel; a click selects the heading's cell and scrolls it to the top. */
function headings(src) {
  var out = [], fence = null, lines = src.split("\n");
  lines.forEach(function (line, i) {
    var f = /^ {0,3}(`{3,}|~{3,})/.exec(line);
    if (f) { if (!fence) fence = f[1][0]; else if (f[1][0] === fence) fence = null; return; }
    if (fence) return;
    var m = /^ {0,3}(#{1,6})(?:[ \t]+(.*?))?(?:[ \t]+#+)?[ \t]*$/.exec(line);
    if (m) { out.push([m[1].length, m[2] || ""]); return; }
    var nx = lines[i + 1];
    if (nx !== undefined && /^ {0,3}(=+|-+)[ \t]*$/.test(nx) && line.trim() && !/^ {0,3}([-*+>]|\d+[.)])\s/.test(line))
      out.push([nx.trim()[0] === "=" ? 1 : 2, line.trim()]);
  });
  return out.map(function (h) {
    return [h[0], h[1].replace(/!?\[([^\]]*)\]\([^)]*\)/g, "$1").replace(/(\*\*|__|[*_`])/g, "").replace(/\$([^$]+)\$/g, "$1")];
  });
}
function buildToc() {
  var box = $("#toc-list");
  if (!box || $("#toc").hidden) return;
  box.innerHTML = "";
  NB.cells.forEach(function (c) {
    if (c.type !== "markdown") return;
    headings(c.source).forEach(function (h) {
      var a = el("a", "toc-h" + h[0], h[1] || "(empty heading)");
      a.href = "#";
      a.cell = c;
      box.appendChild(a);
    });
  });
  if (!box.firstChild) box.appendChild(el("p", "muted", "No headings: Markdown cells with # titles make the contents."));
}
function tocSoon() {
  if (tocSoon.t || !document.getElementById("toc") || $("#toc").hidden) return;
  tocSoon.t = setTimeout(function () { tocSoon.t = null; buildToc(); }, 250);
}
function toggleToc() {
  var t = $("#toc");
  t.hidden = !t.hidden;
  t.style.top = barsBottom() + "px";
  document.body.classList.toggle("toc-open", !t.hidden);
  buildToc();
}
function tocJump(e) {
  var a = e.target.closest("a");
  if (!a || !a.cell) return;
  e.preventDefault();
  var i = NB.cells.indexOf(a.cell);
  if (i < 0) return buildToc();
  setMode("command");
  select(i);
  window.scrollBy(0, a.cell.el.getBoundingClientRect().top - barsBottom() - 4);
}

/* ---------------------------------------------------------------- structure edits */
function insertCell(i, type, source) {
  var c = new Cell({ cell_type: type || "code", id: newId(), source: source || "", metadata: {}, outputs: [], execution_count: null });
  if (c.type === "markdown") c.rendered = false, c.refresh();
  var before = NB.cells[i];
  main.insertBefore(c.el, before ? before.el : null);
  NB.cells.splice(i, 0, c);
  markDirty();
  return c;
}
function removeCells(a, b) {
  var gone = NB.cells.splice(a, b - a + 1);
  gone.forEach(function (c) { c.el.remove(); });
  if (!NB.cells.length) insertCell(0, "code");
  markDirty();
  return gone;
}
function deleteSelected() {
  var r = selRange();
  NB.undo.push({ index: r[0], cells: removeCells(r[0], r[1]).map(function (c) { return c.toJSON(); }) });
  select(Math.min(r[0], NB.cells.length - 1));
}
/* z: undo the last delete, cut, move or change of type. */
function undoDelete() {
  var u = NB.undo.pop();
  if (!u) return;
  var byId = {};
  NB.cells.forEach(function (c) { byId[c.id] = c; });
  if (u.kind === "type") {
    u.cells.forEach(function (t) { if (byId[t.id]) setType(byId[t.id], t.type); });
    if (byId[u.cells[0].id]) select(NB.cells.indexOf(byId[u.cells[0].id]));
    markDirty();
    return;
  }
  if (u.kind === "move") {
    var first = NB.cells.indexOf(byId[u.ids[0]]);
    if (first < 0) return;
    NB.anchor = first; NB.sel = first + u.ids.length - 1;
    moveSelected(-u.delta, true);
    return;
  }
  u.cells.forEach(function (d, k) {
    var c = new Cell(d);
    c.trusted = d.metadata.trusted !== false;
    main.insertBefore(c.el, NB.cells[u.index + k] ? NB.cells[u.index + k].el : null);
    NB.cells.splice(u.index + k, 0, c);
  });
  select(u.index);
  markDirty();
}
function copySelected() {
  var r = selRange();
  NB.clipboard = NB.cells.slice(r[0], r[1] + 1).map(function (c) { var d = c.toJSON(); d.id = undefined; return d; });
}
function paste(above) {
  if (!NB.clipboard.length) return;
  var at = above ? selRange()[0] : selRange()[1] + 1;
  NB.clipboard.forEach(function (d, k) {
    var copy = JSON.parse(JSON.stringify(d));
    copy.id = newId();
    var c = new Cell(copy);
    main.insertBefore(c.el, NB.cells[at + k] ? NB.cells[at + k].el : null);
    NB.cells.splice(at + k, 0, c);
  });
  select(at + NB.clipboard.length - 1);
  markDirty();
}
function moveSelected(delta, noUndo) {
  var r = selRange();
  if (r[0] + delta < 0 || r[1] + delta >= NB.cells.length) return;
  if (!noUndo) NB.undo.push({ kind: "move", delta: delta, ids: NB.cells.slice(r[0], r[1] + 1).map(function (c) { return c.id; }) });
  var moved = NB.cells.splice(r[0], r[1] - r[0] + 1);
  NB.cells.splice.apply(NB.cells, [r[0] + delta, 0].concat(moved));
  var after = NB.cells[r[1] + delta + 1];
  moved.forEach(function (c) { main.insertBefore(c.el, after ? after.el : null); });
  NB.sel += delta; NB.anchor += delta;
  select(NB.sel, NB.sel !== NB.anchor);
  scrollTo(cur());
  markDirty();
}
function changeType(type, noUndo) {
  $("#cell-type").value = type;
  var r = selRange(), changed = [];
  for (var i = r[0]; i <= r[1]; i++) {
    var c = NB.cells[i];
    if (c.type === type) continue;
    changed.push({ id: c.id, type: c.type });
    setType(c, type);
  }
  if (changed.length && !noUndo) NB.undo.push({ kind: "type", cells: changed });
  markDirty();
}
/* A code cell made Markdown keeps its outputs aside until the notebook is saved. */
function setType(c, type) {
  if (c.type === "code" && type !== "code") {
    c.keptOutputs = { outputs: c.outputs, execution_count: c.execution_count };
    c.outputs = []; c.execution_count = null;
  } else if (type === "code" && c.keptOutputs) {
    c.outputs = c.keptOutputs.outputs; c.execution_count = c.keptOutputs.execution_count;
    c.keptOutputs = null;
  }
  c.type = type;
  c.rendered = false;
  c.refresh();
}
function splitCell() {
  var c = cur();
  if (!c || !c.ta) return;
  var pos = c.ta.selectionStart, s = c.source;
  c.setSource(s.slice(0, pos).replace(/\n$/, ""));
  var n = insertCell(NB.sel + 1, c.type, s.slice(pos).replace(/^\n/, ""));
  select(NB.sel + 1);
  n.edit(0);
}
function mergeCells() {
  var r = selRange();
  if (r[0] === r[1]) r[1] = Math.min(r[0] + 1, NB.cells.length - 1);
  if (r[0] === r[1]) return;
  var first = NB.cells[r[0]];
  var text = NB.cells.slice(r[0], r[1] + 1).map(function (c) { return c.source; }).join("\n\n");
  removeCells(r[0] + 1, r[1]);
  first.setSource(text);
  first.clearOutputs();
  first.refresh();
  select(r[0]);
}

/* ---------------------------------------------------------------- kernel */
var callbacks = {};
function send(channel, type, content, metadata, cb) {
  if (!NB.ws || NB.ws.readyState !== 1) { note("the kernel is not connected", "warn"); return null; }
  var id = uuid();
  var msg = {
    header: { msg_id: id, msg_type: type, username: "webnb", session: NB.session, date: new Date().toISOString(), version: "5.3" },
    parent_header: {}, metadata: metadata || {}, content: content, channel: channel, buffers: []
  };
  if (cb) callbacks[id] = cb;
  NB.ws.send(JSON.stringify(msg));
  return id;
}
function execute(cell) {
  if (cell.type === "markdown") { cell.rendered = true; cell.refresh(); return; }
  if (cell.type !== "code") return;
  cell.clearOutputs();
  cell.trusted = true;
  if (!/\S/.test(cell.source)) { cell.execution_count = null; cell.setPrompt(); return; }
  var id = send("shell", "execute_request", {
    code: cell.source, silent: false, store_history: true, user_expressions: {}, allow_stdin: true, stop_on_error: true
  }, { cellId: cell.id });
  if (!id) return;
  if (cell.msgId) delete NB.done[cell.msgId];
  cell.msgId = id;
  cell.replied = cell.idleSeen = false;
  NB.pending[id] = cell;
  cell.setPrompt(true);
  markDirty();
}
function runKey(e) {
  var r = selRange();
  var cells = NB.cells.slice(r[0], r[1] + 1);
  cells.forEach(execute);
  var last = r[1];
  if (e.shiftKey) {
    if (last === NB.cells.length - 1) insertCell(last + 1, "code");
    select(last + 1);
    setMode("command");
    scrollTo(cur());
  } else if (e.altKey) {
    insertCell(last + 1, "code");
    select(last + 1);
    enterEdit();
  } else {
    select(NB.sel);
    setMode("command");
  }
}
function runRange(a, b) { for (var i = a; i <= b; i++) execute(NB.cells[i]); }

function connect(replay) {
  setStatus("starting");
  var proto = location.protocol === "https:" ? "wss://" : "ws://";
  var ws = NB.ws = new WebSocket(proto + location.host + "/api/kernels/" + NB.kernel.id + "/channels?session_id=" + NB.session + (replay ? "&replay=1" : ""));
  ws.binaryType = "arraybuffer";     // messages with buffers (widgets) come as binary
  ws.onopen = function () {
    NB.retry = 0;
    send("shell", "kernel_info_request", {}, {}, function () { if (document.body.getAttribute("data-kernel-status") === "starting") setStatus("idle"); });
    if (IPL.widgets) IPL.widgets.connected();
  };
  ws.onmessage = function (ev) {
    if (NB.ws !== ws) return;      // a kernel changed or shut down from the page
    var msg;
    try { msg = typeof ev.data === "string" ? JSON.parse(ev.data) : IPL.widgets.unframe(ev.data); } catch (e) {
      console.error("ipylite: a message from the kernel is not JSON and was dropped:", e, String(ev.data).slice(0, 300));
      note("a message from the kernel could not be read and was dropped (the browser console has it)");
      return;
    }
    handle(msg);
  };
  ws.onclose = function () {
    if (NB.ws !== ws || NB.closing) return;
    setStatus("starting");
    NB.retry = (NB.retry || 0) + 1;
    if (NB.retry > 30) { setStatus("dead"); return; }
    setTimeout(function () {
      IPL.api("GET", "/api/kernels/" + NB.kernel.id).then(function () { connect(true); },
        function () { setStatus("dead"); note("the kernel is gone; restart it from the Kernel menu", "sticky"); });
    }, Math.min(5000, 300 * NB.retry));
  };
}

function handle(msg) {
  if (msg.channel === "ipylite" && msg.msg_type === "replay") return replay(msg.content);
  if (msg.channel === "ipylite" && msg.msg_type === "dropped") {
    var dc = NB.pending[(msg.parent_header || {}).msg_id] || NB.done[(msg.parent_header || {}).msg_id];
    if (dc) dc.noteDropped(msg.content.count || 0);
    return;
  }
  if (IPL.widgets && IPL.widgets.handle(msg)) return;     // widget comms and their output
  var type = msg.msg_type || msg.header.msg_type;
  var parent = (msg.parent_header || {}).msg_id;
  var cell = NB.pending[parent] || NB.done[parent];
  if (msg.channel === "iopub") {
    if (cell) cell.lastMsg = Date.now();
    if (type === "execute_input" || type === "status" && msg.content.execution_state === "busy")
      finishReplied(parent);
    if (type === "status") {
      var st = msg.content.execution_state;
      if (st === "starting" || st === "restarting" || st === "dead" || !parent || NB.pending[parent] || callbacks[parent] || true) setStatus(st);
      if (st === "idle" && NB.pending[parent]) { cell.idleSeen = true; if (cell.replied) finished(cell, parent); }
      return;
    }
    if (type === "execute_input" && NB.pending[parent]) { cell.setPrompt(true); return; }
    if (type === "clear_output" && cell) {
      if (msg.content.wait) cell.clearWait = true; else cell.clearOutputs();
      return;
    }
    if (type === "update_display_data") {
      var did = (msg.content.transient || {}).display_id;
      updateDisplay(did, IPL.msgToOutput(msg));
      return;
    }
    var out = IPL.msgToOutput(msg);
    if (out && cell) {
      if (out.output_type === "execute_result") cell.execution_count = out.execution_count;
      cell.addOutput(out, (msg.content.transient || {}).display_id);
    }
    return;
  }
  if (msg.channel === "shell") {
    if (callbacks[parent]) { var cb = callbacks[parent]; delete callbacks[parent]; cb(msg); return; }
    if (type === "execute_reply" && NB.pending[parent]) {
      // a cell skipped after an earlier error ("aborted") never ran: no count
      cell.execution_count = msg.content.status === "aborted" ? null : msg.content.execution_count;
      dropInput(cell);
      cell.replied = true;
      if (cell.idleSeen) finished(cell, parent); else waitIdle(cell, parent);
      (msg.content.payload || []).forEach(function (p) {
        if (p.source === "page") showPager(p.data || {});
        else if (p.source === "set_next_input" && p.text) { var n = insertCell(NB.cells.indexOf(cell) + 1, "code", p.text); n.refresh(); }
        else if (p.source === "edit_magic") openEdited(p);
      });
      cell.replied = true;
    }
    return;
  }
  if (msg.channel === "stdin" && type === "input_request") {
    askInput(cell, msg);
  }
}

/* The kernel answered or went idle: a pending input() is dead, remove its box. */
function dropInput(cell) {
  Array.prototype.forEach.call(cell.outEl.querySelectorAll(".stdin-prompt"), function (b) { b.remove(); });
}

/* A cell ends on its reply and idle status. Should the idle status never come (a
   kernel that drops messages when its client is slow, as ipykernel can), the cell
   still ends: when another request starts, or when nothing more came for it in
   IDLE_GRACE ms after its reply. Output arriving after that still lands in it. */
var IDLE_GRACE = 3000;
function waitIdle(cell, parent) {
  clearTimeout(cell.idleTimer);
  cell.idleTimer = setTimeout(function () {
    if (NB.pending[parent] !== cell) return;
    if (Date.now() - (cell.lastMsg || 0) < IDLE_GRACE) return waitIdle(cell, parent);
    finished(cell, parent);
  }, IDLE_GRACE);
}
function finishReplied(parent) {
  Object.keys(NB.pending).forEach(function (id) {
    var c = NB.pending[id];
    if (id !== parent && c.replied) finished(c, id);
  });
}
function finished(cell, parent) {
  clearTimeout(cell.idleTimer);
  delete NB.pending[parent];
  NB.done[parent] = cell;
  dropInput(cell);
  cell.drawStreamNow();
  if (cell.msgId === parent) cell.setPrompt(false);
}

function updateDisplay(did, out) {
  (NB.displays[did] || []).forEach(function (cell) {
    var nodes = cell.outEl.querySelectorAll('[data-display-id="' + CSS.escape(did) + '"]');
    Array.prototype.forEach.call(nodes, function (node) {
      var idx = Array.prototype.indexOf.call(cell.outEl.children, node);
      var model = { output_type: "display_data", data: out.data, metadata: out.metadata };
      if (cell.outputs[idx]) cell.outputs[idx] = model;
      var fresh = IPL.renderOutput(model, cell.trusted);
      fresh.setAttribute("data-display-id", did);
      node.replaceWith(fresh);
    });
  });
}

function askInput(cell, msg) {
  var host = cell ? cell.outEl : $("#pager-body");
  var box = el("div", "stdin-prompt");
  var label = el("span", "stdin-label", msg.content.prompt || "");
  var input = el("input", "stdin-input");
  input.type = msg.content.password ? "password" : "text";
  box.appendChild(label);
  box.appendChild(input);
  host.appendChild(box);
  input.focus();
  input.addEventListener("keydown", function (e) {
    e.stopPropagation();
    if (e.key !== "Enter") return;
    e.preventDefault();
    var value = input.value;
    var ws = NB.ws;
    var reply = {
      header: { msg_id: uuid(), msg_type: "input_reply", username: "webnb", session: NB.session, date: new Date().toISOString(), version: "5.3" },
      parent_header: msg.header, metadata: {}, content: { value: value }, channel: "stdin", buffers: []
    };
    ws.send(JSON.stringify(reply));
    box.remove();
    if (cell) cell.addOutput({ output_type: "stream", name: "stdout", text: (msg.content.prompt || "") + (msg.content.password ? "········" : value) + "\n" });
  });
}

function replay(content) {
  var byId = {};
  NB.cells.forEach(function (c) { byId[c.id] = c; });
  (content.cells || []).forEach(function (rec) {
    var cell = byId[rec.cell_id];
    if (!cell) return;
    cell.clearOutputs();
    cell.trusted = true;
    cell.msgId = rec.msg_id;
    NB.pending[rec.msg_id] = cell;
    var done = false;
    rec.msgs.forEach(function (m) {
      if (m.msg_type === "status") return;
      if (m.msg_type === "execute_reply") done = true;
      handle(m);
    });
    if (rec.dropped) cell.noteDropped(rec.dropped);
    if (done) { cell.idleSeen = true; finished(cell, rec.msg_id); } else cell.setPrompt(true);
  });
  if (content.pending_input) handle(content.pending_input);
  setStatus(content.execution_state || "idle");
}

function kernelAction(what) {
  if (what === "restart" && !NB.kernel) return startSession({}).then(function () { note("kernel started"); });
  if (!NB.kernel) return Promise.resolve();
  if (what === "interrupt") return IPL.api("POST", "/api/kernels/" + NB.kernel.id + "/interrupt");
  setStatus("starting");
  return IPL.api("POST", "/api/kernels/" + NB.kernel.id + "/restart").then(function () {
    NB.cells.forEach(function (c) { if (c.el.classList.contains("busy")) { c.setPrompt(false); dropInput(c); } });
    NB.pending = {};
    note("kernel restarted");
  });
}

/* ---------------------------------------------------------------- pager/help */
/* %edit: a file in the notebook's folder opens in the text editor's tab; another
   file cannot be reached from this server, and the page says so. */
function openEdited(p) {
  if (typeof p.notebook_relative !== "string") { note("%edit: " + p.filename + " is outside the notebook's folder"); return; }
  var dir = NB.path.indexOf("/") < 0 ? "" : NB.path.replace(/\/[^\/]*$/, "/");
  var rel = (dir + p.notebook_relative).split("/").map(encodeURIComponent).join("/");
  var href = "/edit/" + rel + (p.line_number ? "#L" + p.line_number : "");
  if (window.open(href, "_blank")) return;
  // a blocked pop-up (the cell ran long after its key press): offer a link instead
  note("%edit: ", "sticky");
  var a = document.createElement("a");
  a.href = href; a.target = "_blank"; a.textContent = "open " + p.notebook_relative;
  $("#nb-notice").appendChild(a);
}

function showPager(data) {
  var p = $("#pager"), body = $("#pager-body");
  if (data["text/html"]) IPL.setSafeHTML(body, data["text/html"]);
  else body.innerHTML = "<pre>" + IPL.ansi(data["text/plain"] || "") + "</pre>";
  p.hidden = false;
}
var SHORTCUTS = [
  ["Enter", "edit the selected cell"], ["Esc", "command mode"], ["Shift-Enter", "run, select below"],
  ["Ctrl-Enter", "run"], ["Alt-Enter", "run, insert below"], ["a / b", "insert cell above / below"],
  ["d d", "delete cells"], ["z", "undo delete, cut, move or type change"], ["x / c / v / Shift-V", "cut / copy / paste below / above"],
  ["m / y / r", "Markdown / code / raw"], ["j / k", "select below / above"],
  ["Shift-J / Shift-K", "extend selection"], ["Ctrl-Shift-Up / Down", "move cells"],
  ["Shift-M", "merge cells"], ["Ctrl-Shift-Minus", "split at cursor (edit mode)"],
  ["s / Ctrl-S", "save and checkpoint"], ["i i", "interrupt"], ["0 0", "restart"],
  ["o", "toggle output scrolling"], ["Shift-L", "line numbers on / off"], ["Ctrl-F", "find and replace"], ["Tab / Shift-Tab", "complete / signature (edit mode)"], ["h", "this list"]
];
function showHelp() {
  var body = $("#pager-body");
  body.innerHTML = "<h3>Keyboard shortcuts</h3><table class='help'>" + SHORTCUTS.map(function (s) {
    return "<tr><td><kbd>" + IPL.esc(s[0]) + "</kbd></td><td>" + IPL.esc(s[1]) + "</td></tr>";
  }).join("") + "</table>";
  $("#pager").hidden = false;
}

/* ---------------------------------------------------------------- find and replace (find.js) */
var finder = IPL.findBar({ nb: NB, cur: cur, select: select, scrollTo: scrollTo, setMode: setMode,
  markDirty: markDirty, insertText: insertText });

/* ---------------------------------------------------------------- command keys */
var lastKey = "", lastKeyTime = 0;
function commandKey(e) {
  var k = e.key, c = cur();
  var t = e.target;
  if ((e.ctrlKey || e.metaKey) && !e.shiftKey && !e.altKey && k === "f" && !(t && t.closest && t.closest(".findbar"))) {
    e.preventDefault(); finder.open(); return;
  }
  if (t && (t.tagName === "INPUT" || t.tagName === "TEXTAREA" || t.isContentEditable)) return;
  if (document.querySelector("dialog[open]")) return;      // keys belong to the dialog
  if ((e.ctrlKey || e.metaKey) && k === "s") { e.preventDefault(); save(true); return; }
  if (k === "Escape") { $("#pager").hidden = true; closeTooltip(); return; }
  if (!c) return;
  var twice = lastKey === k && Date.now() - lastKeyTime < 800;
  lastKey = k; lastKeyTime = Date.now();
  if (k === "Enter" && (e.shiftKey || e.ctrlKey || e.altKey)) { e.preventDefault(); runKey(e); return; }
  if (e.ctrlKey && e.shiftKey && (k === "ArrowUp" || k === "ArrowDown")) { e.preventDefault(); moveSelected(k === "ArrowUp" ? -1 : 1); return; }
  if (e.ctrlKey || e.metaKey || e.altKey) return;
  var handled = true;
  switch (k) {
    case "Enter": enterEdit(); break;
    case "a": insertCell(NB.sel, "code"); select(NB.sel); break;
    case "b": insertCell(selRange()[1] + 1, "code"); select(selRange()[1] + 1); break;
    case "d": if (twice) { deleteSelected(); lastKey = ""; } break;
    case "z": undoDelete(); break;
    case "x": copySelected(); deleteSelected(); break;
    case "c": copySelected(); break;
    case "v": paste(false); break;
    case "V": paste(true); break;
    case "m": changeType("markdown"); break;
    case "y": changeType("code"); break;
    case "r": changeType("raw"); break;
    case "j": case "ArrowDown": select(NB.sel + 1); scrollTo(cur()); break;
    case "k": case "ArrowUp": select(NB.sel - 1); scrollTo(cur()); break;
    case "J": select(NB.sel + 1, true); break;
    case "K": select(NB.sel - 1, true); break;
    case "M": mergeCells(); break;
    case "s": save(true); break;
    case "h": showHelp(); break;
    case "i": if (twice) { kernelAction("interrupt"); lastKey = ""; } break;
    case "0": if (twice) { lastKey = ""; if (askRestart()) kernelAction("restart"); } break;
    case "o": c.outEl.classList.toggle("output-scrolled"); c.outEl.classList.toggle("unscrolled"); break;
    case "L": document.body.classList.toggle("line-numbers"); break;
    default: handled = false;
  }
  if (handled) e.preventDefault();
}

/* ---------------------------------------------------------------- save/load */
function toJSON() {
  var nb = Object.assign({}, NB.model);
  nb.cells = NB.cells.map(function (c) { return c.toJSON(); });
  return IPL.widgets.saveState(nb);     // the widgets' state, as Jupyter saves it
}
function url() { return "/api/contents/" + apiPath(NB.path); }
/* Renamed or moved elsewhere (the file browser updates our session): follow it. */
function followRename() {
  if (!NB.sid) return Promise.resolve();
  return IPL.api("GET", "/api/sessions/" + NB.sid).then(function (s) {
    if (!s || !s.path || s.path === NB.path) return;
    NB.path = s.path;
    setDir();
    NB.name = s.path.split("/").pop();
    document.title = (NB.dirty ? "*" : "") + NB.name;
    $("#nb-name").textContent = NB.name;
    history.replaceState(null, "", "/notebooks/" + apiPath(NB.path));
    note("renamed to " + NB.path);
  }, function () {});
}
function save(checkpoint, force) {
  if (NB.broken) { note("this file could not be read as a notebook; it will not be saved", "warn"); return Promise.resolve(); }
  if (NB.cells.some(function (c) { return c.ta && c.ta.value !== c.source; })) NB.cells.forEach(function (c) { if (c.ta) c.source = c.ta.value; });
  return followRename().then(function () { return saveNow(checkpoint, force); });
}
function saveNow(checkpoint, force) {
  var check = force ? Promise.resolve(null) : IPL.api("GET", url() + "?content=0");
  return check.then(function (m) {
    if (m && NB.lastModified && m.last_modified !== NB.lastModified) {
      var w = $("#nb-warning");
      w.hidden = false;
      return;
    }
    return IPL.api("PUT", url(), { type: "notebook", content: toJSON() }).then(function (m2) {
      NB.lastModified = m2.last_modified;
      NB.dirty = false;
      document.title = NB.name;
      $("#nb-warning").hidden = true;
      note("saved");
      document.body.setAttribute("data-saved", m2.last_modified);
      NB.cells.forEach(function (c) { c.keptOutputs = null; });
      if (checkpoint) return IPL.api("POST", url() + "/checkpoints");
    });
  }).catch(function (e) { note("save failed: " + e.message, "warn"); });
}
/* Exports and downloads are of what the page shows: it is saved first. */
function exportAs(fmt) {
  document.querySelectorAll("details.menu[open]").forEach(function (d) { d.open = false; });
  var go = function () {
    location.href = (fmt ? "/nbconvert/" + fmt + "/" : "/files/") + apiPath(NB.path) + "?download=1";
  };
  if (NB.broken) return go();
  save(false).then(function () {
    if (NB.dirty) note("not exported: the notebook could not be saved first", "warn"); else go();
  });
}
function revert() {
  if (!confirm("Revert the notebook to its last checkpoint? Changes since are lost.")) return;
  IPL.api("POST", url() + "/checkpoints/checkpoint").then(function () { location.reload(); },
    function (e) { note("no checkpoint: " + e.message, "warn"); });
}
function trust() {
  IPL.widgets.trustSaved();
  NB.cells.forEach(function (c) { c.trusted = true; if (c.type === "code") c.renderOutputs(); });
  document.body.setAttribute("data-trusted", "true");
  save(false);
}

function setDir() { IPL.notebookDir = NB.path.split("/").slice(0, -1).join("/"); }
function load() {
  setDir();
  NB.name = NB.path.split("/").pop();
  document.title = NB.name;
  $("#nb-name").textContent = NB.name;
  return IPL.api("GET", url() + "?type=notebook").then(function (m) {
    NB.lastModified = m.last_modified;
    var nb = m.content;
    NB.model = Object.assign({}, nb);
    delete NB.model.cells;
    IPL.widgets.restore((nb.metadata || {}).widgets, nb.cells.every(function (d) {
      return (d.metadata || {}).trusted !== false || !(d.outputs || []).length;     // as Cell's trust
    }));
    var frag = document.createDocumentFragment();
    NB.cells = nb.cells.map(function (d) { var c = new Cell(d); frag.appendChild(c.el); return c; });
    if (!NB.cells.length) { var c = new Cell({ cell_type: "code", id: newId(), source: "", metadata: {}, outputs: [] }); NB.cells.push(c); frag.appendChild(c.el); }
    main.appendChild(frag);
    var trusted = NB.cells.every(function (c) { return c.trusted; });
    document.body.setAttribute("data-trusted", String(trusted));
    if (!trusted) note("This notebook is not trusted: HTML output is sanitised and scripts do not run (File > Trust).", "sticky");
    select(0);
    setMode("command");
    document.body.setAttribute("data-loaded", "true");
    var spec = (nb.metadata.kernelspec || {}).name;
    return startSession(spec ? { name: spec } : {}).catch(function (e) { e.kernel = true; throw e; });
  }).then(null, function (e) { if (!e.kernel) e.reading = true; throw e; }).then(function () {
    var ks = NB.model.metadata && NB.model.metadata.kernelspec;
    if (ks && ks.name && ks.name !== NB.kernel.name) {       // fell back to the server's default
      NB.model.metadata.kernelspec = { name: NB.kernel.name, display_name: NB.kernel.name, language: ks.language || "python" };
      note("no kernel " + ks.name + ": using " + NB.kernel.name, "warn");
    }
  }, function (e) {
    if (e.reading) throw e;
    // the notebook itself is fine: it can be edited and saved without a kernel
    var err = $("#nb-error");
    err.hidden = false;
    err.textContent = "No kernel for " + NB.path + ": " + e.message;
    setStatus("dead");
  }).catch(function (e) {
    NB.broken = true;
    var err = $("#nb-error");
    err.hidden = false;
    err.textContent = "Cannot open " + NB.path + ": " + e.message;
    document.body.setAttribute("data-loaded", "error");
    setStatus("dead");
  });
}

function startSession(kernel) {
  var model = { path: NB.path, type: "notebook", name: NB.name, kernel: kernel };
  return IPL.api("POST", "/api/sessions", model).catch(function (e) {
    if (e.status === 404 && kernel.name) { model.kernel = {}; return IPL.api("POST", "/api/sessions", model); }
    throw e;
  }).then(useSession);
}
function useSession(s) {
  NB.kernel = s.kernel;
  NB.sid = s.id;
  $("#kernel-name").textContent = s.kernel.name;
  document.body.setAttribute("data-kernel-name", s.kernel.name);
  connect(true);
}

/* ---------------------------------------------------------------- kernel and file commands */
function askRestart(what) {
  return confirm("Restart the kernel" + (what || "") + "? All variables will be lost.");
}
function renameNotebook() {
  var old = NB.name, nn = prompt("New name for " + old, old);
  if (!nn || nn === old) return;
  if (!/\.ipynb$/.test(nn)) nn += ".ipynb";
  var dir = NB.path.split("/").slice(0, -1).join("/");
  IPL.api("PATCH", url(), { path: dir ? dir + "/" + nn : nn }).then(followRename,
    function (e) { note("not renamed: " + e.message, "warn"); });
}
function shutdownKernel() {
  if (!NB.kernel || !confirm("Shut down the kernel? All variables will be lost.")) return;
  var k = NB.kernel, ws = NB.ws;
  NB.kernel = null;
  NB.ws = null;
  if (ws) ws.close();
  IPL.api("DELETE", "/api/kernels/" + k.id).then(function () {
    setStatus("dead");
    $("#kernel-name").textContent = "no kernel";
    note("kernel shut down: Kernel > Restart starts a new one", "sticky");
  }, function (e) { note("not shut down: " + e.message, "warn"); });
}
function chooseKernel() {
  var dlg = $("#kernel-dialog"), sel = $("#kernel-choice");
  IPL.api("GET", "/api/kernelspecs").then(function (ks) {
    sel.innerHTML = "";
    Object.keys(ks.kernelspecs).sort().forEach(function (name) {
      var o = el("option", "", ks.kernelspecs[name].spec.display_name || name);
      o.value = name;
      o.specs = ks.kernelspecs[name].spec;
      sel.appendChild(o);
    });
    sel.value = NB.kernel ? NB.kernel.name : ks["default"];
    dlg.onclose = function () {
      if (dlg.returnValue !== "ok") return;
      var name = sel.value, spec = sel.selectedOptions[0].specs;
      if (NB.kernel && name === NB.kernel.name) return;
      setStatus("starting");
      var go = NB.sid && NB.kernel ? IPL.api("PATCH", "/api/sessions/" + NB.sid, { kernel: { name: name } })
        : IPL.api("POST", "/api/sessions", { path: NB.path, type: "notebook", name: NB.name, kernel: { name: name } });
      go.then(function (s) {
        var old = NB.ws;
        NB.ws = null;
        if (old) old.close();
        NB.pending = {};
        NB.cells.forEach(function (c) { if (c.el.classList.contains("busy")) { c.setPrompt(false); dropInput(c); } });
        NB.model.metadata = NB.model.metadata || {};
        NB.model.metadata.kernelspec = { name: name, display_name: spec.display_name || name, language: spec.language || "python" };
        markDirty();
        useSession(s);
        note("kernel changed to " + name);
      }, function (e) { setStatus(NB.kernel ? "idle" : "dead"); note("kernel not changed: " + e.message, "warn"); });
    };
    $("#kernel-ok").onclick = function () { dlg.close("ok"); };
    $("#kernel-cancel").onclick = function () { dlg.close("cancel"); };
    dlg.returnValue = "";
    dlg.showModal();
  }, function (e) { note("no kernelspecs: " + e.message, "warn"); });
}

/* ---------------------------------------------------------------- menus & wiring */
var ACTIONS = {
  save: function () { save(true); }, revert: revert, trust: trust,
  "insert-above": function () { insertCell(NB.sel, "code"); select(NB.sel); },
  "insert-below": function () { insertCell(selRange()[1] + 1, "code"); select(selRange()[1] + 1); },
  cut: function () { copySelected(); deleteSelected(); }, copy: copySelected,
  paste: function () { paste(false); }, "delete": deleteSelected, "undo-delete": undoDelete,
  "move-up": function () { moveSelected(-1); }, "move-down": function () { moveSelected(1); },
  split: splitCell, merge: mergeCells,
  run: function () { runKey({ shiftKey: true }); },
  "run-all": function () { runRange(0, NB.cells.length - 1); },
  "run-above": function () { runRange(0, NB.sel - 1); },
  "run-below": function () { runRange(NB.sel, NB.cells.length - 1); },
  interrupt: function () { kernelAction("interrupt"); },
  restart: function () { if (askRestart()) kernelAction("restart"); },
  "restart-run-all": function () {
    if (!askRestart(" and run every cell")) return;
    kernelAction("restart").then(function () {
      var start = Date.now();
      (function go() {   // run once the new kernel has answered
        if (document.body.getAttribute("data-kernel-status") === "idle") runRange(0, NB.cells.length - 1);
        else if (Date.now() - start < 60000) setTimeout(go, 50);
      })();
    });
  },
  "clear-outputs": function () { NB.cells.forEach(function (c) { if (c.type === "code") { c.clearOutputs(); c.execution_count = null; c.setPrompt(); } }); markDirty(); },
  "clear-output": function () { cur().clearOutputs(); markDirty(); },
  toc: toggleToc, "hide-input": function () { toggleHidden("input"); },
  "hide-output": function () { toggleHidden("output"); },
  help: showHelp, rename: renameNotebook, "change-kernel": chooseKernel, shutdown: shutdownKernel,
  overwrite: function () { save(true, true); },
  reload: function () { location.reload(); }
};
IPL.nbActions = ACTIONS;

function wire() {
  main = $("#notebook");
  statusEl = $("#kernel-status");
  placeBars();
  window.addEventListener("resize", placeBars);
  document.addEventListener("keydown", commandKey);
  document.addEventListener("click", function (e) {
    var a = e.target.closest("[data-action]");
    if (a) { e.preventDefault(); var f = ACTIONS[a.getAttribute("data-action")]; if (f) f(); if (a.closest("details")) a.closest("details").open = false; return; }
    var ctype = e.target.closest("#cell-type");
    if (ctype) return;
    var cellEl = e.target.closest(".cell");
    if (!cellEl || !cellEl.cell) return;
    var cell = cellEl.cell, i = NB.cells.indexOf(cell);
    if (e.target.closest(".cell-input")) return;
    select(i, e.shiftKey);
    if (e.target.closest(".collapsed-bar")) { cell.setHidden(e.target.closest(".output-row") ? "output" : "input", false); return; }
    if (e.target.closest(".editor") && !(cell.type === "markdown" && cell.rendered)) {
      var caret = null;
      if (document.caretRangeFromPoint) {
        var rg = document.caretRangeFromPoint(e.clientX, e.clientY);
        if (rg && cell.srcEl.contains(rg.startContainer)) {
          var pre = document.createRange();
          pre.setStart(cell.srcEl, 0);
          pre.setEnd(rg.startContainer, rg.startOffset);
          caret = pre.toString().length;
        }
      }
      setMode("edit");
      cell.edit(caret);
    } else if (NB.mode === "edit") setMode("command");
    if (e.target.closest(".out-prompt")) { cell.outEl.classList.toggle("output-scrolled"); cell.outEl.classList.toggle("unscrolled"); }
  });
  document.addEventListener("dblclick", function (e) {
    var cellEl = e.target.closest(".cell.markdown-cell.rendered");
    if (cellEl) { select(NB.cells.indexOf(cellEl.cell)); setMode("edit"); cellEl.cell.edit(); }
  });
  $("#cell-type").addEventListener("change", function (e) { changeType(e.target.value); });
  // drag to reorder (by the prompt)
  var dragged = null;
  main.addEventListener("dragstart", function (e) {
    var c = e.target.closest && e.target.closest(".cell");
    if (!c) return;
    dragged = c.cell;
    e.dataTransfer.effectAllowed = "move";
    e.dataTransfer.setData("text/plain", dragged.id);
  });
  main.addEventListener("dragover", function (e) { if (dragged) e.preventDefault(); });
  main.addEventListener("drop", function (e) {
    var target = e.target.closest(".cell");
    if (!dragged || !target || target.cell === dragged) return;
    e.preventDefault();
    var from = NB.cells.indexOf(dragged);
    NB.cells.splice(from, 1);
    var to = NB.cells.indexOf(target.cell);
    var r = target.getBoundingClientRect();
    if (e.clientY > r.top + r.height / 2) to++;
    NB.cells.splice(to, 0, dragged);
    main.insertBefore(dragged.el, NB.cells[to + 1] ? NB.cells[to + 1].el : null);
    select(to);
    markDirty();
    dragged = null;
  });
  $("#toc-list").addEventListener("click", tocJump);
  $("#pager-close").addEventListener("click", function () { $("#pager").hidden = true; });
  document.querySelectorAll("[data-export], #download-ipynb").forEach(function (a) {
    a.addEventListener("click", function (e) { e.preventDefault(); exportAs(a.getAttribute("data-export")); });
  });
  setInterval(function () { if (NB.dirty && !NB.broken) save(false); }, 120000);
  document.addEventListener("visibilitychange", function () { if (!document.hidden) followRename(); });
  window.addEventListener("beforeunload", function (e) { NB.closing = true; if (NB.dirty) { e.preventDefault(); e.returnValue = ""; } });
  load();
}
IPL.nbSelect = select;
IPL.nbCells = function () { return NB.cells; };
wire();

})(window.IPL);
