// The exam page's autosave and countdown. The form works without this script (answers are
// sent on submit); with it, every change is saved at once and the paper is handed in when
// the server's time runs out.
(function () {
  "use strict";
  const form = document.getElementById("exam-form");
  if (!form) return;
  const status = document.querySelector("[data-save-status]");
  const timer = document.querySelector("[data-timer]");
  const token = document.querySelector('meta[name="csrf-token"]').content;
  const pending = new Map();
  let saving = false;
  let closed = false;
  // Re-synchronized with the server's clock on every save.
  let deadline = Date.now() + Number(timer.dataset.remaining) * 1000;

  function show(text, tone) {
    status.textContent = text;
    status.className = "small " + (tone || "text-secondary");
  }

  async function flush() {
    if (saving || pending.size === 0 || closed) return;
    saving = true;
    const batch = Object.fromEntries(pending);
    pending.clear();
    show("正在保存…");
    try {
      const reply = await fetch(form.dataset.autosaveUrl, {
        method: "POST",
        headers: { "Content-Type": "application/json", "X-CSRFToken": token },
        body: JSON.stringify({ answers: batch }),
      });
      if (reply.status === 409) {
        closed = true;
        show("考试时间已到,已保存的答案将用于评分", "text-danger");
        form.submit();
        return;
      }
      if (!reply.ok) throw new Error(String(reply.status));
      const body = await reply.json();
      deadline = Date.now() + body.remaining_seconds * 1000;
      show("已保存 " + new Date().toLocaleTimeString("zh-CN"), "text-success");
    } catch (error) {
      // Keep the unsaved answers and try again: a dropped network must not lose them.
      for (const [key, value] of Object.entries(batch)) {
        if (!pending.has(key)) pending.set(key, value);
      }
      show("网络异常,答案暂未保存,正在重试…", "text-danger");
      setTimeout(flush, 3000);
    } finally {
      saving = false;
      if (pending.size) flush();
    }
  }

  function queue(fieldset) {
    pending.set(fieldset.dataset.position, window.readResponse(fieldset));
    flush();
  }

  form.addEventListener("change", (event) => {
    const fieldset = event.target.closest("fieldset[data-position]");
    if (fieldset) queue(fieldset);
  });

  // Typed answers are saved after a pause in typing, not only when the field loses focus.
  const typing = new Map();
  form.addEventListener("input", (event) => {
    const fieldset = event.target.closest("fieldset[data-position]");
    if (!fieldset || !event.target.matches("input[type=text], textarea")) return;
    clearTimeout(typing.get(fieldset));
    typing.set(fieldset, setTimeout(() => queue(fieldset), 800));
  });

  setInterval(() => {
    const left = Math.max(0, Math.round((deadline - Date.now()) / 1000));
    const minutes = Math.floor(left / 60);
    const seconds = String(left % 60).padStart(2, "0");
    timer.textContent = minutes + ":" + seconds;
    timer.className = "badge fs-6 " + (left < 300 ? "text-bg-danger" : "text-bg-primary");
    if (left === 0 && !closed) {
      closed = true;
      form.submit();
    }
  }, 1000);
})();
