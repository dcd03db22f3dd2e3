"""The dashboard's knowledge sections (categories, course sections, the weakest of each), the
KPI grades, the onboarding funnel and the exports of every table; papers graded through the
exam service, so the summaries are the ones grading writes."""

import io
import re
from datetime import timedelta

import pytest
from openpyxl import load_workbook

from tests.conftest import login
from tests.exams import papers
from tests.exams.test_exam_flow import make_exam
from tests.reports.test_pass_rates import exported
from tests.reports.test_pass_rates import sit as sit_scored
from trainer.accounts.models import Team
from trainer.accounts.roles import Role
from trainer.clock import local_now
from trainer.exams.models import Attempt
from trainer.extensions import db
from trainer.kpi.models import KpiResult

pytestmark = pytest.mark.usefixtures("small_content")

# Fixture bank: a-001 (course alpha, section one) and a-002 (alpha, two) are 服务礼仪;
# b-001 and b-002 (beta, only) are 销售知识. All single choice with key A.
PAPER = ("a-001", "a-002", "b-001", "b-002")
TABLES = ("months", "teams", "bands", "categories", "sections", "grades")


def sit(exam, agent, right: set[str], sitting=1) -> Attempt:
    """Answer the paper (A for the keys in `right`, B for the rest) and hand it in."""
    return papers.sit(exam, agent, {key: [0 if key in right else 1] for key in PAPER}, PAPER,
                      sitting=sitting)


def department(make_user) -> tuple[Team, Team]:
    """November, six agents in 售前一组 and four in 售后二组:
    a-001 right for all; a-002 right for three of 售后二组 only (3/10);
    b-001 right for three of 售前一组 and two of 售后二组 (5/10); b-002 wrong once (9/10)."""
    east, west = Team(name="售前一组"), Team(name="售后二组")
    db.session.add_all([east, west])
    db.session.commit()
    exam = make_exam("2026-11")
    for i in range(6):
        right = {"a-001"} | ({"b-001"} if i < 3 else set()) | ({"b-002"} if i else set())
        sit(exam, make_user(Role.AGENT, team=east), right)
    for i in range(4):
        right = {"a-001", "b-002"} | ({"a-002"} if i < 3 else set()) | (
            {"b-001"} if i < 2 else set())
        sit(exam, make_user(Role.AGENT, team=west), right)
    return east, west


@pytest.fixture
def teams(make_user):
    return department(make_user)


def publish_kpi(month, grades_by_team):
    """Stored outcomes of a published month: [(team, grade or None), ...]."""
    for number, (team, grade) in enumerate(grades_by_team):
        db.session.add(KpiResult(month=month, user_id=number + 1, team_id=team.id,
                                 assessment_score=80, grade=grade))
    db.session.commit()


def test_correct_rates_by_category_and_by_course_section(client, make_user, teams):
    login(client, make_user(Role.MANAGER).username)
    assert exported(client, "categories") == [
        ["类别", "作答次数", "答对次数", "答对率", "得分率"],
        ["销售知识", "20", "14", "70.0%", "70.0%"],  # in the bank's category order
        ["服务礼仪", "20", "13", "65.0%", "65.0%"],
    ]
    assert exported(client, "sections")[1:] == [
        ["甲课程 · 第一节", "10", "10", "100.0%", "100.0%"],
        ["甲课程 · 第二节", "10", "3", "30.0%", "30.0%"],
        ["乙课程 · 唯一一节", "20", "14", "70.0%", "70.0%"],
    ]


def test_the_weakest_link_to_the_section_that_teaches_them(client, make_user, teams):
    login(client, make_user(Role.MANAGER).username)
    page = client.get("/reports/pass-rates").text
    weak_sections = page[page.index("最薄弱的课程章节"):page.index("各类别得分率")]
    assert weak_sections.index('data-weak-section="alpha#two"') < weak_sections.index(
        'data-weak-section="beta#only"') < weak_sections.index('data-weak-section="alpha#one"')
    assert 'href="/learn/alpha#two">甲课程 · 第二节</a><span class="text-nowrap">得分率 30.0%' \
        in weak_sections
    weak_categories = page[page.index("最薄弱的类别"):page.index("最薄弱的课程章节")]
    assert weak_categories.index('data-weak-category="etiquette"') < weak_categories.index(
        'data-weak-category="sales"')
    # 服务礼仪 lost its credit in alpha's second section, not its first.
    etiquette = weak_categories[weak_categories.index('data-weak-category="etiquette"'):]
    assert etiquette.index('href="/learn/alpha#two"') < etiquette.index("</li>")


def test_a_lead_sees_their_team_answers_and_few_answers_are_not_ranked(client, make_user,
                                                                         teams):
    east, _west = teams
    login(client, make_user(Role.LEAD, team=east).username)
    assert exported(client, "categories")[1:] == [["销售知识", "12", "8", "66.7%", "66.7%"],
                                                  ["服务礼仪", "12", "6", "50.0%", "50.0%"]]
    assert exported(client, "sections")[1:] == [
        ["甲课程 · 第一节", "6", "6", "100.0%", "100.0%"],
        ["甲课程 · 第二节", "6", "0", "0.0%", "0.0%"],
        ["乙课程 · 唯一一节", "12", "8", "66.7%", "66.7%"],
    ]
    page = client.get("/reports/pass-rates").text
    weak_sections = page[page.index("最薄弱的课程章节"):page.index("各类别得分率")]
    # Six answers are too few to call alpha's second section weak.
    assert 'data-weak-section="beta#only"' in weak_sections
    assert 'data-weak-section="alpha#two"' not in weak_sections
    assert "售后二组" not in page


def test_a_retake_counts_once_in_the_pass_rate_and_every_answer_in_the_correct_rate(
        client, make_user):
    exam = make_exam("2026-11", attempts_allowed=2)
    agent = make_user(Role.AGENT)
    assert sit(exam, agent, set()).score == 0
    assert sit(exam, agent, set(PAPER), sitting=2).score == 100
    login(client, make_user(Role.MANAGER).username)
    assert exported(client, "months")[1:] == [["2026-11", "1", "1", "100.0%", "100"]]
    assert dict(exported(client, "bands")[1:])["100"] == "1"
    assert dict(exported(client, "bands")[1:])["0–9.9"] == "0"
    assert exported(client, "categories")[1:] == [["销售知识", "4", "2", "50.0%", "50.0%"],
                                                  ["服务礼仪", "4", "2", "50.0%", "50.0%"]]


def test_kpi_grades_of_the_latest_published_month(client, make_user, teams):
    east, west = teams
    publish_kpi("2026-09", [(east, "junior")])
    publish_kpi("2026-10", [(east, "senior"), (east, "senior"), (west, "junior"), (west, None)])
    login(client, make_user(Role.MANAGER).username)
    page = client.get("/reports/pass-rates").text
    assert 'data-grades="2026-10"' in page
    assert exported(client, "grades") == [["评级", "人数"], ["高级", "2"], ["中级", "0"],
                                          ["初级", "1"], ["不评级", "0"], ["无指标", "1"]]
    client.post("/logout")
    login(client, make_user(Role.LEAD, team=east).username)
    assert exported(client, "grades")[1:] == [["高级", "2"], ["中级", "0"], ["初级", "0"],
                                              ["不评级", "0"]]


def test_no_kpi_section_before_a_month_is_published(client, make_user, teams):
    login(client, make_user(Role.MANAGER).username)
    assert "KPI 评级分布" not in client.get("/reports/pass-rates").text
    assert client.get("/reports/pass-rates?export=grades&format=csv").status_code == 404


def test_the_onboarding_funnel_in_brief(client, make_user, teams):
    make_user(Role.AGENT, team=teams[0], joined_on=local_now().date() - timedelta(days=3),
              certified_on=None)
    login(client, make_user(Role.MANAGER).username)
    page = client.get("/reports/pass-rates").text
    assert 'data-funnel="invited">1<' in page and 'data-funnel="certified">0<' in page
    assert 'href="/reports/onboarding"' in page


def test_links_to_the_printable_report_of_the_month(client, make_user, teams):
    login(client, make_user(Role.MANAGER).username)
    assert 'href="/reports/monthly/2026-11" data-monthly-link' in client.get(
        "/reports/pass-rates").text


@pytest.mark.parametrize("name", TABLES)
def test_every_table_exports_as_csv_and_excel(client, make_user, teams, name):
    publish_kpi("2026-10", [(teams[0], "senior")])
    login(client, make_user(Role.MANAGER).username)
    rows = exported(client, name)
    assert len(rows) > 1
    response = client.get(f"/reports/pass-rates?export={name}&format=xlsx&month=2026-11")
    assert response.status_code == 200
    assert response.mimetype.endswith("spreadsheetml.sheet")
    sheet = load_workbook(io.BytesIO(response.data)).active
    assert [cell.value for cell in sheet[1]] == rows[0]
    assert sheet.max_row == len(rows)
    assert f"export={name}" in client.get("/reports/pass-rates").text


def test_unknown_exports_are_refused(client, make_user, teams):
    login(client, make_user(Role.MANAGER).username)
    assert client.get("/reports/pass-rates?export=users&format=csv").status_code == 404
    assert client.get("/reports/pass-rates?export=teams&format=pdf").status_code == 400


def test_a_lead_cannot_export_another_team(client, make_user, teams):
    _east, west = teams
    login(client, make_user(Role.LEAD, team=west).username)
    assert [row[0] for row in exported(client, "teams")[1:]] == ["售后二组"]
    # 100, 100, 75 and 50: the last fails.
    assert exported(client, "months")[1:] == [["2026-11", "4", "3", "75.0%", "81.2"]]


def test_the_month_flagged_questions_link_to_the_item_statistics(client, make_user):
    exam = make_exam("2026-11")
    for _ in range(30):  # enough answers for the item statistics to judge a question
        sit_scored(exam, make_user(Role.AGENT), 0)  # a-001 answered wrong by everyone
    login(client, make_user(Role.MANAGER).username)
    page = client.get("/reports/pass-rates").text
    link = re.search(r'<a class="small" href="([^"]+)" data-flagged="(\d+)">', page)
    assert link.group(2) == "1"
    assert link.group(1).startswith("/reports/items?") and "flagged=1" in link.group(1)
    assert "from=2026-11" in link.group(1) and "to=2026-11" in link.group(1)
    assert "<strong data-flagged>1</strong>" in client.get("/reports/monthly/2026-11").text


def test_teams_and_categories_link_to_their_details(client, make_user, teams):
    east, _west = teams
    login(client, make_user(Role.MANAGER).username)
    page = client.get("/reports/pass-rates").text
    assert f'<a href="/reports/agents?team={east.id}" title="查看该团队的客服">售前一组</a>' in page
    assert re.search(r'<a href="/reports/items\?[^"]*category=sales[^"]*" '
                     r'title="查看该类别的题目分析">销售知识</a>', page)
    client.post("/logout")
    login(client, make_user(Role.LEAD, team=east).username)
    page = client.get("/reports/pass-rates").text
    assert '<a href="/reports/agents" title="查看该团队的客服">售前一组</a>' in page


def test_teams_are_ordered_as_people_number_them(client, make_user):
    exam = make_exam("2026-11")
    for name in ("第10组", "第2组", "第1组"):
        team = Team(name=name)
        db.session.add(team)
        db.session.commit()
        sit_scored(exam, make_user(Role.AGENT, team=team), 80)
    sit_scored(exam, make_user(Role.AGENT), 80)
    login(client, make_user(Role.MANAGER).username)
    assert [row[0] for row in exported(client, "teams")[1:]] == [
        "第1组", "第2组", "第10组", "(未分组)"]
