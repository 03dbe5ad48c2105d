/* ipylite: widget state saved in the notebook, as Jupyter does — our own code, written to
   the widget state format (version 2.0, the JSON schema of @jupyter-widgets/schema):

     metadata.widgets["application/vnd.jupyter.widget-state+json"] =
       {version_major: 2, version_minor: 0,
        state: {model_id: {model_name, model_module, model_module_version, state,
                           buffers: [{path, data, encoding: "base64"}]}}}

   Saved: the models the notebook's widget outputs show, what they refer to (layouts,
   styles, children, the views in an Output widget) and the jslinks between them; a
   closed widget is not saved. Opened again without the kernel that made them (or in an
   HTML export), the saved models are drawn at their last values and change in the page
   only; a kernel that still has them takes them over. Needs widgets.js. */
"use strict";
(function (IPL) {

var W = IPL.widgets, MIME = "application/vnd.jupyter.widget-state+json";
var LINKS = { LinkModel: 1, DirectionalLinkModel: 1 };

function toBase64(buf) {
  var b = W.bytesOf(buf), s = "";
  for (var i = 0; i < b.length; i += 0x8000) s += String.fromCharCode.apply(null, b.subarray(i, i + 0x8000));
  return btoa(s);
}
function fromBase64(text) {
  var s = atob(text), b = new Uint8Array(s.length);
  for (var i = 0; i < s.length; i++) b[i] = s.charCodeAt(i);
  return new DataView(b.buffer);
}
function fromHex(text) {
  var b = new Uint8Array(text.length >> 1);
  for (var i = 0; i < b.length; i++) b[i] = parseInt(text.substr(2 * i, 2), 16);
  return new DataView(b.buffer);
}

/* The ids of the models `v` (a state, an output list) refers to. */
function refs(v, found) {
  if (typeof v === "string") {
    if (v.slice(0, 10) === "IPY_MODEL_") found.push(v.slice(10));
  } else if (Array.isArray(v)) v.forEach(function (x) { refs(x, found); });
  else if (v && typeof v === "object" && !(v instanceof ArrayBuffer) && !ArrayBuffer.isView(v)) {
    var view = v[W.VIEW_MIME];
    if (view && typeof view.model_id === "string") found.push(view.model_id);
    Object.keys(v).forEach(function (k) { refs(v[k], found); });
  }
  return found;
}

function entry(m) {
  var t = W.takeBuffers(m.state), st = t.state;
  delete st._closed;
  var e = { model_name: st._model_name, model_module: st._model_module,
    model_module_version: st._model_module_version || "*", state: st };
  if (t.buffers.length) e.buffers = t.buffers.map(function (b, i) { return { path: t.buffer_paths[i], data: toBase64(b), encoding: "base64" }; });
  return e;
}

/* The widget state for a notebook whose cells are `cells` (nbformat JSON), or null if
   its outputs show no widget the page has. */
W.savedState = function (cells) {
  var todo = [], keep = {};
  cells.forEach(function (c) { refs(c.outputs || [], todo); });
  while (todo.length) {
    var id = todo.pop(), m = W.models[id];
    if (keep[id] || !m || m.closed) continue;
    keep[id] = m;
    refs(m.state, todo);
  }
  Object.keys(W.models).forEach(function (id) {
    var m = W.models[id];
    if (LINKS[m.get("_model_name")] && !m.closed && refs(m.state, []).every(function (r) { return keep[r]; })) keep[id] = m;
  });
  var ids = Object.keys(keep);
  if (!ids.length) return null;
  var state = {};
  ids.forEach(function (id) { state[id] = entry(keep[id]); });
  return { version_major: 2, version_minor: 0, state: state };
};

/* In place: nb.metadata.widgets holds the state of the widgets nb's outputs show. */
W.saveState = function (nb) {
  var md = nb.metadata = Object.assign({}, nb.metadata), st = W.savedState(nb.cells || []);
  var widgets = Object.assign({}, md.widgets);
  if (st) widgets[MIME] = st; else delete widgets[MIME];
  if (Object.keys(widgets).length) md.widgets = widgets; else delete md.widgets;
  return nb;
};

/* A state saved without the values equal to their defaults (JupyterLab saves so, and
   ipywidgets' embed_data(drop_defaults=True)) gets them back: the view's name and module,
   and the defaults of the controls' values and bounds (ipywidgets 8's). */
var VIEW_OF = { IntProgressModel: "ProgressView", FloatProgressModel: "ProgressView",
  BoundedIntTextModel: "IntTextView", BoundedFloatTextModel: "FloatTextView", NaiveDatetimeModel: "DatetimeView" };
var INT = { value: 0, min: 0, max: 100, step: 1 }, FLOAT = { value: 0, min: 0, max: 100, step: 0.1 };
var DEFAULTS = {
  IntSliderModel: INT, IntProgressModel: INT, BoundedIntTextModel: INT, IntTextModel: { value: 0 },
  FloatSliderModel: FLOAT, FloatProgressModel: FLOAT, BoundedFloatTextModel: FLOAT, FloatTextModel: { value: 0 },
  FloatLogSliderModel: { value: 1, min: 0, max: 4, step: 0.1, base: 10 },
  IntRangeSliderModel: Object.assign({}, INT, { value: [0, 1] }), FloatRangeSliderModel: Object.assign({}, FLOAT, { value: [0, 1] }),
  PlayModel: Object.assign({}, INT, { interval: 100 }),
  TextModel: { value: "" }, TextareaModel: { value: "" }, PasswordModel: { value: "" }, ComboboxModel: { value: "" },
  LabelModel: { value: "" }, HTMLModel: { value: "" }, HTMLMathModel: { value: "" },
  CheckboxModel: { value: false, indent: true }, ToggleButtonModel: { value: false }, ValidModel: { value: false }
};
function withDefaults(st, e) {
  var name = st._model_name = st._model_name || e.model_name;
  st._model_module = st._model_module || e.model_module;
  if (st._view_name === undefined && name) {
    st._view_name = VIEW_OF[name] || name.replace(/Model$/, "View");
    st._view_module = st._view_module || st._model_module;
  }
  var d = DEFAULTS[name] || {};
  Object.keys(d).forEach(function (k) { if (st[k] === undefined) st[k] = JSON.parse(JSON.stringify(d[k])); });
  return st;
}

/* Models from a notebook's metadata.widgets (those the page does not have already);
   `trusted`: the notebook is trusted. A malformed entry is skipped, with a line in the
   console. */
W.restore = function (widgets, trusted) {
  var saved = widgets && widgets[MIME], made = [];
  if (!saved || typeof saved.state !== "object" || saved.version_major !== 2) return;
  Object.keys(saved.state || {}).forEach(function (id) {
    var e = saved.state[id];
    if (W.models[id]) return;
    try {
      var st = JSON.parse(JSON.stringify(e.state || {}));
      var bufs = e.buffers || [];
      W.putBuffers(st, bufs.map(function (b) { return b.path; }),
        bufs.map(function (b) { return b.encoding === "hex" ? fromHex(b.data) : fromBase64(b.data); }));
      made.push(W.restoreModel(id, withDefaults(st, e), !trusted));
    } catch (err) {
      console.error("ipylite widgets: saved state of " + id + " is malformed", err);
    }
  });
  made.forEach(function (m) {
    try { W.ready(m); } catch (err) { console.error("ipylite widgets: saved widget " + m.id + " cannot start", err); }
  });
};

/* The notebook was trusted: saved models show their HTML and run their code now. */
W.trustSaved = function () {
  Object.keys(W.models).forEach(function (id) { W.models[id].untrusted = false; });
};

})(window.IPL);
