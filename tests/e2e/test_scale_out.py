"""Scaling out: two app instances (separate gunicorns on their own ports) on one PostgreSQL
database and one Redis behave as one site. An agent may land on either for any request
without losing a session, an answer or a grade, and guessing a password gets the same few
tries in all, not a few per instance."""

import json
import os
import re
import secrets
import socket
from uuid import uuid4

import pytest
from sqlalchemy import create_engine, text

from tests.e2e.conftest import LiveServer, fresh_database, start_gunicorn
from tests.e2e.http import Session, paper_answers
from tests.e2e.keys import TYPED, attempt_keys
from trainer.exams.service import to_original

pytestmark = pytest.mark.e2e
REDIS = ("127.0.0.1", 6379)
PASSWORD = "demo1234"
OPTION = re.compile(r'id="q(\d+)-(\d+)"')
CHECKED = re.compile(r'id="q(\d+)-(\w+)" value="\w+" checked')
FILLED = re.compile(r'id="t(\d+)" value="([^"]+)"')
SCORE = re.compile(r"data-score>([\d.]+)<")


@pytest.fixture(scope="module")
def instances(tmp_path_factory):
    """Instances A and B, sharing the database, the secret key and the rate limit counts."""
    backend = os.environ.get("TEST_DATABASE_URL", "")
    if not backend.startswith("postgresql"):
        pytest.skip("TEST_DATABASE_URL (PostgreSQL) not set")
    try:
        socket.create_connection(REDIS, timeout=1).close()
    except OSError:
        pytest.skip("Redis not reachable at 127.0.0.1:6379")
    tmp = tmp_path_factory.mktemp("scale-out")
    url = fresh_database(backend, tmp)
    env = {**os.environ, "TRAINER_ENV": "development", "DATABASE_URL": url,
           "TRAINER_INSTANCE": str(tmp), "SECRET_KEY": secrets.token_hex(32),
           "RATELIMIT_STORAGE_URI": "redis://127.0.0.1:6379/15",
           "RATELIMIT_KEY_PREFIX": f"scaleout-{uuid4().hex}", "RATELIMIT_LOGIN": "3 per minute"}
    setup = LiveServer("", None, "postgresql", env)
    setup.flask("init-db")
    setup.flask("seed-demo")
    servers = []
    engine = create_engine(url)
    try:
        for name in ("a", "b"):
            servers.append(start_gunicorn(env, tmp / f"{name}.log"))
        yield [base for _, base, _ in servers], engine
    finally:
        engine.dispose()
        for server, _, log in servers:
            server.terminate()
            server.wait(timeout=10)
            log.close()


def right_answers(keys: list[list[str]]) -> dict[str, list]:
    """The key of every question a rule marks, as the page sends it."""
    answers = {}
    for position, key in enumerate(keys):
        if not key:
            continue  # a written reply: left blank, so that the paper is graded at hand-in
        if key[0].startswith(TYPED):
            answers[str(position)] = [key[0].removeprefix(TYPED)]
        elif key[0] in ("true", "false"):
            answers[str(position)] = [key == ["true"]]
        else:
            answers[str(position)] = [int(k) for k in key]
    return answers


def wrong_answers(page: str, keys: list[list[str]]) -> dict[str, list]:
    """A wrong answer to every question a rule marks: a paper graded 0."""
    answers = right_answers(keys)
    for position, right in answers.items():
        if isinstance(right[0], str):
            answers[position] = ["不知道"]
        elif isinstance(right[0], bool):
            answers[position] = [not right[0]]
        else:
            options = [int(i) for p, i in OPTION.findall(page) if p == position]
            answers[position] = [next(i for i in options if i not in right)]
    return answers


def shown(page: str) -> dict[str, list]:
    """The answers a paper page shows as given, in the autosave's terms."""
    answers = {}
    for position, value in CHECKED.findall(page):
        answers.setdefault(position, []).append(
            value == "true" if value in ("true", "false") else int(value))
    answers.update({position: [typed] for position, typed in FILLED.findall(page)})
    return answers


def test_an_agent_hops_between_instances(instances):
    (a, b), engine = instances
    with engine.connect() as conn:
        exam_id = conn.execute(text(
            "SELECT id FROM exams ORDER BY opens_at DESC LIMIT 1")).scalar_one()
    agent = Session(a)
    agent.log_in("agent01", PASSWORD)
    agent.base = b  # the same cookie: signed in on B as well
    assert agent.post_form(f"/exams/{exam_id}/start", {})[0] == 200
    attempt = int(re.search(r"/attempts/(\d+)$", agent.last_url).group(1))
    agent.base = a
    _, page = agent.get(f"/attempts/{attempt}")
    keys = attempt_keys(engine, attempt)
    marked = right_answers(keys)
    drafts = [marked, *({p: v for p, v in paper_answers(page, n).items() if p in marked}
                        for n in (1, 2)), wrong_answers(page, keys)]
    for n, answers in enumerate(drafts):
        agent.base = (a, b)[n % 2]
        status, body = agent.post_json(f"/attempts/{attempt}/answers", {"answers": answers})
        assert (status, json.loads(body)["saved"]) == (200, len(answers))
    last = drafts[-1]

    agent.base = a  # the last save went to B
    assert shown(agent.get(f"/attempts/{attempt}")[1]) == last
    agent.base = b
    assert agent.post_form(f"/attempts/{attempt}/submit", {})[0] == 200
    agent.base = a
    status, result = agent.get(f"/attempts/{attempt}/result")
    assert status == 200 and SCORE.search(result).group(1) == "0.0"

    with engine.connect() as conn:
        stored = dict(conn.execute(text(
            "SELECT position, response FROM answers WHERE attempt_id = :a"),
            {"a": attempt}).all())
        items = conn.execute(text(
            "SELECT p.items FROM papers p JOIN attempts a ON a.paper_id = p.id "
            "WHERE a.id = :a"), {"a": attempt}).scalar_one()
        qtypes = dict(conn.execute(text(
            "SELECT v.id, q.qtype FROM question_versions v "
            "JOIN questions q ON q.id = v.question_id")).all())
        graded, ledger = conn.execute(text(
            "SELECT (SELECT count(*) FROM audit_events WHERE action = 'attempt.graded' "
            "AND target = :t), (SELECT count(*) FROM ledger_items WHERE source = :t)"),
            {"t": f"attempt:{attempt}"}).one()
    expected = {}
    for position, value in last.items():
        item = items[int(position)]
        expected[int(position)] = to_original(value, item["option_order"],
                                              qtypes[item["version_id"]])
    assert {p: stored[p] for p in expected} == expected
    assert (graded, ledger) == (1, 1)  # graded once, one below-the-pass-line deduction


def test_login_failures_count_once_across_instances(instances):
    (a, b), _ = instances
    guesser = Session(a)
    guesser.get("/login")

    def guess(base: str, username: str) -> tuple[int, str]:
        guesser.base = base
        return guesser.post_form("/login", {"username": username, "password": "wrong-pass1"})

    tries = [guess(base, "zhangsan") for base in (a, b, a)]
    assert [status for status, _ in tries] == [200, 200, 200]
    assert all("用户名或密码错误" in page for _, page in tries)
    assert [guess(base, "zhangsan")[0] for base in (b, a)] == [429, 429]
    status, page = guess(b, "lisi")  # another account from the same address: not blocked
    assert status == 200 and "用户名或密码错误" in page
