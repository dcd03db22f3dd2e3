"""A month from end to end, through the pages people use: exams graded → ledger items →
published → appealed → KPI sheet → export. Every score change on the way leaves an audit row:
replaying the audit trail gives back each agent's ledger."""

import csv
import io
from decimal import Decimal

from openpyxl import load_workbook
from sqlalchemy import select

from tests.conftest import login
from tests.exams.test_exam_flow import make_exam, right_answers, start, wrong_answers
from trainer.accounts.models import Team
from trainer.accounts.roles import Role
from trainer.assessment.models import Appeal, AuditEvent, LedgerItem
from trainer.assessment.service import month_assessment
from trainer.clock import local_now
from trainer.exams.models import Answer
from trainer.exams.service import previous_month
from trainer.extensions import db

HEADER = ("agent,sales_actual,sales_plan,consultations,ordered_buyers,paid_buyers,"
          "im_paid_sales,customers_received,customers_replied,avg_response_seconds,"
          "followup_amount,personal_revenue,promotion")
# star: every indicator at the top tier's exact bound; weak: every one at the lowest
# scoring tier's exact bound (80 %, 40 %, 85 %, 160 yuan, 92 %, 40 s, 100 yuan).
METRICS = (f"{HEADER}\n"
           "star,10000,10000,100,50,45,9000,200,196,25,300,20000,0\n"
           "weak,8000,10000,100,40,34,5440,200,184,40,100,12000,0\n")


def client_of(app, user):
    client = app.test_client()
    login(client, user.username)
    return client


def sit(client, exam, answers_for) -> int:
    attempt = start(client, exam)
    assert client.post(f"/attempts/{attempt.id}/answers",
                       json={"answers": answers_for(attempt)}).status_code == 200
    client.post(f"/attempts/{attempt.id}/submit")
    return attempt.id


def mark_all(lead_client, attempt_id: int, credit: str) -> None:
    """The lead marks the attempt's written replies in the marking queue."""
    waiting = db.session.scalars(select(Answer.id).where(
        Answer.attempt_id == attempt_id, Answer.credit.is_(None))).all()
    for answer_id in waiting:
        response = lead_client.post(f"/marking/answers/{answer_id}",
                                    data={f"a{answer_id}-credit": credit})
        assert response.status_code == 302


def replayed_points(user_id: int) -> int:
    """The ledger's sum as the audit trail tells it, change by change."""
    total = 0
    for event in db.session.scalars(select(AuditEvent).where(
            AuditEvent.target == f"user:{user_id}").order_by(AuditEvent.id)):
        detail = event.detail
        if event.action == "ledger.exam":
            total += detail["points"]
        elif event.action == "ledger.exam.withdrawn":
            total -= detail["points"]
        elif event.action.startswith("ledger."):
            new, old = detail["new"] or {}, detail["old"] or {}
            total += new.get("points", 0) - old.get("points", 0)
    return total


def actions(target: str) -> list[str]:
    return db.session.scalars(select(AuditEvent.action).where(
        AuditEvent.target == target).order_by(AuditEvent.id)).all()


def test_a_month_flows_from_exams_to_the_exported_kpi_sheet(app, bank, make_user):
    month = previous_month(local_now().strftime("%Y-%m"))
    team = Team(name="售前一组")
    db.session.add(team)
    lead = make_user(Role.LEAD, team=team, username="lead")
    manager = make_user(Role.MANAGER, username="boss")
    star = make_user(Role.AGENT, team=team, username="star", display_name="满分")
    weak = make_user(Role.AGENT, team=team, username="weak", display_name="待提高")
    lead_client, boss = client_of(app, lead), client_of(app, manager)
    star_client, weak_client = client_of(app, star), client_of(app, weak)

    # Exams graded: all right (the lead gives the written replies full marks) and all wrong.
    exam = make_exam(month=month)
    star_attempt = sit(star_client, exam, right_answers)
    weak_attempt = sit(weak_client, exam, wrong_answers)
    mark_all(lead_client, star_attempt, "1.0")
    mark_all(lead_client, weak_attempt, "0.0")
    assert [(i.code, i.points) for i in month_assessment(star.id, month)[1]] == [
        ("exam_perfect", 5)]
    assert [(i.code, i.points) for i in month_assessment(weak.id, month)[1]] == [
        ("exam_below_pass", -5)]

    # Ledger items: the lead records a late arrival, the supervisor adds a discretionary +2.
    response = lead_client.post(f"/assessment/{month}/agents/{weak.id}/items", data={
        "code": "a_late_early", "points": "-3", "occurred_on": f"{month}-10",
        "note": "迟到 20 分钟", "evidence": "考勤记录", "demerit": "0"})
    assert response.status_code == 302
    late = db.session.scalar(select(LedgerItem).where(LedgerItem.code == "a_late_early"))
    assert (late.user_id, late.points, late.recorded_by_id) == (weak.id, -3, lead.id)
    assert boss.post(f"/assessment/{month}/agents/{star.id}/supervisor",
                     data={"sup-points": "2", "sup-reason": "大促期间主动加班"}).status_code == 302
    assert month_assessment(star.id, month)[0] == 87
    assert month_assessment(weak.id, month)[0] == 72

    # The metrics arrive; the month is not published yet, so agents see nothing of it.
    response = boss.post("/kpi/import", data={
        "month": month, "file": (io.BytesIO(METRICS.encode()), "metrics.csv")},
        content_type="multipart/form-data")
    assert response.status_code == 302, response.text
    assert "尚未发布" in weak_client.get(f"/me/assessment?month={month}").text
    assert "尚未发布" in star_client.get(f"/me/kpi?month={month}").text

    # Published: the ledger is closed to direct edits.
    assert boss.post(f"/assessment/{month}/publish").status_code == 302
    lead_client.post(f"/assessment/{month}/agents/{weak.id}/items", data={
        "code": "a_browsing", "occurred_on": f"{month}-11", "note": "浏览购物网站",
        "demerit": "0"})
    assert db.session.scalar(select(LedgerItem).where(LedgerItem.code == "a_browsing")) is None
    page = weak_client.get(f"/me/assessment?month={month}").text
    assert "迟到 20 分钟" in page and "72" in page

    # Appealed within the window, accepted by the lead: the late arrival is withdrawn.
    assert weak_client.post(f"/me/assessment/items/{late.id}/appeal",
                            data={f"i{late.id}-text": "当天地铁停运,有公告截图"}
                            ).status_code == 302
    appeal = db.session.scalar(select(Appeal))
    assert lead_client.post(f"/assessment/appeals/{appeal.id}", data={
        f"d{appeal.id}-decision": "accept", f"d{appeal.id}-points": "0",
        f"d{appeal.id}-reason": "核实地铁停运"}).status_code == 302
    db.session.refresh(late)
    assert late.points == 0 and appeal.status == "accepted"
    assert month_assessment(weak.id, month)[0] == 75

    # The KPI sheet, as the agent sees it and as the manager exports it.
    mine = star_client.get(f"/me/kpi?month={month}").text
    assert "95.1" in mine and "高级" in mine and "285.30" in mine
    # star: 4 + 5 + 4 (90 % order success) + 4 + 8 + 22 + 22 + 30 % × 87.
    # weak: 4 % × 70 + 5 % × 60 + 5 % × 60 + 4 % × 60 + 8 % × 60 + 22 % × 60 × 2 + 30 % × 75.
    expected = {"star": ("95.1", "高级", "285.30", "600.00"),
                "weak": ("64.9", "不评级", "0", "0")}
    exported = csv.DictReader(io.StringIO(
        boss.get(f"/kpi/export?month={month}&format=csv").data.decode("utf-8-sig")))
    rows = {row["客服账号"]: row for row in exported}
    for agent, (kpi, grade, bonus, commission) in expected.items():
        row = rows[agent]
        assert Decimal(row["KPI"]) == Decimal(kpi) and row["等级"] == grade
        assert Decimal(row["绩效奖金"]) == Decimal(bonus)
        assert Decimal(row["提成金额"]) == Decimal(commission)
    sheet = load_workbook(io.BytesIO(
        boss.get(f"/kpi/export?month={month}&format=xlsx").data)).active
    header = [c.value for c in sheet[1]]
    table = {row[0]: dict(zip(header, row, strict=True))
             for row in sheet.iter_rows(min_row=2, values_only=True)}
    assert Decimal(str(table["star"]["KPI"])) == Decimal("95.1")
    assert Decimal(str(table["weak"]["KPI"])) == Decimal("64.9")

    # Every score change has its audit row, and the rows add up to the ledger.
    for agent in (star, weak):
        items = month_assessment(agent.id, month)[1]
        assert replayed_points(agent.id) == sum(i.points for i in items)
    assert actions(f"user:{star.id}") == [
        "user.create", "ledger.exam", "ledger.supervisor", "kpi.metrics"]
    assert actions(f"user:{weak.id}") == [
        "user.create", "ledger.exam", "ledger.item.added", "kpi.metrics", "appeal.filed",
        "appeal.accepted", "ledger.item.appeal"]
    assert actions(f"month:{month}") == ["assessment.published"]
    for attempt_id in (star_attempt, weak_attempt):
        assert actions(f"attempt:{attempt_id}") == ["attempt.graded"]
    marked = db.session.scalars(select(Answer.id).where(Answer.marked_by_id == lead.id)).all()
    assert marked and all(actions(f"answer:{a}") == ["answer.marked"] for a in marked)
