/* ipylite: the plain text editor for files that are not notebooks (.py, .md, .txt ...),
   loaded and saved through the Contents API as type=file, format=text. */
"use strict";
(function () {
var path = document.body.getAttribute("data-path") || "";
var ta = document.getElementById("text");
var state = { lastModified: null, dirty: false, loaded: false };
var name = path.split("/").pop();
var url = "/api/contents/" + path.split("/").map(encodeURIComponent).join("/");

function xsrf() {
  var m = /(?:^|;\s*)_xsrf=([^;]*)/.exec(document.cookie);
  return m ? decodeURIComponent(m[1]) : "";
}
function api(method, u, body) {
  var opts = { method: method, headers: { "X-XSRFToken": xsrf() }, credentials: "same-origin" };
  if (body !== undefined) { opts.body = JSON.stringify(body); opts.headers["Content-Type"] = "application/json"; }
  return fetch(u, opts).then(function (r) {
    return r.json().then(function (j) { if (!r.ok) throw new Error(j.message || r.statusText); return j; });
  });
}
function note(t, warn) {
  var n = document.getElementById("nb-notice");
  n.textContent = t;
  n.className = "notice" + (warn ? " warn" : "");
  clearTimeout(note.t);
  note.t = setTimeout(function () { n.textContent = ""; }, 3000);
}
function setDirty(d) {
  state.dirty = d;
  document.title = (d ? "*" : "") + name;
}
function load() {
  return api("GET", url + "?type=file&format=text").then(function (m) {
    ta.value = m.content;
    ta.disabled = false;
    state.lastModified = m.last_modified;
    state.loaded = true;
    setDirty(false);
    document.getElementById("nb-warning").hidden = true;
    document.getElementById("file-info").textContent = m.mimetype || "";
    document.body.setAttribute("data-loaded", "true");
    ta.focus();
    var line = /^#L(\d+)$/.exec(location.hash);      // /edit/f.py#L12 (from %edit): caret at line 12
    if (line) {
      var lines = ta.value.split("\n"), n = Math.min(+line[1], lines.length), at = 0;
      for (var i = 0; i < n - 1; i++) at += lines[i].length + 1;
      ta.setSelectionRange(at, at);
    }
  }, function (e) {
    var err = document.getElementById("nb-error");
    err.hidden = false;
    err.textContent = "Cannot edit " + path + ": " + e.message;
    document.body.setAttribute("data-loaded", "error");
  });
}
function save(force) {
  if (!state.loaded) return Promise.resolve();
  var check = force ? Promise.resolve(null) : api("GET", url + "?content=0");
  return check.then(function (m) {
    if (m && state.lastModified && m.last_modified !== state.lastModified) {
      document.getElementById("nb-warning").hidden = false;
      return;
    }
    return api("PUT", url, { type: "file", format: "text", content: ta.value }).then(function (m2) {
      state.lastModified = m2.last_modified;
      setDirty(false);
      document.getElementById("nb-warning").hidden = true;
      document.body.setAttribute("data-saved", m2.last_modified);
      note("saved");
    });
  }).catch(function (e) { note("save failed: " + e.message, true); });
}

document.getElementById("nb-name").textContent = path;
document.title = name;
ta.addEventListener("input", function () { setDirty(true); });
ta.addEventListener("keydown", function (e) {
  if (e.key === "Tab" && !e.ctrlKey && !e.altKey && !e.metaKey && !e.shiftKey) {   // indent, as editors do
    e.preventDefault();
    document.execCommand("insertText", false, /\.(py|pyi)$/.test(name) ? "    " : "\t");
  }
});
document.addEventListener("keydown", function (e) {
  if ((e.ctrlKey || e.metaKey) && (e.key === "s" || e.key === "S")) { e.preventDefault(); save(false); }
});
document.getElementById("save").addEventListener("click", function () { save(false); });
document.getElementById("overwrite").addEventListener("click", function () { save(true); });
function reload() {
  if (state.dirty && !confirm("Reload " + name + " from disk? Your changes are lost.")) return;
  load();
}
document.getElementById("reload").addEventListener("click", reload);
document.getElementById("reload2").addEventListener("click", function () { setDirty(false); load(); });
document.getElementById("wrap").addEventListener("change", function (e) { ta.classList.toggle("nowrap", !e.target.checked); });
document.getElementById("download").href = "/files/" + path.split("/").map(encodeURIComponent).join("/") + "?download=1";
window.addEventListener("beforeunload", function (e) { if (state.dirty) { e.preventDefault(); e.returnValue = ""; } });
load();
})();
