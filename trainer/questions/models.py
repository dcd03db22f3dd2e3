from datetime import date, datetime

from sqlalchemy import JSON, ForeignKey, LargeBinary, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from ..accounts.models import User, utcnow
from ..extensions import db
from .bank import DEFAULT_SCORING, BankQuestion, ChatTurn, needs_grader


class Question(db.Model):
    """A question's identity and classification; its wording lives in immutable versions.

    Classification (category, difficulty, where it is taught, tags, the active window) steers
    which papers may draw the question from now on; changing it rewrites no past paper."""

    __tablename__ = "questions"

    id: Mapped[int] = mapped_column(primary_key=True)
    key: Mapped[str] = mapped_column(String(64), unique=True)
    category: Mapped[str] = mapped_column(String(32), index=True)
    difficulty: Mapped[int]
    # Fixed for life: an old version is always read with the type it was written for.
    qtype: Mapped[str] = mapped_column(String(16))
    # The course module and section that teach the answer (practice and certification).
    module: Mapped[str | None] = mapped_column(String(64), index=True)
    section: Mapped[str | None] = mapped_column(String(64))
    seed: Mapped[str] = mapped_column(String(128), default="")
    tags: Mapped[list] = mapped_column(JSON, default=list)
    active_from: Mapped[date | None]
    active_until: Mapped[date | None]
    retired: Mapped[bool] = mapped_column(default=False)
    # What the shipped YAML said when last loaded: `content sync` leaves the question alone
    # (and a manager's edits with it) until the file itself changes.
    source_digest: Mapped[str | None] = mapped_column(String(64))
    current_version_id: Mapped[int | None] = mapped_column(
        ForeignKey("question_versions.id", use_alter=True, name="fk_question_current_version")
    )

    current_version: Mapped["QuestionVersion | None"] = relationship(
        foreign_keys=[current_version_id], post_update=True
    )
    versions: Mapped[list["QuestionVersion"]] = relationship(
        foreign_keys="QuestionVersion.question_id", order_by="QuestionVersion.number.desc()",
        viewonly=True)


class QuestionVersion(db.Model):
    """Frozen wording, options and key: papers point here, so editing never rewrites history."""

    __tablename__ = "question_versions"
    __table_args__ = (UniqueConstraint("question_id", "number"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    question_id: Mapped[int] = mapped_column(ForeignKey("questions.id"))
    number: Mapped[int]
    stem: Mapped[str] = mapped_column(Text)
    stem_format: Mapped[str] = mapped_column(String(8), default="plain")
    options: Mapped[list] = mapped_column(JSON)
    # Option indices, [true]/[false], accepted fill-in texts, or [] when a person grades.
    answer: Mapped[list] = mapped_column(JSON)
    scoring: Mapped[str] = mapped_column(String(16), default=DEFAULT_SCORING)
    chat: Mapped[list] = mapped_column(JSON, default=list)  # [[speaker, text], ...]
    reference: Mapped[str] = mapped_column(Text, default="")
    explanation: Mapped[str] = mapped_column(Text, default="")
    digest: Mapped[str] = mapped_column(String(64))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    # None for the shipped bank and imports from the command line.
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    note: Mapped[str] = mapped_column(String(255), default="")

    question: Mapped[Question] = relationship(foreign_keys=[question_id])
    created_by: Mapped[User | None] = relationship()

    @property
    def qtype(self) -> str:
        return self.question.qtype

    @property
    def needs_grader(self) -> bool:
        return needs_grader(self.qtype, self.options)


class ImportBatch(db.Model):
    """An uploaded question file: previewed first, imported on confirmation, kept as a record
    of who brought which questions in."""

    __tablename__ = "question_imports"

    id: Mapped[int] = mapped_column(primary_key=True)
    filename: Mapped[str] = mapped_column(String(255))
    fmt: Mapped[str] = mapped_column(String(8))
    category: Mapped[str | None] = mapped_column(String(32))
    content: Mapped[bytes] = mapped_column(LargeBinary)
    report: Mapped[dict] = mapped_column(JSON, default=dict)
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    imported_at: Mapped[datetime | None]

    created_by: Mapped[User | None] = relationship()


def as_bank_question(question: Question, version: QuestionVersion | None = None) -> BankQuestion:
    """A stored question (at `version`, by default its current one) as the pure dataclass the
    formats and rules work on."""
    version = version or question.current_version
    qtype = question.qtype
    if qtype == "truefalse":
        answer = (bool(version.answer[0]),)
    elif qtype == "fill":
        answer = tuple(str(a) for a in version.answer)
    else:
        answer = tuple(int(a) for a in version.answer)
    return BankQuestion(
        key=question.key, category=question.category, qtype=qtype,
        difficulty=question.difficulty, stem=version.stem, options=tuple(version.options),
        answer=answer, explanation=version.explanation, module=question.module,
        section=question.section, seed=question.seed or "", tags=tuple(question.tags or ()),
        active_from=question.active_from, active_until=question.active_until,
        scoring=version.scoring or DEFAULT_SCORING,
        chat=tuple(ChatTurn(s, t) for s, t in version.chat or ()),
        reference=version.reference or "", stem_format=version.stem_format or "plain")
