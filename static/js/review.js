// The review page's keyboard: c log a call, f follow-up, r reply (each focuses its form
// when the page has it), ? help, Escape back to the queue.
(function () {
  "use strict";
  var targets = { c: "[data-key-call]", f: "[data-key-followup]", r: "[data-key-reply]" };
  document.addEventListener("keydown", function (event) {
    if (event.ctrlKey || event.metaKey || event.altKey) { return; }
    if (event.target.closest("input, textarea, select, [contenteditable]")) { return; }
    var selector = targets[event.key];
    if (selector) {
      var el = document.querySelector(selector);
      if (el) {
        el.scrollIntoView({ block: "center" });
        (el.querySelector("input, select, textarea, button") || el).focus();
        event.preventDefault();
      }
    } else if (event.key === "Escape") {
      var back = document.querySelector("[data-back]");
      if (back) { window.location.href = back.href; }
    }
  });
})();
