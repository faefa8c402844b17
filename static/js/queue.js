// The queue's keyboard: j/k move, o or Enter opens, / searches, ? shows the help.
// The selection survives htmx swaps of the results (the row index is kept).
(function () {
  "use strict";
  var index = -1;

  function rows() {
    return Array.prototype.slice.call(document.querySelectorAll("[data-queue] tbody tr"));
  }

  function select(i, stay) {
    var all = rows();
    if (!all.length) { index = -1; return; }
    index = Math.max(0, Math.min(i, all.length - 1));
    all.forEach(function (row, n) { row.classList.toggle("is-selected", n === index); });
    if (!stay) { all[index].scrollIntoView({ block: "nearest" }); }
    var link = all[index].querySelector(".row-link");
    if (link && !stay) { link.focus({ preventScroll: true }); }
  }

  function typing(target) {
    return target.closest("input, textarea, select, [contenteditable]") !== null;
  }

  document.addEventListener("keydown", function (event) {
    if (event.ctrlKey || event.metaKey || event.altKey) { return; }
    if (typing(event.target)) { return; }
    if (event.key === "j") { select(index + 1); event.preventDefault(); }
    else if (event.key === "k") { select(index - 1); event.preventDefault(); }
    else if (event.key === "o" || (event.key === "Enter" && index >= 0 && event.target === document.body)) {
      var all = rows();
      if (index >= 0 && all[index]) { window.location.href = all[index].dataset.href; }
    } else if (event.key === "/") {
      var search = document.querySelector(".filters input[name=q]");
      if (search) { search.focus(); event.preventDefault(); }
    }
  });


  // attention.js says the queue's content changed: fetch the list again with the page's own
  // query string (lane, filters, page), keep the scroll place and the selected row, and
  // wait while the agent is typing in a form (the refresh follows when they leave it).
  var refreshing = false;
  var waiting = false;
  var scrollY = 0;

  function refresh() {
    var results = document.getElementById("queue-results");
    if (!results || !window.htmx || refreshing) { return; }
    if (typing(document.activeElement || document.body)) { waiting = true; return; }
    waiting = false;
    refreshing = true;
    scrollY = window.scrollY;
    window.htmx.ajax("GET", window.location.pathname + window.location.search, {
      target: "#queue-results",
      swap: "outerHTML",
    }).then(function () { refreshing = false; }, function () { refreshing = false; });
  }
  document.addEventListener("attention:queue", refresh);
  document.addEventListener("focusout", function () {
    if (waiting) { window.setTimeout(refresh, 0); }
  });

  document.addEventListener("htmx:afterSwap", function (event) {
    var target = event.detail.target;
    if (!target || target.id !== "queue-results") { return; }
    if (refreshing) {
      if (index >= 0) { select(index, true); }
      window.scrollTo(0, scrollY);
    } else if (index >= 0) { select(index); }
  });
})();
