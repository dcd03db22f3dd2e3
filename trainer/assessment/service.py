from flask import current_app
from sqlalchemy import select

from ..extensions import db
from .audit import record
from .models import LedgerItem
from .rules import AssessmentRules, exam_adjustment, month_score


def rules() -> AssessmentRules:
    return current_app.config["ASSESSMENT_RULES"]


def settle_exam(user, month: str, score: float | None, source: str, stale: list[str],
                actor=None, reason: str = "") -> LedgerItem | None:
    """Make the ledger hold exactly the item that the exam's counting score calls for, under
    `source` (its attempt); items of `stale` sources (the exam's other attempts) and items the
    score no longer calls for are withdrawn. Every change is audited; the caller commits."""
    adjustment = None if score is None else exam_adjustment(score, rules())
    sources = [source, *stale]
    kept = None
    for item in db.session.scalars(select(LedgerItem).where(LedgerItem.source.in_(sources))):
        if item.source == source and adjustment is not None and item.code == adjustment.code:
            kept = item
            continue
        record(actor, "ledger.exam.withdrawn", f"user:{item.user_id}",
               {"month": item.month, "code": item.code, "points": item.points,
                "source": item.source, "score": score, "reason": reason})
        db.session.delete(item)
    if adjustment is None or kept is not None:
        return kept
    db.session.flush()  # the withdrawn item's source is free again
    item = LedgerItem(user_id=user.id, month=month, code=adjustment.code,
                      points=adjustment.points, reason=adjustment.reason, source=source)
    db.session.add(item)
    record(actor, "ledger.exam", f"user:{user.id}",
           {"month": month, "code": adjustment.code, "points": adjustment.points,
            "source": source, "score": score, "reason": reason})
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
