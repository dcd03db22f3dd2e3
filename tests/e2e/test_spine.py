"""The whole product once, as people use it: an admin sets up a new agent and a manager, the
manager schedules the month's exam, the agent studies, sits the exam and sees the score land
in the month's assessment, and the manager sees the pass rate."""

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
    page.click("text=开始考试")
    page.wait_for_url(re.compile(r".*/attempts/\d+$"))
    attempt_id = int(page.url.rsplit("/", 1)[1])
    keys = attempt_keys(engine, attempt_id)
    assert len(keys) == 16
    answer(page, keys)
    page.wait_for_selector("[data-save-status].text-success")
    shoot(page, f"{backend}-exam")
    page.click("text=交卷")
    page.wait_for_url("**/result")
    assert page.inner_text("[data-score]") == "100.0"
    assert "+5" in page.inner_text("main")
    shoot(page, f"{backend}-result")
    page.click("nav >> text=我的首页")
    assert page.inner_text("[data-assessment-score]") == "85"
    log_out(page)

    # The manager sees the month's pass rate.
    log_in(page, base, "zhuguan", "Zhuguan2026")
    page.wait_for_url("**/reports/pass-rates")
    month = now.strftime("%Y-%m")
    assert page.inner_text(f'[data-rate="{month}"]') == "100.0%"
    shoot(page, f"{backend}-pass-rates")

    # A phone-sized screen: the same page, still usable.
    page.set_viewport_size({"width": 390, "height": 844})
    page.reload()
    assert page.is_visible(f'[data-rate="{month}"]')
    shoot(page, f"{backend}-pass-rates-phone")
