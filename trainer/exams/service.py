"""Where exams meet the database: papers, attempts, autosave, submission."""

import secrets
from dataclasses import dataclass, field
from datetime import datetime

from flask import current_app
from sqlalchemy import case, func, or_, select
from sqlalchemy.orm import joinedload

from ..accounts.models import User, utcnow
from ..assessment.audit import record
from ..assessment.service import apply_exam_score
from ..clock import local_now
from ..extensions import db
from ..questions.bank import answered_by_typing, month_bounds, needs_grader
from ..questions.models import Question, QuestionVersion
from ..questions.render import stem_html
from .blueprint import Blueprint
from .generator import Candidate, PaperItem, generate
from .grading import Grade, accepts_answers, credit, deadline
from .models import KIND_CERTIFICATION, KIND_MONTHLY, Answer, Attempt, Exam, Paper


class ExamClosed(Exception):
    """The exam window or the attempt's time is over."""


@dataclass(frozen=True)
class ShownItem:
    """A question as the agent sees it: shuffled options, no key."""

    position: int
    qtype: str
    stem_html: str
    options: list[str]
    chosen: list  # displayed indices, [True]/[False], or [text]
    chat: list = field(default_factory=list)  # [[speaker, text], ...] for a scenario

    @property
    def written(self) -> bool:
        return answered_by_typing(self.qtype, self.options)

    @property
    def text(self) -> str:
        return str(self.chosen[0]) if self.written and self.chosen else ""


def previous_month(month: str) -> str:
    year, number = (int(p) for p in month.split("-"))
    return f"{year - 1}-12" if number == 1 else f"{year}-{number - 1:02d}"


def open_exams(now: datetime) -> list[Exam]:
    query = (select(Exam)
             .where(Exam.kind == KIND_MONTHLY, Exam.opens_at <= now, Exam.closes_at > now)
             .order_by(Exam.opens_at))
    return db.session.scalars(query).all()


def attempts_of(exam: Exam, user: User) -> list[Attempt]:
    """The user's attempts at an exam, first sitting first."""
    query = (select(Attempt).join(Paper)
             .where(Paper.exam_id == exam.id, Paper.user_id == user.id)
             .order_by(Paper.sitting))
    return db.session.scalars(query).all()


def attempt_for(exam: Exam, user: User) -> Attempt | None:
    """The latest sitting's attempt."""
    attempts = attempts_of(exam, user)
    return attempts[-1] if attempts else None


def candidates(month: str, module: str | None = None) -> list[Candidate]:
    """What a new paper may draw: current versions of questions neither retired nor outside
    their active window in `month`. Written replies wait for the grading queue (issue 5)."""
    first, last = month_bounds(month)
    query = (select(QuestionVersion.id, Question.id, Question.category, Question.difficulty,
                    QuestionVersion.options, Question.module, Question.qtype)
             .join(Question, Question.current_version_id == QuestionVersion.id)
             .where(Question.retired.is_(False),
                    or_(Question.active_from.is_(None), Question.active_from <= last),
                    or_(Question.active_until.is_(None), Question.active_until >= first)))
    if module is not None:
        query = query.where(Question.module == module)
    rows = db.session.execute(query)
    return [Candidate(v, q, c, d, len(opts), m) for v, q, c, d, opts, m, qtype in rows
            if not needs_grader(qtype, opts)]


def _question_ids(papers) -> set[int]:
    version_ids = [item["version_id"] for paper in papers for item in paper.items]
    if not version_ids:
        return set()
    return set(db.session.scalars(
        select(QuestionVersion.question_id).where(QuestionVersion.id.in_(version_ids))))


def _recent_question_ids(exam: Exam, user: User) -> set[int]:
    """What the agent saw last: last month's paper, or the earlier certification sittings."""
    if exam.kind == KIND_CERTIFICATION:
        query = select(Paper).where(Paper.exam_id == exam.id, Paper.user_id == user.id)
    else:
        query = select(Paper).join(Exam).where(Paper.user_id == user.id, Exam.kind == exam.kind,
                                               Exam.month == previous_month(exam.month))
    return _question_ids(db.session.scalars(query).all())


def paper_items(items: list[PaperItem]) -> list[dict]:
    return [{"version_id": i.version_id, "option_order": list(i.option_order)} for i in items]


def paper_for(exam: Exam, user: User, sitting: int = 1) -> Paper:
    paper = db.session.scalar(select(Paper).where(
        Paper.exam_id == exam.id, Paper.user_id == user.id, Paper.sitting == sitting))
    if paper is None:
        seed = secrets.randbits(31)
        month = exam.month if exam.kind == KIND_MONTHLY else local_now().strftime("%Y-%m")
        items = generate(Blueprint.from_json(exam.blueprint), candidates(month),
                         _recent_question_ids(exam, user), seed)
        paper = Paper(exam_id=exam.id, user_id=user.id, sitting=sitting, seed=seed,
                      items=paper_items(items))
        db.session.add(paper)
        db.session.flush()
    return paper


def start(exam: Exam, user: User, now: datetime, retake: bool = False) -> Attempt:
    """Start (or resume) the agent's attempt; the clock is the server's.

    `retake` opens a new sitting when the latest attempt is graded (the caller has checked
    that a retake is allowed); otherwise a graded attempt is simply returned.
    """
    attempt = attempt_for(exam, user)
    if attempt is not None and not (retake and attempt.is_graded):
        return attempt
    if not exam.opens_at <= now < exam.closes_at:
        raise ExamClosed("考试不在开放时间内")
    sitting = 1 if attempt is None else attempt.paper.sitting + 1
    paper = paper_for(exam, user, sitting)
    attempt = Attempt(paper_id=paper.id, started_at=now,
                      ends_at=deadline(now, exam.duration_minutes, exam.closes_at))
    db.session.add(attempt)
    db.session.commit()
    return attempt


def versions(items: list[dict]) -> dict[int, QuestionVersion]:
    ids = [item["version_id"] for item in items]
    query = (select(QuestionVersion).where(QuestionVersion.id.in_(ids))
             .options(joinedload(QuestionVersion.question)))
    return {v.id: v for v in db.session.scalars(query)}


MAX_TEXT_ANSWER = 2000


class MalformedResponse(ValueError):
    """A response of the wrong shape for its question (text for a choice, say)."""


def to_original(response: list, option_order: list[int], qtype: str) -> list:
    """A displayed-index response in the question's own option numbering; a typed answer
    stays text."""
    if answered_by_typing(qtype, option_order):
        if not all(isinstance(r, str) for r in response):
            raise MalformedResponse(qtype)
        text = response[0].strip() if response else ""
        return [text[:MAX_TEXT_ANSWER]] if text else []
    if qtype == "truefalse":
        if len(response) > 1 or not all(isinstance(r, bool) for r in response):
            raise MalformedResponse(qtype)
        return list(response)
    if not all(type(i) is int for i in response):
        raise MalformedResponse(qtype)
    return sorted({option_order[i] for i in response if 0 <= i < len(option_order)})


def to_displayed(response: list, option_order: list[int], qtype: str) -> list:
    if qtype == "truefalse" or answered_by_typing(qtype, option_order):
        return list(response)
    return sorted(option_order.index(i) for i in response)


def show(items: list[dict], responses: dict[int, list]) -> list[ShownItem]:
    """Questions as the agent sees them, with their saved responses; never the key."""
    by_id = versions(items)
    shown = []
    for position, item in enumerate(items):
        version = by_id[item["version_id"]]
        qtype = version.question.qtype
        order = item["option_order"]
        shown.append(ShownItem(
            position=position,
            qtype=qtype,
            stem_html=stem_html(version.stem, version.stem_format),
            options=[version.options[i] for i in order],
            chosen=to_displayed(responses.get(position, []), order, qtype),
            chat=list(version.chat or []),
        ))
    return shown


def save_answers(attempt: Attempt, responses: dict[int, list], now: datetime) -> int:
    """Store displayed-index responses by position; refused once time is up, and all of them
    refused (MalformedResponse) when one does not fit its question."""
    grace = current_app.config["EXAM_GRACE_SECONDS"]
    if attempt.submitted_at is not None or not accepts_answers(now, attempt.ends_at, grace):
        raise ExamClosed("考试时间已到,答案未保存;此前自动保存的答案均已保留")
    items = attempt.paper.items
    by_id = versions(items)
    existing = {a.position: a for a in attempt.answers}
    saved = 0
    for position, response in responses.items():
        if not 0 <= position < len(items):
            continue
        item = items[position]
        version = by_id[item["version_id"]]
        original = to_original(response, item["option_order"], version.question.qtype)
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
    return show(attempt.paper.items, {a.position: a.response for a in attempt.answers})


def finish(attempt: Attempt, now: datetime) -> Attempt:
    """Grade what was saved and apply its consequences; idempotent."""
    if attempt.is_graded:
        return attempt
    paper = attempt.paper
    by_id = versions(paper.items)
    answers = {a.position: a for a in attempt.answers}
    for position, item in enumerate(paper.items):
        # Every position gets a row, answered or not: usage and item statistics count the
        # questions an agent was given, not only those they answered.
        if position not in answers:
            answers[position] = Answer(attempt=attempt, position=position,
                                       version_id=item["version_id"], response=[], saved_at=now)
            db.session.add(answers[position])
        version = by_id[item["version_id"]]
        answer = answers[position]
        answer.credit = credit(version.question.qtype, version.answer, answer.response,
                               version.scoring)
        answer.is_correct = answer.credit == 1
    result = Grade(tuple(answers[p].credit for p in range(len(paper.items))))
    attempt.submitted_at = min(now, attempt.ends_at)
    attempt.correct, attempt.score = result.correct, result.score
    if paper.exam.kind == KIND_MONTHLY:
        apply_exam_score(paper.user, paper.exam.month, result.score, f"attempt:{attempt.id}")
    elif result.score >= paper.exam.pass_mark and paper.user.certified_on is None:
        paper.user.certified_on = local_now().date()
        record(None, "user.certified", f"user:{paper.user_id}",
               {"attempt": attempt.id, "score": result.score})
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
    by_id = versions(attempt.paper.items)
    answers = {a.position: a for a in attempt.answers}
    rows = []
    for position, item in enumerate(attempt.paper.items):
        version = by_id[item["version_id"]]
        answer = answers.get(position)
        rows.append({"position": position, "version": version,
                     "qtype": version.question.qtype,
                     "stem_html": stem_html(version.stem, version.stem_format),
                     "response": answer.response if answer else [],
                     "credit": answer.credit if answer and answer.credit is not None else 0.0})
    return rows


def certification_exam(blueprint: Blueprint, pass_mark: float, minutes: int) -> Exam:
    """The standing certification exam, created on first need and kept in line with the
    current modules and settings."""
    exam = db.session.scalar(select(Exam).where(Exam.kind == KIND_CERTIFICATION))
    if exam is None:
        exam = Exam(kind=KIND_CERTIFICATION, month=local_now().strftime("%Y-%m"),
                    title="上岗认证考试", opens_at=datetime(2000, 1, 1),
                    closes_at=datetime(9999, 12, 31), duration_minutes=minutes,
                    pass_mark=pass_mark, blueprint=blueprint.to_json())
        db.session.add(exam)
    else:
        exam.blueprint, exam.pass_mark = blueprint.to_json(), pass_mark
        exam.duration_minutes = minutes
    db.session.flush()
    return exam


def question_usage(question_ids: list[int]) -> dict[int, tuple[int, int]]:
    """Per question: answers in graded exam attempts, and how many earned full marks."""
    if not question_ids:
        return {}
    rows = db.session.execute(
        select(QuestionVersion.question_id, func.count(Answer.id),
               func.sum(case((Answer.is_correct.is_(True), 1), else_=0)))
        .join(Answer, Answer.version_id == QuestionVersion.id)
        .join(Attempt, Attempt.id == Answer.attempt_id)
        .where(QuestionVersion.question_id.in_(question_ids), Attempt.score.is_not(None))
        .group_by(QuestionVersion.question_id))
    return {qid: (used, int(correct or 0)) for qid, used, correct in rows}
