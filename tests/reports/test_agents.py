"""The per-agent drill-down: who sees whom, the list's figures, and one agent's record."""

from decimal import Decimal

import pytest

from tests.conftest import login
from tests.exams.papers import question, sit
from tests.exams.test_exam_flow import make_exam
from tests.reports.test_items import by_key, graded_month, read_csv
from trainer.accounts.roles import Role
from trainer.clock import local_now
from trainer.exams.service import month_of, month_ordinal
from trainer.extensions import db
from trainer.kpi.models import KpiResult

pytestmark = pytest.mark.usefixtures("small_content")


@pytest.fixture
def graded(make_user):
    """This month's exam as in test_items (east1..east4 score 100, 66.7, 0, 66.7; west1 and
    west2 100 and 0), and last month's, which east1 failed."""
    this_month = local_now().strftime("%Y-%m")
    world = graded_month(make_user, this_month)
    last_month = make_exam(month_of(month_ordinal(this_month) - 1))
    sit(last_month, world.east_agents[0], {"a-004": [1]}, ("a-004",))
    world.month = this_month
    return world


def csv_of(client, path, name):
    response = client.get(f"{path}?export={name}&format=csv")
    assert response.status_code == 200
    return read_csv(response.data)


def test_a_lead_lists_their_team_with_scores_and_trend(client, make_user, graded):
    login(client, make_user(Role.LEAD, team=graded.east).username)
    page = client.get("/reports/agents")
    assert page.status_code == 200 and 'id="agent-table"' in page.text
    rows = by_key(csv_of(client, "/reports/agents", "agents"))
    assert list(rows) == ["east1", "east2", "east3", "east4"]
    east1 = rows["east1"]
    assert (east1["最近月份"], east1["最近成绩"], east1["近6个月成绩"]) == (
        graded.month, "100", "0 → 100")
    assert (east1["参加月考"], east1["通过"], east1["团队"]) == ("2", "1", "东区")
    assert rows["east3"]["最近成绩"] == "0" and rows["east3"]["通过"] == "0"
    assert "<polyline" in page.text  # east1's two months draw a sparkline


def test_a_manager_lists_everyone_or_one_team(client, make_user, graded):
    login(client, make_user(Role.MANAGER).username)
    assert list(by_key(csv_of(client, "/reports/agents", "agents"))) == [
        "east1", "east2", "east3", "east4", "west1", "west2"]
    west = by_key(read_csv(client.get(
        f"/reports/agents?team={graded.west.id}&export=agents&format=csv").data))
    assert list(west) == ["west1", "west2"]
    page = client.get(f"/reports/agents?team={graded.west.id}").text
    assert f"?team={graded.west.id}&amp;export=agents&amp;format=csv" in page


def test_a_long_list_is_paged_and_the_export_has_everyone(client, make_user, graded,
                                                         monkeypatch):
    monkeypatch.setattr("trainer.reports.agents.PAGE_SIZE", 4)
    login(client, make_user(Role.MANAGER).username)
    first = client.get("/reports/agents").text
    assert "共 6 人,第 1/2 页" in first
    assert "east4" in first and "west1" not in first
    second = client.get("/reports/agents?page=2").text
    assert "west1" in second and "west2" in second and "east1" not in second
    exported = client.get("/reports/agents?page=2&export=agents&format=csv")
    assert list(by_key(read_csv(exported.data))) == [
        "east1", "east2", "east3", "east4", "west1", "west2"]


def test_the_drill_down_is_404_out_of_scope(app, client, make_user, graded):
    lead = make_user(Role.LEAD, team=graded.east)
    login(client, lead.username)
    assert client.get(f"/reports/agents/{graded.east_agents[1].id}").status_code == 200
    assert client.get(f"/reports/agents/{graded.west_agents[0].id}").status_code == 404
    assert client.get(f"/reports/agents/{lead.id}").status_code == 404  # not an agent
    assert client.get("/reports/agents/999999").status_code == 404
    teamless = app.test_client()
    login(teamless, make_user(Role.LEAD).username)  # a lead without a team sees nobody
    assert teamless.get(f"/reports/agents/{graded.east_agents[1].id}").status_code == 404
    assert csv_of(teamless, "/reports/agents", "agents")[1:] == []


def test_agents_may_not_use_the_drill_down(client, graded):
    agent = graded.east_agents[0]
    login(client, agent.username)
    assert client.get("/reports/agents").status_code == 403
    assert client.get(f"/reports/agents/{agent.id}").status_code == 403


def test_an_agents_record(client, make_user, graded):
    east2 = graded.east_agents[1]
    db.session.add(KpiResult(month="2026-09", user_id=east2.id, team_id=graded.east.id,
                             assessment_score=80, kpi=Decimal("94"), grade="senior",
                             bonus=Decimal("282"), commission=Decimal("200")))
    db.session.commit()
    login(client, make_user(Role.MANAGER).username)
    path = f"/reports/agents/{east2.id}"
    page = client.get(path).text
    exams = csv_of(client, path, "exams")
    assert exams[1] == [graded.month, f"{graded.month} 月度考试", "月度考试", "66.7", "通过", "1"]
    categories = csv_of(client, path, "categories")
    assert categories[1:] == [["服务礼仪", "3", "2", "66.7%", "甲课程"]]
    assert 'href="/learn/alpha"' in page
    missed = csv_of(client, path, "missed")
    assert missed[1:] == [["a-002", "alpha 单选题 2", "1", "1"]]
    assert f'href="/reports/items/{question("a-002").id}"' in page
    kpi = csv_of(client, path, "kpi")
    assert kpi[1:] == [["2026-09", "80", "94", "高级", "282.00", "200.00"]]


def test_the_record_shows_the_assessment_months(client, make_user, graded):
    east3 = graded.east_agents[2]  # scored 0: the exam took 5 points this month
    login(client, make_user(Role.LEAD, team=graded.east).username)
    path = f"/reports/agents/{east3.id}"
    assessment = by_key(csv_of(client, path, "assessment"))
    assert len(assessment) == 6 and list(assessment)[0] == graded.month
    assert assessment[graded.month]["考核得分"] == "75"
    assert assessment[graded.month]["加减分项目"] == "1"
    page = client.get(path).text
    assert "data-item=" in page
    assert f"/assessment/{graded.month}/agents/{east3.id}" in page
    assert "还没有已发布月份的 KPI 结果" in page


def test_a_new_agent_has_an_empty_record(client, make_user, graded):
    newcomer = make_user(Role.AGENT, team=graded.east, certified_on=None)
    login(client, make_user(Role.MANAGER).username)
    page = client.get(f"/reports/agents/{newcomer.id}")
    assert page.status_code == 200
    assert "还没有已评分的考试" in page.text and "尚未通过上岗认证" in page.text
    row = by_key(csv_of(client, "/reports/agents", "agents"))[newcomer.username]
    assert (row["最近成绩"], row["参加月考"], row["上岗认证"]) == ("", "0", "未认证")
