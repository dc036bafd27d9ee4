// Enhancements only: every action works without this script.
document.addEventListener("DOMContentLoaded", function () {
  // Portfolio filters: apply as soon as a select changes.
  document.querySelectorAll("form[data-autosubmit] select").forEach(function (select) {
    select.addEventListener("change", function () { select.form.requestSubmit(); });
  });
});
