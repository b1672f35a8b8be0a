/* Finding form: add and remove task rows of the formset, keeping the form indexes contiguous. */
(function () {
  "use strict";
  var form = document.getElementById("finding-form");
  if (!form) { return; }
  var rows = form.querySelector("[data-task-rows]");
  var template = form.querySelector("template[data-row-template]");
  var total = form.querySelector("input[name=tasks-TOTAL_FORMS]");
  var pattern = /tasks-(\d+|__prefix__)-/g;

  function renumber() {
    var all = rows.querySelectorAll("[data-task-row]");
    all.forEach(function (row, index) {
      row.querySelectorAll("[name], [id], [for]").forEach(function (el) {
        ["name", "id", "for"].forEach(function (attr) {
          var value = el.getAttribute(attr);
          if (value) { el.setAttribute(attr, value.replace(pattern, "tasks-" + index + "-")); }
        });
      });
      var number = row.querySelector("[data-row-number]");
      if (number) { number.textContent = index + 1; }
      var remove = row.querySelector("[data-remove-row]");
      if (remove) { remove.disabled = all.length === 1; }
    });
    total.value = all.length;
  }

  form.querySelector("[data-add-row]").addEventListener("click", function () {
    var fragment = template.content.cloneNode(true);
    rows.appendChild(fragment);
    var added = rows.lastElementChild;
    renumber();
    if (window.htmx) { window.htmx.process(added); }
    var first = added.querySelector("select, input, textarea");
    if (first) { first.focus(); }
  });

  rows.addEventListener("click", function (event) {
    var button = event.target.closest("[data-remove-row]");
    if (!button) { return; }
    button.closest("[data-task-row]").remove();
    renumber();
  });

  renumber();
})();
