"""Exam day when things fail: a gunicorn worker killed in the middle of the hand-in burst, a
database locked or out of reach for a few seconds, a browser offline for two minutes. No
acknowledged answer is lost, every paper is graded exactly once, and the page says what is
happening while it retries."""

import http.client
import json
import os
import re
import signal
import socket
import sqlite3
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager, suppress
from dataclasses import dataclass, field

import pytest
from sqlalchemy import bindparam, make_url, text

from tests.e2e.conftest import start_gunicorn
from tests.e2e.http import Session
from tests.e2e.keys import TYPED, answer, attempt_keys
from tests.e2e.pages import log_in
from trainer.exams.service import to_original

pytestmark = pytest.mark.e2e
AGENTS = [f"agent{n:02d}" for n in range(1, 19)]
PASSWORD = "demo1234"
OPTION = re.compile(r'id="q(\d+)-(\d+)"')
QUESTION = re.compile(r'data-position="(\d+)" data-qtype="(\w+)"')
GIVE_UP_SECONDS = 90
PENDING = """id => {
  const draft = JSON.parse(localStorage.getItem('exam-draft:' + id) || '{"answers": {}}');
  return Object.values(draft.answers).filter(e => e.pending).length;
}"""


def decoded(value):
    """SQLite hands JSON columns back as text."""
    return json.loads(value) if isinstance(value, str) else value


def current_exam(engine) -> int:
    with engine.connect() as conn:
        return conn.execute(text(
            "SELECT id FROM exams ORDER BY opens_at DESC LIMIT 1")).scalar_one()


@contextmanager
def serving(live_server, tmp_path, **env):
    """A gunicorn of our own on the live server's database, with `env` on top of its own."""
    server, base, log = start_gunicorn({**live_server.env, **env}, tmp_path / "faults.log")
    try:
        yield server, base
    finally:
        server.terminate()
        server.wait(timeout=10)
        log.close()


# A worker killed in the middle of the hand-in burst -----------------------------------------

def wrong_answers(page: str, keys: list[list[str]]) -> dict[str, list]:
    """A wrong answer (what the autosave sends) for every question a rule marks; written
    replies left blank, so that each paper is graded at once, and graded 0 (below the pass
    line: exactly one ledger deduction per agent)."""
    options = {}
    for position, index in OPTION.findall(page):
        options.setdefault(position, []).append(int(index))
    answers = {}
    for position, qtype in QUESTION.findall(page):
        key = keys[int(position)]
        if not key:
            continue  # a written reply, marked by a lead
        if key[0].startswith(TYPED):
            answers[position] = ["不知道"]
        elif qtype == "truefalse":
            answers[position] = [key != ["true"]]
        else:
            right = {int(k) for k in key}
            wrong = next(i for i in options[position] if i not in right)
            answers[position] = [wrong] if len(right) == 1 else [wrong, min(right)]
    return answers


@dataclass
class Agent:
    """An agent's client: retries, as the exam page does, whatever fails at the connection
    or comes back 5xx, and keeps what the server acknowledged."""

    base: str
    username: str
    session: Session = None
    attempt: int = 0
    keys: list = None
    given: dict = field(default_factory=dict)  # acknowledged answers, by position
    dropped: int = 0  # requests that got no HTTP response at all
    busy: int = 0  # 5xx replies

    def call(self, send) -> tuple[int, str]:
        deadline = time.monotonic() + GIVE_UP_SECONDS
        while True:
            assert time.monotonic() < deadline, f"{self.username}: the server never recovered"
            try:
                status, body = send()
            except (OSError, http.client.HTTPException):
                self.dropped += 1
            else:
                if status < 500:
                    return status, body
                self.busy += 1
            time.sleep(0.3)

    def sit_down(self, engine, exam_id: int) -> None:
        self.session = Session(self.base)
        self.session.log_in(self.username, PASSWORD)
        self.call(lambda: self.session.post_form(f"/exams/{exam_id}/start", {}))
        self.attempt = int(re.search(r"/attempts/(\d+)", self.session.last_url).group(1))
        _, page = self.call(lambda: self.session.get(f"/attempts/{self.attempt}"))
        self.keys = attempt_keys(engine, self.attempt)
        self.save(wrong_answers(page, self.keys))

    def save(self, answers: dict[str, list]) -> None:
        status, _ = self.call(lambda: self.session.post_json(
            f"/attempts/{self.attempt}/answers", {"answers": answers}))
        assert status == 200, (self.username, status)
        self.given.update(answers)

    def finish(self) -> None:
        """The last changes, then the hand-in, retried until the result page comes back."""
        changed = {p: ["再想想"] if isinstance(v[0], str) else v
                   for p, v in list(self.given.items())[:5]}
        self.save(changed)
        status, _ = self.call(lambda: self.session.post_form(
            f"/attempts/{self.attempt}/submit", {}))
        assert status == 200 and self.session.last_url.endswith(
            f"/attempts/{self.attempt}/result"), (self.username, status)


@contextmanager
def sqlite_locked(path: str):
    """No other connection reads or writes the SQLite file meanwhile."""
    conn = sqlite3.connect(path, isolation_level=None)
    conn.execute("BEGIN EXCLUSIVE")
    try:
        yield
    finally:
        conn.rollback()
        conn.close()


@contextmanager
def writes_held(live_server):
    """Every write waits inside the server: SQLite's write lock, or on PostgreSQL the
    attempts table (every autosave and hand-in locks its attempt's row)."""
    if live_server.backend == "sqlite":
        with sqlite_locked(make_url(live_server.env["DATABASE_URL"]).database):
            yield
    else:
        with live_server.engine.connect() as conn:
            conn.execute(text("LOCK TABLE attempts IN EXCLUSIVE MODE"))
            yield
            conn.rollback()


def workers(master: int) -> list[int]:
    with open(f"/proc/{master}/task/{master}/children") as children:
        return [int(pid) for pid in children.read().split()]


def serving_a_request(pid: int, port: int) -> bool:
    """Whether the process holds an accepted connection to `port` (a sync worker has one
    only while it serves a request)."""
    sockets = set()
    for fd in os.listdir(f"/proc/{pid}/fd"):
        try:
            sockets.add(os.readlink(f"/proc/{pid}/fd/{fd}"))
        except FileNotFoundError:
            continue
    with open("/proc/net/tcp") as table:
        for line in table.readlines()[1:]:
            fields = line.split()
            local_port, state, inode = int(fields[1].split(":")[1], 16), fields[3], fields[9]
            if state == "01" and local_port == port and f"socket:[{inode}]" in sockets:
                return True
    return False


def test_a_worker_killed_mid_burst_loses_no_answer_and_grades_each_paper_once(live_server,
                                                                              tmp_path):
    live_server.flask("seed-demo")
    exam_id = current_exam(live_server.engine)
    with serving(live_server, tmp_path) as (master, base):
        port = int(base.rsplit(":", 1)[1])
        agents = [Agent(base, name) for name in AGENTS]
        with ThreadPoolExecutor(max_workers=len(agents)) as pool:
            list(pool.map(lambda a: a.sit_down(live_server.engine, exam_id), agents))
            before = workers(master.pid)
            assert len(before) == 2
            # The burst arrives while writes wait, so that the worker is killed while it
            # holds a request it has not answered: the kill lands mid-request every time.
            with writes_held(live_server):
                burst = [pool.submit(agent.finish) for agent in agents]
                deadline = time.monotonic() + 20
                while not (busy := [p for p in before if serving_a_request(p, port)]):
                    assert time.monotonic() < deadline, "no worker took a request"
                    time.sleep(0.05)
                os.kill(busy[0], signal.SIGKILL)
            for done in burst:
                done.result()
        deadline = time.monotonic() + 20
        while len(respawned := workers(master.pid)) < 2:
            assert time.monotonic() < deadline, "gunicorn did not replace the killed worker"
            time.sleep(0.1)
        assert busy[0] not in respawned

    assert sum(a.dropped for a in agents) >= 1  # the killed worker's client saw it go
    ids = [a.attempt for a in agents]
    with live_server.engine.connect() as conn:
        stored = conn.execute(text(
            "SELECT a.attempt_id, a.position, a.response FROM answers a "
            "WHERE a.attempt_id IN :ids").bindparams(bindparam("ids", expanding=True)),
            {"ids": ids}).all()
        papers = dict(conn.execute(text(
            "SELECT a.id, p.items FROM attempts a JOIN papers p ON p.id = a.paper_id "
            "WHERE a.id IN :ids").bindparams(bindparam("ids", expanding=True)), {"ids": ids}).all())
        qtypes = dict(conn.execute(text(
            "SELECT v.id, q.qtype FROM question_versions v "
            "JOIN questions q ON q.id = v.question_id")).all())
        submitted = conn.execute(text(
            "SELECT count(*) FROM attempts WHERE submitted_at IS NOT NULL AND score IS NOT NULL "
            "AND id IN :ids").bindparams(bindparam("ids", expanding=True)),
            {"ids": ids}).scalar_one()
        graded = dict(conn.execute(text(
            "SELECT target, count(*) FROM audit_events WHERE action = 'attempt.graded' "
            "GROUP BY target")).all())
        ledger = dict(conn.execute(text(
            "SELECT u.username, count(*) FROM ledger_items l JOIN users u ON u.id = l.user_id "
            "WHERE l.source IN :sources GROUP BY u.username").bindparams(
                bindparam("sources", expanding=True)),
            {"sources": [f"attempt:{i}" for i in ids]}).all())

    responses = {(attempt, position): decoded(response)
                 for attempt, position, response in stored}
    for agent in agents:
        items = decoded(papers[agent.attempt])
        for position, value in agent.given.items():
            item = items[int(position)]
            expected = to_original(value, item["option_order"], qtypes[item["version_id"]])
            assert responses[agent.attempt, int(position)] == expected, (agent.username, position)
    assert submitted == len(agents)
    assert [graded.get(f"attempt:{a.attempt}") for a in agents] == [1] * len(agents)
    assert ledger == {agent.username: 1 for agent in agents}


# The database briefly locked or out of reach ---------------------------------------------------

class Proxy:
    """A TCP relay between the server and PostgreSQL that can be cut: open connections
    dropped, new ones refused, as when the database restarts or the network between fails."""

    def __init__(self, host: str, port: int):
        self.target = (host, port)
        self.listener = socket.create_server(("127.0.0.1", 0))
        self.port = self.listener.getsockname()[1]
        self.listener.settimeout(0.1)
        self.up = True
        self.links: list[socket.socket] = []
        self.running = True
        self.thread = threading.Thread(target=self._accept, daemon=True)
        self.thread.start()

    def _accept(self) -> None:
        while self.running:
            try:
                client, _ = self.listener.accept()
            except TimeoutError:
                continue
            if not self.up:
                client.close()
                continue
            upstream = socket.create_connection(self.target)
            self.links += [client, upstream]
            for source, sink in ((client, upstream), (upstream, client)):
                threading.Thread(target=self._pump, args=(source, sink), daemon=True).start()

    @staticmethod
    def _pump(source: socket.socket, sink: socket.socket) -> None:
        with suppress(OSError):
            while chunk := source.recv(65536):
                sink.sendall(chunk)
        Proxy._drop([source, sink])

    @staticmethod
    def _drop(ends: list[socket.socket]) -> None:
        for end in ends:
            with suppress(OSError):
                end.shutdown(socket.SHUT_RDWR)

    def cut(self) -> None:
        self.up = False
        self._drop(self.links)
        self.links = []

    def restore(self) -> None:
        self.up = True

    def close(self) -> None:
        self.running = False
        self.thread.join()
        self.cut()
        self.listener.close()


def state(page) -> str:
    return page.get_attribute("[data-save-status]", "data-state")


def wait_for_state(page, wanted: str, timeout=20000) -> None:
    page.wait_for_function(
        f"document.querySelector('[data-save-status]').dataset.state === '{wanted}'",
        timeout=timeout)


def open_exam(page, base, exam_id, username) -> int:
    log_in(page, base, username, PASSWORD)
    page.wait_for_url("**/me")
    page.goto(f"{base}/exams/{exam_id}")
    page.click("[data-start]")
    page.wait_for_url(re.compile(r".*/attempts/\d+$"))
    return int(page.url.rsplit("/", 1)[1])


def saved_positions(engine, attempt_id) -> set[int]:
    with engine.connect() as conn:
        return set(conn.execute(text("SELECT position FROM answers WHERE attempt_id = :id"),
                                {"id": attempt_id}).scalars())


def settled(page, attempt_id) -> None:
    page.wait_for_function(
        f"({PENDING})({attempt_id}) === 0 && "
        "document.querySelector('[data-save-status]').dataset.state === 'saved'",
        timeout=30000)


def graded_once(engine, attempt_id) -> bool:
    with engine.connect() as conn:
        return conn.execute(text(
            "SELECT count(*) FROM audit_events WHERE action = 'attempt.graded' "
            "AND target = :t"), {"t": f"attempt:{attempt_id}"}).scalar_one() == 1


def test_a_database_out_of_reach_for_seconds_delays_saving_and_handing_in(live_server,
                                                                         browser, tmp_path):
    live_server.flask("seed-demo")
    exam_id = current_exam(live_server.engine)
    proxy = None
    if live_server.backend == "sqlite":
        # The write lock is given up on after 0.3 s instead of 15: a 503 at once.
        env = {"SQLITE_BUSY_TIMEOUT_MS": "300"}
        path = make_url(live_server.env["DATABASE_URL"]).database

        def outage():
            return sqlite_locked(path)
    else:
        url = make_url(live_server.env["DATABASE_URL"])
        proxy = Proxy(url.host or "127.0.0.1", url.port or 5432)
        env = {"DATABASE_URL": url.set(host="127.0.0.1", port=proxy.port)
               .render_as_string(hide_password=False)}

        @contextmanager
        def outage():
            proxy.cut()
            try:
                yield
            finally:
                proxy.restore()

    engine = live_server.engine
    try:
        with serving(live_server, tmp_path, **env) as (_, base):
            context = browser.new_context(locale="zh-CN")
            page = context.new_page()
            attempt_id = open_exam(page, base, exam_id, "agent01")
            keys = attempt_keys(engine, attempt_id)
            todo = [p for p, k in enumerate(keys) if k]
            answer(page, keys, only=todo[:3])
            settled(page, attempt_id)

            # Answers given while the database is out of reach stay on the page, which says
            # the server is busy and keeps trying...
            refused = []
            page.on("response", lambda reply: refused.append(reply.url)
                    if reply.status == 503 else None)
            with outage():
                answer(page, keys, only=todo[3:8])
                wait_for_state(page, "busy")
                assert page.inner_text("[data-save-status]") == "服务器繁忙,正在重试…"
                page.wait_for_function(f"({PENDING})({attempt_id}) > 0")
                # A retry, refused as well (the page honours Retry-After: seconds apart).
                deadline = time.monotonic() + 20
                while sum(url.endswith("/answers") for url in refused) < 2:
                    assert time.monotonic() < deadline, "the page did not retry"
                    page.wait_for_timeout(200)
                wait_for_state(page, "busy")
                assert not set(todo[3:8]) & saved_positions(engine, attempt_id)
            # ...and saves them once it is back.
            settled(page, attempt_id)
            assert set(todo[:8]) <= saved_positions(engine, attempt_id)

            # The hand-in meets the same outage: the page says so and hands in on its own.
            answer(page, keys, only=todo[8:])
            settled(page, attempt_id)
            page.click("form [data-submit]")
            page.wait_for_selector("#submit-dialog.show [data-confirm-submit]")
            with outage():
                page.click("[data-confirm-submit]")
                wait_for_state(page, "interrupted")
                assert page.inner_text("[data-save-status]") == "交卷中断,正在重试…"
                assert "/attempts/" in page.url and not page.url.endswith("/result")
            page.wait_for_url(f"**/attempts/{attempt_id}/result", timeout=30000)
            assert any(url.endswith("/submit") for url in refused)  # 503, not a 500
            expected = round(100 * len(todo) / len(keys), 1)
            assert page.inner_text("[data-score]") == f"{expected:.1f}"
            assert graded_once(engine, attempt_id)
            context.close()
    finally:
        if proxy:
            proxy.close()


# Offline for two minutes -------------------------------------------------------------------

def test_two_minutes_offline_before_the_deadline_lose_nothing(live_server, browser):
    live_server.flask("seed-demo")
    base, engine = live_server.base, live_server.engine
    exam_id = current_exam(engine)
    context = browser.new_context(locale="zh-CN")
    page = context.new_page()
    # The page's timers (autosave retries, the clock poll, the countdown) live through two
    # minutes of fake time; the server's clock is real, so the exam is still open.
    page.clock.install()
    attempt_id = open_exam(page, base, exam_id, "agent02")
    keys = attempt_keys(engine, attempt_id)
    todo = [p for p, k in enumerate(keys) if k]
    online, offline = todo[: len(todo) // 2], todo[len(todo) // 2:]
    answer(page, keys, only=online)
    settled(page, attempt_id)
    minutes_left = int(page.inner_text("[data-timer]").split(":")[0])

    failed = []
    page.on("requestfailed", lambda request: failed.append(request.url))
    context.set_offline(True)
    answer(page, keys, only=offline)
    wait_for_state(page, "offline")
    for _ in range(8):  # 2:00 in steps, so that each failed request is retried in turn
        page.clock.run_for("00:15")
        page.wait_for_timeout(100)
    assert state(page) == "offline"
    assert page.evaluate(f"({PENDING})({attempt_id})") == len(offline)
    assert any(url.endswith("/clock") for url in failed)  # the clock poll went unanswered
    assert sum(url.endswith("/answers") for url in failed) >= 2  # and so did a retry
    assert int(page.inner_text("[data-timer]").split(":")[0]) <= minutes_left - 2
    assert not set(offline) & saved_positions(engine, attempt_id)

    context.set_offline(False)
    settled(page, attempt_id)
    assert set(todo) == saved_positions(engine, attempt_id)
    # The countdown follows the server again: two minutes did not pass there.
    assert int(page.inner_text("[data-timer]").split(":")[0]) >= minutes_left - 1

    page.click("form [data-submit]")
    page.wait_for_selector("#submit-dialog.show [data-confirm-submit]")
    page.click("[data-confirm-submit]")
    page.wait_for_url(f"**/attempts/{attempt_id}/result")
    expected = round(100 * len(todo) / len(keys), 1)
    assert page.inner_text("[data-score]") == f"{expected:.1f}"
    assert graded_once(engine, attempt_id)
    context.close()
