from sqlalchemy import ForeignKey, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from ..extensions import db


class MonthlyMetrics(db.Model):
    """An agent's service metrics for one month, as exported from the shop back end."""

    __tablename__ = "monthly_metrics"
    __table_args__ = (UniqueConstraint("user_id", "month"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    month: Mapped[str] = mapped_column(String(7))
    sales_actual: Mapped[float]
    sales_plan: Mapped[float]
    consultations: Mapped[int]
    ordered_buyers: Mapped[int]
    paid_buyers: Mapped[int]
    im_paid_sales: Mapped[float]
    im_received: Mapped[int]
    im_replied: Mapped[int]
    response_seconds: Mapped[float]
    followup_yuan: Mapped[float]
