import pytest

from tests.conftest import login
from trainer.accounts.roles import Role


@pytest.fixture
def agent(make_user):
    return make_user(Role.AGENT)


@pytest.fixture
def agent_client(client, agent):
    login(client, agent.username)
    return client
