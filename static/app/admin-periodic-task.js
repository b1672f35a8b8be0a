/* django-celery-beat's periodic-task admin form: under the crontab field, say what the chosen schedule
   means in words. Its inline script, moved to a file for the Content-Security-Policy (see
   templates/admin/djcelery/change_periodictask_form.html); the words are set as text, not as HTML. */
(function ($) {
  "use strict";
  var readable = JSON.parse(document.getElementById("readable-crontabs").textContent);
  var script = document.getElementById("periodic-task-overrides");
  var help = script.getAttribute("data-crontab-help") || "";
  var label = script.getAttribute("data-crontab-label") || "";

  $(".field-crontab_translation").hide();
  $(".field-crontab").change(function () {
    var words = readable[$("#id_crontab").val()];
    $(".field-crontab .help").text(help).append("<br>", document.createTextNode(label + words));
  });
})(django.jQuery);
