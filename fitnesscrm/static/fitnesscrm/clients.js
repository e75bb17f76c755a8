// Client pages: list selection and bulk actions, the lead board, the lead stage form.
// Everything here improves forms that already work without JavaScript.
(function () {
  "use strict";

  // --- Client list: selection and bulk actions ------------------------------------------
  // The results are swapped in by htmx, so listeners are delegated from the document.

  function bulkForm() {
    return document.querySelector("[data-bulk-form]");
  }

  function selectedIds(form) {
    return Array.prototype.map.call(
      form.querySelectorAll("[data-select-row]:checked"),
      function (box) { return box.value; }
    );
  }

  function refreshBulk() {
    var form = bulkForm();
    if (!form) { return; }
    var ids = selectedIds(form);
    var rows = form.querySelectorAll("[data-select-row]");
    var all = form.querySelector("[data-select-all]");
    if (all) {
      all.checked = rows.length > 0 && ids.length === rows.length;
      all.indeterminate = ids.length > 0 && ids.length < rows.length;
    }
    var count = form.querySelector("[data-bulk-count]");
    if (count) {
      count.textContent = ids.length + " selected";
      count.classList.toggle("d-none", ids.length === 0);
    }
    var action = form.querySelector("[data-bulk-action]");
    var chosen = action ? action.value : "";
    form.querySelectorAll("[data-bulk-for]").forEach(function (el) {
      var shown = el.getAttribute("data-bulk-for") === chosen;
      el.classList.toggle("d-none", !shown);
      el.disabled = !shown;
    });
    var apply = form.querySelector("[data-bulk-apply]");
    if (apply) { apply.disabled = ids.length === 0 || !chosen; }
    // The export link: the selection when there is one, else the filtered list.
    var link = form.querySelector("[data-export-link]");
    if (link) {
      var base = link.getAttribute("data-export-base");
      if (ids.length) {
        var sep = base.indexOf("?") === -1 ? "?" : "&";
        link.href = base + sep + "ids=" + ids.map(encodeURIComponent).join(",");
        link.textContent = "Export " + ids.length + " selected";
      } else {
        link.href = base;
        link.textContent = "Export CSV";
      }
    }
  }

  document.addEventListener("change", function (event) {
    var target = event.target;
    if (!(target instanceof HTMLElement) || !target.closest("[data-bulk-form]")) { return; }
    if (target.hasAttribute("data-select-all")) {
      bulkForm().querySelectorAll("[data-select-row]").forEach(function (box) {
        box.checked = target.checked;
      });
    }
    refreshBulk();
  });

  document.addEventListener("submit", function (event) {
    var form = event.target;
    if (!(form instanceof HTMLFormElement) || !form.hasAttribute("data-bulk-form")) { return; }
    var ids = selectedIds(form);
    var action = form.querySelector("[data-bulk-action]");
    var label = action ? action.options[action.selectedIndex].text.toLowerCase() : "";
    if (!window.confirm("Apply “" + label + "” to " + ids.length + " client" + (ids.length === 1 ? "" : "s") + "?")) {
      event.preventDefault();
    }
  });

  document.addEventListener("htmx:afterSwap", refreshBulk);

  // --- Lead stage: the reason field only matters for "lost" -------------------------------

  function showReason(select, box) {
    if (box) { box.classList.toggle("d-none", select.value !== "lost"); }
  }

  // --- Lead board ---------------------------------------------------------------------

  var lostModal = null;

  function askWhyLost(card) {
    var modalEl = document.getElementById("lost-modal");
    var moveForm = card.querySelector("[data-move-form]");
    if (!modalEl || !moveForm || !window.bootstrap) {
      return false;
    }
    var form = modalEl.querySelector("[data-lost-form]");
    form.action = moveForm.action;
    var name = card.querySelector("a");
    modalEl.querySelector("[data-lost-name]").textContent = name ? name.textContent.trim() : "this lead";
    form.querySelector("[name=lost_reason]").value = "";
    lostModal = lostModal || new window.bootstrap.Modal(modalEl);
    modalEl.addEventListener("shown.bs.modal", function focus() {
      form.querySelector("[name=lost_reason]").focus();
      modalEl.removeEventListener("shown.bs.modal", focus);
    });
    lostModal.show();
    return true;
  }

  function moveCard(card, stage) {
    var form = card.querySelector("[data-move-form]");
    var select = form.querySelector("[data-move-select]");
    if (stage === "lost" && askWhyLost(card)) {
      select.value = select.querySelector("option[selected]") ? select.querySelector("option[selected]").value : select.value;
      return;
    }
    select.value = stage;
    card.classList.add("fc-moving");
    form.requestSubmit ? form.requestSubmit() : form.submit();
  }

  function setUpBoard(board) {
    var dragged = null;
    board.querySelectorAll("[data-move-form]").forEach(function (form) {
      // With JavaScript a stage change moves the card at once; "lost" asks why first.
      form.querySelector("[data-move-button]").classList.add("d-none");
      form.querySelector("[data-move-reason]").classList.add("d-none");
      var select = form.querySelector("[data-move-select]");
      select.addEventListener("change", function () {
        moveCard(form.closest("[data-card]"), select.value);
      });
    });
    board.querySelectorAll("[data-card]").forEach(function (card) {
      card.addEventListener("dragstart", function (event) {
        dragged = card;
        card.classList.add("fc-dragging");
        event.dataTransfer.effectAllowed = "move";
        event.dataTransfer.setData("text/plain", card.querySelector("a").href);
      });
      card.addEventListener("dragend", function () {
        card.classList.remove("fc-dragging");
        board.querySelectorAll(".fc-drop-target").forEach(function (el) { el.classList.remove("fc-drop-target"); });
      });
    });
    board.querySelectorAll("[data-stage]").forEach(function (column) {
      column.addEventListener("dragover", function (event) {
        if (!dragged) { return; }
        event.preventDefault();
        event.dataTransfer.dropEffect = "move";
        column.classList.add("fc-drop-target");
      });
      column.addEventListener("dragleave", function (event) {
        if (!column.contains(event.relatedTarget)) { column.classList.remove("fc-drop-target"); }
      });
      column.addEventListener("drop", function (event) {
        event.preventDefault();
        column.classList.remove("fc-drop-target");
        var card = dragged;
        dragged = null;
        if (!card || card.closest("[data-stage]") === column) { return; }
        moveCard(card, column.getAttribute("data-stage"));
      });
    });
  }

  document.addEventListener("DOMContentLoaded", function () {
    refreshBulk();

    var stageForm = document.querySelector("[data-stage-form]");
    if (stageForm) {
      var select = stageForm.querySelector("[data-stage-select]");
      var box = stageForm.querySelector("[data-lost-reason]");
      showReason(select, box);
      select.addEventListener("change", function () { showReason(select, box); });
    }

    var board = document.querySelector("[data-board]");
    if (board) { setUpBoard(board); }

    // Trainer colour swatches: the CSP allows no style attributes, so colours are set here.
    document.querySelectorAll("[data-colour]").forEach(function (el) {
      var colour = el.getAttribute("data-colour");
      if (/^#[0-9a-fA-F]{6}$/.test(colour)) { el.style.backgroundColor = colour; }
    });
  });
})();
