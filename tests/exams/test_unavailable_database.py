"""A locked or unreachable database makes a request fail as "retry later" (503), never as a
broken server (500): the exam page keeps its answers and tries again, and the retry lands."""

import sqlite3

import psycopg
import pytest
from sqlalchemy.exc import OperationalError

from tests.exams.test_exam_flow import make_exam, right_answers, start
from trainer.accounts.models import utcnow
from trainer.exams import service
from trainer.extensions import db

LOCKED = OperationalError("BEGIN IMMEDIATE", {}, sqlite3.OperationalError("database is locked"))
REFUSED = OperationalError(
    "SELECT 1", {}, psycopg.OperationalError("connection failed: Connection refused"))
DROPPED = OperationalError(
    "UPDATE attempts", {}, psycopg.OperationalError("server closed the connection unexpectedly"),
    connection_invalidated=True)


@pytest.fixture
def attempt(agent_client, small_content):
    exam = make_exam(utcnow().strftime("%Y-%m"), blueprint=[{"count": 15, "category": "sales"}])
    return start(agent_client, exam)


def failing(error):
    def fail(*args, **kwargs):
        raise error

    return fail


@pytest.mark.parametrize("error", [LOCKED, REFUSED, DROPPED], ids=["locked", "refused",
                                                                   "dropped"])
def test_an_autosave_the_database_cannot_take_asks_for_a_retry_that_lands(
        agent_client, attempt, monkeypatch, error):
    right = right_answers(attempt)
    payload = {"answers": {"0": right["0"], "1": right["1"]}}
    with monkeypatch.context() as patch:
        patch.setattr(service, "save_to", failing(error))
        reply = agent_client.post(f"/attempts/{attempt.id}/answers", json=payload)
    assert reply.status_code == 503
    assert reply.json["retry"] is True and "繁忙" in reply.json["error"]
    assert int(reply.headers["Retry-After"]) > 0
    db.session.refresh(attempt)
    assert attempt.answers == []

    again = agent_client.post(f"/attempts/{attempt.id}/answers", json=payload)
    assert again.status_code == 200 and again.json["saved"] == 2
    db.session.refresh(attempt)
    assert sorted(a.position for a in attempt.answers) == [0, 1]


def test_the_clock_asked_for_json_gets_json(agent_client, attempt, monkeypatch):
    monkeypatch.setattr(service, "remaining_seconds", failing(LOCKED))
    reply = agent_client.get(f"/attempts/{attempt.id}/clock",
                             headers={"Accept": "application/json"})
    assert reply.status_code == 503 and reply.json["retry"] is True


def test_a_hand_in_the_database_cannot_take_gets_a_page_and_the_retry_grades_once(
        agent_client, attempt, monkeypatch):
    with monkeypatch.context() as patch:
        patch.setattr(service, "submit", failing(DROPPED))
        reply = agent_client.post(f"/attempts/{attempt.id}/submit",
                                  headers={"Accept": "text/html,*/*;q=0.8"})
    assert reply.status_code == 503 and reply.mimetype == "text/html"
    assert "服务器繁忙,请稍后重试;已自动保存的答案不会丢失" in reply.text
    assert "Retry-After" in reply.headers
    db.session.refresh(attempt)
    assert not attempt.is_submitted

    again = agent_client.post(f"/attempts/{attempt.id}/submit")
    assert again.status_code == 302 and again.location.endswith("/result")
    db.session.refresh(attempt)
    assert attempt.is_submitted


def test_a_page_is_served_even_when_signing_in_the_user_failed(app, agent_client, attempt,
                                                             monkeypatch):
    """The session's user is loaded before the view: the 503 page must not load it again."""
    monkeypatch.setattr(app.login_manager, "_user_callback", failing(REFUSED))
    reply = agent_client.get(f"/attempts/{attempt.id}", headers={"Accept": "text/html"})
    assert reply.status_code == 503 and "服务器繁忙" in reply.text


def test_a_wrong_statement_is_still_a_server_error(app, agent_client, attempt, monkeypatch):
    """SQLite reports a missing table as OperationalError too: a bug, not a busy database."""
    monkeypatch.setitem(app.config, "PROPAGATE_EXCEPTIONS", False)
    missing = OperationalError("SELECT x FROM nope", {},
                               sqlite3.OperationalError("no such table: nope"))
    monkeypatch.setattr(service, "save_to", failing(missing))
    reply = agent_client.post(f"/attempts/{attempt.id}/answers", json={"answers": {"0": [0]}})
    assert reply.status_code == 500 and "Retry-After" not in reply.headers
