"""Where exams meet the database: papers, attempts, autosave, submission."""

import secrets
from dataclasses import dataclass
from datetime import datetime

from flask import current_app
from sqlalchemy import select
from sqlalchemy.orm import joinedload

from ..accounts.models import User, utcnow
from ..assessment.service import apply_exam_score
from ..extensions import db
from ..questions.models import Question, QuestionVersion
from .blueprint import Blueprint
from .generator import Candidate, generate
from .grading import accepts_answers, deadline, grade, is_correct
from .models import KIND_MONTHLY, Answer, Attempt, Exam, Paper


class ExamClosed(Exception):
    """The exam window or the attempt's time is over."""


@dataclass(frozen=True)
class ShownItem:
    """A question as the agent sees it: shuffled options, no key."""

    position: int
    qtype: str
    stem: str
    options: list[str]
    chosen: list  # displayed indices, or [True]/[False]


def previous_month(month: str) -> str:
    year, number = (int(p) for p in month.split("-"))
    return f"{year - 1}-12" if number == 1 else f"{year}-{number - 1:02d}"


def open_exams(now: datetime) -> list[Exam]:
    query = select(Exam).where(Exam.opens_at <= now, Exam.closes_at > now).order_by(Exam.opens_at)
    return db.session.scalars(query).all()


def attempt_for(exam: Exam, user: User) -> Attempt | None:
    return db.session.scalar(
        select(Attempt).join(Paper).where(Paper.exam_id == exam.id, Paper.user_id == user.id)
    )


def _candidates() -> list[Candidate]:
    rows = db.session.execute(
        select(QuestionVersion.id, Question.id, Question.category, Question.difficulty,
               QuestionVersion.options)
        .join(Question, Question.current_version_id == QuestionVersion.id)
        .where(Question.retired.is_(False))
    )
    return [Candidate(v, q, c, d, len(opts)) for v, q, c, d, opts in rows]


def _recent_question_ids(exam: Exam, user: User) -> set[int]:
    previous = db.session.scalars(
        select(Paper).join(Exam).where(Paper.user_id == user.id, Exam.kind == exam.kind,
                                       Exam.month == previous_month(exam.month))
    ).all()
    version_ids = [item["version_id"] for paper in previous for item in paper.items]
    if not version_ids:
        return set()
    return set(db.session.scalars(
        select(QuestionVersion.question_id).where(QuestionVersion.id.in_(version_ids))
    ))


def paper_for(exam: Exam, user: User) -> Paper:
    paper = db.session.scalar(select(Paper).where(Paper.exam_id == exam.id,
                                                  Paper.user_id == user.id))
    if paper is None:
        seed = secrets.randbits(31)
        items = generate(Blueprint.from_json(exam.blueprint), _candidates(),
                         _recent_question_ids(exam, user), seed)
        paper = Paper(exam_id=exam.id, user_id=user.id, seed=seed,
                      items=[{"version_id": i.version_id, "option_order": list(i.option_order)}
                             for i in items])
        db.session.add(paper)
        db.session.flush()
    return paper


def start(exam: Exam, user: User, now: datetime) -> Attempt:
    """Start (or resume) the agent's attempt; the clock is the server's."""
    attempt = attempt_for(exam, user)
    if attempt is not None:
        return attempt
    if not exam.opens_at <= now < exam.closes_at:
        raise ExamClosed("考试不在开放时间内")
    paper = paper_for(exam, user)
    attempt = Attempt(paper_id=paper.id, started_at=now,
                      ends_at=deadline(now, exam.duration_minutes, exam.closes_at))
    db.session.add(attempt)
    db.session.commit()
    return attempt


def _versions(paper: Paper) -> dict[int, QuestionVersion]:
    ids = [item["version_id"] for item in paper.items]
    query = (select(QuestionVersion).where(QuestionVersion.id.in_(ids))
             .options(joinedload(QuestionVersion.question)))
    return {v.id: v for v in db.session.scalars(query)}


def _original(response: list, option_order: list[int], qtype: str) -> list:
    if qtype == "truefalse":
        return [bool(response[0])] if response else []
    return sorted({option_order[i] for i in response if 0 <= i < len(option_order)})


def _displayed(response: list, option_order: list[int], qtype: str) -> list:
    if qtype == "truefalse":
        return list(response)
    return sorted(option_order.index(i) for i in response)


def save_answers(attempt: Attempt, responses: dict[int, list], now: datetime) -> int:
    """Store displayed-index responses by position; refused once time is up."""
    grace = current_app.config["EXAM_GRACE_SECONDS"]
    if attempt.submitted_at is not None or not accepts_answers(now, attempt.ends_at, grace):
        raise ExamClosed("考试时间已到,答案未保存;此前自动保存的答案均已保留")
    paper = attempt.paper
    versions = _versions(paper)
    existing = {a.position: a for a in attempt.answers}
    saved = 0
    for position, response in responses.items():
        if not 0 <= position < len(paper.items):
            continue
        item = paper.items[position]
        version = versions[item["version_id"]]
        original = _original(response, item["option_order"], version.question.qtype)
        answer = existing.get(position)
        if answer is None:
            answer = Answer(attempt=attempt, position=position, version_id=version.id,
                            response=original, saved_at=now)
            db.session.add(answer)
        else:
            answer.response, answer.saved_at = original, now
        saved += 1
    db.session.commit()
    return saved


def shown_items(attempt: Attempt) -> list[ShownItem]:
    paper = attempt.paper
    versions = _versions(paper)
    responses = {a.position: a.response for a in attempt.answers}
    shown = []
    for position, item in enumerate(paper.items):
        version = versions[item["version_id"]]
        qtype = version.question.qtype
        order = item["option_order"]
        shown.append(ShownItem(
            position=position,
            qtype=qtype,
            stem=version.stem,
            options=[version.options[i] for i in order] if qtype != "truefalse" else [],
            chosen=_displayed(responses.get(position, []), order, qtype),
        ))
    return shown


def finish(attempt: Attempt, now: datetime) -> Attempt:
    """Grade what was saved, record the month adjustment; idempotent."""
    if attempt.is_graded:
        return attempt
    paper = attempt.paper
    versions = _versions(paper)
    answers = {a.position: a for a in attempt.answers}
    graded = []
    for position, item in enumerate(paper.items):
        version = versions[item["version_id"]]
        answer = answers.get(position)
        graded.append((version.question.qtype, version.answer, answer.response if answer else None))
    result = grade(graded)
    for position, (qtype, key, response) in enumerate(graded):
        if position in answers:
            answers[position].is_correct = is_correct(qtype, key, response)
    attempt.submitted_at = min(now, attempt.ends_at)
    attempt.correct, attempt.score = result.correct, result.score
    if paper.exam.kind == KIND_MONTHLY:
        apply_exam_score(paper.user, paper.exam.month, result.score, f"attempt:{attempt.id}")
    db.session.commit()
    return attempt


def finish_if_expired(attempt: Attempt, now: datetime | None = None) -> Attempt:
    now = now or utcnow()
    grace = current_app.config["EXAM_GRACE_SECONDS"]
    if not attempt.is_graded and not accepts_answers(now, attempt.ends_at, grace):
        finish(attempt, now)
    return attempt


def review(attempt: Attempt) -> list[dict]:
    """After grading only: each question with the agent's answer and the key."""
    versions = _versions(attempt.paper)
    answers = {a.position: a for a in attempt.answers}
    rows = []
    for position, item in enumerate(attempt.paper.items):
        version = versions[item["version_id"]]
        answer = answers.get(position)
        rows.append({"position": position, "version": version,
                     "qtype": version.question.qtype,
                     "response": answer.response if answer else [],
                     "correct": bool(answer and answer.is_correct)})
    return rows
