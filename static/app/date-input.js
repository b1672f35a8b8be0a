/* Every [data-date-input] (inspections/widgets.py DateInput) gets the vendored flatpickr calendar in the page's
   language, always writing yyyy-mm-dd; typing stays allowed (allowInput), so keyboard users need no calendar.
   Content loaded by htmx later is enhanced too. */
(function () {
  "use strict";
  if (!window.flatpickr) { return; }
  var zh = (document.documentElement.lang || "").toLowerCase().indexOf("zh") === 0;
  function enhance(root) {
    var inputs = (root.querySelectorAll ? root : document).querySelectorAll(
      "input[data-date-input], input[data-datetime-input]");
    Array.prototype.forEach.call(inputs, function (input) {
      if (input._flatpickr) { return; }
      var withTime = input.hasAttribute("data-datetime-input");
      var picker = window.flatpickr(input, {
        dateFormat: withTime ? "Y-m-d H:i" : "Y-m-d",
        enableTime: withTime,
        time_24hr: true,
        allowInput: true,
        disableMobile: true,
        locale: zh && window.flatpickr.l10ns.zh ? "zh" : "default"
      });
      // A complete date typed (or pasted) closes the calendar, so it never stays open over the form's buttons.
      var complete = withTime ? /^\d{4}-\d{2}-\d{2} \d{2}:\d{2}$/ : /^\d{4}-\d{2}-\d{2}$/;
      input.addEventListener("input", function () {
        if (complete.test(input.value)) {
          picker.setDate(input.value, false);
          picker.close();
        }
      });
    });
  }
  enhance(document);
  document.addEventListener("htmx:load", function (event) { enhance(event.target); });
})();
