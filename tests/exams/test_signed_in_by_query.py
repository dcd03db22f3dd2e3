"""The autosave and the clock check the sign-in in their own query (access.signed_in_by_query):
whoever asks, they turn the request away exactly as the exam page, which takes the usual
checks, does; and let through only the attempt's own agent, still signed in."""

import pytest

from tests.conftest import login
from tests.exams.test_exam_flow import make_exam, start
from trainer.accounts.roles import Role
from trainer.extensions import db


def deactivated(user):
    user.is_active_account = False


def signed_out_elsewhere(user):
    """A password change (or an admin's reset) ends the user's other sessions."""
    user.session_epoch += 1


def password_change_pending(user):
    user.must_change_password = True


def made_lead(user):
    user.role = Role.LEAD.value


def answer(reply) -> tuple[int, str]:
    """The status and where it sends the browser (its `next` names the request's own URL)."""
    return reply.status_code, (reply.location or "").partition("?")[0]


def lane_and_page(client, attempt_id: int) -> tuple[tuple, tuple, tuple]:
    return (answer(client.post(f"/attempts/{attempt_id}/answers", json={"answers": {}})),
            answer(client.get(f"/attempts/{attempt_id}/clock")),
            answer(client.get(f"/attempts/{attempt_id}")))


@pytest.fixture
def attempt(agent_client, bank):
    return start(agent_client, make_exam())


def test_the_attempts_own_agent_is_let_through(agent_client, attempt):
    saved, clock, page = lane_and_page(agent_client, attempt.id)
    assert saved[0] == clock[0] == page[0] == 200


@pytest.mark.parametrize("change", [deactivated, signed_out_elsewhere, password_change_pending,
                                    made_lead])
def test_a_changed_account_is_turned_away_as_the_page_turns_it_away(agent_client, agent,
                                                                    attempt, change):
    change(agent)
    db.session.commit()
    saved, clock, page = lane_and_page(agent_client, attempt.id)
    assert page[0] in (302, 403)
    assert saved == clock == page


def test_nobody_signed_in_is_sent_to_sign_in(app, attempt):
    saved, clock, page = lane_and_page(app.test_client(), attempt.id)
    assert page == (302, "/login")
    assert saved == clock == page


def test_another_agent_finds_nothing(app, attempt, make_user):
    other = app.test_client()
    login(other, make_user(Role.AGENT).username)
    saved, clock, page = lane_and_page(other, attempt.id)
    assert saved[0] == clock[0] == page[0] == 404
    assert lane_and_page(other, attempt.id + 1000)[:2] == ((404, ""), (404, ""))


def test_autosaves_and_clock_polls_leave_the_session_cookie_as_it_is(agent_client, attempt):
    """The sliding session is refreshed by the pages, not re-signed every few seconds."""
    page = agent_client.get(f"/attempts/{attempt.id}")
    assert "session=" in page.headers.get("Set-Cookie", "")
    for reply in (agent_client.post(f"/attempts/{attempt.id}/answers", json={"answers": {}}),
                  agent_client.get(f"/attempts/{attempt.id}/clock")):
        assert reply.status_code == 200 and "Set-Cookie" not in reply.headers
    assert agent_client.get(f"/attempts/{attempt.id}/clock").status_code == 200
