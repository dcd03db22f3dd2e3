from datetime import date, timedelta

import pytest

from tests.conftest import login, make_teams
from trainer.accounts.models import utcnow
from trainer.accounts.roles import Role
from trainer.clock import to_local


def last_month() -> str:
    """A month that has ended, so that it may be published now."""
    first = to_local(utcnow()).date().replace(day=1)
    return (first - timedelta(days=1)).strftime("%Y-%m")


def day_in(month: str, day: int = 8) -> date:
    year, number = (int(p) for p in month.split("-"))
    return date(year, number, day)


@pytest.fixture
def month():
    return last_month()


@pytest.fixture
def teams(app):
    return make_teams("红队", "蓝队")


@pytest.fixture
def agent(make_user, teams):
    return make_user(Role.AGENT, team=teams[0], username="xiaoli", display_name="小李")


@pytest.fixture
def other_agent(make_user, teams):
    return make_user(Role.AGENT, team=teams[1], username="xiaowang", display_name="小王")


@pytest.fixture
def lead(make_user, teams):
    return make_user(Role.LEAD, team=teams[0], username="zuzhang", display_name="张组长")


@pytest.fixture
def manager(make_user):
    return make_user(Role.MANAGER, username="zhuguan", display_name="王主管")


def client_for(app, user):
    client = app.test_client()
    login(client, user.username)
    return client
