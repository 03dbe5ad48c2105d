/* ipylite: matplotlib figures drawn live in the notebook page, for `%matplotlib widget`
   (ipympl's canvas widget) and `%matplotlib notebook` (matplotlib's nbagg, a comm with
   target "matplotlib"). Our own code, written to the messages of matplotlib's WebAgg
   backend (neither ipympl's JavaScript package nor matplotlib's mpl.js is shipped or
   run): the kernel sends JSON events ({"type": "draw" | "resize" | "rubberband" ...})
   and each frame as a PNG buffer (the whole figure, or in "diff" mode only what changed,
   drawn over the last frame); the page sends mouse, key, toolbar and size events.
   ipympl keeps some of that state in widget traits (_figure_label, _message, _cursor,
   _image_mode, _rubberband_*, the Toolbar's _current_action); nbagg sends it as events.
   Needs widgets.js. */
"use strict";
(function (IPL) {

var W = IPL.widgets, el = W.el;

function modifiers(e) {
  var out = [];
  if (e.ctrlKey) out.push("ctrl");
  if (e.altKey) out.push("alt");
  if (e.shiftKey) out.push("shift");
  if (e.metaKey) out.push("meta");
  return out;
}

/* matplotlib's key names: "ctrl+alt+" ... then "k" and the DOM key (see WebAgg). */
function keyName(e) {
  var key = e.key, pre = "";
  if (e.ctrlKey && key !== "Control") pre += "ctrl+";
  if (e.altKey && key !== "Alt") pre += "alt+";
  if (e.shiftKey && key !== "Shift" && key.length !== 1) pre += "shift+";
  return pre + "k" + key;
}

function bytesOf(buffer) {
  return buffer instanceof DataView ? new Uint8Array(buffer.buffer, buffer.byteOffset, buffer.byteLength)
                                    : new Uint8Array(buffer);
}

var TOOLS = [["Home", "Reset original view", "home"], ["Back", "Back to previous view", "back"],
             ["Forward", "Forward to next view", "forward"], ["Pan", "Left button pans, right button zooms", "pan"],
             ["Zoom", "Zoom to rectangle", "zoom"], ["Download", "Download plot", "download"]];
var TYPES = { png: "image/png", jpg: "image/jpeg", jpeg: "image/jpeg", svg: "image/svg+xml", pdf: "application/pdf" };

/* One figure in `box`. send(type, fields) reaches the kernel's canvas; opts.tool(name)
   runs a toolbar button (default: send it); opts.tools: [[text, tip, name]...]. */
function Figure(box, send, opts) {
  var dpr = window.devicePixelRatio || 1, f = this;
  var header = el("div", "mpl-header"), footer = el("div", "mpl-footer", "\u00a0");
  var bar = el("div", "mpl-toolbar"), wrap = el("div", "mpl-canvas-wrap"), body = el("div", "mpl-body");
  var canvas = el("canvas", "mpl-canvas"), top = el("canvas", "mpl-rubberband");
  var ctx = canvas.getContext("2d"), rctx = top.getContext("2d");
  var buttons = {}, frames = 0, last = 0;
  f.imageMode = "full";
  f.captureScroll = false;
  f.throttle = 33;
  top.tabIndex = 0;
  box.classList.add("mpl-figure");
  wrap.appendChild(canvas);
  wrap.appendChild(top);
  body.appendChild(bar);
  body.appendChild(wrap);
  box.appendChild(header);
  box.appendChild(body);
  box.appendChild(footer);

  f.size = function (w, h) {       // CSS pixels; the canvases hold w*dpr by h*dpr
    [canvas, top].forEach(function (c) {
      c.width = Math.round(w * dpr);
      c.height = Math.round(h * dpr);
      c.style.width = w + "px";
      c.style.height = h + "px";
    });
    wrap.style.width = w + "px";
    wrap.style.height = h + "px";
  };
  f.still = function (src) {      // a frame kept by the kernel, until a live one comes
    var im = new Image();
    im.onload = function () { if (!frames) ctx.drawImage(im, 0, 0, canvas.width, canvas.height); };
    im.src = src;
  };
  f.frame = function (buffer) {
    createImageBitmap(new Blob([bytesOf(buffer)], { type: "image/png" })).then(function (img) {
      if (f.imageMode === "full") ctx.clearRect(0, 0, canvas.width, canvas.height);
      ctx.drawImage(img, 0, 0);
      canvas.dataset.frames = String(++frames);
      send("ack");
    }).catch(function (e) { console.error("ipylite: a figure frame could not be drawn", e); });
  };
  f.label = function (t) { header.textContent = t || ""; };
  f.message = function (t) { footer.textContent = t || "\u00a0"; };
  f.cursor = function (c) { top.style.cursor = c || "default"; };
  f.show = function (part, on) { ({ header: header, footer: footer, toolbar: bar })[part].hidden = !on; };
  f.rubberband = function (x, y, w, h) {       // CSS pixels from the top left; w = 0: none
    rctx.clearRect(0, 0, top.width, top.height);
    if (!w && !h) return;
    rctx.strokeStyle = "#000";
    rctx.lineWidth = 1;
    rctx.setLineDash([3, 3]);
    rctx.strokeRect(Math.floor(x * dpr) + 0.5, Math.floor(y * dpr) + 0.5, w * dpr, h * dpr);
  };
  f.dpr = dpr;
  f.tools = function (items) {
    bar.textContent = "";
    buttons = {};
    items.forEach(function (it) {
      var b = el("button", "mpl-tool", it[0]);
      b.title = it[1] || it[0];
      b.setAttribute("data-tool", it[2]);
      b.addEventListener("click", function () { (opts.tool || function (n) { send("toolbar_button", { name: n }); })(it[2]); });
      buttons[it[2]] = b;
      bar.appendChild(b);
    });
  };
  f.active = function (name) {
    Object.keys(buttons).forEach(function (k) { buttons[k].classList.toggle("active", k === name); });
  };
  f.history = function (back, forward) {
    if (buttons.back) buttons.back.disabled = !back;
    if (buttons.forward) buttons.forward.disabled = !forward;
  };
  f.download = function (buffer, format) {
    var done = function (blob) {
      var a = document.createElement("a");
      a.href = URL.createObjectURL(blob);
      a.download = (header.textContent || "figure") + "." + format;
      document.body.appendChild(a);
      a.click();
      a.remove();
      setTimeout(function () { URL.revokeObjectURL(a.href); }, 1000);
    };
    if (buffer) done(new Blob([bytesOf(buffer)], { type: TYPES[format] || "application/octet-stream" }));
    else canvas.toBlob(done);
  };
  /* The events WebAgg sends as JSON, whichever way they came. */
  f.event = function (msg, buffers) {
    switch (msg.type) {
      case "binary": if (buffers && buffers.length) f.frame(buffers[0]); break;
      case "draw": send("draw"); break;
      case "resize": f.size(msg.size[0], msg.size[1]); send("refresh"); break;
      case "history_buttons": f.history(msg.Back, msg.Forward); break;
      case "image_mode": f.imageMode = msg.mode; break;
      case "figure_label": f.label(msg.label); break;
      case "message": f.message(msg.message); break;
      case "cursor": f.cursor(msg.cursor); break;
      case "capture_scroll": f.captureScroll = !!msg.capture_scroll; break;
      case "navigate_mode": f.active({ PAN: "pan", ZOOM: "zoom" }[msg.mode] || ""); break;
      case "rubberband":
        if (msg.x0 < 0) { f.rubberband(0, 0, 0, 0); break; }
        var h = canvas.height;      // WebAgg's y runs up from the bottom, in canvas pixels
        var x0 = Math.min(msg.x0, msg.x1), x1 = Math.max(msg.x0, msg.x1);
        var y0 = h - Math.max(msg.y0, msg.y1), y1 = h - Math.min(msg.y0, msg.y1);
        f.rubberband(x0 / dpr, y0 / dpr, (x1 - x0) / dpr, (y1 - y0) / dpr);
        break;
      case "save": f.download(buffers && buffers[0], msg.format || "png"); break;
    }
  };

  // events, in physical pixels from the canvas's top left (as WebAgg expects)
  function mouse(type, e, extra) {
    var r = top.getBoundingClientRect();
    send(type, Object.assign({
      x: (e.clientX - r.left) * dpr, y: (e.clientY - r.top) * dpr,
      button: e.button, buttons: e.buttons, modifiers: modifiers(e)
    }, extra || {}));
  }
  top.addEventListener("mousedown", function (e) { top.focus(); mouse("button_press", e); e.preventDefault(); });
  top.addEventListener("mouseup", function (e) { mouse("button_release", e); });
  top.addEventListener("dblclick", function (e) { mouse("dblclick", e); });
  top.addEventListener("mousemove", function (e) {
    var now = Date.now();
    if (e.buttons && now - last < f.throttle) return;   // drags are throttled, as in ipympl
    last = now;
    mouse("motion_notify", e);
  });
  top.addEventListener("mouseenter", function (e) { mouse("figure_enter", e); });
  top.addEventListener("mouseleave", function (e) { mouse("figure_leave", e); });
  top.addEventListener("contextmenu", function (e) { e.preventDefault(); });
  top.addEventListener("wheel", function (e) {
    if (!f.captureScroll) return;                      // the page scrolls, as in ipympl
    e.preventDefault();
    mouse("scroll", e, { step: e.deltaY < 0 ? 1 : -1 });
  }, { passive: false });
  ["keydown", "keyup"].forEach(function (kind) {
    top.addEventListener(kind, function (e) {
      e.stopPropagation();              // not a notebook command
      if (e.key === "Escape" && kind === "keydown") { top.blur(); return; }
      e.preventDefault();
      send(kind === "keydown" ? "key_press" : "key_release", { key: keyName(e) });
    });
  });
}

/* ------------------------------------------------ ipympl: %matplotlib widget */
W.extra["jupyter-matplotlib/MPLCanvasView"] = function (m, box) {
  var toolbar = null;
  function send(type, extra) { m.custom(Object.assign({ type: type }, extra || {}), box); }
  var fig = new Figure(box, send, {
    tool: function (name) {
      if ((name === "pan" || name === "zoom") && toolbar) {
        // the page keeps the toolbar's mode, as ipympl's own view does
        toolbar.save({ _current_action: toolbar.get("_current_action") === name ? "" : name }, box);
      }
      send("toolbar_button", { name: name === "download" ? "save_figure" : name });
    }
  });
  var s = m.get("_size") || [0, 0];
  if (s[0] > 0 && s[1] > 0) fig.size(s[0], s[1]);
  var still = m.get("_data_url");
  if (still) fig.still(still.indexOf("data:") === 0 ? still : "data:image/png;base64," + still);
  m.customListeners = m.customListeners || [];
  m.customListeners.push(function (content, buffers) {
    var msg;
    try { msg = JSON.parse(content.data); } catch (e) { return; }
    fig.event(msg, buffers);
  });
  function drawToolbar() {
    toolbar = W.ref(m.get("toolbar"));
    var items = (toolbar && toolbar.get("toolitems")) || [];
    fig.tools(items.filter(function (it) { return it && it[0] && it[3]; }).map(function (it) {
      return [it[0], it[1], it[3] === "save_figure" ? "download" : it[3]];
    }));
    if (!toolbar) return;
    fig.active(toolbar.get("_current_action") || "");
    W.watch(toolbar, box, function (keys) {
      if (keys.indexOf("_current_action") >= 0) fig.active(toolbar.get("_current_action") || "");
    });
  }
  function drawState(keys) {
    var all = !keys, has = function (k) { return all || keys.indexOf(k) >= 0; };
    if (has("_figure_label")) fig.label(m.get("_figure_label"));
    if (has("_message")) fig.message(m.get("_message"));
    if (has("_cursor")) fig.cursor(m.get("_cursor"));
    if (has("_image_mode")) fig.imageMode = m.get("_image_mode") || "full";
    if (has("capture_scroll")) fig.captureScroll = !!m.get("capture_scroll");
    if (has("pan_zoom_throttle")) fig.throttle = +m.get("pan_zoom_throttle") || 33;
    if (has("header_visible")) fig.show("header", m.get("header_visible") !== false);
    if (has("footer_visible")) fig.show("footer", m.get("footer_visible") !== false);
    if (has("toolbar_visible")) fig.show("toolbar", [false, "hidden"].indexOf(m.get("toolbar_visible")) < 0);
    if (has("toolbar")) drawToolbar();
    if (all || keys.some(function (k) { return k.indexOf("_rubberband_") === 0; }))
      fig.rubberband(m.get("_rubberband_x"), m.get("_rubberband_y"), m.get("_rubberband_width"), m.get("_rubberband_height"));
  }
  drawState(null);
  W.watch(m, box, drawState);
  send("set_device_pixel_ratio", { device_pixel_ratio: fig.dpr });
  send("send_image_mode");
  send("refresh");
  send("initialized");
};

/* ------------------------------------------------ nbagg: %matplotlib notebook */
/* The kernel opens a comm to target "matplotlib" with {id}, after an HTML output
   <div id=...> to draw in; messages both ways are JSON text in the comm's data. */
W.commTargets.matplotlib = function (commId, data, cell) {
  var box = el("div", "widget mpl-nbagg"), tries = 0;
  (function place() {           // the <div id> output may not be on the page yet
    var host = data && data.id && document.getElementById(data.id);
    if (host) host.appendChild(box);
    else if (++tries < 300) requestAnimationFrame(place);
  })();
  function send(type, extra) {
    W.sendComm("comm_msg", { comm_id: commId, data: JSON.stringify(Object.assign({ type: type }, extra || {})) },
               [], cell);
  }
  var fig = new Figure(box, send, {
    tool: function (name) { if (name === "download") fig.download(null, "png"); else send("toolbar_button", { name: name }); }
  });
  fig.tools(TOOLS);
  W.comms[commId] = function (content, buffers) {
    if (content.blob && buffers && buffers.length) { fig.frame(buffers[0]); return; }
    var text = content.data;
    if (typeof text !== "string") return;
    if (text.indexOf("data:image/png;base64,") === 0) { fig.still(text); return; }
    var msg;
    try { msg = JSON.parse(text); } catch (e) { return; }
    if (msg.type === "close") { box.classList.add("widget-closed"); return; }
    fig.event(msg, buffers);
  };
  send("supports_binary", { value: true });
  send("send_image_mode");
  if (fig.dpr !== 1) send("set_device_pixel_ratio", { device_pixel_ratio: fig.dpr });
  send("refresh");
};
/* nbagg's own script (mpl.js) needs the classic Notebook's `IPython` object; this page
   draws those figures itself, so the script is not run. */
W.skipScript = function (source) { return source.indexOf("mpl.mpl_figure_comm") >= 0; };

var css = el("style");
css.textContent = [
  ".mpl-figure{flex-direction:column;align-items:flex-start}",
  ".mpl-header{font-weight:600;text-align:center;align-self:stretch}",
  ".mpl-body{display:flex;gap:4px;align-items:flex-start}",
  ".mpl-toolbar{display:flex;flex-direction:column;gap:2px}",
  ".mpl-tool{font-size:11px;padding:2px 6px}.mpl-tool.active{background:#cfe3fb;border-color:#2196f3}",
  ".mpl-canvas-wrap{position:relative}.mpl-canvas-wrap canvas{position:absolute;left:0;top:0}",
  ".mpl-rubberband:focus{outline:1px dotted #2196f3}",
  ".mpl-footer{font-family:monospace;font-size:12px;min-height:1.2em}"
].join("\n");
document.head.appendChild(css);

})(window.IPL);
