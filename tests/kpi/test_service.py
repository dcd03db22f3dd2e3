"""The KPI service: metrics import, rule versions by month, scoped sheets, elimination."""

from dataclasses import replace
from decimal import Decimal

import pytest
from sqlalchemy import func, select

from trainer.accounts.models import utcnow
from trainer.accounts.roles import Role
from trainer.assessment.models import AssessmentMonth, AuditEvent, LedgerItem
from trainer.extensions import db
from trainer.kpi import service
from trainer.kpi.models import KpiRuleSet, MonthlyMetrics
from trainer.kpi.rules import DEFAULT_RULES, Tier
from trainer.kpi.sheetfile import MetricsFileError

HEADER = ("agent,sales_actual,sales_plan,consultations,ordered_buyers,paid_buyers,"
          "im_paid_sales,customers_received,customers_replied,avg_response_seconds,"
          "followup_amount,personal_revenue,promotion")
# Every indicator exactly on its top tier: 100 points each, 70 of the KPI.
GOOD = {"sales_actual": "10000", "sales_plan": "10000", "consultations": "100",
        "ordered_buyers": "50", "paid_buyers": "48", "im_paid_sales": "9600",
        "customers_received": "200", "customers_replied": "196", "avg_response_seconds": "25",
        "followup_amount": "300", "personal_revenue": "20000", "promotion": "0"}
# Every indicator below its last tier: 0 points each; the KPI is the execution share alone.
POOR = {**GOOD, "sales_actual": "1000", "ordered_buyers": "10", "paid_buyers": "5",
        "im_paid_sales": "500", "customers_replied": "50", "avg_response_seconds": "60",
        "followup_amount": "0"}


def metrics_csv(*rows: tuple[str, dict]) -> bytes:
    lines = [HEADER] + [",".join([agent, *values.values()]) for agent, values in rows]
    return ("\n".join(lines) + "\n").encode()


def publish(month: str) -> None:
    db.session.add(AssessmentMonth(month=month, published_at=utcnow(), appeal_hours=24))
    db.session.commit()


def deduct(user, month: str, points: int) -> None:
    db.session.add(LedgerItem(user_id=user.id, month=month, code="late", points=points,
                              reason="迟到"))
    db.session.commit()


@pytest.fixture
def agents(make_user, teams):
    north, south = teams
    return (make_user(Role.AGENT, team=north, username="zhang", display_name="张三"),
            make_user(Role.AGENT, team=north, username="li", display_name="李四"),
            make_user(Role.AGENT, team=south, username="wang", display_name="王五"))


def audit_rows(action: str) -> list[AuditEvent]:
    return db.session.scalars(select(AuditEvent).where(AuditEvent.action == action)
                              .order_by(AuditEvent.id)).all()


def stored_metrics() -> int:
    return db.session.scalar(select(func.count(MonthlyMetrics.id)))


# Import -----------------------------------------------------------------------------------

def test_import_creates_then_updates_only_what_changed(agents, make_user):
    zhang, li, _wang = agents
    manager = make_user(Role.MANAGER)
    first = service.import_metrics(metrics_csv(("zhang", GOOD), ("li", POOR)), "m.csv",
                                   "2026-10", actor=manager)
    assert (first.created, first.updated, first.unchanged) == (2, 0, 0)
    again = service.import_metrics(
        metrics_csv(("ZHANG", GOOD), ("li", {**POOR, "followup_amount": "120.50"})),
        "m2.csv", "2026-10", actor=manager)
    assert (again.created, again.updated, again.unchanged) == (0, 1, 1)

    stored = db.session.scalars(select(MonthlyMetrics).where(
        MonthlyMetrics.user_id == li.id)).one()
    assert stored.followup_amount == Decimal("120.50") and stored.imported_by_id == manager.id
    events = audit_rows("kpi.metrics")
    assert [e.target for e in events] == [f"user:{zhang.id}", f"user:{li.id}", f"user:{li.id}"]
    assert events[0].detail["old"] is None
    assert events[0].detail["new"]["sales_actual"] == "10000"
    update = events[2].detail
    assert update["month"] == "2026-10" and update["line"] == 3
    assert update["old"]["followup_amount"] == "0" and update["new"]["followup_amount"] == "120.5"
    assert events[2].actor_id == manager.id


def test_an_unknown_agent_names_file_and_line_and_nothing_is_saved(agents, make_user):
    lead = make_user(Role.LEAD, username="boss")
    with pytest.raises(MetricsFileError) as refused:
        service.import_metrics(metrics_csv(("zhang", GOOD), ("ghost", GOOD), ("boss", GOOD)),
                               "october.csv", "2026-10")
    assert len(refused.value.errors) == 2
    assert "october.csv 第 3 行" in refused.value.errors[0]
    assert "ghost" in refused.value.errors[0]
    assert "october.csv 第 4 行" in refused.value.errors[1] and lead.username in \
        refused.value.errors[1]
    assert stored_metrics() == 0 and audit_rows("kpi.metrics") == []


def test_an_inactive_agent_is_refused(agents):
    agents[0].is_active_account = False
    db.session.commit()
    with pytest.raises(MetricsFileError, match="zhang"):
        service.import_metrics(metrics_csv(("zhang", GOOD)), "m.csv", "2026-10")


def test_one_bad_row_refuses_the_whole_file(agents):
    data = metrics_csv(("zhang", GOOD), ("li", {**GOOD, "paid_buyers": "-3"}))
    with pytest.raises(MetricsFileError) as refused:
        service.import_metrics(data, "m.csv", "2026-10")
    assert refused.value.errors == [
        "m.csv 第 3 行 列 paid_buyers(付款人数):-3 不能为负数"]
    assert stored_metrics() == 0 and audit_rows("kpi.metrics") == []


def test_a_published_month_refuses_imports(agents):
    service.import_metrics(metrics_csv(("zhang", GOOD)), "m.csv", "2026-10")
    publish("2026-10")
    with pytest.raises(service.MonthPublished, match="2026-10 已发布"):
        service.import_metrics(metrics_csv(("zhang", POOR)), "m.csv", "2026-10")
    assert db.session.scalars(select(MonthlyMetrics)).one().sales_actual == Decimal(10000)
    assert len(audit_rows("kpi.metrics")) == 1


def test_a_malformed_month_is_refused(agents):
    with pytest.raises(ValueError, match="YYYY-MM"):
        service.import_metrics(metrics_csv(("zhang", GOOD)), "m.csv", "2026-13")


# Rule versions ---------------------------------------------------------------------------

def test_the_defaults_are_stored_once(app):
    assert service.ensure_default_rules() is not None
    assert service.ensure_default_rules() is None
    row, rules = service.rules_for("2026-10")
    assert row.effective_from == "2000-01" and rules == DEFAULT_RULES
    assert db.session.scalar(select(func.count(KpiRuleSet.id))) == 1


def test_reading_rules_never_writes(app):
    row, rules = service.rules_for("2026-10")
    assert rules == DEFAULT_RULES and row.id is None
    assert db.session.scalar(select(func.count(KpiRuleSet.id))) == 0


def richer_pool() -> object:
    return replace(DEFAULT_RULES, bonus_pool=Decimal(600))


def test_a_new_version_leaves_the_published_month_alone(agents, make_user):
    manager = make_user(Role.MANAGER)
    zhang = agents[0]
    for month in ("2026-09", "2026-10"):
        service.import_metrics(metrics_csv(("zhang", GOOD)), "m.csv", month)
    publish("2026-09")
    before = service.agent_sheet(zhang, "2026-09").sheet
    assert before.bonus == Decimal("282.00")  # 300 × 94 / 100

    row = service.add_rule_set("2026-10", richer_pool(), "奖金基数提高到 600", manager)
    assert service.agent_sheet(zhang, "2026-09").sheet == before
    assert service.agent_sheet(zhang, "2026-10").sheet.bonus == Decimal("564.00")
    assert service.rules_for("2026-11")[0].id == row.id
    assert service.rules_for("2026-09")[0].effective_from == "2000-01"

    event = audit_rows("kpi.rules")[0]
    assert event.target == "kpi_rules" and event.actor_id == manager.id
    assert event.detail["old"]["bonus_pool"] == "300" and event.detail["new"]["bonus_pool"] == "600"
    assert event.detail["effective_from"] == "2026-10"
    assert event.detail["reason"] == "奖金基数提高到 600"


@pytest.mark.parametrize("month", ["2026-09", "2026-08"])
def test_a_version_may_not_start_in_or_before_a_published_month(app, make_user, month):
    publish("2026-09")
    with pytest.raises(service.RulesRefused) as refused:
        service.add_rule_set(month, richer_pool(), "", make_user(Role.MANAGER))
    assert refused.value.problems == ["2026-09 及之前的月份已发布,新规则最早从其下一个月生效"]
    assert db.session.scalar(select(func.count(KpiRuleSet.id))) == 0


def test_a_version_is_refused_when_inconsistent_or_taken(app, make_user):
    manager = make_user(Role.MANAGER)
    service.add_rule_set("2026-11", richer_pool(), "", manager)
    with pytest.raises(service.RulesRefused, match="2026-11 已有一版规则"):
        service.add_rule_set("2026-11", DEFAULT_RULES, "", manager)
    with pytest.raises(service.RulesRefused, match="权重.*之和应为 100%"):
        service.add_rule_set("2026-12", replace(DEFAULT_RULES, execution_weight=Decimal(31)),
                             "", manager)
    assert [r.effective_from for r in service.rule_sets()] == ["2026-11", "2000-01"]
    assert len(audit_rows("kpi.rules")) == 1


# Sheets ----------------------------------------------------------------------------------

def test_the_sheet_combines_metrics_and_the_assessment_score(agents):
    zhang, li, _wang = agents
    service.import_metrics(metrics_csv(("zhang", GOOD), ("li", POOR)), "m.csv", "2026-10")
    deduct(zhang, "2026-10", -5)
    rows = {row.user.username: row for row in service.month_sheets(None, "2026-10")}
    good = rows["zhang"]
    assert good.assessment_score == 75
    assert good.sheet.kpi == Decimal("92.5")  # 70 + 30 % × 75
    assert good.sheet.grade == "senior"
    assert good.sheet.commission_rate == Decimal("0.02")
    assert good.sheet.commission == Decimal("400.00")
    poor = rows["li"]
    assert poor.sheet.kpi == Decimal(24) and poor.sheet.bonus == Decimal("0.00")
    assert poor.notes == [] and poor.sheet.grade == "none"
    assert rows["wang"].sheet is None and rows["wang"].notes == [service.NO_METRICS]


def test_a_lead_sees_only_their_team_and_a_manager_may_filter(agents, teams, make_user):
    north, south = teams
    lead = make_user(Role.LEAD, team=south)
    manager = make_user(Role.MANAGER)
    assert [r.user.username for r in service.month_sheets(lead, "2026-10")] == ["wang"]
    assert [r.user.username for r in service.month_sheets(lead, "2026-10", north.id)] == ["wang"]
    assert {r.user.username for r in service.month_sheets(manager, "2026-10")} == {
        "zhang", "li", "wang"}
    assert [r.user.username for r in service.month_sheets(manager, "2026-10", south.id)] == [
        "wang"]
    assert [r.user.username for r in service.month_sheets(agents[1], "2026-10")] == ["li"]


def test_agents_not_yet_on_the_books_are_left_out(agents, make_user):
    from datetime import date

    make_user(Role.AGENT, username="later", joined_on=date(2026, 11, 3))
    months = {m: {r.user.username for r in service.month_sheets(None, m)}
              for m in ("2026-10", "2026-11")}
    assert "later" not in months["2026-10"] and "later" in months["2026-11"]


def test_the_first_month_is_flagged(make_user):
    from datetime import date

    newcomer = make_user(Role.AGENT, username="new", joined_on=date(2026, 10, 8))
    service.import_metrics(metrics_csv(("new", GOOD)), "m.csv", "2026-10")
    assert service.agent_sheet(newcomer, "2026-10").first_month
    assert service.FIRST_MONTH in service.agent_sheet(newcomer, "2026-10").notes
    assert not service.agent_sheet(newcomer, "2026-11").first_month


def test_three_consecutive_months_below_70_warn_of_elimination(agents):
    zhang = agents[0]
    for month in ("2026-08", "2026-09", "2026-10"):
        service.import_metrics(metrics_csv(("zhang", POOR), ("li", POOR)), "m.csv", month)
    service.import_metrics(metrics_csv(("li", GOOD)), "m.csv", "2026-09")
    sheet = service.agent_sheet(zhang, "2026-10")
    assert sheet.elimination and sheet.notes[0] == "连续 3 个月 KPI 低于 70,淘汰预警"
    assert not service.agent_sheet(zhang, "2026-09").elimination
    assert not service.agent_sheet(agents[1], "2026-10").elimination


def test_a_month_without_metrics_breaks_the_run(agents):
    zhang = agents[0]
    for month in ("2026-07", "2026-08", "2026-10"):
        service.import_metrics(metrics_csv(("zhang", POOR)), "m.csv", month)
    assert not service.agent_sheet(zhang, "2026-10").elimination


def test_each_earlier_month_is_scored_under_its_own_rules(agents, make_user):
    """August under generous rules (every figure reaches the top tier) is not below 70, so
    October is not the third poor month; with October's rules it would have been."""
    zhang, manager = agents[0], make_user(Role.MANAGER)
    generous = replace(DEFAULT_RULES, indicators=tuple(
        replace(i, tiers=(Tier(Decimal(1000) if i.lower_is_better else Decimal(0), 100),))
        for i in DEFAULT_RULES.indicators))
    service.add_rule_set("2026-08", generous, "宽松", manager)
    service.add_rule_set("2026-09", DEFAULT_RULES, "恢复", manager)
    for month in ("2026-08", "2026-09", "2026-10"):
        service.import_metrics(metrics_csv(("zhang", POOR)), "m.csv", month)
    assert service.agent_sheet(zhang, "2026-08").sheet.kpi == Decimal(94)
    assert service.agent_sheet(zhang, "2026-10").sheet.kpi == Decimal(24)
    assert not service.agent_sheet(zhang, "2026-10").elimination


def test_the_summary_counts_grades(agents):
    service.import_metrics(metrics_csv(("zhang", GOOD), ("li", POOR)), "m.csv", "2026-10")
    summary = service.summarize(service.month_sheets(None, "2026-10"))
    assert (summary.agents, summary.scored) == (3, 2)
    assert summary.average_kpi == Decimal("59.00")
    assert summary.grades == {"senior": 1, "intermediate": 0, "junior": 0, "none": 1}
    assert summary.share("senior") == Decimal("50.0")
