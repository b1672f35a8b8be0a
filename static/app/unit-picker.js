/* The one unit picker (inspections/unit_picker.py): filter the unit tree by name, count or name what is
   picked, and keep a row's lead unit out of its cooperating units (the service drops it anyway: a unit
   leads or helps, not both). Event delegation, so rows the finding form adds later work as well. */
(function () {
  "use strict";

  function leadSelect(picker) {
    var field = picker.getAttribute("data-lead-field");
    if (!field) { return null; }
    var scope = picker.closest("[data-task-row]") || picker.closest("form") || document;
    return scope.querySelector("select[name$='" + field + "']");
  }

  function sync(picker) {
    var lead = leadSelect(picker);
    picker.querySelectorAll("input[type=checkbox]").forEach(function (box) {
      box.disabled = Boolean(lead) && lead.value !== "" && box.value === lead.value;
      if (box.disabled) { box.checked = false; }
    });
    var count = picker.querySelector("[data-picked-count]");
    if (count) { count.textContent = picker.querySelectorAll("input[type=checkbox]:checked").length; }
    var summary = picker.querySelector("[data-picked-summary]");
    if (summary) {
      var names = [];
      picker.querySelectorAll("input:checked").forEach(function (input) {
        if (input.value !== "") { names.push(picker.querySelector("label[for='" + input.id + "']").textContent.trim()); }
      });
      summary.textContent = names.length ? names.join("、") : summary.getAttribute("data-empty");
    }
  }

  function filter(input) {
    var picker = input.closest("[data-unit-picker]");
    var query = input.value.trim().toLowerCase();
    var shown = 0;
    picker.querySelectorAll("[data-unit-option]").forEach(function (option) {
      var match = !query || option.hasAttribute("data-unit-empty") ||
        option.textContent.toLowerCase().indexOf(query) !== -1;
      option.hidden = !match;
      shown += match && !option.hasAttribute("data-unit-empty") ? 1 : 0;
    });
    picker.querySelector("[data-unit-none]").hidden = shown > 0;
  }

  document.addEventListener("input", function (event) {
    if (event.target.matches("[data-unit-filter]")) { filter(event.target); }
  });
  // Enter in the filter box narrows the list; it must not submit the form. Escape folds a folded picker.
  document.addEventListener("keydown", function (event) {
    if (event.key === "Enter" && event.target.matches("[data-unit-filter]")) { event.preventDefault(); }
    if (event.key === "Escape") {
      var open = event.target.closest("[data-unit-picker] details[open]");
      if (open) { open.open = false; open.querySelector("summary").focus(); }
    }
  });
  document.addEventListener("change", function (event) {
    var picker = event.target.closest("[data-unit-picker]");
    if (picker) {
      sync(picker);
      // A single pick in a folded picker (a filter bar) is done: fold it, so it covers nothing below.
      var details = picker.querySelector("details");
      if (details && event.target.type === "radio") {
        details.open = false;
        details.querySelector("summary").focus();
      }
      return;
    }
    if (event.target.matches("select")) {
      document.querySelectorAll("[data-unit-picker][data-lead-field]").forEach(function (p) {
        if (leadSelect(p) === event.target) { sync(p); }
      });
    }
  });
  document.querySelectorAll("[data-unit-picker]").forEach(sync);
})();
