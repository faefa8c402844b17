// The queue's keyboard: j/k move, o or Enter opens, / searches, ? shows the help.
// The selection survives htmx swaps of the results (the row index is kept).
(function () {
  "use strict";
  var index = -1;

  function rows() {
    return Array.prototype.slice.call(document.querySelectorAll("[data-queue] tbody tr"));
  }

  function select(i) {
    var all = rows();
    if (!all.length) { index = -1; return; }
    index = Math.max(0, Math.min(i, all.length - 1));
    all.forEach(function (row, n) { row.classList.toggle("is-selected", n === index); });
    all[index].scrollIntoView({ block: "nearest" });
    var link = all[index].querySelector(".row-link");
    if (link) { link.focus({ preventScroll: true }); }
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


  document.addEventListener("htmx:afterSwap", function (event) {
    if (event.detail.target && event.detail.target.id === "queue-results" && index >= 0) { select(index); }
  });
})();
