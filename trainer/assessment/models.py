from datetime import date, datetime

from sqlalchemy import JSON, ForeignKey, Index, String, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from ..accounts.models import User, utcnow
from ..extensions import db


class LedgerItem(db.Model):
    """One addition or deduction in an agent's daily-assessment month."""

    __tablename__ = "ledger_items"
    __table_args__ = (Index("ix_ledger_user_month", "user_id", "month"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    month: Mapped[str] = mapped_column(String(7))
    code: Mapped[str] = mapped_column(String(32))
    # The catalogue class at the time of recording (A, B, C, plus, exam, supervisor): kept on
    # the row so that a later catalogue change does not rewrite history.
    item_class: Mapped[str] = mapped_column(String(16), default="A")
    points: Mapped[int]
    reason: Mapped[str] = mapped_column(String(255))
    occurred_on: Mapped[date | None]
    evidence: Mapped[str] = mapped_column(String(500), default="")
    demerit: Mapped[bool] = mapped_column(default=False)
    # What produced the item ("attempt:12", "supervisor:7:2026-10"); unique, so an exam
    # adjusts a month only once and the supervisor has one adjustment per agent and month.
    source: Mapped[str | None] = mapped_column(String(64), unique=True)
    recorded_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    user: Mapped[User] = relationship(foreign_keys=[user_id])
    recorded_by: Mapped[User | None] = relationship(foreign_keys=[recorded_by_id])
    appeal: Mapped["Appeal | None"] = relationship(back_populates="item", uselist=False)


class AssessmentMonth(db.Model):
    """A month a manager has published: agents see it, may appeal within the window, and
    after the window nothing in it changes."""

    __tablename__ = "assessment_months"

    id: Mapped[int] = mapped_column(primary_key=True)
    month: Mapped[str] = mapped_column(String(7), unique=True)
    published_at: Mapped[datetime]
    published_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    # The window in force when it was published, so a later setting change does not reopen
    # or shorten it.
    appeal_hours: Mapped[int]

    published_by: Mapped[User | None] = relationship()


APPEAL_PENDING, APPEAL_ACCEPTED, APPEAL_REJECTED = "pending", "accepted", "rejected"


class Appeal(db.Model):
    """An agent's objection to one item of a published month; one per item."""

    __tablename__ = "appeals"

    id: Mapped[int] = mapped_column(primary_key=True)
    item_id: Mapped[int] = mapped_column(ForeignKey("ledger_items.id"), unique=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id"), index=True)
    text: Mapped[str] = mapped_column(Text)
    filed_at: Mapped[datetime] = mapped_column(default=utcnow)
    status: Mapped[str] = mapped_column(String(16), default=APPEAL_PENDING, index=True)
    decided_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    decided_at: Mapped[datetime | None]
    decision: Mapped[str] = mapped_column(String(500), default="")
    points_before: Mapped[int | None]
    points_after: Mapped[int | None]

    item: Mapped[LedgerItem] = relationship(back_populates="appeal")
    user: Mapped[User] = relationship(foreign_keys=[user_id])
    decided_by: Mapped[User | None] = relationship(foreign_keys=[decided_by_id])


class AuditEvent(db.Model):
    """Who changed what, when: every score change and account change leaves one. Rows are
    only ever added (see audit.py, which refuses updates and deletes)."""

    __tablename__ = "audit_events"

    id: Mapped[int] = mapped_column(primary_key=True)
    actor_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    action: Mapped[str] = mapped_column(String(64))
    target: Mapped[str] = mapped_column(String(64), index=True)
    detail: Mapped[dict] = mapped_column(JSON, default=dict)
    at: Mapped[datetime] = mapped_column(default=utcnow)

    actor: Mapped[User | None] = relationship()
