// Attention: every open page of an agent or a lead learns of newly due work within a minute.
//
// It polls the attention endpoint (data-attention-url) every data-poll-visible seconds while
// the tab is visible and every data-poll-hidden seconds while it is hidden (Page Visibility
// API), and at once when the tab comes back. Polling, not server push: the app runs on
// gunicorn's sync workers, where each open SSE or websocket connection would hold a whole
// worker for as long as a tab stays open; a poll is one short request.
//
// A newly due item shows as a toast on the page and, if the person allowed it from the
// "Turn on alerts" button (never asked on load), as a browser notification that opens the
// review. The due count in the navigation is refreshed when the count changes, and the
// queue page is told when its content changed ("attention:queue", see queue.js).
// Polling stops on a 401/403 (logged out, session expired) and when the person logs out.
(function () {
  "use strict";
  var box = document.querySelector("[data-attention]");
  if (!box || !window.fetch) { return; }
  var url = box.dataset.attentionUrl;
  var visibleMs = (parseFloat(box.dataset.pollVisible) || 15) * 1000;
  var hiddenMs = (parseFloat(box.dataset.pollHidden) || 60) * 1000;
  var SEEN = "reviewdesk.attention.seen";
  var timer = null;
  var stopped = false;
  var inFlight = false;
  var lastCount = null;
  var lastQueue = null;
  var polls = 0;

  // Items already seen in this tab survive page changes, so moving from the queue to a
  // review does not announce the same item again.
  function seen() {
    try { return JSON.parse(window.sessionStorage.getItem(SEEN)); } catch (e) { return null; }
  }
  function remember(ids) {
    try { window.sessionStorage.setItem(SEEN, JSON.stringify(ids.slice(-200))); } catch (e) { /* private mode */ }
  }

  function schedule(ms) {
    window.clearTimeout(timer);
    if (stopped) { return; }
    timer = window.setTimeout(poll, ms === undefined ? (document.hidden ? hiddenMs : visibleMs) : ms);
  }

  function stop() {
    stopped = true;
    window.clearTimeout(timer);
  }

  function poll() {
    if (stopped || inFlight) { return; }
    inFlight = true;
    fetch(url, { credentials: "same-origin", headers: { Accept: "application/json" }, redirect: "manual" })
      .then(function (response) {
        if (response.status === 401 || response.status === 403 || response.type === "opaqueredirect") {
          stop();
          return null;
        }
        return response.ok ? response.json() : null;  // a server error: try again later
      })
      .then(function (data) { if (data) { handle(data); } })
      .catch(function () { /* offline: the next poll tries again */ })
      .then(function () {
        inFlight = false;
        schedule();
      });
  }

  function handle(data) {
    var known = seen();
    var first = known === null;
    known = known || [];
    var fresh = data.items.filter(function (item) { return known.indexOf(item.id) < 0; });
    // The first answer in a tab is the baseline: what was due before the page opened is
    // already in the count and the queue; only what falls due afterwards is announced.
    if (!first) { fresh.slice(0, 3).forEach(announce); }
    remember(known.concat(fresh.map(function (item) { return item.id; })));
    if (lastCount !== null && data.due !== lastCount) {
      document.body.dispatchEvent(new CustomEvent("attention-count"));  // the nav badge (htmx)
    }
    if (lastQueue !== null && data.queue !== lastQueue) {
      document.dispatchEvent(new CustomEvent("attention:queue", { detail: data }));
    }
    lastCount = data.due;
    lastQueue = data.queue;
    polls += 1;
    box.dataset.polls = String(polls);  // lets a test wait for the first answer
  }

  function announce(item) {
    var title = box.dataset.textDue.replace("{what}", item.what);
    var body = [item.who, item.text].filter(Boolean).join(" · ");
    toast(item, title, body);
    if ("Notification" in window && Notification.permission === "granted") {
      try {
        var note = new Notification(title, { body: body, tag: "reviewdesk-" + item.id });
        note.onclick = function () {
          window.focus();
          window.location.href = item.url;
          note.close();
        };
      } catch (e) { /* a browser that allows notifications only from a service worker */ }
    }
  }

  function toast(item, title, body) {
    var el = document.createElement("div");
    el.className = "toast";
    el.setAttribute("role", "status");
    var link = document.createElement("a");
    link.href = item.url;
    link.className = "toast-link";
    var strong = document.createElement("strong");
    strong.textContent = title;
    link.appendChild(strong);
    if (body) {
      var span = document.createElement("span");
      span.textContent = body;
      link.appendChild(span);
    }
    var close = document.createElement("button");
    close.type = "button";
    close.className = "toast-close";
    close.setAttribute("aria-label", box.dataset.textClose);
    close.textContent = "×";
    close.addEventListener("click", function () { el.remove(); });
    el.appendChild(link);
    el.appendChild(close);
    box.appendChild(el);
    while (box.children.length > 3) { box.removeChild(box.firstChild); }
  }

  // Permission is asked only from the person's click, never on load.
  var enable = document.querySelector("[data-attention-enable]");
  function showEnable() {
    if (!enable) { return; }
    enable.hidden = !("Notification" in window) || Notification.permission !== "default";
  }
  if (enable) {
    enable.addEventListener("click", function () {
      var asked = Notification.requestPermission(showEnable);
      if (asked && asked.then) { asked.then(showEnable); }
    });
    showEnable();
  }

  document.addEventListener("visibilitychange", function () {
    schedule(document.hidden ? hiddenMs : 0);  // back to the tab: ask at once
  });
  document.addEventListener("submit", function (event) {
    var action = event.target.getAttribute("action") || "";
    if (/\/logout\/?$/.test(action)) { stop(); }
  });

  schedule(0);
})();
