"""Keeps the summary tables in step with grading, and rebuilds them from the raw answers.

`record` runs inside the transaction that grades or regrades an attempt (it listens to
`exams.events.attempt_graded`). Tally rows are read FOR UPDATE in key order before they are
changed: on PostgreSQL two graders of the same question queue instead of losing an update or
deadlocking; SQLite's write transactions are exclusive already.
"""

from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass
from types import SimpleNamespace

from sqlalchemy import and_, delete, insert, or_, select
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.orm import joinedload, selectinload
from sqlalchemy.orm.attributes import flag_modified

from ..clock import to_local
from ..exams import events
from ..exams.models import KIND_MONTHLY, Attempt, Exam, Paper
from ..extensions import db
from ..questions.models import Question, QuestionVersion
from .models import NO_TEAM, ExamResult, ExamTally, ItemTally, TeamItemTally

TALLIES = (ExamResult, ExamTally, ItemTally, TeamItemTally)
# A monthly exam has one month; the standing certification exam is summarized by the month
# each attempt was handed in, so the month is part of every key.
ITEM_KEYS = {ItemTally: ("exam_id", "month", "version_id"),
             TeamItemTally: ("exam_id", "month", "version_id", "team_id")}
EXAM_KEY = ("exam_id", "month", "team_id")
# What an answer adds to its item's row.
ITEM_SUMS = ("answers", "correct", "omitted", "credit_sum", "credit_sq_sum", "total_sum",
             "total_sq_sum", "cross_sum", "chosen")


@dataclass(frozen=True)
class VersionFacts:
    id: int
    question_id: int
    qtype: str
    category: str
    options: int  # how many options an answer may choose among (2 for true/false)


def chosen_options(qtype: str, response: list) -> list[int]:
    """The option indices an answer chose: a true/false answer is option 0 (对) or 1 (错);
    typed answers choose none."""
    if qtype == "truefalse":
        return [0 if response[0] is True else 1] if response else []
    return sorted({r for r in response or [] if type(r) is int})


def answered(response: list | None) -> bool:
    """Whether the agent gave any answer: a choice, true/false, or non-blank text."""
    return any(r.strip() if isinstance(r, str) else r is not None for r in response or [])


def _versions(version_ids: Iterable[int]) -> dict[int, VersionFacts]:
    rows = db.session.execute(
        select(QuestionVersion.id, QuestionVersion.question_id, Question.qtype,
               Question.category, QuestionVersion.options)
        .join(Question, Question.id == QuestionVersion.question_id)
        .where(QuestionVersion.id.in_(set(version_ids))))
    return {vid: VersionFacts(vid, qid, qtype, category,
                              2 if qtype == "truefalse" else len(options or []))
            for vid, qid, qtype, category, options in rows}


def _result_of(attempt: Attempt, versions: dict[int, VersionFacts]) -> ExamResult:
    paper, exam = attempt.paper, attempt.paper.exam
    answers = {a.position: a for a in attempt.answers}
    categories: dict[str, list] = defaultdict(lambda: [0, 0.0])
    responses = []
    for position, item in enumerate(paper.items):
        version = versions[item["version_id"]]
        answer = answers.get(position)
        credit = answer.credit if answer is not None and answer.credit is not None else 0.0
        response = answer.response if answer is not None else []
        chosen = chosen_options(version.qtype, response) if version.options else []
        responses.append([version.id, credit, chosen, answered(response)])
        tally = categories[version.category]
        tally[0] += 1
        tally[1] = round(tally[1] + credit, 4)
    return ExamResult(
        attempt_id=attempt.id, exam_id=exam.id, user_id=paper.user_id,
        team_id=paper.user.team_id or NO_TEAM, kind=exam.kind, month=month_of(attempt),
        score=attempt.score, passed=attempt.score >= exam.pass_mark, counted=False,
        questions=len(responses), earned=round(sum(r[1] for r in responses), 4),
        categories=dict(categories), responses=responses)


def month_of(attempt: Attempt) -> str:
    """The month a result belongs to: the monthly exam's, or for certification the local
    month the attempt was handed in."""
    exam = attempt.paper.exam
    if exam.kind == KIND_MONTHLY:
        return exam.month
    return to_local(attempt.submitted_at or attempt.started_at).strftime("%Y-%m")


def _item_keys(result: ExamResult, versions: dict[int, VersionFacts]) -> dict:
    """{model: {key tuple: the row's identifying columns}} for each tally the result feeds."""
    keys = {}
    for model, columns in ITEM_KEYS.items():
        keys[model] = {}
        for version_id, *_rest in result.responses:
            version = versions[version_id]
            row = {"exam_id": result.exam_id, "version_id": version_id,
                   "team_id": result.team_id, "question_id": version.question_id,
                   "kind": result.kind, "month": result.month, "chosen": [0] * version.options}
            keys[model][tuple(row[c] for c in columns)] = {
                k: v for k, v in row.items() if k != "team_id" or "team_id" in columns}
    return keys


def _add_answer(row, credit: float, chosen: list[int], given: bool, total: float,
                sign: int) -> None:
    row.answers += sign
    row.correct += sign * (credit == 1)
    row.omitted += sign * (not given)
    row.credit_sum += sign * credit
    row.credit_sq_sum += sign * credit * credit
    row.total_sum += sign * total
    row.total_sq_sum += sign * total * total
    row.cross_sum += sign * credit * total
    if chosen:
        counts = list(row.chosen)
        for index in chosen:
            if index < len(counts):
                counts[index] += sign
        row.chosen = counts


def _add_attempt(tally, result: ExamResult, sign: int) -> None:
    tally.attempts += sign
    tally.questions_sum += sign * result.questions
    tally.earned_sum += sign * result.earned
    tally.earned_sq_sum += sign * result.earned * result.earned


def _add_counted(tally, result: ExamResult, sign: int) -> None:
    tally.sat += sign
    tally.passed += sign * result.passed
    tally.score_sum += sign * result.score


def _spread(result: ExamResult, rows_by_model: dict, sign: int,
            versions: dict[int, VersionFacts]) -> None:
    """Add (sign +1) or take back (-1) the result's answers in the given tally rows."""
    for model, columns in ITEM_KEYS.items():
        rows = rows_by_model[model]
        for version_id, credit, chosen, given in result.responses:
            values = {"exam_id": result.exam_id, "month": result.month,
                      "version_id": version_id, "team_id": result.team_id}
            _add_answer(rows[tuple(values[c] for c in columns)], credit, chosen, given,
                        result.earned, sign)


# Incremental, at grading ---------------------------------------------------------------------

def _insert_missing(model, rows: list[dict]) -> None:
    """A concurrent insert of the same row wins quietly (ON CONFLICT DO NOTHING), so the
    FOR UPDATE that follows always finds it. One executemany on the table: a statement
    compiled once, where a multi-row VALUES would be compiled anew for every paper."""
    if rows:
        dialect = db.session.get_bind().dialect.name
        statement = (pg_insert if dialect == "postgresql" else sqlite_insert)(model.__table__)
        db.session.execute(statement.on_conflict_do_nothing(), rows)


def _locked(model, columns: tuple, keys: Iterable[tuple]) -> dict[tuple, object]:
    """The rows of `keys`, locked in key order. Asked for as `exam_id = ? AND month = ? ...
    AND version_id IN (...)` per exam and month: a list of row values (a, b, c) IN (...)
    makes SQLite scan the whole table, where this searches its unique index."""
    attributes = [getattr(model, c) for c in columns]
    varying = columns.index("version_id") if "version_id" in columns else len(columns) - 1
    groups: dict[tuple, set] = defaultdict(set)
    for key in set(keys):
        groups[key[:varying] + key[varying + 1:]].add(key[varying])
    if not groups:
        return {}
    fixed = attributes[:varying] + attributes[varying + 1:]
    wanted = or_(*(and_(*(a == v for a, v in zip(fixed, prefix, strict=True)),
                        attributes[varying].in_(sorted(values)))
                   for prefix, values in sorted(groups.items())))
    rows = db.session.scalars(select(model).where(wanted)
                              .order_by(*attributes).with_for_update()).all()
    return {tuple(getattr(row, c) for c in columns): row for row in rows}


def _locked_items(results: list[ExamResult], versions: dict[int, VersionFacts]) -> dict:
    rows_by_model = {}
    for model, columns in ITEM_KEYS.items():
        wanted = {}
        for result in results:
            wanted.update(_item_keys(result, versions)[model])
        _insert_missing(model, [wanted[k] for k in sorted(wanted)])
        rows_by_model[model] = _locked(model, columns, wanted)
    return rows_by_model


def _exam_tally(result: ExamResult, held: dict) -> ExamTally:
    """The result's exam tally row, locked; `held` keeps the rows this grading has locked
    already, so each is inserted and read once."""
    key = (result.exam_id, result.month, result.team_id)
    if key not in held:
        _insert_missing(ExamTally, [{"exam_id": result.exam_id, "team_id": result.team_id,
                                     "kind": result.kind, "month": result.month}])
        held[key] = _locked(ExamTally, EXAM_KEY, [key])[key]
    return held[key]


def _recount(exam_id: int, user_id: int, held: dict) -> None:
    """The agent's best graded attempt counts, ties to the earliest, as the ledger has it."""
    results = db.session.scalars(select(ExamResult).where(
        ExamResult.exam_id == exam_id, ExamResult.user_id == user_id)).all()
    best = max(results, key=lambda r: (r.score, -r.attempt_id), default=None)
    for result in results:
        if result.counted != (result is best):
            result.counted = result is best
            _add_counted(_exam_tally(result, held), result, +1 if result.counted else -1)


def _touch_items(rows_by_model: dict) -> None:
    """Mark every sum of the item rows changed, even one that an answer left as it was: the
    flush then sends one UPDATE per table for all the rows, not one per distinct set of
    changed columns (which grows with the paper)."""
    for rows in rows_by_model.values():
        for row in rows.values():
            for name in ITEM_SUMS:
                flag_modified(row, name)


def record(attempt: Attempt) -> None:
    """Bring the tallies in line with the attempt's (new) grade. Does not commit."""
    old = db.session.get(ExamResult, attempt.id)
    version_ids = {i["version_id"] for i in attempt.paper.items}
    if old is not None:
        version_ids |= {r[0] for r in old.responses}
    versions = _versions(version_ids)
    new = _result_of(attempt, versions)
    results = [new]
    if old is not None:
        new.team_id = old.team_id  # history stays with the team that sat it
        results.append(old)
    rows = _locked_items(results, versions)
    held: dict = {}
    if old is not None:
        _spread(old, rows, -1, versions)
        _add_attempt(_exam_tally(old, held), old, -1)
        if old.counted:
            _add_counted(_exam_tally(old, held), old, -1)
        db.session.delete(old)
        db.session.flush()
    db.session.add(new)
    _spread(new, rows, +1, versions)
    _touch_items(rows)
    _add_attempt(_exam_tally(new, held), new, +1)
    db.session.flush()
    _recount(new.exam_id, new.user_id, held)
    db.session.flush()


@events.attempt_graded.connect
def _on_graded(attempt: Attempt, **_extra) -> None:
    record(attempt)


# From scratch ----------------------------------------------------------------------------

def rebuild(batch: int = 2000) -> int:
    """Empty the summary tables and recompute them from every graded attempt, one exam at a
    time and in memory (the incremental path takes row locks per answer); returns how many
    attempts it counted. For upgrades and the benchmark: grading keeps the tables current."""
    for model in reversed(TALLIES):
        db.session.execute(delete(model))
    total = 0
    for exam_id in db.session.scalars(select(Exam.id).order_by(Exam.id)).all():
        total += _rebuild_exam(exam_id, batch)
        db.session.commit()
    return total


def _zeroed(model, key: dict) -> SimpleNamespace:
    defaults = {c.name: c.default.arg for c in model.__table__.columns
                if c.default is not None and not callable(c.default.arg)}
    return SimpleNamespace(**{**defaults, **key})


def _results_of_exam(exam_id: int, batch: int) -> tuple[list[ExamResult], dict]:
    ids = db.session.scalars(select(Attempt.id).join(Paper).where(
        Paper.exam_id == exam_id, Attempt.score.is_not(None)).order_by(Attempt.id)).all()
    versions: dict[int, VersionFacts] = {}
    results: list[ExamResult] = []
    for start in range(0, len(ids), batch):
        attempts = db.session.scalars(
            select(Attempt).where(Attempt.id.in_(ids[start:start + batch]))
            .options(selectinload(Attempt.answers),
                     joinedload(Attempt.paper).joinedload(Paper.exam),
                     joinedload(Attempt.paper).joinedload(Paper.user))).unique().all()
        wanted = {i["version_id"] for a in attempts for i in a.paper.items} - versions.keys()
        versions.update(_versions(wanted))
        results += [_result_of(a, versions) for a in attempts]
        db.session.expunge_all()
    return results, versions


def _rebuild_exam(exam_id: int, batch: int) -> int:
    results, versions = _results_of_exam(exam_id, batch)
    best: dict[int, ExamResult] = {}
    for result in results:
        current = best.get(result.user_id)
        if current is None or (result.score, -result.attempt_id) > (current.score,
                                                                     -current.attempt_id):
            best[result.user_id] = result
    exams: dict[tuple, SimpleNamespace] = {}
    items = {model: {} for model in ITEM_KEYS}
    for result in results:
        result.counted = best[result.user_id] is result
        key = (result.exam_id, result.month, result.team_id)
        tally = exams.setdefault(key, _zeroed(ExamTally, {
            "exam_id": result.exam_id, "team_id": result.team_id, "kind": result.kind,
            "month": result.month}))
        _add_attempt(tally, result, +1)
        if result.counted:
            _add_counted(tally, result, +1)
        for model, keys in _item_keys(result, versions).items():
            for item_key, row in keys.items():
                if item_key not in items[model]:
                    items[model][item_key] = _zeroed(model, row)
        _spread(result, items, +1, versions)
    _insert(ExamResult, [_row_of(r) for r in results])
    _insert(ExamTally, [vars(t) for t in exams.values()])
    for model, rows in items.items():
        _insert(model, [vars(r) for r in rows.values()])
    return len(results)


def _row_of(result: ExamResult) -> dict:
    return {c.name: getattr(result, c.name) for c in ExamResult.__table__.columns
            if getattr(result, c.name) is not None}


def _insert(model, rows: list[dict], chunk: int = 5000) -> None:
    for start in range(0, len(rows), chunk):
        db.session.execute(insert(model), rows[start:start + chunk])


def backfill() -> int | None:
    """Summarize the graded attempts of an installation that predates the summary tables
    (run by init-db after upgrading); None when there is nothing to do."""
    if db.session.scalar(select(ExamResult.attempt_id).limit(1)) is not None:
        return None
    if db.session.scalar(select(Attempt.id).where(Attempt.score.is_not(None)).limit(1)) is None:
        return None
    return rebuild()
