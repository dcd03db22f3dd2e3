from ..extensions import db
from .models import AuditEvent


def record(actor, action: str, target: str, detail: dict) -> None:
    """Add an audit row to the current transaction (committed with the change it explains)."""
    actor_id = actor.id if actor else None
    db.session.add(AuditEvent(actor_id=actor_id, action=action, target=target, detail=detail))
