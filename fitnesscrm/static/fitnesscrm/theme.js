// Colour mode: the saved choice, else the system's; applied before the page paints.
(function () {
  "use strict";
  var stored = null;
  try { stored = localStorage.getItem("fitnesscrm-theme"); } catch (e) { /* private mode */ }
  var prefersDark = window.matchMedia && window.matchMedia("(prefers-color-scheme: dark)").matches;
  document.documentElement.setAttribute("data-bs-theme", stored || (prefersDark ? "dark" : "light"));
})();
