// Board: "all" checkbox and auto-submitting selects (no inline script; data-* attributes).
(function () {
  "use strict";
  document.addEventListener("change", function (event) {
    var all = event.target.closest("[data-check-all]");
    if (all) {
      var form = all.closest("form");
      form.querySelectorAll('input[type=checkbox][name="' + all.dataset.checkAll + '"]').forEach(function (box) {
        box.checked = all.checked;
      });
    }
    var auto = event.target.closest("[data-autosubmit]");
    if (auto) { auto.form.submit(); }
  });
})();
