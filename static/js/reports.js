// Reports: draws the trend charts from the page's JSON data block (json_script), no inline
// code. Each chart sets this period's bars beside the previous period's line, period by period.
(function () {
  "use strict";

  function trend(canvas, data, now, before) {
    new window.Chart(canvas, {
      data: {
        labels: data.labels,
        datasets: [
          { type: "bar", label: data.text.now, data: now, backgroundColor: "rgba(37, 99, 235, 0.55)",
            order: 2 },
          { type: "line", label: data.text.previous, data: before, borderColor: "#9ca3af",
            backgroundColor: "#9ca3af", borderDash: [5, 4], pointRadius: 2, spanGaps: true,
            tension: 0.2, order: 1 },
        ],
      },
      options: {
        animation: false,
        maintainAspectRatio: false,
        interaction: { mode: "index", intersect: false },
        plugins: {
          legend: { position: "bottom", labels: { usePointStyle: true, boxHeight: 7 } },
          tooltip: {
            callbacks: {
              // The previous period's day (or week, month) beside this one's.
              label: function (item) {
                var when = item.datasetIndex === 1 ? data.previous_labels[item.dataIndex] : data.labels[item.dataIndex];
                return item.dataset.label.split(" (")[0] + " " + when + ": " + item.formattedValue;
              },
            },
          },
        },
        scales: {
          x: { ticks: { maxRotation: 0, autoSkip: true, maxTicksLimit: 8 } },
          y: { beginAtZero: true, ticks: { precision: 0 } },
        },
      },
    });
  }

  function draw() {
    var block = document.getElementById("report-data");
    if (!block || typeof window.Chart === "undefined") return;
    var data = JSON.parse(block.textContent);
    var handled = document.querySelector('canvas[data-chart="handled"]');
    if (handled) trend(handled, data, data.handled, data.handled_previous);
    var revised = document.querySelector('canvas[data-chart="revised"]');
    if (revised) trend(revised, data, data.revised, data.revised_previous);
  }

  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", draw);
  } else {
    draw();
  }
})();
