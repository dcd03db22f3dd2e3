"""The ledger's service: items, the supervisor's adjustment, publication, appeals, each
change with exactly one audit row, and who may do what."""

from datetime import timedelta

import pytest
from sqlalchemy import select

from tests.assessment.conftest import day_in
from trainer.accounts.models import utcnow
from trainer.accounts.roles import Role
from trainer.assessment import service
from trainer.assessment.models import AssessmentMonth, AuditEvent, LedgerItem
from trainer.assessment.service import AssessmentError, InvalidInput, OutOfScope
from trainer.extensions import db


def audits(user, action=None) -> list[AuditEvent]:
    query = select(AuditEvent).where(AuditEvent.target == f"user:{user.id}",
                                     AuditEvent.action.in_(service.ACTION_LABELS))
    if action:
        query = query.where(AuditEvent.action == action)
    return db.session.scalars(query.order_by(AuditEvent.id)).all()


def add(agent, month, actor, code="a_late_early", points=-3, note="迟到 20 分钟", **extra):
    item = service.add_item(agent, month, code, points, day_in(month), note,
                            extra.pop("evidence", "考勤截图"), extra.pop("demerit", None), actor)
    db.session.commit()
    return item


def publish(month, manager, now=None):
    published = service.publish(month, manager, now or utcnow())
    db.session.commit()
    return published


# Items -------------------------------------------------------------------------------------

def test_adding_an_item_writes_one_audit_row_with_the_new_values(agent, lead, month):
    item = add(agent, month, lead)
    assert (item.item_class, item.points, item.recorded_by_id) == ("A", -3, lead.id)
    [row] = audits(agent)
    assert (row.action, row.actor_id) == ("ledger.item.added", lead.id)
    assert row.detail["month"] == month and row.detail["item"] == item.id
    assert row.detail["code"] == "a_late_early" and row.detail["old"] is None
    assert row.detail["new"]["points"] == -3 and row.detail["reason"] == "迟到 20 分钟"
    assert service.month_assessment(agent.id, month)[0] == 77


def test_blank_points_and_demerit_take_the_kinds_defaults(agent, lead, month):
    item = add(agent, month, lead, code="c_price", points=None, note="私自改价 30 元")
    assert (item.points, item.demerit, item.item_class) == (-10, True, "C")
    kept_off = add(agent, month, lead, code="c_sleeping", points=None, note="夜班睡觉",
                   demerit=False)
    assert kept_off.demerit is False


def test_an_item_outside_its_range_or_the_month_is_refused(agent, lead, month):
    with pytest.raises(InvalidInput) as refused:
        service.add_item(agent, month, "a_browsing", -3, day_in(month), "浏览购物网站", "",
                         None, lead)
    assert refused.value.errors == {"points": "「工作时间浏览无关网页」的分值应为 -2 分"}
    outside = day_in(month) + timedelta(days=40)
    with pytest.raises(InvalidInput) as refused:
        service.add_item(agent, month, "a_browsing", -2, outside, " ", "", None, lead)
    assert set(refused.value.errors) == {"occurred_on", "note"}
    with pytest.raises(InvalidInput):  # exam items come from grading only
        service.add_item(agent, month, "exam_perfect", 5, day_in(month), "x", "", None, lead)
    assert audits(agent) == []


def test_an_update_records_old_and_new_values_and_its_reason(agent, lead, month):
    item = add(agent, month, lead)
    assert service.update_item(item, points=-5, occurred_on=item.occurred_on,
                               note="迟到 50 分钟", evidence=item.evidence, demerit=False,
                               actor=lead, reason="核对考勤后更正")
    db.session.commit()
    row = audits(agent, "ledger.item.updated")[0]
    assert row.detail["old"] == {"points": -3, "note": "迟到 20 分钟"}
    assert row.detail["new"] == {"points": -5, "note": "迟到 50 分钟"}
    assert row.detail["reason"] == "核对考勤后更正" and row.detail["item"] == item.id
    assert len(audits(agent)) == 2


def test_an_update_needs_a_reason_and_an_unchanged_one_writes_nothing(agent, lead, month):
    item = add(agent, month, lead)
    with pytest.raises(InvalidInput) as refused:
        service.update_item(item, points=-4, occurred_on=item.occurred_on, note=item.reason,
                            evidence=item.evidence, demerit=False, actor=lead, reason=" ")
    assert refused.value.errors == {"reason": "请填写修改原因"}
    assert not service.update_item(item, points=-3, occurred_on=item.occurred_on,
                                   note=item.reason, evidence=item.evidence, demerit=False,
                                   actor=lead, reason="复核")
    db.session.commit()
    assert item.points == -3 and len(audits(agent)) == 1


def test_removing_an_item_keeps_its_values_in_the_trail(agent, lead, month):
    item = add(agent, month, lead)
    item_id = item.id
    with pytest.raises(InvalidInput):
        service.remove_item(item, lead, "")
    service.remove_item(item, lead, "记错了人")
    db.session.commit()
    assert db.session.get(LedgerItem, item_id) is None
    row = audits(agent, "ledger.item.removed")[0]
    assert row.detail["old"]["points"] == -3 and row.detail["new"] is None
    assert row.detail["reason"] == "记错了人" and len(audits(agent)) == 2


def test_a_lead_acts_only_on_their_own_team(agent, other_agent, lead, manager, month,
                                            make_user):
    with pytest.raises(OutOfScope):
        service.add_item(other_agent, month, "a_browsing", -2, day_in(month), "x", "", None,
                         lead)
    item = add(other_agent, month, manager)
    with pytest.raises(OutOfScope):
        service.update_item(item, points=-4, occurred_on=item.occurred_on, note="x",
                            evidence="", demerit=False, actor=lead, reason="改")
    with pytest.raises(OutOfScope):
        service.remove_item(item, lead, "删")
    with pytest.raises(OutOfScope):  # an agent records nothing, not even on themselves
        service.add_item(agent, month, "p_praise", 1, day_in(month), "x", "", None, agent)
    teamless = make_user(Role.LEAD, username="noteam")
    assert service.agents_in_scope(teamless) == []
    assert [a.id for a in service.agents_in_scope(lead)] == [agent.id]
    assert {a.id for a in service.agents_in_scope(manager)} == {agent.id, other_agent.id}


def test_the_supervisor_adjustment_is_one_per_month_with_a_reason(agent, lead, manager, month):
    with pytest.raises(OutOfScope):
        service.set_supervisor_adjustment(agent, month, 3, "表现突出", lead)
    with pytest.raises(InvalidInput) as refused:
        service.set_supervisor_adjustment(agent, month, 6, "", manager)
    assert set(refused.value.errors) == {"points", "reason"}
    item = service.set_supervisor_adjustment(agent, month, 5, "大促期间主动加班", manager)
    db.session.commit()
    assert (item.source, item.item_class) == (f"supervisor:{agent.id}:{month}", "supervisor")
    again = service.set_supervisor_adjustment(agent, month, -2, "本月多次提醒仍迟交日报",
                                              manager)
    db.session.commit()
    assert again.id == item.id and again.points == -2
    assert service.set_supervisor_adjustment(agent, month, 0, "撤销", manager) is None
    db.session.commit()
    rows = audits(agent, "ledger.supervisor")
    first = {"points": 5, "note": "大促期间主动加班"}
    second = {"points": -2, "note": "本月多次提醒仍迟交日报"}
    assert [(r.detail["old"], r.detail["new"]) for r in rows] == [
        (None, first), (first, second), (second, None)]
    assert rows[-1].detail["reason"] == "撤销"
    assert service.month_items(agent.id, month) == []


# Publication -------------------------------------------------------------------------------

def test_publishing_is_for_managers_once_after_the_month_ends(agent, lead, manager, month):
    with pytest.raises(OutOfScope):
        service.publish(month, lead, utcnow())
    this_month = service.recent_months(utcnow())[0]
    with pytest.raises(AssessmentError, match="尚未结束"):
        service.publish(this_month, manager, utcnow())
    published = publish(month, manager)
    assert published.appeal_hours == 24 and published.published_by_id == manager.id
    with pytest.raises(AssessmentError, match="不能重复发布"):
        service.publish(month, manager, utcnow())
    row = db.session.scalar(select(AuditEvent).where(AuditEvent.target == f"month:{month}"))
    assert row.action == "assessment.published" and row.detail["appeal_hours"] == 24
    assert db.session.scalar(select(AssessmentMonth.month)) == month


def test_the_window_is_configuration_kept_with_the_publication(app, manager, month):
    from dataclasses import replace
    saved = app.config["ASSESSMENT_RULES"]
    app.config["ASSESSMENT_RULES"] = replace(saved, appeal_hours=48)
    try:
        published = publish(month, manager)
    finally:
        app.config["ASSESSMENT_RULES"] = saved
    assert published.appeal_hours == 48
    assert service.deadline(published) == published.published_at + timedelta(hours=48)


def test_nothing_changes_after_publication(agent, lead, manager, month):
    item = add(agent, month, lead)
    publish(month, manager)
    before = len(audits(agent))
    with pytest.raises(AssessmentError, match="已于"):
        add(agent, month, lead)
    with pytest.raises(AssessmentError):
        service.update_item(item, points=-4, occurred_on=item.occurred_on, note="x",
                            evidence="", demerit=False, actor=lead, reason="改")
    with pytest.raises(AssessmentError):
        service.remove_item(item, manager, "删")
    with pytest.raises(AssessmentError):
        service.set_supervisor_adjustment(agent, month, 3, "好", manager)
    assert item.points == -3 and len(audits(agent)) == before


def test_month_state_moves_from_draft_to_appeals_to_locked(manager, month):
    now = utcnow()
    assert service.month_state(month, now) == "draft"
    published = publish(month, manager, now)
    deadline = published.published_at + timedelta(hours=24)
    assert service.month_state(month, deadline - timedelta(seconds=1)) == "appeals"
    assert service.month_state(month, deadline) == "locked"


# Appeals -----------------------------------------------------------------------------------

@pytest.fixture
def published_item(agent, lead, manager, month):
    item = add(agent, month, lead)
    published = publish(month, manager)
    return item, published


def test_an_appeal_is_open_until_one_second_before_the_deadline(agent, published_item):
    item, published = published_item
    deadline = service.deadline(published)
    with pytest.raises(AssessmentError, match="截止"):
        service.file_appeal(item, agent, "当天请过假", deadline)
    appeal = service.file_appeal(item, agent, "当天请过假", deadline - timedelta(seconds=1))
    db.session.commit()
    assert appeal.status == "pending" and appeal.item_id == item.id
    row = audits(agent, "appeal.filed")[0]
    assert row.detail["reason"] == "当天请过假" and row.detail["appeal"] == appeal.id


def test_an_appeal_needs_own_item_text_a_published_month_and_is_filed_once(
        agent, other_agent, lead, month, published_item):
    item, _ = published_item
    now = utcnow()
    with pytest.raises(OutOfScope):
        service.file_appeal(item, other_agent, "不是我", now)
    with pytest.raises(InvalidInput):
        service.file_appeal(item, agent, "  ", now)
    service.file_appeal(item, agent, "请过假", now)
    db.session.commit()
    with pytest.raises(AssessmentError, match="已提出过"):
        service.file_appeal(item, agent, "再申诉", now)
    earlier = service.recent_months(now)[2]
    draft_item = add(agent, earlier, lead)
    with pytest.raises(AssessmentError, match="尚未发布"):
        service.file_appeal(draft_item, agent, "x", now)


def test_accepting_changes_the_item_and_the_score_with_two_audit_rows(
        agent, lead, month, published_item):
    item, published = published_item
    appeal = service.file_appeal(item, agent, "请过假", utcnow())
    db.session.commit()
    later = service.deadline(published) + timedelta(days=3)  # decided after the window
    with pytest.raises(InvalidInput):
        service.decide_appeal(appeal, lead, True, "", -1, later)  # outside -5..-2
    service.decide_appeal(appeal, lead, True, "已核实请假单", 0, later)
    db.session.commit()
    assert (appeal.status, appeal.points_before, appeal.points_after) == ("accepted", -3, 0)
    assert item.points == 0 and service.month_assessment(agent.id, month)[0] == 80
    decision = audits(agent, "appeal.accepted")[0]
    change = audits(agent, "ledger.item.appeal")[0]
    assert decision.actor_id == lead.id and decision.detail["reason"] == "已核实请假单"
    assert (change.detail["old"], change.detail["new"]) == ({"points": -3}, {"points": 0})
    with pytest.raises(AssessmentError, match="已处理"):
        service.decide_appeal(appeal, lead, False, "x", None, later)


def test_rejecting_needs_a_reason_and_keeps_the_points(agent, manager, published_item):
    item, _ = published_item
    appeal = service.file_appeal(item, agent, "请过假", utcnow())
    db.session.commit()
    with pytest.raises(InvalidInput) as refused:
        service.decide_appeal(appeal, manager, False, " ", None, utcnow())
    assert refused.value.errors == {"reason": "驳回申诉必须说明理由"}
    service.decide_appeal(appeal, manager, False, "请假单未获批准", None, utcnow())
    db.session.commit()
    assert (appeal.status, item.points, appeal.points_after) == ("rejected", -3, -3)
    assert audits(agent, "ledger.item.appeal") == []
    assert audits(agent, "appeal.rejected")[0].detail["reason"] == "请假单未获批准"


def test_only_the_agents_lead_or_a_manager_decides(agent, make_user, teams, published_item):
    item, _ = published_item
    appeal = service.file_appeal(item, agent, "请过假", utcnow())
    db.session.commit()
    other_lead = make_user(Role.LEAD, team=teams[1], username="lanzuzhang")
    with pytest.raises(OutOfScope):
        service.decide_appeal(appeal, other_lead, False, "不同意", None, utcnow())
    with pytest.raises(OutOfScope):
        service.decide_appeal(appeal, agent, True, "", 0, utcnow())
    assert service.pending_appeals(other_lead) == []
    assert service.pending_appeals(make_user(Role.MANAGER)) == [appeal]


# The exam link ----------------------------------------------------------------------------

def test_an_exam_in_an_unpublished_month_adds_its_item(agent, month):
    item = service.settle_exam(agent, month, 100, "attempt:1", [])
    db.session.commit()
    assert (item.code, item.points, item.item_class) == ("exam_perfect", 5, "exam")
    assert audits(agent, "ledger.exam")


def test_an_exam_settled_after_publication_is_held_not_booked(agent, manager, month):
    service.settle_exam(agent, month, 100, "attempt:1", [])
    db.session.commit()
    publish(month, manager)
    # A regrade drops the perfect score below the pass line.
    kept = service.settle_exam(agent, month, 55, "attempt:1", [], manager, "更正答案")
    db.session.commit()
    assert kept.points == 5
    assert [(i.code, i.points) for i in service.month_items(agent.id, month)] == [
        ("exam_perfect", 5)]
    [held] = audits(agent, "ledger.exam.held")
    assert held.detail["old"] == {"points": 5} and held.detail["new"] == {"points": -5}
    assert held.detail["reason"] == "更正答案" and held.detail["score"] == 55
    # Settling again with nothing to change writes nothing.
    service.settle_exam(agent, month, 100, "attempt:1", [])
    db.session.commit()
    assert len(audits(agent, "ledger.exam.held")) == 1


# Queries -----------------------------------------------------------------------------------

def test_the_month_table_summarizes_each_agent_in_scope(agent, other_agent, lead, manager,
                                                        month):
    add(agent, month, lead, code="c_price", points=None, note="私自改价")
    add(agent, month, lead, code="c_sleeping", points=None, note="夜班睡觉")
    add(agent, month, lead, code="c_absence", points=None, note="旷工一天")
    rows = {r.user.id: r for r in service.month_table(manager, month)}
    mine = rows[agent.id].summary
    assert (mine.total, mine.counted, mine.score, mine.demerits) == (-30, -20, 60, 2)
    assert mine.dismissal_review and mine.pay.deduction == 200
    assert rows[other_agent.id].summary.score == 80
    assert [r.user.id for r in service.month_table(lead, month)] == [agent.id]


def test_the_joining_month_does_not_float_pay(make_user, teams, lead, month):
    newcomer = make_user(Role.AGENT, team=teams[0], joined_on=day_in(month, 15))
    add(newcomer, month, lead, code="a_away", points=-5, note="离岗")
    summary = service.agent_month(newcomer, month).summary
    assert summary.first_month and summary.pay is None and summary.score == 75


def test_the_trail_shows_who_what_old_new_and_why_for_one_month(agent, lead, month):
    item = add(agent, month, lead)
    service.update_item(item, points=-5, occurred_on=item.occurred_on, note=item.reason,
                        evidence=item.evidence, demerit=False, actor=lead, reason="更正")
    earlier = service.recent_months(utcnow())[2]
    add(agent, earlier, lead, code="p_praise", points=2, note="顾客留言表扬")
    db.session.commit()
    lines = service.audit_trail(agent.id, month)
    assert [line.action for line in lines] == ["记录加减分", "修改加减分"]
    change = lines[1]
    assert change.actor == "张组长" and change.reason == "更正"
    assert [(c.field, c.old, c.new) for c in change.changes] == [("分值", "-3", "-5")]
    assert change.code == "迟到早退(视情节)"
    assert len(service.audit_trail(agent.id)) == 3
