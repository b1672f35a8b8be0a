/* The task list's multi-choice filter buttons say what is chosen as the boxes are ticked (the htmx swap
   replaces only the table, so the button itself is updated here): none: "全部"; one or two: their names;
   more: "已选 N 项" (the template gives both words in the page's language as data attributes). */
(function () {
  "use strict";
  var NAMED = 2;
  function update(box) {
    var button = box.querySelector("[data-bs-toggle=dropdown]");
    var names = [];
    box.querySelectorAll("input[type=checkbox]:checked").forEach(function (input) {
      var label = box.querySelector("label[for='" + input.id + "']");
      names.push(label ? label.textContent.trim() : input.value);
    });
    if (!names.length) { button.textContent = button.dataset.labelAll; }
    else if (names.length <= NAMED) { button.textContent = names.join("、"); }
    else { button.textContent = button.dataset.labelMany.replace("%(n)s", String(names.length)); }
  }
  document.addEventListener("change", function (event) {
    var box = event.target.closest("[data-multi-filter]");
    if (box) { update(box); }
  });
})();
