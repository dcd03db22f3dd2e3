"""Last month's results in a real browser: the manager publishes the daily assessment, an agent
appeals a deduction on a phone and reads the KPI sheet, the lead accepts the appeal, and the
manager exports the department's KPI sheet as a workbook."""

import csv
import io
from datetime import date
from decimal import Decimal

import pytest
from openpyxl import load_workbook

from tests.conftest import TEST_CONFIG
from tests.test_month_flow import METRICS
from trainer import create_app
from trainer.accounts.models import Team
from trainer.accounts.roles import Role
from trainer.accounts.service import create_user
from trainer.assessment.service import add_item, set_supervisor_adjustment, update_item
from trainer.clock import local_now
from trainer.exams.service import previous_month
from trainer.extensions import db
from trainer.kpi.rules import Metrics, compute, fmt
from trainer.kpi.service import import_metrics, rules_for

from .pages import log_in

pytestmark = pytest.mark.e2e
DESKTOP = {"width": 1280, "height": 900}
PHONE = {"width": 390, "height": 844}
PASSWORD = "Yuedu2026"
COUNTS = {"consultations", "ordered_buyers", "paid_buyers", "customers_received",
          "customers_replied"}


def metrics_in_file() -> dict[str, Metrics]:
    """The imported file's figures, read here rather than by the system's own parser."""
    rows = csv.DictReader(io.StringIO(METRICS))
    return {row.pop("agent"): Metrics(**{
        name: (value == "1" if name == "promotion"
               else int(value) if name in COUNTS else Decimal(value))
        for name, value in row.items()}) for row in rows}


def seed(url: str) -> dict:
    """Last month as the lead and the manager left it before publication: a team, its people,
    ledger items (one of them edited) and the imported metrics."""
    app = create_app({**TEST_CONFIG, "SQLALCHEMY_DATABASE_URI": url})
    with app.app_context():
        month = previous_month(local_now().strftime("%Y-%m"))
        team = Team(name="售前一组")
        db.session.add(team)

        def person(username, name, role, team=None):
            user, _ = create_user(username=username, display_name=name, role=role, team=team,
                                  joined_on=date(2026, 1, 5), actor=None, password=PASSWORD,
                                  must_change_password=False)
            if role is Role.AGENT:
                user.certified_on = date(2026, 1, 20)
            return user

        lead = person("zuzhang", "李组长", Role.LEAD, team)
        manager = person("zhuguan", "沈主管", Role.MANAGER)
        star = person("star", "王满分", Role.AGENT, team)
        weak = person("weak", "陈待提高", Role.AGENT, team)
        db.session.flush()
        late = add_item(weak, month, "a_late_early", -3, date.fromisoformat(f"{month}-10"),
                        "早班迟到 20 分钟", "考勤机记录 09:20", actor=lead)
        browsing = add_item(weak, month, "a_browsing", None, date.fromisoformat(f"{month}-14"),
                            "当班期间浏览购物网站约 15 分钟", "", actor=lead)
        add_item(weak, month, "p_praise", 2, date.fromisoformat(f"{month}-20"),
                 "顾客留言表扬耐心解答尺码问题", "订单 20261120-0381 评价截图", actor=lead)
        db.session.flush()
        update_item(browsing, points=-2, occurred_on=browsing.occurred_on,
                    note=browsing.reason, evidence="屏幕巡检截图 14:05", demerit=False,
                    actor=lead, reason="补充凭证")
        add_item(star, month, "p_attendance", None, date.fromisoformat(f"{month}-28"),
                 "本月全勤", "考勤汇总表", actor=lead)
        set_supervisor_adjustment(star, month, 2, "大促期间主动加班", manager)
        db.session.commit()
        import_metrics(METRICS.encode(), "metrics.csv", month, actor=manager)
        seeded = {"month": month, "weak": weak.id, "late": late.id,
                  "rules": rules_for(month)[1]}
    with app.app_context():
        db.engine.dispose()
    return seeded


def signed_in(browser, base, username, viewport=DESKTOP, **phone):
    context = browser.new_context(viewport=viewport, locale="zh-CN", accept_downloads=True,
                                  **phone)
    page = context.new_page()
    log_in(page, base, username, PASSWORD)
    page.wait_for_url(lambda url: not url.endswith("/login"))
    return context, page


def test_a_month_is_published_appealed_and_exported(live_server, browser, shoot):
    base, backend = live_server.base, live_server.backend
    seeded = seed(live_server.env["DATABASE_URL"])
    month, late, weak_id = seeded["month"], seeded["late"], seeded["weak"]
    figures = metrics_in_file()

    # The manager publishes last month, confirming the dialog.
    boss_context, boss = signed_in(browser, base, "zhuguan")
    boss.goto(f"{base}/assessment?month={month}")
    assert boss.is_visible('h1 [data-state="draft"]')
    scores = dict(zip(
        boss.eval_on_selector_all("[data-month-table] tbody tr",
                                  "rows => rows.map(r => r.innerText.split('\\t')[0])"),
        boss.eval_on_selector_all("[data-month-table] [data-score]",
                                  "cells => cells.map(c => c.innerText)"), strict=True))
    assert scores == {"陈待提高 weak": "77", "王满分 star": "87"}
    confirmed = []

    def confirm(dialog):
        confirmed.append(dialog.message)
        dialog.accept()

    boss.once("dialog", confirm)
    boss.click("[data-publish]")
    boss.wait_for_selector('h1 [data-state="appeals"]')
    assert month in confirmed[0] and "申诉" in confirmed[0]
    assert f"已发布 {month} 日常考核" in boss.inner_text(".alert-success")
    assert not boss.is_visible("[data-publish]")
    shoot(boss, f"{backend}-assessment-published")

    # The agent appeals the late arrival, on a desktop...
    agent_context, agent = signed_in(browser, base, "weak")
    agent.goto(f"{base}/me/assessment?month={month}")
    assert agent.inner_text("[data-month-score]") == "77"
    row = f"tr[data-item='{late}']"
    agent.click(f"{row} summary:has-text('申诉')")
    agent.fill(f"#i{late}-text", "当天地铁停运,附运营公告截图")
    agent.click(f"{row} button:has-text('提交申诉')")
    agent.wait_for_selector(f"{row} [data-appeal] .badge:has-text('申诉待处理')")
    assert "申诉已提交" in agent.inner_text(".alert-success")
    assert not agent.is_visible(f"{row} summary:has-text('申诉')")
    shoot(agent, f"{backend}-my-assessment-appealed")

    # ...and reads the month's KPI sheet on a phone: the figure the rules give for 77 points.
    phone_context, phone = signed_in(browser, base, "weak", PHONE, is_mobile=True,
                                     has_touch=True)
    phone.goto(f"{base}/me/kpi?month={month}")
    expected = compute(figures["weak"], Decimal(77), seeded["rules"])
    assert phone.inner_text("[data-kpi]") == fmt(expected.kpi)
    assert phone.inner_text("[data-score='execution'] [data-assessment-link]") == "77 分"
    assert phone.evaluate("document.documentElement.scrollWidth") <= PHONE["width"]
    shoot(phone, f"{backend}-my-kpi-phone")
    phone.goto(f"{base}/me/assessment?month={month}")
    shoot(phone, f"{backend}-my-assessment-phone")

    # The lead accepts the appeal: the deduction is withdrawn.
    lead_context, lead = signed_in(browser, base, "zuzhang")
    lead.goto(f"{base}/assessment/appeals")
    card = lead.locator("[data-appeal-card]")
    assert card.count() == 1
    assert "当天地铁停运" in card.inner_text() and "陈待提高" in card.inner_text()
    card.locator("input[value=accept]").check()
    card.locator("input[id$='-points']").fill("0")
    card.locator("input[id$='-reason']").fill("核实地铁公告属实")
    shoot(lead, f"{backend}-appeals-queue")
    card.locator("button:has-text('提交处理')").click()
    lead.wait_for_selector("text=没有待处理的申诉")
    assert "申诉已处理" in lead.inner_text(".alert-success")
    agent.reload()
    assert agent.inner_text("[data-month-score]") == "80"
    decided = agent.inner_text(f"{row} [data-appeal]")
    assert "申诉已通过" in decided and "-3 → 0" in decided
    assert "申诉改分" in agent.inner_text("[data-trail]")
    shoot(agent, f"{backend}-my-assessment-decided")
    phone.goto(f"{base}/me/kpi?month={month}")
    assert phone.inner_text("[data-kpi]") == fmt(
        compute(figures["weak"], Decimal(80), seeded["rules"]).kpi)

    # The agent's month as staff see it: items, the decided appeal, the audit trail.
    boss.goto(f"{base}/assessment/{month}/agents/{weak_id}")
    assert boss.inner_text("[data-month-score]") == "80"
    trail = boss.inner_text("[data-trail]")
    for action in ("记录加减分", "修改加减分", "提出申诉", "申诉通过", "申诉改分"):
        assert action in trail
    shoot(boss, f"{backend}-assessment-agent")

    # The department's KPI sheet, and its export.
    boss.goto(f"{base}/kpi?month={month}")
    kpis = {username: compute(figures[username], Decimal(score), seeded["rules"]).kpi
            for username, score in (("weak", 80), ("star", 87))}
    for username, kpi in kpis.items():
        assert boss.inner_text(f"tr[data-agent='{username}'] [data-kpi]") == fmt(kpi)
    assert boss.is_visible('[data-month-state="published"]')
    boss.set_viewport_size({"width": DESKTOP["width"], "height": 560})  # no blank space below
    shoot(boss, f"{backend}-kpi-sheet")
    with boss.expect_download() as download:
        boss.click("text=导出 Excel")
    assert download.value.suggested_filename == f"KPI考核表-{month}.xlsx"
    sheet = load_workbook(io.BytesIO(download.value.path().read_bytes())).active
    header = [cell.value for cell in sheet[1]]
    table = {values[0]: dict(zip(header, values, strict=True))
             for values in sheet.iter_rows(min_row=2, values_only=True)}
    assert set(table) == set(kpis)
    for username, kpi in kpis.items():
        assert Decimal(str(table[username]["KPI"])) == kpi
    assert table["weak"]["姓名"] == "陈待提高" and table["star"]["团队"] == "售前一组"

    for context in (boss_context, agent_context, phone_context, lead_context):
        context.close()
