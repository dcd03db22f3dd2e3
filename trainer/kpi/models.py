from datetime import datetime
from decimal import Decimal

from sqlalchemy import JSON, ForeignKey, Index, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from ..accounts.models import User, utcnow
from ..database import ExactDecimal
from ..extensions import db


class MonthlyMetrics(db.Model):
    """An agent's service metrics for one month, as exported from the shop back end. The
    column names are the import template's English headers."""

    __tablename__ = "monthly_metrics"
    __table_args__ = (UniqueConstraint("user_id", "month"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    month: Mapped[str] = mapped_column(String(7))
    sales_actual: Mapped[Decimal] = mapped_column(ExactDecimal)
    sales_plan: Mapped[Decimal] = mapped_column(ExactDecimal)
    consultations: Mapped[int]
    ordered_buyers: Mapped[int]
    paid_buyers: Mapped[int]
    im_paid_sales: Mapped[Decimal] = mapped_column(ExactDecimal)
    customers_received: Mapped[int]
    customers_replied: Mapped[int]
    avg_response_seconds: Mapped[Decimal] = mapped_column(ExactDecimal)
    followup_amount: Mapped[Decimal] = mapped_column(ExactDecimal)
    # Personal IM/phone sales that earn commission (refunds, returns, self-service excluded).
    personal_revenue: Mapped[Decimal] = mapped_column(ExactDecimal, default=Decimal(0))
    promotion: Mapped[bool] = mapped_column(default=False)
    imported_at: Mapped[datetime] = mapped_column(default=utcnow)
    imported_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))

    user: Mapped[User] = relationship(foreign_keys=[user_id])


# The first rule set's month: before any real month, so it covers all history.
INITIAL_MONTH = "2000-01"


class KpiRuleSet(db.Model):
    """The KPI rules (tiers, weights, pool, rates) from a month on. Rows are never edited: a
    change is a new row, effective from a month no published month reaches."""

    __tablename__ = "kpi_rule_sets"

    id: Mapped[int] = mapped_column(primary_key=True)
    effective_from: Mapped[str] = mapped_column(String(7), unique=True)
    spec: Mapped[dict] = mapped_column(JSON)
    note: Mapped[str] = mapped_column(String(255), default="")
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    created_by: Mapped[User | None] = relationship()

    @property
    def since(self) -> str:
        return "初始版本" if self.effective_from == INITIAL_MONTH else f"{self.effective_from} 起"


class KpiResult(db.Model):
    """A published month's outcome per agent, stored for the dashboards (the KPI grade
    distribution): written when the month is published and again when an appeal changes an
    agent's score; a published month changes no other way."""

    __tablename__ = "kpi_results"
    __table_args__ = (UniqueConstraint("user_id", "month"),
                      Index("ix_kpi_results_month_team", "month", "team_id"))

    id: Mapped[int] = mapped_column(primary_key=True)
    month: Mapped[str] = mapped_column(String(7))
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    team_id: Mapped[int] = mapped_column(default=0)  # 0: no team, as in the exam summaries
    assessment_score: Mapped[int]
    # None when the agent had no metrics that month (no sheet, no grade).
    kpi: Mapped[Decimal | None] = mapped_column(ExactDecimal)
    grade: Mapped[str | None] = mapped_column(String(16))
    bonus: Mapped[Decimal | None] = mapped_column(ExactDecimal)
    commission: Mapped[Decimal | None] = mapped_column(ExactDecimal)
    elimination: Mapped[bool] = mapped_column(default=False)
    stored_at: Mapped[datetime] = mapped_column(default=utcnow, onupdate=utcnow)
