/* Cooperating-unit picker on the task edit form: filter the checkbox tree by name, count what is picked,
   and keep the lead unit out of it (the service would drop it anyway: a unit leads or helps, not both). */
(function () {
  "use strict";
  document.querySelectorAll("[data-unit-picker]").forEach(function (picker) {
    var filter = picker.querySelector("[data-unit-filter]");
    var options = picker.querySelectorAll("[data-unit-option]");
    var boxes = picker.querySelectorAll("input[type=checkbox]");
    var none = picker.querySelector("[data-unit-none]");
    var count = picker.querySelector("[data-picked-count]");
    var lead = document.querySelector(picker.getAttribute("data-lead-select"));

    function recount() {
      count.textContent = picker.querySelectorAll("input[type=checkbox]:checked").length;
    }

    function excludeLead() {
      boxes.forEach(function (box) {
        box.disabled = Boolean(lead) && box.value === lead.value;
        if (box.disabled) { box.checked = false; }
      });
      recount();
    }

    filter.addEventListener("input", function () {
      var query = filter.value.trim().toLowerCase();
      var shown = 0;
      options.forEach(function (option) {
        var match = !query || option.textContent.toLowerCase().indexOf(query) !== -1;
        option.hidden = !match;
        shown += match ? 1 : 0;
      });
      none.hidden = shown > 0;
    });
    // Enter in the filter box narrows the list; it must not submit the form.
    filter.addEventListener("keydown", function (event) {
      if (event.key === "Enter") { event.preventDefault(); }
    });
    picker.addEventListener("change", recount);
    if (lead) { lead.addEventListener("change", excludeLead); }
    excludeLead();
  });
})();
