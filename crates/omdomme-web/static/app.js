// Omdømme's own behaviour, loaded after htmx. No inline scripts anywhere (the CSP forbids
// them), so anything a page needs beyond htmx attributes lives here.
(function () {
  "use strict";
  // Forms that change something important ask first: <form data-confirm="Sure?">.
  document.addEventListener("submit", function (event) {
    var form = event.target;
    var question = form && form.getAttribute && form.getAttribute("data-confirm");
    if (question && !window.confirm(question)) {
      event.preventDefault();
    }
  }, true);
  // <select data-autosubmit> submits its form when changed (filters, language).
  document.addEventListener("change", function (event) {
    var field = event.target;
    if (field && field.hasAttribute && field.hasAttribute("data-autosubmit") && field.form) {
      if (field.form.requestSubmit) { field.form.requestSubmit(); } else { field.form.submit(); }
    }
  });
  // Editing a date of <input data-custom-range> switches its form's range to custom dates.
  document.addEventListener("change", function (event) {
    var field = event.target;
    var range = field && field.hasAttribute && field.hasAttribute("data-custom-range") &&
      field.form && field.form.querySelector("select[name=range]");
    if (range) { range.value = "custom"; }
  });
})();
