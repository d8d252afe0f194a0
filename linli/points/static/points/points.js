// Points pages: a <select data-autosubmit> submits its form when changed (the CSP blocks
// inline onchange handlers). The form keeps its visible submit button for use without JS.
document.addEventListener("change", function (event) {
  var field = event.target;
  if (field && field.matches && field.matches("select[data-autosubmit]") && field.form) {
    field.form.submit();
  }
});
