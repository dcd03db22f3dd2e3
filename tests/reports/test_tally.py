"""The summary tables follow grading, marking, regrading and retakes exactly, and a rebuild from
the raw answers arrives at the same numbers."""

import threading
from dataclasses import replace
from datetime import timedelta

import pytest
from sqlalchemy import delete, func, select

from tests.exams import papers
from tests.exams.papers import question
from tests.exams.test_exam_flow import make_exam
from trainer.accounts.models import utcnow
from trainer.accounts.roles import Role
from trainer.clock import local_now
from trainer.exams import marking, service
from trainer.exams.models import KIND_CERTIFICATION, Attempt, Paper
from trainer.extensions import db
from trainer.questions import service as bank
from trainer.questions.models import as_bank_question
from trainer.reports import tally
from trainer.reports.models import ExamResult, ExamTally, ItemTally, TeamItemTally

pytestmark = pytest.mark.usefixtures("small_content")

# Fixture bank, module beta: single choice (key A), multiple choice (key AB), short answer.
SINGLE, MULTIPLE, SHORT = "b-001", "b-013", "b-014"
PAPER = (SINGLE, MULTIPLE, SHORT)


def exam_of(**settings):
    return make_exam(blueprint={"name": "t", "quotas": [{"count": 3, "module": "beta"}],
                                "points": {"single": 2, "multiple": 2, "short": 2}}, **settings)


def sit(exam, agent, responses: dict, sitting=1) -> Attempt:
    return papers.sit(exam, agent, responses, PAPER, sitting=sitting)


def short_answer(attempt):
    db.session.refresh(attempt)
    return next(a for a in attempt.answers if a.position == PAPER.index(SHORT))


def snapshot() -> dict:
    """Every summary row without surrogate ids and timestamps, floats rounded."""
    def rows(model, skip=("id", "graded_at")):
        columns = [c for c in model.__table__.columns if c.name not in skip]
        found = []
        for row in db.session.scalars(select(model)):
            values = tuple(round(v, 9) if isinstance(v, float) else v
                           for v in (getattr(row, c.name) for c in columns))
            found.append(values)
        return sorted(found, key=repr)
    return {model.__tablename__: rows(model) for model in tally.TALLIES}


def exam_tally(exam, team) -> ExamTally:
    return db.session.scalar(select(ExamTally).where(ExamTally.exam_id == exam.id,
                                                     ExamTally.team_id == team.id))


def item(model, key, **where):
    version_ids = [v.id for v in question(key).versions]
    query = select(model).where(model.version_id.in_(version_ids))
    for name, value in where.items():
        query = query.where(getattr(model, name) == value)
    return db.session.scalars(query).all()


@pytest.fixture
def people(make_user, teams):
    east, west = teams
    return {"a": make_user(Role.AGENT, team=east), "b": make_user(Role.AGENT, team=east),
            "c": make_user(Role.AGENT, team=west), "lead": make_user(Role.LEAD, team=east)}


def test_grading_fills_every_summary_and_a_rebuild_agrees(people, teams):
    east, west = teams
    exam = exam_of()
    sit(exam, people["a"], {SINGLE: [0], MULTIPLE: [0, 1]})  # short left empty: 0, no marker
    sit(exam, people["b"], {SINGLE: [1], MULTIPLE: [2]})
    sit(exam, people["c"], {SINGLE: [0], MULTIPLE: [0, 1], SHORT: ["先致歉"]})

    east_tally = exam_tally(exam, east)
    assert (east_tally.sat, east_tally.passed, east_tally.attempts) == (2, 1, 2)
    assert east_tally.score_sum == pytest.approx(66.7 + 0.0)
    assert east_tally.earned_sum == 2 and east_tally.earned_sq_sum == 4
    # c's written reply awaits a lead: not graded, so not summarized yet.
    assert exam_tally(exam, west) is None
    single = item(ItemTally, SINGLE)[0]
    assert (single.answers, single.correct, single.chosen) == (2, 1, [1, 1, 0, 0])
    assert single.total_sum == 2 and single.cross_sum == 2  # a: x=1, s=2; b: x=0, s=0
    multiple = item(ItemTally, MULTIPLE)[0]
    assert multiple.chosen[:3] == [1, 1, 1]  # a chose A and B, b chose C
    short = item(TeamItemTally, SHORT, team_id=east.id)[0]
    assert (short.answers, short.omitted, short.chosen) == (2, 2, [])

    before = snapshot()
    assert tally.rebuild() == 2
    assert snapshot() == before


def test_marking_a_reply_adds_the_attempt_and_a_correction_moves_it(people, teams):
    _east, west = teams
    exam = exam_of()
    attempt = sit(exam, people["c"], {SINGLE: [0], MULTIPLE: [0, 1], SHORT: ["先致歉"]})
    marking.mark(short_answer(attempt), 0.5, "", people["lead"])
    west_tally = exam_tally(exam, west)
    assert (west_tally.sat, west_tally.passed, west_tally.earned_sum) == (1, 1, 2.5)
    result = db.session.get(ExamResult, attempt.id)
    expected = {}
    for key, credit in ((SINGLE, 1), (MULTIPLE, 1), (SHORT, 0.5)):
        questions, earned = expected.get(question(key).category, (0, 0))
        expected[question(key).category] = [questions + 1, earned + credit]
    assert result.categories == expected

    marking.mark(short_answer(attempt), 0, "看错了", people["lead"])
    db.session.refresh(west_tally)
    assert (west_tally.sat, west_tally.attempts, west_tally.earned_sum) == (1, 1, 2.0)
    assert west_tally.earned_sq_sum == 4.0
    short = item(ItemTally, SHORT)[0]
    assert (short.answers, short.credit_sum, short.credit_sq_sum) == (1, 0.0, 0.0)
    assert short.omitted == 0  # a reply marked wrong was still given
    before = snapshot()
    tally.rebuild()
    assert snapshot() == before


def test_a_regrade_takes_back_what_the_old_grade_added(people, teams):
    east, _west = teams
    exam = exam_of()
    wrong = sit(exam, people["a"], {SINGLE: [1], MULTIPLE: [0, 1]})
    right = sit(exam, people["b"], {SINGLE: [0], MULTIPLE: [0, 1]})
    assert (wrong.score, right.score) == (33.3, 66.7)
    stored = question(SINGLE)
    fixed, _ = bank.save(replace(as_bank_question(stored), answer=(1,)), stored)
    db.session.commit()
    marking.regrade_question(question(SINGLE), people["lead"], "更正答案")

    east_tally = exam_tally(exam, east)
    assert (east_tally.sat, east_tally.passed) == (2, 1)
    assert east_tally.score_sum == pytest.approx(66.7 + 33.3)
    single = item(ItemTally, SINGLE)
    # Two versions now, but the answers stay on the one the papers used.
    assert [(t.answers, t.correct) for t in single] == [(2, 1)]
    assert db.session.get(ExamResult, wrong.id).score == 66.7
    before = snapshot()
    tally.rebuild()
    assert snapshot() == before


def test_only_the_best_attempt_counts_for_the_pass_rate(people, teams):
    east, _west = teams
    exam = exam_of(attempts_allowed=2)
    first = sit(exam, people["a"], {SINGLE: [1]})
    second = sit(exam, people["a"], {SINGLE: [0], MULTIPLE: [0, 1]}, sitting=2)
    east_tally = exam_tally(exam, east)
    assert (east_tally.sat, east_tally.passed, east_tally.attempts) == (1, 1, 2)
    assert east_tally.score_sum == pytest.approx(second.score)
    counted = dict(db.session.execute(select(ExamResult.attempt_id, ExamResult.counted)).all())
    assert counted == {first.id: False, second.id: True}
    # Item statistics pool every graded paper, retakes included.
    assert item(ItemTally, SINGLE)[0].answers == 2
    before = snapshot()
    tally.rebuild()
    assert snapshot() == before


def test_history_stays_with_the_team_that_sat_the_exam(people, teams):
    east, west = teams
    exam = exam_of()
    attempt = sit(exam, people["a"], {SINGLE: [1]})
    people["a"].team = west
    db.session.commit()
    stored = question(SINGLE)
    bank.save(replace(as_bank_question(stored), answer=(1,)), stored)
    db.session.commit()
    marking.regrade_question(question(SINGLE), people["lead"], "更正答案")
    assert db.session.get(ExamResult, attempt.id).team_id == east.id
    assert exam_tally(exam, east).passed == 0 and exam_tally(exam, east).earned_sum == 1
    assert exam_tally(exam, west) is None


def test_an_agent_without_a_team_is_summarized_under_no_team(make_user):
    exam = exam_of()
    attempt = sit(exam, make_user(Role.AGENT, team=None), {SINGLE: [0]})
    result = db.session.get(ExamResult, attempt.id)
    assert result.team_id == 0
    assert db.session.scalar(select(ExamTally.sat).where(ExamTally.team_id == 0)) == 1


def test_backfill_summarizes_an_installation_that_predates_the_tables(people):
    exam = exam_of()
    sit(exam, people["a"], {SINGLE: [0], MULTIPLE: [0, 1]})
    before = snapshot()
    assert tally.backfill() is None  # already summarized
    for model in reversed(tally.TALLIES):
        db.session.execute(delete(model))
    db.session.commit()
    assert tally.backfill() == 1
    assert snapshot() == before


def test_the_rebuild_command_reports_what_it_did(app, people):
    sit(exam_of(), people["a"], {SINGLE: [0]})
    db.session.execute(delete(TeamItemTally))
    db.session.commit()
    result = app.test_cli_runner().invoke(args=["reports", "rebuild"])
    assert result.exit_code == 0, result.output
    assert "已重新汇总 1 份已评分答卷" in result.output
    assert db.session.scalar(select(func.count()).select_from(TeamItemTally)) == 3


def test_concurrent_gradings_lose_no_update(app, make_user, teams):
    """Eight agents of one team hand in at once: each grading adds to the same tally rows."""
    east, _west = teams
    exam = exam_of()
    agents = [make_user(Role.AGENT, team=east) for _ in range(8)]
    versions = [question(key).current_version for key in PAPER]
    now = utcnow()
    ids = []
    for index, agent in enumerate(agents):
        paper = Paper(exam_id=exam.id, user_id=agent.id, seed=1,
                      items=[{"version_id": v.id, "option_order": [0, 1, 2, 3][:len(v.options)]}
                             for v in versions])
        attempt = Attempt(paper=paper, started_at=now, ends_at=now + timedelta(minutes=30))
        db.session.add_all([paper, attempt])
        db.session.commit()
        service.save_answers(attempt, {0: [index % 2], 1: [0, 1]}, now)
        ids.append(attempt.id)
    db.session.commit()  # the test's own session must not hold SQLite's write lock meanwhile
    barrier = threading.Barrier(len(ids))
    failures = []

    def hand_in(attempt_id):
        with app.app_context():
            try:
                barrier.wait(timeout=10)
                service.submit(db.session.get(Attempt, attempt_id), utcnow())
            except Exception as exc:  # reported below with the attempt it belongs to
                failures.append((attempt_id, repr(exc)))
            finally:
                db.session.remove()

    threads = [threading.Thread(target=hand_in, args=(i,)) for i in ids]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    assert failures == []
    db.session.expire_all()
    east_tally = exam_tally(exam, east)
    assert (east_tally.sat, east_tally.attempts, east_tally.passed) == (8, 8, 4)
    single = item(ItemTally, SINGLE)[0]
    assert (single.answers, single.correct, single.chosen[:2]) == (8, 4, [4, 4])
    before = snapshot()
    tally.rebuild()
    assert snapshot() == before


def test_certification_attempts_are_summarized_by_the_month_handed_in(people):
    standing = exam_of(kind=KIND_CERTIFICATION, month="2025-01")
    attempt = sit(standing, people["a"], {SINGLE: [0]})
    month = local_now().strftime("%Y-%m")
    assert db.session.get(ExamResult, attempt.id).month == month
    assert {t.month for t in item(ItemTally, SINGLE)} == {month}
    assert db.session.scalar(select(ExamTally.month)) == month
