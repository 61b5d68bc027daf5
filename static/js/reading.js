/* The reading page: playback speed for the narration, the print button, and read counts.
   Read counts are anonymous: no cookie, nothing stored in the browser, a random one-time
   number per page load so a repeated report is not counted twice. Do Not Track and
   Global Privacy Control switch them off. The page works fully without this script. */
(function () {
  function each(selector, fn) {
    var nodes = document.querySelectorAll(selector);
    for (var i = 0; i < nodes.length; i++) fn(nodes[i]);
  }

  each("[data-speed-for]", function (group) {
    var player = document.getElementById(group.getAttribute("data-speed-for"));
    if (!player) return;
    var buttons = group.querySelectorAll("[data-speed]");
    function choose(rate) {
      // defaultPlaybackRate survives the load that preload="none" defers until the first play.
      player.defaultPlaybackRate = rate;
      player.playbackRate = rate;
      for (var i = 0; i < buttons.length; i++) {
        buttons[i].setAttribute("aria-pressed", parseFloat(buttons[i].getAttribute("data-speed")) === rate ? "true" : "false");
      }
    }
    for (var i = 0; i < buttons.length; i++) {
      buttons[i].addEventListener("click", function () { choose(parseFloat(this.getAttribute("data-speed"))); });
    }
    group.hidden = false;
  });

  each("[data-print-now]", function (button) {
    button.hidden = false;
    button.addEventListener("click", function () { window.print(); });
  });

  var root = document.querySelector("[data-beacon]");
  var optedOut = navigator.doNotTrack === "1" || window.doNotTrack === "1" || navigator.globalPrivacyControl === true;
  if (!root || optedOut || !navigator.sendBeacon || !window.crypto) return;

  var url = root.getAttribute("data-beacon");
  var bytes = new Uint8Array(16);
  window.crypto.getRandomValues(bytes);
  var nonce = "";
  for (var b = 0; b < bytes.length; b++) nonce += ("0" + bytes[b].toString(16)).slice(-2);
  var sent = {};
  function report(event) {
    if (sent[event]) return;
    sent[event] = true;
    navigator.sendBeacon(url, new Blob([JSON.stringify({ event: event, nonce: nonce })], { type: "text/plain" }));
  }
  report("view");

  each("[data-event-play]", function (player) {
    player.addEventListener("play", function () { report(player.getAttribute("data-event-play")); });
    var ended = player.getAttribute("data-event-ended");
    if (ended) player.addEventListener("ended", function () { report(ended); });
  });

  var end = root.querySelector("[data-read-end]");
  var minimum = 1000 * parseFloat(root.getAttribute("data-read-end-seconds") || "10");
  var opened = Date.now();
  if (end && window.IntersectionObserver) {
    var observer = new IntersectionObserver(function (entries) {
      if (!entries[0].isIntersecting) return;
      observer.disconnect();
      window.setTimeout(function () { report("read_end"); }, Math.max(0, opened + minimum - Date.now()));
    });
    observer.observe(end);
  }
})();
