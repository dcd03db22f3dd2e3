from datetime import datetime

from sqlalchemy import JSON, ForeignKey, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from ..accounts.models import User, utcnow
from ..extensions import db

KIND_MONTHLY = "monthly"
KIND_CERTIFICATION = "certification"


class Exam(db.Model):
    """An exam window: who may sit it, when, for how long, built by which blueprint."""

    __tablename__ = "exams"

    id: Mapped[int] = mapped_column(primary_key=True)
    kind: Mapped[str] = mapped_column(String(16), default=KIND_MONTHLY)
    month: Mapped[str] = mapped_column(String(7), index=True)
    title: Mapped[str] = mapped_column(String(128))
    opens_at: Mapped[datetime]
    closes_at: Mapped[datetime]
    duration_minutes: Mapped[int]
    pass_mark: Mapped[float] = mapped_column(default=60)
    blueprint: Mapped[list] = mapped_column(JSON)
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)


class Paper(db.Model):
    """One agent's personal paper for an exam: question versions and option orders, fixed."""

    __tablename__ = "papers"
    __table_args__ = (UniqueConstraint("exam_id", "user_id", "sitting",
                                       name="uq_papers_exam_user_sitting"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    exam_id: Mapped[int] = mapped_column(ForeignKey("exams.id"))
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id"), index=True)
    # A certification exam may be sat again after a failure; monthly exams have one sitting.
    sitting: Mapped[int] = mapped_column(default=1)
    seed: Mapped[int]
    # [{"version_id": 12, "option_order": [2, 0, 3, 1]}, ...] in paper order.
    items: Mapped[list] = mapped_column(JSON)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    exam: Mapped[Exam] = relationship()
    user: Mapped[User] = relationship()


class Attempt(db.Model):
    __tablename__ = "attempts"

    id: Mapped[int] = mapped_column(primary_key=True)
    paper_id: Mapped[int] = mapped_column(ForeignKey("papers.id"), unique=True)
    started_at: Mapped[datetime]
    ends_at: Mapped[datetime]
    submitted_at: Mapped[datetime | None]
    correct: Mapped[int | None]
    score: Mapped[float | None]

    paper: Mapped[Paper] = relationship()
    answers: Mapped[list["Answer"]] = relationship(back_populates="attempt",
                                                   order_by="Answer.position")

    @property
    def is_graded(self) -> bool:
        return self.score is not None


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
    credit: Mapped[float | None]  # the share of the question's points, 0..1
    saved_at: Mapped[datetime] = mapped_column(default=utcnow)

    attempt: Mapped[Attempt] = relationship(back_populates="answers")
