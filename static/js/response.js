// How a question reads as an answer, shared by the exam and the practice pages: the chosen
// option indices, or [true]/[false] for a true/false question — the shape the server grades.
window.readResponse = function (fieldset) {
  "use strict";
  const inputs = fieldset.querySelectorAll("input:checked");
  if (fieldset.dataset.qtype === "truefalse") {
    return Array.from(inputs, (i) => i.value === "true");
  }
  return Array.from(inputs, (i) => Number(i.value));
};
