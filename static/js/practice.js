// Instant feedback in a practice quiz: "核对" sends one answer and shows right or wrong, the
// key, the explanation and the section that teaches it. Checked inputs are disabled, so they
// are not submitted again: the server keeps the first checked answer. Without this script
// the quiz is an ordinary form, marked on submit.
(function () {
  "use strict";
  const form = document.getElementById("practice-form");
  if (!form) return;
  const token = document.querySelector('meta[name="csrf-token"]').content;
  const letters = "ABCDEFGH";

  function keyText(fieldset, key) {
    if (fieldset.dataset.qtype === "truefalse") return key[0] ? "正确" : "错误";
    if (fieldset.dataset.qtype === "fill") return key.join(" / ");
    return key.map((i) => letters[i]).join("");
  }

  function show(fieldset, result) {
    const box = fieldset.querySelector("[data-feedback]");
    box.replaceChildren();
    const verdict = document.createElement("strong");
    verdict.textContent = result.correct ? "✓ 回答正确" : "✗ 回答错误,正确答案:" + keyText(fieldset, result.key);
    verdict.className = result.correct ? "text-success" : "text-danger";
    box.append(verdict);
    if (result.explanation) {
      const why = document.createElement("div");
      why.className = "text-secondary";
      why.textContent = "解析:" + result.explanation;
      box.append(why);
    }
    if (result.section_url) {
      const link = document.createElement("a");
      link.href = result.section_url;
      link.textContent = "复习:" + result.section_title;
      box.append(link);
    }
    fieldset.dataset.checked = result.correct ? "correct" : "wrong";
    fieldset.querySelectorAll("input, textarea").forEach((input) => { input.disabled = true; });
    fieldset.querySelector("[data-check]").hidden = true;
  }

  form.addEventListener("click", async (event) => {
    const button = event.target.closest("[data-check]");
    if (!button) return;
    const fieldset = button.closest("fieldset");
    const chosen = window.readResponse(fieldset);
    const box = fieldset.querySelector("[data-feedback]");
    if (chosen.length === 0) {
      box.textContent = "请先选择答案";
      return;
    }
    button.disabled = true;
    try {
      const reply = await fetch(form.dataset.checkUrl, {
        method: "POST",
        headers: { "Content-Type": "application/json", "X-CSRFToken": token },
        body: JSON.stringify({ position: Number(fieldset.dataset.position), answer: chosen }),
      });
      if (!reply.ok) throw new Error(String(reply.status));
      show(fieldset, await reply.json());
    } catch (error) {
      box.textContent = "网络异常,请重试";
      button.disabled = false;
    }
  });
})();
