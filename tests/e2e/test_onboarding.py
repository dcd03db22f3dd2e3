"""A new hire's first days, on a phone: every module read section by section, every
practice quiz passed, the certification exam passed, and the agent certified."""

import re

import pytest
from sqlalchemy import text

from tests.e2e.http import Session
from tests.e2e.keys import answer, attempt_keys, practice_keys
from tests.e2e.pages import first_password_change, log_in

pytestmark = pytest.mark.e2e
PHONE = {"width": 390, "height": 844}


def create_agent(base: str, username: str) -> str:
    admin = Session(base)
    admin.log_in("admin", "Adm1nPass")
    status, page = admin.post_form("/admin/users/new", {
        "username": username, "display_name": "林新人", "role": "agent",
        "joined_on": "2026-11-01"})
    assert status == 200, page
    return re.search(r"data-temp-password>([^<]+)<", page).group(1)


def read_to_the_end(page) -> None:
    """Scroll like a reader, so each section heading really passes through the screen."""
    while not page.evaluate(
            "window.scrollY + window.innerHeight >= document.body.scrollHeight - 2"):
        page.mouse.wheel(0, 500)
        page.wait_for_timeout(60)
    page.wait_for_function(
        "document.querySelector('[data-reading-percent]').textContent === '100'")


def test_a_new_hire_studies_everything_on_a_phone_and_gets_certified(live_server, browser,
                                                                     shoot):
    base, engine, backend = live_server.base, live_server.engine, live_server.backend
    live_server.flask("create-admin", "admin", "--password", "Adm1nPass")
    temporary = create_agent(base, "xinren")
    context = browser.new_context(viewport=PHONE, locale="zh-CN", is_mobile=True,
                                  has_touch=True)
    page = context.new_page()
    page.on("dialog", lambda dialog: dialog.accept())
    log_in(page, base, "xinren", temporary)
    first_password_change(page, temporary, "Xinren2026")
    page.wait_for_url("**/me")
    assert page.is_visible('[data-cert-state="locked"]')
    shoot(page, f"{backend}-onboarding-home")

    page.goto(f"{base}/learn")
    modules = page.eval_on_selector_all("[data-module]", "els => els.map(e => e.dataset.module)")
    assert len(modules) >= 7
    for index, module_id in enumerate(modules):
        page.goto(f"{base}/learn/{module_id}")
        if index == 0:
            shoot(page, f"{backend}-module-phone")
        read_to_the_end(page)
        page.click("text=开始本课练习")
        page.wait_for_url(re.compile(r".*/practice/\d+$"))
        keys = practice_keys(engine, int(page.url.rsplit("/", 1)[1]))
        assert 5 <= len(keys) <= 10
        answer(page, keys[:1])
        page.click("fieldset[data-position='0'] [data-check]")
        page.wait_for_selector("fieldset[data-position='0'][data-checked='correct']")
        answer(page, keys, first=1)
        if index == 0:
            shoot(page, f"{backend}-practice-phone")
        page.click("main button[type=submit]:has-text('交卷')")
        page.wait_for_url("**/result")
        assert page.inner_text("[data-practice-score]") == "100.0"
        assert "本课已完成" in page.inner_text("main")

    page.goto(f"{base}/learn")
    assert page.is_visible('[data-cert-state="available"]')
    shoot(page, f"{backend}-catalog-complete-phone")
    page.click("text=开始认证考试")
    page.wait_for_url(re.compile(r".*/attempts/\d+$"))
    keys = attempt_keys(engine, int(page.url.rsplit("/", 1)[1]))
    assert len(keys) == 2 * len(modules)
    answer(page, keys)
    page.wait_for_selector("[data-save-status].text-success")
    shoot(page, f"{backend}-certification-phone")
    page.click("main button[type=submit]:has-text('交卷')")
    page.click("#submit-dialog [data-confirm-submit]")
    page.wait_for_url("**/result")
    assert page.inner_text("[data-score]") == "100.0"
    assert page.is_visible("[data-certified]")
    shoot(page, f"{backend}-certified-phone")
    with engine.connect() as conn:
        certified = conn.execute(text(
            "SELECT certified_on FROM users WHERE username = 'xinren'")).scalar_one()
    assert certified is not None
    page.goto(f"{base}/me")
    assert page.inner_text("[data-assessment-score]") == "80"
    context.close()
