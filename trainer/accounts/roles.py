"""Roles and what each may reach. Pure: no Flask, no database."""

from enum import StrEnum


class Role(StrEnum):
    AGENT = "agent"
    LEAD = "lead"
    MANAGER = "manager"
    ADMIN = "admin"

    @property
    def label(self) -> str:
        return ROLE_LABELS[self]


ROLE_LABELS = {
    Role.AGENT: "客服",
    Role.LEAD: "客服组长",
    Role.MANAGER: "客服主管",
    Role.ADMIN: "管理员",
}

# Who may see results beyond their own.
STAFF = frozenset({Role.LEAD, Role.MANAGER, Role.ADMIN})
ALL_TEAMS = frozenset({Role.MANAGER, Role.ADMIN})
