"""Where exams meet the database: exams and blueprints, papers, attempts (autosave, deadline,
submission), grading and its consequences."""

import secrets
from collections import defaultdict
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from functools import cache
from typing import NamedTuple

from flask import current_app
from sqlalchemy import bindparam, func, null, or_, select, update
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import joinedload

from ..accounts.models import User, utcnow
from ..accounts.roles import Role
from ..accounts.service import SIGNED_IN
from ..assessment.audit import record
from ..assessment.service import settle_exam
from ..clock import from_local, local_now
from ..database import begin_writing
from ..extensions import db
from ..questions.bank import CATEGORIES, answered_by_typing, month_bounds, needs_grader
from ..questions.frozen import categories, frozen_versions
from ..questions.models import Question, QuestionVersion
from ..reports.models import ItemTally
from . import events
from .blueprint import Blueprint, CellCheck, check, default_monthly
from .generator import Candidate, PaperItem, Pools, paper_seed, prepare
from .grading import Grade, accepts_answers, credit, deadline
from .models import (
    AUDIENCE_TEAMS,
    KIND_CERTIFICATION,
    KIND_MONTHLY,
    REVIEW_AFTER_CLOSE,
    REVIEW_IMMEDIATE,
    Answer,
    Attempt,
    Exam,
    ExamBlueprint,
    Paper,
)

# Papers avoid the questions an agent was given in this many previous months.
EXCLUSION_MONTHS = 2
# A question's facility counts towards balancing papers once this many answers back it.
MIN_ANSWERS_FOR_FACILITY = 10


class ExamClosed(Exception):
    """The exam window or the attempt's time is over."""


CLOSED = "考试时间已到,答案未保存;此前自动保存的答案均已保留"


class NotEligible(Exception):
    """The agent is not in the exam's audience, or has used every attempt."""


@dataclass(frozen=True)
class ShownItem:
    """A question as the agent sees it: shuffled options, no key."""

    position: int
    qtype: str
    category: str
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


# Months ----------------------------------------------------------------------------------

def month_ordinal(month: str) -> int:
    year, number = (int(p) for p in month.split("-"))
    return year * 12 + number - 1


def month_of(ordinal: int) -> str:
    return f"{ordinal // 12}-{ordinal % 12 + 1:02d}"


def previous_month(month: str) -> str:
    return month_of(month_ordinal(month) - 1)


def default_title(month: str) -> str:
    year, number = (int(p) for p in month.split("-"))
    return f"{year}年{number}月 月度考试"


def month_window(month: str) -> tuple[datetime, datetime]:
    """The whole month in the organization's zone, as naive UTC; closes is exclusive."""
    first = datetime.strptime(month, "%Y-%m")
    following = datetime.strptime(month_of(month_ordinal(month) + 1), "%Y-%m")
    return from_local(first), from_local(following)


# Blueprints and exams --------------------------------------------------------------------

def blueprint_of(exam: Exam) -> Blueprint:
    return Blueprint.from_json(exam.blueprint)


def default_blueprint() -> ExamBlueprint:
    """The standard monthly blueprint, created on first need."""
    standard = default_monthly(CATEGORIES)
    row = db.session.scalar(select(ExamBlueprint).where(ExamBlueprint.name == standard.name))
    if row is None:
        row = ExamBlueprint(name=standard.name, spec=standard.to_json())
        db.session.add(row)
        db.session.flush()
    return row


def check_month(blueprint: Blueprint, month: str,
                pool: list[Candidate] | None = None) -> list[CellCheck]:
    """The blueprint's cells against the month's pool (monthly papers, written replies in)."""
    pool = candidates(month, written=True) if pool is None else pool
    return check(blueprint, pool, EXCLUSION_MONTHS)


def blueprint_name_taken(name: str, row: ExamBlueprint | None) -> bool:
    query = select(ExamBlueprint.id).where(ExamBlueprint.name == name)
    if row is not None:
        query = query.where(ExamBlueprint.id != row.id)
    return db.session.scalar(query) is not None


def save_blueprint(row: ExamBlueprint | None, blueprint: Blueprint,
                   actor: User) -> ExamBlueprint:
    """Store a new blueprint (row None) or a changed one, audited. Commits."""
    action = "blueprint.created" if row is None else "blueprint.updated"
    if row is None:
        row = ExamBlueprint(name=blueprint.name, spec=blueprint.to_json())
        db.session.add(row)
    else:
        row.name, row.spec = blueprint.name, blueprint.to_json()
    row.updated_by_id = actor.id
    db.session.flush()
    record(actor, action, f"blueprint:{row.id}", blueprint.to_json())
    db.session.commit()
    return row


def delete_blueprint(row: ExamBlueprint, actor: User) -> None:
    record(actor, "blueprint.deleted", f"blueprint:{row.id}", row.spec)
    db.session.delete(row)
    db.session.commit()


def blueprint_named(name: str) -> ExamBlueprint | None:
    if name == default_monthly(CATEGORIES).name:
        return default_blueprint()
    return db.session.scalar(select(ExamBlueprint).where(ExamBlueprint.name == name))


def facility_snapshot() -> dict[str, float]:
    """Each question's mean credit over graded answers, where enough answers back it (read
    from the dashboards' summary, which grading keeps current)."""
    answers = func.sum(ItemTally.answers)
    rows = db.session.execute(
        select(ItemTally.question_id, func.sum(ItemTally.credit_sum), answers)
        .group_by(ItemTally.question_id).having(answers >= MIN_ANSWERS_FOR_FACILITY))
    return {str(qid): round(float(earned) / count, 4) for qid, earned, count in rows}


def monthly_exam(month: str) -> Exam | None:
    return db.session.scalar(select(Exam).where(Exam.kind == KIND_MONTHLY, Exam.month == month)
                             .order_by(Exam.opens_at, Exam.id).limit(1))


def create_exam(month: str, *, title: str | None = None, blueprint: ExamBlueprint | None = None,
                actor: User | None = None, **settings) -> Exam:
    """A monthly exam with the defaults of DOMAIN.md; `settings` override any of them
    (opens_at, closes_at, duration_minutes, pass_mark, audience, teams, attempts_allowed,
    review_policy). The caller commits."""
    opens_at, closes_at = month_window(month)
    spec = (blueprint or default_blueprint()).spec
    exam = Exam(kind=KIND_MONTHLY, month=month, title=title or default_title(month),
                opens_at=opens_at, closes_at=closes_at, duration_minutes=60, pass_mark=60,
                blueprint=spec, seed=secrets.randbits(31), facility=facility_snapshot(),
                created_by_id=actor.id if actor else None)
    for name, value in settings.items():
        setattr(exam, name, value)
    db.session.add(exam)
    db.session.flush()
    record(actor, "exam.created", f"exam:{exam.id}",
           {"month": month, "blueprint": spec.get("name", ""), "title": exam.title})
    return exam


def has_papers(exam: Exam) -> bool:
    return db.session.scalar(select(Paper.id).where(Paper.exam_id == exam.id).limit(1)) \
        is not None


@dataclass(frozen=True)
class Sitters:
    papers: int = 0
    submitted: int = 0
    graded: int = 0


def sitters(exam_ids: list[int]) -> dict[int, Sitters]:
    """Per exam: papers made, attempts handed in, attempts graded."""
    rows = db.session.execute(
        select(Paper.exam_id, func.count(Paper.id), func.count(Attempt.submitted_at),
               func.count(Attempt.score))
        .outerjoin(Attempt, Attempt.paper_id == Paper.id)
        .where(Paper.exam_id.in_(exam_ids)).group_by(Paper.exam_id))
    return {exam_id: Sitters(*counts) for exam_id, *counts in rows}


def audience(exam: Exam):
    """The agents who may sit a monthly exam: active, certified, in its teams if it has any."""
    query = select(User).where(User.role == Role.AGENT.value, User.is_active_account.is_(True),
                               User.certified_on.is_not(None))
    if exam.audience == AUDIENCE_TEAMS:
        query = query.where(User.team_id.in_([t.id for t in exam.teams]))
    return query.order_by(User.username)


def may_sit(exam: Exam, user: User) -> bool:
    if exam.kind != KIND_MONTHLY:
        return True
    if not user.certified_on or user.role != Role.AGENT.value:
        return False
    return exam.audience != AUDIENCE_TEAMS or user.team_id in {t.id for t in exam.teams}


def open_exams(now: datetime, user: User | None = None) -> list[Exam]:
    query = (select(Exam)
             .where(Exam.kind == KIND_MONTHLY, Exam.opens_at <= now, Exam.closes_at > now)
             .order_by(Exam.opens_at))
    exams = db.session.scalars(query).all()
    return [e for e in exams if user is None or may_sit(e, user)]


# Papers ----------------------------------------------------------------------------------

def candidates(month: str, module: str | None = None, written: bool = False) -> list[Candidate]:
    """What a new paper may draw: current versions of questions neither retired nor outside
    their active window in `month`. Written replies (`written`) need a lead to mark them, so
    only monthly exams take them; practice and certification give their result at once."""
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
    return [Candidate(v, q, c, d, len(opts), m, qtype) for v, q, c, d, opts, m, qtype in rows
            if written or not needs_grader(qtype, opts)]


def _question_of_versions(version_ids) -> dict[int, int]:
    if not version_ids:
        return {}
    return dict(db.session.execute(select(QuestionVersion.id, QuestionVersion.question_id)
                                   .where(QuestionVersion.id.in_(set(version_ids)))).all())


def seen_by_agent(exam: Exam, user_ids: list[int]) -> dict[int, dict[int, int]]:
    """Per agent: the questions of their papers in the exclusion window, with the month
    ordinal they were last given (larger = more recent); certification retakes avoid the
    earlier sittings."""
    if exam.kind == KIND_CERTIFICATION:
        query = (select(Paper.user_id, Paper.items, Paper.sitting)
                 .where(Paper.exam_id == exam.id, Paper.user_id.in_(user_ids)))
    else:
        current = month_ordinal(exam.month)
        months = [month_of(current - back) for back in range(1, EXCLUSION_MONTHS + 1)]
        query = (select(Paper.user_id, Paper.items, Exam.month).join(Exam)
                 .where(Exam.kind == KIND_MONTHLY, Exam.month.in_(months),
                        Paper.user_id.in_(user_ids)))
    rows = db.session.execute(query).all()
    question_of = _question_of_versions([i["version_id"] for _, items, _ in rows for i in items])
    seen: dict[int, dict[int, int]] = defaultdict(dict)
    for user_id, items, when in rows:
        rank = when if isinstance(when, int) else month_ordinal(when)
        for item in items:
            qid = question_of[item["version_id"]]
            seen[user_id][qid] = max(rank, seen[user_id].get(qid, rank))
    return seen


def paper_items(items: list[PaperItem]) -> list[dict]:
    return [{"version_id": i.version_id, "option_order": list(i.option_order)} for i in items]


def _pool_month(exam: Exam) -> str:
    return exam.month if exam.kind == KIND_MONTHLY else local_now().strftime("%Y-%m")


def _existing_paper(exam_id: int, user_id: int, sitting: int) -> Paper | None:
    return db.session.scalar(select(Paper).where(
        Paper.exam_id == exam_id, Paper.user_id == user_id, Paper.sitting == sitting))


def pools_for(exam: Exam) -> Pools:
    """The bank matched against the exam's blueprint, once for any number of papers."""
    pool = candidates(_pool_month(exam), written=exam.kind == KIND_MONTHLY)
    facility = {int(k): v for k, v in (exam.facility or {}).items()}
    return prepare(blueprint_of(exam), pool, facility or None)


def paper_for(exam: Exam, user: User, sitting: int = 1, pools: Pools | None = None,
              seen: dict[int, int] | None = None) -> Paper:
    """The agent's paper for a sitting, generated on first need."""
    paper = _existing_paper(exam.id, user.id, sitting)
    return paper if paper is not None else _stored(new_paper(exam, user, sitting, pools, seen))


def new_paper(exam: Exam, user: User, sitting: int, pools: Pools | None = None,
              seen: dict[int, int] | None = None) -> Paper:
    """The agent's paper for a sitting, made but not stored. The same exam seed and agent give
    the same paper."""
    if seen is None:
        seen = seen_by_agent(exam, [user.id]).get(user.id, {})
    agent = user.username if sitting == 1 else f"{user.username}#{sitting}"
    seed = paper_seed(exam.seed, agent)
    items = (pools or pools_for(exam)).paper(seen, seed)
    return Paper(exam_id=exam.id, user_id=user.id, sitting=sitting, seed=seed,
                 items=paper_items(items))


def _stored(paper: Paper) -> Paper:
    """The paper stored, or the same sitting's paper a concurrent request stored first."""
    try:
        with db.session.begin_nested():
            db.session.add(paper)
    except IntegrityError:
        return _existing_paper(paper.exam_id, paper.user_id, paper.sitting)
    return paper


@dataclass(frozen=True)
class MonthPapers:
    exam: Exam
    created: int
    existing: int


def generate_month(month: str, blueprint_name: str | None = None,
                   actor: User | None = None) -> MonthPapers:
    """The month's exam (created with the defaults when missing) and a paper for every agent
    in its audience. Papers already made stay as they are, so running it again is a no-op."""
    exam = monthly_exam(month)
    chosen = blueprint_named(blueprint_name) if blueprint_name else None
    if blueprint_name and chosen is None:
        raise LookupError(f"没有名为「{blueprint_name}」的蓝图")
    if exam is None:
        exam = create_exam(month, blueprint=chosen, actor=actor)
    elif chosen is not None and chosen.spec != exam.blueprint:
        if has_papers(exam):
            raise ValueError(f"{month} 的考试已按蓝图「{blueprint_of(exam).name}」生成试卷,"
                             "不能改用其他蓝图")
        exam.blueprint = chosen.spec
    agents = db.session.scalars(audience(exam)).all()
    have = set(db.session.scalars(select(Paper.user_id).where(Paper.exam_id == exam.id,
                                                               Paper.sitting == 1)))
    missing = [a for a in agents if a.id not in have]
    pools = pools_for(exam) if missing else None
    seen = seen_by_agent(exam, [a.id for a in missing])
    for agent in missing:
        paper_for(exam, agent, 1, pools=pools, seen=seen.get(agent.id, {}))
    db.session.commit()
    return MonthPapers(exam, len(missing), len(agents) - len(missing))


def export_papers(exam: Exam) -> dict:
    """The month's papers as the documented JSON export."""
    papers = db.session.execute(
        select(Paper, User.username).join(User, User.id == Paper.user_id)
        .where(Paper.exam_id == exam.id).order_by(User.username, Paper.sitting)).all()
    by_id = versions([i for paper, _ in papers for i in paper.items])
    blueprint = blueprint_of(exam)
    return {
        "month": exam.month,
        "blueprint": {"name": blueprint.name,
                      "quotas": [{"category": q.category, "difficulty": q.difficulty,
                                  "count": q.count} for q in blueprint.quotas]},
        "papers": [{"agent": username if paper.sitting == 1 else f"{username}#{paper.sitting}",
                    "questions": [_exported(by_id[i["version_id"]]) for i in paper.items]}
                   for paper, username in papers],
    }


def _exported(version: QuestionVersion) -> dict:
    question = version.question
    return {"id": question.key, "version": version.number, "category": question.category,
            "difficulty": question.difficulty}


# Attempts --------------------------------------------------------------------------------

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


def attempts_left(exam: Exam, attempts: list[Attempt]) -> int:
    return max(0, exam.attempts_allowed - len(attempts))


def start(exam: Exam, user: User, now: datetime, retake: bool = False) -> Attempt:
    """Start (or resume) the agent's attempt; the clock is the server's.

    An attempt in progress is resumed. `retake` opens a new sitting once the latest is
    submitted (monthly exams: while attempts are left; the certification's caller checks its
    own rule); otherwise the submitted attempt is returned.
    """
    if not may_sit(exam, user):
        raise NotEligible("您不在本次考试的参考范围内")
    attempts = attempts_of(exam, user)
    latest = attempts[-1] if attempts else None
    if latest is not None and not latest.is_submitted:
        return latest
    if latest is not None and not retake:
        return latest
    if latest is not None and exam.kind == KIND_MONTHLY and not attempts_left(exam, attempts):
        raise NotEligible("本次考试的作答次数已用完")
    if not exam.opens_at <= now < exam.closes_at:
        raise ExamClosed("考试不在开放时间内")
    # Everything is read (and a new paper made) before the write begins, so that on SQLite a
    # department starting at once holds the write lock only to insert.
    sitting = len(attempts) + 1
    ends_at = deadline(now, exam.duration_minutes, exam.closes_at)
    paper = _existing_paper(exam.id, user.id, sitting) or new_paper(exam, user, sitting)
    paper_id = paper.id  # None when made now
    begin_writing(db.session)
    if paper_id is None:
        paper_id = _stored(paper).id
    attempt = Attempt(paper_id=paper_id, started_at=now, flags=[], ends_at=ends_at)
    try:
        with db.session.begin_nested():
            db.session.add(attempt)
    except IntegrityError:
        # A concurrent start of the same sitting committed first: resume that one.
        attempt = db.session.scalar(select(Attempt).where(Attempt.paper_id == paper_id))
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
    """Questions as the agent sees them, with their saved responses; never the key (the
    cached versions hold it for grading; nothing of it is copied here)."""
    ids = [item["version_id"] for item in items]
    by_id, category_of = frozen_versions(ids), categories(ids)
    shown = []
    for position, item in enumerate(items):
        version = by_id[item["version_id"]]
        order = item["option_order"]
        shown.append(ShownItem(
            position=position,
            qtype=version.qtype,
            category=category_of[version.id],
            stem_html=version.stem_html,
            options=[version.options[i] for i in order],
            chosen=to_displayed(responses.get(position, []), order, version.qtype),
            chat=[list(turn) for turn in version.chat],
        ))
    return shown


def saved_responses(attempt: Attempt) -> dict[int, list]:
    """The attempt's saved responses by position, read as plain rows."""
    return dict(db.session.execute(select(Answer.position, Answer.response)
                                   .where(Answer.attempt_id == attempt.id)).all())


def shown_items(attempt: Attempt) -> list[ShownItem]:
    return show(attempt.paper.items, saved_responses(attempt))


def remaining_seconds(attempt: Attempt, now: datetime) -> int:
    return max(0, int((attempt.ends_at - now).total_seconds()))


def _grace() -> int:
    return current_app.config["EXAM_GRACE_SECONDS"]


class Sitting(NamedTuple):
    """What an autosave or a clock poll needs of an attempt (`items`: the paper's, or None
    when not read)."""

    id: int
    ends_at: datetime
    submitted_at: datetime | None
    items: list | None


@cache
def _sitting_query(with_items: bool):
    """On the tables (Core): an ORM statement costs more to run, and these run most."""
    attempts, papers, users = Attempt.__table__, Paper.__table__, User.__table__
    return (select(attempts.c.id, attempts.c.ends_at, attempts.c.submitted_at,
                   papers.c["items"] if with_items else null())
            .join(papers, papers.c.id == attempts.c.paper_id)
            .join(users, users.c.id == papers.c.user_id)
            .where(attempts.c.id == bindparam("attempt_id"), SIGNED_IN))


def sitting_of(attempt_id: int, claim: dict | None, with_items: bool = True) -> Sitting | None:
    """The attempt, if its paper belongs to the signed-in user that `claim`
    (accounts.service.session_claim) names: the sign-in and the attempt in one query."""
    if claim is None:
        return None
    row = db.session.execute(_sitting_query(with_items),
                             {"attempt_id": attempt_id, **claim}).one_or_none()
    return None if row is None else Sitting(*row)


@dataclass(frozen=True)
class SaveOrder:
    """Which browser sent an autosave and its number for it (see grading.supersedes)."""

    client: str
    stamp: int


class Superseded(Exception):
    """The browser already saved something newer: this older save is not applied."""


@cache
def _first_write(numbered: bool, flagged: bool):
    """The autosave's first write, by whether the save is numbered and carries flags: it takes
    the attempt's row lock and applies only while the attempt is not handed in and, for a
    numbered save, grading.supersedes holds against the last one applied. Without changes it
    still runs: it is the lock. Built once per shape, like _upsert, and on the table."""
    attempts = Attempt.__table__.c
    applies = attempts.submitted_at.is_(None)
    changes = {"autosave_stamp": attempts.autosave_stamp}
    if numbered:
        applies &= or_(attempts.autosave_client.is_distinct_from(bindparam("client")),
                       attempts.autosave_stamp.is_(None),
                       attempts.autosave_stamp < bindparam("stamp"))
        changes = {"autosave_client": bindparam("client"), "autosave_stamp": bindparam("stamp")}
    if flagged:
        changes["flags"] = bindparam("new_flags", type_=attempts.flags.type)
    return (update(Attempt.__table__).where(attempts.id == bindparam("attempt_id"), applies)
            .values(**changes))


def save_answers(attempt: Attempt, responses: dict[int, list], now: datetime,
                 flags: list[int] | None = None, order: SaveOrder | None = None) -> int:
    return save_to(Sitting(attempt.id, attempt.ends_at, attempt.submitted_at,
                           attempt.paper.items), responses, now, flags, order)


def save_to(sitting: Sitting, responses: dict[int, list], now: datetime,
            flags: list[int] | None = None, order: SaveOrder | None = None) -> int:
    """Store displayed-index responses by position (and the flagged positions, when given);
    refused once time is up, and all refused (MalformedResponse) when one does not fit its
    question, or (Superseded) when `order` shows the browser has saved since. The rows are
    made before the write begins, so the write itself is short; its first statement takes the
    attempt's row lock and checks, as committed, that the save still applies, so an autosave
    and a submit never interleave: an answer acknowledged as saved is one the grading saw."""
    items = sitting.items
    if sitting.submitted_at is not None or not accepts_answers(now, sitting.ends_at, _grace()):
        raise ExamClosed(CLOSED)  # whatever was sent: closed for good
    positions = sorted(p for p in responses if 0 <= p < len(items))
    by_id = frozen_versions(items[p]["version_id"] for p in positions)
    rows = []
    for position in positions:
        item = items[position]
        original = to_original(responses[position], item["option_order"],
                               by_id[item["version_id"]].qtype)
        rows.append({"attempt_id": sitting.id, "position": position,
                     "version_id": item["version_id"], "response": original, "saved_at": now})
    params = {"attempt_id": sitting.id}
    if flags is not None:
        params["new_flags"] = sorted({p for p in flags if 0 <= p < len(items)})
    if order is not None:
        params.update(client=order.client, stamp=order.stamp)

    begin_writing(db.session)
    applied = db.session.execute(_first_write(order is not None, flags is not None),
                                 params).rowcount
    if not applied:
        db.session.rollback()
        handed_in = db.session.scalar(select(Attempt.submitted_at)
                                      .where(Attempt.id == sitting.id))
        if handed_in is not None:  # another tab, the deadline, meanwhile
            raise ExamClosed(CLOSED)
        raise Superseded
    _upsert_answers(rows)
    db.session.commit()
    return len(rows)


_INSERTS = {"postgresql": pg_insert, "sqlite": sqlite_insert}


@cache
def _insert_answers(dialect: str):
    """An INSERT into answers in the database's dialect (for ON CONFLICT). Core, on the
    table: run with a list of rows it is one executemany. Built once: a statement is
    immutable, and building one (with `excluded`'s columns) costs more than running it."""
    return _INSERTS[dialect](Answer.__table__)


@cache
def _upsert(dialect: str):
    """A new position is inserted, a saved one gets the new response."""
    statement = _insert_answers(dialect)
    return statement.on_conflict_do_update(
        index_elements=["attempt_id", "position"],
        set_={"response": statement.excluded.response, "saved_at": statement.excluded.saved_at})


def _dialect() -> str:
    return db.session.get_bind().dialect.name


def _upsert_answers(rows: list[dict]) -> None:
    """Every response in one statement, however many the payload or the attempt holds (the
    attempt's lock is held)."""
    if rows:
        db.session.execute(_upsert(_dialect()), rows)


def submit(attempt: Attempt, now: datetime) -> Attempt:
    """Hand the attempt in and grade what was saved. Idempotent: of concurrent or repeated
    submits exactly one claims the attempt (a conditional update), the rest return it."""
    claimed = db.session.execute(
        update(Attempt).where(Attempt.id == attempt.id, Attempt.submitted_at.is_(None))
        .values(submitted_at=min(now, attempt.ends_at))
        .execution_options(synchronize_session=False)).rowcount
    if not claimed:
        db.session.rollback()
        db.session.refresh(attempt)
        return attempt
    db.session.expire(attempt, ["submitted_at"])
    _mark_automatically(attempt, now)
    return settle(attempt)


def _mark_automatically(attempt: Attempt, now: datetime) -> None:
    """Credit every answer a rule can judge; written replies wait for a lead (an empty one
    earns nothing and needs nobody)."""
    items = attempt.paper.items
    by_id = frozen_versions(i["version_id"] for i in items)
    answers = {a.position: a for a in attempt.answers}
    unanswered = []
    for position, item in enumerate(items):
        version = by_id[item["version_id"]]
        answer = answers.get(position)
        if answer is None:
            # Every position gets a row, answered or not: usage and item statistics count
            # the questions an agent was given, not only those they answered.
            unanswered.append({"attempt_id": attempt.id, "position": position,
                               "version_id": version.id, "response": [], "saved_at": now,
                               "credit": 0.0, "is_correct": False})
        elif version.needs_grader and answer.response:
            answer.credit = answer.is_correct = None
        else:
            answer.credit = 0.0 if version.needs_grader else credit(
                version.qtype, version.answer, answer.response, version.scoring)
            answer.is_correct = answer.credit == 1
    db.session.flush()
    if unanswered:
        db.session.execute(_insert_answers(_dialect()), unanswered)


def settle(attempt: Attempt, actor: User | None = None, reason: str = "") -> Attempt:
    """Score the attempt from its answers' credits once none awaits marking, audit the score
    and carry it into its consequences (the assessment ledger, certification). Commits."""
    db.session.expire(attempt, ["answers"])  # read again, with rows added outside the ORM
    answers = {a.position: a for a in attempt.answers}
    items = attempt.paper.items
    if len(answers) < len(items) or any(a.credit is None for a in answers.values()):
        db.session.commit()
        return attempt
    by_id = frozen_versions(i["version_id"] for i in items)
    blueprint = blueprint_of(attempt.paper.exam)
    result = Grade(tuple(answers[p].credit for p in range(len(items))),
                   tuple(blueprint.points_for(by_id[i["version_id"]].qtype) for i in items))
    old = attempt.score
    attempt.correct, attempt.score = result.correct, result.score
    if old is None:
        record(actor, "attempt.graded", f"attempt:{attempt.id}",
               {"score": result.score, "correct": result.correct})
    elif old != result.score:
        record(actor, "attempt.regraded", f"attempt:{attempt.id}",
               {"old": old, "new": result.score, "reason": reason})
    _consequences(attempt, actor, reason)
    events.attempt_graded.send(attempt)
    db.session.commit()
    return attempt


def _consequences(attempt: Attempt, actor: User | None, reason: str) -> None:
    paper = attempt.paper
    exam = paper.exam
    if exam.kind == KIND_MONTHLY:
        # With several attempts allowed, the best graded one counts.
        attempts = [a for a in attempts_of(exam, paper.user) if a.is_graded]
        best = max(attempts, key=lambda a: (a.score, -a.id))
        settle_exam(paper.user, exam.month, best.score, f"attempt:{best.id}",
                    [f"attempt:{a.id}" for a in attempts if a is not best], actor, reason)
    elif attempt.score >= exam.pass_mark and paper.user.certified_on is None:
        paper.user.certified_on = local_now().date()
        record(actor, "user.certified", f"user:{paper.user_id}",
               {"attempt": attempt.id, "score": attempt.score})


def finish_if_expired(attempt: Attempt, now: datetime | None = None) -> Attempt:
    """An attempt touched after its deadline and grace is handed in with what was saved."""
    now = now or utcnow()
    if not attempt.is_submitted and not accepts_answers(now, attempt.ends_at, _grace()):
        begin_writing(db.session)
        submit(attempt, now)
    return attempt


def close_overdue(now: datetime) -> int:
    """Hand in every attempt left open past its deadline and grace; returns how many."""
    cutoff = now - timedelta(seconds=_grace())
    ids = db.session.scalars(select(Attempt.id).where(Attempt.submitted_at.is_(None),
                                                      Attempt.ends_at < cutoff)).all()
    closed = 0
    for attempt_id in ids:
        attempt = db.session.get(Attempt, attempt_id)
        if not attempt.is_submitted:
            submit(attempt, now)
            closed += 1
    return closed


def review_open(attempt: Attempt, now: datetime) -> bool:
    """Whether the agent may see keys and explanations: only once graded, and as the exam's
    review policy allows."""
    exam = attempt.paper.exam
    if not attempt.is_graded:
        return False
    if exam.kind == KIND_CERTIFICATION or exam.review_policy == REVIEW_IMMEDIATE:
        return True
    return exam.review_policy == REVIEW_AFTER_CLOSE and now >= exam.closes_at


def certification_exam(blueprint: Blueprint, pass_mark: float, minutes: int) -> Exam:
    """The standing certification exam, created on first need and kept in line with the
    current modules and settings."""
    exam = db.session.scalar(select(Exam).where(Exam.kind == KIND_CERTIFICATION))
    if exam is None:
        exam = Exam(kind=KIND_CERTIFICATION, month=local_now().strftime("%Y-%m"),
                    title="上岗认证考试", opens_at=datetime(2000, 1, 1),
                    closes_at=datetime(9999, 12, 31), duration_minutes=minutes,
                    pass_mark=pass_mark, blueprint=blueprint.to_json(),
                    review_policy=REVIEW_IMMEDIATE)
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
        select(ItemTally.question_id, func.sum(ItemTally.answers), func.sum(ItemTally.correct))
        .where(ItemTally.question_id.in_(question_ids)).group_by(ItemTally.question_id))
    return {qid: (int(used), int(correct)) for qid, used, correct in rows}
