from datetime import UTC, date, datetime

from flask import current_app
from flask_login import UserMixin
from sqlalchemy import ForeignKey, String
from sqlalchemy.orm import Mapped, mapped_column, relationship
from werkzeug.security import check_password_hash, generate_password_hash

from ..extensions import db
from .roles import ALL_TEAMS, Role


def utcnow() -> datetime:
    return datetime.now(UTC).replace(tzinfo=None)


class Team(db.Model):
    __tablename__ = "teams"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(64), unique=True)

    members: Mapped[list["User"]] = relationship(back_populates="team")


class User(UserMixin, db.Model):
    __tablename__ = "users"

    id: Mapped[int] = mapped_column(primary_key=True)
    username: Mapped[str] = mapped_column(String(64), unique=True)
    display_name: Mapped[str] = mapped_column(String(64))
    password_hash: Mapped[str] = mapped_column(String(256))
    role: Mapped[str] = mapped_column(String(16), default=Role.AGENT.value)
    team_id: Mapped[int | None] = mapped_column(ForeignKey("teams.id"))
    joined_on: Mapped[date] = mapped_column(default=date.today)
    certified_on: Mapped[date | None]
    is_active_account: Mapped[bool] = mapped_column(default=True)
    must_change_password: Mapped[bool] = mapped_column(default=True)
    # Bumped when the password changes or the account is deactivated, which invalidates
    # every session cookie issued before.
    session_epoch: Mapped[int] = mapped_column(default=0)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    team: Mapped[Team | None] = relationship(back_populates="members")

    @property
    def role_enum(self) -> Role:
        return Role(self.role)

    @property
    def is_active(self) -> bool:
        return self.is_active_account

    @property
    def sees_all_teams(self) -> bool:
        return self.role_enum in ALL_TEAMS

    def get_id(self) -> str:
        return f"{self.id}.{self.session_epoch}"

    def set_password(self, password: str) -> None:
        self.password_hash = generate_password_hash(
            password, method=current_app.config["PASSWORD_HASH_METHOD"]
        )
        self.end_sessions()

    def end_sessions(self) -> None:
        self.session_epoch = (self.session_epoch or 0) + 1

    def check_password(self, password: str) -> bool:
        return check_password_hash(self.password_hash, password)
