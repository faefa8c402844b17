// Reports: draws the charts from the page's JSON data block (json_script), no inline code.
(function () {
  "use strict";

  function draw() {
    var block = document.getElementById("report-data");
    if (!block || typeof window.Chart === "undefined") return;
    var data = JSON.parse(block.textContent);
    var Chart = window.Chart;

    var trend = document.querySelector('canvas[data-chart="trend"]');
    if (trend) {
      new Chart(trend, {
        data: {
          labels: data.labels,
          datasets: [
            { type: "bar", label: data.text.handled, data: data.handled, yAxisID: "y",
              backgroundColor: "rgba(37, 99, 235, 0.35)" },
            { type: "line", label: data.text.rate, data: data.rate, yAxisID: "rate",
              borderColor: "#16a34a", backgroundColor: "#16a34a", spanGaps: true, tension: 0.2 },
          ],
        },
        options: {
          animation: false,
          scales: {
            y: { beginAtZero: true, position: "left", ticks: { precision: 0 } },
            rate: { beginAtZero: true, max: 100, position: "right", grid: { drawOnChartArea: false } },
          },
        },
      });
    }

    var funnel = document.querySelector('canvas[data-chart="funnel"]');
    if (funnel) {
      new Chart(funnel, {
        type: "bar",
        data: {
          labels: data.funnel.labels,
          datasets: [{ data: data.funnel.values, backgroundColor: ["#60a5fa", "#fbbf24", "#34d399"] }],
        },
        options: {
          animation: false,
          indexAxis: "y",
          plugins: { legend: { display: false } },
          scales: { x: { beginAtZero: true, ticks: { precision: 0 } } },
        },
      });
    }

    var causes = document.querySelector('canvas[data-chart="causes"]');
    if (causes) {
      new Chart(causes, {
        type: "doughnut",
        data: {
          labels: data.causes.labels,
          datasets: [{ data: data.causes.values,
            backgroundColor: ["#f87171", "#60a5fa", "#fbbf24", "#a3a3a3"] }],
        },
        options: { animation: false, plugins: { legend: { position: "right" } } },
      });
    }
  }

  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", draw);
  } else {
    draw();
  }
})();
