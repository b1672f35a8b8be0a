/* Evidence upload: drop several files on the zone (or pick them); each file is listed with its own type
   and description (file_kind / file_description, sent in the files' order; empty ones keep the common). */
(function () {
  "use strict";
  document.querySelectorAll("[data-evidence-form]").forEach(function (form) {
    var zone = form.querySelector("[data-dropzone]");
    var input = form.querySelector("input[type=file]");
    var list = form.querySelector("[data-file-list]");
    if (!zone || !input) { return; }

    var common = form.querySelector("select[name=kind]");
    var remembered = {};  // a file's type and description survive adding more files

    function remember() {
      list.querySelectorAll("[data-file-row]").forEach(function (row) {
        remembered[row.getAttribute("data-file-key")] = {
          kind: row.querySelector("select").value,
          description: row.querySelector("input").value
        };
      });
    }

    function showNames() {
      remember();
      list.textContent = "";
      Array.prototype.forEach.call(input.files, function (file, index) {
        var key = file.name + "/" + file.size;
        var kept = remembered[key] || { kind: "", description: "" };
        var item = document.createElement("li");
        item.className = "evidence-file-row";
        item.setAttribute("data-file-row", "");
        item.setAttribute("data-file-key", key);
        item.setAttribute("data-testid", "evidence-file-row");
        var name = document.createElement("div");
        name.className = "text-break fw-semibold";
        name.textContent = file.name + " (" + Math.max(1, Math.round(file.size / 1024)) + " KB)";
        var row = document.createElement("div");
        row.className = "row g-1";
        var kindCol = document.createElement("div");
        kindCol.className = "col-5";
        var kind = document.createElement("select");
        kind.name = "file_kind";
        kind.className = "form-select form-select-sm";
        kind.setAttribute("aria-label", list.getAttribute("data-kind-label") + "：" + file.name);
        var same = document.createElement("option");
        same.value = "";
        same.textContent = "—";
        kind.appendChild(same);
        Array.prototype.forEach.call(common ? common.options : [], function (option) {
          kind.appendChild(new Option(option.textContent, option.value));
        });
        kind.value = kept.kind;
        kindCol.appendChild(kind);
        var textCol = document.createElement("div");
        textCol.className = "col-7";
        var text = document.createElement("input");
        text.type = "text";
        text.name = "file_description";
        text.maxLength = 300;
        text.className = "form-control form-control-sm";
        text.placeholder = list.getAttribute("data-description-placeholder");
        text.setAttribute("aria-label", list.getAttribute("data-description-label") + "：" + file.name);
        text.value = kept.description;
        textCol.appendChild(text);
        row.appendChild(kindCol);
        row.appendChild(textCol);
        item.appendChild(name);
        item.appendChild(row);
        list.appendChild(item);
        kind.setAttribute("data-index", index);
      });
    }

    function addFiles(files) {
      var merged = new DataTransfer();
      Array.prototype.forEach.call(input.files, function (f) { merged.items.add(f); });
      Array.prototype.forEach.call(files, function (f) { merged.items.add(f); });
      input.files = merged.files;
      showNames();
    }

    ["dragenter", "dragover"].forEach(function (name) {
      zone.addEventListener(name, function (event) {
        event.preventDefault();
        zone.classList.add("dropzone-active");
      });
    });
    ["dragleave", "drop"].forEach(function (name) {
      zone.addEventListener(name, function () { zone.classList.remove("dropzone-active"); });
    });
    zone.addEventListener("drop", function (event) {
      event.preventDefault();
      if (event.dataTransfer && event.dataTransfer.files.length) { addFiles(event.dataTransfer.files); }
    });
    input.addEventListener("change", showNames);
  });
})();
