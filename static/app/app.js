/* Behaviour every page may use, wired by data-attributes: the Content-Security-Policy forbids inline
   on*= handlers, so templates mark elements and this file attaches the listeners.
     data-submit-on-change  on a form control: submit its form when the value changes (language switch)
     data-print-page        on a button: open the browser's print dialog (dispatch report) */
(function () {
  "use strict";
  document.addEventListener("change", function (event) {
    var control = event.target.closest("[data-submit-on-change]");
    if (control && control.form) { control.form.submit(); }
  });
  document.addEventListener("click", function (event) {
    if (event.target.closest("[data-print-page]")) { window.print(); }
  });
})();
