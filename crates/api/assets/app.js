// kyushoku pages: the one script. Every page works without it; with it, a
// signed-in seeker hears of new messages as they arrive (Server-Sent
// Events of the session's own stream) and is offered a reload.
(function () {
  "use strict";
  var live = document.getElementById("live");
  if (!live || !window.EventSource) return;
  var source = new EventSource(live.getAttribute("data-stream"));
  var shown = false;
  function arrived() {
    if (shown) return;
    shown = true;
    live.hidden = false;
  }
  // Tells whoever looks (a test, a screen reader's inspector) that the
  // page is listening.
  source.addEventListener("open", function () { live.setAttribute("data-state", "open"); });
  source.addEventListener("message", arrived);
  source.addEventListener("thread_closed", arrived);
  source.addEventListener("thread_reopened", arrived);
  window.addEventListener("pagehide", function () { source.close(); });
})();
