// Progressive enhancement only: every feature works without this file.
(function () {
  "use strict";
  // Filter long facet lists as you type.
  document.querySelectorAll(".facet-filter").forEach(function (input) {
    input.hidden = false;  // useful only with this script, so shown only with it
    var list = document.getElementById(input.dataset.target);
    input.addEventListener("input", function () {
      var needle = input.value.toLowerCase();
      list.querySelectorAll("li").forEach(function (li) {
        li.hidden = needle && li.textContent.toLowerCase().indexOf(needle) === -1;
      });
    });
  });
  // Facet links behave as checkboxes for the keyboard: Space toggles like Enter.
  document.querySelectorAll(".facet-value").forEach(function (a) {
    a.addEventListener("keydown", function (ev) {
      if (ev.key === " ") { ev.preventDefault(); a.click(); }
    });
  });
  // "Back to results" returns to the exact previous state when we came from a search.
  document.querySelectorAll("[data-back]").forEach(function (a) {
    if (document.referrer && new URL(document.referrer).origin === location.origin) {
      a.addEventListener("click", function (ev) { ev.preventDefault(); history.back(); });
    }
  });
  // Search as you type, debounced; the URL stays the source of truth.
  var q = document.getElementById("q");
  if (q && q.form) {
    var timer = null;
    q.addEventListener("input", function () {
      clearTimeout(timer);
      timer = setTimeout(function () {
        if (q.value.length === 0 || q.value.length >= 3) { q.form.requestSubmit(); }
      }, 450);
    });
  }
})();
