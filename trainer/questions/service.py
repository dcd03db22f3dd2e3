"""Where the question bank meets the database: the shipped bank, imports, edits, retiring,
browsing and usage figures."""

from collections import Counter
from dataclasses import dataclass, field
from datetime import date

from sqlalchemy import func, or_, select
from sqlalchemy.orm import joinedload

from ..assessment.audit import record
from ..content import placement_errors
from ..extensions import db
from ..learning.service import catalog
from .bank import BankQuestion
from .formats import detect_format, parse
from .formats.common import ParseResult
from .models import Question, QuestionVersion, as_bank_question


class QuestionConflict(ValueError):
    """A question cannot become what the file or form says (its type is fixed for life)."""


def _classify(question: Question, item: BankQuestion, keep_missing: bool) -> bool:
    """Copy the item's classification onto the question; True when something changed.
    `keep_missing`: formats that cannot say where a question is taught (Aiken, Moodle's
    GIFT) leave what the bank knows in place."""
    values = {"category": item.category, "difficulty": item.difficulty, "module": item.module,
              "section": item.section, "seed": item.seed, "tags": list(item.tags),
              "active_from": item.active_from, "active_until": item.active_until}
    if keep_missing:
        values = {k: v for k, v in values.items()
                  if v or k not in ("module", "section", "seed", "tags")}
    changed = False
    for name, value in values.items():
        if getattr(question, name) != value:
            setattr(question, name, value)
            changed = True
    return changed


def _add_version(question: Question, item: BankQuestion, actor, note: str) -> QuestionVersion:
    number = question.current_version.number + 1 if question.current_version else 1
    version = QuestionVersion(
        question_id=question.id, number=number, stem=item.stem, stem_format=item.stem_format,
        options=list(item.options), answer=list(item.answer), scoring=item.scoring,
        chat=[[t.speaker, t.text] for t in item.chat], reference=item.reference,
        explanation=item.explanation, digest=item.digest,
        created_by_id=actor.id if actor else None, note=note[:255])
    db.session.add(version)
    db.session.flush()
    question.current_version = version
    return version


def save(item: BankQuestion, question: Question | None, actor=None, note: str = "",
         keep_missing: bool = False) -> tuple[str, Question]:
    """Store one question over `question`, the stored one with its key (None: new). Returns
    what happened (added, revised: a new version, reclassified, unchanged) and the question;
    a manager's change leaves an audit row."""
    if question is None:
        question = Question(key=item.key, qtype=item.qtype, category=item.category,
                            difficulty=item.difficulty)
        db.session.add(question)
        _classify(question, item, keep_missing=False)
        db.session.flush()
        version = _add_version(question, item, actor, note)
        outcome = "added"
    else:
        if question.qtype != item.qtype:
            raise QuestionConflict(
                f"{item.source or item.key}: 题目 {item.key} 原为{question.qtype},不能改为"
                f"{item.qtype}(题型不可修改,请用新的题目编号)")
        reclassified = _classify(question, item, keep_missing)
        version = question.current_version
        if version.digest != item.digest:
            version = _add_version(question, item, actor, note)
            outcome = "revised"
        else:
            outcome = "reclassified" if reclassified else "unchanged"
    if actor is not None and outcome != "unchanged":
        record(actor, f"question.{outcome}", f"question:{item.key}",
               {"version": version.number, "note": note})
    return outcome, question


def sync_bank(bank: list[BankQuestion]) -> dict[str, int]:
    """Bring the database in line with the shipped bank. A question whose YAML is unchanged
    since the last load is left alone, so a manager's later edit (a new version, a new
    module) survives every deploy; a changed one takes the file's wording (a new version:
    old papers keep theirs) and classification; one deleted from the files is retired."""
    existing = {q.key: q for q in db.session.scalars(select(Question))}
    counts = Counter({"added": 0, "revised": 0, "reclassified": 0, "unchanged": 0,
                      "retired": 0})
    problems = []
    for item in bank:
        question = existing.get(item.key)
        if question is not None and question.source_digest == item.source_digest:
            counts["unchanged"] += 1
            continue
        try:
            outcome, question = save(item, question)
        except QuestionConflict as exc:
            problems.append(str(exc))
            continue
        question.source_digest = item.source_digest
        counts[outcome] += 1
    if problems:
        raise QuestionConflict("\n".join(problems))
    shipped = {item.key for item in bank}
    for question in existing.values():
        # Gone from question_bank/: out of new papers; its history stays.
        if question.source_digest and question.key not in shipped and not question.retired:
            question.retired = True
            record(None, "question.retired", f"question:{question.key}",
                   {"reason": "题库文件中已删除"})
            counts["retired"] += 1
    return dict(counts)


@dataclass
class ImportReport:
    fmt: str | None = None
    imported: int = 0
    added: int = 0
    revised: int = 0
    reclassified: int = 0
    unchanged: int = 0
    skipped: list | None = None
    by_type: dict | None = None
    errors: list | None = None
    outcomes: dict = field(default_factory=dict)  # question key -> added/revised/...

    def as_json(self) -> dict:
        return {"imported": self.imported, "added": self.added, "revised": self.revised,
                "reclassified": self.reclassified, "unchanged": self.unchanged,
                "skipped": self.skipped or [], "by_type": self.by_type or {},
                "errors": self.errors or []}


# Formats that carry no course module, seed or tags for a question.
_PARTIAL_FORMATS = {"aiken", "gift"}


def import_file(data: bytes, filename: str, fmt: str | None = None,
                category: str | None = None, actor=None, dry_run: bool = False,
                note: str = "") -> tuple[ImportReport, ParseResult]:
    """Import a question file as one transaction: any error, and nothing is stored. A dry
    run does all the work and rolls it back, so its report is exactly what an import does."""

    try:
        fmt = fmt or detect_format(filename, data)
    except ValueError as exc:
        return ImportReport(fmt=fmt, errors=[f"{filename}:1: {exc}"]), ParseResult()
    parsed = parse(data, filename, fmt, category)
    report = ImportReport(
        fmt=fmt,
        skipped=[{"line": s.line, "reason": s.reason} for s in parsed.skipped],
        by_type=dict(sorted(Counter(q.qtype for q in parsed.questions).items())),
        errors=parsed.errors + placement_errors(catalog(), parsed.questions)
        + _repeated_keys(parsed.questions))
    if report.errors:
        return report, parsed
    counts = Counter()
    keys = [item.key for item in parsed.questions]
    existing = {q.key: q for q in db.session.scalars(select(Question).where(
        Question.key.in_(keys)).options(joinedload(Question.current_version)))}
    try:
        for item in parsed.questions:
            outcome, _question = save(item, existing.get(item.key), actor,
                                      note or f"导入 {filename}",
                                      keep_missing=fmt in _PARTIAL_FORMATS)
            counts[outcome] += 1
            report.outcomes[item.key] = outcome
    except QuestionConflict as exc:
        db.session.rollback()
        report.errors = [str(exc)]
        return report, parsed
    report.imported = len(parsed.questions)
    report.added, report.revised = counts["added"], counts["revised"]
    report.reclassified, report.unchanged = counts["reclassified"], counts["unchanged"]
    if dry_run:
        db.session.rollback()
    else:
        if actor is not None:
            record(actor, "question.import", f"file:{filename}"[:64], report.as_json())
        db.session.commit()
    return report, parsed


def _repeated_keys(questions: list[BankQuestion]) -> list[str]:
    first = {}
    problems = []
    for q in questions:
        if q.key in first:
            problems.append(f"{q.source}: 题目编号 {q.key} 与 {first[q.key]} 重复")
        first.setdefault(q.key, q.source)
    return problems


def set_retired(question: Question, retired: bool, actor) -> None:
    """Retiring takes a question out of new papers only: past papers and answers keep it."""
    if question.retired != retired:
        question.retired = retired
        record(actor, "question.retired" if retired else "question.restored",
               f"question:{question.key}", {"version": question.current_version.number})
    db.session.commit()


def bank_questions(include_retired: bool = False) -> list[BankQuestion]:
    """Every question at its current version, for export."""
    query = select(Question).order_by(Question.category, Question.key)
    if not include_retired:
        query = query.where(Question.retired.is_(False))
    questions = db.session.scalars(query).all()
    versions = {v.id: v for v in db.session.scalars(select(QuestionVersion).where(
        QuestionVersion.id.in_([q.current_version_id for q in questions])))}
    return [as_bank_question(q, versions[q.current_version_id]) for q in questions]


# Browsing -------------------------------------------------------------------------------

STATUSES = {"active": "在用", "retired": "已停用", "scheduled": "未到生效期", "expired": "已过期"}


@dataclass(frozen=True)
class BankFilter:
    category: str | None = None
    difficulty: int | None = None
    qtype: str | None = None
    status: str | None = None
    module: str | None = None
    text: str | None = None


def status_of(question: Question, today: date) -> str:
    if question.retired:
        return "retired"
    if question.active_from and question.active_from > today:
        return "scheduled"
    if question.active_until and question.active_until < today:
        return "expired"
    return "active"


def _filtered(query, wanted: BankFilter, today: date):
    for column, value in ((Question.category, wanted.category),
                          (Question.difficulty, wanted.difficulty),
                          (Question.qtype, wanted.qtype), (Question.module, wanted.module)):
        if value:
            query = query.where(column == value)
    if wanted.status == "retired":
        query = query.where(Question.retired.is_(True))
    elif wanted.status in ("active", "scheduled", "expired"):
        query = query.where(Question.retired.is_(False))
        scheduled = Question.active_from > today
        expired = Question.active_until < today
        query = query.where({
            "scheduled": scheduled,
            "expired": expired,
            "active": ~func.coalesce(scheduled, False) & ~func.coalesce(expired, False),
        }[wanted.status])
    if wanted.text:
        pattern = f"%{wanted.text.strip()}%"
        query = query.where(or_(QuestionVersion.stem.ilike(pattern),
                                QuestionVersion.explanation.ilike(pattern),
                                Question.key.ilike(pattern)))
    return query


def browse(wanted: BankFilter, today: date, page: int = 1, per_page: int = 50):
    """One page of questions (current versions) and the total count."""
    query = _filtered(select(Question, QuestionVersion).join(
        QuestionVersion, Question.current_version_id == QuestionVersion.id), wanted, today)
    total = db.session.scalar(select(func.count()).select_from(query.subquery()))
    rows = db.session.execute(query.order_by(Question.category, Question.key)
                              .limit(per_page).offset((page - 1) * per_page)).all()
    return rows, total
