/* Evidence upload: drop several files on the zone (or pick them); the names are listed before sending. */
(function () {
  "use strict";
  document.querySelectorAll("[data-evidence-form]").forEach(function (form) {
    var zone = form.querySelector("[data-dropzone]");
    var input = form.querySelector("input[type=file]");
    var list = form.querySelector("[data-file-list]");
    if (!zone || !input) { return; }

    function showNames() {
      list.textContent = "";
      Array.prototype.forEach.call(input.files, function (file) {
        var item = document.createElement("li");
        item.textContent = file.name + " (" + Math.max(1, Math.round(file.size / 1024)) + " KB)";
        list.appendChild(item);
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
