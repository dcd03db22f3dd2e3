"""The month's papers from the command line, audiences, retakes, deadlines and overdue
attempts, with the clock under the test's control."""

import json
from datetime import timedelta

import pytest
from sqlalchemy import func, select

from tests.answers import mark_written
from tests.conftest import login
from tests.exams.test_exam_flow import make_exam, right_answers, start, wrong_answers
from trainer.accounts.models import Team, utcnow
from trainer.accounts.roles import Role
from trainer.assessment.models import AuditEvent, LedgerItem
from trainer.exams import service
from trainer.exams.blueprint import default_monthly
from trainer.exams.models import Attempt, Exam, ExamBlueprint, Paper
from trainer.extensions import db
from trainer.questions.bank import CATEGORIES
from trainer.questions.models import QuestionVersion


def run(app, *args):
    return app.test_cli_runner().invoke(args=["exam", *args])


@pytest.fixture
def department(make_user, bank):
    teams = [Team(name="售前一组"), Team(name="售后二组")]
    db.session.add_all(teams)
    db.session.commit()
    agents = [make_user(Role.AGENT, team=teams[n % 2], username=f"kefu{n}") for n in range(4)]
    make_user(Role.AGENT, username="xinren", certified_on=None)  # still onboarding
    make_user(Role.AGENT, username="lizhi", is_active_account=False)
    make_user(Role.LEAD, team=teams[0])
    return teams, agents


def test_generate_creates_the_month_and_a_paper_per_certified_agent(app, department, tmp_path):
    out = tmp_path / "papers.json"
    result = run(app, "generate", "--month", "2026-12", "--export", str(out))
    assert result.exit_code == 0, result.output
    assert "新生成试卷 4 份" in result.output
    exam = db.session.scalars(select(Exam).where(Exam.kind == "monthly")).one()
    assert (exam.month, exam.duration_minutes, exam.pass_mark, exam.attempts_allowed,
            exam.review_policy, exam.audience) == ("2026-12", 60, 60, 1, "after_close", "all")
    # The whole month in Asia/Shanghai: 2026-12-01 00:00 local is 2026-11-30 16:00 UTC.
    assert exam.opens_at.isoformat() == "2026-11-30T16:00:00"
    assert exam.closes_at.isoformat() == "2026-12-31T16:00:00"
    exported = json.loads(out.read_text())
    assert exported["month"] == "2026-12"
    assert exported["blueprint"]["name"] == "标准月考"
    assert sum(q["count"] for q in exported["blueprint"]["quotas"]) == 50
    assert [p["agent"] for p in exported["papers"]] == ["kefu0", "kefu1", "kefu2", "kefu3"]
    for paper in exported["papers"]:
        assert len(paper["questions"]) == 50
        assert len({q["id"] for q in paper["questions"]}) == 50
        assert set(paper["questions"][0]) == {"id", "version", "category", "difficulty"}


def test_generate_again_changes_no_paper(app, department, tmp_path):
    run(app, "generate", "--month", "2026-12", "--export", str(tmp_path / "a.json"))
    before = {p.id: list(p.items) for p in db.session.scalars(select(Paper))}
    result = run(app, "generate", "--month", "2026-12", "--export", str(tmp_path / "b.json"))
    assert "新生成试卷 0 份,已有 4 份" in result.output
    db.session.expire_all()
    assert {p.id: p.items for p in db.session.scalars(select(Paper))} == before
    assert (tmp_path / "a.json").read_text() == (tmp_path / "b.json").read_text()
    assert db.session.scalar(select(func.count(Exam.id)).where(Exam.kind == "monthly")) == 1


def test_generate_with_a_named_blueprint_and_refusals(app, department):
    db.session.add(ExamBlueprint(name="小测", spec={
        "name": "小测", "quotas": [{"count": 2, "category": "rules", "difficulty": 1}],
        "points": {}}))
    db.session.commit()
    assert run(app, "generate", "--month", "2026-13").exit_code != 0
    missing = run(app, "generate", "--month", "2026-12", "--blueprint", "没有这个")
    assert missing.exit_code == 1 and "没有名为「没有这个」的蓝图" in missing.output
    assert run(app, "generate", "--month", "2026-12", "--blueprint", "小测").exit_code == 0
    assert all(len(p.items) == 2 for p in db.session.scalars(select(Paper)))
    switched = run(app, "generate", "--month", "2026-12", "--blueprint", "标准月考")
    assert switched.exit_code == 1 and "不能改用其他蓝图" in switched.output


def test_a_paper_is_reproducible_from_the_exam_seed_and_the_agent(app, department):
    _teams, agents = department
    exam = make_exam(seed=12345)
    first = list(service.paper_for(exam, agents[0]).items)
    db.session.execute(db.delete(Paper))
    db.session.commit()
    assert service.paper_for(exam, agents[0]).items == first
    assert service.paper_for(exam, agents[1]).items != first


def test_papers_reach_only_the_exams_teams(app, department):
    teams, agents = department
    exam = make_exam(audience="teams")
    exam.teams = [teams[0]]
    db.session.commit()
    made = service.generate_month(exam.month)
    assert made.exam.id == exam.id and made.created == 2
    owners = set(db.session.scalars(select(Paper.user_id)))
    assert owners == {a.id for a in agents if a.team_id == teams[0].id}
    outsider = app.test_client()
    login(outsider, agents[1].username)  # the other team
    assert outsider.get(f"/exams/{exam.id}").status_code == 404
    assert exam.title not in outsider.get("/exams").text
    assert "不在本次考试的参考范围内" in outsider.post(f"/exams/{exam.id}/start",
                                                    follow_redirects=True).text


def test_a_retake_is_allowed_while_attempts_remain_and_the_best_score_counts(
        app, client, make_user, bank):
    agent = make_user(Role.AGENT)
    login(client, agent.username)
    exam = make_exam(attempts_allowed=2)
    first = start(client, exam)
    client.post(f"/attempts/{first.id}/answers", json={"answers": wrong_answers(first)})
    client.post(f"/attempts/{first.id}/submit")
    mark_written(first, 0.0)
    ledger = select(LedgerItem.points, LedgerItem.source).where(LedgerItem.user_id == agent.id)
    assert db.session.execute(ledger).all() == [(-5, f"attempt:{first.id}")]

    second_start = client.post(f"/exams/{exam.id}/start", data={"retake": "1"})
    second = db.session.get(Attempt, int(second_start.location.rsplit("/", 1)[1]))
    assert second.id != first.id and second.paper.sitting == 2
    client.post(f"/attempts/{second.id}/answers", json={"answers": right_answers(second)})
    client.post(f"/attempts/{second.id}/submit")
    mark_written(second, 1.0)
    assert db.session.execute(ledger).all() == [(5, f"attempt:{second.id}")]
    withdrawn = db.session.scalars(select(AuditEvent).where(
        AuditEvent.action == "ledger.exam.withdrawn")).one()
    assert withdrawn.detail["source"] == f"attempt:{first.id}"

    third = client.post(f"/exams/{exam.id}/start", data={"retake": "1"},
                        follow_redirects=True)
    assert "作答次数已用完" in third.text
    assert db.session.scalar(select(func.count(Attempt.id))) == 2


def test_close_overdue_hands_in_only_attempts_past_deadline_and_grace(app, make_user, bank):
    exam = make_exam()
    now = utcnow()
    attempts = {}
    for name, ends in (("overdue", now - timedelta(seconds=61)),
                       # 15 s inside the grace: slack for a loaded machine, since the
                       # command reads the real clock (the exact boundary is a unit test).
                       ("in_grace", now - timedelta(seconds=45)),
                       ("running", now + timedelta(minutes=5))):
        agent = make_user(Role.AGENT, username=name)
        attempt = service.start(exam, agent, now - timedelta(minutes=10))
        answers = {int(k): v for k, v in right_answers(attempt).items()}
        service.save_answers(attempt, answers, now - timedelta(minutes=9))
        attempt.ends_at = ends
        db.session.commit()
        attempts[name] = attempt.id
    result = run(app, "close-overdue")
    assert result.exit_code == 0 and "已收卷 1 份" in result.output
    db.session.expire_all()
    overdue = db.session.get(Attempt, attempts["overdue"])
    assert overdue.is_submitted and overdue.submitted_at == overdue.ends_at
    assert mark_written(overdue, 1.0).score == 100.0  # every autosaved answer kept
    assert not db.session.get(Attempt, attempts["in_grace"]).is_submitted
    assert not db.session.get(Attempt, attempts["running"]).is_submitted
    assert "已收卷 0 份" in run(app, "close-overdue").output


def test_a_submit_after_another_changes_nothing(app, make_user, bank):
    exam = make_exam()
    attempt = service.start(exam, make_user(Role.AGENT), utcnow())
    service.submit(attempt, utcnow())
    submitted = attempt.submitted_at
    mark_written(attempt, 1.0)
    graded = db.session.scalar(select(func.count(AuditEvent.id)).where(
        AuditEvent.action == "attempt.graded"))
    service.submit(attempt, utcnow() + timedelta(minutes=1))
    assert attempt.submitted_at == submitted
    assert db.session.scalar(select(func.count(AuditEvent.id)).where(
        AuditEvent.action == "attempt.graded")) == graded == 1


def test_written_replies_join_monthly_papers_but_not_practice(app, small_content):
    month = utcnow().strftime("%Y-%m")
    written = {c.question_id for c in service.candidates(month, written=True)} - {
        c.question_id for c in service.candidates(month)}
    assert len(written) == 2
    for question_id in written:
        version = db.session.scalars(select(QuestionVersion).where(
            QuestionVersion.question_id == question_id)).first()
        assert version.needs_grader


def test_the_default_blueprint_fits_the_shipped_bank_with_room_for_exposure(app, bank):
    from trainer.exams.blueprint import check

    for month in ("2026-11", "2026-12", "2027-01", "2027-06"):
        cells = check(default_monthly(CATEGORIES), service.candidates(month, written=True))
        assert [c.message for c in cells if c.level != "ok"] == [], month
