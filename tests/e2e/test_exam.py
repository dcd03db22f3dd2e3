"""An agent sits the month's exam in a real browser and loses nothing: answers and flags
survive a reload and a second device, answers given offline reach the server when the
network returns (even after the tab was closed), the submit dialog lists what is left,
a double submit gives one graded attempt, and no key reaches the page before grading."""

import html
import json
import re
import time
from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import DateTime, bindparam, text

from tests.e2e.conftest import ARTIFACTS
from tests.e2e.keys import TYPED, answer, attempt_keys
from tests.e2e.pages import first_password_change, log_in
from tests.e2e.test_onboarding import create_agent

pytestmark = pytest.mark.e2e
SHANGHAI = ZoneInfo("Asia/Shanghai")
DESKTOP = {"width": 1280, "height": 900}
PHONE = {"width": 390, "height": 844}
PASSWORD = "Xinren2026"
# Answers the server has not acknowledged yet, from the page's offline draft.
PENDING = """id => {
  const draft = JSON.parse(localStorage.getItem('exam-draft:' + id) || '{"answers": {}}');
  return Object.values(draft.answers).filter(e => e.pending).length
    + (draft.flags && draft.flags.pending ? 1 : 0);
}"""


def screen(page, name) -> None:
    """What the agent sees at that moment: the exam page is long, and a full-page shot
    would leave its sticky bar and navigator wherever the page happened to be scrolled."""
    ARTIFACTS.mkdir(exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / f"{name}.png"))


def agent_with_exam(live_server) -> str:
    """A certified agent and the month's exam, made by the CLI as operations would; returns
    the agent's temporary password."""
    live_server.flask("create-admin", "admin", "--password", "Adm1nPass")
    temporary = create_agent(live_server.base, "xinren")
    with live_server.engine.begin() as conn:
        conn.execute(text("UPDATE users SET certified_on = :today WHERE username = 'xinren'"),
                     {"today": datetime.now(SHANGHAI).date()})
    live_server.flask("exam", "generate", "--month", datetime.now(SHANGHAI).strftime("%Y-%m"))
    return temporary


def first_login(page, base, temporary) -> None:
    log_in(page, base, "xinren", temporary)
    first_password_change(page, temporary, PASSWORD)
    page.wait_for_url("**/me")


def saved_positions(engine, attempt_id) -> set[int]:
    with engine.connect() as conn:
        return set(conn.execute(text("SELECT position FROM answers WHERE attempt_id = :id"),
                                {"id": attempt_id}).scalars())


def wait_for_db(engine, attempt_id, positions, seconds=20) -> None:
    deadline = time.monotonic() + seconds
    while not set(positions) <= saved_positions(engine, attempt_id):
        assert time.monotonic() < deadline, "answers given offline never reached the server"
        time.sleep(0.2)


def settled(page, attempt_id) -> None:
    """Every change acknowledged by the server, and the page says so."""
    page.wait_for_function(
        f"({PENDING})({attempt_id}) === 0 && "
        "document.querySelector('[data-save-status]').dataset.state === 'saved'")
    assert page.inner_text("[data-save-status]").startswith("已保存 ")


def stems(page) -> list[str]:
    return page.eval_on_selector_all("fieldset .question-stem", "els => els.map(e => e.innerText)")


def given(page, keys, position) -> bool:
    """Whether the page shows the right answer at a position."""
    for choice in keys[position]:
        if choice.startswith(TYPED):
            if page.input_value(f"#t{position}") != choice.removeprefix(TYPED):
                return False
        elif not page.is_checked(f"#q{position}-{choice}"):
            return False
    return True


def bar_height(page) -> float:
    return page.eval_on_selector("[data-exam-bar]", "e => e.getBoundingClientRect().height")


def decoded(value):
    """SQLite hands JSON columns back as text with \\u escapes, which would hide Chinese."""
    return json.loads(value) if isinstance(value, str) else value


def paper_secrets(engine, attempt_id) -> list[tuple[int, str]]:
    """Per position, text only grading may reveal: explanations, reference answers and
    accepted fill-in answers (those the questions themselves do not show anyway)."""
    with engine.connect() as conn:
        items = conn.execute(text(
            "SELECT p.items FROM papers p JOIN attempts a ON a.paper_id = p.id "
            "WHERE a.id = :id"), {"id": attempt_id}).scalar_one()
        items = decoded(items)
        rows = [conn.execute(text(
            "SELECT q.qtype, v.stem, v.options, v.answer, v.explanation, v.reference, v.chat "
            "FROM question_versions v JOIN questions q ON q.id = v.question_id "
            "WHERE v.id = :id"), {"id": item["version_id"]}).one() for item in items]
    shown = " ".join(f"{stem} {decoded(options)} {decoded(chat)}"
                     for _, stem, options, _, _, _, chat in rows)
    secrets = []
    for position, (qtype, _, _, key, explanation, reference, _) in enumerate(rows):
        lines = [line.strip() for block in (explanation, reference) if block
                 for line in block.splitlines()]
        if qtype == "fill":
            lines += decoded(key)
        secrets += [(position, line) for line in lines if len(line) >= 4 and line not in shown]
    return secrets


def assert_no_secrets(body: str, secrets, typed=()) -> None:
    """`typed`: positions whose accepted answer the agent typed in (their own answer)."""
    body = html.unescape(body)
    for position, secret in secrets:
        if position not in typed:
            assert secret not in body, f"question {position + 1}: {secret!r} sent before grading"


def test_an_agent_takes_the_whole_exam_and_loses_nothing(live_server, browser, shoot):
    base, engine, backend = live_server.base, live_server.engine, live_server.backend
    temporary = agent_with_exam(live_server)
    context = browser.new_context(viewport=DESKTOP, locale="zh-CN")
    page = context.new_page()
    first_login(page, base, temporary)

    # The list, then the start page with the rules.
    page.click("nav >> text=我的考试")
    assert page.is_visible("a:has-text('错题本')")
    shoot(page, f"{backend}-exam-list")
    page.click("text=查看考试说明并开始")
    page.wait_for_url(re.compile(r".*/exams/\d+$"))
    rules = page.inner_text("main")
    assert "50" in page.inner_text('[data-fact="size"]')
    assert "不会暂停" in rules and "未作答的题目计 0 分" in rules and "暂存在本机" in rules
    shoot(page, f"{backend}-exam-start-page")
    page.click("[data-start]")
    page.wait_for_url(re.compile(r".*/attempts/\d+$"))
    attempt_id = int(page.url.rsplit("/", 1)[1])

    keys = attempt_keys(engine, attempt_id)
    types = page.eval_on_selector_all("fieldset[data-position]",
                                      "els => els.map(e => e.dataset.qtype)")
    assert len(keys) == len(types) == 50
    secrets = paper_secrets(engine, attempt_id)
    assert_no_secrets(page.content(), secrets)
    # Written replies go to a lead: left blank here, so the score is known at once.
    blank = [p for p, k in enumerate(keys) if not k] or [len(keys) - 1]
    todo = [p for p in range(len(keys)) if p not in blank]
    typed = {p for p in todo if keys[p][0].startswith(TYPED)}

    # Several types answered, one question flagged; each change is saved at once.
    by_type = {}
    for position in todo:
        by_type.setdefault(types[position], position)
    first = list(by_type.values())
    assert {"single", "multiple", "truefalse"} <= set(by_type)
    with page.expect_response(lambda r: r.url.endswith("/answers")) as reply:
        answer(page, keys, only=first[:1])
    assert set(reply.value.json()) == {"saved", "saved_at", "remaining_seconds"}
    assert_no_secrets(reply.value.text(), secrets)
    answer(page, keys, only=first)
    flagged = first[1]
    page.click(f"fieldset[data-position='{flagged}'] [data-flag]")
    settled(page, attempt_id)
    assert saved_positions(engine, attempt_id) == set(first)
    with engine.connect() as conn:
        flags, client, stamp = conn.execute(
            text("SELECT flags, autosave_client, autosave_stamp FROM attempts WHERE id = :id"),
            {"id": attempt_id}).one()
    assert (json.loads(flags) if isinstance(flags, str) else flags) == [flagged]
    # The page numbers its saves, so that a late one of them cannot undo a newer.
    assert len(client) == 32 and stamp > 0
    assert page.inner_text("[data-progress]") == f"已答 {len(first)} / 50,标记 1"
    screen(page, f"{backend}-exam-desktop")

    # A reload: same order, same answers, same flag.
    order = stems(page)
    page.reload()
    assert stems(page) == order
    assert all(given(page, keys, p) for p in first)
    assert page.get_attribute(f"fieldset[data-position='{flagged}'] [data-flag]",
                              "aria-pressed") == "true"
    assert "flagged" in page.get_attribute(f"[data-nav='{flagged}']", "class").split()
    assert "done" in page.get_attribute(f"[data-nav='{first[0]}']", "class").split()
    assert_no_secrets(page.content(), secrets, typed)

    # Another device, a phone: the same paper, resumed from the list.
    phone = browser.new_context(viewport=PHONE, locale="zh-CN", is_mobile=True,
                                has_touch=True)
    mobile = phone.new_page()
    log_in(mobile, base, "xinren", PASSWORD)
    mobile.wait_for_url("**/me")
    mobile.goto(f"{base}/exams")
    shoot(mobile, f"{backend}-exam-list-phone")
    mobile.click("text=继续答题")
    mobile.wait_for_url(f"**/attempts/{attempt_id}")
    assert stems(mobile) == order and all(given(mobile, keys, p) for p in first)
    screen(mobile, f"{backend}-exam-phone")
    mobile.click("[data-bs-target='#exam-nav']")
    mobile.wait_for_selector("#exam-nav.show")
    mobile.wait_for_timeout(400)  # the sheet slides in
    screen(mobile, f"{backend}-exam-navigator-phone")
    # Far down the paper, but with enough below it that it can scroll to the top (the
    # last question cannot: the page ends first).
    target = todo[len(todo) * 2 // 3]
    mobile.click(f"#exam-nav [data-nav='{target}']")
    mobile.wait_for_selector("#exam-nav:not(.show)", state="attached")
    mobile.wait_for_function(
        f"""() => {{
          const top = document.getElementById('question-{target}').getBoundingClientRect().top;
          const bar = document.querySelector('[data-exam-bar]').getBoundingClientRect().bottom;
          return top >= bar - 1 && top < window.innerHeight / 2;
        }}""")
    screen(mobile, f"{backend}-exam-jumped-phone")
    phone.close()

    # Offline: answers stay in the browser, the page says so, the server has none of them...
    height = bar_height(page)
    rest = [p for p in todo if p not in first]
    offline = list(dict.fromkeys(rest[:5] + [p for p in rest if p in typed][:1]))
    context.set_offline(True)
    answer(page, keys, only=offline)
    page.wait_for_function("document.querySelector('[data-save-status]').dataset.state"
                           " === 'offline'")
    assert page.inner_text("[data-save-status]") == "离线:答案已暂存在本机,联网后自动保存"
    assert bar_height(page) == height
    page.wait_for_function(f"({PENDING})({attempt_id}) === {len(offline)}")
    screen(page, f"{backend}-exam-offline")
    assert not set(offline) & saved_positions(engine, attempt_id)
    # ...until the network is back.
    context.set_offline(False)
    wait_for_db(engine, attempt_id, offline)
    settled(page, attempt_id)
    assert bar_height(page) == height

    # Offline again, and the tab closed before the network returns: the next visit sends
    # what the browser kept.
    answered = set(first) | set(offline)
    closed_tab = [p for p in todo if p not in answered][:3]
    context.set_offline(True)
    answer(page, keys, only=closed_tab)
    page.wait_for_function(f"({PENDING})({attempt_id}) === {len(closed_tab)}")
    page.close()
    context.set_offline(False)
    assert not set(closed_tab) & saved_positions(engine, attempt_id)
    page = context.new_page()
    page.goto(f"{base}/attempts/{attempt_id}")
    wait_for_db(engine, attempt_id, closed_tab)
    settled(page, attempt_id)
    assert all(given(page, keys, p) for p in closed_tab)

    # The rest, then the submit dialog: it lists the blanks and the flag.
    answered |= set(closed_tab)
    answer(page, keys, only=[p for p in todo if p not in answered])
    settled(page, attempt_id)
    assert saved_positions(engine, attempt_id) == set(todo)
    assert_no_secrets(page.content(), secrets, typed)
    page.click("form [data-submit]")
    page.wait_for_selector("#submit-dialog.show [data-confirm-submit]")
    links = page.eval_on_selector_all("[data-blank-links] a", "els => els.map(e => e.textContent)")
    assert links == [str(p + 1) for p in blank]
    assert page.inner_text("[data-flagged-links]") == str(flagged + 1)
    page.wait_for_timeout(400)  # the dialog fades in
    screen(page, f"{backend}-exam-submit-dialog")
    # A blank's number leads back to its question.
    page.click(f"[data-blank-links] a[data-jump='{blank[0]}']")
    page.wait_for_selector("#submit-dialog", state="hidden")
    page.wait_for_function(
        f"document.activeElement.closest('fieldset')?.dataset.position === '{blank[0]}'")
    # Submitted with a double click.
    page.click("form [data-submit]")
    page.wait_for_selector("#submit-dialog.show [data-confirm-submit]")
    page.dblclick("[data-confirm-submit]")
    page.wait_for_url(f"**/attempts/{attempt_id}/result")

    expected = round(100 * len(todo) / len(keys), 1)
    assert page.inner_text("[data-score]") == f"{expected:.1f}"
    shoot(page, f"{backend}-exam-result")
    assert page.evaluate(f"localStorage.getItem('exam-draft:{attempt_id}')") is None

    # Submitted again (a retried request) and an answer arriving late: nothing changes.
    token = page.get_attribute('meta[name="csrf-token"]', "content")
    again = page.request.post(f"{base}/attempts/{attempt_id}/submit",
                              form={"csrf_token": token, f"t{blank[0]}": "再交一次"})
    assert again.ok and again.url.endswith(f"/attempts/{attempt_id}/result")
    late = page.request.post(f"{base}/attempts/{attempt_id}/answers",
                             data=json.dumps({"answers": {str(blank[0]): ["迟到"]}}),
                             headers={"Content-Type": "application/json",
                                      "X-CSRFToken": token})
    assert late.status == 409 and late.json()["closed"] is True
    with engine.connect() as conn:
        attempts = conn.execute(text(
            "SELECT a.id, a.score, a.submitted_at FROM attempts a JOIN papers p "
            "ON p.id = a.paper_id JOIN users u ON u.id = p.user_id "
            "WHERE u.username = 'xinren'")).all()
        ledger = conn.execute(text(
            "SELECT l.source FROM ledger_items l JOIN users u ON u.id = l.user_id "
            "WHERE u.username = 'xinren'")).scalars().all()
        graded = conn.execute(text(
            "SELECT count(*) FROM audit_events WHERE action = 'attempt.graded' "
            "AND target = :target"), {"target": f"attempt:{attempt_id}"}).scalar_one()
    assert len(attempts) == 1
    assert attempts[0].id == attempt_id and attempts[0].submitted_at is not None
    assert attempts[0].score == expected and graded == 1
    assert len(ledger) <= 1 and set(ledger) <= {f"attempt:{attempt_id}"}
    context.close()


def credited(engine, attempt_id, position) -> bool:
    with engine.connect() as conn:
        return conn.execute(text(
            "SELECT credit FROM answers WHERE attempt_id = :id AND position = :p"),
            {"id": attempt_id, "p": position}).scalar_one() == 1


def test_the_timer_follows_the_server_and_hands_in_at_zero_even_offline(live_server, browser,
                                                                       shoot):
    base, engine, backend = live_server.base, live_server.engine, live_server.backend
    temporary = agent_with_exam(live_server)
    context = browser.new_context(viewport=PHONE, locale="zh-CN", is_mobile=True,
                                  has_touch=True)
    page = context.new_page()
    first_login(page, base, temporary)
    page.goto(f"{base}/exams")
    page.click("text=查看考试说明并开始")
    shoot(page, f"{backend}-exam-start-page-phone")
    page.click("[data-start]")
    page.wait_for_url(re.compile(r".*/attempts/\d+$"))
    attempt_id = int(page.url.rsplit("/", 1)[1])
    keys = attempt_keys(engine, attempt_id)
    position = next(p for p, k in enumerate(keys) if k and not k[0].startswith(TYPED))
    assert "text-bg-primary" in page.get_attribute("[data-timer]", "class")

    def end_in(seconds):
        moment = datetime.now(UTC).replace(tzinfo=None) + timedelta(seconds=seconds)
        with engine.begin() as conn:
            conn.execute(text("UPDATE attempts SET ends_at = :at WHERE id = :id").bindparams(
                bindparam("at", type_=DateTime())), {"at": moment, "id": attempt_id})

    # The server shortens the time: the next reply moves the clock, red under five minutes.
    end_in(200)
    answer(page, keys, only=[position])
    settled(page, attempt_id)
    minutes = int(page.inner_text("[data-timer]").split(":")[0])
    assert minutes == 3 and "text-bg-danger" in page.get_attribute("[data-timer]", "class")
    height = bar_height(page)
    screen(page, f"{backend}-exam-timer-red-phone")

    # Offline when time runs out: the page waits for the network (within the server's grace)
    # and then hands in what was given, including the answer made offline.
    end_in(6)
    page.reload()
    context.set_offline(True)
    offline = next(p for p, k in enumerate(keys) if k and p != position
                   and not k[0].startswith(TYPED))
    answer(page, keys, only=[offline])
    page.wait_for_function("document.querySelector('[data-save-status]').dataset.state"
                           " === 'waiting'", timeout=15000)
    assert page.inner_text("[data-timer]") == "0:00"
    assert bar_height(page) == height
    screen(page, f"{backend}-exam-time-up-offline-phone")
    context.set_offline(False)
    page.wait_for_url(f"**/attempts/{attempt_id}/result")
    assert {position, offline} <= {
        p for p in saved_positions(engine, attempt_id) if credited(engine, attempt_id, p)}
    context.close()

