// Behaviour shared by every page. No inline scripts: the CSP forbids them.
(function () {
  "use strict";

  function currentTheme() {
    return document.documentElement.getAttribute("data-bs-theme") || "light";
  }

  function showTheme(button) {
    var dark = currentTheme() === "dark";
    button.setAttribute("aria-pressed", dark ? "true" : "false");
    var label = dark ? "Light mode" : "Dark mode";
    button.querySelector("[data-theme-label]").textContent = label;
    button.setAttribute("title", "Switch to " + label.toLowerCase());
  }

  document.addEventListener("DOMContentLoaded", function () {
    var button = document.getElementById("theme-toggle");
    if (button) {
      showTheme(button);
      button.addEventListener("click", function () {
        var next = currentTheme() === "dark" ? "light" : "dark";
        document.documentElement.setAttribute("data-bs-theme", next);
        try { localStorage.setItem("fitnesscrm-theme", next); } catch (e) { /* ignore */ }
        showTheme(button);
      });
    }

    // Copy-to-clipboard buttons (the new API key).
    document.querySelectorAll("[data-copy-target]").forEach(function (el) {
      el.addEventListener("click", function () {
        var target = document.getElementById(el.getAttribute("data-copy-target"));
        if (target && navigator.clipboard) {
          navigator.clipboard.writeText(target.value || target.textContent).then(function () {
            el.textContent = "Copied";
          });
        }
      });
    });

    // Ask before destructive actions: <form data-confirm="…">.
    document.querySelectorAll("form[data-confirm]").forEach(function (form) {
      form.addEventListener("submit", function (event) {
        if (!window.confirm(form.getAttribute("data-confirm"))) {
          event.preventDefault();
        }
      });
    });
  });
})();
