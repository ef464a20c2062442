/* The print page's button (no inline script: the pages run under a strict CSP). */
(function () {
  "use strict";
  var button = document.getElementById("print-button");
  if (button) { button.addEventListener("click", function () { window.print(); }); }
}());
