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

/* Sortable tables (the comparison of areas): a header button sorts its column; numbers start
   with the largest (worst) first, names and the rank in order; empty cells always go last. */
(function () {
  "use strict";
  function value(row, column, kind) {
    var cell = row.cells[column];
    var raw = cell ? (cell.getAttribute("data-value") || "") : "";
    if (raw === "") { return null; }
    return kind === "text" ? raw.toLocaleLowerCase() : parseFloat(raw);
  }
  function sortBy(table, button) {
    var column = parseInt(button.getAttribute("data-column"), 10);
    var kind = button.getAttribute("data-sort");
    var header = button.closest("th");
    var current = header.getAttribute("aria-sort");
    var first = button.getAttribute("data-first") || "descending";
    var order = current === first ? (first === "ascending" ? "descending" : "ascending") : first;
    var body = table.tBodies[0];
    var rows = Array.prototype.slice.call(body.rows).filter(function (r) { return r.cells.length > 1; });
    rows.sort(function (a, b) {
      var x = value(a, column, kind), y = value(b, column, kind);
      if (x === null || y === null) { return x === y ? 0 : (x === null ? 1 : -1); }
      var c = x < y ? -1 : (x > y ? 1 : 0);
      return order === "ascending" ? c : -c;
    });
    rows.forEach(function (r) { body.appendChild(r); });
    table.querySelectorAll("th[aria-sort]").forEach(function (th) { th.removeAttribute("aria-sort"); });
    header.setAttribute("aria-sort", order);
  }
  document.querySelectorAll("table.sortable").forEach(function (table) {
    table.querySelectorAll("button.sort").forEach(function (button) {
      button.addEventListener("click", function () { sortBy(table, button); });
    });
  });
}());
