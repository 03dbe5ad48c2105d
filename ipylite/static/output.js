/* ipylite: rendering nbformat outputs (stream, error, execute_result, display_data). */
"use strict";
(function (IPL) {

IPL.MIME_ORDER = ["application/javascript", "text/html", "image/svg+xml", "image/png",
  "image/jpeg", "image/gif", "text/latex", "text/markdown", "application/json", "text/plain"];

function pickMime(data, trusted) {
  for (var i = 0; i < IPL.MIME_ORDER.length; i++) {
    var m = IPL.MIME_ORDER[i];
    if (m === "application/javascript" && !trusted) continue;
    if (data[m] !== undefined) return m;
  }
  return null;
}

/* A stream output keeps at most its last STREAM_MAX_LINES lines / STREAM_MAX_CHARS
   chars (as Jupyter limits output); the lines cut are counted in a non-saved
   `_hidden` property and shown as a note. */
IPL.STREAM_MAX_LINES = 5000;
IPL.STREAM_MAX_CHARS = 1 << 20;
function countLines(s) { var n = 0, i = -1; while ((i = s.indexOf("\n", i + 1)) >= 0) n++; return n; }
IPL.hideLines = function (out, n) {
  if (!n) return;
  Object.defineProperty(out, "_hidden", { value: (out._hidden || 0) + n, writable: true, configurable: true, enumerable: false });
};
IPL.limitStream = function (out) {
  var text = IPL.join(out.text), cut = 0;
  if (text.length > IPL.STREAM_MAX_CHARS) cut = text.length - IPL.STREAM_MAX_CHARS;
  var pos = text.length - (text[text.length - 1] === "\n" ? 1 : 0), n = 0;
  while (pos > cut && n < IPL.STREAM_MAX_LINES) { pos = text.lastIndexOf("\n", pos - 1); if (pos < 0) break; n++; }
  if (n >= IPL.STREAM_MAX_LINES && pos + 1 > cut) cut = pos + 1;
  if (cut > 0) {
    var nl = text.indexOf("\n", cut - 1);               // cut at a line start
    if (nl >= 0 && nl - cut < 4096) cut = nl + 1;
    IPL.hideLines(out, countLines(text.slice(0, cut)));
    out.text = text.slice(cut);
  }
  return out;
};

/* One output model -> a DOM element (div.output-item). */
IPL.renderOutput = function (out, trusted) {
  var div = document.createElement("div");
  div.className = "output-item output-" + out.output_type;
  if (out.output_type === "stream") {
    div.className += " output-" + out.name;
    if (out._hidden) {
      var note = document.createElement("div");
      note.className = "output-truncated";
      note.textContent = "output truncated; " + out._hidden + " line" + (out._hidden === 1 ? "" : "s") + " hidden";
      div.appendChild(note);
    }
    var pre = document.createElement("pre");
    pre.innerHTML = IPL.ansi(IPL.fixOverwrite(IPL.join(out.text)));
    div.appendChild(pre);
    return div;
  }
  if (out.output_type === "error") {
    var tb = document.createElement("pre");
    var text = (out.traceback || []).join("\n") || (out.ename + ": " + out.evalue);
    tb.innerHTML = IPL.ansi(text);
    div.appendChild(tb);
    return div;
  }
  var data = out.data || {}, md = out.metadata || {};
  var widget = IPL.widgets && IPL.widgets.outputNode(out, trusted);
  if (widget) { div.appendChild(widget); return div; }
  var mime = pickMime(data, trusted);
  if (mime) div.setAttribute("data-mime-type", mime);
  var value = mime === "application/json" ? data[mime] : IPL.join(data[mime]);
  var meta = md[mime] || {};
  switch (mime) {
    case "application/javascript":
      if (IPL.widgets && IPL.widgets.skipScript && IPL.widgets.skipScript(value)) break;
      var s = document.createElement("script");   // `element`: the output's node, as in Jupyter
      s.textContent = "(function (element) {\n" + value + "\n}).call(window, document.currentScript.parentNode);";
      div.appendChild(s);
      break;
    case "text/html":
      var h = document.createElement("div");
      h.className = "output-html";
      if (trusted) IPL.setTrustedHTML(h, value); else IPL.setSafeHTML(h, value);
      div.appendChild(h);
      break;
    case "image/svg+xml":
      var svgImg = document.createElement("img");
      if (trusted) {
        var sv = document.createElement("div");
        sv.className = "output-svg";
        sv.innerHTML = value;   // trusted: shown inline as Jupyter does
        div.appendChild(sv);
      } else {
        svgImg.src = "data:image/svg+xml;charset=utf-8," + encodeURIComponent(value);
        div.appendChild(svgImg);
      }
      break;
    case "image/png": case "image/jpeg": case "image/gif":
      var img = document.createElement("img");
      img.src = "data:" + mime + ";base64," + value.replace(/\n/g, "");
      if (meta.width) img.width = meta.width;
      if (meta.height) img.height = meta.height;
      div.appendChild(img);
      break;
    case "text/latex":
      var l = document.createElement("div");
      l.className = "output-latex";
      l.innerHTML = IPL.latex(value);
      div.appendChild(l);
      break;
    case "text/markdown":
      var m = document.createElement("div");
      m.className = "output-markdown md-rendered";
      IPL.renderMarkdown(m, value, trusted);
      div.appendChild(m);
      break;
    case "application/json":
      var j = document.createElement("pre");
      j.textContent = JSON.stringify(value, null, 2);
      div.appendChild(j);
      break;
    default:
      var p = document.createElement("pre");
      p.innerHTML = IPL.ansi(value || "");
      div.appendChild(p);
  }
  return div;
};

/* Render a list of outputs into `el`, coalescing adjacent streams of one name. */
IPL.renderOutputs = function (el, outputs, trusted) {
  el.innerHTML = "";
  var merged = [];
  outputs.forEach(function (o) {
    var last = merged[merged.length - 1];
    if (o.output_type === "stream" && last && last.output_type === "stream" && last.name === o.name) {
      var m = merged[merged.length - 1] = { output_type: "stream", name: o.name, text: IPL.join(last.text) + IPL.join(o.text) };
      IPL.hideLines(m, (last._hidden || 0) + (o._hidden || 0));
    } else if (o.output_type === "stream") {      // a copy: the saved text stays whole
      var c = { output_type: "stream", name: o.name, text: o.text };
      IPL.hideLines(c, o._hidden || 0);
      merged.push(c);
    } else merged.push(o);
  });
  merged.forEach(function (o) { if (o.output_type === "stream") IPL.limitStream(o); });
  merged.forEach(function (o) { el.appendChild(IPL.renderOutput(o, trusted)); });
};

/* An iopub message -> nbformat output (or null). */
IPL.msgToOutput = function (msg) {
  var c = msg.content, t = msg.msg_type || msg.header.msg_type;
  if (t === "stream") {
    var s = { output_type: "stream", name: c.name, text: c.text };
    IPL.hideLines(s, c.ipylite_hidden || 0);     // lines the server already dropped
    return s;
  }
  if (t === "display_data" || t === "update_display_data")
    return { output_type: "display_data", data: c.data || {}, metadata: c.metadata || {} };
  if (t === "execute_result")
    return { output_type: "execute_result", data: c.data || {}, metadata: c.metadata || {}, execution_count: c.execution_count };
  if (t === "error")
    return { output_type: "error", ename: c.ename, evalue: c.evalue, traceback: c.traceback || [] };
  return null;
};

})(window.IPL);
