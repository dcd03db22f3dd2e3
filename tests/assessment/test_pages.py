"""The daily-assessment pages through the app: the agent's published months and appeals, the
staff's month table, an agent's month with its forms, publication and the appeals queue."""

import re
from datetime import timedelta

import pytest
from sqlalchemy import select

from tests.assessment.conftest import client_for, day_in
from trainer.accounts.models import utcnow
from trainer.assessment import service
from trainer.assessment.models import Appeal, AssessmentMonth, LedgerItem
from trainer.clock import format_local
from trainer.extensions import db


def record(agent, month, actor, code="a_late_early", points=-3, note="迟到 20 分钟"):
    item = service.add_item(agent, month, code, points, day_in(month), note, "考勤截图", None,
                            actor)
    db.session.commit()
    return item


def published(month, manager, now=None):
    row = service.publish(month, manager, now or utcnow())
    db.session.commit()
    return row


def item_form(month, **fields):
    return {"code": "a_late_early", "points": "-4", "occurred_on": day_in(month).isoformat(),
            "note": "迟到 30 分钟", "evidence": "打卡记录", "demerit": "", **fields}


# The agent ----------------------------------------------------------------------------------

def test_an_unpublished_month_is_not_shown_to_the_agent(app, agent, lead, month):
    record(agent, month, lead)
    page = client_for(app, agent).get(f"/me/assessment?month={month}").text
    assert "本月尚未发布" in page and "迟到 20 分钟" not in page


def test_the_agent_sees_the_published_breakdown_and_appeals_in_the_window(app, agent, lead,
                                                                          manager, month):
    for code in ("c_absence", "c_conflict", "a_late_early"):
        record(agent, month, lead, code=code, points=None, note=f"记录 {code}")
    item = record(agent, month, lead)
    row = published(month, manager)
    client = client_for(app, agent)
    page = client.get("/me/assessment").text
    assert f'<option value="{month}" selected>' in page
    assert "data-month-score>60<" in page and "合计 -25,按 -20 计" in page
    assert "扣薪 200 元" in page and "记录 c_absence" in page and "考勤截图" in page
    assert "C类 重度违规" in page and "申诉期" in page
    deadline = service.deadline(row)
    assert f"data-deadline>{format_local(deadline)}<" in page
    form = f'action="/me/assessment/items/{item.id}/appeal"'
    assert form in page

    refused = client.post(f"/me/assessment/items/{item.id}/appeal", data={f"i{item.id}-text": ""})
    assert refused.status_code == 400 and "请写明申诉理由" in refused.text
    sent = client.post(f"/me/assessment/items/{item.id}/appeal",
                       data={f"i{item.id}-text": "当天请过假"})
    assert sent.status_code == 302
    assert db.session.scalar(select(Appeal.text)) == "当天请过假"
    page = client.get(sent.location).text
    assert "申诉待处理" in page and form not in page and "提出申诉" in page


def test_after_the_window_the_agent_can_no_longer_appeal(app, agent, lead, manager, month):
    item = record(agent, month, lead)
    published(month, manager, utcnow() - timedelta(hours=24))
    client = client_for(app, agent)
    page = client.get(f"/me/assessment?month={month}").text
    assert "已锁定" in page and "申诉已于" in page
    assert f'action="/me/assessment/items/{item.id}/appeal"' not in page
    late = client.post(f"/me/assessment/items/{item.id}/appeal",
                       data={f"i{item.id}-text": "迟到的申诉"})
    assert late.status_code == 302 and db.session.scalar(select(Appeal)) is None
    assert "截止" in client.get(late.location).text


def test_an_agent_reaches_only_their_own_items(app, agent, other_agent, manager, month):
    theirs = record(other_agent, month, manager)
    published(month, manager)
    client = client_for(app, agent)
    response = client.post(f"/me/assessment/items/{theirs.id}/appeal",
                           data={f"i{theirs.id}-text": "x"})
    assert response.status_code == 404
    assert "迟到 20 分钟" not in client.get(f"/me/assessment?month={month}").text


def test_the_agent_home_links_to_the_assessment(app, agent):
    assert 'href="/me/assessment"' in client_for(app, agent).get("/me").text


# Staff --------------------------------------------------------------------------------------

def test_the_lead_sees_their_team_only(app, agent, other_agent, lead, month):
    record(agent, month, lead)
    client = client_for(app, lead)
    page = client.get(f"/assessment?month={month}").text
    assert "小李" in page and "小王" not in page and "日常考核" in page
    assert f'data-agent="{agent.id}"' in page and "data-publish" not in page
    assert client.get(f"/assessment/{month}/agents/{other_agent.id}").status_code == 404
    response = client.post(f"/assessment/{month}/agents/{other_agent.id}/items",
                           data=item_form(month))
    assert response.status_code == 404
    assert db.session.scalar(select(LedgerItem).where(LedgerItem.user_id == other_agent.id)) \
        is None


def test_a_lead_records_an_item_and_a_refused_one_keeps_its_input(app, agent, lead, month):
    client = client_for(app, lead)
    page = client.get(f"/assessment/{month}/agents/{agent.id}").text
    assert "记录加减分" in page and "迟到早退(视情节)(默认 -2,范围 -5 至 -2 分)" in page
    assert "exam_perfect" not in page and "data-supervisor" not in page

    refused = client.post(f"/assessment/{month}/agents/{agent.id}/items",
                          data=item_form(month, points="-9", note="迟到一个半小时"))
    assert refused.status_code == 400
    assert "「迟到早退(视情节)」的分值应为 -5 至 -2 分" in refused.text
    assert 'value="迟到一个半小时"' in refused.text and 'value="-9"' in refused.text

    saved = client.post(f"/assessment/{month}/agents/{agent.id}/items", data=item_form(month))
    assert saved.status_code == 302
    item = db.session.scalar(select(LedgerItem))
    assert (item.points, item.reason, item.evidence, item.recorded_by_id) == (
        -4, "迟到 30 分钟", "打卡记录", lead.id)
    page = client.get(saved.location).text
    assert "data-month-score>76<" in page and "记录加减分" in page and "张组长" in page


def test_editing_and_removing_need_a_reason_and_show_in_the_trail(app, agent, lead, month):
    item = record(agent, month, lead)
    item_id = item.id
    client = client_for(app, lead)
    fields = {f"e{item.id}-points": "-5", f"e{item.id}-occurred_on": day_in(month).isoformat(),
              f"e{item.id}-note": "迟到 50 分钟", f"e{item.id}-evidence": "考勤截图"}
    refused = client.post(f"/assessment/items/{item.id}", data=fields)
    assert refused.status_code == 400 and "请填写修改原因" in refused.text
    assert client.post(f"/assessment/items/{item.id}",
                       data={**fields, f"e{item.id}-reason": "核对考勤"}).status_code == 302
    page = client.get(f"/assessment/{month}/agents/{agent.id}").text
    assert re.search(r"分值:-3 → -5", page) and "核对考勤" in page

    refused = client.post(f"/assessment/items/{item.id}/remove", data={})
    assert refused.status_code == 400 and "请填写删除原因" in refused.text
    removed = client.post(f"/assessment/items/{item.id}/remove",
                          data={f"r{item.id}-reason": "重复记录"})
    assert removed.status_code == 302 and db.session.get(LedgerItem, item_id) is None
    page = client.get(removed.location).text
    assert "删除加减分" in page and "重复记录" in page and "data-month-score>80<" in page


def test_the_manager_sets_the_supervisor_adjustment(app, agent, manager, month):
    client = client_for(app, manager)
    refused = client.post(f"/assessment/{month}/agents/{agent.id}/supervisor",
                          data={"sup-points": "4", "sup-reason": ""})
    assert refused.status_code == 400 and "主管奖惩必须说明理由" in refused.text
    too_many = client.post(f"/assessment/{month}/agents/{agent.id}/supervisor",
                           data={"sup-points": "6", "sup-reason": "很好"})
    assert too_many.status_code == 400 and "主管奖惩应在 -5 至 +5 分之间" in too_many.text
    saved = client.post(f"/assessment/{month}/agents/{agent.id}/supervisor",
                        data={"sup-points": "4", "sup-reason": "大促期间主动加班"})
    assert saved.status_code == 302
    page = client.get(saved.location).text
    assert "data-month-score>84<" in page and "主管月度额外奖惩" in page


def test_publishing_from_the_month_page_locks_the_forms(app, agent, lead, manager, month):
    item = record(agent, month, lead)
    client = client_for(app, manager)
    page = client.get(f"/assessment?month={month}").text
    assert "data-publish" in page and 'data-state="draft"' in page
    response = client.post(f"/assessment/{month}/publish")
    assert response.status_code == 302
    assert db.session.scalar(select(AssessmentMonth.month)) == month
    page = client.get(response.location).text
    assert "已发布" in page and "data-publish" not in page and 'data-state="appeals"' in page
    again = client.post(f"/assessment/{month}/publish")
    assert "不能重复发布" in client.get(again.location).text

    lead_client = client_for(app, lead)
    page = lead_client.get(f"/assessment/{month}/agents/{agent.id}").text
    assert "data-add" not in page and f'data-edit="{item.id}"' not in page
    refused = lead_client.post(f"/assessment/{month}/agents/{agent.id}/items",
                               data=item_form(month))
    assert refused.status_code == 302 and len(service.month_items(agent.id, month)) == 1
    assert "不能再修改" in lead_client.get(refused.location).text


def test_the_current_month_cannot_be_published_yet(app, manager):
    client = client_for(app, manager)
    this_month = service.recent_months(utcnow())[0]
    page = client.get("/assessment").text
    assert "data-publish" not in page and "月份结束后才能发布" in page
    response = client.post(f"/assessment/{this_month}/publish")
    assert "尚未结束" in client.get(response.location).text
    assert db.session.scalar(select(AssessmentMonth)) is None


@pytest.fixture
def appeal(agent, lead, manager, month):
    item = record(agent, month, lead)
    published(month, manager)
    row = service.file_appeal(item, agent, "当天请过假", utcnow())
    db.session.commit()
    return row


def test_the_lead_accepts_an_appeal_from_the_queue(app, agent, lead, month, appeal):
    client = client_for(app, lead)
    page = client.get("/assessment/appeals").text
    assert "当天请过假" in page and f'data-decide="{appeal.id}"' in page
    assert client.get(f"/assessment?month={month}").text.count("data-pending") == 1
    refused = client.post(f"/assessment/appeals/{appeal.id}",
                          data={f"d{appeal.id}-decision": "accept", f"d{appeal.id}-points": "3",
                                f"d{appeal.id}-reason": "核实"})
    assert refused.status_code == 400 and "或 0(撤销)" in refused.text
    assert 'value="核实"' in refused.text
    done = client.post(f"/assessment/appeals/{appeal.id}",
                       data={f"d{appeal.id}-decision": "accept", f"d{appeal.id}-points": "0",
                             f"d{appeal.id}-reason": "已核实请假单"})
    assert done.status_code == 302
    db.session.refresh(appeal)
    assert (appeal.status, appeal.item.points) == ("accepted", 0)
    assert "没有待处理的申诉" in client.get("/assessment/appeals").text
    page = client_for(app, agent).get(f"/me/assessment?month={month}").text
    assert "申诉已通过" in page and "-3 → 0" in page and "申诉改分" in page
    assert "data-month-score>80<" in page


def test_a_rejection_needs_a_reason_on_the_agents_page(app, agent, manager, month, appeal):
    client = client_for(app, manager)
    page = client.get(f"/assessment/{month}/agents/{agent.id}").text
    assert f'data-decide="{appeal.id}"' in page
    data = {"back": "agent", f"d{appeal.id}-decision": "reject"}
    refused = client.post(f"/assessment/appeals/{appeal.id}", data=data)
    assert refused.status_code == 400 and "驳回申诉必须说明理由" in refused.text
    done = client.post(f"/assessment/appeals/{appeal.id}",
                       data={**data, f"d{appeal.id}-reason": "请假未获批准"})
    assert done.location.endswith(f"/assessment/{month}/agents/{agent.id}")
    page = client.get(done.location).text
    assert "申诉已驳回" in page and "请假未获批准" in page


def test_another_teams_lead_cannot_decide(app, agent, make_user, teams, appeal):
    from trainer.accounts.roles import Role
    other = make_user(Role.LEAD, team=teams[1], username="lanzuzhang")
    client = client_for(app, other)
    assert "当天请过假" not in client.get("/assessment/appeals").text
    response = client.post(f"/assessment/appeals/{appeal.id}",
                           data={f"d{appeal.id}-decision": "reject",
                                 f"d{appeal.id}-reason": "不同意"})
    assert response.status_code == 404
    db.session.refresh(appeal)
    assert appeal.status == "pending"


def test_staff_see_the_nav_entry(app, lead):
    assert 'href="/assessment"' in client_for(app, lead).get("/assessment").text
