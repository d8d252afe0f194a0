// Service orders. No inline handlers (the CSP allows only scripts from 'self').
(function () {
  "use strict";

  // <select data-autosubmit> is handled once for every page by app.js.

  // <form data-geolocate>: fill the hidden latitude/longitude fields from the phone, if the
  // volunteer allows it. Check-in works without a location; staff only see a flag when a
  // location far from the address was sent.
  function locate(form) {
    var status = form.querySelector("[data-geo-status]");
    if (!navigator.geolocation) { return; }
    navigator.geolocation.getCurrentPosition(function (pos) {
      form.querySelector("input[name=latitude]").value = pos.coords.latitude.toFixed(6);
      form.querySelector("input[name=longitude]").value = pos.coords.longitude.toFixed(6);
      if (status) { status.textContent = status.getAttribute("data-found") || ""; }
    }, function () {
      if (status) { status.textContent = status.getAttribute("data-missing") || ""; }
    }, {enableHighAccuracy: true, timeout: 10000, maximumAge: 60000});
  }

  function ready() {
    var forms = document.querySelectorAll("form[data-geolocate]");
    for (var i = 0; i < forms.length; i++) { locate(forms[i]); }
  }

  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", ready);
  } else {
    ready();
  }
})();
