// Site-wide behaviour. No inline scripts anywhere: pages configure JS via data-* attributes.
(function () {
  "use strict";

  // After an htmx request fails on the server, say so instead of silently doing nothing.
  function messageBox() {
    var box = document.querySelector(".messages");
    if (!box) {
      box = document.createElement("ul");
      box.className = "messages";
      document.querySelector("main").prepend(box);
    }
    return box;
  }
  document.addEventListener("htmx:responseError", function (event) {
    var status = event.detail.xhr.status;
    var li = document.createElement("li");
    li.className = "msg msg-error";
    li.setAttribute("role", "alert");
    li.textContent = (document.documentElement.lang.indexOf("zh") === 0 ? "请求失败（" : "Request failed (") + status + ")";
    messageBox().appendChild(li);
  });

  // "?" opens the keyboard help on every page (the dialog lives in base.html).
  function showHelp() {
    var help = document.querySelector("[data-help]");
    if (help && !help.open) { help.showModal(); }
  }
  document.addEventListener("keydown", function (event) {
    if (event.key !== "?" || event.ctrlKey || event.metaKey || event.altKey) { return; }
    if (event.target.closest("input, textarea, select, [contenteditable]")) { return; }
    showHelp();
    event.preventDefault();
  });
  document.addEventListener("click", function (event) {
    if (event.target.closest("[data-help-open]")) { showHelp(); }
  });
})();
