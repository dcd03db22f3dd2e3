"""Summary tables the dashboards read instead of the raw answers.

They are written in the transaction that grades an attempt (`tally.record`), so they are
never behind the answers; `tally.rebuild` recomputes them from scratch and must agree.
Every sum is additive, so a dashboard pools any set of months or teams by adding rows, and
a regrade takes back exactly what the attempt had added (kept on its `ExamResult`).

`team_id` is the agent's team when the attempt was graded (0: no team), so history stays
with the team that sat the exam; it is a plain integer so that "no team" can be part of a
unique key on both databases.
"""

from datetime import datetime

from sqlalchemy import JSON, ForeignKey, Index, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from ..accounts.models import utcnow
from ..extensions import db

NO_TEAM = 0


class ExamResult(db.Model):
    """One graded attempt as the dashboards need it."""

    __tablename__ = "exam_results"
    # (exam, agent): grading finds the agent's other results of the exam to count the best.
    __table_args__ = (Index("ix_exam_results_kind_month_team", "kind", "month", "team_id"),
                      Index("ix_exam_results_user_kind_month", "user_id", "kind", "month"),
                      Index("ix_exam_results_exam_user", "exam_id", "user_id"))

    attempt_id: Mapped[int] = mapped_column(ForeignKey("attempts.id"), primary_key=True)
    exam_id: Mapped[int] = mapped_column(ForeignKey("exams.id"))
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    team_id: Mapped[int] = mapped_column(default=NO_TEAM)
    kind: Mapped[str] = mapped_column(String(16))
    # The monthly exam's month; for the standing certification exam, the month handed in.
    month: Mapped[str] = mapped_column(String(7))
    score: Mapped[float]
    passed: Mapped[bool]
    # The agent's best graded attempt at the exam (as the ledger counts it): pass rates and
    # score distributions count agents, not attempts.
    counted: Mapped[bool] = mapped_column(default=True)
    questions: Mapped[int]
    earned: Mapped[float]  # sum of the answers' credits: the raw total reliability uses
    # {category: [questions, credit earned]} for the agent's drill-down.
    categories: Mapped[dict] = mapped_column(JSON, default=dict)
    # [[version_id, credit, chosen option indices, answered], ...]: what this attempt added
    # to the item tallies, so a regrade can take exactly that back.
    responses: Mapped[list] = mapped_column(JSON, default=list)
    graded_at: Mapped[datetime] = mapped_column(default=utcnow)


class ExamTally(db.Model):
    """One exam in one team: agents counted (their best attempt) and every graded attempt."""

    __tablename__ = "exam_tallies"
    __table_args__ = (UniqueConstraint("exam_id", "month", "team_id"),
                      Index("ix_exam_tallies_kind_month", "kind", "month"))

    id: Mapped[int] = mapped_column(primary_key=True)
    exam_id: Mapped[int] = mapped_column(ForeignKey("exams.id"))
    team_id: Mapped[int] = mapped_column(default=NO_TEAM)
    kind: Mapped[str] = mapped_column(String(16))
    month: Mapped[str] = mapped_column(String(7))
    sat: Mapped[int] = mapped_column(default=0)
    passed: Mapped[int] = mapped_column(default=0)
    score_sum: Mapped[float] = mapped_column(default=0.0)
    attempts: Mapped[int] = mapped_column(default=0)
    questions_sum: Mapped[int] = mapped_column(default=0)
    earned_sum: Mapped[float] = mapped_column(default=0.0)
    earned_sq_sum: Mapped[float] = mapped_column(default=0.0)


class _ItemSums:
    """Sums over the answers to one question version: x is an answer's credit, s the
    attempt's raw total. Facility, item-rest correlation and the variances reliability needs
    all follow from them (reports.itemstats)."""

    exam_id: Mapped[int] = mapped_column(ForeignKey("exams.id"))
    version_id: Mapped[int] = mapped_column(ForeignKey("question_versions.id"))
    question_id: Mapped[int] = mapped_column(ForeignKey("questions.id"))
    kind: Mapped[str] = mapped_column(String(16))
    month: Mapped[str] = mapped_column(String(7))
    answers: Mapped[int] = mapped_column(default=0)
    correct: Mapped[int] = mapped_column(default=0)  # full credit
    omitted: Mapped[int] = mapped_column(default=0)
    credit_sum: Mapped[float] = mapped_column(default=0.0)
    credit_sq_sum: Mapped[float] = mapped_column(default=0.0)
    total_sum: Mapped[float] = mapped_column(default=0.0)
    total_sq_sum: Mapped[float] = mapped_column(default=0.0)
    cross_sum: Mapped[float] = mapped_column(default=0.0)
    # How many answers chose each option (original option index); empty for typed answers.
    chosen: Mapped[list] = mapped_column(JSON, default=list)


class ItemTally(_ItemSums, db.Model):
    """A question version's answers at one exam, the whole department."""

    __tablename__ = "item_tallies"
    __table_args__ = (UniqueConstraint("exam_id", "month", "version_id"),
                      Index("ix_item_tallies_kind_month", "kind", "month"))

    id: Mapped[int] = mapped_column(primary_key=True)


class TeamItemTally(_ItemSums, db.Model):
    """A question version's answers at one exam, one team (what its lead may see)."""

    __tablename__ = "team_item_tallies"
    __table_args__ = (UniqueConstraint("exam_id", "month", "version_id", "team_id"),
                      Index("ix_team_item_tallies_team_kind_month", "team_id", "kind", "month"))

    id: Mapped[int] = mapped_column(primary_key=True)
    team_id: Mapped[int] = mapped_column(default=NO_TEAM)
