// Small behaviours for every page. The Content-Security-Policy allows no inline script or
// handler attribute, so they live here: a[data-back] goes back in history (its href is the
// fallback), button[data-print] prints the page, input[data-region-filter] narrows the region
// tree while typing (without script its Search button asks the server to).
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
  document.querySelectorAll("input[data-region-filter]").forEach(function (input) {
    var picker = input.closest("fieldset");
    input.addEventListener("input", function () {
      var needle = input.value.trim().toLowerCase();
      picker.querySelectorAll("details[data-region]").forEach(function (group) {
        var groupMatches = group.dataset.region.indexOf(needle) !== -1;
        var any = false;
        group.querySelectorAll("li[data-region]").forEach(function (item) {
          var show = !needle || groupMatches || item.dataset.region.indexOf(needle) !== -1;
          item.hidden = !show;
          any = any || show;
        });
        group.hidden = !(any || groupMatches);
        if (needle && !group.hidden) { group.open = true; }
      });
    });
  });
});
