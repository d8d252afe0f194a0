// Confirmation before irreversible steps: <form data-confirm="…">.
document.addEventListener("submit", function (event) {
  var form = event.target;
  var question = form.getAttribute && form.getAttribute("data-confirm");
  if (question && !window.confirm(question)) {
    event.preventDefault();
  }
}, true);

// Submit a form as soon as a choice changes, without an inline onchange= (which the CSP
// `script-src 'self'` blocks): <select name="status" data-autosubmit>. Keep a <noscript> button.
document.addEventListener("change", function (event) {
  var field = event.target;
  if (!field.hasAttribute || !field.hasAttribute("data-autosubmit") || !field.form) {
    return;
  }
  if (typeof field.form.requestSubmit === "function") {
    field.form.requestSubmit();  // runs submit listeners (data-confirm) like a button press
  } else {
    field.form.submit();
  }
});
