/* ipylite: ipympl's figure canvas (`%matplotlib widget`) drawn live in the notebook page.
   Our own code, written to the messages matplotlib's WebAgg backend and ipympl exchange
   (ipympl's JavaScript package is not shipped): the kernel sends JSON messages as custom
   comm messages {data: "<json>"} and each frame as a PNG buffer ({"type": "binary"}:
   the whole figure, or in "diff" mode only what changed, drawn over the last frame);
   the page sends mouse, key, toolbar and size events as custom messages {type: ...}.
   State kept as widget traits: _figure_label, _message, _cursor, _image_mode,
   _rubberband_*, header/footer_visible, capture_scroll, and the Toolbar model's
   toolitems and _current_action. Needs widgets.js. */
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

W.extra["jupyter-matplotlib/MPLCanvasView"] = function (m, box) {
  var dpr = window.devicePixelRatio || 1;
  var header = el("div", "mpl-header"), footer = el("div", "mpl-footer");
  var bar = el("div", "mpl-toolbar"), wrap = el("div", "mpl-canvas-wrap");
  var canvas = el("canvas", "mpl-canvas"), top = el("canvas", "mpl-rubberband");
  var ctx = canvas.getContext("2d"), rctx = top.getContext("2d");
  var buttons = {}, toolbar = W.ref(m.get("toolbar"));
  top.tabIndex = 0;
  wrap.appendChild(canvas);
  wrap.appendChild(top);
  box.appendChild(header);
  var body = el("div", "mpl-body");
  body.appendChild(bar);
  body.appendChild(wrap);
  box.appendChild(body);
  box.appendChild(footer);

  function send(type, extra) { m.custom(Object.assign({ type: type }, extra || {}), box); }

  function size(w, h) {       // CSS pixels; the canvases hold w*dpr by h*dpr
    [canvas, top].forEach(function (c) {
      c.width = Math.round(w * dpr);
      c.height = Math.round(h * dpr);
      c.style.width = w + "px";
      c.style.height = h + "px";
    });
    wrap.style.width = w + "px";
    wrap.style.height = h + "px";
  }
  var s = m.get("_size") || [0, 0];
  if (s[0] > 0 && s[1] > 0) size(s[0], s[1]);
  var still = m.get("_data_url");         // the last frame the kernel kept, until one comes
  if (still) {
    var im = new Image();
    im.onload = function () { if (!canvas.dataset.frames) ctx.drawImage(im, 0, 0, canvas.width, canvas.height); };
    im.src = still.indexOf("data:") === 0 ? still : "data:image/png;base64," + still;
  }

  var frames = 0;
  function frame(buffer) {
    var bytes = buffer instanceof DataView ? new Uint8Array(buffer.buffer, buffer.byteOffset, buffer.byteLength)
                                           : new Uint8Array(buffer);
    createImageBitmap(new Blob([bytes], { type: "image/png" })).then(function (img) {
      if (m.get("_image_mode") === "full") ctx.clearRect(0, 0, canvas.width, canvas.height);
      ctx.drawImage(img, 0, 0);
      canvas.dataset.frames = String(++frames);
      send("ack");
    }).catch(function (e) { console.error("ipylite: a figure frame could not be drawn", e); });
  }

  function fromKernel(content, buffers) {
    var msg;
    try { msg = JSON.parse(content.data); } catch (e) { return; }
    if (msg.type === "binary" && buffers && buffers.length) frame(buffers[0]);
    else if (msg.type === "draw") send("draw");
    else if (msg.type === "resize") { size(msg.size[0], msg.size[1]); send("refresh"); }
    else if (msg.type === "history_buttons") {
      ["Back", "Forward"].forEach(function (k) { if (buttons[k]) buttons[k].disabled = !msg[k]; });
    } else if (msg.type === "save" && buffers && buffers.length) save(buffers[0], msg.format || "png");
  }
  m.customListeners = m.customListeners || [];
  m.customListeners.push(fromKernel);

  var TYPES = { png: "image/png", jpg: "image/jpeg", jpeg: "image/jpeg", svg: "image/svg+xml", pdf: "application/pdf" };
  function save(buffer, format) {       // the Download button: the file savefig wrote
    var bytes = buffer instanceof DataView ? new Uint8Array(buffer.buffer, buffer.byteOffset, buffer.byteLength)
                                           : new Uint8Array(buffer);
    var a = document.createElement("a");
    a.href = URL.createObjectURL(new Blob([bytes], { type: TYPES[format] || "application/octet-stream" }));
    a.download = (m.get("_figure_label") || "figure") + "." + format;
    document.body.appendChild(a);
    a.click();
    a.remove();
    setTimeout(function () { URL.revokeObjectURL(a.href); }, 1000);
  }

  function drawToolbar() {
    bar.textContent = "";
    buttons = {};
    toolbar = W.ref(m.get("toolbar"));
    var items = toolbar ? toolbar.get("toolitems") || [] : [];
    items.forEach(function (it) {
      if (!it || !it[0] || !it[3]) return;
      var b = el("button", "mpl-tool", it[0]);
      b.title = it[1] || it[0];
      b.setAttribute("data-tool", it[3]);
      b.addEventListener("click", function () {
        if ((it[3] === "pan" || it[3] === "zoom") && toolbar) {
          // the page keeps the toolbar's mode, as ipympl's own view does
          var now = toolbar.get("_current_action") === it[3] ? "" : it[3];
          toolbar.save({ _current_action: now }, box);
        }
        send("toolbar_button", { name: it[3] });
      });
      buttons[it[0]] = b;
      bar.appendChild(b);
    });
    if (toolbar) {
      var action = function () {
        var now = toolbar.get("_current_action") || "";
        Object.keys(buttons).forEach(function (k) {
          buttons[k].classList.toggle("active", buttons[k].getAttribute("data-tool") === now);
        });
      };
      action();
      W.watch(toolbar, box, function (keys) { if (keys.indexOf("_current_action") >= 0) action(); });
    }
  }

  function rubberband() {
    rctx.clearRect(0, 0, top.width, top.height);
    var w = m.get("_rubberband_width") || 0, h = m.get("_rubberband_height") || 0;
    if (!w && !h) return;
    rctx.strokeStyle = "#000";
    rctx.lineWidth = 1;
    rctx.setLineDash([3, 3]);
    rctx.strokeRect(Math.floor(m.get("_rubberband_x") * dpr) + 0.5,
                    Math.floor(m.get("_rubberband_y") * dpr) + 0.5, w * dpr, h * dpr);
  }

  function drawState(keys) {
    var all = !keys;
    if (all || keys.indexOf("_figure_label") >= 0) header.textContent = m.get("_figure_label") || "";
    if (all || keys.indexOf("header_visible") >= 0) header.hidden = m.get("header_visible") === false;
    if (all || keys.indexOf("_message") >= 0) footer.textContent = m.get("_message") || "\u00a0";
    if (all || keys.indexOf("footer_visible") >= 0) footer.hidden = m.get("footer_visible") === false;
    if (all || keys.indexOf("_cursor") >= 0) top.style.cursor = m.get("_cursor") || "default";
    if (all || keys.indexOf("toolbar_visible") >= 0) {
      var v = m.get("toolbar_visible");
      bar.hidden = v === false || v === "hidden";
    }
    if (all || keys.indexOf("toolbar") >= 0) drawToolbar();
    if (all || keys.some(function (k) { return k.indexOf("_rubberband_") === 0; })) rubberband();
  }
  drawState(null);
  W.watch(m, box, drawState);

  // events, in physical pixels from the canvas's top left (as WebAgg expects)
  var last = 0, throttle = function () { return +m.get("pan_zoom_throttle") || 33; };
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
    if (e.buttons && now - last < throttle()) return;   // drags are throttled, as in ipympl
    last = now;
    mouse("motion_notify", e);
  });
  top.addEventListener("mouseenter", function (e) { mouse("figure_enter", e); });
  top.addEventListener("mouseleave", function (e) { mouse("figure_leave", e); });
  top.addEventListener("contextmenu", function (e) { e.preventDefault(); });
  top.addEventListener("wheel", function (e) {
    if (!m.get("capture_scroll")) return;               // the page scrolls, as in ipympl
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

  send("set_device_pixel_ratio", { device_pixel_ratio: dpr });
  send("send_image_mode");
  send("refresh");
  send("initialized");
};

var css = el("style");
css.textContent = [
  ".widget-mplcanvas{flex-direction:column;align-items:flex-start}",
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
