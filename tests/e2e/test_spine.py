"""The whole product once, as people use it: an admin sets up a new agent and a manager, the
manager schedules the month's exam, the agent studies and sits the exam, the manager marks
its written replies and sees the pass rate, and the agent sees the score land in the month's
assessment."""

import re
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import text

from tests.e2e.keys import answer, attempt_keys
from tests.e2e.pages import first_password_change, log_in

pytestmark = pytest.mark.e2e
ADMIN_PASSWORD = "Adm1nPass"
SHANGHAI = ZoneInfo("Asia/Shanghai")


def log_out(page):
    page.click("text=退出")
    page.wait_for_url("**/login")


def create_user(page, base, username, name, role, team=None):
    page.goto(f"{base}/admin/users/new")
    page.fill("#username", username)
    page.fill("#display_name", name)
    page.select_option("#role", role)
    if team:
        page.select_option("#team_id", label=team)
    page.fill("#joined_on", datetime.now(SHANGHAI).strftime("%Y-%m-%d"))
    page.click("main button[type=submit]")
    return page.inner_text("[data-temp-password]").strip()


def test_a_new_agent_goes_from_first_login_to_the_managers_pass_rate(live_server, browser,
                                                                     shoot):
    base, engine, backend = live_server.base, live_server.engine, live_server.backend
    live_server.flask("create-admin", "admin", "--password", ADMIN_PASSWORD)
    page = browser.new_page(locale="zh-CN")
    page.on("dialog", lambda dialog: dialog.accept())

    # The admin sets up a team, a manager and a new agent.
    log_in(page, base, "admin", ADMIN_PASSWORD)
    page.goto(f"{base}/admin/teams")
    page.fill("#name", "售前一组")
    page.click("button:has-text(\"创建\")")
    agent_temp = create_user(page, base, "xinren", "林新人", "agent", team="售前一组")
    manager_temp = create_user(page, base, "zhuguan", "沈主管", "manager")
    shoot(page, f"{backend}-admin-credentials")
    log_out(page)

    # The manager opens this month's exam.
    log_in(page, base, "zhuguan", manager_temp)
    first_password_change(page, manager_temp, "Zhuguan2026")
    page.goto(f"{base}/manage/exams")
    now = datetime.now(SHANGHAI)
    page.fill("#opens_at", (now - timedelta(hours=1)).strftime("%Y-%m-%dT%H:%M"))
    page.fill("#closes_at", (now + timedelta(days=3)).strftime("%Y-%m-%dT%H:%M"))
    page.click("text=创建考试")
    assert "进行中" in page.inner_text("table")
    log_out(page)

    # The agent: first login, then (certification is walked in test_onboarding) the exam.
    log_in(page, base, "xinren", agent_temp)
    first_password_change(page, agent_temp, "Xinren2026")
    page.wait_for_url("**/me")
    assert page.is_visible('[data-cert-state="locked"]')
    with engine.begin() as conn:
        conn.execute(text("UPDATE users SET certified_on = :today WHERE username = 'xinren'"),
                     {"today": now.date()})
    page.reload()
    assert page.inner_text("[data-assessment-score]") == "80"

    page.click("nav >> text=我的考试")
    page.click("text=查看考试说明并开始")
    page.click("[data-start]")
    page.wait_for_url(re.compile(r".*/attempts/\d+$"))
    attempt_id = int(page.url.rsplit("/", 1)[1])
    keys = attempt_keys(engine, attempt_id)
    assert len(keys) == 50
    answer(page, keys)
    # Written replies have no key: the agent writes one, and a manager marks it below.
    written = [position for position, key in enumerate(keys) if not key]
    for position in written:
        page.fill(f"#t{position}", "亲,您好!我先为您核实订单情况,再给您最合适的处理方案。")
    page.wait_for_function(
        f"!Object.values(JSON.parse(localStorage.getItem('exam-draft:{attempt_id}')).answers)"
        ".some(e => e.pending) && document.querySelector('[data-save-status]')"
        ".dataset.state === 'saved'")
    shoot(page, f"{backend}-exam")
    page.click("form [data-submit]")
    page.click("#submit-dialog [data-confirm-submit]")
    page.wait_for_url("**/result")
    if written:
        assert page.is_visible("[data-awaiting-marking]")
    else:
        assert page.inner_text("[data-score]") == "100.0"
    log_out(page)

    # The manager marks the written replies, names hidden, and sees the month's pass rate.
    log_in(page, base, "zhuguan", "Zhuguan2026")
    page.wait_for_url("**/reports/pass-rates")
    for _ in written:
        page.goto(f"{base}/marking")
        page.click("[data-queue] a.btn-primary")
        page.click("[data-reply] label:has-text('满分')")
        page.click("[data-reply] button:has-text('提交评分')")
    page.goto(f"{base}/marking")
    assert page.inner_text("[data-totals] [data-waiting]") == "0"
    page.click("nav >> text=统计")
    page.click("nav >> text=考试看板")
    month = now.strftime("%Y-%m")
    assert page.inner_text(f'[data-rate="{month}"]') == "100.0%"
    shoot(page, f"{backend}-pass-rates")
    # A phone-sized screen: the same page, still usable.
    page.set_viewport_size({"width": 390, "height": 844})
    page.reload()
    assert page.is_visible(f'[data-rate="{month}"]')
    shoot(page, f"{backend}-pass-rates-phone")
    page.set_viewport_size({"width": 1280, "height": 720})
    log_out(page)

    # The agent sees the full score and its +5 in the month's assessment.
    log_in(page, base, "xinren", "Xinren2026")
    page.goto(f"{base}/attempts/{attempt_id}/result")
    assert page.inner_text("[data-score]") == "100.0"
    assert "+5" in page.inner_text("main")
    shoot(page, f"{backend}-result")
    page.click("nav >> text=我的首页")
    assert page.inner_text("[data-assessment-score]") == "85"
