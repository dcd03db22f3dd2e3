// Sortable and filterable tables (templates/_table.html). A header with data-sortable
// ("number" or "text") sorts its table on click, ascending then descending; a number cell's
// data-value is what sorts, so "12.5%" and "—" order correctly. An input with
// data-filter-for="<table id>" hides the rows that do not contain its text. Without script
// the server's table is shown whole, in the server's order.
(function () {
  "use strict";

  const collator = new Intl.Collator("zh-CN", { numeric: true, sensitivity: "base" });
  const ARROWS = { ascending: "▲", descending: "▼", none: "" };

  function dataRows(table) {
    return Array.from(table.tBodies[0].rows).filter((row) => !row.hasAttribute("data-empty"));
  }

  function sortKey(row, index, numeric) {
    const cell = row.cells[index];
    if (!cell) return null;
    if (numeric) {
      const raw = cell.dataset.value;
      const number = raw === undefined || raw === "" ? NaN : Number(raw);
      return Number.isNaN(number) ? null : number;
    }
    return cell.textContent.trim();
  }

  function compare(a, b, numeric) {
    // Empty cells go last whichever way the column is sorted.
    if (a === null || a === "") return b === null || b === "" ? 0 : 1;
    if (b === null || b === "") return -1;
    return numeric ? a - b : collator.compare(a, b);
  }

  function sort(table, header, direction) {
    const index = header.cellIndex;
    const numeric = header.dataset.sortable === "number";
    const sign = direction === "ascending" ? 1 : -1;
    const rows = dataRows(table).map((row, position) => ({
      row: row, position: position, key: sortKey(row, index, numeric),
    }));
    rows.sort((x, y) => {
      const empty = x.key === null || x.key === "" || y.key === null || y.key === "";
      const order = compare(x.key, y.key, numeric);
      return (empty ? order : sign * order) || x.position - y.position;
    });
    const body = table.tBodies[0];
    rows.forEach((entry) => body.appendChild(entry.row));
    table.querySelectorAll("th[data-sortable]").forEach((th) => {
      const state = th === header ? direction : "none";
      if (state === "none") th.removeAttribute("aria-sort");
      else th.setAttribute("aria-sort", state);
      th.querySelector("[data-sort-arrow]").textContent = ARROWS[state];
    });
  }

  function makeSortable(table) {
    table.querySelectorAll("th[data-sortable]").forEach((header) => {
      const button = document.createElement("button");
      button.type = "button";
      button.className = "btn btn-link p-0 border-0 fw-semibold text-reset text-decoration-none";
      button.title = "点击排序";
      while (header.firstChild) button.appendChild(header.firstChild);
      const arrow = document.createElement("span");
      arrow.dataset.sortArrow = "";
      arrow.className = "ms-1 small text-primary";
      arrow.setAttribute("aria-hidden", "true");
      button.appendChild(arrow);
      header.appendChild(button);
      button.addEventListener("click", () => {
        const next = header.getAttribute("aria-sort") === "ascending" ? "descending" : "ascending";
        sort(table, header, next);
      });
    });
  }

  function makeFilterable(input) {
    const table = document.getElementById(input.dataset.filterFor);
    if (!table) return;
    const status = document.querySelector(`[data-filter-status="${input.dataset.filterFor}"]`);
    const rows = dataRows(table);
    input.hidden = false;
    input.addEventListener("input", () => {
      const words = input.value.trim().toLowerCase().split(/\s+/).filter(Boolean);
      let shown = 0;
      rows.forEach((row) => {
        const text = row.textContent.toLowerCase();
        const match = words.every((word) => text.includes(word));
        row.hidden = !match;
        if (match) shown += 1;
      });
      if (status) status.textContent = words.length ? `显示 ${shown} / ${rows.length} 行` : "";
    });
  }

  document.querySelectorAll("table").forEach((table) => {
    if (table.tBodies.length && table.querySelector("th[data-sortable]")) makeSortable(table);
  });
  document.querySelectorAll("[data-filter-for]").forEach(makeFilterable);
})();
