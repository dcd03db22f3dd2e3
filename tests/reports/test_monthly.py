"""The printable one-page monthly report."""

import re

import pytest

from tests.conftest import login
from tests.exams.test_exam_flow import make_exam
from tests.reports.test_dashboard import department, publish_kpi
from tests.reports.test_pass_rates import sit, tile_value
from trainer.accounts.models import Team
from trainer.accounts.roles import Role
from trainer.extensions import db
from trainer.reports.charts import MAX_BAR, VALUE_BAND, bar_chart

pytestmark = pytest.mark.usefixtures("small_content")


@pytest.fixture
def teams(make_user):
    return department(make_user)


@pytest.mark.parametrize("month", ["2026-13", "2026-00", "2026-1", "26-11", "november"])
def test_a_malformed_month_is_not_found(client, make_user, month):
    login(client, make_user(Role.MANAGER).username)
    assert client.get(f"/reports/monthly/{month}").status_code == 404


def test_the_report_has_the_month_figures(client, make_user, teams):
    login(client, make_user(Role.MANAGER).username)
    page = client.get("/reports/monthly/2026-11").text
    assert "2026年11月 月度考试报告" in page and "data-scope>全部门<" in page
    assert "生成于" in page
    # 售前一组: 50, 75, 75, 50, 50, 50; 售后二组: 100, 100, 75, 50 (60 passes).
    assert tile_value(page, "sat") == "10" and tile_value(page, "passed") == "5"
    assert tile_value(page, "rate") == "50.0"
    assert '<tr data-team="售前一组"><td>售前一组</td><td class="text-end">6</td>' \
           '<td class="text-end">2</td><td class="text-end">33.3%</td>' in page
    assert 'data-team="售后二组"' in page
    assert '<g data-bar="70">' in page and '<g data-bar="100">' in page
    weakest = page[page.index("最薄弱的课程章节"):]
    assert weakest.index('href="/learn/alpha#two">甲课程 · 第二节</a>') < weakest.index(
        "乙课程 · 唯一一节")
    assert "KPI 评级分布" not in page


def test_the_score_bands_are_drawn_without_script(client, make_user, teams):
    login(client, make_user(Role.MANAGER).username)
    page = client.get("/reports/monthly/2026-11").text
    bands = page[page.index("分数分布(人数)"):page.index("每段 10 分")]
    assert bands.count("<g data-bar=") == 11
    seventy = bands[bands.index('<g data-bar="70">'):]
    assert re.search(r'<text [^>]*>3</text>', seventy[:seventy.index("</g>")])  # three 75s
    assert "chart.umd" not in page


def test_it_prints_on_one_a4_page(client, make_user, teams):
    login(client, make_user(Role.MANAGER).username)
    page = client.get("/reports/monthly/2026-11").text
    assert "window.print()" in page
    assert re.search(r'<div class="d-flex gap-2 d-print-none">', page)
    assert 'class="monthly-report"' in page and "/static/css/app.css" in page
    css = client.get("/static/css/app.css").text
    printing = css[css.index("@media print"):]
    assert "@page { size: A4; margin: 12mm; }" in printing
    assert "body:has(.monthly-report) > nav" in printing
    assert ".monthly-report .report-section { break-inside: avoid;" in printing


def test_a_lead_gets_their_team_report(client, make_user, teams):
    east, _west = teams
    login(client, make_user(Role.LEAD, team=east).username)
    page = client.get("/reports/monthly/2026-11").text
    assert "data-scope>售前一组<" in page
    assert tile_value(page, "sat") == "6"
    assert "售后二组" not in page


def test_kpi_grades_appear_once_the_month_is_published(client, make_user, teams):
    east, west = teams
    publish_kpi("2026-11", [(east, "senior"), (west, "junior")])
    login(client, make_user(Role.LEAD, team=east).username)
    page = client.get("/reports/monthly/2026-11").text
    assert '<span data-grade="senior">高级 <strong>1</strong> 人</span>' in page
    assert '<span data-grade="junior">初级 <strong>0</strong> 人</span>' in page


def test_a_month_without_results_says_so(client, make_user, teams):
    login(client, make_user(Role.MANAGER).username)
    page = client.get("/reports/monthly/2026-05").text
    assert "2026年5月没有已评分的月度考试成绩" in page


def test_many_teams_print_their_ends(client, make_user):
    exam = make_exam("2026-11")
    for number in range(13):
        team = Team(name=f"第{number:02d}组")
        db.session.add(team)
        db.session.commit()
        sit(exam, make_user(Role.AGENT, team=team), 40 + 5 * number)
    login(client, make_user(Role.MANAGER).username)
    page = client.get("/reports/monthly/2026-11").text
    assert "共 13 个,列出通过率最低和最高的各 5 个" in page
    shown = re.findall(r'data-team="(第\d+组)"', page)
    assert shown == ["第00组", "第01组", "第02组", "第03组", "第04组",
                     "第12组", "第11组", "第10组", "第09组", "第08组"]


def test_agents_may_not_see_the_report(client, make_user, teams):
    login(client, make_user(Role.AGENT).username)
    assert client.get("/reports/monthly/2026-11").status_code == 403


def test_bars_are_scaled_to_the_top_and_a_missing_value_draws_none():
    chart = bar_chart(["8月", "9月", "10月"], [50.0, None, 100.0], maximum=100, unit="%",
                      width=300, height=120)
    half, missing, full = chart.bars
    room = chart.baseline - VALUE_BAND
    assert (full.height, half.height, missing.height) == (room, room / 2, 0)
    assert full.y == chart.baseline - room and half.y == chart.baseline - room / 2
    assert (half.text, missing.text, full.text) == ("50%", "—", "100%")
    assert all(bar.width <= MAX_BAR for bar in chart.bars)
    assert [bar.centre for bar in chart.bars] == [50, 150, 250]  # each in the middle of its slot


def test_counts_scale_to_the_largest_and_all_zero_draws_flat():
    tall, short = bar_chart(["a", "b"], [4, 1]).bars
    assert tall.height == 4 * short.height
    assert [b.height for b in bar_chart(["a", "b"], [0, 0]).bars] == [0, 0]
    with pytest.raises(ValueError):
        bar_chart(["a"], [1, 2])
