/* Draws the dashboard's charts with the vendored Chart.js; the tables hold the same numbers. */
(function () {
  "use strict";
  var source = document.getElementById("dashboard-data");
  if (!source || typeof Chart === "undefined") { return; }
  var data = JSON.parse(source.textContent);
  var common = { responsive: true, maintainAspectRatio: false, animation: false,
                 plugins: { legend: { position: "bottom", labels: { boxWidth: 12 } } } };

  data.indicators.forEach(function (chart) {
    var canvas = document.getElementById(chart.id);
    if (!canvas) { return; }
    var datasets = [
      { type: "line", label: chart.baseline_label, data: chart.baseline, borderColor: "#9aa5b1",
        backgroundColor: "#9aa5b1", spanGaps: false },
      { type: "line", label: chart.current_label, data: chart.current, borderColor: "#6b2c91",
        backgroundColor: "#6b2c91", borderWidth: 3, spanGaps: false }
    ];
    if (chart.target) {
      datasets.push({ type: "line", label: chart.target_label, data: chart.target,
        borderColor: "#c0392b", borderDash: [6, 4], pointRadius: 0, fill: false });
    }
    if (chart.notes.length) {
      datasets.push({ type: "scatter", label: chart.notes_label, pointStyle: "triangle",
        pointRadius: 8, backgroundColor: "#e67e22",
        data: chart.notes.map(function (n) {
          return { x: chart.months[n.month - 1], y: chart.current[n.month - 1] || 0, note: n.text };
        }) });
    }
    new Chart(canvas, { data: { labels: chart.months, datasets: datasets },
      options: Object.assign({}, common, { scales: { y: { beginAtZero: true, ticks: { precision: 0 } } },
        plugins: Object.assign({}, common.plugins, { tooltip: { callbacks: { afterLabel: function (ctx) {
          return ctx.raw && ctx.raw.note ? ctx.raw.note : ""; } } } }) }) });
  });

  var regions = document.getElementById("chart-regions");
  if (regions) {
    var r = data.regions;
    new Chart(regions, { type: "bar", data: { labels: r.labels, datasets: [
        { label: r.names.done, data: r.done, backgroundColor: "#2e7d32" },
        { label: r.names.open, data: r.open, backgroundColor: "#90a4ae" },
        { label: r.names.overdue, data: r.overdue, backgroundColor: "#c62828" } ] },
      options: Object.assign({}, common, { indexAxis: "y",
        scales: { x: { stacked: true, beginAtZero: true, ticks: { precision: 0 } }, y: { stacked: true } } }) });
  }
}());
