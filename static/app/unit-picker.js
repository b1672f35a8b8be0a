/* Cooperating-unit picker on the task edit form: filter the checkbox tree by name, count what is picked. */
(function () {
  "use strict";
  document.querySelectorAll("[data-unit-picker]").forEach(function (picker) {
    var filter = picker.querySelector("[data-unit-filter]");
    var options = picker.querySelectorAll("[data-unit-option]");
    var none = picker.querySelector("[data-unit-none]");
    var count = picker.querySelector("[data-picked-count]");

    function recount() {
      count.textContent = picker.querySelectorAll("input[type=checkbox]:checked").length;
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
    recount();
  });
})();
