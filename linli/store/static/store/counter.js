// Counter: scan the household's pickup QR code with the device camera (jsQR, offline).
// Without a camera or without this script the clerk types the code; nothing here is needed.
(function () {
  "use strict";
  var form = document.getElementById("counter-form");
  if (!form || typeof window.jsQR !== "function") return;
  var start = form.querySelector("[data-scan]");
  var view = form.querySelector("[data-scan-view]");
  var video = form.querySelector("[data-scan-video]");
  var error = form.querySelector("[data-scan-error]");
  var stop = form.querySelector("[data-scan-stop]");
  var input = document.getElementById("code");
  var media = navigator.mediaDevices;
  if (!start || !video || !media || typeof media.getUserMedia !== "function") return;
  var stream = null;
  var canvas = document.createElement("canvas");
  var context = canvas.getContext("2d", { willReadFrequently: true });

  function codeFrom(text) {
    // The QR code holds the counter URL with ?code=…; accept a bare code as well.
    var match = /[?&]code=([A-Za-z0-9]+)/.exec(text);
    return (match ? match[1] : text).replace(/[^A-Za-z0-9]/g, "").toUpperCase().slice(0, 16);
  }

  function halt() {
    if (stream) stream.getTracks().forEach(function (t) { t.stop(); });
    stream = null;
    view.hidden = true;
    start.hidden = false;
  }

  function tick() {
    if (!stream) return;
    if (video.readyState === video.HAVE_ENOUGH_DATA) {
      canvas.width = video.videoWidth;
      canvas.height = video.videoHeight;
      context.drawImage(video, 0, 0, canvas.width, canvas.height);
      var image = context.getImageData(0, 0, canvas.width, canvas.height);
      var found = window.jsQR(image.data, image.width, image.height, { inversionAttempts: "dontInvert" });
      if (found && found.data) {
        var code = codeFrom(found.data);
        if (code) {
          halt();
          input.value = code;
          form.submit();
          return;
        }
      }
    }
    window.requestAnimationFrame(tick);
  }

  // Offer the camera only where the device has one.
  if (typeof media.enumerateDevices === "function") {
    media.enumerateDevices().then(function (devices) {
      if (devices.some(function (d) { return d.kind === "videoinput"; })) start.hidden = false;
    }).catch(function () {});
  }

  start.addEventListener("click", function () {
    error.hidden = true;
    media.getUserMedia({ video: { facingMode: "environment" }, audio: false }).then(function (s) {
      stream = s;
      video.srcObject = s;
      view.hidden = false;
      start.hidden = true;
      return video.play();
    }).then(function () {
      window.requestAnimationFrame(tick);
    }).catch(function () {
      halt();
      view.hidden = false;
      error.hidden = false;
      input.focus();
    });
  });
  stop.addEventListener("click", halt);
})();
