// The review page's keyboard: c log a contact, f the agreed time (only where the buyer can
// revise: elsewhere the page has no such field and f does nothing), r reply (each focuses its
// form when the page has it), Escape back to the queue. ? (the help) is app.js's.
(function () {
  "use strict";
  var targets = { c: "[data-key-call]", f: "[data-key-followup]", r: "[data-key-reply]" };
  document.addEventListener("keydown", function (event) {
    if (event.ctrlKey || event.metaKey || event.altKey) { return; }
    if (event.target.closest("input, textarea, select, [contenteditable]")) { return; }
    // With the help dialog open, Esc only closes it (the browser does that): leaving the page
    // too would lose the review the agent was reading the help for.
    if (document.querySelector("dialog[open]")) { return; }
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

// Live character count against the platform's limit, and copy-to-clipboard of the approved reply.
(function () {
  "use strict";
  document.addEventListener("input", function (event) {
    var area = event.target.closest("[data-count-target]");
    if (!area) { return; }
    var out = document.querySelector(area.dataset.countTarget);
    if (!out) { return; }
    out.textContent = area.value.trim().length;
    var max = parseInt(area.dataset.countMax, 10);
    out.classList.toggle("error", !isNaN(max) && area.value.trim().length > max);
  });
  document.addEventListener("click", function (event) {
    var button = event.target.closest("[data-copy]");
    if (!button) { return; }
    var source = document.querySelector(button.dataset.copy);
    if (source && navigator.clipboard) {
      navigator.clipboard.writeText(source.textContent.trim()).then(function () {
        button.classList.add("done");
      });
    }
  });
})();

// Back to the queue exactly as the agent left it (filters, lane, page): use the queue URL they
// came from when there is one.
(function () {
  "use strict";
  var back = document.querySelector("[data-back]");
  if (!back || !document.referrer) { return; }
  try {
    var from = new URL(document.referrer);
    if (from.origin === window.location.origin && from.pathname === new URL(back.href).pathname) {
      back.href = from.pathname + from.search;
    }
  } catch (e) { /* an unparsable referrer: keep the plain link */ }
})();

// The agreed time: the date-time picker and the buttons of an ambiguous hour fill the text box
// with an exact form ("2026-12-03T15:00", "2026-12-02 20:15"); the input event makes htmx ask
// for the preview again, so what was understood is always shown before saving.
(function () {
  "use strict";
  function fill(value) {
    var box = document.querySelector("[data-agreed-text]");
    if (!box || !value) { return; }
    box.value = value;
    box.dispatchEvent(new Event("input", { bubbles: true }));
    box.focus();
  }
  document.addEventListener("change", function (event) {
    var picker = event.target.closest("[data-agreed-picker]");
    if (picker) { fill(picker.value); }
  });
  document.addEventListener("click", function (event) {
    var button = event.target.closest("[data-agreed-fill]");
    if (button) { fill(button.dataset.agreedFill); }
  });
})();
