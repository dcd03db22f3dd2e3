"""The stored KPI outcomes: written when a month is published, refreshed when an appeal
changes a score, counted by grade for the dashboards within the viewer's scope."""

from datetime import datetime
from decimal import Decimal

import pytest
from sqlalchemy import delete, func, select

from tests.assessment.conftest import day_in, last_month
from tests.kpi.test_service import GOOD, POOR, metrics_csv
from trainer import demo
from trainer.accounts.models import User, utcnow
from trainer.accounts.roles import Role
from trainer.assessment import events
from trainer.assessment import service as assessment
from trainer.assessment.service import published_month_names
from trainer.exams.service import month_of, month_ordinal
from trainer.extensions import db
from trainer.kpi import results
from trainer.kpi import service as kpi
from trainer.kpi.models import KpiResult

# Every indicator on its top tier but follow-up (0 yuan): 48 of the KPI from the metrics,
# so that the execution share decides whether it reaches 70.
MIDDLING = {**GOOD, "followup_amount": "0"}


@pytest.fixture
def month():
    return last_month()


@pytest.fixture
def people(make_user, teams):
    north, south = teams
    return {"zhang": make_user(Role.AGENT, team=north, username="zhang", display_name="张三"),
            "li": make_user(Role.AGENT, team=north, username="li", display_name="李四"),
            "wang": make_user(Role.AGENT, team=south, username="wang", display_name="王五"),
            "north_lead": make_user(Role.LEAD, team=north, username="beizu"),
            "south_lead": make_user(Role.LEAD, team=south, username="nanzu"),
            "manager": make_user(Role.MANAGER, username="zhuguan")}


def late(agent, month: str, lead, points: int = -3, day: int = 8):
    item = assessment.add_item(agent, month, "a_late_early", points, day_in(month, day),
                               "迟到", "考勤截图", None, lead)
    db.session.commit()
    return item


def publish(month: str, manager) -> None:
    assessment.publish(month, manager, utcnow())
    db.session.commit()


def row(user, month: str) -> KpiResult:
    return db.session.scalars(select(KpiResult).where(
        KpiResult.user_id == user.id, KpiResult.month == month)).one()


def distribution(viewer, month: str, team_id=None) -> dict[str, tuple[str, int]]:
    return {code: (label, n) for code, label, n in
            results.grade_distribution(viewer, month, team_id)}


@pytest.fixture
def published(people, month):
    """zhang top metrics less 3 points of execution, wang poor metrics, li no metrics."""
    kpi.import_metrics(metrics_csv(("zhang", GOOD), ("wang", POOR)), "m.csv", month)
    item = late(people["zhang"], month, people["north_lead"])
    publish(month, people["manager"])
    return item


def test_an_unpublished_month_has_no_rows(people, month):
    kpi.import_metrics(metrics_csv(("zhang", GOOD), ("wang", POOR)), "m.csv", month)
    assert db.session.scalar(select(func.count(KpiResult.id))) == 0
    assert results.published_result_months() == []
    assert results.grade_distribution(people["manager"], month) == [
        ("senior", "高级", 0), ("intermediate", "中级", 0), ("junior", "初级", 0),
        ("none", "不评级", 0)]


def test_publishing_stores_each_agents_outcome(people, teams, month, published):
    north, south = teams
    zhang, li, wang = people["zhang"], people["li"], people["wang"]
    stored = row(zhang, month)
    assert (stored.team_id, stored.assessment_score, stored.kpi, stored.grade) == (
        north.id, 77, Decimal("93.1"), "senior")  # 70 + 30 % × 77
    assert (stored.bonus, stored.commission, stored.elimination) == (
        Decimal("279.30"), Decimal("400.00"), False)
    poor = row(wang, month)
    assert (poor.team_id, poor.kpi, poor.grade, poor.bonus) == (
        south.id, Decimal(24), "none", Decimal("0.00"))
    unscored = row(li, month)
    assert (unscored.team_id, unscored.assessment_score) == (north.id, 80)
    assert (unscored.kpi, unscored.grade, unscored.bonus, unscored.commission) == (
        None, None, None, None)
    sheet = kpi.agent_sheet(zhang, month).sheet
    assert (stored.kpi, stored.bonus, stored.commission) == (
        sheet.kpi, sheet.bonus, sheet.commission)
    assert results.published_result_months() == [month]


def test_the_distribution_counts_grades_within_the_viewers_scope(people, teams, month,
                                                                  published, make_user):
    north, south = teams
    assert results.grade_distribution(people["manager"], month) == [
        ("senior", "高级", 1), ("intermediate", "中级", 0), ("junior", "初级", 0),
        ("none", "不评级", 1), ("no_metrics", "无指标", 1)]
    assert distribution(people["north_lead"], month) == {
        "senior": ("高级", 1), "intermediate": ("中级", 0), "junior": ("初级", 0),
        "none": ("不评级", 0), "no_metrics": ("无指标", 1)}
    # Without agents lacking metrics there is no such entry; a lead cannot pick another team.
    assert distribution(people["south_lead"], month, team_id=north.id) == {
        "senior": ("高级", 0), "intermediate": ("中级", 0), "junior": ("初级", 0),
        "none": ("不评级", 1)}
    assert distribution(people["manager"], month, team_id=south.id) == \
        distribution(people["south_lead"], month)
    teamless = make_user(Role.LEAD, username="wuzu")
    assert sum(n for _, _, n in results.grade_distribution(teamless, month)) == 0
    assert sum(n for _, _, n in results.grade_distribution(people["manager"], "2026-01")) == 0


def test_an_accepted_appeal_refreshes_that_agents_row_only(people, teams, month, published):
    zhang, wang = people["zhang"], people["wang"]
    appeal = assessment.file_appeal(published, zhang, "当天请过假", utcnow())
    db.session.commit()
    before, untouched = row(zhang, month).kpi, row(wang, month).stored_at
    zhang.team = teams[1]  # moved after the month: the month stays with the old team
    assessment.decide_appeal(appeal, people["manager"], True, "已核实", 0, utcnow())
    db.session.commit()
    stored = row(zhang, month)
    assert stored.assessment_score == 80
    assert stored.kpi - before == Decimal("0.9")  # execution weight 30 % × 3 points
    assert (stored.kpi, stored.bonus) == (Decimal(94), Decimal("282.00"))
    assert stored.team_id == teams[0].id
    assert row(wang, month).stored_at == untouched
    assert distribution(people["north_lead"], month)["senior"] == ("高级", 1)


@pytest.mark.parametrize("accept", [False, True], ids=["rejected", "accepted-unchanged"])
def test_a_decision_that_keeps_the_points_changes_nothing(people, month, published, accept):
    zhang = people["zhang"]
    appeal = assessment.file_appeal(published, zhang, "当天请过假", utcnow())
    db.session.commit()
    before = {c.name: getattr(row(zhang, month), c.name) for c in KpiResult.__table__.columns}
    sent = []
    with events.month_score_changed.connected_to(lambda _s, **kw: sent.append(kw)):
        assessment.decide_appeal(appeal, people["manager"], accept, "证据不足", -3, utcnow())
        db.session.commit()
    assert sent == []
    db.session.expire_all()
    assert {c.name: getattr(row(zhang, month), c.name)
            for c in KpiResult.__table__.columns} == before


def test_an_appeal_refreshes_the_elimination_warning_of_later_months(people, month):
    """Three months at 69 warn of elimination; an appeal that lifts the first to 70.5 breaks
    the run, and the stored warning of the third month follows."""
    zhang, lead, manager = people["zhang"], people["north_lead"], people["manager"]
    months = kpi.months_back(month, 3)
    first_items = []
    for each in months:
        kpi.import_metrics(metrics_csv(("zhang", MIDDLING)), "m.csv", each)
        first_items.append(late(zhang, each, lead, -5, 8))
        late(zhang, each, lead, -5, 9)
        publish(each, manager)
    assert [r.month for r in results.results_of(zhang.id)] == list(reversed(months))
    assert results.published_result_months() == list(reversed(months))
    assert [(r.kpi, r.elimination) for r in results.results_of(zhang.id)] == [
        (Decimal(69), True), (Decimal(69), False), (Decimal(69), False)]

    appeal = assessment.file_appeal(first_items[0], zhang, "请过假", utcnow())
    db.session.commit()
    assessment.decide_appeal(appeal, lead, True, "已核实", 0, utcnow())
    db.session.commit()
    assert [(r.month, r.kpi, r.elimination) for r in results.results_of(zhang.id)] == [
        (months[2], Decimal(69), False), (months[1], Decimal(69), False),
        (months[0], Decimal("70.5"), False)]


def test_backfill_stores_only_the_months_without_rows(people, month, published):
    earlier = kpi.months_back(month, 2)[0]
    publish(earlier, people["manager"])
    db.session.execute(delete(KpiResult).where(KpiResult.month == month))
    db.session.commit()
    assert results.backfill() == 1
    assert db.session.scalar(select(func.count(KpiResult.id)).where(
        KpiResult.month == month)) == 3
    assert row(people["zhang"], month).kpi == Decimal("93.1")
    assert results.backfill() is None
    assert results.store_month(month) == 3  # storing again replaces the month's rows
    db.session.commit()
    assert db.session.scalar(select(func.count(KpiResult.id))) == 6


def test_the_demo_stores_the_months_it_publishes(bank):
    demo.seed()
    months = published_month_names()
    assert len(months) == 3 and results.published_result_months() == months
    manager = db.session.scalars(select(User).where(User.username == "manager")).one()
    for each in months:
        counted = sum(n for _, _, n in results.grade_distribution(manager, each))
        assert counted == len(kpi.month_sheets(None, each)) >= 15
    scored = db.session.scalar(select(func.count(KpiResult.id)).where(
        KpiResult.grade.is_not(None)))
    assert scored > 0


def test_an_agent_who_joined_after_the_month_has_no_row(people, month, make_user):
    following = datetime.strptime(month_of(month_ordinal(month) + 1), "%Y-%m").date()
    make_user(Role.AGENT, username="later", joined_on=following)
    publish(month, people["manager"])
    assert {r.user_id for r in db.session.scalars(select(KpiResult))} == {
        people[name].id for name in ("zhang", "li", "wang")}
