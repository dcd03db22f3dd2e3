// Draws the charts from the numbers the server put on their canvases (the same numbers are in
// the tables beside them). data-chart: "bar", "hbar" (horizontal) or "line"; data-labels and
// data-values: JSON arrays; data-unit: appended to values ("%"); data-max: the value axis's
// top; data-highlight: the label drawn in a darker colour (the month being looked at).
(function () {
  "use strict";
  if (!window.Chart) return;

  const COLOUR = "rgba(13, 110, 253, 0.55)";
  const HIGHLIGHT = "rgba(13, 110, 253, 0.95)";

  function draw(canvas) {
    const kind = canvas.dataset.chart || "hbar"; // the onboarding funnel predates data-chart
    const horizontal = kind === "hbar";
    const unit = canvas.dataset.unit || "";
    const labels = JSON.parse(canvas.dataset.labels);
    const values = JSON.parse(canvas.dataset.values);
    const highlight = canvas.dataset.highlight;
    const colours = labels.map((l) => (highlight && l === highlight ? HIGHLIGHT : COLOUR));
    const valueAxis = {
      beginAtZero: true,
      max: canvas.dataset.max ? Number(canvas.dataset.max) : undefined,
      ticks: unit ? { callback: (v) => v + unit } : { precision: 0 },
    };
    new Chart(canvas, {
      type: kind === "line" ? "line" : "bar",
      data: {
        labels: labels,
        datasets: [{
          label: canvas.getAttribute("aria-label") || "",
          data: values,
          backgroundColor: kind === "line" ? HIGHLIGHT : colours,
          borderColor: HIGHLIGHT,
          pointBackgroundColor: colours,
          pointRadius: 4,
          borderRadius: 4,
          spanGaps: true,
        }],
      },
      options: {
        indexAxis: horizontal ? "y" : "x",
        responsive: true,
        maintainAspectRatio: !canvas.parentElement.dataset.chartBox,
        animation: false,
        scales: horizontal ? { x: valueAxis } : { y: valueAxis },
        plugins: {
          legend: { display: false },
          tooltip: { callbacks: { label: (c) => c.formattedValue + unit } },
        },
      },
    });
  }

  document.querySelectorAll("canvas[data-chart], canvas#funnel").forEach(draw);
})();
