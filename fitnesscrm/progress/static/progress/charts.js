/* Progress charts: reads the series from the json_script element #progress-chart-data
   and draws each <canvas data-chart="..."> with Chart.js (loaded before this file). */
(function () {
  "use strict";

  var COLOURS = ["#0d6efd", "#dc3545", "#198754", "#fd7e14", "#6f42c1", "#20c997"];

  var DAY = 86400000;

  /* Tick labels: day and month over a short span, month and year over a long one. */
  function dateLabeller(longSpan) {
    var format = longSpan ? { month: "short", year: "numeric", timeZone: "UTC" } : { day: "numeric", month: "short", timeZone: "UTC" };
    return function (value) { return new Date(value).toLocaleDateString(undefined, format); };
  }

  function fullDate(value) {
    return new Date(value).toLocaleDateString(undefined, { day: "numeric", month: "short", year: "numeric", timeZone: "UTC" });
  }

  /* A few days either side of a short series, so one point is not lost in a span of years. */
  function span(datasets) {
    var xs = [];
    datasets.forEach(function (set) { set.data.forEach(function (p) { xs.push(p.x); }); });
    if (!xs.length) { return {}; }
    var min = Math.min.apply(null, xs), max = Math.max.apply(null, xs);
    if (max - min < 14 * DAY) { min -= 7 * DAY; max += 7 * DAY; }
    return { min: min, max: max };
  }

  function points(series) {
    return series.map(function (p) { return { x: Date.parse(p.x), y: p.y }; });
  }

  function line(label, series, colour, axis) {
    return {
      label: label,
      data: points(series),
      borderColor: colour,
      backgroundColor: colour,
      yAxisID: axis || "y",
      tension: 0.2,
      pointRadius: 3,
      spanGaps: true
    };
  }

  function timeAxis(datasets) {
    var range = span(datasets || []);
    return {
      type: "linear",
      min: range.min,
      max: range.max,
      ticks: { callback: dateLabeller(range.max - range.min > 300 * DAY), maxRotation: 0, autoSkip: true, maxTicksLimit: 5 }
    };
  }

  function options(datasets, extraScales) {
    var scales = { x: timeAxis(datasets), y: { type: "linear", position: "left" } };
    Object.keys(extraScales || {}).forEach(function (key) { scales[key] = extraScales[key]; });
    return {
      responsive: true,
      maintainAspectRatio: false,
      animation: false,
      interaction: { mode: "nearest", intersect: false },
      plugins: {
        legend: { position: "bottom", labels: { boxWidth: 12 } },
        tooltip: {
          callbacks: {
            title: function (items) { return items.length ? fullDate(items[0].parsed.x) : ""; }
          }
        }
      },
      scales: scales
    };
  }

  function build(kind, data) {
    if (kind === "body") {
      var sets = [];
      if (data.weight.points.length) { sets.push(line(data.weight.label, data.weight.points, COLOURS[0], "y")); }
      if (data.body_fat.points.length) { sets.push(line(data.body_fat.label, data.body_fat.points, COLOURS[1], "y1")); }
      if (!sets.length) { return null; }
      return {
        type: "line",
        data: { datasets: sets },
        options: options(sets, { y1: { type: "linear", position: "right", grid: { drawOnChartArea: false }, display: data.body_fat.points.length > 0 } })
      };
    }
    if (kind === "circumferences") {
      var lines = data.circumferences.filter(function (s) { return s.points.length; })
        .map(function (s, i) { return line(s.label, s.points, COLOURS[i % COLOURS.length]); });
      return lines.length ? { type: "line", data: { datasets: lines }, options: options(lines) } : null;
    }
    if (kind === "lifts") {
      var lifts = data.lifts.map(function (s, i) { return line(s.label, s.points, COLOURS[i % COLOURS.length]); });
      return lifts.length ? { type: "line", data: { datasets: lifts }, options: options(lifts) } : null;
    }
    if (kind === "volume") {
      if (!data.volume.length) { return null; }
      var opts = options([]);
      opts.scales.x = { type: "category", ticks: { maxRotation: 0, autoSkip: true, maxTicksLimit: 8 } };
      opts.plugins.tooltip = {};
      opts.plugins.legend = { display: false };
      return {
        type: "bar",
        data: {
          labels: data.volume.map(function (p) { return "w/c " + fullDate(Date.parse(p.x)); }),
          datasets: [{ label: "Volume (" + data.units.weight + ")", data: data.volume.map(function (p) { return p.y; }), backgroundColor: COLOURS[0] }]
        },
        options: opts
      };
    }
    return null;
  }

  function draw() {
    var source = document.getElementById("progress-chart-data");
    if (!source || typeof window.Chart === "undefined") { return; }
    var data = JSON.parse(source.textContent);
    document.querySelectorAll("canvas[data-chart]").forEach(function (canvas) {
      var kind = canvas.getAttribute("data-chart");
      var config = build(kind, data);
      if (!config) {
        canvas.parentElement.classList.add("d-none");
        var empty = document.querySelector('[data-chart-empty="' + kind + '"]');
        if (empty) { empty.classList.remove("d-none"); }
        return;
      }
      canvas.chart = new window.Chart(canvas, config);
      canvas.setAttribute("data-drawn", "true");
    });
  }

  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", draw);
  } else {
    draw();
  }
})();
