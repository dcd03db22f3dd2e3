"""The exam dashboards in a real browser on the demo organization: the manager's dashboard
agrees with the database, its tables sort, filter and export, the item statistics and an
agent's record open, the monthly report prints on one page; phones do not scroll sideways;
a lead sees their own team only; agents see none of it."""

import io
import re

import pytest
from openpyxl import load_workbook
from sqlalchemy import text

from trainer.demo import DEMO_PASSWORD

from .conftest import ARTIFACTS
from .pages import log_in

pytestmark = pytest.mark.e2e
DESKTOP = {"width": 1280, "height": 900}
PHONE = {"width": 390, "height": 844}
# A4 less the report's 12 mm margins (static/css/app.css), in CSS pixels: the printed width.
PAPER = {"width": round((210 - 2 * 12) / 25.4 * 96), "height": round((297 - 2 * 12) / 25.4 * 96)}
TEAMS = ("售前一组", "售后二组")
CHARTS_DRAWN = """() => {
  const canvases = Array.from(document.querySelectorAll('canvas[data-chart]'));
  return canvases.length > 0 && canvases.every(c => window.Chart && Chart.getChart(c)
    && c.clientWidth > 0 && c.clientHeight > 0);
}"""
NO_SIDEWAYS_SCROLL = ("() => document.documentElement.scrollWidth"
                      " <= window.innerWidth + 1")
# The values of one column of a data table (templates/_table.html): a number cell's raw
# data-value (null when empty), a text cell's text; rows the filter hid are left out.
COLUMN = """([table, title]) => {
  const element = document.getElementById(table);
  const index = Array.from(element.tHead.rows[0].cells)
    .findIndex(th => th.textContent.trim().replace(/[▲▼]/g, '') === title);
  return Array.from(element.tBodies[0].rows).filter(row => !row.hidden).map(row => {
    const cell = row.cells[index];
    const raw = cell.dataset.value;
    if (raw === undefined) return cell.textContent.trim();
    return raw === '' ? null : Number(raw);
  });
}"""
# One page of a PDF is one "/Type /Page" object; the page tree is "/Type /Pages".
PDF_PAGE = re.compile(rb"/Type\s*/Page(?!s)")


def signed_in(browser, base, username, viewport=DESKTOP, **device):
    context = browser.new_context(viewport=viewport, locale="zh-CN", accept_downloads=True,
                                  **device)
    page = context.new_page()
    log_in(page, base, username, DEMO_PASSWORD)
    page.wait_for_url(lambda url: not url.endswith("/login"))
    return page


def top(page, name, height):
    """The head of a page as the README shows it (`shoot` keeps the whole page), the mouse
    off the tables so no row is drawn hovered."""
    page.mouse.move(0, 0)
    width = page.viewport_size["width"]
    page.screenshot(path=str(ARTIFACTS / f"{name}.png"), full_page=True,
                    clip={"x": 0, "y": 0, "width": width, "height": height})


def column(page, table, title):
    return page.evaluate(COLUMN, [table, title])


def month_results(engine, month, team=None) -> dict[str, tuple[int, int]]:
    """(sitters, passed) per team name for the month's monthly exam, each agent counted by
    the attempt the ledger counts: straight from the graded results, not the summaries."""
    query = ("SELECT t.name, count(*), sum(CASE WHEN r.passed THEN 1 ELSE 0 END) "
             "FROM exam_results r JOIN teams t ON t.id = r.team_id "
             "WHERE r.kind = 'monthly' AND r.month = :month AND r.counted = :yes "
             + ("AND t.name = :team " if team else "") + "GROUP BY t.name ORDER BY t.name")
    with engine.connect() as conn:
        rows = conn.execute(text(query), {"month": month, "yes": True, "team": team}).all()
    return {name: (int(sat), int(passed)) for name, sat, passed in rows}


def pass_rate(results: dict[str, tuple[int, int]]) -> float:
    sat = sum(s for s, _ in results.values())
    return round(100 * sum(p for _, p in results.values()) / sat, 1)


def tile(page, key, month) -> str:
    return page.inner_text(f"[data-{key}='{month}'] [data-value]")


def agents_of(engine, team) -> set[str]:
    with engine.connect() as conn:
        return set(conn.execute(text(
            "SELECT u.username FROM users u JOIN teams t ON t.id = u.team_id "
            "WHERE u.role = 'agent' AND t.name = :team"), {"team": team}).scalars())


def test_dashboards_for_the_manager_a_lead_and_an_agent(live_server, browser, shoot):
    base, backend, engine = live_server.base, live_server.backend, live_server.engine
    live_server.flask("seed-demo")

    # The manager's dashboard, for the month before the newest, picked in the month picker.
    boss = signed_in(browser, base, "manager")
    boss.goto(f"{base}/reports/pass-rates")
    months = boss.eval_on_selector_all("#month option", "options => options.map(o => o.value)")
    assert len(months) == 3 and months == sorted(months, reverse=True)
    month = months[1]
    boss.select_option("#month", month)
    boss.wait_for_url(f"**/reports/pass-rates?month={month}")
    boss.wait_for_function(CHARTS_DRAWN)
    results = month_results(engine, month)
    assert set(results) == set(TEAMS)
    assert float(tile(boss, "rate", month)) == pass_rate(results)
    assert int(tile(boss, "sat", month)) == sum(s for s, _ in results.values())
    assert int(tile(boss, "passed", month)) == sum(p for _, p in results.values())
    for key in ("sat", "passed", "rate", "mean"):
        assert re.fullmatch(r"\d+(\.\d)?", tile(boss, key, month))
    charts = boss.eval_on_selector_all("canvas[data-chart]", "cs => cs.map(c => c.id)")
    assert {"trend", "teams", "bands", "categories"} <= set(charts)
    shoot(boss, f"{backend}-dashboard")
    top(boss, f"{backend}-dashboard-top", 800)
    shown = dict(zip(column(boss, "teams-table", "团队"),
                     zip(column(boss, "teams-table", "参考人数"),
                         column(boss, "teams-table", "通过人数"), strict=True), strict=True))
    assert shown == results

    # A numeric header sorts its table ascending, then descending; the filter hides rows.
    server_order = column(boss, "categories-table", "得分率")
    assert len(server_order) >= 3
    boss.click("#categories-table th:has-text('得分率') button")
    assert column(boss, "categories-table", "得分率") == sorted(server_order)
    assert boss.get_attribute("#categories-table th:has-text('得分率')",
                              "aria-sort") == "ascending"
    boss.click("#categories-table th:has-text('得分率') button")
    assert column(boss, "categories-table", "得分率") == sorted(server_order, reverse=True)
    categories = column(boss, "categories-table", "类别")
    boss.fill("[data-filter-for='categories-table']", categories[0])
    boss.wait_for_selector(f"[data-filter-status='categories-table']:has-text('/ "
                           f"{len(categories)} 行')")
    kept = column(boss, "categories-table", "类别")
    assert kept == [c for c in categories if categories[0] in c] and len(kept) < len(categories)
    boss.fill("[data-filter-for='categories-table']", "")
    assert column(boss, "categories-table", "类别") == categories

    # The teams table as a workbook: the figures the page showed.
    with boss.expect_download() as download:
        boss.click("a[data-export='xlsx'][href*='export=teams']")
    assert download.value.suggested_filename == f"{month} 各团队通过率.xlsx"
    sheet = load_workbook(io.BytesIO(download.value.path().read_bytes())).active
    header = [cell.value for cell in sheet[1]]
    assert header[:3] == ["团队", "参考人数", "通过人数"]
    assert {row[0]: (row[1], row[2]) for row in sheet.iter_rows(min_row=2, values_only=True)
            } == results

    # Item statistics: every question of the period, each exam's reliability.
    boss.goto(f"{base}/reports/items")
    assert boss.locator("#item-table tbody tr:not([data-empty])").count() > 10
    reliabilities = [a for a in column(boss, "exam-table", "信度 α") if a is not None]
    assert reliabilities and all(-1 <= a <= 1 for a in reliabilities)
    shoot(boss, f"{backend}-item-stats")
    top(boss, f"{backend}-item-stats-top", 1000)
    # The single-choice question answered most often, in depth: its distractors.
    kinds, answers = column(boss, "item-table", "题型"), column(boss, "item-table", "作答人次")
    row = max((n, i) for i, (k, n) in enumerate(zip(kinds, answers, strict=True))
              if k == "单选题")[1]
    boss.locator("#item-table tbody tr").nth(row).locator("td a").first.click()
    boss.wait_for_url(re.compile(r"/reports/items/\d+\?"))
    version = boss.get_attribute("section[data-version]", "data-version")
    options = f"options-{version}"
    counts, shares = column(boss, options, "选择人次"), column(boss, options, "选择比例")
    assert len(counts) >= 3  # the options and the unanswered
    assert sum(counts) == int(boss.inner_text(f"section[data-version='{version}'] "
                                              "[data-answers]"))
    assert sum(shares) == pytest.approx(1, abs=0.01)
    assert column(boss, options, "正确答案").count("✓") == 1
    shoot(boss, f"{backend}-item-question")

    # One agent's record, from the list of agents.
    boss.goto(f"{base}/reports/agents")
    listed = column(boss, "agent-table", "账号")
    assert set(listed) == agents_of(engine, TEAMS[0]) | agents_of(engine, TEAMS[1])
    shoot(boss, f"{backend}-agents")
    name = column(boss, "agent-table", "姓名")[0]
    boss.click(f"#agent-table a:text-is('{name}')")
    boss.wait_for_url(re.compile(r"/reports/agents/\d+$"))
    assert name in boss.inner_text("h1")
    boss.wait_for_function(CHARTS_DRAWN)
    assert boss.locator("#exam-table tbody tr:not([data-empty])").count() >= 1
    shoot(boss, f"{backend}-agent-report")
    top(boss, f"{backend}-agent-report-top", 1300)

    # The printable monthly report: its SVG charts, and one A4 page on paper.
    boss.goto(f"{base}/reports/monthly/{month}")
    shoot(boss, f"{backend}-monthly-report-screen")
    assert boss.inner_text("[data-scope]") == "全部门"
    assert float(tile(boss, "rate", month)) == pass_rate(results)
    assert boss.locator("svg.report-chart").count() == 2
    assert boss.locator("svg.report-chart rect").count() >= 3
    assert boss.is_visible("button:has-text('打印')")
    boss.emulate_media(media="print")
    assert not boss.is_visible("button:has-text('打印')")
    pdf = boss.pdf(prefer_css_page_size=True, print_background=True)
    assert len(PDF_PAGE.findall(pdf)) == 1
    boss.set_viewport_size(PAPER)
    bottom = boss.evaluate("document.querySelector('[data-monthly-report]')"
                           ".getBoundingClientRect().bottom")
    assert bottom <= PAPER["height"]
    # Every box of the report within the paper's width (the rows' gutters may overhang).
    assert boss.evaluate("""() => Array.from(
      document.querySelectorAll('[data-monthly-report] .border, [data-monthly-report] h1'))
      .every(box => box.getBoundingClientRect().right <= innerWidth + 1)""")
    top(boss, f"{backend}-monthly-report", round(bottom) + 8)

    # A phone: the dashboard and the item statistics fit its width.
    phone = signed_in(browser, base, "manager", PHONE, is_mobile=True, has_touch=True)
    phone.goto(f"{base}/reports/pass-rates")
    phone.wait_for_function(CHARTS_DRAWN)
    assert phone.evaluate(NO_SIDEWAYS_SCROLL)
    shoot(phone, f"{backend}-dashboard-phone")
    phone.goto(f"{base}/reports/items")
    assert phone.evaluate(NO_SIDEWAYS_SCROLL)
    shoot(phone, f"{backend}-item-stats-phone")

    # A lead: their own team's figures only, and no way to another team's agent.
    lead = signed_in(browser, base, "lead1")
    lead.goto(f"{base}/reports/pass-rates?month={month}")
    lead.wait_for_function(CHARTS_DRAWN)
    own = month_results(engine, month, TEAMS[0])
    assert float(tile(lead, "rate", month)) == pass_rate(own)
    assert column(lead, "teams-table", "团队") == [TEAMS[0]]
    assert TEAMS[1] not in lead.content()
    shoot(lead, f"{backend}-dashboard-lead")
    lead.goto(f"{base}/reports/agents")
    assert set(column(lead, "agent-table", "账号")) == agents_of(engine, TEAMS[0])
    assert set(column(lead, "agent-table", "团队")) == {TEAMS[0]}
    shoot(lead, f"{backend}-agents-lead")
    with engine.connect() as conn:
        stranger = conn.execute(text(
            "SELECT u.id FROM users u JOIN teams t ON t.id = u.team_id "
            "WHERE u.role = 'agent' AND t.name = :team ORDER BY u.id"),
            {"team": TEAMS[1]}).scalars().first()
    assert lead.goto(f"{base}/reports/agents/{stranger}").status == 404
    assert lead.goto(f"{base}/reports/items").status == 200
    assert lead.locator("#item-table tbody tr:not([data-empty])").count() > 0
    assert TEAMS[1] not in lead.content()

    # An agent sees none of the dashboards.
    agent = signed_in(browser, base, "agent01")
    for path in ("/reports/pass-rates", "/reports/items"):
        assert agent.goto(f"{base}{path}").status == 403
