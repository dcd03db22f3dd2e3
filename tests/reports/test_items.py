"""The item-statistics pages read what grading tallied: numbers, flags, a lead's team only,
the exports, and one question's options."""

import csv
import io
from types import SimpleNamespace

import pytest
from openpyxl import load_workbook
from sqlalchemy import select

from tests.conftest import login
from tests.exams.papers import question, sit
from tests.exams.test_exam_flow import make_exam
from trainer.accounts.models import Team
from trainer.accounts.roles import Role
from trainer.extensions import db
from trainer.reports.models import ItemTally

pytestmark = pytest.mark.usefixtures("small_content")

# Fixture bank (module alpha, category etiquette): a-001 and a-002 single choice with key A
# (option 0), a-003 true/false with key 正确; b-001 (module beta, category sales) single, key A.
EAST_PAPER = ("a-001", "a-002", "a-003")
EAST_ANSWERS = [  # credits: 3, 2, 0 and 2 of 3
    {"a-001": [0], "a-002": [0], "a-003": [True]},
    {"a-001": [0], "a-002": [1], "a-003": [True]},
    {"a-001": [1], "a-002": [2], "a-003": [False]},
    {"a-001": [0], "a-003": [True]},  # a-002 left unanswered
]
WEST_PAPER = ("a-001", "b-001")
WEST_ANSWERS = [{"a-001": [0], "b-001": [0]}, {"a-001": [1], "b-001": [1]}]


def graded_month(make_user, month="2026-10") -> SimpleNamespace:
    """Two teams sat `month`'s exam: east four agents on a-001..a-003, west two on a-001 and
    b-001 (b-001 answered by west only)."""
    east, west = Team(name="东区"), Team(name="西区")
    db.session.add_all([east, west])
    db.session.commit()
    exam = make_exam(month)
    agents = {"east_agents": [], "west_agents": []}
    for team, name, paper, answers in ((east, "east", EAST_PAPER, EAST_ANSWERS),
                                       (west, "west", WEST_PAPER, WEST_ANSWERS)):
        for number, responses in enumerate(answers, 1):
            agent = make_user(Role.AGENT, team=team, username=f"{name}{number}",
                              display_name=f"{name}客服{number}")
            sit(exam, agent, responses, paper)
            agents[f"{name}_agents"].append(agent)
    return SimpleNamespace(east=east, west=west, exam=exam, **agents)


@pytest.fixture
def graded(make_user):
    return graded_month(make_user)


def read_csv(data: bytes) -> list[list[str]]:
    assert data.startswith(b"\xef\xbb\xbf")
    return list(csv.reader(io.StringIO(data.decode("utf-8-sig"), newline="")))


def by_key(rows: list[list[str]]) -> dict[str, dict[str, str]]:
    header = rows[0]
    return {row[0]: dict(zip(header, row, strict=True)) for row in rows[1:]}


def export(client, path: str, name: str, fmt: str = "csv", query: str = ""):
    response = client.get(f"{path}?{query}&export={name}&format={fmt}")
    assert response.status_code == 200, response.status_code
    return response


def test_the_tally_holds_what_the_page_reads(graded):
    rows = db.session.scalars(select(ItemTally).where(
        ItemTally.question_id == question("a-001").id)).all()
    assert sum(r.answers for r in rows) == 6


def test_a_manager_sees_every_question_pooled_over_teams(client, make_user, graded):
    login(client, make_user(Role.MANAGER).username)
    page = client.get("/reports/items")
    assert page.status_code == 200
    text = page.text
    assert 'id="item-table"' in text and "data-sortable" in text and "data-filter-for" in text
    assert "2026-10" in text  # the default period: the months with results
    items = by_key(read_csv(export(client, "/reports/items", "items").data))
    assert list(items) == ["b-001", "a-001", "a-002", "a-003"]  # by category, then key
    assert items["a-001"]["作答人次"] == "6" and items["a-001"]["得分率"] == "66.7%"
    assert items["b-001"]["作答人次"] == "2" and items["b-001"]["得分率"] == "50%"
    assert items["a-002"]["分类"] == "服务礼仪" and items["a-002"]["题型"] == "单选题"
    assert items["a-002"]["题目"] == "alpha 单选题 2"
    # Four answers are too few to flag anything.
    assert {row["提示"] for row in items.values()} == {"样本不足"}


def test_a_lead_sees_only_their_teams_answers(client, make_user, graded):
    login(client, make_user(Role.LEAD, team=graded.east).username)
    items = by_key(read_csv(export(client, "/reports/items", "items").data))
    assert list(items) == ["a-001", "a-002", "a-003"]  # b-001: west only
    assert items["a-001"]["作答人次"] == "4" and items["a-001"]["得分率"] == "75%"
    assert items["a-002"]["得分率"] == "25%" and items["a-003"]["得分率"] == "75%"
    # Item-rest r of a-002: credits 1, 0, 0, 0 against rests 2, 2, 0, 2.
    assert items["a-002"]["区分度"] == "0.33"
    exams = read_csv(export(client, "/reports/items", "exams").data)
    assert exams[1][:5] == ["2026-10 月度考试", "2026-10", "月度考试", "4", "3"]
    detail = client.get(f"/reports/items/{question('b-001').id}")
    assert detail.status_code == 200 and "data-no-data" in detail.text
    assert "data-version" not in detail.text


def test_a_lead_without_a_team_sees_nothing(client, make_user, graded):
    login(client, make_user(Role.LEAD).username)
    assert "还没有已评分的月度考试" in client.get("/reports/items").text
    assert read_csv(export(client, "/reports/items", "items").data)[1:] == []


def test_exam_reliability_and_paper_length(client, make_user, graded):
    login(client, make_user(Role.MANAGER).username)
    [header, row] = read_csv(export(client, "/reports/items", "exams").data)
    line = dict(zip(header, row, strict=True))
    assert line["答卷数"] == "6" and line["平均题量"] == "2.7"  # (4·3 + 2·2) / 6
    assert line["解读"] == "参考人数太少,暂不评价。"


def test_filters_category_kind_and_period(client, make_user, graded):
    login(client, make_user(Role.MANAGER).username)
    sales = by_key(read_csv(export(client, "/reports/items", "items",
                                   query="category=sales").data))
    assert list(sales) == ["b-001"]
    other_period = read_csv(export(client, "/reports/items", "items",
                                   query="from=2026-11&to=2026-12").data)
    assert other_period[1:] == []
    reversed_period = by_key(read_csv(export(client, "/reports/items", "items",
                                             query="from=2026-12&to=2026-09").data))
    assert "a-001" in reversed_period
    assert "还没有已评分的上岗认证" in client.get("/reports/items?kind=certification").text


def test_flags_need_enough_answers_and_show_as_badges(client, make_user, graded):
    exam = make_exam("2026-09")
    for number in range(30):  # a-004 everyone right, a-005 three in thirty
        agent = make_user(Role.AGENT, team=graded.east)
        sit(exam, agent, {"a-004": [0], "a-005": [0] if number < 3 else [1]}, ("a-004", "a-005"))
    login(client, make_user(Role.MANAGER).username)
    query = "from=2026-09&to=2026-10"
    page = client.get(f"/reports/items?{query}").text
    assert 'data-flag="too_easy">过易' in page and 'data-flag="too_hard">过难' in page
    items = by_key(read_csv(export(client, "/reports/items", "items", query=query).data))
    assert items["a-004"]["提示"] == "过易" and items["a-004"]["得分率"] == "100%"
    assert items["a-005"]["提示"] == "过难" and items["a-005"]["得分率"] == "10%"
    assert items["a-001"]["提示"] == "样本不足"
    flagged = by_key(read_csv(export(client, "/reports/items", "items",
                                     query=f"{query}&flagged=1").data))
    assert list(flagged) == ["a-004", "a-005"]
    exams = by_key(read_csv(export(client, "/reports/items", "exams", query=query).data))
    september = exams["2026-09 月度考试"]
    # Thirty attempts give a verdict: a-004 has no variance, so a-005 is the whole spread.
    assert september["答卷数"] == "30" and september["信度 α"] == "0"
    assert september["解读"].startswith("低")


def test_the_xlsx_export_holds_numbers(client, make_user, graded):
    login(client, make_user(Role.MANAGER).username)
    response = export(client, "/reports/items", "items", fmt="xlsx")
    assert response.mimetype.endswith("spreadsheetml.sheet")
    assert "filename*=UTF-8''" in response.headers["Content-Disposition"]
    sheet = load_workbook(io.BytesIO(response.data)).active
    header = [c.value for c in sheet[1]]
    rows = {r[0]: dict(zip(header, r, strict=True))
            for r in sheet.iter_rows(min_row=2, values_only=True)}
    assert rows["a-001"]["作答人次"] == 6
    assert rows["a-001"]["得分率"] == pytest.approx(0.667)
    assert sheet.cell(2, header.index("得分率") + 1).number_format == "0.0%"


def test_export_refuses_unknown_tables_and_formats(client, make_user, graded):
    login(client, make_user(Role.MANAGER).username)
    assert client.get("/reports/items?export=secrets&format=csv").status_code == 404
    assert client.get("/reports/items?export=items&format=pdf").status_code == 400
    detail = f"/reports/items/{question('a-002').id}"
    assert client.get(f"{detail}?export=items&format=csv").status_code == 404


def test_export_links_keep_the_pages_query(client, make_user, graded):
    login(client, make_user(Role.MANAGER).username)
    page = client.get("/reports/items?category=etiquette&from=2026-10&to=2026-10").text
    assert ("?category=etiquette&amp;from=2026-10&amp;to=2026-10&amp;export=items&amp;"
            "format=xlsx") in page


def test_agents_may_not_see_item_statistics(client, make_user, graded):
    login(client, graded.east_agents[0].username)
    assert client.get("/reports/items").status_code == 403
    assert client.get(f"/reports/items/{question('a-001').id}").status_code == 403


def test_question_detail_shows_option_shares_and_the_key(client, make_user, graded):
    login(client, make_user(Role.MANAGER).username)
    detail = f"/reports/items/{question('a-002').id}"
    page = client.get(detail)
    assert page.status_code == 200
    assert 'data-version="1"' in page.text and "alpha 单选题 2" in page.text
    assert "在题库中查看" in page.text and "/learn/alpha#two" in page.text
    options = read_csv(export(client, detail, "options-v1").data)
    assert options[0] == ["选项", "内容", "正确答案", "选择人次", "选择比例"]
    assert options[1:] == [["A", "对的", "✓", "1", "25%"], ["B", "错的一", "", "1", "25%"],
                           ["C", "错的二", "", "1", "25%"], ["D", "错的三", "", "0", "0%"],
                           ["—", "未作答", "", "1", "25%"]]
    trend = read_csv(export(client, detail, "trend").data)
    assert trend[1][:3] == ["2026-10", "4", "25%"]
    assert 'data-chart="line"' in page.text


def test_a_true_false_question_lists_both_answers(client, make_user, graded):
    login(client, make_user(Role.LEAD, team=graded.east).username)
    detail = f"/reports/items/{question('a-003').id}"
    page = client.get(detail).text
    assert "在题库中查看" not in page  # the bank is the managers'
    options = read_csv(export(client, detail, "options-v1").data)
    assert options[1:] == [["A", "正确", "✓", "3", "75%"], ["B", "错误", "", "1", "25%"],
                           ["—", "未作答", "", "0", "0%"]]


def test_an_unknown_question_is_404(client, make_user):
    login(client, make_user(Role.MANAGER).username)
    assert client.get("/reports/items/999999").status_code == 404


def test_a_long_list_is_paged_and_the_export_keeps_every_question(client, make_user, graded,
                                                                   monkeypatch):
    monkeypatch.setattr("trainer.reports.item_views.PAGE_SIZE", 3)
    login(client, make_user(Role.MANAGER).username)
    first = client.get("/reports/items").text
    assert "第 1/2 页" in first and 'href="/reports/items/' in first
    assert f'/reports/items/{question("a-003").id}?' not in first
    second = client.get("/reports/items?page=2").text
    assert f'/reports/items/{question("a-003").id}?' in second
    assert f'/reports/items/{question("b-001").id}?' not in second
    assert client.get("/reports/items?page=99").text.count('aria-current="page">2<') == 1
    exported = by_key(read_csv(export(client, "/reports/items", "items", query="page=2").data))
    assert list(exported) == ["b-001", "a-001", "a-002", "a-003"]
