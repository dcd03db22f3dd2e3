"""Times are stored as naive UTC; people read and type them in the organization's zone."""

from datetime import UTC, datetime
from zoneinfo import ZoneInfo

from flask import current_app


def _zone() -> ZoneInfo:
    return ZoneInfo(current_app.config["TIMEZONE"])


def to_local(moment: datetime | None) -> datetime | None:
    if moment is None:
        return None
    return moment.replace(tzinfo=UTC).astimezone(_zone()).replace(tzinfo=None)


def from_local(moment: datetime) -> datetime:
    return moment.replace(tzinfo=_zone()).astimezone(UTC).replace(tzinfo=None)


def local_now() -> datetime:
    return datetime.now(_zone()).replace(tzinfo=None)


def format_local(moment: datetime | None, pattern: str = "%Y-%m-%d %H:%M") -> str:
    local = to_local(moment)
    return local.strftime(pattern) if local else "—"
