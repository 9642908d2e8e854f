// ปฏิญญา: a live character count under the pledge text (<textarea data-count="id of the counter">).
(function () {
  "use strict";

  function show(field) {
    var counter = document.getElementById(field.getAttribute("data-count"));
    if (!counter) { return; }
    var limit = parseInt(field.getAttribute("maxlength") || "0", 10);
    var used = field.value.trim().length;
    counter.textContent = limit ? used.toLocaleString("th-TH") + " / " + limit.toLocaleString("th-TH") + " ตัวอักษร"
                                : used.toLocaleString("th-TH") + " ตัวอักษร";
    counter.classList.toggle("counter-over", limit > 0 && used > limit);
  }

  document.addEventListener("input", function (event) {
    if (event.target.hasAttribute && event.target.hasAttribute("data-count")) { show(event.target); }
  });
  document.addEventListener("DOMContentLoaded", function () {
    document.querySelectorAll("textarea[data-count]").forEach(show);
  });
}());
