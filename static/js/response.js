// How a question reads as an answer, shared by the exam and the practice pages: the chosen
// option indices, [true]/[false] for a true/false question, or [text] for a typed answer —
// the shape the server grades.
window.readResponse = function (fieldset) {
  "use strict";
  const typed = fieldset.querySelector("input[type=text], textarea");
  if (typed) {
    const text = typed.value.trim();
    return text ? [text] : [];
  }
  const inputs = fieldset.querySelectorAll("input:checked");
  if (fieldset.dataset.qtype === "truefalse") {
    return Array.from(inputs, (i) => i.value === "true");
  }
  return Array.from(inputs, (i) => Number(i.value));
};

// The inverse: put a response of that shape back into the question's inputs (an answer kept
// in the browser while offline, re-applied when the page loads again).
window.applyResponse = function (fieldset, response) {
  "use strict";
  const typed = fieldset.querySelector("input[type=text], textarea");
  if (typed) {
    typed.value = response.length ? String(response[0]) : "";
    return;
  }
  const truefalse = fieldset.dataset.qtype === "truefalse";
  for (const input of fieldset.querySelectorAll("input")) {
    input.checked = response.includes(truefalse ? input.value === "true" : Number(input.value));
  }
};
