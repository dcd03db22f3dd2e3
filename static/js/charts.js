// Draws the pass-rate trend from the numbers the server put on the canvas.
(function () {
  "use strict";
  const canvas = document.getElementById("trend");
  if (!canvas || !window.Chart) return;
  new Chart(canvas, {
    type: "bar",
    data: {
      labels: JSON.parse(canvas.dataset.labels),
      datasets: [{ label: "通过率 %", data: JSON.parse(canvas.dataset.values),
                   backgroundColor: "rgba(13, 110, 253, 0.7)", borderRadius: 4 }],
    },
    options: {
      responsive: true,
      animation: false,
      scales: { y: { min: 0, max: 100, ticks: { callback: (v) => v + "%" } } },
      plugins: { legend: { display: false } },
    },
  });
})();
