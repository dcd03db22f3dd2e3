// The exam page: autosave with an offline draft, the server-timed countdown, the question
// navigator, flags and the submit confirmation. The form works without this script (answers
// are sent on submit); with it, every change is saved at once, kept in the browser until the
// server has it, and the paper is handed in when the server's time runs out. A busy or
// unreachable server (503, a dropped connection) only delays a save or the hand-in: both are
// retried until they land.
(function () {
  "use strict";
  const form = document.getElementById("exam-form");
  if (!form) return;

  const token = document.querySelector('meta[name="csrf-token"]').content;
  const bar = document.querySelector("[data-exam-bar]");
  const status = document.querySelector("[data-save-status]");
  const timer = document.querySelector("[data-timer]");
  const navPanel = document.getElementById("exam-nav");
  const dialog = document.getElementById("submit-dialog");
  const confirmButton = dialog.querySelector("[data-confirm-submit]");
  const fieldsets = Array.from(form.querySelectorAll("fieldset[data-position]"));
  const byPosition = new Map(fieldsets.map((f) => [f.dataset.position, f]));
  const navItems = new Map(
    Array.from(document.querySelectorAll("[data-nav]"), (a) => [a.dataset.nav, a]));

  const REQUEST_TIMEOUT_MS = 15000;
  // Grading a paper takes longer than saving an answer, more so on a busy exam day.
  const HAND_IN_TIMEOUT_MS = 60000;
  const RETRY_MIN_MS = 2000;
  const RETRY_MAX_MS = 30000;
  // The agent is waiting on the hand-in: retried sooner than a background save.
  const HAND_IN_RETRY_MAX_MS = 10000;
  const CLOCK_POLL_MS = 45000;
  const SUBMIT_FLUSH_MS = 10000;
  const WARNING_SECONDS = 300;
  // A draft outlives its attempt only by accident (the browser closed mid-submit); an
  // attempt never lasts a day, so older drafts are dropped.
  const DRAFT_MAX_AGE_MS = 24 * 3600 * 1000;

  // The draft: every change, with a pending mark until the server acknowledges it. --------
  const DRAFT_PREFIX = "exam-draft:";
  const draftKey = DRAFT_PREFIX + form.dataset.attempt;
  let lastStamp = 0;

  function stamp() {
    lastStamp = Math.max(Date.now(), lastStamp + 1);
    return lastStamp;
  }

  function readDraft() {
    try {
      const stored = JSON.parse(localStorage.getItem(draftKey));
      if (stored && stored.answers) return stored;
    } catch (error) {
      // Storage disabled or a corrupt entry: start afresh, the server's copy still counts.
    }
    return { answers: {}, flags: null, updated: 0 };
  }

  function writeDraft() {
    draft.updated = Date.now();
    try {
      localStorage.setItem(draftKey, JSON.stringify(draft));
    } catch (error) {
      // Storage full or disabled (private browsing): saving to the server still works.
    }
  }

  function clearDraft() {
    try {
      localStorage.removeItem(draftKey);
    } catch (error) {
      // Nothing stored to clear.
    }
  }

  function pruneOldDrafts() {
    try {
      for (const key of Object.keys(localStorage)) {
        if (!key.startsWith(DRAFT_PREFIX) || key === draftKey) continue;
        const stored = JSON.parse(localStorage.getItem(key));
        if (!stored || Date.now() - stored.updated > DRAFT_MAX_AGE_MS) localStorage.removeItem(key);
      }
    } catch (error) {
      // Storage unavailable: nothing to prune.
    }
  }

  const draft = readDraft();

  // This browser's name for its saves, shared by its tabs (their stamps come from one clock),
  // so that the server can tell an old save of this browser arriving late from a newer one.
  // getRandomValues, not randomUUID: the latter needs HTTPS, and a shop may serve on a LAN.
  function randomId() {
    const bytes = crypto.getRandomValues(new Uint8Array(16));
    return Array.from(bytes, (b) => b.toString(16).padStart(2, "0")).join("");
  }

  function browserId() {
    const key = "exam-client";
    try {
      let id = localStorage.getItem(key);
      if (!id) {
        id = randomId();
        localStorage.setItem(key, id);
      }
      return id;
    } catch (error) {
      return randomId();  // no storage: this page alone
    }
  }

  const client = browserId();

  function hasPending() {
    return Object.values(draft.answers).some((e) => e.pending) ||
      Boolean(draft.flags && draft.flags.pending);
  }

  // The save status: a fixed slot in the bar, whatever it says. -------------------------
  const STATES = {
    saving: ["正在保存…", "text-secondary"],
    saved: ["已保存", "text-success"],
    offline: ["离线:答案已暂存在本机,联网后自动保存", "text-warning-emphasis"],
    error: ["保存失败,正在重试…", "text-danger"],
    // 503: the database is locked or out of reach for a moment; nothing is lost.
    busy: ["服务器繁忙,正在重试…", "text-warning-emphasis"],
    // The session expired or its token went stale: only a reload (and maybe a login) helps.
    stale: ["保存失败:请刷新页面,答案已暂存在本机", "text-danger"],
    closing: ["考试时间已到,正在交卷…", "text-danger"],
    waiting: ["时间已到:联网后自动交卷,答案已暂存在本机", "text-danger"],
    interrupted: ["交卷中断,正在重试…", "text-danger"],
  };

  let lastSavedAt = null;

  function show(state, savedAt) {
    const [text, tone] = STATES[state];
    status.textContent = savedAt
      ? text + " " + new Date(savedAt).toLocaleTimeString("zh-CN", { hour12: false })
      : text;
    status.title = status.textContent;
    status.dataset.state = state;
    status.className = "small " + tone;
  }

  // Saving: one request at a time, everything pending in it, retried with backoff. ---------
  let sending = null;
  let retryTimer = null;
  let failures = 0;
  let closed = false;
  // After a 503, changes wait for the retry the server asked for instead of each being sent
  // (and refused) at once, which would also push the next retry far out.
  let busyUntil = 0;

  function post(url, payload) {
    return fetch(url, {
      method: "POST",
      credentials: "same-origin",
      headers: { "Content-Type": "application/json", "Accept": "application/json",
                 "X-CSRFToken": token },
      body: JSON.stringify(payload),
      signal: AbortSignal.timeout(REQUEST_TIMEOUT_MS),
    });
  }

  function pendingBatch() {
    const answers = {};
    const stamps = {};
    for (const [position, entry] of Object.entries(draft.answers)) {
      if (entry.pending) {
        answers[position] = entry.value;
        stamps[position] = entry.at;
      }
    }
    const payload = { answers, client, stamp: stamp() };
    if (draft.flags && draft.flags.pending) payload.flags = draft.flags.list;
    return { payload, stamps, flagsAt: draft.flags && draft.flags.at };
  }

  // Only what was sent is acknowledged: a change made while the request was out stays pending.
  function acknowledge(batch) {
    for (const [position, at] of Object.entries(batch.stamps)) {
      const entry = draft.answers[position];
      if (entry && entry.at === at) entry.pending = false;
    }
    if (batch.payload.flags && draft.flags.at === batch.flagsAt) draft.flags.pending = false;
    writeDraft();
  }

  // Exponential, with some spread so that the agents a busy server turned away do not all
  // come back at the same instant; never sooner than the server asked (Retry-After).
  function backoff(tries, maxMs, notBeforeMs) {
    const delay = RETRY_MIN_MS * 2 ** tries * (0.8 + 0.4 * Math.random());
    return Math.min(maxMs, Math.max(delay, notBeforeMs || 0));
  }

  function retryAfter(reply) {
    const seconds = Number(reply.headers.get("Retry-After"));
    return Number.isFinite(seconds) && seconds > 0 ? seconds * 1000 : 0;
  }

  function retryLater(notBeforeMs) {
    clearTimeout(retryTimer);
    const delay = backoff(failures, RETRY_MAX_MS, notBeforeMs);
    failures += 1;
    retryTimer = setTimeout(() => {
      retryTimer = null;
      flush();
    }, delay);
    return delay;
  }

  async function send() {
    const batch = pendingBatch();
    if (navigator.onLine) show("saving");
    try {
      const reply = await post(form.dataset.autosaveUrl, batch.payload);
      if (reply.status === 409) {
        closeDown();
        return;
      }
      if (reply.redirected || [400, 401, 403].includes(reply.status)) {
        show("stale");
        retryLater();
        return;
      }
      if (reply.status === 503) {
        show("busy");
        busyUntil = performance.now() + retryLater(retryAfter(reply));
        return;
      }
      if (!reply.ok) throw new Error("autosave " + reply.status);
      const body = await reply.json();
      if (body.superseded) {
        // A save of this browser (another tab) overtook this one: send again, numbered anew.
        retryLater();
        return;
      }
      acknowledge(batch);
      failures = 0;
      follow(body.remaining_seconds);
      lastSavedAt = body.saved_at;
      if (!hasPending()) show("saved", lastSavedAt);
    } catch (error) {
      show(navigator.onLine ? "error" : "offline");
      retryLater();
    }
  }

  function flush() {
    if (closed || !hasPending()) return Promise.resolve();
    if (!sending && retryTimer !== null && performance.now() < busyUntil) {
      return Promise.resolve();
    }
    if (!sending) {
      clearTimeout(retryTimer);
      retryTimer = null;
      sending = send().finally(() => {
        sending = null;
        if (hasPending() && retryTimer === null) flush();
      });
    }
    return sending;
  }

  // Before handing in: try to bring the server up to date, for a while.
  async function flushBeforeSubmit() {
    const until = performance.now() + SUBMIT_FLUSH_MS;
    while (hasPending() && !closed && navigator.onLine && performance.now() < until) {
      await flush();
      if (hasPending()) await new Promise((done) => setTimeout(done, 500));
    }
  }

  window.addEventListener("online", () => {
    if (hasPending()) flush();
    else if (lastSavedAt && !handingIn) show("saved", lastSavedAt);
  });
  window.addEventListener("offline", () => {
    if (!handingIn) show("offline");
  });

  // Answers and flags. ----------------------------------------------------------------
  const flags = new Set(
    Array.from(form.querySelectorAll('[data-flag][aria-pressed="true"]'),
               (b) => b.closest("fieldset").dataset.position));

  function isDone(fieldset) {
    return window.readResponse(fieldset).length > 0;
  }

  // A typed answer is recorded as it is typed, and its change event on leaving the field
  // repeats it: the same value again is no change.
  function record(fieldset) {
    const position = fieldset.dataset.position;
    const value = window.readResponse(fieldset);
    const entry = draft.answers[position];
    if (entry && JSON.stringify(entry.value) === JSON.stringify(value)) return;
    draft.answers[position] = { value, at: stamp(), pending: true };
    writeDraft();
    refresh(position);
  }

  function recordFlags() {
    const list = Array.from(flags, Number).sort((a, b) => a - b);
    draft.flags = { list, at: stamp(), pending: true };
    writeDraft();
  }

  form.addEventListener("change", (event) => {
    const fieldset = event.target.closest("fieldset[data-position]");
    if (!fieldset) return;
    record(fieldset);
    flush();
  });

  // Typed answers go to the draft at every keystroke and to the server after a pause.
  const typing = new Map();
  form.addEventListener("input", (event) => {
    const fieldset = event.target.closest("fieldset[data-position]");
    if (!fieldset || !event.target.matches("input[type=text], textarea")) return;
    record(fieldset);
    clearTimeout(typing.get(fieldset));
    typing.set(fieldset, setTimeout(flush, 800));
  });

  form.addEventListener("click", (event) => {
    const button = event.target.closest("[data-flag]");
    if (!button) return;
    const position = button.closest("fieldset").dataset.position;
    if (flags.has(position)) flags.delete(position);
    else flags.add(position);
    recordFlags();
    refresh(position);
    flush();
  });

  // The navigator. ---------------------------------------------------------------------
  function refresh(position) {
    refreshQuestion(position);
    refreshCounts();
  }

  function refreshQuestion(position) {
    const fieldset = byPosition.get(position);
    const flagged = flags.has(position);
    const item = navItems.get(position);
    item.classList.toggle("done", isDone(fieldset));
    item.classList.toggle("flagged", flagged);
    const button = fieldset.querySelector("[data-flag]");
    button.setAttribute("aria-pressed", String(flagged));
    button.textContent = flagged ? "已标记" : "标记";
    button.classList.toggle("btn-warning", flagged);
    button.classList.toggle("btn-outline-secondary", !flagged);
  }

  function refreshCounts() {
    const done = fieldsets.filter(isDone).length;
    document.querySelector("[data-count-done]").textContent = done;
    document.querySelector("[data-count-short]").textContent = done + "/" + fieldsets.length;
    document.querySelector("[data-count-flagged]").textContent = flags.size;
  }

  function setCurrent(position) {
    for (const [key, item] of navItems) {
      item.classList.toggle("current", key === position);
      if (key === position) item.setAttribute("aria-current", "true");
      else item.removeAttribute("aria-current");
    }
  }

  function jump(position) {
    const fieldset = byPosition.get(position);
    const go = () => {
      fieldset.scrollIntoView({ block: "start" });
      const first = fieldset.querySelector("input, textarea");
      if (first) first.focus({ preventScroll: true });
      setCurrent(position);
    };
    const drawer = bootstrap.Offcanvas.getInstance(navPanel);
    const modal = bootstrap.Modal.getInstance(dialog);
    if (navPanel.classList.contains("show") && drawer) {
      navPanel.addEventListener("hidden.bs.offcanvas", go, { once: true });
      drawer.hide();
    } else if (dialog.classList.contains("show") && modal) {
      dialog.addEventListener("hidden.bs.modal", go, { once: true });
      modal.hide();
    } else {
      go();
    }
  }

  document.addEventListener("click", (event) => {
    const link = event.target.closest("[data-nav], [data-jump]");
    if (!link) return;
    event.preventDefault();
    jump(link.dataset.nav || link.dataset.jump);
  });

  // The question in view is the current one: the first whose card crosses the upper band.
  const observer = new IntersectionObserver((entries) => {
    const visible = entries.filter((e) => e.isIntersecting);
    if (visible.length) setCurrent(visible[0].target.dataset.position);
  }, { rootMargin: "-25% 0px -65% 0px" });
  fieldsets.forEach((f) => observer.observe(f));
  form.addEventListener("focusin", (event) => {
    const fieldset = event.target.closest("fieldset[data-position]");
    if (fieldset) setCurrent(fieldset.dataset.position);
  });

  // Sticky parts sit below the bar, whatever its height on this screen.
  function measureBar() {
    document.documentElement.style.setProperty("--exam-bar", bar.offsetHeight + "px");
  }
  window.addEventListener("resize", measureBar);

  // The clock: the server's, followed from every reply and a regular poll. -----------------
  let deadline = performance.now() + Number(timer.dataset.remaining) * 1000;

  function follow(seconds) {
    deadline = performance.now() + seconds * 1000;
    tick();
  }

  function tick() {
    const left = Math.max(0, Math.ceil((deadline - performance.now()) / 1000));
    timer.textContent = Math.floor(left / 60) + ":" + String(left % 60).padStart(2, "0");
    timer.classList.toggle("text-bg-danger", left < WARNING_SECONDS);
    timer.classList.toggle("text-bg-primary", left >= WARNING_SECONDS);
    if (left === 0) handIn();
  }

  async function pollClock() {
    if (closed) return;
    try {
      const reply = await fetch(form.dataset.clockUrl, {
        credentials: "same-origin", headers: { "Accept": "application/json" },
        signal: AbortSignal.timeout(REQUEST_TIMEOUT_MS) });
      if (!reply.ok) return;
      const body = await reply.json();
      if (body.submitted) {
        // Handed in elsewhere (another tab, or the server's overdue closing).
        closed = true;
        clearDraft();
        window.location.reload();
      } else {
        follow(body.remaining_seconds);
      }
    } catch (error) {
      // Offline: the local countdown carries on until the next poll.
    }
  }

  setInterval(tick, 1000);
  setInterval(pollClock, CLOCK_POLL_MS);
  // A phone suspends timers in the background: look at the server's clock on coming back.
  document.addEventListener("visibilitychange", () => {
    if (document.visibilityState === "visible") pollClock();
  });

  // Handing in. ---------------------------------------------------------------------------
  let handingIn = false;

  async function submitNow() {
    await flushBeforeSubmit();
    if (closed) return;  // refused as too late: closeDown hands it in
    closed = true;
    deliver();
  }

  function closeDown() {
    // The server refuses answers now: what it saved is what gets graded.
    closed = true;
    handingIn = true;
    show("closing");
    deliver();
  }

  // A pause that ends early when the network comes back.
  function pause(ms) {
    return new Promise((done) => {
      const wake = () => {
        clearTimeout(timer);
        window.removeEventListener("online", wake);
        done();
      };
      const timer = setTimeout(wake, ms);
      window.addEventListener("online", wake);
    });
  }

  // The form (with every answer in its inputs) sent by the page rather than as a navigation,
  // so that a dropped connection or a busy server means another try instead of the
  // browser's error page: the server grades an attempt once however often it is handed in.
  // The redirect is not followed here: the result page would take the server's message
  // about answers refused as too late, meant for the agent.
  async function deliver() {
    for (let tries = 0; ; tries += 1) {
      let notBefore = 0;
      try {
        const reply = await fetch(form.action, {
          method: "POST",
          credentials: "same-origin",
          redirect: "manual",
          body: new URLSearchParams(new FormData(form)),
          signal: AbortSignal.timeout(HAND_IN_TIMEOUT_MS),
        });
        if (reply.type === "opaqueredirect" || reply.ok) {
          clearDraft();
          window.location.assign(form.dataset.resultUrl);
          return;
        }
        if (reply.status < 500) {
          // Refused (an expired form, a signed-out session): the server's page says why.
          form.submit();
          return;
        }
        notBefore = retryAfter(reply);
      } catch (error) {
        // The connection dropped or timed out: the hand-in may or may not have landed.
      }
      show("interrupted");
      confirmButton.textContent = STATES.interrupted[0];
      await pause(backoff(tries, HAND_IN_RETRY_MAX_MS, notBefore));
    }
  }

  function handIn() {
    if (handingIn) return;
    handingIn = true;
    if (!navigator.onLine) {
      show("waiting");
      window.addEventListener("online", () => {
        show("closing");
        submitNow();
      }, { once: true });
      return;
    }
    show("closing");
    submitNow();
  }

  function numberLinks(container, positions, tone) {
    container.replaceChildren(...positions.map((position) => {
      const link = document.createElement("a");
      link.href = "#question-" + position;
      link.dataset.jump = position;
      link.className = "btn btn-sm " + tone;
      link.textContent = Number(position) + 1;
      return link;
    }));
  }

  function openDialog() {
    const blanks = fieldsets.filter((f) => !isDone(f)).map((f) => f.dataset.position);
    const flagged = Array.from(flags).sort((a, b) => a - b);
    dialog.querySelector("[data-dialog-summary]").textContent =
      "共 " + fieldsets.length + " 题,已答 " + (fieldsets.length - blanks.length) + " 题" +
      (blanks.length ? ",还有 " + blanks.length + " 题未作答。" : ",全部作答完毕。");
    numberLinks(dialog.querySelector("[data-blank-links]"), blanks, "btn-outline-danger");
    numberLinks(dialog.querySelector("[data-flagged-links]"), flagged, "btn-outline-warning");
    dialog.querySelector("[data-blank-section]").hidden = !blanks.length;
    dialog.querySelector("[data-flagged-section]").hidden = !flagged.length;
    dialog.querySelector("[data-offline-note]").hidden = true;
    bootstrap.Modal.getOrCreateInstance(dialog).show();
  }

  form.addEventListener("submit", (event) => {
    event.preventDefault();
    if (!handingIn) openDialog();
  });
  document.querySelector("[data-open-submit]").addEventListener("click", () => {
    const drawer = bootstrap.Offcanvas.getInstance(navPanel);
    if (drawer) drawer.hide();
    openDialog();
  });

  confirmButton.addEventListener("click", () => {
    if (handingIn) return;
    if (!navigator.onLine) {
      dialog.querySelector("[data-offline-note]").hidden = false;
      return;
    }
    handingIn = true;
    confirmButton.disabled = true;
    confirmButton.textContent = "正在交卷…";
    form.querySelector("[data-submit]").disabled = true;
    submitNow();
  });

  // On load: what the agent gave while the server could not take it goes back into the
  // inputs (the page shows the server's copy, which lacks it) and is sent again. ----------
  // Acknowledged entries are dropped: the page shows the server's copy, which may be newer
  // (the agent went on from another device).
  function restoreDraft() {
    for (const [position, entry] of Object.entries(draft.answers)) {
      const fieldset = byPosition.get(position);
      if (entry.pending && fieldset) window.applyResponse(fieldset, entry.value);
      else delete draft.answers[position];
    }
    if (draft.flags && draft.flags.pending) {
      flags.clear();
      draft.flags.list.forEach((p) => flags.add(String(p)));
    }
  }

  pruneOldDrafts();
  restoreDraft();
  document.querySelectorAll("[data-flag], [data-open-submit]").forEach((b) => { b.hidden = false; });
  byPosition.forEach((_, position) => refreshQuestion(position));
  refreshCounts();
  measureBar();
  tick();
  flush();
})();
