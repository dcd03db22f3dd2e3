"""Several gunicorn workers writing at once: no "database is locked", no lost answer."""

import re
import threading
from concurrent.futures import ThreadPoolExecutor

import pytest
from sqlalchemy import bindparam, text

from tests.e2e.http import Session, paper_answers

pytestmark = pytest.mark.e2e
AGENTS = [f"agent{n:02d}" for n in range(1, 11)]
SAVES = 15


def test_concurrent_autosaves_from_many_agents_all_land(live_server):
    live_server.flask("seed-demo")
    with live_server.engine.connect() as conn:
        exam_id = conn.execute(text(
            "SELECT id FROM exams ORDER BY opens_at DESC LIMIT 1")).scalar_one()

    def sit(username):
        session = Session(live_server.base)
        session.log_in(username, "demo1234")
        status, _ = session.post_form(f"/exams/{exam_id}/start", {})
        assert status == 200
        attempt = int(re.search(r"/attempts/(\d+)", session.last_url).group(1))
        _, page = session.get(f"/attempts/{attempt}")
        answers = paper_answers(page, 0)
        statuses = [
            session.post_json(f"/attempts/{attempt}/answers",
                              {"answers": {str(n): answers[str(n)]}})[0]
            for n in range(SAVES)
        ]
        return attempt, statuses

    with ThreadPoolExecutor(max_workers=len(AGENTS)) as pool:
        results = list(pool.map(sit, AGENTS))
    assert [s for _, statuses in results for s in statuses] == [200] * len(AGENTS) * SAVES
    query = text("SELECT count(*) FROM answers WHERE attempt_id IN :ids").bindparams(
        bindparam("ids", expanding=True))
    with live_server.engine.connect() as conn:
        saved = conn.execute(query, {"ids": [a for a, _ in results]}).scalar_one()
    assert saved == len(AGENTS) * SAVES


def test_concurrent_starts_and_submits_of_one_agent_give_one_attempt(live_server):
    """Double clicks, retries and several tabs: the unique constraints and the conditional
    submit make exactly one attempt and one hand-in, whichever worker takes which request."""
    live_server.flask("seed-demo")
    with live_server.engine.connect() as conn:
        exam_id = conn.execute(text(
            "SELECT id FROM exams ORDER BY opens_at DESC LIMIT 1")).scalar_one()
    tabs = [Session(live_server.base) for _ in range(6)]
    for tab in tabs:
        tab.log_in("agent05", "demo1234")
    barrier = threading.Barrier(len(tabs))

    def start(tab):
        barrier.wait()
        status, _ = tab.post_form(f"/exams/{exam_id}/start", {})
        return status, int(re.search(r"/attempts/(\d+)", tab.last_url).group(1))

    with ThreadPoolExecutor(max_workers=len(tabs)) as pool:
        started = list(pool.map(start, tabs))
    assert {status for status, _ in started} == {200}
    assert len({attempt for _, attempt in started}) == 1
    attempt = started[0][1]
    _, page = tabs[0].get(f"/attempts/{attempt}")
    answers = paper_answers(page, 0)
    assert tabs[0].post_json(f"/attempts/{attempt}/answers", {"answers": answers})[0] == 200

    def submit(tab):
        barrier.wait()
        return tab.post_form(f"/attempts/{attempt}/submit", {})[0]

    with ThreadPoolExecutor(max_workers=len(tabs)) as pool:
        assert set(pool.map(submit, tabs)) == {200}
    with live_server.engine.connect() as conn:
        attempts = conn.execute(text(
            "SELECT a.id, a.submitted_at FROM attempts a JOIN papers p ON p.id = a.paper_id "
            "JOIN users u ON u.id = p.user_id WHERE u.username = 'agent05' AND p.exam_id = :e"),
            {"e": exam_id}).all()
        answers_saved = conn.execute(text(
            "SELECT count(*), count(DISTINCT position) FROM answers WHERE attempt_id = :a"),
            {"a": attempt}).one()
        submissions = conn.execute(text(
            "SELECT count(*) FROM audit_events WHERE target = :t AND action = 'attempt.graded'"),
            {"t": f"attempt:{attempt}"}).scalar_one()
    assert len(attempts) == 1 and attempts[0].submitted_at is not None
    assert answers_saved == (50, 50)
    assert submissions <= 1
