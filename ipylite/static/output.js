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

/* One output model -> a DOM element (div.output-item). */
IPL.renderOutput = function (out, trusted) {
  var div = document.createElement("div");
  div.className = "output-item output-" + out.output_type;
  if (out.output_type === "stream") {
    div.className += " output-" + out.name;
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
  var mime = pickMime(data, trusted);
  if (mime) div.setAttribute("data-mime-type", mime);
  var value = mime === "application/json" ? data[mime] : IPL.join(data[mime]);
  var meta = md[mime] || {};
  switch (mime) {
    case "application/javascript":
      var s = document.createElement("script");
      s.textContent = value;
      div.appendChild(s);
      break;
    case "text/html":
      var h = document.createElement("div");
      h.className = "output-html";
      if (trusted) IPL.setTrustedHTML(h, value); else h.innerHTML = IPL.sanitize(value);
      div.appendChild(h);
      break;
    case "image/svg+xml":
      var svgImg = document.createElement("img");
      if (trusted) {
        var sv = document.createElement("div");
        sv.className = "output-svg";
        sv.innerHTML = IPL.sanitize(value);
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
      m.innerHTML = IPL.markdown(value, trusted);
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
    if (o.output_type === "stream" && last && last.output_type === "stream" && last.name === o.name)
      merged[merged.length - 1] = { output_type: "stream", name: o.name, text: IPL.join(last.text) + IPL.join(o.text) };
    else merged.push(o);
  });
  merged.forEach(function (o) { el.appendChild(IPL.renderOutput(o, trusted)); });
};

/* An iopub message -> nbformat output (or null). */
IPL.msgToOutput = function (msg) {
  var c = msg.content, t = msg.msg_type || msg.header.msg_type;
  if (t === "stream") return { output_type: "stream", name: c.name, text: c.text };
  if (t === "display_data" || t === "update_display_data")
    return { output_type: "display_data", data: c.data || {}, metadata: c.metadata || {} };
  if (t === "execute_result")
    return { output_type: "execute_result", data: c.data || {}, metadata: c.metadata || {}, execution_count: c.execution_count };
  if (t === "error")
    return { output_type: "error", ename: c.ename, evalue: c.evalue, traceback: c.traceback || [] };
  return null;
};

})(window.IPL);
