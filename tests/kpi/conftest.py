import pytest

from tests.conftest import make_teams


@pytest.fixture
def teams(app):
    return make_teams("北区", "南区")
