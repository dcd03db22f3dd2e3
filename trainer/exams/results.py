"""What an agent sees after submitting: the score by category, the review once the exam's
review policy allows it, and the wrong-answer notebook (错题本).

The key never leaves this module before `service.review_open` says so: `review_rows` returns
None until then, and the notebook leaves out every exam whose review is not open.
"""

import random
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime

from flask import current_app
from sqlalchemy import select

from ..accounts.models import User, utcnow
from ..assessment.rules import exam_adjustment
from ..extensions import db
from ..learning import service as learning
from ..learning.models import PracticeAttempt
from ..questions.bank import CATEGORIES, LETTERS, answered_by_typing, needs_grader
from ..questions.models import Question, QuestionVersion
from ..questions.render import stem_html
from . import service
from .grading import is_correct
from .models import (
    KIND_MONTHLY,
    REVIEW_AFTER_CLOSE,
    REVIEW_POLICIES,
    Answer,
    Attempt,
    Exam,
    Paper,
)

# Result page ------------------------------------------------------------------------------


@dataclass(frozen=True)
class CategoryScore:
    """One category of a paper. Earned and possible count graded questions only: a written
    reply awaiting its mark is in `pending`, not yet in the percentage."""

    category: str
    name: str
    questions: int
    correct: int  # full credit
    earned: float
    possible: float
    pending: int = 0

    @property
    def percent(self) -> float | None:
        return round(100 * self.earned / self.possible, 1) if self.possible else None


def category_scores(marks: Iterable[tuple[str, float, float | None]]) -> list[CategoryScore]:
    """marks: (category, points, credit or None while awaiting marking) per question; the
    categories in CATEGORIES order, only those present."""
    grouped = defaultdict(list)
    for category, points, share in marks:
        grouped[category].append((points, share))
    order = [c for c in CATEGORIES if c in grouped] + sorted(set(grouped) - set(CATEGORIES))
    return [_category_score(c, grouped[c]) for c in order]


def _category_score(category: str, marks: list[tuple[float, float | None]]) -> CategoryScore:
    graded = [(points, share) for points, share in marks if share is not None]
    return CategoryScore(
        category=category, name=CATEGORIES.get(category, category), questions=len(marks),
        correct=sum(1 for _, share in graded if share == 1),
        earned=round(sum(points * share for points, share in graded), 2),
        possible=sum(points for points, _ in graded), pending=len(marks) - len(graded))


def breakdown(attempt: Attempt) -> list[CategoryScore]:
    """The attempt's points per category, weighted as its exam's blueprint weighs each type."""
    blueprint = service.blueprint_of(attempt.paper.exam)
    by_id = service.versions(attempt.paper.items)
    answers = {a.position: a for a in attempt.answers}
    marks = []
    for position, item in enumerate(attempt.paper.items):
        question = by_id[item["version_id"]].question
        answer = answers.get(position)
        # A submitted paper has a row for every position; none means nothing was earned.
        share = answer.credit if answer is not None else 0.0
        marks.append((question.category, blueprint.points_for(question.qtype), share))
    return category_scores(marks)


def pending(attempt: Attempt) -> int:
    """Written replies of a submitted attempt still waiting for a lead's mark."""
    if not attempt.is_submitted:
        return 0
    return sum(1 for a in attempt.answers if a.credit is None)


def passed(attempt: Attempt) -> bool | None:
    return None if not attempt.is_graded else attempt.score >= attempt.paper.exam.pass_mark


def ledger_effect(attempt: Attempt) -> str | None:
    """What a graded monthly exam does to the month's daily-assessment score."""
    if attempt.paper.exam.kind != KIND_MONTHLY or not attempt.is_graded:
        return None
    adjustment = exam_adjustment(attempt.score, current_app.config["ASSESSMENT_RULES"])
    if adjustment is None:
        return "本次考试不影响日常考核分。"
    return f"{adjustment.reason}:本月日常考核 {adjustment.points:+d} 分。"


def review_opens_at(attempt: Attempt, now: datetime) -> datetime | None:
    """When a review that waits for the window to close will open; None otherwise."""
    exam = attempt.paper.exam
    if exam.kind == KIND_MONTHLY and exam.review_policy == REVIEW_AFTER_CLOSE \
            and now < exam.closes_at:
        return exam.closes_at
    return None


def review_policy(exam: Exam) -> str:
    return REVIEW_POLICIES.get(exam.review_policy, "")


@dataclass(frozen=True)
class ReviewRow:
    """One question of a graded paper with its key. Options, `chosen` and `key` are in the
    order the agent saw them; `response` in the question's own numbering."""

    position: int
    qtype: str
    stem_html: str
    version: QuestionVersion
    options: list[str]
    response: list
    chosen: list
    key: list
    credit: float | None
    comment: str
    section_url: str | None
    section_title: str | None


def review_rows(attempt: Attempt, now: datetime | None = None) -> list[ReviewRow] | None:
    """The review with keys and explanations, or None while the review policy withholds it."""
    if not service.review_open(attempt, now or utcnow()):
        return None
    by_id = service.versions(attempt.paper.items)
    answers = {a.position: a for a in attempt.answers}
    return [_review_row(position, item, by_id[item["version_id"]], answers.get(position))
            for position, item in enumerate(attempt.paper.items)]


def _review_row(position: int, item: dict, version: QuestionVersion,
                answer: Answer | None) -> ReviewRow:
    question, order = version.question, item["option_order"]
    response = answer.response if answer else []
    url, title = learning.section_link(question.module, question.section)
    return ReviewRow(
        position=position, qtype=question.qtype,
        stem_html=stem_html(version.stem, version.stem_format), version=version,
        options=[version.options[i] for i in order], response=response,
        chosen=service.to_displayed(response, order, question.qtype),
        key=service.to_displayed(version.answer, order, question.qtype),
        credit=answer.credit if answer else 0.0, comment=answer.comment if answer else "",
        section_url=url, section_title=title)


def result_context(attempt: Attempt, now: datetime) -> dict:
    """Everything templates/exams/result.html shows, but for `letters` and `types`."""
    exam = attempt.paper.exam
    return {"attempt": attempt, "exam": exam, "passed": passed(attempt),
            "breakdown": breakdown(attempt), "pending": pending(attempt),
            "rows": review_rows(attempt, now), "review_opens_at": review_opens_at(attempt, now),
            "review_policy": review_policy(exam), "ledger_effect": ledger_effect(attempt)}


# Wrong-answer notebook --------------------------------------------------------------------

EXAM, PRACTICE = "exam", "practice"


@dataclass(frozen=True)
class Outcome:
    """One answer the agent gave to a question, in an exam or a practice quiz."""

    question_id: int
    version_id: int
    response: list
    right: bool
    at: datetime
    source: str  # EXAM or PRACTICE


@dataclass(frozen=True)
class Tally:
    """A question's misses: how many, the latest, and whether a practice answer since was right."""

    question_id: int
    misses: int
    last_missed_at: datetime
    last_miss: Outcome
    mastered_at: datetime | None


def tally(outcomes: Iterable[Outcome]) -> list[Tally]:
    """One tally per question missed at least once, the latest miss first. A question counts
    as mastered when its latest answer was a right one in practice."""
    by_question = defaultdict(list)
    for outcome in outcomes:
        by_question[outcome.question_id].append(outcome)
    tallies = []
    for question_id, answers in by_question.items():
        answers.sort(key=lambda o: o.at)
        misses = [o for o in answers if not o.right]
        if not misses:
            continue
        latest = answers[-1]
        mastered = latest.right and latest.source == PRACTICE
        tallies.append(Tally(question_id, len(misses), misses[-1].at, misses[-1],
                             latest.at if mastered else None))
    return sorted(tallies, key=lambda t: t.last_missed_at, reverse=True)


def _exam_outcomes(user: User, now: datetime) -> list[tuple[Answer, datetime]]:
    """Misses in the agent's graded monthly exams whose review is open: any other exam's key
    is still secret, so its questions stay out of the notebook altogether."""
    rows = db.session.execute(
        select(Answer, Attempt).join(Attempt, Answer.attempt_id == Attempt.id)
        .join(Paper, Attempt.paper_id == Paper.id).join(Exam, Paper.exam_id == Exam.id)
        .where(Paper.user_id == user.id, Exam.kind == KIND_MONTHLY,
               Attempt.score.is_not(None), Answer.credit < 1)).all()
    open_review: dict[int, bool] = {}
    misses = []
    for answer, attempt in rows:
        if attempt.id not in open_review:
            open_review[attempt.id] = service.review_open(attempt, now)
        if open_review[attempt.id]:
            misses.append((answer, attempt.submitted_at))
    return misses


def _practice_answers(user: User) -> list[tuple[PracticeAttempt, dict, list]]:
    """Each checked practice answer (the first one given, which the quiz scores)."""
    attempts = db.session.scalars(
        select(PracticeAttempt).where(PracticeAttempt.user_id == user.id)).all()
    return [(attempt, attempt.items[int(position)], response)
            for attempt in attempts for position, response in attempt.checked.items()]


def outcomes(user: User, now: datetime) -> tuple[list[Outcome], dict[int, QuestionVersion]]:
    """The agent's exam misses (review open) and practice answers, with the versions they
    were given on."""
    exam_misses = _exam_outcomes(user, now)
    practice = _practice_answers(user)
    version_ids = ({a.version_id for a, _ in exam_misses}
                   | {item["version_id"] for _, item, _ in practice})
    versions = service.versions([{"version_id": v} for v in version_ids])
    found = [Outcome(versions[a.version_id].question_id, a.version_id, a.response, False, at,
                     EXAM) for a, at in exam_misses]
    for attempt, item, response in practice:
        version = versions[item["version_id"]]
        if needs_grader(version.question.qtype, version.options):
            continue  # practice never draws written replies; nothing to mark one by
        found.append(Outcome(
            version.question_id, version.id, response,
            is_correct(version.question.qtype, version.answer, response, version.scoring),
            attempt.submitted_at or attempt.created_at, PRACTICE))
    return found, versions


def answer_text(qtype: str, options: list, response: list) -> str:
    """A response or key in words: option letters and texts in the question's own order."""
    if not response:
        return "未作答"
    if qtype == "truefalse":
        return "正确" if response[0] else "错误"
    if answered_by_typing(qtype, options):
        return " / ".join(str(r) for r in response)
    return ";".join(f"{LETTERS[i]}. {options[i]}" for i in response if 0 <= i < len(options))


@dataclass(frozen=True)
class NotebookEntry:
    question: Question
    version: QuestionVersion  # the current one, shown with its key
    stem_html: str
    key_text: str
    last_wrong: str  # the agent's latest wrong answer, in the words of the version missed
    misses: int
    last_missed_at: datetime
    last_source: str  # EXAM or PRACTICE
    mastered_at: datetime | None
    section_url: str | None
    section_title: str | None

    @property
    def category_name(self) -> str:
        return CATEGORIES.get(self.question.category, self.question.category)

    @property
    def written(self) -> bool:
        """A reply a lead marks: its key is a reference answer, not the only right one."""
        return needs_grader(self.question.qtype, self.version.options)

    @property
    def practisable(self) -> bool:
        """A notebook quiz can ask it: not retired, and machine-graded."""
        return not self.question.retired and not self.written


def notebook(user: User, now: datetime) -> list[NotebookEntry]:
    """Every question the agent got less than full credit on, the latest miss first."""
    found, versions = outcomes(user, now)
    tallies = tally(found)
    questions = {q.id: q for q in db.session.scalars(
        select(Question).where(Question.id.in_([t.question_id for t in tallies])))}
    return [_entry(t, questions[t.question_id], versions[t.last_miss.version_id])
            for t in tallies]


def key_text(version: QuestionVersion) -> str:
    if needs_grader(version.qtype, version.options):
        return version.reference or "(无标准答案,由组长评分)"
    return answer_text(version.qtype, version.options, version.answer)


def _entry(counted: Tally, question: Question, missed: QuestionVersion) -> NotebookEntry:
    current = question.current_version or missed
    url, title = learning.section_link(question.module, question.section)
    return NotebookEntry(
        question=question, version=current,
        stem_html=stem_html(current.stem, current.stem_format), key_text=key_text(current),
        last_wrong=answer_text(question.qtype, missed.options, counted.last_miss.response),
        misses=counted.misses, last_missed_at=counted.last_missed_at,
        last_source=counted.last_miss.source, mastered_at=counted.mastered_at,
        section_url=url, section_title=title)


def practice_pick(entries: list[NotebookEntry], count: int,
                  rng: random.Random) -> list[QuestionVersion]:
    """Up to `count` questions for a notebook quiz: a random draw among the 2×count most
    recently missed that a quiz can ask, so recent misses come back first but the quiz still
    varies. `entries` are the latest miss first."""
    recent = [e.version for e in entries if e.practisable][:2 * count]
    return rng.sample(recent, min(count, len(recent)))
