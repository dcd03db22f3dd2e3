"""Exam day at scale: a whole department sits the monthly exam at once, against a baseline.

For each database (SQLite, PostgreSQL or both) the bench seeds a department of --agents
certified agents in teams of 20 with the month's exam open and every paper generated (as a
manager does the day before), then serves it with gunicorn (--workers workers of --threads
threads: sync workers at 1, gthread above; rate limiting on, behind a simulated proxy: each
agent's office address arrives in X-Forwarded-For), next to a save lane of --save-workers
workers that gets the autosaves and clock polls at a higher CPU priority (the main instance
runs at niceness --page-nice), as deploy/ runs them, and runs the day with one asyncio
coroutine per agent:

1. log in (bounded concurrency: scrypt is ~0.1 s of CPU a login), then wait for everyone;
2. start at once: POST /exams/<id>/start and the exam page it redirects to;
3. answer: 50 autosaves, one per think time, spread over the first 90 % of --minutes (some
   change an earlier answer or a flag; a failed save stays pending and goes with the next,
   as exam.js does), with the page's clock poll every 45 s;
4. hand in during the last 10 % of --minutes: the form with every answer, then the result.

Then, on the same server, closed loops of --clients clients for --saturate-seconds each on
autosave and on the exam page (extra agents, attempts still open), and the smallest Flask
app (bench/hello.py) on the same gunicorn settings as the baseline. Finally the database is
checked: every answer acknowledged is stored as sent, every attempt handed in once and
graded at most once (written replies wait for a lead's marking).

Prints one JSON block and a summary; exits 1 on any error or lost answer.

    .venv/bin/python bench/exam_day.py [--agents 2000] [--workers 4] [--threads 4] [--db both]
        [--minutes 10] [--saturate-seconds 15] [--clients 16] [--seed 1]
"""

import argparse
import asyncio
import json
import os
import random
import re
import secrets
import signal
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request
from collections import Counter, defaultdict
from collections.abc import Callable
from contextlib import ExitStack, contextmanager, suppress
from dataclasses import dataclass, field
from datetime import timedelta
from pathlib import Path
from urllib.parse import urlencode

import psycopg
from loadclient import Browser, Failed, Response, Stats, send
from sqlalchemy import select
from werkzeug.security import generate_password_hash

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from trainer import create_app  # noqa: E402
from trainer.accounts.models import Team, User, utcnow  # noqa: E402
from trainer.accounts.roles import Role  # noqa: E402
from trainer.assessment.models import AuditEvent  # noqa: E402
from trainer.clock import local_now  # noqa: E402
from trainer.exams import service  # noqa: E402
from trainer.exams.models import Answer, Attempt, Paper  # noqa: E402
from trainer.extensions import db  # noqa: E402
from trainer.questions.models import Question, QuestionVersion  # noqa: E402

PASSWORD = "Bench-exam-day-1"  # noqa: S105  (throwaway accounts in a throwaway database)
TEAM_SIZE = 20
OFFICES = 40  # NAT addresses the agents log in from, as the proxy reports them
SAVES = 50
SAVE_SHARE = 0.9  # of --minutes spent answering; hand-ins come in the rest
CLOCK_POLL = 45  # seconds, exam.js CLOCK_POLL_MS
# exam.js gives up on an autosave after 15 s and on a hand-in after 60 s; a browser waits
# for a page much longer, but two minutes is an error by any measure.
AUTOSAVE_TIMEOUT, SUBMIT_TIMEOUT, PAGE_TIMEOUT = 15, 60, 120
PG_ADMIN = "host=127.0.0.1 port=5432 user=postgres dbname=postgres"
PG_NAME = "bench_exam_day"
FORM = {"Content-Type": "application/x-www-form-urlencoded"}
JSON_HEADERS = {"Content-Type": "application/json", "Accept": "application/json"}

# What --save-workers sends to the save lane's own instance.
SAVE_LANE = re.compile(r"/attempts/\d+/(answers|clock)")
TOKEN = re.compile(r'name="csrf-token" content="([^"]+)"')
QUESTION = re.compile(r'data-position="(\d+)" data-qtype="(\w+)"')
OPTION = re.compile(r'name="q(\d+)" id="q\d+-(\d+)"')
TYPED = re.compile(r'name="t(\d+)"')
REPLIES = ("亲,非常抱歉给您带来不便,我马上为您登记补发,预计明天发出,单号稍后发您。",
           "您好,七天无理由退货需保持商品完好,吊牌未拆,运费险会自动理赔哦。",
           "亲,这款尺码偏小,按您的身高体重建议选大一码,不合适可以免费换。",
           "理解您的心情,已为您申请优先退款,审核通过后原路退回,请留意短信。")
FILLS = ("七天", "48小时", "顺丰", "运费险", "原路退回", "大一码")


class BenchTimeout(Exception):
    """The run went past --max-minutes."""


# Seeding and checking, in this process against the server's database --------------------

def app_for(url: str, secret: str):
    return create_app({"SQLALCHEMY_DATABASE_URI": url, "SECRET_KEY": secret})


def seed(app, usernames: list[str]) -> tuple[int, float]:
    """The department, the month's exam open now for an hour's sitting, and every paper.
    Returns the exam id and the seconds paper generation took."""
    with app.app_context():
        # One scrypt hash for everyone: computing 2,000 would take minutes.
        password_hash = generate_password_hash(PASSWORD, method="scrypt")
        today = local_now().date()

        def person(username, name, role, team=None):
            certified = today - timedelta(days=300) if role is Role.AGENT else None
            return User(username=username, display_name=name, role=role.value, team=team,
                        password_hash=password_hash, must_change_password=False,
                        joined_on=today - timedelta(days=400), certified_on=certified)

        manager = person("bench-manager", "考试主管", Role.MANAGER)
        people = [manager]
        for index, username in enumerate(usernames):
            if index % TEAM_SIZE == 0:
                number = index // TEAM_SIZE + 1
                team = Team(name=f"考试{number:03d}组")
                people.append(person(f"bench-lead{number:03d}", f"组长{number}", Role.LEAD, team))
            people.append(person(username, f"客服{index + 1}", Role.AGENT, team))
        db.session.add_all(people)
        db.session.flush()
        now, month = utcnow(), local_now().strftime("%Y-%m")
        exam = service.create_exam(month, opens_at=now - timedelta(minutes=10),
                                   closes_at=now + timedelta(hours=6), duration_minutes=60,
                                   actor=manager)
        db.session.commit()
        started = time.perf_counter()
        made = service.generate_month(month, actor=manager)
        assert made.exam.id == exam.id and made.created == len(usernames), made
        return exam.id, time.perf_counter() - started


def check_database(app, exam_id: int, sitters: list["Agent"], busy: list["Agent"]) -> dict:
    """Acknowledged answers against stored ones (positions with a response), hand-ins and
    grading, for the agents who sat the whole exam (`sitters`) and the saturation agents
    (`busy`, still open)."""
    with app.app_context():
        rows = db.session.execute(
            select(User.username, Attempt.id, Attempt.submitted_at, Attempt.score,
                   Attempt.flags, Paper.items)
            .join(Paper, Paper.id == Attempt.paper_id).join(User, User.id == Paper.user_id)
            .where(Paper.exam_id == exam_id)).all()
        qtype_of = dict(db.session.execute(
            select(QuestionVersion.id, Question.qtype)
            .join(Question, Question.id == QuestionVersion.question_id)).all())
        stored, unmarked = defaultdict(dict), set()
        for attempt_id, position, response, credit in db.session.execute(
                select(Answer.attempt_id, Answer.position, Answer.response, Answer.credit)
                .join(Attempt).join(Paper).where(Paper.exam_id == exam_id)):
            stored[attempt_id][position] = response
            if credit is None and response:
                unmarked.add(attempt_id)
        graded = Counter(db.session.scalars(
            select(AuditEvent.target).where(AuditEvent.action == "attempt.graded")))
    by_user = {row.username: row for row in rows}
    figures = Counter()
    for agent in sitters + busy:
        row = by_user.get(agent.username)
        if row is None or row.id != agent.attempt:
            figures["attempts_missing"] += 1
            continue
        _compare_answers(agent, row, stored[row.id], qtype_of, figures)
        if agent in busy:
            continue
        figures["attempts_submitted"] += row.submitted_at is not None
        times = graded[f"attempt:{row.id}"]
        if row.id in unmarked:  # written replies wait for a lead: graded later, once
            figures["attempts_awaiting_marking"] += 1
            figures["grading_wrong"] += times != 0 or row.score is not None
        else:
            figures["attempts_graded"] += 1
            figures["grading_wrong"] += times != 1 or row.score is None
    figures["attempts_not_submitted"] = len(sitters) - figures["attempts_submitted"]
    keys = ("answers_accepted", "answers_stored", "answers_lost", "answers_unexpected",
            "answers_uncertain", "flags_wrong", "attempts_missing", "attempts_submitted",
            "attempts_not_submitted", "attempts_graded", "attempts_awaiting_marking",
            "grading_wrong")
    return {key: figures[key] for key in keys}


def _compare_answers(agent: "Agent", row, stored: dict, qtype_of: dict, figures: Counter):
    expected = {}
    for position, shown in agent.accepted.items():
        item = row.items[position]
        original = service.to_original(shown, item["option_order"],
                                       qtype_of[item["version_id"]])
        if original and position not in agent.uncertain:
            expected[position] = original
    kept = {p: r for p, r in stored.items() if r and p not in agent.uncertain}
    figures["answers_accepted"] += len(expected)
    figures["answers_stored"] += len(kept)
    figures["answers_lost"] += sum(kept.get(p) != r for p, r in expected.items())
    figures["answers_unexpected"] += len(set(kept) - set(expected))
    figures["answers_uncertain"] += len(agent.uncertain)
    if agent.accepted_flags is not None and not agent.flags_uncertain:
        figures["flags_wrong"] += sorted(row.flags or []) != agent.accepted_flags


# Databases and servers -------------------------------------------------------------------

@contextmanager
def database(kind: str, workdir: Path, name: str = PG_NAME):
    """A fresh database for the run, PostgreSQL's (`name`) dropped afterwards (never the
    suite's)."""
    if kind == "sqlite":
        yield f"sqlite:///{workdir / (name + '.db')}"
        return
    with psycopg.connect(PG_ADMIN, autocommit=True) as conn:
        conn.execute(f"DROP DATABASE IF EXISTS {name} WITH (FORCE)")
        conn.execute(f"CREATE DATABASE {name}")
    try:
        yield f"postgresql+psycopg://postgres@127.0.0.1:5432/{name}"
    finally:
        with psycopg.connect(PG_ADMIN, autocommit=True) as conn:
            conn.execute(f"DROP DATABASE IF EXISTS {name} WITH (FORCE)")


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@contextmanager
def gunicorn(app: str, workers: int, threads: int, env: dict, log: Path, ready: str,
             niceness: int = 0):
    """A gunicorn in its own process group, stopped with the whole group however the run
    ends. More than one thread a worker makes them gthread workers."""
    port = free_port()
    with log.open("ab") as output:
        server = subprocess.Popen(
            ["nice", "-n", str(niceness),
             sys.executable, "-m", "gunicorn", "--workers", str(workers),
             "--threads", str(threads), "--bind", f"127.0.0.1:{port}",
             "--log-level", "warning", app],
            cwd=ROOT, env=env, stdout=output, stderr=output, start_new_session=True)
    try:
        for _ in range(300):
            with suppress(OSError):
                urllib.request.urlopen(f"http://127.0.0.1:{port}{ready}", timeout=2)  # noqa: S310
                break
            if server.poll() is not None:
                raise SystemExit(f"{app} exited at start; see {log}")
            time.sleep(0.1)
        else:
            raise SystemExit(f"{app} did not answer within 30 s; see {log}")
        yield port
    finally:
        with suppress(ProcessLookupError):
            os.killpg(server.pid, signal.SIGTERM)
        try:
            server.wait(timeout=20)
        except subprocess.TimeoutExpired:
            os.killpg(server.pid, signal.SIGKILL)
            server.wait()


def server_log(log: Path) -> dict:
    """What the server said under load: tracebacks, killed workers, busy-database answers."""
    text = log.read_text(errors="replace") if log.exists() else ""
    return {"tracebacks": text.count("Traceback"), "worker_timeouts": text.count("WORKER TIMEOUT"),
            "database_busy_503": text.count("数据库暂时不可用"), "log": str(log)}


# The simulated agent ---------------------------------------------------------------------

@dataclass
class Shown:
    """A question as the page shows it: enough to answer it."""

    position: int
    qtype: str
    typed: bool
    options: int


@dataclass
class Agent:
    username: str
    browser: Browser
    rng: random.Random
    attempt: int | None = None
    token: str = ""
    questions: list[Shown] = field(default_factory=list)
    answers: dict[int, list] = field(default_factory=dict)  # as on the page now
    pending: dict[int, list] = field(default_factory=dict)  # changed, not yet acknowledged
    accepted: dict[int, list] = field(default_factory=dict)  # acknowledged by the server
    uncertain: set[int] = field(default_factory=set)  # sent, answer lost on the way
    flags: list[int] = field(default_factory=list)
    flags_pending: bool = False
    accepted_flags: list[int] | None = None
    flags_uncertain: bool = False
    saves: int = 0  # the number of the last save sent, as exam.js numbers them

    def read_paper(self, page: str) -> None:
        typed = {int(p) for p in TYPED.findall(page)}
        options = Counter(int(p) for p, _ in OPTION.findall(page))
        self.questions = [Shown(int(p), qtype, int(p) in typed, options[int(p)])
                          for p, qtype in QUESTION.findall(page)]

    def response(self, question: Shown) -> list:
        """What an agent picks or types: a shape the question takes, right or not."""
        rng = self.rng
        if question.typed:
            return [rng.choice(FILLS if question.qtype == "fill" else REPLIES)]
        if question.qtype == "truefalse":
            return [rng.random() < 0.5]
        if question.qtype == "multiple":
            return sorted(rng.sample(range(question.options), rng.randint(2, question.options)))
        return [rng.randrange(question.options)]

    def change(self) -> None:
        """The next thing the agent does on the page: mostly answer the next question, now
        and then go back and change an earlier answer or flag one."""
        answered = list(self.answers)
        if answered and self.rng.random() < 0.1:
            question = self.questions[self.rng.choice(answered)]
        else:
            question = self.questions[len(answered)] if len(answered) < len(self.questions) \
                else self.rng.choice(self.questions)
        self.answers[question.position] = self.pending[question.position] = \
            self.response(question)
        if self.rng.random() < 0.05:
            self.flags = sorted(set(self.flags) ^ {question.position})
            self.flags_pending = True

    def form(self) -> bytes:
        """The exam form as the browser sends it: every input, empty text boxes included."""
        fields = [("csrf_token", self.token)]
        for question in self.questions:
            chosen = self.answers.get(question.position, [])
            name = f"{'t' if question.typed else 'q'}{question.position}"
            if question.typed:
                fields.append((name, chosen[0] if chosen else ""))
            elif question.qtype == "truefalse":
                fields += [(name, "true" if v else "false") for v in chosen]
            else:
                fields += [(name, str(v)) for v in chosen]
        return urlencode(fields).encode()


@dataclass
class Day:
    """What every agent coroutine shares."""

    exam_id: int
    minutes: float
    stats: Stats
    logins: asyncio.Semaphore
    logins_left: int = 0  # the start waits for everyone's login, failed ones included
    everyone_in: asyncio.Event = field(default_factory=asyncio.Event)


def token(page: Response, stats: Stats, label: str) -> str:
    """The page's CSRF token (base.html puts it in a meta tag on every page)."""
    found = TOKEN.search(page.text)
    if found is None:
        stats.error(label, "no CSRF token on the page")
        raise Failed("token")
    return found.group(1)


async def log_in(agent: Agent, day: Day, stats: Stats) -> None:
    browser = agent.browser
    async with day.logins:
        page = await send(browser, stats, "login page", "GET", "/login", 200,
                          timeout=PAGE_TIMEOUT)
        body = urlencode({"csrf_token": token(page, stats, "login page"),
                          "username": agent.username, "password": PASSWORD}).encode()
        signed_in = await send(browser, stats, "login", "POST", "/login", 302, body, FORM,
                               timeout=PAGE_TIMEOUT)
    if signed_in.location.startswith("/login"):
        stats.error("login", "refused")
        raise Failed("refused")
    exams = await send(browser, stats, "exam list", "GET", "/exams", 200, timeout=PAGE_TIMEOUT)
    agent.token = token(exams, stats, "exam list")


async def start(agent: Agent, day: Day, stats: Stats) -> None:
    body = urlencode({"csrf_token": agent.token}).encode()
    started = await send(agent.browser, stats, "start", "POST", f"/exams/{day.exam_id}/start",
                         302, body, FORM, timeout=PAGE_TIMEOUT)
    found = re.fullmatch(r"/attempts/(\d+)", started.location)
    if not found:
        stats.error("start", f"redirected to {started.location}")
        raise Failed("start")
    agent.attempt = int(found.group(1))
    page = await send(agent.browser, stats, "exam page", "GET", started.location, 200,
                      timeout=PAGE_TIMEOUT)
    agent.token = token(page, stats, "exam page")
    agent.read_paper(page.text)


async def autosave(agent: Agent, stats: Stats, label: str) -> None:
    """Send everything pending, as exam.js does; what fails stays pending for the next."""
    answers, flags = dict(agent.pending), list(agent.flags) if agent.flags_pending else None
    agent.saves += 1
    payload = {"answers": {str(p): v for p, v in answers.items()},
               "client": agent.username, "stamp": agent.saves}
    if flags is not None:
        payload["flags"] = flags
    try:
        reply = await send(agent.browser, stats, label, "POST",
                           f"/attempts/{agent.attempt}/answers", 200,
                           json.dumps(payload).encode(),
                           {**JSON_HEADERS, "X-CSRFToken": agent.token}, AUTOSAVE_TIMEOUT)
    except Failed:
        agent.uncertain.update(answers)
        agent.flags_uncertain |= flags is not None
        return
    acknowledged = json.loads(reply.body)
    if acknowledged.get("superseded"):
        return  # a newer save of this agent overtook it: still pending, sent again next time
    if acknowledged.get("saved") != len(answers):
        stats.error(label, "saved count differs")
        return
    agent.accepted.update(answers)
    agent.uncertain.difference_update(answers)
    for position, value in answers.items():
        if agent.pending.get(position) is value:
            del agent.pending[position]
    if flags is not None:
        agent.accepted_flags, agent.flags_uncertain = flags, False
        agent.flags_pending = agent.flags != flags


async def poll_clock(agent: Agent, stats: Stats) -> None:
    await asyncio.sleep(agent.rng.uniform(0, CLOCK_POLL))
    while True:
        with suppress(Failed):
            await send(agent.browser, stats, "clock", "GET", f"/attempts/{agent.attempt}/clock",
                       200, headers={"Accept": "application/json"}, timeout=AUTOSAVE_TIMEOUT)
        await asyncio.sleep(CLOCK_POLL)


async def sit(agent: Agent, day: Day) -> None:
    """One agent's exam day; an error ends it (already counted)."""
    stats = day.stats
    try:
        await log_in(agent, day, stats)
    except Failed:
        return
    finally:
        day.logins_left -= 1
        if not day.logins_left:
            day.everyone_in.set()
    await day.everyone_in.wait()
    try:
        await start(agent, day, stats)
    except Failed:
        return
    began, window = time.perf_counter(), day.minutes * 60
    clock = asyncio.create_task(poll_clock(agent, stats))
    try:
        think = window * SAVE_SHARE / SAVES
        for save in range(SAVES):
            await sleep_until(began + think * (save + agent.rng.random()))
            agent.change()
            await autosave(agent, stats, "autosave")
        await sleep_until(began + window * agent.rng.uniform(SAVE_SHARE, 0.99))
    finally:
        clock.cancel()
    try:
        handed = await send(agent.browser, stats, "submit", "POST",
                            f"/attempts/{agent.attempt}/submit", 302, agent.form(), FORM,
                            SUBMIT_TIMEOUT)
    except Failed:
        return
    # The form carried every answer on the page: all of them are accepted now.
    agent.accepted, agent.pending, agent.uncertain = dict(agent.answers), {}, set()
    if handed.location != f"/attempts/{agent.attempt}/result":
        stats.error("submit", f"redirected to {handed.location}")
        return
    with suppress(Failed):
        await send(agent.browser, stats, "result", "GET", handed.location, 200,
                   timeout=PAGE_TIMEOUT)


async def sleep_until(moment: float) -> None:
    await asyncio.sleep(max(0.0, moment - time.perf_counter()))


# Phases ----------------------------------------------------------------------------------

def make_agents(usernames: list[str], port: int, seed: int,
                route: Callable[[str], int] | None = None) -> list[Agent]:
    agents = []
    for index, username in enumerate(usernames):
        office = f"203.0.113.{index % OFFICES + 1}"
        headers = {"X-Forwarded-For": office, "X-Forwarded-Proto": "https",
                   # Flask-WTF checks the referrer of a form sent over HTTPS.
                   "Referer": f"https://127.0.0.1:{port}/"}
        agents.append(Agent(username, Browser("127.0.0.1", port, headers, route),
                            random.Random(f"{seed}/{username}")))
    return agents


async def exam(agents: list[Agent], exam_id: int, minutes: float, login_slots: int) -> dict:
    day = Day(exam_id, minutes, Stats(), asyncio.Semaphore(login_slots), len(agents))
    began = time.perf_counter()
    await asyncio.gather(*(sit(agent, day) for agent in agents))
    labels = ("login page", "login", "exam list", "start", "exam page", "autosave", "clock",
              "submit", "result")
    return {"seconds": round(time.perf_counter() - began, 1), "errors": day.stats.error_count(),
            **{label: day.stats.summary(label) for label in labels}}


async def closed_loop(seconds: float, requests) -> float:
    """Each of `requests` (a coroutine function) again and again until time is up."""
    stop = time.perf_counter() + seconds

    async def loop(request):
        while time.perf_counter() < stop:
            with suppress(Failed):
                await request()

    began = time.perf_counter()
    await asyncio.gather(*(loop(r) for r in requests))
    return time.perf_counter() - began


async def saturate(agents: list[Agent], exam_id: int, seconds: float) -> dict:
    """Autosave, then the exam page, as fast as --clients agents with open attempts get
    answers."""
    stats = Stats()
    day = Day(exam_id, 0, stats, asyncio.Semaphore(len(agents)))
    for agent in agents:
        await log_in(agent, day, stats)
        await start(agent, day, stats)

    def saver(agent):
        async def save():
            agent.change()
            await autosave(agent, stats, "autosave")
        return save

    def reader(agent):
        async def read():
            await send(agent.browser, stats, "exam page", "GET", f"/attempts/{agent.attempt}",
                       200, timeout=PAGE_TIMEOUT)
        return read

    spent = {"autosave": await closed_loop(seconds, [saver(a) for a in agents]),
             "exam page": await closed_loop(seconds, [reader(a) for a in agents])}
    return {"errors": stats.error_count(),
            **{label: stats.summary(label, spent[label]) for label in spent}}


async def hello_world(port: int, clients: int, seconds: float) -> dict:
    stats = Stats()
    body = json.dumps({"answers": {"7": [1]}}).encode()

    def poster():
        browser = Browser("127.0.0.1", port)
        return lambda: send(browser, stats, "hello", "POST", "/", 200, body, JSON_HEADERS,
                            AUTOSAVE_TIMEOUT)

    spent = await closed_loop(seconds, [poster() for _ in range(clients)])
    return stats.summary("hello", spent)


def run_database(kind: str, args, workdir: Path, secret: str) -> dict:
    env = {k: v for k, v in os.environ.items()
           if k not in ("DATABASE_URL", "TEST_DATABASE_URL", "TRAINER_ENV")}
    env.update(TRAINER_INSTANCE=str(workdir), SECRET_KEY=secret, TRUSTED_PROXIES="1",
               RATELIMIT_ENABLED="true", RATELIMIT_STORAGE_URI=args.ratelimit_storage)
    sitters = [f"bench{n:04d}" for n in range(1, args.agents + 1)]
    busy = [f"busy{n:03d}" for n in range(1, args.clients + 1)]
    # Outside the run's directory, so that it outlives the run for a look at what went wrong.
    log = Path(tempfile.gettempdir()) / f"exam-day-{kind}.log"
    log.unlink(missing_ok=True)
    result = {}
    with database(kind, workdir) as url:
        env["DATABASE_URL"] = url
        began = time.perf_counter()
        subprocess.run([sys.executable, "-m", "flask", "--app", "trainer", "init-db"],
                       cwd=ROOT, env=env, check=True, capture_output=True)
        app = app_for(url, secret)
        exam_id, generation = seed(app, sitters + busy)
        result["seed_seconds"] = round(time.perf_counter() - began, 1)
        result["paper_generation_seconds"] = round(generation, 1)
        with app.app_context():
            db.engine.dispose()
        print(f"[{kind}] seeded {len(sitters)} + {len(busy)} agents in "
              f"{result['seed_seconds']} s; exam for {args.minutes} min", file=sys.stderr)
        with ExitStack() as servers:
            port = servers.enter_context(
                gunicorn("wsgi:app", args.workers, args.threads, env, log, "/healthz",
                         args.page_nice if args.save_workers else 0))
            route = None
            if args.save_workers:
                lane = servers.enter_context(
                    gunicorn("wsgi:app", args.save_workers, args.threads, env, log, "/healthz"))

                def route(path: str) -> int:
                    return lane if SAVE_LANE.fullmatch(path) else port
            agents = make_agents(sitters, port, args.seed, route)
            # The client's own CPU, to show it left the two cores to the server.
            cpu = time.process_time()
            result["exam"] = asyncio.run(exam(agents, exam_id, args.minutes,
                                              args.login_concurrency))
            result["exam"]["client_cpu_seconds"] = round(time.process_time() - cpu, 1)
            print(f"[{kind}] exam done in {result['exam']['seconds']} s", file=sys.stderr)
            saturation_agents = make_agents(busy, port, args.seed, route)
            result["saturation"] = asyncio.run(saturate(saturation_agents, exam_id,
                                                        args.saturate_seconds))
        with gunicorn("bench.hello:app", args.workers, args.threads, env,
                      workdir / "hello.log", "/") as port:
            result["hello"] = asyncio.run(hello_world(port, args.clients, args.saturate_seconds))
        result["server_log"] = server_log(log)
        result["database"] = check_database(app, exam_id, agents, saturation_agents)
        with app.app_context():
            db.engine.dispose()
        result["seconds"] = round(time.perf_counter() - began, 1)
    hello = result["hello"].get("rps") or 0
    for label in ("autosave", "exam page"):
        rps = result["saturation"][label].get("rps", 0)
        result["saturation"][label]["of_hello_world_pct"] = round(100 * rps / hello) if hello \
            else None
    return result


# Report ----------------------------------------------------------------------------------

def failures(result: dict) -> int:
    checked = result["database"]
    return (result["exam"]["errors"] + result["saturation"]["errors"]
            + result["hello"]["errors"] + checked["answers_lost"]
            + checked["answers_unexpected"] + checked["flags_wrong"]
            + checked["attempts_missing"] + checked["attempts_not_submitted"]
            + checked["grading_wrong"] + (checked["answers_accepted"] != checked["answers_stored"]))


def summary(kind: str, result: dict, clients: int) -> str:
    exam, sat, checked = result["exam"], result["saturation"], result["database"]
    lines = [f"== {kind}: {result['seconds']} s (seeding {result['seed_seconds']} s, "
             f"exam day {exam['seconds']} s, client CPU {exam['client_cpu_seconds']} s)",
             f"{'request':<12}{'count':>8}{'rps':>9}{'p50 ms':>9}{'p99 ms':>9}{'errors':>8}"]
    for label in ("login", "start", "exam page", "autosave", "clock", "submit", "result"):
        row = exam[label]
        lines.append(f"{label:<12}{row['requests']:>8}{row.get('rps', 0):>9}"
                     f"{row.get('p50_ms', '-'):>9}{row.get('p99_ms', '-'):>9}{row['errors']:>8}")
    lines.append(f"saturated, {clients} clients: hello-world {result['hello'].get('rps')} rps, "
                 f"autosave {sat['autosave'].get('rps')} rps "
                 f"(p99 {sat['autosave'].get('p99_ms')} ms), "
                 f"exam page {sat['exam page'].get('rps')} rps")
    lines.append(f"autosave = {sat['autosave']['of_hello_world_pct']} % of hello-world, "
                 f"exam page = {sat['exam page']['of_hello_world_pct']} %")
    lines.append(f"answers accepted {checked['answers_accepted']}, stored "
                 f"{checked['answers_stored']}, lost {checked['answers_lost']}; attempts "
                 f"submitted {checked['attempts_submitted']}/{len_sitters(result)}, graded "
                 f"{checked['attempts_graded']}, awaiting marking "
                 f"{checked['attempts_awaiting_marking']}, grading wrong "
                 f"{checked['grading_wrong']}")
    errors = exam["errors"] + sat["errors"] + result["hello"]["errors"]
    lines.append(f"errors {errors}; server log: {result['server_log']}")
    return "\n".join(lines)


def len_sitters(result: dict) -> int:
    checked = result["database"]
    return checked["attempts_submitted"] + checked["attempts_not_submitted"]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--agents", type=int, default=2000)
    parser.add_argument("--workers", type=int, default=4, help="gunicorn workers")
    parser.add_argument("--threads", type=int, default=4,
                        help="threads a worker (more than 1: gthread workers, as deployed)")
    parser.add_argument("--save-workers", type=int, default=2,
                        help="workers of a second instance serving only autosaves and clock "
                             "polls, as deploy/'s save lane (0: one instance serves all)")
    parser.add_argument("--page-nice", type=int, default=5,
                        help="with --save-workers, the main instance's niceness, so that the "
                             "lane's CPU comes first, as deploy/ runs them (0: equal)")
    parser.add_argument("--db", choices=("sqlite", "postgresql", "both"), default="both")
    parser.add_argument("--minutes", type=float, default=10,
                        help="the exam's answering time, compressed from the real hour")
    parser.add_argument("--saturate-seconds", type=float, default=15)
    parser.add_argument("--clients", type=int, default=16,
                        help="closed-loop clients of the saturation and hello-world phases")
    parser.add_argument("--login-concurrency", type=int, default=8)
    parser.add_argument("--ratelimit-storage", default="memory://",
                        help="e.g. redis://127.0.0.1:6379/9 to share limits between workers")
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--max-minutes", type=float,
                        help="stop the run after this long (default: 15 + --minutes per "
                             "database)")
    args = parser.parse_args()
    if not 0 < args.minutes <= 50:
        parser.error("--minutes must leave the hour's sitting time to spare (0-50)")
    kinds = ("sqlite", "postgresql") if args.db == "both" else (args.db,)
    limit = args.max_minutes or len(kinds) * (15 + args.minutes)

    def give_up(_signum, _frame):
        raise BenchTimeout(f"stopped after {limit:g} minutes (--max-minutes)")

    signal.signal(signal.SIGALRM, give_up)
    signal.alarm(int(limit * 60))
    secret = secrets.token_hex(32)
    results = {}
    with tempfile.TemporaryDirectory(prefix="exam-day-") as workdir:
        try:
            for kind in kinds:
                results[kind] = run_database(kind, args, Path(workdir), secret)
        except BenchTimeout as exc:  # servers stopped and databases dropped on the way out
            sys.exit(str(exc))
        signal.alarm(0)
        config = {k: v for k, v in vars(args).items() if k != "max_minutes"}
        print(json.dumps({"config": config, **results}, indent=2, ensure_ascii=False))
        for kind, result in results.items():
            print(summary(kind, result, args.clients))
    sys.exit(1 if any(failures(r) for r in results.values()) else 0)


if __name__ == "__main__":
    main()
