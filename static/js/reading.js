/* The reading page: the video file that fits the screen, large controls in elder mode,
   playback speed for the narration, the print button, and read counts.
   Read counts are anonymous: no cookie, nothing stored in the browser, a random one-time
   number per page load so a repeated report is not counted twice. Do Not Track and
   Global Privacy Control switch them off. The page works fully without this script. */
(function () {
  function each(selector, fn) {
    var nodes = document.querySelectorAll(selector);
    for (var i = 0; i < nodes.length; i++) fn(nodes[i]);
  }

  // Browsers ignore <source media> on <video>, so the choice is made here, before anything loads
  // (preload="none"): a portrait screen gets the 1080×1920 file, a wide one the 1920×1080 file.
  // Only the chosen <source> stays in the element, so only that file is ever fetched.
  var wide = window.matchMedia ? window.matchMedia("(min-aspect-ratio: 1/1)") : null;
  each("[data-choose-orientation]", function (video) {
    var sources = Array.prototype.slice.call(video.querySelectorAll("source[data-orientation]"));
    if (sources.length < 2 || !wide) return;
    var track = video.querySelector("track");
    var shown = null;
    function choose() {
      if (video.currentTime > 0 || !video.paused) return;  // never swap a video someone is watching
      var want = wide.matches ? "landscape" : "portrait";
      var pick = sources.filter(function (s) { return s.getAttribute("data-orientation") === want; })[0] || sources[0];
      if (pick === shown) return;
      shown = pick;
      for (var i = 0; i < sources.length; i++) if (sources[i].parentNode) video.removeChild(sources[i]);
      video.insertBefore(pick, track);
      if (pick.getAttribute("data-poster")) video.poster = pick.getAttribute("data-poster");
      if (pick.getAttribute("data-width")) {
        video.width = parseInt(pick.getAttribute("data-width"), 10);
        video.height = parseInt(pick.getAttribute("data-height"), 10);
      }
      video.className = video.className.replace(/\bvideo--\w+/, "video--" + want);
      video.load();
    }
    choose();
    if (wide.addEventListener) wide.addEventListener("change", choose);
  });

  // Elder mode: big play/pause and ±15 s buttons beside the browser's small controls.
  each("[data-controls-for]", function (group) {
    var player = document.getElementById(group.getAttribute("data-controls-for"));
    if (!player) return;
    var toggle = group.querySelector("[data-play-toggle]");
    function label() {
      toggle.textContent = toggle.getAttribute(player.paused ? "data-label-play" : "data-label-pause");
      toggle.setAttribute("aria-pressed", player.paused ? "false" : "true");
    }
    toggle.addEventListener("click", function () {
      if (player.paused) { var started = player.play(); if (started && started.catch) started.catch(function () {}); }
      else player.pause();
    });
    each("[data-controls-for='" + player.id + "'] [data-skip]", function (button) {
      button.addEventListener("click", function () {
        var target = player.currentTime + parseFloat(button.getAttribute("data-skip"));
        var end = isFinite(player.duration) ? player.duration : target;
        player.currentTime = Math.max(0, Math.min(end, target));
      });
    });
    player.addEventListener("play", label);
    player.addEventListener("pause", label);
    player.addEventListener("ended", label);
    label();
    group.hidden = false;
  });

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

  // Inside WeChat, when the studio has a WeChat service account: the card a shared link shows (title,
  // summary, link, cover) set through the JS-SDK, whose wx.config the studio signs for this page's URL.
  // The SDK (self-hosted) and the signature load side by side, and only in WeChat's browser.
  var share = document.querySelector("[data-wechat-share]");
  if (share && /MicroMessenger/i.test(navigator.userAgent) && window.fetch && window.URLSearchParams) {
    var meta = function (name) {
      var node = document.querySelector("meta[property='" + name + "']");
      return node ? node.getAttribute("content") : "";
    };
    var signed = null, loaded = false;
    var configure = function () {
      var wx = window.wx || window.jWeixin;
      if (!signed || !loaded || !wx) return;
      wx.config({ debug: false, appId: signed.appId, timestamp: signed.timestamp, nonceStr: signed.nonceStr,
                  signature: signed.signature, jsApiList: ["updateAppMessageShareData", "updateTimelineShareData"] });
      wx.ready(function () {
        var card = { title: meta("og:title"), desc: meta("og:description"), link: meta("og:url"), imgUrl: meta("og:image") };
        wx.updateAppMessageShareData(card);
        wx.updateTimelineShareData({ title: card.title, link: card.link, imgUrl: card.imgUrl });
      });
    };
    var form = new URLSearchParams();
    form.set("url", location.href.split("#")[0]);
    fetch(share.getAttribute("data-wechat-share"), { method: "POST", body: form, credentials: "omit" })
      .then(function (response) { return response.ok ? response.json() : null; })
      .then(function (answer) { signed = answer; configure(); }, function () {});
    var sdk = document.createElement("script");
    sdk.src = share.getAttribute("data-wechat-sdk");
    sdk.onload = function () { loaded = true; configure(); };
    document.head.appendChild(sdk);
  }

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
