/* Record a paragraph in the browser (MediaRecorder) with a level meter, listen back, record again.
   The finished clip is put into the form's file input, so saving it goes through the same upload
   path (and the same checks) as a voice memo chosen from the phone. No inline code: the page's CSP forbids it. */
(function () {
  "use strict";
  var script = document.currentScript;
  var labels = {
    recording: script.dataset.recordingLabel,
    recorded: script.dataset.recordedLabel,
    denied: script.dataset.deniedLabel,
    again: script.dataset.recordAgainLabel,
  };
  var canRecord = !!(navigator.mediaDevices && navigator.mediaDevices.getUserMedia && window.MediaRecorder);

  function preferredType() {
    var types = ["audio/webm;codecs=opus", "audio/ogg;codecs=opus", "audio/mp4", "audio/webm"];
    for (var i = 0; i < types.length; i++) {
      if (MediaRecorder.isTypeSupported(types[i])) return types[i];
    }
    return "";
  }

  function extensionFor(type) {
    if (type.indexOf("ogg") >= 0) return "ogg";
    if (type.indexOf("mp4") >= 0) return "m4a";
    return "webm";
  }

  function setUp(form) {
    var controls = form.querySelector("[data-recorder-controls]");
    var recordButton = form.querySelector("[data-record]");
    var stopButton = form.querySelector("[data-stop]");
    var meter = form.querySelector("[data-level]");
    var status = form.querySelector("[data-recorder-status]");
    var previewWrap = form.querySelector("[data-preview-wrap]");
    var preview = form.querySelector("[data-preview]");
    var input = form.querySelector("[data-audio-input]");
    if (!canRecord) {
      form.querySelector("[data-recorder-unavailable]").hidden = false;
      return;
    }
    controls.hidden = false;
    var recorder = null;
    var stream = null;
    var audioContext = null;
    var frame = 0;
    var previewUrl = "";

    function showLevel(analyser) {
      var samples = new Float32Array(analyser.fftSize);
      function tick() {
        analyser.getFloatTimeDomainData(samples);
        var sum = 0;
        for (var i = 0; i < samples.length; i++) sum += samples[i] * samples[i];
        var rms = Math.sqrt(sum / samples.length);
        var db = rms > 0 ? 20 * Math.log10(rms) : -100;
        meter.value = Math.max(0, Math.min(1, (db + 60) / 60)); // -60 dBFS .. 0 dBFS
        frame = window.requestAnimationFrame(tick);
      }
      tick();
    }

    function stopAll() {
      if (frame) window.cancelAnimationFrame(frame);
      frame = 0;
      meter.value = 0;
      if (stream) stream.getTracks().forEach(function (track) { track.stop(); });
      stream = null;
      if (audioContext) audioContext.close();
      audioContext = null;
    }

    recordButton.addEventListener("click", function () {
      navigator.mediaDevices.getUserMedia({ audio: { echoCancellation: true, noiseSuppression: true } }).then(function (media) {
        stream = media;
        audioContext = new AudioContext();
        var analyser = audioContext.createAnalyser();
        analyser.fftSize = 2048;
        audioContext.createMediaStreamSource(stream).connect(analyser);
        showLevel(analyser);
        var type = preferredType();
        recorder = type ? new MediaRecorder(stream, { mimeType: type }) : new MediaRecorder(stream);
        var chunks = [];
        recorder.addEventListener("dataavailable", function (event) {
          if (event.data && event.data.size) chunks.push(event.data);
        });
        recorder.addEventListener("stop", function () {
          stopAll();
          var mime = recorder.mimeType || type || "audio/webm";
          var blob = new Blob(chunks, { type: mime });
          var file = new File([blob], "recording." + extensionFor(mime), { type: mime });
          var transfer = new DataTransfer();
          transfer.items.add(file);
          input.files = transfer.files;
          if (previewUrl) URL.revokeObjectURL(previewUrl);
          previewUrl = URL.createObjectURL(blob);
          preview.src = previewUrl;
          previewWrap.hidden = false;
          status.textContent = labels.recorded;
          form.dataset.recorded = "true";
          recordButton.textContent = labels.again;
          recordButton.disabled = false;
          stopButton.disabled = true;
        });
        recorder.start(250);
        form.dataset.recorded = "";
        status.textContent = labels.recording;
        recordButton.disabled = true;
        stopButton.disabled = false;
      }).catch(function () {
        status.textContent = labels.denied;
      });
    });

    stopButton.addEventListener("click", function () {
      if (recorder && recorder.state !== "inactive") recorder.stop();
    });
  }

  document.querySelectorAll("form[data-recorder]").forEach(setUp);
})();
