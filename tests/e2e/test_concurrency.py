"""Several gunicorn workers writing at once: no "database is locked", no lost answer."""

import re
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
