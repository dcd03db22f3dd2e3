// Draws the charts from the numbers the server put on their canvases.
(function () {
  "use strict";
  if (!window.Chart) return;

  function data(canvas, label) {
    return {
      labels: JSON.parse(canvas.dataset.labels),
      datasets: [{ label: label, data: JSON.parse(canvas.dataset.values),
                   backgroundColor: "rgba(13, 110, 253, 0.7)", borderRadius: 4 }],
    };
  }

  const trend = document.getElementById("trend");
  if (trend) {
    new Chart(trend, {
      type: "bar",
      data: data(trend, "通过率 %"),
      options: {
        responsive: true,
        animation: false,
        scales: { y: { min: 0, max: 100, ticks: { callback: (v) => v + "%" } } },
        plugins: { legend: { display: false } },
      },
    });
  }

  const funnel = document.getElementById("funnel");
  if (funnel) {
    new Chart(funnel, {
      type: "bar",
      data: data(funnel, "人数"),
      options: {
        indexAxis: "y",
        responsive: true,
        animation: false,
        scales: { x: { beginAtZero: true, ticks: { precision: 0 } } },
        plugins: { legend: { display: false } },
      },
    });
  }
})();
