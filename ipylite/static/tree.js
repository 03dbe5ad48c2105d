/* ipylite: the directory view. */
"use strict";
(function (IPL) {
var dir = document.body.getAttribute("data-path") || "";
var tbody = document.querySelector("#listing tbody");

function xsrf() {
  var m = /(?:^|;\s*)_xsrf=([^;]*)/.exec(document.cookie);
  return m ? decodeURIComponent(m[1]) : "";
}
function api(method, url, body) {
  var opts = { method: method, headers: { "X-XSRFToken": xsrf() }, credentials: "same-origin" };
  if (body !== undefined) { opts.body = JSON.stringify(body); opts.headers["Content-Type"] = "application/json"; }
  return fetch(url, opts).then(function (r) {
    if (r.status === 204) return null;
    return r.json().then(function (j) { if (!r.ok) throw new Error(j.message || r.statusText); return j; });
  });
}
function enc(p) { return p.split("/").map(encodeURIComponent).join("/"); }
function join(a, b) { return a ? a + "/" + b : b; }
function note(t) {
  var n = document.getElementById("nb-notice");
  n.textContent = t;
  clearTimeout(note.t);
  note.t = setTimeout(function () { n.textContent = ""; }, 4000);
}
function fail(e) { note("error: " + e.message); }

function size(n) {
  if (n == null) return "";
  return n < 1024 ? n + " B" : n < 1048576 ? (n / 1024).toFixed(1) + " kB" : (n / 1048576).toFixed(1) + " MB";
}

function crumbs() {
  var c = document.getElementById("crumbs"), parts = dir ? dir.split("/") : [], acc = "";
  c.innerHTML = '<a href="/tree">Home</a>';
  parts.forEach(function (p) {
    acc = join(acc, p);
    c.insertAdjacentHTML("beforeend", ' / <a href="/tree/' + IPL.esc(enc(acc)) + '">' + IPL.esc(p) + "</a>");
  });
}

function selected() {
  return Array.prototype.map.call(tbody.querySelectorAll("input:checked"), function (b) { return b.value; });
}
function updateButtons() {
  var n = selected().length;
  document.getElementById("rename").disabled = n !== 1;
  ["delete", "duplicate", "copy-to", "move-to"].forEach(function (id) { document.getElementById(id).disabled = n === 0; });
}

/* Sorting by a column (a second click reverses it); folders stay first, as in Jupyter. */
var sortKey = "name", sortDir = 1;
function compare(a, b) {
  var d = (a.type === "directory" ? 0 : 1) - (b.type === "directory" ? 0 : 1);
  if (d) return d;
  var x = a[sortKey], y = b[sortKey], c;
  if (sortKey === "name") c = x.localeCompare(y, undefined, { numeric: true, sensitivity: "base" });
  else if (sortKey === "size") c = (x || 0) - (y || 0);
  else c = x < y ? -1 : x > y ? 1 : 0;
  return sortDir * (c || a.name.localeCompare(b.name));
}
function markSort() {
  document.querySelectorAll("#listing th.sortable").forEach(function (th) {
    var on = th.getAttribute("data-sort") === sortKey;
    th.setAttribute("aria-sort", on ? (sortDir > 0 ? "ascending" : "descending") : "none");
    th.querySelector(".sort-mark").textContent = on ? (sortDir > 0 ? "\u25b2" : "\u25bc") : "";
  });
}
var TEXT_FILE = /\.(py|pyi|pyw|md|markdown|txt|rst|json|csv|tsv|ya?ml|toml|cfg|ini|sh|js|css|tex|log|r|jl)$/i;

function list() {
  return api("GET", "/api/contents/" + enc(dir) + "?content=1").then(function (m) {
    tbody.innerHTML = "";
    if (dir) {
      var up = dir.split("/").slice(0, -1).join("/");
      tbody.insertAdjacentHTML("beforeend", '<tr><td></td><td><a class="up" href="/tree/' + IPL.esc(enc(up)) + '">..</a></td><td></td><td></td></tr>');
    }
    markSort();
    m.content.sort(compare).forEach(function (it) {
      var href = it.type === "directory" ? "/tree/" : it.type === "notebook" ? "/notebooks/" : TEXT_FILE.test(it.name) ? "/edit/" : "/files/";
      var icon = '<i class="icon-' + it.type + '"></i>';
      var tr = document.createElement("tr");
      tr.className = "entry entry-" + it.type;
      tr.innerHTML = '<td><input type="checkbox" value="' + IPL.esc(it.path) + '"></td>' +
        '<td><span class="icon">' + icon + '</span> <a class="tree-item" href="' + href + IPL.esc(enc(it.path)) + '"' +
        (it.type === "notebook" || href === "/edit/" ? ' target="_blank"' : "") + ">" + IPL.esc(it.name) + "</a></td>" +
        "<td>" + IPL.esc(new Date(it.last_modified).toLocaleString()) + "</td><td>" + size(it.size) + "</td>";
      tbody.appendChild(tr);
    });
    updateButtons();
    document.body.setAttribute("data-loaded", "true");
  }, function (e) {
    tbody.innerHTML = '<tr><td colspan="4" class="error">' + IPL.esc(e.message) + "</td></tr>";
    document.body.setAttribute("data-loaded", "error");
  });
}

function running() {
  var rt = document.querySelector("#running tbody");
  return api("GET", "/api/sessions").then(function (ss) {
    rt.innerHTML = ss.length ? "" : '<tr><td class="muted">No running kernels.</td></tr>';
    ss.forEach(function (s) {
      var tr = document.createElement("tr");
      tr.className = "running-session";
      tr.innerHTML = '<td><a href="/notebooks/' + IPL.esc(enc(s.path)) + '">' + IPL.esc(s.path) + "</a></td><td>" +
        IPL.esc(s.kernel ? s.kernel.name + " (" + s.kernel.execution_state + ")" : "") +
        '</td><td><button class="shutdown">Shut down</button></td>';
      tr.querySelector("button").addEventListener("click", function () {
        api("DELETE", "/api/sessions/" + s.id).then(running, fail);
      });
      rt.appendChild(tr);
    });
  }, fail);
}

function newNotebook(kernel) {
  var w = window.open("", "_blank"), model = { type: "notebook" };
  if (kernel) model.kernel_name = kernel;
  api("POST", "/api/contents/" + enc(dir), model).then(function (m) {
    var u = "/notebooks/" + enc(m.path);
    if (w) w.location = u; else location.href = u;
    list();
  }, function (e) { if (w) w.close(); fail(e); });
}
document.getElementById("new-notebook").addEventListener("click", function () { newNotebook(); });
/* The New menu: a notebook on each installed kernelspec, a text file, a folder. */
function kernelspecs() {
  var box = document.getElementById("new-items");
  return api("GET", "/api/kernelspecs").then(function (ks) {
    Object.keys(ks.kernelspecs).sort().reverse().forEach(function (name) {
      var spec = ks.kernelspecs[name].spec, a = document.createElement("a");
      a.href = "#";
      a.setAttribute("data-kernel", name);
      a.textContent = "Notebook: " + (spec.display_name || name) + (name === ks["default"] ? " (default)" : "");
      box.insertBefore(a, box.firstChild);
    });
  }, fail);
}
document.getElementById("new-items").addEventListener("click", function (e) {
  var a = e.target.closest("a");
  if (!a) return;
  e.preventDefault();
  document.getElementById("new-menu").open = false;
  if (a.hasAttribute("data-kernel")) return newNotebook(a.getAttribute("data-kernel"));
  var kind = a.getAttribute("data-new");
  api("POST", "/api/contents/" + enc(dir), kind === "file" ? { type: "file", ext: ".txt" } : { type: "directory" }).then(function (m) {
    if (kind === "file") window.open("/edit/" + enc(m.path), "_blank");
    list();
  }, fail);
});
document.getElementById("new-folder").addEventListener("click", function () {
  api("POST", "/api/contents/" + enc(dir), { type: "directory" }).then(list, fail);
});
document.getElementById("rename").addEventListener("click", function () {
  var p = selected()[0], name = p.split("/").pop();
  var nn = prompt("New name for " + name, name);
  if (!nn || nn === name) return;
  api("PATCH", "/api/contents/" + enc(p), { path: join(dir, nn) }).then(list, fail);
});
document.getElementById("delete").addEventListener("click", function () {
  var ps = selected();
  if (!confirm("Delete " + ps.join(", ") + "?")) return;
  Promise.all(ps.map(function (p) { return api("DELETE", "/api/contents/" + enc(p)); })).then(list, fail).then(list);
});
document.getElementById("upload").addEventListener("change", function (e) {
  Array.prototype.forEach.call(e.target.files, function (f) {
    var r = new FileReader();
    r.onload = function () {
      var b64 = r.result.slice(r.result.indexOf(",") + 1);
      var isNb = /\.ipynb$/.test(f.name);
      var model = { type: "file", format: "base64", content: b64 };
      if (isNb) {
        try { model = { type: "notebook", format: "json", content: JSON.parse(new TextDecoder().decode(Uint8Array.from(atob(b64), function (ch) { return ch.charCodeAt(0); }))) }; }
        catch (err) { note(f.name + " is not a notebook (not JSON)"); return; }
      }
      var target = "/api/contents/" + enc(join(dir, f.name));
      fetch(target + "?content=0", { credentials: "same-origin" }).then(function (r) {
        if (r.ok && !confirm(f.name + " already exists here. Replace it?")) { note("upload of " + f.name + " cancelled"); return; }
        return api("PUT", target, model).then(function () { note("uploaded " + f.name); list(); });
      }).catch(fail);
    };
    r.readAsDataURL(f);
  });
  e.target.value = "";
});
tbody.addEventListener("change", updateButtons);
document.querySelector("#listing thead").addEventListener("click", function (e) {
  var th = e.target.closest("th.sortable");
  if (!th) return;
  var k = th.getAttribute("data-sort");
  if (k === sortKey) sortDir = -sortDir; else { sortKey = k; sortDir = k === "name" ? 1 : -1; }
  list();
});
document.getElementById("duplicate").addEventListener("click", function () {
  Promise.all(selected().map(function (p) { return api("POST", "/api/contents/" + enc(dir), { copy_from: p }); }))
    .then(function (ms) { note("made " + ms.map(function (m) { return m.name; }).join(", ")); }).catch(fail).then(list);
});
/* Copy or move the selected items into a folder given from the served root ("" is the root). */
function toFolder(verb, done, each) {
  var ps = selected(), dest = prompt(verb + " " + ps.join(", ") + " to the folder (from the top, e.g. data/old):", dir);
  if (dest === null) return;
  dest = dest.trim().replace(/^\/+|\/+$/g, "");
  Promise.all(ps.map(function (p) { return each(p, join(dest, p.split("/").pop())); }))
    .then(function () { note(done + " to /" + dest); }).catch(fail).then(list);
}
document.getElementById("copy-to").addEventListener("click", function () {
  toFolder("Copy", "copied", function (p, to) { return api("PUT", "/api/contents/" + enc(to), { copy_from: p }); });
});
document.getElementById("move-to").addEventListener("click", function () {
  toFolder("Move", "moved", function (p, to) { return api("PATCH", "/api/contents/" + enc(p), { path: to }); });
});

crumbs();
kernelspecs();
list();
running();
setInterval(running, 10000);
})(window.IPL);
