// The schedule's calendar: FullCalendar over the page's JSON events; dragging or resizing a
// session posts the new time to the page, and a refusal is shown while the session goes back.
//
// FullCalendar runs in UTC mode and is given the gym's local wall-clock times, so what it
// shows and what it sends back are the gym's times whatever the browser's time zone.
(function () {
  "use strict";

  function show(box, text) {
    if (!box) { return; }
    box.textContent = text;
    box.classList.toggle("d-none", !text);
  }

  // A Date of FullCalendar's UTC mode as the gym's wall-clock time: "2026-03-02T07:00:00".
  function wallClock(date) {
    return date.toISOString().slice(0, 19);
  }

  function describe(event) {
    var props = event.extendedProps;
    return [props.trainer, props.room, props.seats + " booked", props.status]
      .filter(Boolean).join(" · ");
  }

  function init() {
    var el = document.getElementById("calendar");
    var configEl = document.getElementById("calendar-config");
    if (!el || !configEl || !window.FullCalendar) { return; }
    var config = JSON.parse(configEl.textContent);
    var errorBox = document.getElementById("calendar-error");
    var noticeBox = document.getElementById("calendar-notice");
    var phone = window.matchMedia("(max-width: 767.98px)").matches;
    var calendar;

    function move(info) {
      show(errorBox, "");
      show(noticeBox, "");
      var event = info.event;
      var end = event.end || new Date(event.start.getTime() + 60 * 60 * 1000);
      var body = new URLSearchParams();
      body.set("start", wallClock(event.start));
      body.set("end", wallClock(end));
      el.setAttribute("aria-busy", "true");
      fetch(event.extendedProps.move, {
        method: "POST",
        credentials: "same-origin",
        headers: { "X-CSRFToken": el.dataset.csrf, "Accept": "application/json" },
        body: body
      }).then(function (response) {
        return response.json().then(function (data) {
          return { ok: response.ok, data: data };
        });
      }).then(function (result) {
        if (result.ok) {
          show(noticeBox, result.data.detail);
          if (result.data.event) {
            event.setExtendedProp("seats", result.data.event.extendedProps.seats);
          }
        } else {
          info.revert();
          show(errorBox, result.data.detail || "The session could not be moved.");
        }
      }).catch(function () {
        info.revert();
        show(errorBox, "The session could not be moved: the connection failed. Try again.");
      }).finally(function () {
        el.removeAttribute("aria-busy");
      });
    }

    calendar = new FullCalendar.Calendar(el, {
      timeZone: "UTC",
      now: config.now || undefined,
      initialView: config.view || (phone ? "listWeek" : "timeGridWeek"),
      initialDate: config.date || undefined,
      headerToolbar: phone
        ? { left: "prev,next", center: "title", right: "today" }
        : { left: "prev,next today", center: "title", right: "dayGridMonth,timeGridWeek,timeGridDay,listWeek" },
      footerToolbar: phone ? { center: "listWeek,timeGridDay,dayGridMonth" } : false,
      // Our own labels: FullCalendar's icon font is a data: URL the page's policy refuses.
      buttonIcons: false,
      buttonText: {
        prev: "‹", next: "›", today: "Today",
        month: "Month", week: "Week", day: "Day", list: "List"
      },
      buttonHints: { prev: "Previous $0", next: "Next $0" },
      firstDay: 1,
      nowIndicator: true,
      allDaySlot: false,
      slotMinTime: "05:00:00",
      slotMaxTime: "23:00:00",
      scrollTime: "06:00:00",
      height: "auto",
      expandRows: true,
      eventTimeFormat: { hour: "2-digit", minute: "2-digit", hour12: false },
      slotLabelFormat: { hour: "2-digit", minute: "2-digit", hour12: false },
      editable: true,
      eventStartEditable: true,
      eventDurationEditable: true,
      snapDuration: "00:15:00",
      events: {
        url: config.events,
        extraParams: config.filters,
        failure: function () { show(errorBox, "The sessions could not be loaded. Reload the page."); }
      },
      eventDrop: move,
      eventResize: move,
      // The filter form carries the view and period shown, so "Show" keeps them.
      datesSet: function (info) {
        var view = document.querySelector("[data-calendar-field=view]");
        var date = document.querySelector("[data-calendar-field=date]");
        if (view) { view.value = info.view.type; }
        if (date) { date.value = wallClock(info.view.currentStart).slice(0, 10); }
      },
      dateClick: function (info) {
        var day = wallClock(info.date);
        var query = "?date=" + day.slice(0, 10);
        if (!info.allDay) { query += "&time=" + day.slice(11, 16); }
        window.location.href = el.dataset.newUrl + query;
      },
      eventDidMount: function (info) {
        info.el.setAttribute("data-testid", "session-event");
        info.el.setAttribute("data-session-id", info.event.id);
        info.el.title = info.event.title + " — " + describe(info.event);
        var frame = info.el.querySelector(".fc-event-main-frame");
        if (frame && info.view.type.indexOf("timeGrid") === 0) {
          var meta = document.createElement("div");
          meta.className = "fc-session-meta";
          meta.textContent = describe(info.event);
          frame.appendChild(meta);
        }
      }
    });
    calendar.render();
  }

  // The session form: choosing a class type fills in its title, length and capacity,
  // unless the person typed their own (a field still holding the last preset is refilled).
  function presets() {
    var form = document.querySelector("[data-class-presets]");
    var data = document.getElementById("class-presets");
    if (!form || !data) { return; }
    var types = JSON.parse(data.textContent);
    var select = form.querySelector("[name=class_type]");
    if (!select) { return; }
    var fields = { title: "title", duration: "duration_minutes", capacity: "capacity" };
    var last = types[select.value] || {};
    select.addEventListener("change", function () {
      var chosen = types[select.value] || {};
      Object.keys(fields).forEach(function (key) {
        var input = form.querySelector("[name=" + fields[key] + "]");
        if (!input || chosen[key] === undefined) { return; }
        if (input.value === "" || input.value === String(last[key])) {
          input.value = chosen[key];
        }
      });
      last = chosen;
    });
  }

  document.addEventListener("DOMContentLoaded", init);
  document.addEventListener("DOMContentLoaded", presets);
})();
