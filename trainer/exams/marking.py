"""Written replies marked by people, and machine-graded answers regraded when a key is fixed.

Markers see replies by question with the agent's identity withheld, so a reply is judged on
what it says; a lead marks only their own team's replies.
"""

from collections import defaultdict
from dataclasses import dataclass, field

from sqlalchemy import case, false, func, or_, select
from sqlalchemy.orm import joinedload

from ..accounts.models import User, utcnow
from ..assessment.audit import record
from ..extensions import db
from ..questions.bank import needs_grader
from ..questions.models import Question, QuestionVersion
from . import service
from .grading import credit
from .models import Answer, Attempt, Paper

# The shares of a question's points a marker may give.
SHARES = (0.0, 0.25, 0.5, 0.75, 1.0)
WRITTEN_TYPES = ("short", "scenario")


@dataclass(frozen=True)
class QueueRow:
    question: Question
    waiting: int
    marked: int


@dataclass(frozen=True)
class Reply:
    """A written reply as a marker sees it: a number on the page instead of a name."""

    number: int
    answer: Answer
    version: QuestionVersion
    exam_title: str
    points: float  # what the reply is worth on its exam

    @property
    def text(self) -> str:
        return str(self.answer.response[0]) if self.answer.response else ""


@dataclass
class VersionReplies:
    """The replies given to one version of the question, shown under that version's wording."""

    version: QuestionVersion
    waiting: list[Reply] = field(default_factory=list)
    marked: list[Reply] = field(default_factory=list)


@dataclass
class RegradeReport:
    answers_checked: int = 0
    answers_changed: int = 0
    attempts_changed: list[tuple[int, float | None, float | None]] = field(default_factory=list)

    @property
    def summary(self) -> str:
        return f"重新评分 {self.answers_checked} 份答卷,{len(self.attempts_changed)} 份分数变化"


def _in_scope(query, viewer: User):
    """Replies of submitted attempts by agents the viewer may mark: a lead's own team only."""
    query = (query.join(Attempt, Attempt.id == Answer.attempt_id)
             .join(Paper, Paper.id == Attempt.paper_id)
             .where(Attempt.submitted_at.is_not(None)))
    if viewer.sees_all_teams:
        return query
    if viewer.team_id is None:
        return query.where(false())
    return query.join(User, User.id == Paper.user_id).where(User.team_id == viewer.team_id)


# An empty reply earns nothing by rule and needs nobody: it is neither waiting nor marked.
_needs_a_marker = or_(Answer.credit.is_(None), Answer.marked_at.is_not(None))


def queue(viewer: User) -> list[QueueRow]:
    """Questions with written replies, most replies waiting first."""
    waiting = func.sum(case((Answer.credit.is_(None), 1), else_=0))
    marked = func.sum(case((Answer.marked_at.is_not(None), 1), else_=0))
    query = (select(Answer.version_id, waiting, marked)
             .join(QuestionVersion, QuestionVersion.id == Answer.version_id)
             .join(Question, Question.id == QuestionVersion.question_id)
             .where(Question.qtype.in_(WRITTEN_TYPES), _needs_a_marker)
             .group_by(Answer.version_id))
    counts = db.session.execute(_in_scope(query, viewer)).all()
    by_id = _versions([version_id for version_id, _w, _m in counts])
    totals = defaultdict(lambda: [0, 0])
    for version_id, waiting_count, marked_count in counts:
        version = by_id[version_id]
        if version.needs_grader:
            totals[version.question][0] += int(waiting_count or 0)
            totals[version.question][1] += int(marked_count or 0)
    rows = [QueueRow(q, w, m) for q, (w, m) in totals.items()]
    return sorted(rows, key=lambda r: (-r.waiting, -r.marked, r.question.key))


def _versions(ids) -> dict[int, QuestionVersion]:
    if not ids:
        return {}
    query = (select(QuestionVersion).where(QuestionVersion.id.in_(ids))
             .options(joinedload(QuestionVersion.question)))
    return {v.id: v for v in db.session.scalars(query)}


def replies(question: Question, viewer: User) -> list[VersionReplies]:
    """The question's written replies the viewer may mark, grouped by the version answered,
    newest version first. Numbers follow submission order, so a reply keeps its number when
    it moves from waiting to marked."""
    query = (select(Answer)
             .join(QuestionVersion, QuestionVersion.id == Answer.version_id)
             .where(QuestionVersion.question_id == question.id, _needs_a_marker)
             .order_by(Attempt.submitted_at, Answer.id)
             .options(joinedload(Answer.attempt).joinedload(Attempt.paper)
                      .joinedload(Paper.exam)))
    answers = db.session.scalars(_in_scope(query, viewer)).all()
    by_id = _versions({a.version_id for a in answers})
    groups: dict[int, VersionReplies] = {}
    number = 0
    for answer in answers:
        version = by_id[answer.version_id]
        if not version.needs_grader:
            continue
        number += 1
        group = groups.setdefault(version.id, VersionReplies(version))
        exam = answer.attempt.paper.exam
        reply = Reply(number, answer, version, exam.title,
                      service.blueprint_of(exam).points_for(question.qtype))
        (group.waiting if answer.credit is None else group.marked).append(reply)
    return sorted(groups.values(), key=lambda g: -g.version.number)


def markable(answer_id: int, viewer: User) -> Answer | None:
    """The written reply, if the viewer may mark it."""
    query = _in_scope(select(Answer).where(Answer.id == answer_id), viewer)
    answer = db.session.scalar(query)
    if answer is None:
        return None
    version = db.session.get(QuestionVersion, answer.version_id)
    return answer if version.needs_grader else None


def _lock(attempt_ids) -> None:
    """Take the attempts' row locks (PostgreSQL; SQLite serializes writes already), so two
    markers finishing an attempt's last two replies at once cannot both see the other's
    reply unmarked and leave the attempt waiting for ever."""
    db.session.execute(select(Attempt.id).where(Attempt.id.in_(attempt_ids))
                       .order_by(Attempt.id).with_for_update())


def mark(answer: Answer, share: float, comment: str, actor: User) -> Attempt:
    """Give a written reply its share of the points; the attempt is graded once its last
    written reply is marked, and regraded when a mark is corrected."""
    if share not in SHARES:
        raise ValueError(f"share {share} not in {SHARES}")
    _lock([answer.attempt_id])
    old = answer.credit
    answer.credit, answer.is_correct = share, share == 1
    answer.marked_by_id, answer.marked_at, answer.comment = actor.id, utcnow(), comment
    record(actor, "answer.marked", f"answer:{answer.id}",
           {"attempt": answer.attempt_id, "old": old, "new": share, "comment": comment})
    db.session.flush()
    return service.settle(answer.attempt, actor, "评分更正" if old is not None else "")


def _regradable(question: Question, current: QuestionVersion) -> list[Answer]:
    """Answers of submitted attempts given on a version whose options read as the current
    version's do: only those can be judged by the current key."""
    query = (select(Answer, QuestionVersion.options)
             .join(QuestionVersion, QuestionVersion.id == Answer.version_id)
             .join(Attempt, Attempt.id == Answer.attempt_id)
             .where(QuestionVersion.question_id == question.id,
                    Attempt.submitted_at.is_not(None))
             .order_by(Answer.id))
    return [answer for answer, options in db.session.execute(query)
            if list(options) == list(current.options)]


def _changes(question: Question) -> tuple[int, list[tuple[Answer, float]]]:
    """How many answers the current key can judge, and those whose credit it changes.
    Written replies are marked by people, never by a key."""
    current = question.current_version
    if current is None or needs_grader(question.qtype, current.options):
        return 0, []
    answers = _regradable(question, current)
    changes = []
    for answer in answers:
        new = credit(question.qtype, current.answer, answer.response, current.scoring)
        if new != answer.credit:
            changes.append((answer, new))
    return len(answers), changes


def regrade_preview(question: Question) -> RegradeReport:
    """What `regrade_question` would do, without doing it (no attempts listed)."""
    checked, changes = _changes(question)
    return RegradeReport(answers_checked=checked, answers_changed=len(changes))


def regrade_question(question: Question, actor: User | None, reason: str) -> RegradeReport:
    """Judge every answer the current key can judge by it; each changed answer and each
    changed score is audited, and the ledger follows the new scores. One transaction per
    attempt: its answers, its score and its ledger item change together."""
    checked, changes = _changes(question)
    report = RegradeReport(answers_checked=checked, answers_changed=len(changes))
    by_attempt = defaultdict(list)
    for answer, new in changes:
        by_attempt[answer.attempt_id].append((answer, new))
    for attempt_id, answers in sorted(by_attempt.items()):
        _lock([attempt_id])
        for answer, new in answers:
            record(actor, "answer.regraded", f"answer:{answer.id}",
                   {"attempt": attempt_id, "question": question.key,
                    "version": question.current_version.number, "old": answer.credit,
                    "new": new, "reason": reason})
            answer.credit, answer.is_correct = new, new == 1
        db.session.flush()
        attempt = answers[0][0].attempt
        old_score = attempt.score
        service.settle(attempt, actor, reason)
        if attempt.score != old_score:
            report.attempts_changed.append((attempt_id, old_score, attempt.score))
    return report
