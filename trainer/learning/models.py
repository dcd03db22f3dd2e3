from datetime import datetime

from sqlalchemy import JSON, ForeignKey, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from ..accounts.models import utcnow
from ..extensions import db


class ModuleProgress(db.Model):
    """One agent's way through one module: sections reached, the quiz, completion."""

    __tablename__ = "module_progress"
    __table_args__ = (UniqueConstraint("user_id", "module_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    module_id: Mapped[str] = mapped_column(String(64))
    sections_reached: Mapped[list] = mapped_column(JSON, default=list)
    last_section: Mapped[str | None] = mapped_column(String(64))
    read_at: Mapped[datetime | None]
    quiz_passed_at: Mapped[datetime | None]
    best_quiz_score: Mapped[float | None]
    completed_at: Mapped[datetime | None]
    # The module version the agent completed, to show what changed since.
    completed_version: Mapped[int | None]
    updated_at: Mapped[datetime] = mapped_column(default=utcnow)


class ModuleRevision(db.Model):
    """Each published version of a module's sections, for "what changed" notices."""

    __tablename__ = "module_revisions"
    __table_args__ = (UniqueConstraint("module_id", "version"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    module_id: Mapped[str] = mapped_column(String(64))
    version: Mapped[int]
    title: Mapped[str] = mapped_column(String(128))
    # [{"id": "greet", "title": "招呼", "digest": "..."}, ...]
    sections: Mapped[list] = mapped_column(JSON)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)


class PracticeAttempt(db.Model):
    """A practice quiz: never graded into the assessment or the KPI."""

    __tablename__ = "practice_attempts"

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id"), index=True)
    module_id: Mapped[str] = mapped_column(String(64))
    # [{"version_id": 12, "option_order": [2, 0, 3, 1]}, ...]
    items: Mapped[list] = mapped_column(JSON)
    # {"3": [1]}: a position's first checked response, locked once its feedback was shown.
    checked: Mapped[dict] = mapped_column(JSON, default=dict)
    correct: Mapped[int | None]
    score: Mapped[float | None]
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    submitted_at: Mapped[datetime | None]
