// Records the sections of a module the reader actually reaches: a section counts once its
// heading has been on screen. Opening the page is not reading it.
(function () {
  "use strict";
  const body = document.getElementById("course-body");
  if (!body || !("IntersectionObserver" in window)) return;
  const token = document.querySelector('meta[name="csrf-token"]').content;
  const reached = new Set(JSON.parse(body.dataset.reached || "[]"));
  const bar = document.querySelector("[data-reading-bar]");
  const label = document.querySelector("[data-reading-percent]");

  function mark(id) {
    const link = document.querySelector('[data-toc-link="' + id + '"]');
    if (link) link.classList.add("fw-semibold");
  }
  reached.forEach(mark);

  async function report(id) {
    try {
      const reply = await fetch(body.dataset.progressUrl, {
        method: "POST",
        headers: { "Content-Type": "application/json", "X-CSRFToken": token },
        body: JSON.stringify({ section: id }),
      });
      if (!reply.ok) throw new Error(String(reply.status));
      const state = await reply.json();
      bar.style.width = state.percent + "%";
      label.textContent = state.percent;
      if (state.read) document.body.dataset.moduleRead = "true";
    } catch (error) {
      reached.delete(id); // try again when the heading is next seen
    }
  }

  const observer = new IntersectionObserver((entries) => {
    for (const entry of entries) {
      const id = entry.target.id;
      if (entry.isIntersecting && !reached.has(id)) {
        reached.add(id);
        mark(id);
        report(id);
      }
    }
  }, { rootMargin: "0px 0px -20% 0px" });
  body.querySelectorAll("h2[id]").forEach((heading) => observer.observe(heading));
})();
