import secrets
from datetime import datetime

from sqlalchemy import JSON, BigInteger, Column, ForeignKey, String, Table, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from ..accounts.models import Team, User, utcnow
from ..extensions import db

KIND_MONTHLY = "monthly"
KIND_CERTIFICATION = "certification"

AUDIENCE_ALL = "all"
AUDIENCE_TEAMS = "teams"

# When an agent may see the key and explanations of a graded attempt.
REVIEW_AFTER_CLOSE = "after_close"
REVIEW_IMMEDIATE = "immediate"
REVIEW_NEVER = "never"
REVIEW_POLICIES = {
    REVIEW_AFTER_CLOSE: "考试截止后可查看答案与解析",
    REVIEW_IMMEDIATE: "交卷后立即可查看答案与解析",
    REVIEW_NEVER: "只公布分数,不公布答案",
}

exam_teams = Table(
    "exam_teams", db.metadata,
    Column("exam_id", ForeignKey("exams.id", ondelete="CASCADE"), primary_key=True),
    Column("team_id", ForeignKey("teams.id", ondelete="CASCADE"), primary_key=True),
)


class ExamBlueprint(db.Model):
    """A named, editable blueprint. An exam copies it when papers are made, so editing one
    never changes a paper already generated."""

    __tablename__ = "exam_blueprints"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(64), unique=True)
    spec: Mapped[dict] = mapped_column(JSON)  # blueprint.Blueprint.to_json()
    updated_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    updated_at: Mapped[datetime] = mapped_column(default=utcnow, onupdate=utcnow)


class Exam(db.Model):
    """An exam window: who may sit it, when, for how long, built by which blueprint."""

    __tablename__ = "exams"

    id: Mapped[int] = mapped_column(primary_key=True)
    kind: Mapped[str] = mapped_column(String(16), default=KIND_MONTHLY)
    month: Mapped[str] = mapped_column(String(7), index=True)
    title: Mapped[str] = mapped_column(String(128))
    opens_at: Mapped[datetime]
    closes_at: Mapped[datetime]
    duration_minutes: Mapped[int] = mapped_column(default=60)
    pass_mark: Mapped[float] = mapped_column(default=60)
    # The blueprint as it was when the exam was set (blueprint.Blueprint.to_json()).
    blueprint: Mapped[dict] = mapped_column(JSON)
    # With the agent's username, the seed makes each paper reproducible.
    seed: Mapped[int] = mapped_column(default=lambda: secrets.randbits(31))
    # {question_id: mean credit} from the answers before the exam was set: the generator
    # balances papers' expected scores with it, and a snapshot keeps papers reproducible.
    # Deferred: one entry per question, read only when papers are made, not by every exam page.
    facility: Mapped[dict] = mapped_column(JSON, default=dict, deferred=True)
    audience: Mapped[str] = mapped_column(String(8), default=AUDIENCE_ALL)
    attempts_allowed: Mapped[int] = mapped_column(default=1)
    review_policy: Mapped[str] = mapped_column(String(16), default=REVIEW_AFTER_CLOSE)
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    teams: Mapped[list[Team]] = relationship(secondary=exam_teams, order_by=Team.id)


class Paper(db.Model):
    """One agent's personal paper for an exam: question versions and option orders, fixed."""

    __tablename__ = "papers"
    __table_args__ = (UniqueConstraint("exam_id", "user_id", "sitting",
                                       name="uq_papers_exam_user_sitting"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    exam_id: Mapped[int] = mapped_column(ForeignKey("exams.id"))
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id"), index=True)
    # A certification exam may be sat again after a failure; monthly exams as the exam allows.
    sitting: Mapped[int] = mapped_column(default=1)
    seed: Mapped[int]
    # [{"version_id": 12, "option_order": [2, 0, 3, 1]}, ...] in paper order.
    items: Mapped[list] = mapped_column(JSON)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    exam: Mapped[Exam] = relationship()
    user: Mapped[User] = relationship()


class Attempt(db.Model):
    """One sitting of a paper. In progress until submitted; graded once every answer has a
    credit (written replies wait for a lead)."""

    __tablename__ = "attempts"

    id: Mapped[int] = mapped_column(primary_key=True)
    # Unique: two concurrent starts cannot both create an attempt for one paper.
    paper_id: Mapped[int] = mapped_column(ForeignKey("papers.id"), unique=True)
    started_at: Mapped[datetime]
    ends_at: Mapped[datetime]
    submitted_at: Mapped[datetime | None]
    correct: Mapped[int | None]
    score: Mapped[float | None]
    # Paper positions the agent marked to come back to.
    flags: Mapped[list] = mapped_column(JSON, default=list)
    # The browser and its number of the last autosave applied (see grading.supersedes).
    autosave_client: Mapped[str | None] = mapped_column(String(64))
    autosave_stamp: Mapped[int | None] = mapped_column(BigInteger)

    paper: Mapped[Paper] = relationship()
    answers: Mapped[list["Answer"]] = relationship(back_populates="attempt",
                                                   order_by="Answer.position")

    @property
    def is_submitted(self) -> bool:
        return self.submitted_at is not None

    @property
    def is_graded(self) -> bool:
        return self.score is not None

    @property
    def awaits_marking(self) -> bool:
        return self.is_submitted and not self.is_graded


class Answer(db.Model):
    """The agent's latest response to one paper position, saved as they go."""

    __tablename__ = "answers"
    __table_args__ = (UniqueConstraint("attempt_id", "position"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    attempt_id: Mapped[int] = mapped_column(ForeignKey("attempts.id"))
    position: Mapped[int]
    version_id: Mapped[int] = mapped_column(ForeignKey("question_versions.id"), index=True)
    # Original option indices (the paper's shuffle undone), [true]/[false], or [text].
    response: Mapped[list] = mapped_column(JSON)
    is_correct: Mapped[bool | None]  # full marks
    credit: Mapped[float | None]  # the share of the question's points, 0..1; None: not marked
    saved_at: Mapped[datetime] = mapped_column(default=utcnow)
    # A written reply's marking: who, when, and the comment the agent sees in the review.
    marked_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    marked_at: Mapped[datetime | None]
    comment: Mapped[str] = mapped_column(Text, default="")

    attempt: Mapped[Attempt] = relationship(back_populates="answers")
