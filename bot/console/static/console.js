// The console's behaviour, from data attributes (the Content-Security-Policy allows no inline script).
//   <form data-confirm="…">        asks before submitting
//   <select data-autosubmit>        submits its form when changed
//   <button data-print>             prints the page
//   <button data-copy="text">       copies the text
//   <input type="hidden" data-mirror="id">  takes the value of the field with that id (or name) when
//                                   it changes (a checkbox: its value when ticked, else empty), so
//                                   a second form sends what the first one shows
//   <canvas data-chart="id">        a Chart.js chart from <script type="application/json" id="id">
//                                   (chart.js itself is loaded by the pages that draw one)
(function () {
  "use strict";

  document.addEventListener("submit", function (event) {
    var form = event.target;
    var question = form.getAttribute && form.getAttribute("data-confirm");
    if (question && !window.confirm(question)) {
      event.preventDefault();
    }
  }, true);

  document.addEventListener("change", function (event) {
    var field = event.target;
    var key = field.id || field.name;
    if (key) {
      document.querySelectorAll('input[data-mirror="' + key + '"]').forEach(function (mirror) {
        if (mirror === field) { return; }
        mirror.value = field.type === "checkbox" ? (field.checked ? field.value : "") : field.value;
      });
    }
    if (field.hasAttribute && field.hasAttribute("data-autosubmit") && field.form) {
      field.form.requestSubmit ? field.form.requestSubmit() : field.form.submit();
    }
  });

  document.addEventListener("click", function (event) {
    var target = event.target.closest ? event.target.closest("[data-print],[data-copy]") : null;
    if (!target) { return; }
    if (target.hasAttribute("data-print")) {
      event.preventDefault();
      window.print();
    } else if (navigator.clipboard) {
      event.preventDefault();
      navigator.clipboard.writeText(target.getAttribute("data-copy")).then(function () {
        var old = target.textContent;
        target.textContent = "คัดลอกแล้ว";
        setTimeout(function () { target.textContent = old; }, 1500);
      });
    }
  });

  function drawCharts(root) {
    if (!window.Chart) { return; }
    (root || document).querySelectorAll("canvas[data-chart]").forEach(function (canvas) {
      if (canvas.dataset.drawn) { return; }
      var source = document.getElementById(canvas.getAttribute("data-chart"));
      if (!source) { return; }
      var config = JSON.parse(source.textContent);
      config.options = config.options || {};
      config.options.maintainAspectRatio = false;
      config.options.animation = false;
      Chart.defaults.font.family = "Sarabun, Loma, sans-serif";
      new Chart(canvas, config);
      canvas.dataset.drawn = "1";
    });
  }

  document.addEventListener("DOMContentLoaded", function () { drawCharts(document); });
  document.addEventListener("htmx:afterSwap", function (event) { drawCharts(event.target); });
}());
