"""Dashboard queries on a department's year of exams, against the same figures from raw answers.

Builds a synthetic department (default 10,000 agents in teams of 20 × 12 monthly exams × 50
answers: 6 million answer rows; bench/dashboard_data.py) on SQLite and on PostgreSQL, times
`tally.rebuild()` (summarizing that history once), then times every dashboard query as a
manager and as a team lead (`--repeat` calls each, each in its own request context like a
page view; median and max against the 100 ms target). In the same run the equivalent figures
are computed straight from the raw tables (answers ⨝ attempts ⨝ papers ⨝ exams …), which is
what the summary tables save. Ends with a markdown table for the README and the machine.

The full default run takes about half an hour on 2 CPUs, most of it `tally.rebuild()`
(about ten minutes per database); generating the 6 million answers takes a minute or two.

The PostgreSQL database is dropped and recreated schema-wide, so its name must contain
"bench"; it is created (through the `postgres` database) when missing. SQLite lives in a
temporary directory removed at the end.

    .venv/bin/python bench/dashboard.py [--agents 10000] [--months 12] [--answers 50]
        [--teams AGENTS/20] [--db sqlite|postgresql|both] [--repeat 5] [--naive-repeat 3]
        [--pg-url postgresql+psycopg://postgres@127.0.0.1:5432/bench_dashboard]
    .venv/bin/python bench/dashboard.py --agents 200        # a quick try
"""

import argparse
import os
import platform
import sqlite3
import statistics
import sys
import tempfile
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from sqlalchemy import (  # noqa: E402
    String,
    case,
    cast,
    create_engine,
    func,
    make_url,
    select,
    text,
)

from bench.dashboard_data import Size, generate, months  # noqa: E402
from trainer import create_app  # noqa: E402
from trainer.accounts.models import User  # noqa: E402
from trainer.database import expect_writes  # noqa: E402
from trainer.exams.models import KIND_MONTHLY, Answer, Attempt, Exam, Paper  # noqa: E402
from trainer.extensions import db  # noqa: E402
from trainer.kpi import results as kpi_results  # noqa: E402
from trainer.questions.models import Question, QuestionVersion  # noqa: E402
from trainer.reports import agents, items, service, tally  # noqa: E402
from trainer.reports.models import ExamResult, ExamTally, ItemTally, TeamItemTally  # noqa: E402

TARGET_MS = 100
PG_URL = "postgresql+psycopg://postgres@127.0.0.1:5432/bench_dashboard"
CONFIG = {"TESTING": True, "SECRET_KEY": "bench-dashboard-not-a-secret",
          "RATELIMIT_ENABLED": False, "WTF_CSRF_ENABLED": False}


@dataclass(frozen=True)
class Scene:
    """What the pages are asked about: the latest month, the year before it, team 1 (the
    lead's), and one of that team's agents and one question."""

    month: str
    first: str
    months: int
    team_id: int
    manager_id: int
    lead_id: int
    agent_id: int
    question_id: int
    now: datetime  # late in the latest month


# Raw-table equivalents ------------------------------------------------------------------------

def _scoped(query, viewer: User):
    """A lead's rows: their team's agents (joined through the paper's user)."""
    if viewer.sees_all_teams:
        return query
    return query.join(User, User.id == Paper.user_id).where(User.team_id == viewer.team_id)


def _graded():
    return (select().select_from(Attempt).join(Paper, Paper.id == Attempt.paper_id)
            .join(Exam, Exam.id == Paper.exam_id)
            .where(Exam.kind == KIND_MONTHLY, Attempt.score.is_not(None)))


def _answers():
    return (_graded().join(Answer, Answer.attempt_id == Attempt.id)
            .join(QuestionVersion, QuestionVersion.id == Answer.version_id))


def naive_by_month(viewer: User, scene: Scene):
    passed = func.sum(case((Attempt.score >= Exam.pass_mark, 1), else_=0))
    query = _graded().add_columns(Exam.month, func.count(), passed, func.sum(Attempt.score))
    return db.session.execute(_scoped(query, viewer).where(Exam.month >= scene.first)
                              .group_by(Exam.month).order_by(Exam.month)).all()


def naive_by_team(viewer: User, scene: Scene):
    passed = func.sum(case((Attempt.score >= Exam.pass_mark, 1), else_=0))
    query = (_graded().add_columns(User.team_id, func.count(), passed, func.sum(Attempt.score))
             .join(User, User.id == Paper.user_id).where(Exam.month == scene.month))
    if not viewer.sees_all_teams:
        query = query.where(User.team_id == viewer.team_id)
    return db.session.execute(query.group_by(User.team_id)).all()


def naive_score_bands(viewer: User, scene: Scene):
    band = func.floor(Attempt.score / 10).label("band")
    scored = _scoped(_graded().add_columns(band), viewer).where(
        Exam.month == scene.month).subquery()
    return db.session.execute(select(scored.c.band, func.count()).group_by(scored.c.band)).all()


def _by_questions(viewer: User, scene: Scene, *groups):
    query = (_answers().join(Question, Question.id == QuestionVersion.question_id)
             .add_columns(*groups, func.count(), func.sum(case((Answer.is_correct, 1),
                                                               else_=0)),
                          func.sum(Answer.credit)).where(Exam.month == scene.month))
    return db.session.execute(_scoped(query, viewer).group_by(*groups)).all()


def naive_by_category(viewer: User, scene: Scene):
    return _by_questions(viewer, scene, Question.category)


def naive_by_section(viewer: User, scene: Scene):
    return _by_questions(viewer, scene, Question.module, Question.section)


def naive_month_report(viewer: User, scene: Scene):
    return [f(viewer, scene) for f in (naive_by_month, naive_by_team, naive_score_bands,
                                       naive_by_category, naive_by_section)]


def naive_item_stats(viewer: User, scene: Scene):
    """Per question over the year: answers, facility, and the sums an item-total correlation
    needs (each answer against its attempt's raw total)."""
    totals = (select(Answer.attempt_id, func.sum(Answer.credit).label("total"))
              .group_by(Answer.attempt_id).subquery())
    x, s = Answer.credit, totals.c.total
    query = (_answers().join(totals, totals.c.attempt_id == Attempt.id)
             .add_columns(QuestionVersion.question_id, func.count(), func.sum(x),
                          func.sum(x * x), func.sum(s), func.sum(s * s), func.sum(x * s))
             .where(Exam.month >= scene.first))
    return db.session.execute(_scoped(query, viewer)
                              .group_by(QuestionVersion.question_id)).all()


def naive_reliability(viewer: User, scene: Scene):
    """Per exam of the year: each item's credit sums and the attempts' totals (alpha's
    parts)."""
    per_item = (_answers().add_columns(Exam.id, Answer.version_id, func.count(),
                                       func.sum(Answer.credit),
                                       func.sum(Answer.credit * Answer.credit))
                .where(Exam.month >= scene.first))
    items_sums = db.session.execute(_scoped(per_item, viewer)
                                    .group_by(Exam.id, Answer.version_id)).all()
    totals = (select(Answer.attempt_id, func.sum(Answer.credit).label("total"))
              .group_by(Answer.attempt_id).subquery())
    per_exam = (_graded().join(totals, totals.c.attempt_id == Attempt.id)
                .add_columns(Exam.id, func.count(), func.sum(totals.c.total),
                             func.sum(totals.c.total * totals.c.total))
                .where(Exam.month >= scene.first))
    return items_sums, db.session.execute(_scoped(per_exam, viewer).group_by(Exam.id)).all()


def naive_question(viewer: User, scene: Scene):
    """The question's answers by month and by response (its option counts)."""
    response = cast(Answer.response, String)
    query = (_answers().add_columns(Exam.month, response, func.count(), func.sum(Answer.credit))
             .where(QuestionVersion.question_id == scene.question_id,
                    Exam.month >= scene.first))
    return db.session.execute(_scoped(query, viewer).group_by(Exam.month, response)).all()


def naive_agent_rows(viewer: User, scene: Scene):
    query = (_graded().add_columns(Paper.user_id, Exam.month, Attempt.score)
             .where(Exam.month >= scene.first).order_by(Paper.user_id, Exam.month))
    return db.session.execute(_scoped(query, viewer)).all()


def naive_agent_profile(_viewer: User, scene: Scene):
    """The agent's year by month and category, and the questions they most often missed."""
    mine = (_answers().join(Question, Question.id == QuestionVersion.question_id)
            .where(Paper.user_id == scene.agent_id, Exam.month >= scene.first))
    by_category = db.session.execute(
        mine.add_columns(Exam.month, Question.category, func.count(), func.sum(Answer.credit))
        .group_by(Exam.month, Question.category)).all()
    missed = func.sum(case((Answer.credit < 1, 1), else_=0))
    return by_category, db.session.execute(
        mine.add_columns(Question.id, func.count(), missed).group_by(Question.id)
        .order_by(missed.desc()).limit(10)).all()


# The timed calls ---------------------------------------------------------------------------

BOTH = ("manager", "lead")


@dataclass(frozen=True)
class Call:
    name: str
    run: Callable  # (viewer, scene) -> anything
    naive: Callable | None = None  # the same figures from the raw tables
    viewers: tuple[str, ...] = BOTH


def _year(s: Scene) -> items.ItemFilter:
    return items.ItemFilter(first=s.first, last=s.month)


CALLS = (
    Call("reports.service.by_month (12 months)",
         lambda v, s: service.by_month(v, until=s.month, last=s.months), naive_by_month),
    Call("reports.service.result_months", lambda v, s: service.result_months(v)),
    Call("reports.service.by_team (month)", lambda v, s: service.by_team(v, s.month),
         naive_by_team),
    Call("reports.service.score_bands (month)", lambda v, s: service.score_bands(v, s.month),
         naive_score_bands),
    Call("reports.service.by_category (month)", lambda v, s: service.by_category(v, s.month),
         naive_by_category),
    Call("reports.service.by_section (month)", lambda v, s: service.by_section(v, s.month),
         naive_by_section),
    Call("reports.service.flagged_questions (month)",
         lambda v, s: service.flagged_questions(v, s.month), naive_item_stats),
    Call("reports.service.month_report (month, 12-month trend)",
         lambda v, s: service.month_report(v, s.month, s.months), naive_month_report),
    Call("reports.items.result_months", lambda v, s: items.result_months(v, KIND_MONTHLY)),
    Call("reports.items.item_rows (12 months)", lambda v, s: items.item_rows(v, _year(s)),
         naive_item_stats),
    Call("reports.items.item_rows + items_table (12 months, page)",
         lambda v, s: items.items_table(items.item_rows(v, _year(s)), _year(s))),
    Call("reports.items.item_rows (12 months, one category)",
         lambda v, s: items.item_rows(v, items.ItemFilter(s.first, s.month, category="rules"))),
    Call("reports.items.exam_rows (12 months, reliability)",
         lambda v, s: items.exam_rows(v, _year(s)), naive_reliability),
    Call("reports.items.question_detail (12 months)",
         lambda v, s: items.question_detail(v, s.question_id, _year(s)), naive_question),
    Call("reports.agents.agent_page (first page of the list)",
         lambda v, s: agents.agent_page(v), naive_agent_rows),
    Call("reports.agents.agent_page + agents_table (the page's table)",
         lambda v, s: agents.agents_table(agents.agent_page(v).rows)),
    Call("reports.agents.agent_page (one team)",
         lambda v, s: agents.agent_page(v, s.team_id), viewers=("manager",)),
    Call("reports.agents.agent_profile (one agent)",
         lambda v, s: agents.agent_profile(v, s.agent_id, s.now), naive_agent_profile),
    Call("kpi.results.grade_distribution (month)",
         lambda v, s: kpi_results.grade_distribution(v, s.month)),
    Call("kpi.results.grade_distribution (month, one team)",
         lambda v, s: kpi_results.grade_distribution(v, s.month, s.team_id), viewers=("manager",)),
    Call("kpi.results.results_of (one agent)", lambda v, s: kpi_results.results_of(s.agent_id),
         viewers=("manager",)),
    Call("kpi.results.published_result_months",
         lambda v, s: kpi_results.published_result_months(), viewers=("manager",)),
)


# Running --------------------------------------------------------------------------------------

@dataclass
class Timing:
    label: str
    viewer: str
    median_ms: float
    max_ms: float
    naive: "Timing | None" = None


@dataclass
class Backend:
    name: str
    version: str = ""
    generate_s: float = 0.0
    counts: dict = field(default_factory=dict)
    rebuild_s: float = 0.0
    timings: list[Timing] = field(default_factory=list)


def timed(app, viewer_id: int, call: Callable, scene: Scene, repeat: int,
          label: str, viewer_name: str) -> Timing:
    """Each call in a fresh request context and database session, as a page view has."""
    seconds = []
    for _ in range(repeat):
        with app.test_request_context():
            expect_writes(False)  # a GET: SQLite begins a read transaction
            viewer = db.session.get(User, viewer_id)
            started = time.perf_counter()
            call(viewer, scene)
            seconds.append(time.perf_counter() - started)
            db.session.rollback()
    expect_writes(True)
    return Timing(label, viewer_name, round(1000 * statistics.median(seconds), 1),
                  round(1000 * max(seconds), 1))


def progress_printer(name: str, started: float):
    def progress(month: str, counts: dict) -> None:
        print(f"  [{name}] {month}: {counts['answers']:,} answers "
              f"({time.perf_counter() - started:.0f} s)", flush=True)
    return progress


def prepare_postgresql(url: str) -> None:
    target = make_url(url)
    if "bench" not in (target.database or ""):
        raise SystemExit(f"refusing to drop the schema of {target.database!r}: "
                         "the benchmark's database name must contain 'bench'")
    admin = create_engine(target.set(database="postgres"), isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        if conn.scalar(text("SELECT 1 FROM pg_database WHERE datname = :name"),
                       {"name": target.database}) is None:
            conn.exec_driver_sql(f'CREATE DATABASE "{target.database}"')
    admin.dispose()


def reset_schema(app) -> None:
    with app.app_context():
        if db.engine.dialect.name == "postgresql":
            with db.engine.begin() as conn:
                conn.exec_driver_sql("DROP SCHEMA public CASCADE")
                conn.exec_driver_sql("CREATE SCHEMA public")
        db.create_all()


def vacuum_analyze(app, tables: tuple[str, ...] = ()) -> float:
    """What autovacuum does after a bulk load on PostgreSQL: fresh planner statistics and a
    visibility map. SQLite is left as the application leaves it (no ANALYZE)."""
    with app.app_context():
        if db.engine.dialect.name != "postgresql":
            return 0.0
        started = time.perf_counter()
        with db.engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
            conn.exec_driver_sql(f"VACUUM ANALYZE {', '.join(tables)}")
        return time.perf_counter() - started


def check_agreement(app, scene: Scene) -> None:
    """The summaries must give the raw tables' pass rates, or the timings compare nothing."""
    with app.app_context():
        manager = db.session.get(User, scene.manager_id)
        raw = {m: (n, int(p)) for m, n, p, _ in naive_by_month(manager, scene)}
        summed = {r.label: (r.sat, r.passed)
                  for r in service.by_month(manager, until=scene.month, last=scene.months)}
        if raw != summed:
            raise SystemExit(f"summary and raw pass rates differ:\n{raw}\n{summed}")
        db.session.rollback()


def run_backend(name: str, url: str, size: Size, args) -> Backend:
    result = Backend(name)
    app = create_app({**CONFIG, "SQLALCHEMY_DATABASE_URI": url})
    reset_schema(app)
    with app.app_context():
        result.version = (db.session.scalar(text("SHOW server_version")) if name == "postgresql"
                          else sqlite3.sqlite_version)
        started = time.perf_counter()
        print(f"[{name}] generating {size.agents:,} agents × {size.months} months × "
              f"{size.answers} answers in {size.teams} teams", flush=True)
        result.counts = generate(db.engine, size, progress_printer(name, started))
        result.generate_s = time.perf_counter() - started
    analyzed = vacuum_analyze(app)
    print(f"[{name}] generated in {result.generate_s:.1f} s"
          + (f" (+ VACUUM ANALYZE {analyzed:.1f} s)" if analyzed else "") + ": "
          + ", ".join(f"{k} {v:,}" for k, v in result.counts.items()), flush=True)

    with app.app_context():
        started = time.perf_counter()
        counted = tally.rebuild()
        db.session.commit()
        result.rebuild_s = time.perf_counter() - started
        rows = {m.__tablename__: db.session.scalar(select(func.count()).select_from(m))
                for m in (ExamResult, ExamTally, ItemTally, TeamItemTally)}
    vacuum_analyze(app, tuple(rows))
    print(f"[{name}] tally.rebuild: {result.rebuild_s:.1f} s for {counted:,} attempts → "
          + ", ".join(f"{k} {v:,}" for k, v in rows.items()), flush=True)

    all_months = months(size.months)
    scene = Scene(month=all_months[-1], first=all_months[0], months=size.months, team_id=1,
                  manager_id=1, lead_id=2, agent_id=size.teams + 2, question_id=1,
                  now=datetime(*map(int, all_months[-1].split("-")), 28, 12, 0))
    check_agreement(app, scene)
    viewer_ids = {"manager": scene.manager_id, "lead": scene.lead_id}
    print(f"[{name}] {'query':58} {'viewer':8} {'median':>9} {'max':>9}", flush=True)
    naive_seen = {}
    for call in CALLS:
        for viewer in call.viewers:
            timing = timed(app, viewer_ids[viewer], call.run, scene, args.repeat, call.name,
                           viewer)
            if call.naive is not None:
                # Several calls share a raw equivalent; it takes seconds, so time it once.
                key = (call.naive, viewer)
                if key not in naive_seen:
                    naive_seen[key] = timed(app, viewer_ids[viewer], call.naive, scene,
                                            args.naive_repeat, call.name, viewer)
                timing.naive = naive_seen[key]
            result.timings.append(timing)
            print(f"[{name}] {call.name:58} {viewer:8} {timing.median_ms:7.1f}ms "
                  f"{timing.max_ms:7.1f}ms "
                  f"{'PASS' if timing.median_ms < TARGET_MS else 'SLOW'}"
                  + (f"   naive {timing.naive.median_ms:9.1f}ms" if timing.naive else ""),
                  flush=True)
    with app.app_context():
        db.session.remove()
        db.engine.dispose()
    return result


def summary(results: list[Backend], size: Size, elapsed: float, args) -> str:
    by_name = {r.name: r for r in results}
    names = [n for n in ("sqlite", "postgresql") if n in by_name]
    heads = [{"sqlite": "SQLite", "postgresql": "PostgreSQL"}[n] for n in names]
    lines = [f"{size.agents:,} agents in {size.teams} teams × {size.months} months × "
             f"{size.answers} answers = "
             f"{results[0].counts.get('answers', 0):,} answer rows; median of {args.repeat} "
             f"calls (naive: {args.naive_repeat}), target < {TARGET_MS} ms (over it in bold).",
             ""]
    lines.append("| query | viewer | " + " | ".join(f"{h} ms" for h in heads) + " | "
                 + " | ".join(f"naive {h} ms" for h in heads) + " |")
    lines.append("|---|---|" + "---:|" * (2 * len(names)))
    rows = {}
    for name in names:
        for t in by_name[name].timings:
            rows.setdefault((t.label, t.viewer), {})[name] = t
    for (label, viewer), cells in rows.items():
        summed = [f"{cells[n].median_ms:.1f}" if cells[n].median_ms < TARGET_MS
                  else f"**{cells[n].median_ms:.1f}**" for n in names]
        naive = [f"{cells[n].naive.median_ms:.0f}" if cells[n].naive else "—" for n in names]
        lines.append(f"| {label} | {viewer} | " + " | ".join(summed) + " | "
                     + " | ".join(naive) + " |")
    lines.append("")
    lines.append("| step | " + " | ".join(heads) + " |")
    lines.append("|---|" + "---:|" * len(names))
    lines.append("| generate (bulk load) | "
                 + " | ".join(f"{by_name[n].generate_s:.0f} s" for n in names) + " |")
    attempts = max(1, results[0].counts.get("attempts", 0))
    lines.append("| tally.rebuild() | " + " | ".join(
        f"{by_name[n].rebuild_s:.0f} s ({1000 * by_name[n].rebuild_s / attempts:.1f} ms/attempt)"
        for n in names) + " |")
    lines.append("")
    versions = ", ".join(f"{h} {by_name[n].version}" for n, h in zip(names, heads, strict=True))
    lines.append(f"Machine: {os.cpu_count()} CPUs, Python {platform.python_version()}, "
                 f"{versions}; whole run {elapsed / 60:.1f} min.")
    return "\n".join(lines)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--agents", type=int, default=10_000)
    parser.add_argument("--months", type=int, default=12)
    parser.add_argument("--answers", type=int, default=50, help="answers per paper")
    parser.add_argument("--teams", type=int, help="default: one per 20 agents")
    parser.add_argument("--db", choices=("sqlite", "postgresql", "both"), default="both")
    parser.add_argument("--pg-url", default=os.environ.get("BENCH_PG_URL", PG_URL))
    parser.add_argument("--repeat", type=int, default=5)
    parser.add_argument("--naive-repeat", type=int, default=3)
    parser.add_argument("--seed", type=int, default=1)
    args = parser.parse_args()
    limits = {"agents": 10_000, "months": 12, "answers": 50}
    for name, most in limits.items():
        if not 1 <= getattr(args, name) <= most:
            parser.error(f"--{name} must be between 1 and {most}")
    teams = args.teams or max(1, args.agents // 20)
    if not 1 <= teams <= args.agents:
        parser.error("--teams must be between 1 and --agents")
    size = Size(args.agents, args.months, args.answers, teams, args.seed)

    started = time.perf_counter()
    results = []
    if args.db in ("sqlite", "both"):
        with tempfile.TemporaryDirectory(prefix="bench-dashboard-") as directory:
            results.append(run_backend("sqlite", f"sqlite:///{directory}/bench.db", size, args))
    if args.db in ("postgresql", "both"):
        prepare_postgresql(args.pg_url)
        results.append(run_backend("postgresql", args.pg_url, size, args))
    print()
    print(summary(results, size, time.perf_counter() - started, args))


if __name__ == "__main__":
    main()
