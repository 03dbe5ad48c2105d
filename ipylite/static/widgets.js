/* ipylite: Jupyter widgets (ipywidgets) in the notebook page — our own code, written to
   the widget messaging protocol (version 2): models live in the kernel and here, kept in
   sync over comms ("jupyter.widget" and "jupyter.widget.control" targets), with binary
   buffers (arrays, images) sent in Jupyter Server's binary WebSocket framing. The views
   of the core controls are drawn here; other widget libraries' views are not available
   (their JavaScript is not shipped) and say so in place.

   Hooks the page calls: IPL.widgets.unframe(arraybuffer) for a binary WebSocket message,
   IPL.widgets.handle(msg) first for every message (true: consumed), IPL.widgets.view(ref)
   to draw an application/vnd.jupyter.widget-view+json output, IPL.widgets.connected()
   when the WebSocket (re)opens. */
"use strict";
(function (IPL) {

var W = IPL.widgets = { models: {}, routes: {}, VIEW_MIME: "application/vnd.jupyter.widget-view+json",
                        extra: {},        // "module/ViewName" -> function (model, box): views of other files
                        commTargets: {},  // target -> function (comm id, data, cell): comms other than widgets
                        comms: {} };      // comm id -> function (data, buffers): their messages
var PROTOCOL = "2.1.0", CONTROL = "1.0.0";   // widget and control protocol versions

/* --------------------------------------------------------- binary framing */
/* n (uint32 BE), n offsets (uint32 BE); part 0 the message's JSON, parts 1.. its buffers */
W.unframe = function (buf) {
  var dv = new DataView(buf), n = dv.getUint32(0), offs = [];
  for (var i = 0; i < n; i++) offs.push(dv.getUint32(4 + 4 * i));
  offs.push(buf.byteLength);
  var msg = JSON.parse(new TextDecoder().decode(new Uint8Array(buf, offs[0], offs[1] - offs[0])));
  msg.buffers = [];
  for (i = 1; i < n; i++) msg.buffers.push(new DataView(buf, offs[i], offs[i + 1] - offs[i]));
  return msg;
};
function bytesOf(b) {
  if (b instanceof ArrayBuffer) return new Uint8Array(b);
  return new Uint8Array(b.buffer, b.byteOffset, b.byteLength);
}
W.frame = function (msg) {
  var parts = [new TextEncoder().encode(JSON.stringify(Object.assign({}, msg, { buffers: [] })))]
    .concat((msg.buffers || []).map(bytesOf));
  var n = parts.length, head = 4 * (n + 1), total = head;
  parts.forEach(function (p) { total += p.byteLength; });
  var out = new Uint8Array(total), dv = new DataView(out.buffer), at = head;
  dv.setUint32(0, n);
  parts.forEach(function (p, i) { dv.setUint32(4 + 4 * i, at); out.set(p, at); at += p.byteLength; });
  return out.buffer;
};

/* -------------------------------------------------------------- sending */
function uuid() {
  return "10000000-1000-4000-8000-100000000000".replace(/[018]/g, function (c) {
    return (c ^ crypto.getRandomValues(new Uint8Array(1))[0] & 15 >> c / 4).toString(16);
  });
}
/* Send a comm message; what the kernel prints while handling it goes to `cell`. */
function sendComm(type, content, buffers, cell, version) {
  var ws = IPL.nb && IPL.nb.ws;
  if (!ws || ws.readyState !== 1) return null;
  var id = uuid();
  var msg = {
    header: { msg_id: id, msg_type: type, username: "webnb", session: IPL.nb.session, date: new Date().toISOString(), version: "5.3" },
    parent_header: {}, metadata: { version: version || PROTOCOL }, content: content, channel: "shell", buffers: buffers || []
  };
  if (cell) W.routes[id] = cell;
  ws.send(msg.buffers.length ? W.frame(msg) : JSON.stringify(msg));
  return id;
}
function cellOf(node) {
  var c = node && node.closest && node.closest(".cell");
  if (!c || !IPL.nb) return null;
  var id = c.getAttribute("data-cell-id");
  for (var i = 0; i < IPL.nb.cells.length; i++) if (IPL.nb.cells[i].id === id) return IPL.nb.cells[i];
  return null;
}

/* ------------------------------------------------------ buffers in state */
function putBuffers(state, paths, buffers) {
  (paths || []).forEach(function (path, i) {
    var obj = state;
    for (var k = 0; k < path.length - 1; k++) obj = obj[path[k]];
    obj[path[path.length - 1]] = buffers[i];
  });
}
/* state -> a copy without its binary values, their paths and the buffers themselves */
function takeBuffers(state) {
  var paths = [], buffers = [];
  function walk(v, path) {
    if (v instanceof ArrayBuffer || ArrayBuffer.isView(v)) { paths.push(path); buffers.push(v); return null; }
    if (Array.isArray(v)) return v.map(function (x, i) { return walk(x, path.concat([i])); });
    if (v && typeof v === "object") {
      var o = {};
      Object.keys(v).forEach(function (k) { o[k] = walk(v[k], path.concat([k])); });
      return o;
    }
    return v;
  }
  return { state: walk(state, []), buffer_paths: paths, buffers: buffers };
}

/* ---------------------------------------------------------------- models */
function Model(id, state) {
  this.id = id;
  this.state = {};
  this.listeners = [];
  this.set(state || {});
}
Model.prototype.get = function (k) { return this.state[k]; };
Model.prototype.on = function (fn) { this.listeners.push(fn); };
Model.prototype.off = function (fn) { this.listeners = this.listeners.filter(function (f) { return f !== fn; }); };
Model.prototype.set = function (patch) {
  var keys = Object.keys(patch), self = this;
  keys.forEach(function (k) { self.state[k] = patch[k]; });
  if (!keys.length) return;
  this.listeners.slice().forEach(function (fn) {
    try { fn(keys); } catch (e) { console.error("ipylite widgets: a view failed to update", e); }
  });
};
/* A change made in the page: here at once, and to the kernel (not for a model restored
   from a saved notebook's widget state: no kernel has it, it changes here only). */
Model.prototype.save = function (patch, node) {
  if (this.saved) { this.set(patch); return; }
  var echo = this.echo = this.echo || {};
  Object.keys(patch).forEach(function (k) { echo[k] = (echo[k] || 0) + 1; });
  this.set(patch);
  var t = takeBuffers(patch);
  sendComm("comm_msg", { comm_id: this.id, data: { method: "update", state: t.state, buffer_paths: t.buffer_paths } }, t.buffers, cellOf(node));
};
Model.prototype.custom = function (content, node, buffers) {
  sendComm("comm_msg", { comm_id: this.id, data: { method: "custom", content: content } }, buffers || [], cellOf(node));
};
Model.prototype.onMsg = function (data, buffers) {
  if (data.method === "update") {
    putBuffers(data.state, data.buffer_paths, buffers);
    this.set(data.state || {});
  } else if (data.method === "echo_update") {
    // the kernel repeats every page's change to every page: skip the echoes of ours
    // (counted per key), apply those of another page showing the same kernel
    putBuffers(data.state, data.buffer_paths, buffers);
    var echo = this.echo || {}, theirs = {};
    Object.keys(data.state || {}).forEach(function (k) {
      if (echo[k] > 0) echo[k]--; else theirs[k] = data.state[k];
    });
    this.set(theirs);
  } else if (data.method === "custom") {
    (this.customListeners || []).slice().forEach(function (fn) { fn(data.content, buffers); });
  }
};
function ref(v) {
  return typeof v === "string" && v.slice(0, 10) === "IPY_MODEL_" ? W.models[v.slice(10)] || null : null;
}

function openModel(id, data, buffers, later) {
  var state = data.state || {};
  putBuffers(state, data.buffer_paths, buffers || []);
  var m = W.models[id];
  if (m && m.saved) {             // the kernel has a model the notebook saved: it is live now
    m.saved = m.untrusted = false;
    m.set(state);
  } else m = W.models[id] = new Model(id, state);
  if (!later) ready(m);
  return m;
}
/* A model from a notebook's saved widget state (widgetstate.js): drawn, changed only
   in the page; `untrusted`: from a notebook not trusted, its HTML is sanitised and its
   code not run. */
W.restoreModel = function (id, state, untrusted) {
  var m = W.models[id] = new Model(id, state);
  m.saved = true;
  m.untrusted = !!untrusted;
  return m;
};
W.ready = function (m) { ready(m); };
W.takeBuffers = takeBuffers;
W.putBuffers = putBuffers;
W.bytesOf = bytesOf;
/* Once the models it refers to are here: links start, waiting views are drawn. */
function ready(m) {
  if (LINKS[m.get("_model_name")]) LINKS[m.get("_model_name")](m);
  Array.prototype.forEach.call(document.querySelectorAll('.widget-pending[data-model-id="' + CSS.escape(m.id) + '"]'), function (p) {
    p.replaceWith(render(m));
  });
}
/* The kernel closed the widget (its views go), or restarted (they stay, greyed). */
function closeModel(id, restarted) {
  var m = W.models[id];
  if (!m) return;
  delete W.models[id];
  m.closed = true;
  m.removed = !restarted;
  m.set({ _closed: true });
}

/* jslink / jsdlink: the page keeps the two values equal, without the kernel. */
function linker(both) {
  return function (m) {
    var s = m.get("source") || [], t = m.get("target") || [];
    var src = ref(s[0]), dst = ref(t[0]);
    if (!src || !dst) return;
    var busy = false;
    function follow(from, fk, to, tk) {
      var fn = function (keys) {
        if (busy || keys.indexOf(fk) < 0 || m.closed) return;
        busy = true;
        try { var p = {}; p[tk] = from.get(fk); to.save(p); } finally { busy = false; }
      };
      from.on(fn);
    }
    follow(src, s[1], dst, t[1]);
    if (both) follow(dst, t[1], src, s[1]);
    busy = true;
    try { var p = {}; p[t[1]] = src.get(s[1]); dst.save(p); } finally { busy = false; }
  };
}
var LINKS = { LinkModel: linker(true), DirectionalLinkModel: linker(false) };

/* ----------------------------------------------------------- the control */
/* On (re)connecting, ask the kernel for every widget's state: a reloaded page shows its
   widgets again (the jupyter.widget.control target of ipywidgets 8). */
var control = null;
W.connected = function () {
  control = uuid().replace(/-/g, "");
  sendComm("comm_open", { comm_id: control, target_name: "jupyter.widget.control", data: {} }, [], null, CONTROL);
  sendComm("comm_msg", { comm_id: control, data: { method: "request_states" } }, [], null, CONTROL);
};
function controlMsg(data, buffers) {
  if (data.method !== "update_states") return;
  var states = data.states || {};
  putBuffers(states, data.buffer_paths, buffers);   // paths run from the states' top
  var fresh = Object.keys(states).filter(function (id) { return !W.models[id] || W.models[id].saved; });
  fresh.forEach(function (id) { openModel(id, { state: states[id].state || {} }, [], true); });
  fresh.forEach(function (id) { ready(W.models[id]); });
}

/* ---------------------------------------------------------- message hook */
var OUTPUT_TYPES = { stream: 1, display_data: 1, execute_result: 1, error: 1, clear_output: 1, update_display_data: 1 };
function capturing(parent) {
  var found = null;
  Object.keys(W.models).forEach(function (id) {
    var m = W.models[id];
    if (m.get("_model_name") === "OutputModel" && m.get("msg_id") === parent) found = m;
  });
  return found;
}
function capture(m, msg, type) {
  var outs = (m.get("outputs") || []).slice();
  if (m.clearWait && type !== "clear_output") { m.clearWait = false; outs = []; }
  if (type === "clear_output") {
    if (msg.content.wait) { m.clearWait = true; return; }
    outs = [];
  } else if (type === "update_display_data") {
    return;
  } else {
    var out = IPL.msgToOutput(msg), last = outs[outs.length - 1];
    if (out.output_type === "stream" && last && last.output_type === "stream" && last.name === out.name)
      outs[outs.length - 1] = { output_type: "stream", name: out.name, text: IPL.join(last.text) + out.text };
    else outs.push(out);
  }
  m.set({ outputs: outs });
  // the kernel's Output.outputs follows what the page captured (as in Jupyter), a
  // tenth of a second after the last change
  clearTimeout(m.syncTimer);
  m.syncTimer = setTimeout(function () { if (!m.closed) m.save({ outputs: m.get("outputs") }); }, 100);
}
W.handle = function (msg) {
  if (msg.channel !== "iopub") return false;
  var type = msg.msg_type || (msg.header || {}).msg_type, c = msg.content || {};
  var parent = (msg.parent_header || {}).msg_id;
  if (type === "comm_open") {
    if (c.target_name === "jupyter.widget") openModel(c.comm_id, c.data || {}, msg.buffers);
    else if (W.commTargets[c.target_name])
      W.commTargets[c.target_name](c.comm_id, c.data || {}, (IPL.nb && IPL.nb.pending[parent]) || null);
    return true;
  }
  if (type === "comm_msg") {
    if (c.comm_id === control) controlMsg(c.data || {}, msg.buffers || []);
    else if (W.models[c.comm_id]) W.models[c.comm_id].onMsg(c.data || {}, msg.buffers || []);
    else if (W.comms[c.comm_id]) W.comms[c.comm_id](c.data || {}, msg.buffers || []);
    return true;
  }
  if (type === "comm_close") { delete W.comms[c.comm_id]; closeModel(c.comm_id); return true; }
  if (type === "status") {
    var st = c.execution_state;
    if (st === "restarting" || (st === "starting" && !parent))
      Object.keys(W.models).forEach(function (id) { if (!W.models[id].saved) closeModel(id, true); });
    if (st === "idle" && W.routes[parent]) delete W.routes[parent];
    return false;
  }
  if (!parent || !OUTPUT_TYPES[type]) return false;
  var m = capturing(parent);
  if (m) { capture(m, msg, type); return true; }
  var cell = W.routes[parent];
  if (cell && !IPL.nb.pending[parent]) {       // a widget callback's output: its cell
    if (type === "clear_output") { if (c.wait) cell.clearWait = true; else cell.clearOutputs(); }
    else if (type !== "update_display_data") cell.addOutput(IPL.msgToOutput(msg));
    return true;
  }
  return false;
};

/* ------------------------------------------------------------------ views */
function el(tag, cls, text) {
  var e = document.createElement(tag);
  if (cls) e.className = cls;
  if (text != null) e.textContent = text;
  return e;
}
var LAYOUT_KEYS = ["width", "height", "min_width", "max_width", "min_height", "max_height", "margin", "padding",
  "border", "border_top", "border_right", "border_bottom", "border_left", "display", "flex", "flex_flow",
  "justify_content", "align_items", "align_content", "align_self", "overflow", "visibility", "order",
  "grid_template_columns", "grid_template_rows", "grid_template_areas", "grid_gap", "grid_area",
  "grid_row", "grid_column", "object_fit", "object_position", "left", "right", "top", "bottom"];
function watch(m, node, fn) {
  // a listener that goes away with its node
  var f = function (keys) { if (!node.isConnected && node._drawn) { m.off(f); return; } fn(keys); };
  m.on(f);
}
function applyLayout(node, model) {
  var lay = ref(model.get("layout"));
  if (!lay) return;
  var draw = function () {
    LAYOUT_KEYS.forEach(function (k) {
      var v = lay.get(k);
      node.style.setProperty(k.replace(/_/g, "-"), v == null ? "" : String(v));
    });
  };
  draw();
  watch(lay, node, draw);
}
function styleOf(model) { return ref(model.get("style")); }
var STYLE_KEYS = { text_color: "color", font_weight: "font-weight", font_size: "font-size", font_style: "font-style",
  font_family: "font-family", font_variant: "font-variant", text_decoration: "text-decoration", background: "background" };
function applyStyle(node, model) {
  var st = styleOf(model);
  if (!st) return;
  var draw = function () {
    Object.keys(STYLE_KEYS).forEach(function (k) {
      var v = st.get(k);
      if (k in st.state) node.style.setProperty(STYLE_KEYS[k], v == null ? "" : String(v));
    });
  };
  draw();
  watch(st, node, draw);
}
function description(model, box) {
  var lab = el("label", "w-desc");
  var draw = function () {
    var d = model.get("description") || "";
    if (model.get("description_allow_html")) IPL.setSafeHTML(lab, d); else lab.textContent = d;
    lab.title = model.get("description_tooltip") || model.get("tooltip") || d;
    lab.style.display = d ? "" : "none";
    var st = styleOf(model);
    if (st && st.get("description_width")) lab.style.width = st.get("description_width");
  };
  draw();
  box.appendChild(lab);
  return draw;
}
function setDisabled(node, model) {
  Array.prototype.forEach.call(node.querySelectorAll("input,select,textarea,button"), function (i) { i.disabled = !!model.get("disabled"); });
}
function decimals(step) {
  var s = String(step || 1);
  return s.indexOf("e-") >= 0 ? parseInt(s.split("e-")[1], 10) : (s.split(".")[1] || "").length;
}

var VIEWS = {};

/* A number as a readout_format (the d3-format subset sliders use: "d", ".2f", ".3g",
   ".1%", ".2e", with an optional "," for thousands). */
function d3format(v, fmt) {
  var f = /^(,)?(?:\.(\d+))?([dfge%s])?$/.exec(fmt || "") || [], p = f[2] == null ? null : +f[2], x;
  switch (f[3]) {
    case "d": x = String(Math.round(v)); break;
    case "f": x = v.toFixed(p == null ? 6 : p); break;
    case "e": x = v.toExponential(p == null ? 6 : p); break;
    case "%": x = (v * 100).toFixed(p == null ? 6 : p) + "%"; break;
    case "g": case "s": x = String(+v.toPrecision(p || 6)); break;
    default: x = String(v);
  }
  if (f[1]) x = x.replace(/^(-?\d+)/, function (i) { return i.replace(/\B(?=(\d{3})+(?!\d))/g, ","); });
  return x;
}

function slider(kind) {
  return function (m, box) {
    var lab = description(m, box);
    var range = /Range/.test(kind), log = kind === "log";
    var inputs = range ? [el("input"), el("input")] : [el("input")];
    var readout = el("span", "w-readout");
    var wrap = el("span", "w-slider" + (range ? " w-range" : "")), fill = null;
    if (range) wrap.appendChild(fill = el("span", "w-fill"));   // two handles on one track
    inputs.forEach(function (i) { i.type = "range"; wrap.appendChild(i); });
    box.appendChild(wrap);
    box.appendChild(readout);
    var fmt = function (v) {
      var f = m.get("readout_format");
      if (f) return d3format(Number(v), f);
      return kind === "int" || kind === "intRange" ? String(v) : Number(v).toFixed(Math.max(decimals(m.get("step")), 1));
    };
    var toInput = function (v) { return log ? Math.log(v) / Math.log(m.get("base") || 10) : v; };
    var fromInput = function (s) {
      var v = parseFloat(s);
      if (log) return Math.pow(m.get("base") || 10, v);
      return kind === "int" ? Math.round(v) : v;
    };
    var draw = function () {
      inputs.forEach(function (i, k) {
        i.min = m.get("min"); i.max = m.get("max"); i.step = m.get("step") || (kind === "int" ? 1 : "any");
        var v = range ? (m.get("value") || [0, 0])[k] : m.get("value");
        if (document.activeElement !== i || !i._dragging) i.value = toInput(v);
      });
      var v = m.get("value");
      readout.textContent = range ? fmt(v[0]) + " – " + fmt(v[1]) : fmt(v);
      if (fill) {
        var lo = m.get("min"), span = (m.get("max") - lo) || 1;
        fill.style.left = 100 * (v[0] - lo) / span + "%";
        fill.style.width = 100 * (v[1] - v[0]) / span + "%";
      }
      readout.style.display = m.get("readout") === false ? "none" : "";
      box.classList.toggle("widget-vertical", m.get("orientation") === "vertical");
      setDisabled(box, m);
      lab();
    };
    var push = function (final) {
      if (!final && m.get("continuous_update") === false) {
        var v = inputs.map(function (i) { return fromInput(i.value); });
        readout.textContent = range ? fmt(v[0]) + " – " + fmt(v[1]) : fmt(v[0]);
        return;
      }
      var vals = inputs.map(function (i) { return fromInput(i.value); });
      if (range) vals.sort(function (a, b) { return a - b; });
      var nv = range ? vals : vals[0];
      if (JSON.stringify(nv) !== JSON.stringify(m.get("value"))) m.save({ value: nv }, box);
    };
    inputs.forEach(function (i) {
      i.addEventListener("input", function () { i._dragging = true; push(false); });
      i.addEventListener("change", function () { i._dragging = false; push(true); });
    });
    draw();
    return draw;
  };
}
VIEWS.IntSliderView = slider("int");
VIEWS.FloatSliderView = slider("float");
VIEWS.FloatLogSliderView = slider("log");
VIEWS.IntRangeSliderView = slider("intRange");
VIEWS.FloatRangeSliderView = slider("floatRange");

function textInput(kind) {
  return function (m, box) {
    var lab = description(m, box);
    var multi = kind === "textarea", num = kind === "int" || kind === "float";
    var inp = el(multi ? "textarea" : "input", "w-input");
    if (!multi) inp.type = num ? "number" : kind === "password" ? "password" : "text";
    if (multi && m.get("rows")) inp.rows = m.get("rows");
    if (kind === "combo") {
      var list = el("datalist");
      list.id = "wl-" + m.id + "-" + Math.random().toString(36).slice(2);
      inp.setAttribute("list", list.id);
      box.appendChild(list);
    }
    box.appendChild(inp);
    var value = function () {
      if (!num) return inp.value;
      var v = kind === "int" ? parseInt(inp.value, 10) : parseFloat(inp.value);
      return isNaN(v) ? m.get("value") : v;
    };
    var draw = function () {
      if (document.activeElement !== inp || num) inp.value = m.get("value") == null ? "" : m.get("value");
      if (num) { if (m.get("min") != null) inp.min = m.get("min"); if (m.get("max") != null) inp.max = m.get("max"); inp.step = m.get("step") || "any"; }
      inp.placeholder = m.get("placeholder") || "";
      if (list) { list.innerHTML = ""; (m.get("options") || []).forEach(function (o) { var op = el("option"); op.value = o; list.appendChild(op); }); }
      setDisabled(box, m);
      lab();
    };
    var push = function () { var v = value(); if (v !== m.get("value")) m.save({ value: v }, box); };
    inp.addEventListener("input", function () { if (m.get("continuous_update") !== false && !num) push(); });
    inp.addEventListener("change", push);
    inp.addEventListener("keydown", function (e) {
      if (e.key === "Enter" && !multi) { push(); m.custom({ event: "submit" }, box); }
    });
    draw();
    return draw;
  };
}
VIEWS.TextView = textInput("text");
VIEWS.PasswordView = textInput("password");
VIEWS.TextareaView = textInput("textarea");
VIEWS.ComboboxView = textInput("combo");
VIEWS.IntTextView = textInput("int");
VIEWS.FloatTextView = textInput("float");

function labels(m) { return m.get("_options_labels") || []; }
VIEWS.DropdownView = VIEWS.SelectView = VIEWS.SelectMultipleView = function (m, box) {
  var lab = description(m, box);
  var multi = m.get("_view_name") === "SelectMultipleView";
  var sel = el("select", "w-input");
  if (multi) sel.multiple = true;
  if (m.get("_view_name") !== "DropdownView") sel.size = m.get("rows") || 5;
  box.appendChild(sel);
  var draw = function () {
    sel.innerHTML = "";
    labels(m).forEach(function (t, i) { var o = el("option", null, t); o.value = i; sel.appendChild(o); });
    var idx = m.get("index");
    if (multi) Array.prototype.forEach.call(sel.options, function (o, i) { o.selected = (idx || []).indexOf(i) >= 0; });
    else sel.selectedIndex = idx == null ? -1 : idx;
    setDisabled(box, m);
    lab();
  };
  sel.addEventListener("change", function () {
    if (multi) m.save({ index: Array.prototype.filter.call(sel.options, function (o) { return o.selected; }).map(function (o) { return +o.value; }) }, box);
    else m.save({ index: sel.selectedIndex }, box);
  });
  draw();
  return draw;
};
VIEWS.RadioButtonsView = VIEWS.ToggleButtonsView = function (m, box) {
  var lab = description(m, box);
  var radio = m.get("_view_name") === "RadioButtonsView";
  var group = el("span", radio ? "w-radios" : "w-toggles");
  box.appendChild(group);
  var name = "wr-" + m.id + Math.random().toString(36).slice(2);
  var draw = function () {
    group.innerHTML = "";
    labels(m).forEach(function (t, i) {
      var b;
      if (radio) {
        var l = el("label");
        b = el("input"); b.type = "radio"; b.name = name; b.checked = m.get("index") === i;
        l.appendChild(b); l.appendChild(document.createTextNode(" " + t));
        group.appendChild(l);
      } else {
        b = el("button", "w-btn" + (m.get("index") === i ? " mod-active" : ""), t);
        group.appendChild(b);
      }
      b.addEventListener(radio ? "change" : "click", function () { m.save({ index: i }, box); });
    });
    setDisabled(box, m);
    lab();
  };
  draw();
  return draw;
};
VIEWS.CheckboxView = function (m, box) {
  // as in Jupyter: the box in the description column (if indented), its text right of it
  var spacer = el("span", "w-desc"), l = el("label", "w-check"), inp = el("input"), span = el("span");
  inp.type = "checkbox";
  l.appendChild(inp); l.appendChild(span);
  box.appendChild(spacer); box.appendChild(l);
  var draw = function () {
    inp.checked = !!m.get("value");
    span.textContent = m.get("description") || "";
    l.title = m.get("description_tooltip") || m.get("tooltip") || "";
    spacer.style.display = m.get("indent") === false ? "none" : "";
    var st = styleOf(m);
    if (st && st.get("description_width")) spacer.style.width = st.get("description_width");
    setDisabled(box, m);
  };
  inp.addEventListener("change", function () { m.save({ value: inp.checked }, box); });
  draw();
  return draw;
};
VIEWS.ToggleButtonView = function (m, box) {
  var b = el("button", "w-btn");
  box.appendChild(b);
  var draw = function () {
    b.textContent = m.get("description") || "";
    b.title = m.get("tooltip") || "";
    b.className = "w-btn" + (m.get("value") ? " mod-active" : "") + (m.get("button_style") ? " mod-" + m.get("button_style") : "");
    b.disabled = !!m.get("disabled");
  };
  b.addEventListener("click", function () { m.save({ value: !m.get("value") }, box); });
  draw();
  return draw;
};
VIEWS.ValidView = function (m, box) {
  var lab = description(m, box), s = el("span", "w-valid");
  box.appendChild(s);
  var draw = function () { s.textContent = m.get("value") ? "\u2714" : "\u2718 " + (m.get("readout") || ""); s.classList.toggle("mod-invalid", !m.get("value")); lab(); };
  draw();
  return draw;
};
VIEWS.ButtonView = function (m, box) {
  var b = el("button", "w-btn");
  box.appendChild(b);
  var draw = function () {
    b.textContent = m.get("description") || "";
    b.title = m.get("tooltip") || "";
    b.className = "w-btn" + (m.get("button_style") ? " mod-" + m.get("button_style") : "");
    b.disabled = !!m.get("disabled");
    var st = styleOf(m);
    b.style.background = st && st.get("button_color") || "";
  };
  b.addEventListener("click", function () { m.custom({ event: "click" }, box); });
  draw();
  return draw;
};
VIEWS.ProgressView = function (m, box) {
  var lab = description(m, box);
  var track = el("span", "w-track"), bar = el("span", "w-bar");
  track.appendChild(bar);
  box.appendChild(track);
  var draw = function () {
    var lo = m.get("min") || 0, hi = m.get("max"), v = m.get("value") || 0;
    var f = hi > lo ? Math.max(0, Math.min(1, (v - lo) / (hi - lo))) : 0;
    var vertical = m.get("orientation") === "vertical";
    bar.style.width = vertical ? "100%" : (100 * f) + "%";
    bar.style.height = vertical ? (100 * f) + "%" : "100%";
    box.classList.toggle("widget-vertical", vertical);
    bar.className = "w-bar" + (m.get("bar_style") ? " mod-" + m.get("bar_style") : "");
    var st = styleOf(m);
    bar.style.background = st && st.get("bar_color") || "";
    track.setAttribute("role", "progressbar");
    track.setAttribute("aria-valuenow", v);
    track.setAttribute("aria-valuemax", hi);
    lab();
  };
  draw();
  return draw;
};
/* TeX in the text of `root` -> MathML, as the page's math does elsewhere */
function typeset(root) {
  var walk = document.createTreeWalker(root, NodeFilter.SHOW_TEXT), nodes = [];
  while (walk.nextNode()) nodes.push(walk.currentNode);
  nodes.forEach(function (n) {
    if (!/\$|\\\(|\\\[/.test(n.nodeValue) || !IPL.latex) return;
    var span = el("span");
    span.innerHTML = IPL.latex(n.nodeValue);
    n.replaceWith(span);
  });
}
VIEWS.HTMLView = VIEWS.HTMLMathView = function (m, box) {
  var lab = description(m, box), c = el("div", "w-html");
  box.appendChild(c);
  // as ipywidgets does: the HTML is set as it is (its scripts do not run)
  var draw = function () {
    if (m.untrusted) IPL.setSafeHTML(c, m.get("value") || "");
    else c.innerHTML = m.get("value") || "";
    if (m.get("_view_name") === "HTMLMathView") typeset(c);
    lab();
  };
  draw();
  return draw;
};
VIEWS.LabelView = function (m, box) {
  var c = el("span", "w-text");
  box.appendChild(c);
  var draw = function () { c.textContent = m.get("value") || ""; };
  draw();
  return draw;
};
VIEWS.OutputView = function (m, box) {
  box.classList.add("widget-output");
  var draw = function (keys) {
    if (keys && keys.indexOf("outputs") < 0) return;
    IPL.renderOutputs(box, m.get("outputs") || [], !m.untrusted);
  };
  draw();
  return draw;
};
VIEWS.ImageView = function (m, box) {
  var img = el("img");
  box.appendChild(img);
  var url = null;
  var draw = function () {
    var v = m.get("value");
    if (url) URL.revokeObjectURL(url);
    var fmt = m.get("format") || "png";
    if (fmt === "url") img.src = new TextDecoder().decode(bytesOf(v || new ArrayBuffer(0)));
    else { url = URL.createObjectURL(new Blob([bytesOf(v || new ArrayBuffer(0))], { type: "image/" + (fmt === "svg" ? "svg+xml" : fmt) })); img.src = url; }
    if (m.get("width")) img.width = parseInt(m.get("width"), 10); else img.removeAttribute("width");
    if (m.get("height")) img.height = parseInt(m.get("height"), 10); else img.removeAttribute("height");
  };
  draw();
  return draw;
};
VIEWS.AudioView = VIEWS.VideoView = function (m, box) {
  var video = m.get("_view_name") === "VideoView", media = el(video ? "video" : "audio");
  box.appendChild(media);
  var url = null;
  var draw = function () {
    var v = m.get("value"), fmt = m.get("format") || (video ? "mp4" : "mp3");
    if (url) URL.revokeObjectURL(url);
    if (fmt === "url") media.src = new TextDecoder().decode(bytesOf(v || new ArrayBuffer(0)));
    else { url = URL.createObjectURL(new Blob([bytesOf(v || new ArrayBuffer(0))], { type: (video ? "video/" : "audio/") + fmt })); media.src = url; }
    media.controls = m.get("controls") !== false;
    media.autoplay = !!m.get("autoplay");
    media.loop = !!m.get("loop");
    if (video && m.get("width")) media.width = parseInt(m.get("width"), 10);
  };
  draw();
  return draw;
};
VIEWS.SelectionSliderView = VIEWS.SelectionRangeSliderView = function (m, box) {
  var lab = description(m, box), range = m.get("_view_name") === "SelectionRangeSliderView";
  var inputs = range ? [el("input"), el("input")] : [el("input")], wrap = el("span", "w-slider"), readout = el("span", "w-readout");
  inputs.forEach(function (i) { i.type = "range"; i.min = 0; i.step = 1; wrap.appendChild(i); });
  box.appendChild(wrap);
  box.appendChild(readout);
  var draw = function () {
    var idx = m.get("index"), labs = labels(m);
    idx = range ? (idx || [0, 0]) : [idx];
    inputs.forEach(function (i, k) { i.max = Math.max(labs.length - 1, 0); i.value = idx[k] == null ? 0 : idx[k]; });
    readout.textContent = idx.map(function (i) { return labs[i] == null ? "" : labs[i]; }).join(" – ");
    setDisabled(box, m);
    lab();
  };
  var push = function (final) {
    if (!final && m.get("continuous_update") === false) return;
    var v = inputs.map(function (i) { return parseInt(i.value, 10); }).sort(function (a, b) { return a - b; });
    m.save({ index: range ? v : v[0] }, box);
  };
  inputs.forEach(function (i) {
    i.addEventListener("input", function () { push(false); });
    i.addEventListener("change", function () { push(true); });
  });
  draw();
  return draw;
};
/* Play: steps `value` every `interval` ms while playing (often jslinked to a slider). */
VIEWS.PlayView = function (m, box) {
  var play = el("button", "w-btn", "\u25b6"), pause = el("button", "w-btn", "||"), stop = el("button", "w-btn", "\u25a0");
  var rep = el("button", "w-btn", "\u21bb");
  play.title = "play"; pause.title = "pause"; stop.title = "stop"; rep.title = "repeat";
  [play, pause, stop, rep].forEach(function (b) { box.appendChild(b); });
  var timer = null;
  var tick = function () {
    if (!box.isConnected || m.closed) { clearInterval(timer); timer = null; return; }
    var v = (m.get("value") || 0) + (m.get("step") || 1);
    if (v > m.get("max")) {
      if (m.get("repeat")) v = m.get("min");
      else { m.save({ playing: false }, box); return; }
    }
    m.save({ value: v }, box);
  };
  var draw = function () {
    play.classList.toggle("mod-active", !!m.get("playing"));
    rep.classList.toggle("mod-active", !!m.get("repeat"));
    rep.style.display = m.get("show_repeat") === false ? "none" : "";
    if (m.get("playing") && !timer) timer = setInterval(tick, Math.max(m.get("interval") || 100, 10));
    if (!m.get("playing") && timer) { clearInterval(timer); timer = null; }
    setDisabled(box, m);
  };
  play.addEventListener("click", function () {
    if (m.get("value") >= m.get("max")) m.save({ value: m.get("min") }, box);
    m.save({ playing: true }, box);
  });
  pause.addEventListener("click", function () { m.save({ playing: false }, box); });
  stop.addEventListener("click", function () { m.save({ playing: false, value: m.get("min") }, box); });
  rep.addEventListener("click", function () { m.save({ repeat: !m.get("repeat") }, box); });
  draw();
  return draw;
};
/* FileUpload: the chosen files' bytes go to the kernel as binary buffers. */
VIEWS.FileUploadView = function (m, box) {
  var inp = el("input"), b = el("button", "w-btn");
  inp.type = "file";
  inp.hidden = true;
  box.appendChild(inp);
  box.appendChild(b);
  var draw = function () {
    b.textContent = (m.get("description") || "Upload") + " (" + (m.get("value") || []).length + ")";
    b.className = "w-btn" + (m.get("button_style") ? " mod-" + m.get("button_style") : "");
    inp.accept = m.get("accept") || "";
    inp.multiple = !!m.get("multiple");
    b.disabled = !!m.get("disabled");
  };
  b.addEventListener("click", function () { inp.click(); });
  inp.addEventListener("change", function () {
    var files = Array.prototype.slice.call(inp.files);
    Promise.all(files.map(function (f) {
      return f.arrayBuffer().then(function (buf) {
        return { name: f.name, type: f.type, size: f.size, last_modified: f.lastModified, content: new DataView(buf) };
      });
    })).then(function (value) { m.save({ value: value }, box); inp.value = ""; });
  });
  draw();
  return draw;
};
VIEWS.ColorPickerView = function (m, box) {
  var lab = description(m, box), inp = el("input", "w-input");
  inp.type = "color";
  box.appendChild(inp);
  var draw = function () { inp.value = m.get("value") || "#000000"; setDisabled(box, m); lab(); };
  inp.addEventListener("change", function () { m.save({ value: inp.value }, box); });
  draw();
  return draw;
};
/* Dates and times travel as the fields of a JavaScript Date (ipywidgets' serialisers):
   {year, month (from 0), date}, {hours, minutes, seconds, milliseconds}; a Datetime's
   fields are UTC, a naive one's are taken as they are. The inputs show local time. */
function pad(n, w) { return ("000" + n).slice(-(w || 2)); }
var DATES = {
  DatePickerView: {
    type: "date",
    show: function (v) { return pad(v.year, 4) + "-" + pad(v.month + 1) + "-" + pad(v.date); },
    read: function (s) { var p = s.split("-"); return { year: +p[0], month: p[1] - 1, date: +p[2] }; }
  },
  TimeView: {
    type: "time",
    show: function (v) { return pad(v.hours) + ":" + pad(v.minutes) + ":" + pad(v.seconds) + "." + pad(Math.round(v.milliseconds), 3); },
    read: function (s) {
      var p = s.split(":"), sec = parseFloat(p[2] || "0");
      return { hours: +p[0], minutes: +p[1], seconds: Math.floor(sec), milliseconds: Math.round((sec % 1) * 1000) };
    }
  },
  DatetimeView: {
    type: "datetime-local",
    show: function (v, naive) {
      var d = naive ? new Date(v.year, v.month, v.date, v.hours, v.minutes, v.seconds, v.milliseconds)
        : new Date(Date.UTC(v.year, v.month, v.date, v.hours, v.minutes, v.seconds, v.milliseconds));
      return pad(d.getFullYear(), 4) + "-" + pad(d.getMonth() + 1) + "-" + pad(d.getDate()) + "T" +
        pad(d.getHours()) + ":" + pad(d.getMinutes()) + ":" + pad(d.getSeconds());
    },
    read: function (s, naive) {
      var d = new Date(s);     // a datetime-local string is local time
      return naive ? { year: d.getFullYear(), month: d.getMonth(), date: d.getDate(), hours: d.getHours(), minutes: d.getMinutes(), seconds: d.getSeconds(), milliseconds: d.getMilliseconds() }
        : { year: d.getUTCFullYear(), month: d.getUTCMonth(), date: d.getUTCDate(), hours: d.getUTCHours(), minutes: d.getUTCMinutes(), seconds: d.getUTCSeconds(), milliseconds: d.getUTCMilliseconds() };
    }
  }
};
VIEWS.DatePickerView = VIEWS.TimeView = VIEWS.DatetimeView = function (m, box) {
  var kind = DATES[m.get("_view_name")], naive = m.get("_model_name") === "NaiveDatetimeModel";
  var lab = description(m, box), inp = el("input", "w-input");
  inp.type = kind.type;
  box.appendChild(inp);
  var draw = function () {
    var v = m.get("value");
    if (document.activeElement !== inp) inp.value = v ? kind.show(v, naive) : "";
    inp.step = m.get("step") == null || m.get("step") === "any" ? (kind.type === "date" ? 1 : "any") : m.get("step");
    setDisabled(box, m);
    lab();
  };
  inp.addEventListener("change", function () { m.save({ value: inp.value ? kind.read(inp.value, naive) : null }, box); });
  draw();
  return draw;
};

/* TagsInput and friends: the list as chips (x removes one), an input adds one. */
VIEWS.TagsInputView = VIEWS.ColorsInputView = VIEWS.IntsInputView = VIEWS.FloatsInputView = function (m, box) {
  var kind = m.get("_view_name"), num = kind === "IntsInputView" || kind === "FloatsInputView";
  var chips = el("span", "w-tags"), inp = el("input", "w-input w-tag-input");
  inp.placeholder = m.get("placeholder") || "\u2026";
  if (m.get("allowed_tags") && m.get("allowed_tags").length) {
    var list = el("datalist");
    list.id = "wt-" + m.id + Math.random().toString(36).slice(2);
    m.get("allowed_tags").forEach(function (t) { var o = el("option"); o.value = t; list.appendChild(o); });
    inp.setAttribute("list", list.id);
    box.appendChild(list);
  }
  box.appendChild(chips);
  box.appendChild(inp);
  var draw = function () {
    chips.innerHTML = "";
    (m.get("value") || []).forEach(function (v, i) {
      var c = el("span", "w-tag", kind === "FloatsInputView" && m.get("format") ? d3format(v, m.get("format")) : String(v));
      if (kind === "ColorsInputView") c.style.background = v;
      var x = el("button", "w-tag-x", "\u00d7");
      x.title = "remove";
      x.addEventListener("click", function () {
        var vals = (m.get("value") || []).slice();
        vals.splice(i, 1);
        m.save({ value: vals }, box);
      });
      c.appendChild(x);
      chips.appendChild(c);
    });
    setDisabled(box, m);
  };
  inp.addEventListener("keydown", function (e) {
    if (e.key !== "Enter" && e.key !== ",") return;
    e.preventDefault();
    var t = inp.value.trim();
    if (!t) return;
    var v = num ? (kind === "IntsInputView" ? parseInt(t, 10) : parseFloat(t)) : t;
    if (num && isNaN(v)) return;
    var allowed = m.get("allowed_tags") || [], vals = (m.get("value") || []).slice();
    if (allowed.length && allowed.indexOf(v) < 0) return;
    if (!m.get("allow_duplicates") && vals.indexOf(v) >= 0) return;
    vals.push(v);
    inp.value = "";
    m.save({ value: vals }, box);
  });
  draw();
  return draw;
};

function children(m) { return (m.get("children") || []).map(ref).filter(Boolean); }
VIEWS.BoxView = VIEWS.HBoxView = VIEWS.VBoxView = VIEWS.GridBoxView = function (m, box) {
  var kind = m.get("_view_name");
  box.classList.add(kind === "VBoxView" ? "widget-vbox" : kind === "GridBoxView" ? "widget-gridbox" : kind === "BoxView" ? "widget-box" : "widget-hbox");
  var draw = function (keys) {
    if (keys && keys.indexOf("children") < 0) return;
    box.innerHTML = "";
    children(m).forEach(function (c) { box.appendChild(render(c)); });
  };
  draw();
  return draw;
};
VIEWS.TabView = VIEWS.AccordionView = VIEWS.StackView = function (m, box) {
  var kind = m.get("_view_name");
  box.classList.add(kind === "TabView" ? "widget-tab" : kind === "StackView" ? "widget-stack" : "widget-accordion");
  var draw = function () {
    box.innerHTML = "";
    var kids = children(m), titles = m.get("titles") || m.get("_titles") || [], sel = m.get("selected_index");
    var bar = kind === "TabView" ? box.appendChild(el("div", "w-tab-bar")) : null;
    kids.forEach(function (c, i) {
      var t = (Array.isArray(titles) ? titles[i] : titles[i]) || "";
      var panel = el("div", "w-panel");
      if (kind !== "StackView") {
        var h = el("button", "w-tab-title" + (sel === i ? " mod-active" : ""), t || "\u00a0");
        h.addEventListener("click", function () {
          m.save({ selected_index: kind === "AccordionView" && sel === i ? null : i }, box);
        });
        (bar || box).appendChild(h);
      }
      panel.hidden = sel !== i;
      if (sel === i) panel.appendChild(render(c));
      box.appendChild(panel);
    });
  };
  draw();
  return draw;
};

/* anywidget (the "anywidget" module): the widget brings its own view as an ES module in
   its `_esm` trait, which gets the model API anywidget documents (get/set/save_changes/
   on/off/send) — so widget libraries built on anywidget work here. */
var esmCache = {};
function loadEsm(src) {
  if (!esmCache[src]) {
    var url = /^https?:\/\//.test(src) ? src : URL.createObjectURL(new Blob([src], { type: "text/javascript" }));
    esmCache[src] = import(url).then(function (mod) {
      var d = mod.default;
      return Promise.resolve(typeof d === "function" ? d() : d || mod);
    });
  }
  return esmCache[src];
}
function anyModel(m, node) {
  var pending = {};
  var wrap = {};
  m.customListeners = m.customListeners || [];
  var api = {
    get: function (k) { return m.get(k); },
    set: function (k, v) { pending[k] = v; var p = {}; p[k] = v; m.set(p); },
    save_changes: function () { var p = pending; pending = {}; if (Object.keys(p).length) m.save(p, node); },
    send: function (content, callbacks, buffers) { m.custom(content, node, buffers); },
    on: function (ev, cb) {
      var fn;
      if (ev === "msg:custom") { m.customListeners.push(cb); return; }
      if (ev.slice(0, 7) === "change:") {
        var key = ev.slice(7);
        fn = function (keys) { if (keys.indexOf(key) >= 0) cb(); };
      } else if (ev === "change") fn = function () { cb(); };
      else return;
      (wrap[ev] = wrap[ev] || []).push([cb, fn]);
      m.on(fn);
    },
    off: function (ev, cb) {
      if (ev === "msg:custom") { m.customListeners = m.customListeners.filter(function (f) { return cb && f !== cb; }); return; }
      (wrap[ev] || []).forEach(function (p) { if (!cb || p[0] === cb) m.off(p[1]); });
      wrap[ev] = (wrap[ev] || []).filter(function (p) { return cb && p[0] !== cb; });
    },
    widget_manager: { get_model: function (id) { return Promise.resolve(W.models[id] ? anyModel(W.models[id], node) : null); } }
  };
  return api;
}
function anyView(m, box) {
  if (m.untrusted) {
    box.appendChild(el("div", "widget-unsupported", "[anywidget from an untrusted notebook: its code is not run (File > Trust)]"));
    return;
  }
  var css = m.get("_css");
  if (css) { var st = el("style"); st.textContent = css; box.appendChild(st); }
  var esm = m.get("_esm") || "";
  loadEsm(esm).then(function (w) {
    var model = anyModel(m, box), ctx = { model: model, experimental: {} };
    if (w.initialize && !m.anyInitialized) { m.anyInitialized = true; return Promise.resolve(w.initialize(ctx)).then(function () { return w; }); }
    return w;
  }).then(function (w) {
    if (!w.render) throw new Error("its module has no render()");
    return w.render({ model: anyModel(m, box), el: box, experimental: {} });
  }).catch(function (e) {
    console.error("ipylite widgets: an anywidget failed", e);
    box.appendChild(el("div", "widget-unsupported", "[anywidget failed: " + e + "]"));
  });
}

function extraView(m) {    // a live model's view drawn by another file (mplcanvas.js)
  return !m.saved && W.extra[m.get("_view_module") + "/" + m.get("_view_name")] || null;
}

function drawable(m) {
  if (m.get("_view_module") === "anywidget" && m.get("_view_name") === "AnyView") return true;
  if (extraView(m)) return true;
  return !!VIEWS[m.get("_view_name")] && (m.get("_view_module") || "").indexOf("@jupyter-widgets/") === 0;
}

/* One view of model `m` in a fresh element. */
function render(m) {
  var box = el("div", "widget widget-" + String(m.get("_view_name") || "none").replace(/View$/, "").toLowerCase());
  box.setAttribute("data-model-id", m.id);
  if (m.get("_view_module") === "anywidget" && m.get("_view_name") === "AnyView") {
    anyView(m, box);
    return box;
  }
  var extra = extraView(m);
  if (extra) {
    extra(m, box);
    applyLayout(box, m);
    box._drawn = true;
    return box;
  }
  var view = VIEWS[m.get("_view_name")];
  if (!drawable(m)) {
    box.classList.add("widget-unsupported");
    box.textContent = "[" + (m.get("_view_module") || "?") + " " + (m.get("_view_name") || m.get("_model_name")) +
      " is not available in this page]";
    return box;
  }
  var draw = view(m, box);
  applyLayout(box, m);
  applyStyle(box, m);
  var dom = m.get("_dom_classes") || [];
  dom.forEach(function (c) { box.classList.add(c); });
  watch(m, box, function (keys) {
    if (m.closed) { if (m.removed) box.remove(); else box.classList.add("widget-closed"); return; }
    draw(keys);
  });
  box._drawn = true;
  box.addEventListener("keydown", function (e) {
    // keys typed into a widget are not notebook commands; Esc leaves the widget
    if (e.key === "Escape") { if (document.activeElement && box.contains(document.activeElement)) document.activeElement.blur(); }
    else e.stopPropagation();
  });
  return box;
}

W.el = el;
W.sendComm = sendComm;
W.watch = watch;
W.ref = ref;

/* The element for a widget-view output; a placeholder if the model is not (yet) here. */
W.view = function (spec) {
  var m = spec && W.models[spec.model_id];
  if (!m) return null;
  return render(m);
};
/* An output holding a widget view -> its element (a placeholder showing the output's
   other data while the model is not here: a reloaded page until the kernel answers,
   a saved notebook without its kernel), or null for other outputs. */
W.outputNode = function (out, trusted) {
  var spec = (out.data || {})[W.VIEW_MIME];
  if (!spec) return null;
  var m = W.models[spec.model_id];
  var data = Object.assign({}, out.data);
  delete data[W.VIEW_MIME];
  if (m && !drawable(m) && Object.keys(data).some(function (k) { return k !== "text/plain"; })) {
    // a view this page cannot draw (ipympl's canvas...): the output's other data, said so
    var s = el("div", "widget-static");
    s.appendChild(IPL.renderOutput(Object.assign({}, out, { data: data }), trusted));
    s.appendChild(el("div", "widget-unsupported", "[" + (m.get("_view_module") || "?") + " " +
      (m.get("_view_name") || m.get("_model_name")) + ": a still image; this page cannot draw the live view]"));
    return s;
  }
  if (m) return render(m);
  var p = el("div", "widget-pending");
  p.setAttribute("data-model-id", spec.model_id || "");
  p.appendChild(IPL.renderOutput(Object.assign({}, out, { data: data }), trusted));
  return p;
};

/* ------------------------------------------------------------------ style */
var css = el("style");
css.textContent = [
  ".widget{box-sizing:border-box;margin:2px 0;display:flex;align-items:center;gap:6px;max-width:100%;font-size:13px}",
  ".w-desc{min-width:0;width:80px;text-align:right;overflow:hidden;text-overflow:ellipsis;white-space:nowrap;flex:none}",
  ".w-slider{display:inline-flex;width:240px;gap:4px}.w-slider input{flex:1;min-width:0}",
  ".w-readout{min-width:3em;font-variant-numeric:tabular-nums}",
  ".w-range{position:relative;height:20px}.w-range::before{content:'';position:absolute;left:7px;right:7px;top:8px;height:4px;background:#ccc;border-radius:2px}",
  ".w-range .w-fill{position:absolute;top:8px;height:4px;background:#2196f3;margin-left:7px;max-width:calc(100% - 14px)}",
  ".w-range input{-webkit-appearance:none;appearance:none;position:absolute;left:0;top:0;width:100%;height:20px;margin:0;background:transparent;pointer-events:none}",
  ".w-range input::-webkit-slider-runnable-track{background:transparent;height:20px}",
  ".w-range input::-webkit-slider-thumb{-webkit-appearance:none;pointer-events:auto;width:14px;height:14px;margin-top:3px;border-radius:50%;background:#2196f3;cursor:pointer}",
  ".w-range input::-moz-range-track{background:transparent}",
  ".w-range input::-moz-range-thumb{pointer-events:auto;width:14px;height:14px;border:none;border-radius:50%;background:#2196f3;cursor:pointer}",
  ".w-input{font:inherit;padding:2px 4px;border:1px solid #bbb;border-radius:2px;min-width:0;width:240px}",
  "textarea.w-input{height:auto}",
  ".w-btn{font:inherit;padding:3px 12px;border:1px solid #bbb;border-radius:2px;background:#eee;cursor:pointer;min-height:26px}",
  ".w-btn:hover{background:#e0e0e0}.w-btn.mod-active{background:#cfd8dc;box-shadow:inset 0 1px 3px rgba(0,0,0,.25)}",
  ".w-btn.mod-primary{background:#2196f3;color:#fff}.w-btn.mod-success{background:#4caf50;color:#fff}",
  ".w-btn.mod-info{background:#00bcd4;color:#fff}.w-btn.mod-warning{background:#ff9800;color:#fff}.w-btn.mod-danger{background:#f44336;color:#fff}",
  ".w-track{display:inline-block;width:240px;height:18px;background:#eee;border-radius:2px;overflow:hidden;flex:none}",
  ".w-bar{display:block;height:100%;background:#2196f3;transition:width .1s}",
  ".w-bar.mod-success{background:#4caf50}.w-bar.mod-info{background:#00bcd4}.w-bar.mod-warning{background:#ff9800}.w-bar.mod-danger{background:#f44336}",
  ".widget-hbox{flex-direction:row}.widget-vbox,.widget-box{flex-direction:column;align-items:stretch}",
  ".widget-hbox>.widget,.widget-vbox>.widget{margin:2px}",
  ".widget-gridbox{display:grid}",
  ".widget-output{display:block}.w-html{white-space:normal}",
  ".widget-tab,.widget-accordion,.widget-stack{display:block;width:100%}",
  ".w-tab-bar{display:flex;border-bottom:1px solid #bbb}",
  ".w-tab-bar .w-tab-title{border:1px solid #bbb;border-bottom:none;background:#f5f5f5;padding:4px 14px;cursor:pointer;font:inherit;margin-right:2px}",
  ".w-tab-bar .mod-active{background:#fff;border-top:2px solid #2196f3}",
  ".widget-tab>.w-panel{border:1px solid #bbb;border-top:none;padding:6px}",
  ".widget-accordion>.w-tab-title{display:block;width:100%;text-align:left;border:1px solid #bbb;background:#f5f5f5;padding:5px 10px;cursor:pointer;font:inherit;margin-top:2px}",
  ".widget-accordion>.w-tab-title.mod-active{background:#e3f2fd}.widget-accordion>.w-panel{border:1px solid #bbb;border-top:none;padding:6px}",
  ".w-radios{display:flex;flex-direction:column}.w-toggles{display:flex;gap:2px}",
  ".widget-vertical{flex-direction:column}",
  ".widget-unsupported{color:#a00;font-family:monospace}.widget-closed{opacity:.5}",
  ".w-valid.mod-invalid{color:#c00}",
  ".w-check{display:inline-flex;align-items:center;gap:4px}",
  ".w-tags{display:inline-flex;flex-wrap:wrap;gap:3px}.w-tag{background:#e3f2fd;border-radius:3px;padding:1px 2px 1px 6px}",
  ".w-tag-x{border:none;background:none;cursor:pointer;padding:0 3px;font:inherit}.w-tag-input{width:120px}"
].join("\n");
document.head.appendChild(css);

})(window.IPL);
