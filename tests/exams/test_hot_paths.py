"""The exam day's hot paths ask the database a fixed, small number of questions: however many
answers a request carries or the attempt already has. Counted per request with a listener on
the engine (SQLite counts its BEGIN; PostgreSQL's is implicit, so it counts one fewer)."""

import itertools
import sqlite3
from contextlib import contextmanager
from datetime import timedelta

import pytest
from sqlalchemy import event, select

from tests.answers import displayed_key, form_for, version_of
from tests.exams import papers
from tests.exams.test_exam_flow import make_exam
from trainer.accounts.models import utcnow
from trainer.exams import service
from trainer.exams.models import Answer
from trainer.extensions import db
from trainer.questions import frozen
from trainer.questions.models import Question, QuestionVersion
from trainer.reports.models import ItemTally

# BEGIN, the signed-in user, the attempt with its paper (and exam), then per path:
PAGE = 5  # + the saved answers, the questions' categories
# BEGIN, the sign-in with the attempt and its paper in one query, the write's own BEGIN
# (SQLite: it starts after the reads), the attempt's row lock with its save number, every
# answer in one upsert
AUTOSAVE = 5
CLOCK = 2  # BEGIN, the sign-in with the attempt
# + the claim, the answers, grading, the audit, the ledger and the dashboards' tallies
SUBMIT = 34
STAMPS = itertools.count(1)


@contextmanager
def statements():
    seen: list[str] = []

    def count(_conn, _cursor, statement, *_rest):
        seen.append(statement)

    event.listen(db.engine, "before_cursor_execute", count)
    try:
        yield seen
    finally:
        event.remove(db.engine, "before_cursor_execute", count)


@pytest.fixture
def keys(bank):
    """Fifty questions of the shipped bank, in bank order."""
    return list(db.session.scalars(select(Question.key).order_by(Question.id).limit(50)))


@pytest.fixture
def exam(bank):
    return make_exam()


def answers_for(attempt) -> dict[str, list]:
    return {str(p): displayed_key(item) for p, item in enumerate(attempt.paper.items)}


def autosave(client, attempt, answers):
    """A save numbered as the exam page numbers them."""
    url = f"/attempts/{attempt.id}/answers"
    with statements() as seen:
        reply = client.post(url, json={"answers": answers, "client": "page",
                                       "stamp": next(STAMPS)})
    assert reply.status_code == 200 and reply.json["saved"] == len(answers)
    return seen


def test_exam_page_reads_fifty_questions_in_constant_statements(agent_client, agent, exam,
                                                                keys):
    attempt = papers.sit(exam, agent, {}, keys, submit=False)
    url = f"/attempts/{attempt.id}"
    agent_client.get(url)  # the first sight of the versions reads them
    with statements() as seen:
        page = agent_client.get(url)
    assert page.status_code == 200 and page.text.count('id="question-') == 50
    assert len(seen) <= PAGE, "\n".join(seen)


def test_autosave_costs_the_same_for_one_answer_or_fifty(agent_client, agent, exam, keys):
    attempt = papers.sit(exam, agent, {}, keys, submit=False)
    answers = answers_for(attempt)
    agent_client.get(f"/attempts/{attempt.id}")
    one = autosave(agent_client, attempt, {"0": answers["0"]})
    fifty = autosave(agent_client, attempt, answers)
    assert len(one) == len(fifty) <= AUTOSAVE, fifty
    assert db.session.scalar(select(db.func.count(Answer.id))
                             .where(Answer.attempt_id == attempt.id)) == 50


def test_a_clock_poll_is_one_query(agent_client, agent, exam, keys):
    url = f"/attempts/{papers.sit(exam, agent, {}, keys, submit=False).id}/clock"
    with statements() as seen:
        reply = agent_client.get(url)
    assert reply.status_code == 200 and reply.json["submitted"] is False
    assert len(seen) <= CLOCK, "\n".join(seen)


def test_autosave_holds_the_write_lock_only_for_its_writes(agent_client, agent, exam, keys):
    """On SQLite one writer at a time holds the database: the user, the attempt and the
    answers' checking are read before the write begins, so other agents' saves wait less."""
    if db.engine.dialect.name != "sqlite":
        pytest.skip("PostgreSQL locks the attempt's row, not the database")
    attempt = papers.sit(exam, agent, {}, keys, submit=False)
    seen = autosave(agent_client, attempt, answers_for(attempt))
    writing = seen[seen.index("BEGIN IMMEDIATE"):]
    assert [s.split()[0] for s in writing] == ["BEGIN", "UPDATE", "INSERT"], writing
    assert seen[:seen.index("BEGIN IMMEDIATE")][0] == "BEGIN"


def test_autosave_does_not_read_the_answers_already_saved(agent_client, agent, exam, keys):
    fresh = papers.sit(exam, agent, {}, keys, submit=False)
    agent_client.get(f"/attempts/{fresh.id}")
    baseline = autosave(agent_client, fresh, {"0": answers_for(fresh)["0"]})
    busy = papers.sit(exam, agent, {}, keys, submit=False, sitting=2)
    answers = answers_for(busy)
    service.save_answers(busy, {int(p): a for p, a in answers.items() if p != "49"}, utcnow())
    assert len(busy.answers) == 49
    assert len(autosave(agent_client, busy, {"49": answers["49"]})) == len(baseline)


def test_submit_of_fifty_answers_is_graded_and_tallied_in_constant_statements(
        agent_client, agent, exam, keys):
    attempt = papers.sit(exam, agent, {}, keys, submit=False)
    # Written replies left empty earn nothing and need no lead: the attempt is graded at once
    # and goes through the ledger and the dashboards' tallies.
    form = form_for((p, displayed_key(item)) for p, item in enumerate(attempt.paper.items)
                    if not version_of(item).needs_grader)
    agent_client.get(f"/attempts/{attempt.id}")
    url = f"/attempts/{attempt.id}/submit"
    with statements() as seen:
        reply = agent_client.post(url, data=form)
    assert reply.status_code == 302
    db.session.refresh(attempt)
    assert attempt.is_graded and len(attempt.answers) == 50
    assert db.session.scalar(select(db.func.sum(ItemTally.answers))) == 50
    assert len(seen) <= SUBMIT, "\n".join(seen)
    # One UPDATE per tally table, whatever the paper: no statement per question.
    assert sum(s.startswith("UPDATE item_tallies") for s in seen) == 1
    assert sum(s.startswith("UPDATE answers") for s in seen) == 1


def test_a_version_is_rendered_once_and_a_new_version_gets_its_own(agent_client, agent, exam,
                                                                   keys, monkeypatch,
                                                                   make_user):
    rendered = []
    real = frozen.stem_html

    def counting(stem, stem_format="plain"):
        rendered.append(stem)
        return real(stem, stem_format)

    monkeypatch.setattr(frozen, "stem_html", counting)
    first = papers.sit(exam, agent, {}, keys, submit=False)
    for _ in range(2):
        assert agent_client.get(f"/attempts/{first.id}").status_code == 200
    assert len(rendered) == 50

    question = papers.question(keys[0])
    old = question.current_version
    new = QuestionVersion(question_id=question.id, number=old.number + 1,
                          stem="改版后的**题干**", stem_format="markdown", options=old.options,
                          answer=old.answer, scoring=old.scoring, chat=old.chat,
                          digest="revised")
    db.session.add(new)
    db.session.flush()
    question.current_version = new
    db.session.commit()
    second = papers.sit(exam, agent, {}, keys, submit=False, sitting=2)
    page = agent_client.get(f"/attempts/{second.id}").text
    assert rendered[50:] == ["改版后的**题干**"]
    assert "改版后的<strong>题干</strong>" in page
    # The first paper keeps the wording it was given.
    assert "改版后的" not in agent_client.get(f"/attempts/{first.id}").text
    assert len(rendered) == 51


def test_the_page_shows_a_reclassified_question_under_its_new_category(agent_client, agent,
                                                                       exam, keys):
    # Categories change without a new version, so they are not cached with it.
    attempt = papers.sit(exam, agent, {}, keys, submit=False)
    agent_client.get(f"/attempts/{attempt.id}")
    question = papers.question(keys[0])
    question.category = "新类别"
    db.session.commit()
    assert "新类别" in agent_client.get(f"/attempts/{attempt.id}").text


def test_the_exam_page_is_read_while_another_worker_writes(agent_client, agent, exam, keys):
    """The page only reads (unless the attempt has expired), so on SQLite it does not wait
    for the write lock that autosaves and hand-ins of other agents take turns holding."""
    if db.engine.dialect.name != "sqlite":
        pytest.skip("PostgreSQL's readers never wait for writers")
    url = f"/attempts/{papers.sit(exam, agent, {}, keys, submit=False).id}"
    db.session.rollback()  # the test's own transaction (reading the id) holds the lock
    writer = sqlite3.connect(db.engine.url.database, isolation_level=None)
    writer.execute("BEGIN IMMEDIATE")
    try:
        page = agent_client.get(url)
    finally:
        writer.rollback()
        writer.close()
    assert page.status_code == 200 and page.text.count('id="question-') == 50


def test_an_expired_attempt_opened_is_handed_in(agent_client, agent, exam, keys):
    attempt = papers.sit(exam, agent, {}, keys, submit=False)
    service.save_answers(attempt, {0: displayed_key(attempt.paper.items[0])}, utcnow())
    attempt.ends_at = utcnow() - timedelta(seconds=service._grace() + 1)
    db.session.commit()
    page = agent_client.get(f"/attempts/{attempt.id}")
    assert page.status_code == 302 and page.location.endswith(f"/attempts/{attempt.id}/result")
    db.session.refresh(attempt)
    assert attempt.is_submitted and attempt.correct == 1
