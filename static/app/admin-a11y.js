// The Django admin renders some controls without an accessible name (issue 18 item 2): the cells of a tabular
// inline (the column header is the only label), the date and time parts of a split date/time field, and select2's
// autocomplete box and search field. Each gets the name a sighted user reads beside it; rows added later
// ("添加另一个") and select2's re-rendering are named again.
(function () {
  "use strict";

  function clean(text) {
    return (text || "").replace(/\s+/g, " ").replace(/[:：]\s*$/, "").trim();
  }

  function ensureId(element, prefix) {
    if (!element.id) {
      ensureId.serial = (ensureId.serial || 0) + 1;
      element.id = prefix + "-" + ensureId.serial;
    }
    return element.id;
  }

  // The element whose text names `control`: its column header in a tabular inline, else its field's label.
  function namingElement(control) {
    const cell = control.closest("td");
    if (cell && cell.closest("table")) {
      const field = Array.from(cell.classList).find((c) => c.startsWith("field-"));
      const table = cell.closest("table");
      if (field) {
        const header = table.querySelector("thead th.column-" + CSS.escape(field.slice(6)));
        if (header) return header;
      }
      if (control.name && /-DELETE$/.test(control.name)) {
        const headers = table.querySelectorAll("thead th");
        if (headers.length) return headers[headers.length - 1];
      }
    }
    const row = control.closest(".form-row, .fieldBox, .flex-container");
    return row ? row.querySelector("label") : null;
  }

  function hasName(control) {
    return (
      (control.labels && control.labels.length > 0) ||
      control.hasAttribute("aria-label") ||
      control.hasAttribute("aria-labelledby") ||
      control.hasAttribute("title")
    );
  }

  function nameControl(control) {
    if (control.type === "hidden" || hasName(control)) return;
    const naming = namingElement(control);
    let name = naming ? clean(naming.textContent) : "";
    // A split date/time: "日期: <input> 时间: <input>" — the part's own word follows the field's name.
    const before = control.previousSibling;
    if (control.closest("p.datetime") && before && before.nodeType === Node.TEXT_NODE && clean(before.textContent)) {
      name = clean(name + " " + clean(before.textContent));
    }
    if (name) control.setAttribute("aria-label", name);
  }

  function nameSelect2(container) {
    const select = container.previousElementSibling;
    if (!select || select.tagName !== "SELECT") return;
    nameControl(select);
    const name = select.getAttribute("aria-label") || (select.labels && select.labels[0] && clean(select.labels[0].textContent));
    const naming = select.labels && select.labels[0] ? select.labels[0] : null;
    container.querySelectorAll(".select2-selection[role=combobox]").forEach((box) => {
      // select2 names the box by its shown value only (empty when nothing is chosen): the field's name comes first.
      const shown = box.getAttribute("aria-labelledby") || "";
      if (naming) {
        const labelId = ensureId(naming, "admin-label");
        if (!shown.split(" ").includes(labelId)) box.setAttribute("aria-labelledby", (labelId + " " + shown).trim());
      } else if (name && !box.hasAttribute("aria-label")) {
        box.removeAttribute("aria-labelledby");
        box.setAttribute("aria-label", name);
      }
    });
    // The box's inner value (role=textbox) is named by the field too.
    container.querySelectorAll(".select2-selection__rendered[role=textbox]").forEach((value) => {
      if (value.hasAttribute("aria-label") || value.hasAttribute("aria-labelledby")) return;
      if (naming) value.setAttribute("aria-labelledby", ensureId(naming, "admin-label"));
      else if (name) value.setAttribute("aria-label", name);
    });
    container.querySelectorAll(".select2-search__field").forEach((field) => {
      if (name && !field.hasAttribute("aria-label")) field.setAttribute("aria-label", name);
    });
  }

  function nameAll() {
    document.querySelectorAll("#content input, #content select, #content textarea").forEach(nameControl);
    document.querySelectorAll("#content .select2-container").forEach(nameSelect2);
  }

  let pending = false;
  function later() {
    if (pending) return;
    pending = true;
    window.requestAnimationFrame(() => {
      pending = false;
      nameAll();
    });
  }

  function start() {
    nameAll();
    const content = document.getElementById("content");
    if (content) new MutationObserver(later).observe(content, { childList: true, subtree: true });
  }

  if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", start);
  else start();
  window.addEventListener("load", later);
})();
