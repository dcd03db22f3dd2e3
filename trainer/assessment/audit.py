"""The audit trail: rows are added in the transaction of the change they explain and never
changed or removed afterwards."""

from itertools import chain

from sqlalchemy import event
from sqlalchemy.orm import Session

from ..extensions import db
from .models import AuditEvent


class AuditTampering(RuntimeError):
    """Code tried to change or delete an audit row."""


def record(actor, action: str, target: str, detail: dict) -> None:
    """Add an audit row to the current transaction (committed with the change it explains)."""
    actor_id = actor.id if actor else None
    db.session.add(AuditEvent(actor_id=actor_id, action=action, target=target, detail=detail))


def record_change(actor, action: str, target: str, *, old, new, reason: str = "",
                  **context) -> None:
    """A change of one value: what it was, what it became and why, plus the `context` that
    says which value (month, item, code ...)."""
    record(actor, action, target, {**context, "old": old, "new": new, "reason": reason})


@event.listens_for(Session, "before_flush")
def _append_only(session, _context, _instances) -> None:
    for obj in chain(session.dirty, session.deleted):
        if isinstance(obj, AuditEvent) and (obj in session.deleted
                                            or session.is_modified(obj)):
            raise AuditTampering(f"audit row {obj.id} is append-only")
