import csv
import io
from datetime import timedelta

import pytest

from tests.conftest import login
from trainer.accounts.models import Team, utcnow
from trainer.accounts.roles import Role
from trainer.clock import local_now
from trainer.extensions import db
from trainer.learning.models import ModuleProgress

pytestmark = pytest.mark.usefixtures("small_content")


def hire(make_user, team, joined_days_ago, modules_done=0, certified_after=None, **fields):
    today = local_now().date()
    joined = today - timedelta(days=joined_days_ago)
    certified = joined + timedelta(days=certified_after) if certified_after is not None else None
    user = make_user(Role.AGENT, team=team, joined_on=joined, certified_on=certified, **fields)
    for module_id in ("alpha", "beta")[:modules_done]:
        db.session.add(ModuleProgress(user_id=user.id, module_id=module_id,
                                      sections_reached=[], completed_at=utcnow()))
    db.session.commit()
    return user


@pytest.fixture
def teams(make_user):
    east, west = Team(name="售前一组"), Team(name="售后二组")
    db.session.add_all([east, west])
    db.session.commit()
    hire(make_user, east, 3, username="invited1")
    hire(make_user, east, 10, modules_done=1, username="studying1")
    hire(make_user, east, 30, modules_done=2, certified_after=8, username="cert8")
    hire(make_user, west, 40, modules_done=2, certified_after=12, username="cert12")
    hire(make_user, west, 300, modules_done=2, certified_after=10, username="veteran")
    return east, west


def test_manager_sees_the_funnel_and_days_to_certify(client, make_user, teams):
    login(client, make_user(Role.MANAGER).username)
    page = client.get("/reports/onboarding").text
    assert 'data-funnel="invited">4<' in page  # the veteran joined long before
    assert 'data-funnel="studying">3<' in page
    assert 'data-funnel="certified">2<' in page
    assert "data-median-days>10 天<" in page
    assert 'data-hire="studying1"' in page and 'data-hire="veteran"' not in page
    assert 'data-hire="veteran"' in client.get("/reports/onboarding?days=365").text


def test_lead_sees_only_their_team(client, make_user, teams):
    east, _ = teams
    login(client, make_user(Role.LEAD, team=east).username)
    page = client.get("/reports/onboarding").text
    assert 'data-funnel="invited">3<' in page and 'data-hire="cert12"' not in page
    assert "data-median-days>8 天<" in page


def test_uncertified_agents_count_however_long_ago_they_joined(client, make_user):
    hire(make_user, None, 500, username="stuck")
    login(client, make_user(Role.MANAGER).username)
    assert 'data-hire="stuck"' in client.get("/reports/onboarding?days=30").text


def test_agents_cannot_see_the_funnel(client, make_user):
    login(client, make_user(Role.AGENT).username)
    assert client.get("/reports/onboarding").status_code == 403


def test_empty_funnel(client, make_user):
    login(client, make_user(Role.MANAGER).username)
    assert "这段时间没有新入职的客服" in client.get("/reports/onboarding").text


def test_the_new_hires_table_exports_as_shown(client, make_user, teams):
    east, _ = teams
    login(client, make_user(Role.LEAD, team=east).username)
    response = client.get("/reports/onboarding?days=90&export=hires&format=csv")
    assert response.status_code == 200
    rows = list(csv.reader(io.StringIO(response.data.decode("utf-8-sig"))))
    assert rows[0][:3] == ["客服", "姓名", "团队"]
    by_user = {row[0]: row for row in rows[1:]}
    assert set(by_user) == {"invited1", "studying1", "cert8"}
    assert by_user["cert8"][5:] == ["已认证上岗", "2", "0", "8"]
    assert by_user["invited1"][-1] == ""
