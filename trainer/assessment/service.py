from flask import current_app
from sqlalchemy import select

from ..extensions import db
from .audit import record
from .models import LedgerItem
from .rules import AssessmentRules, exam_adjustment, month_score


def rules() -> AssessmentRules:
    return current_app.config["ASSESSMENT_RULES"]


def apply_exam_score(user, month: str, score: float, source: str) -> LedgerItem | None:
    """Record the exam's effect on the month, once per source; caller commits."""
    adjustment = exam_adjustment(score, rules())
    if adjustment is None:
        return None
    if db.session.scalar(select(LedgerItem.id).where(LedgerItem.source == source)):
        return None
    item = LedgerItem(
        user_id=user.id,
        month=month,
        code=adjustment.code,
        points=adjustment.points,
        reason=adjustment.reason,
        source=source,
    )
    db.session.add(item)
    record(None, "ledger.exam", f"user:{user.id}", {"month": month, "points": adjustment.points,
                                                    "source": source, "score": score})
    return item


def month_items(user_id: int, month: str) -> list[LedgerItem]:
    query = (
        select(LedgerItem)
        .where(LedgerItem.user_id == user_id, LedgerItem.month == month)
        .order_by(LedgerItem.created_at)
    )
    return db.session.scalars(query).all()


def month_assessment(user_id: int, month: str) -> tuple[int, list[LedgerItem]]:
    items = month_items(user_id, month)
    return month_score((i.points for i in items), rules()), items
