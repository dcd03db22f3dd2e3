// Row, column and grand totals of the blueprint grid follow the inputs as they are typed.
// The server renders the same totals, so without this script they are right after a submit.
(function () {
  "use strict";
  const grid = document.querySelector("[data-grid]");
  if (!grid) return;

  function count(input) {
    const value = parseInt(input.value, 10);
    return Number.isNaN(value) || value < 0 ? 0 : value;
  }

  function sum(inputs) {
    return Array.from(inputs).reduce((total, input) => total + count(input), 0);
  }

  function update() {
    grid.querySelectorAll("tr[data-row]").forEach((row) => {
      row.querySelector("[data-row-total]").textContent = sum(row.querySelectorAll("input"));
    });
    grid.querySelectorAll("[data-col-total]").forEach((cell) => {
      const column = cell.dataset.colTotal;
      cell.textContent = sum(grid.querySelectorAll(`input[data-col="${column}"]`));
    });
    grid.querySelector("[data-total]").textContent = sum(grid.querySelectorAll("tbody input"));
  }

  grid.addEventListener("input", update);
})();
