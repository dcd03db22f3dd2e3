// The question editor shows only the fields the chosen type uses; the server reads the
// same form either way, so without this script every field is simply visible.
(function () {
  "use strict";
  const form = document.querySelector("[data-question-form]");
  if (!form) return;
  const select = form.querySelector("select[name=qtype]");

  function update() {
    const qtype = select ? select.value : form.dataset.qtype;
    form.querySelectorAll("[data-for]").forEach((block) => {
      block.hidden = !block.dataset.for.split(" ").includes(qtype);
    });
  }

  if (select) select.addEventListener("change", update);
  update();
})();
