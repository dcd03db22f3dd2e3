"""Where accounts meet the database."""

import secrets
from datetime import date
from functools import cache

from flask import session
from sqlalchemy import bindparam, func, select
from werkzeug.security import check_password_hash, generate_password_hash

from ..assessment.audit import record
from ..extensions import db
from .models import Team, User
from .passwords import temporary_password
from .roles import Role
from .roster import RosterRow


@cache
def _dummy_hash() -> str:
    """Checked when the username is unknown, so both failures cost the same time."""
    return generate_password_hash(secrets.token_hex(8))


def authenticate(username: str, password: str) -> User | None:
    user = db.session.scalar(
        select(User).where(func.lower(User.username) == username.strip().lower())
    )
    if user is None:
        check_password_hash(_dummy_hash(), password)
        return None
    if not user.check_password(password) or not user.is_active:
        return None
    return user


def _claim(token: str) -> tuple[int, int] | None:
    """The user id and session epoch a session token names (User.get_id)."""
    user_id, _, epoch = token.partition(".")
    if not user_id.isdigit() or not epoch.isdigit():
        return None
    return int(user_id), int(epoch)


def load_session_user(token: str) -> User | None:
    claim = _claim(token)
    if claim is None:
        return None
    user = db.session.get(User, claim[0])
    if user is None or not user.is_active or user.session_epoch != claim[1]:
        return None
    return user


# What a query that checks the sign-in itself (see access.signed_in_by_query) asks of users,
# with session_claim's values: the account the session names, still signed in as
# load_session_user requires, in the role and with no password change pending, as
# access.check_signed_in requires. Built once: building it costs more than running it.
_users = User.__table__  # Core, not the entity: an ORM statement costs more to run
SIGNED_IN = ((_users.c.id == bindparam("session_user"))
             & (_users.c.session_epoch == bindparam("session_epoch"))
             & _users.c.is_active_account.is_(True) & _users.c.must_change_password.is_(False)
             & (_users.c.role == bindparam("session_role")))


def session_claim(role: Role) -> dict | None:
    """SIGNED_IN's values for this request's session, or None when it names nobody."""
    claim = _claim(session.get("_user_id") or "")  # where Flask-Login keeps User.get_id()
    if claim is None:
        return None
    return {"session_user": claim[0], "session_epoch": claim[1], "session_role": role.value}


def username_taken(username: str) -> bool:
    return (
        db.session.scalar(select(User.id).where(func.lower(User.username) == username.lower()))
        is not None
    )


def create_user(
    *,
    username: str,
    display_name: str,
    role: Role,
    team: Team | None,
    joined_on: date,
    actor: User | None,
    password: str | None = None,
    must_change_password: bool = True,
) -> tuple[User, str]:
    """Create a user; returns it with its initial password (shown once, never stored)."""
    initial = password or temporary_password()
    user = User(
        username=username,
        display_name=display_name,
        role=role.value,
        team=team,
        joined_on=joined_on,
        must_change_password=must_change_password,
        session_epoch=0,
    )
    user.set_password(initial)
    db.session.add(user)
    db.session.flush()
    record(actor, "user.create", f"user:{user.id}", {"username": username, "role": role.value})
    return user, initial


def import_roster(rows: list[RosterRow], actor: User) -> list[tuple[User, str]]:
    teams = {t.name: t for t in db.session.scalars(select(Team))}
    created = [
        create_user(
            username=row.username,
            display_name=row.display_name,
            role=row.role,
            team=teams.get(row.team),
            joined_on=row.joined_on,
            actor=actor,
        )
        for row in rows
    ]
    db.session.commit()
    return created


def reset_password(user: User, actor: User) -> str:
    password = temporary_password()
    user.set_password(password)
    user.must_change_password = True
    record(actor, "user.reset_password", f"user:{user.id}", {})
    db.session.commit()
    return password


def set_active(user: User, active: bool, actor: User) -> None:
    user.is_active_account = active
    user.end_sessions()
    record(actor, "user.activate" if active else "user.deactivate", f"user:{user.id}", {})
    db.session.commit()


def change_own_password(user: User, new_password: str) -> None:
    user.set_password(new_password)
    user.must_change_password = False
    record(user, "user.change_password", f"user:{user.id}", {})
    db.session.commit()

