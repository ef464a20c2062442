// Small behaviours for every page. The Content-Security-Policy allows no inline script or
// handler attribute, so they live here: a[data-back] goes back in history (its href is the
// fallback), button[data-print] prints the page.
document.addEventListener("DOMContentLoaded", function () {
  document.querySelectorAll("a[data-back]").forEach(function (link) {
    link.addEventListener("click", function (event) {
      if (window.history.length > 1) {
        event.preventDefault();
        window.history.back();
      }
    });
  });
  document.querySelectorAll("button[data-print]").forEach(function (button) {
    button.addEventListener("click", function () { window.print(); });
  });
});
