// The program builder: exercises are dragged into order (SortableJS), within a day or onto
// another day of the week; the drop posts the new order of the day it landed on with htmx,
// and the server answers with the week re-rendered (or with its refusal, shown in place).
(function () {
  "use strict";

  var REFUSALS = [400, 409];

  function ids(list) {
    return Array.prototype.map.call(list.querySelectorAll(":scope > .fc-pe"), function (el) {
      return el.getAttribute("data-id");
    });
  }

  function sendOrder(list) {
    list.setAttribute("aria-busy", "true");
    window.htmx.ajax("POST", list.getAttribute("data-reorder-url"), {
      source: list,
      target: "#week-panel",
      swap: "outerHTML",
      values: { order: ids(list).join(",") }
    });
  }

  function makeSortable(panel) {
    if (!window.Sortable || !panel.hasAttribute("data-editable")) { return; }
    panel.querySelectorAll(".fc-day-exercises").forEach(function (list) {
      window.Sortable.create(list, {
        group: "program-days",
        draggable: ".fc-pe",
        handle: ".fc-drag",
        animation: 120,
        forceFallback: true,
        fallbackOnBody: true,
        ghostClass: "fc-pe-ghost",
        chosenClass: "fc-pe-chosen",
        // Sortable marks the chosen card with an inline style, then clones the card for the
        // ghost: a clone carrying a style attribute is refused by the CSP, so drop it first.
        onChoose: function (event) {
          event.item.removeAttribute("style");
        },
        onEnd: function (event) {
          if (event.from === event.to && event.oldIndex === event.newIndex) { return; }
          sendOrder(event.to);
        }
      });
    });
  }

  // Deferred like htmx, this runs before htmx's first "load" of the page, so onLoad sees it
  // as well as every fragment swapped in later.
  if (!window.htmx) { return; }
  // htmx carries an element's old style attribute over to its new copy while it settles; the
  // CSP refuses style attributes, and the builder needs no transitions: settle classes only.
  window.htmx.config.attributesToSettle = ["class", "width", "height"];
  window.htmx.onLoad(function (content) {
    var panel = content.id === "week-panel" ? content : content.querySelector("#week-panel");
    if (panel) { makeSortable(panel); }
  });
  // A refusal (400, 409) carries the fragment with the message at its place: show it.
  document.addEventListener("htmx:beforeSwap", function (event) {
    if (REFUSALS.indexOf(event.detail.xhr.status) !== -1) {
      event.detail.shouldSwap = true;
      event.detail.isError = false;
    }
  });
})();
