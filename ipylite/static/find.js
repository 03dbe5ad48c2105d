/* ipylite: find and replace in the notebook page. The page hands its hooks to
   IPL.findBar(page) (page.nb the notebook state; cur, select, scrollTo, setMode,
   markDirty, insertText its functions) and calls .open() on Ctrl-F. */
"use strict";
(function (IPL) {

IPL.findBar = function (page) {
  var NB = page.nb, cur = page.cur, select = page.select, scrollTo = page.scrollTo, setMode = page.setMode,
    markDirty = page.markDirty, insertText = page.insertText;
  function el(tag, cls) { var e = document.createElement(tag); if (cls) e.className = cls; return e; }

  /* Ctrl-F (either mode): a bar that finds text in every cell's source, shows each match
     selected in its cell, and replaces one or all (each replacement one undo step). */
  var finder = null;
  function openFind() {
    var c = cur(), picked = c && c.ta && NB.mode === "edit" ? c.ta.value.slice(c.ta.selectionStart, c.ta.selectionEnd) : "";
    if (!finder) {
      var bar = el("div", "findbar");
      bar.innerHTML = '<input class="find-text" placeholder="Find" spellcheck="false"> ' +
        '<input class="find-replace" placeholder="Replace" spellcheck="false"> ' +
        '<label><input type="checkbox" class="find-case"> Aa</label> <span class="find-count"></span> ' +
        '<button data-find="prev" title="Previous (Shift-Enter)">&#8593;</button><button data-find="next" title="Next (Enter)">&#8595;</button> ' +
        '<button data-find="one">Replace</button><button data-find="all">Replace all</button><button data-find="close" title="Close (Esc)">&times;</button>';
      document.querySelector(".toolbar").after(bar);
      finder = { bar: bar, text: bar.querySelector(".find-text"), repl: bar.querySelector(".find-replace"),
                 kase: bar.querySelector(".find-case"), count: bar.querySelector(".find-count"), at: null };
      bar.addEventListener("click", function (e) {
        var b = e.target.closest("[data-find]");
        if (b) { e.preventDefault(); findAction(b.getAttribute("data-find")); }
      });
      bar.addEventListener("keydown", function (e) {
        e.stopPropagation();
        if (e.key === "Escape") { e.preventDefault(); findAction("close"); }
        else if (e.key === "Enter") { e.preventDefault(); findAction(e.target === finder.repl ? "one" : e.shiftKey ? "prev" : "next"); }
      });
      bar.addEventListener("input", function (e) { if (e.target === finder.text) finder.at = null; findCount(); });
    }
    finder.bar.hidden = false;
    if (picked && picked.indexOf("\n") < 0) finder.text.value = picked;
    finder.text.focus();
    finder.text.select();
    findCount();
  }
  function findMatches() {         // [[cell index, start, end], ...] in notebook order
    var q = finder.text.value, out = [];
    if (!q) return out;
    var kase = finder.kase.checked, needle = kase ? q : q.toLowerCase();
    NB.cells.forEach(function (c, ci) {
      var hay = kase ? c.source : c.source.toLowerCase(), i = 0;
      while ((i = hay.indexOf(needle, i)) >= 0) { out.push([ci, i, i + q.length]); i += q.length || 1; }
    });
    return out;
  }
  function findCount(current) {
    var n = findMatches().length;
    finder.count.textContent = !finder.text.value ? "" : n ? (current != null ? current + 1 + " of " : "") + n : "no match";
  }
  function findAction(what) {
    if (what === "close") { finder.bar.hidden = true; var c = cur(); if (c && c.ta && NB.mode === "edit") c.ta.focus(); return; }
    var ms = findMatches();
    if (what === "all") {
      var q = finder.text.value, r = finder.repl.value, n = ms.length;
      if (!n) return findCount();
      var kase = finder.kase.checked, re = new RegExp(q.replace(/[.*+?^${}()|[\]\\]/g, "\\$&"), kase ? "g" : "gi");
      NB.cells.forEach(function (c) {
        if (!re.test(c.source)) return;
        re.lastIndex = 0;
        var text = c.source.replace(re, function () { return r; });
        if (c.ta) { if (c.ta.history) c.ta.history.push("page"); c.ta.value = text; }
        c.source = text;
        c.type === "markdown" && c.rendered ? c.refresh() : c.paintSource();
      });
      markDirty();
      finder.at = null;
      finder.count.textContent = n + " replaced";
      return;
    }
    if (what === "one" && finder.at) {          // replace the match shown, then go on
      var a = finder.at, cell = NB.cells[a[0]];
      var was = cell ? cell.source.slice(a[1], a[2]) : null, q = finder.text.value;
      if (cell && (finder.kase.checked ? was === q : was.toLowerCase() === q.toLowerCase())) {
        if (!cell.ta) cell.edit(a[1]);
        insertText(cell.ta, finder.repl.value, a[1], a[2]);
        finder.at = [a[0], a[1], a[1] + finder.repl.value.length];
        ms = findMatches();
      }
    }
    if (!ms.length) { finder.at = null; return findCount(); }
    var from = finder.at || [NB.sel, -1, -1], k;
    if (what === "prev") {
      for (k = ms.length - 1; k >= 0; k--) if (ms[k][0] < from[0] || ms[k][0] === from[0] && ms[k][1] < from[1]) break;
      if (k < 0) k = ms.length - 1;
    } else {
      for (k = 0; k < ms.length; k++) if (ms[k][0] > from[0] || ms[k][0] === from[0] && ms[k][1] >= Math.max(from[2], from[1] + 1)) break;
      if (k === ms.length) k = 0;
    }
    var m = finder.at = ms[k], target = NB.cells[m[0]];
    select(m[0]);
    scrollTo(target);
    target.edit(m[1]);
    setMode("edit");
    target.ta.setSelectionRange(m[1], m[2]);
    (what === "one" ? finder.repl : finder.text).focus();
    findCount(k);
  }
  return { open: openFind };
};

})(window.IPL);
