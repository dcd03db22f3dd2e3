"""A synthetic department for the dashboard benchmark, written straight into the tables.

Deterministic for a seed. Agents have an ability that grows a little month by month,
questions a difficulty, a discrimination and a guessing floor (a few have a flawed key, so
item analysis has something to flag), and an answer is right with the usual logistic
chance. Wrong answers pick a distractor the way a real bank's are picked: unevenly.

Rows go in through the driver (executemany on SQLite, COPY on PostgreSQL) with explicit ids,
a month at a time, so memory stays flat whatever the size.
"""

import hashlib
import itertools
import json
import math
import random
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import func, insert, select

from trainer.exams.blueprint import default_monthly
from trainer.extensions import db
from trainer.kpi.rules import DEFAULT_GRADES
from trainer.questions.bank import CATEGORIES

BANK = 400
TEAM_SIZE = 20
LAST_MONTH = (2026, 6)
MIX = (("single", 0.5), ("multiple", 0.25), ("truefalse", 0.25))
PERMUTATIONS = tuple(itertools.permutations(range(4)))
OMITTED = 0.01  # answers left blank
CHUNK = 1000  # agents per insert batch
# The shipped course module and sections that teach each category; one question in ten is
# taught nowhere, as in a real bank.
COURSES = {
    "rules": ("platform-rules", ("return-window", "intact-standard", "late-shipping")),
    "monthly_faq": ("assessment", ("monthly-exam", "deductions", "kpi-sheet")),
    "sales": ("presales", ("greet", "recommend", "bargain")),
    "product": ("sizing", ("letter-sizes", "intl-sizes", "recommend-size")),
    "after_sales": ("after-sales", ("tracking", "returns-exchanges", "complaints-reviews")),
    "promotions": ("promotions", ("offer-types", "calculation", "gifts")),
    "systems": ("systems", ("order-flow", "refunds", "shipping")),
    "etiquette": ("etiquette", ("polite-language", "forbidden-phrases", "phone")),
}


@dataclass(frozen=True)
class Size:
    agents: int
    months: int
    answers: int
    teams: int
    seed: int = 1


@dataclass(frozen=True)
class Item:
    id: int  # question id and its single version's id
    category: str
    difficulty: int
    qtype: str
    key: tuple
    b: float  # IRT difficulty
    a: float  # discrimination
    c: float  # guessing floor
    distractors: tuple[float, ...]  # cumulative weights over the 4 options (choice types)


@dataclass(frozen=True)
class People:
    manager_id: int
    lead_ids: tuple[int, ...]  # by team index
    agent_ids: tuple[int, ...]
    team_of: tuple[int, ...]  # team id by agent index


def months(count: int) -> list[str]:
    year, month = LAST_MONTH
    ordinal = year * 12 + month - 1
    return [f"{o // 12:04d}-{o % 12 + 1:02d}" for o in range(ordinal - count + 1, ordinal + 1)]


def _text(value) -> str:
    return json.dumps(value, ensure_ascii=False)


def _stamp(moment: datetime) -> str:
    return moment.isoformat(sep=" ")


class Loader:
    """Bulk rows through the raw driver connection: executemany in one transaction on SQLite,
    COPY on PostgreSQL. JSON columns arrive as text, times as ISO strings."""

    def __init__(self, engine):
        self.engine = engine
        self.postgresql = engine.dialect.name == "postgresql"
        self.raw = engine.raw_connection()
        self.cursor = self.raw.cursor()
        if not self.postgresql:
            self.cursor.execute("BEGIN")

    def rows(self, table: str, columns: tuple[str, ...], rows) -> int:
        if self.postgresql:
            from psycopg import sql

            count = 0
            statement = sql.SQL("COPY {} ({}) FROM STDIN").format(
                sql.Identifier(table), sql.SQL(", ").join(map(sql.Identifier, columns)))
            with self.cursor.copy(statement) as copy:
                for row in rows:
                    copy.write_row(row)
                    count += 1
            return count
        rows = list(rows)
        statement = insert(db.metadata.tables[table]).compile(
            dialect=self.engine.dialect, column_keys=list(columns))
        self.cursor.executemany(str(statement), rows)
        return len(rows)

    def execute(self, statement) -> None:
        """A statement without parameters: SQL text, or SQLAlchemy rendered for the driver."""
        if not isinstance(statement, str):
            statement = str(statement.compile(dialect=self.engine.dialect,
                                              compile_kwargs={"literal_binds": True}))
        self.cursor.execute(statement)

    def commit(self) -> None:
        if self.postgresql:
            self.raw.commit()
        else:
            self.cursor.execute("COMMIT")
            self.cursor.execute("BEGIN")

    def close(self) -> None:
        if self.postgresql:
            self.raw.commit()
        else:
            self.cursor.execute("COMMIT")
        self.raw.close()


def bank(rng: random.Random) -> list[Item]:
    items = []
    categories = list(CATEGORIES)
    for n in range(BANK):
        category = categories[n % len(categories)]
        slot = n // len(categories)  # 50 per category: 20 easy, 20 medium, 10 hard
        difficulty = 1 if slot % 5 in (0, 1) else 2 if slot % 5 in (2, 3) else 3
        roll, qtype = rng.random(), MIX[-1][0]
        for name, share in MIX:
            if roll < share:
                qtype = name
                break
            roll -= share
        if qtype == "truefalse":
            key, c = (rng.random() < 0.5,), 0.5
        elif qtype == "single":
            key, c = (rng.randrange(4),), 0.25
        else:
            key, c = tuple(sorted(rng.sample(range(4), rng.choice((2, 2, 3))))), 0.05
        weights = [rng.random() ** 2 for _ in range(4)]
        total = sum(weights)
        cumulative = tuple(itertools.accumulate(w / total for w in weights))
        flawed = rng.random() < 0.02
        items.append(Item(
            id=n + 1, category=category, difficulty=difficulty, qtype=qtype, key=key,
            b=rng.gauss(-1.6 + 0.7 * difficulty, 0.6),
            a=rng.uniform(-0.4, 0.1) if flawed else rng.uniform(0.5, 1.8), c=c,
            distractors=cumulative))
    return items


def _quota_pools(items: list[Item], answers: int) -> list[tuple[list[int], int]] | None:
    """The default blueprint's (category, difficulty) quotas over the bank, when the paper
    has its size; None draws uniformly instead."""
    blueprint = default_monthly(CATEGORIES)
    if blueprint.size != answers:
        return None
    pools = []
    for quota in blueprint.quotas:
        pool = [i.id for i in items
                if i.category == quota.category and i.difficulty == quota.difficulty]
        pools.append((pool, quota.count))
    return pools


def load_bank(loader: Loader, items: list[Item]) -> None:
    created = _stamp(datetime(2025, 1, 1, 9, 0))

    def taught(i: Item) -> tuple[str | None, str | None]:
        module, sections = COURSES[i.category]
        return (None, None) if i.id % 10 == 0 else (module, sections[i.id % len(sections)])

    loader.rows("questions", (
        "id", "key", "category", "difficulty", "qtype", "module", "section", "seed", "tags",
        "retired"), (
        (i.id, f"bench-{i.id:04d}", i.category, i.difficulty, i.qtype, *taught(i), "", "[]",
         False) for i in items))
    rows = []
    for i in items:
        options = [] if i.qtype == "truefalse" else [f"选项{k + 1}" for k in range(4)]
        stem = f"第 {i.id} 题:{CATEGORIES[i.category]}"
        digest = hashlib.sha256(f"{stem}{options}{i.key}".encode()).hexdigest()
        rows.append((i.id, i.id, 1, stem, "plain", _text(options), _text(list(i.key)),
                     "all_or_nothing", "[]", "", "", digest, created, ""))
    loader.rows("question_versions", (
        "id", "question_id", "number", "stem", "stem_format", "options", "answer", "scoring",
        "chat", "reference", "explanation", "digest", "created_at", "note"), rows)
    loader.execute("UPDATE questions SET current_version_id = id")


def load_people(loader: Loader, size: Size) -> People:
    created = _stamp(datetime(2025, 1, 1, 9, 0))
    loader.rows("teams", ("id", "name"),
                ((t, f"{t:03d} 组") for t in range(1, size.teams + 1)))
    lead_ids = tuple(range(2, size.teams + 2))
    agent_ids = tuple(range(size.teams + 2, size.teams + 2 + size.agents))
    team_of = tuple(1 + a * size.teams // size.agents for a in range(size.agents))
    users = [(1, "manager", "主管", "manager", None)]
    users += [(uid, f"lead{t:03d}", f"组长{t:03d}", "lead", t)
              for t, uid in enumerate(lead_ids, start=1)]
    users += [(uid, f"agent{a:05d}", f"客服{a:05d}", "agent", team_of[a])
              for a, uid in enumerate(agent_ids)]
    loader.rows("users", (
        "id", "username", "display_name", "password_hash", "role", "team_id", "joined_on",
        "is_active_account", "must_change_password", "session_epoch", "created_at"),
        ((uid, name, shown, "!bench", role, team, "2025-01-01", True, False, 0, created)
         for uid, name, shown, role, team in users))
    return People(1, lead_ids, agent_ids, team_of)


def load_exams(loader: Loader, size: Size) -> list[tuple[int, str, datetime]]:
    blueprint = _text(default_monthly(CATEGORIES).to_json())
    exams = []
    for n, month in enumerate(months(size.months), start=1):
        year, mon = map(int, month.split("-"))
        opens = datetime(year, mon, 20, 9, 0)
        exams.append((n, month, opens))
    loader.rows("exams", (
        "id", "kind", "month", "title", "opens_at", "closes_at", "duration_minutes",
        "pass_mark", "blueprint", "seed", "facility", "audience", "attempts_allowed",
        "review_policy", "created_by_id", "created_at"),
        ((n, "monthly", month, f"{month} 月度考试", _stamp(opens),
          _stamp(opens + timedelta(days=3)), 60, 60.0, blueprint, n, "{}", "all", 1,
          "after_close", 1, _stamp(opens - timedelta(days=5))) for n, month, opens in exams))
    return exams


def _chance(item: Item, theta: float) -> float:
    return item.c + (1 - item.c) / (1 + math.exp(-item.a * (theta - item.b)))


def _wrong(item: Item, rng: random.Random) -> list:
    if item.qtype == "truefalse":
        return [not item.key[0]]
    if item.qtype == "single":
        while True:
            roll = rng.random()
            pick = next(k for k, edge in enumerate(item.distractors) if roll <= edge)
            if pick != item.key[0]:
                return [pick]
    flipped = set(item.key) ^ {rng.randrange(4)}
    return sorted(flipped) if flipped and flipped != set(item.key) else [0, 1, 2, 3]


def load_history(loader: Loader, size: Size, items: list[Item], people: People,
                 exams: list[tuple[int, str, datetime]], progress) -> dict[str, int]:
    """Papers, graded attempts, answers and KPI results, month by month; returns row counts."""
    rng = random.Random(size.seed * 7919 + 1)
    by_id = {i.id: i for i in items}
    ability = [rng.gauss(0.3, 0.9) for _ in people.agent_ids]
    pools = _quota_pools(items, size.answers)
    ids = [i.id for i in items]
    encoded: dict[tuple, str] = {}
    counts = dict.fromkeys(("papers", "attempts", "answers", "kpi_results"), 0)
    for m, (exam_id, month, opens) in enumerate(exams):
        for start in range(0, size.agents, CHUNK):
            papers, attempts, answers, kpis = [], [], [], []
            for a in range(start, min(start + CHUNK, size.agents)):
                paper_id = m * size.agents + a + 1
                theta = ability[a] + 0.05 * m
                if pools:
                    drawn = [q for pool, count in pools for q in rng.sample(pool, count)]
                else:
                    drawn = rng.sample(ids, size.answers)
                began = opens + timedelta(minutes=rng.randrange(3 * 24 * 60 - 60))
                done = _stamp(began + timedelta(minutes=20 + rng.randrange(40)))
                paper_items, earned = [], 0
                for position, qid in enumerate(drawn):
                    item = by_id[qid]
                    order = [] if item.qtype == "truefalse" else PERMUTATIONS[rng.randrange(24)]
                    paper_items.append({"version_id": qid, "option_order": list(order)})
                    if rng.random() < OMITTED:
                        response, right = [], False
                    else:
                        right = rng.random() < _chance(item, theta)
                        response = list(item.key) if right else _wrong(item, rng)
                    text = encoded.get(tuple(response))
                    if text is None:
                        text = encoded[tuple(response)] = _text(response)
                    earned += right
                    answers.append(((paper_id - 1) * size.answers + position + 1, paper_id,
                                    position, qid, text, right, 1.0 if right else 0.0, done,
                                    ""))
                score = round(100 * earned / size.answers, 1)
                papers.append((paper_id, exam_id, people.agent_ids[a], 1, paper_id,
                               _text(paper_items), _stamp(opens)))
                attempts.append((paper_id, paper_id, _stamp(began),
                                 _stamp(began + timedelta(minutes=60)), done, earned, score,
                                 "[]"))
                kpis.append(_kpi_row(rng, paper_id, month, people, a, score))
            counts["papers"] += loader.rows("papers", (
                "id", "exam_id", "user_id", "sitting", "seed", "items", "created_at"), papers)
            counts["attempts"] += loader.rows("attempts", (
                "id", "paper_id", "started_at", "ends_at", "submitted_at", "correct", "score",
                "flags"), attempts)
            counts["answers"] += loader.rows("answers", (
                "id", "attempt_id", "position", "version_id", "response", "is_correct",
                "credit", "saved_at", "comment"), answers)
            counts["kpi_results"] += loader.rows("kpi_results", (
                "id", "month", "user_id", "team_id", "assessment_score", "kpi", "grade", "bonus",
                "commission", "elimination", "stored_at"), kpis)
        loader.commit()
        progress(month, counts)
    return counts


def _kpi_row(rng: random.Random, row_id: int, month: str, people: People, a: int,
             score: float) -> tuple:
    """An agent-month's published KPI: the assessment score follows the exam, the KPI its own
    spread; a few agents had no metrics that month (no sheet, no grade)."""
    assessment = max(0, min(100, round(0.6 * score + rng.gauss(35, 6))))
    stored = _stamp(datetime(2026, 7, 1))
    if rng.random() < 0.03:
        return (row_id, month, people.agent_ids[a], people.team_of[a], assessment, None, None,
                None, None, False, stored)
    kpi = round(min(110.0, max(40.0, rng.gauss(80, 9))), 2)
    grade = next((name for bound, name in DEFAULT_GRADES if kpi >= bound), "none")
    bonus = round(max(0.0, kpi - 70) * 10, 2) if kpi >= 70 else 0.0
    commission = round(rng.uniform(0, 1500), 2)
    return (row_id, month, people.agent_ids[a], people.team_of[a], assessment, str(kpi), grade,
            str(bonus), str(commission), kpi < 60, stored)


def fix_sequences(loader: Loader, tables: tuple[str, ...]) -> None:
    """Explicit ids leave PostgreSQL's sequences behind; later inserts must not collide."""
    if loader.postgresql:
        for name in tables:
            table = db.metadata.tables[name]
            statement = select(func.setval(
                func.pg_get_serial_sequence(name, "id"),
                select(func.coalesce(func.max(table.c.id), 1)).scalar_subquery()))
            loader.execute(statement)


def generate(engine, size: Size, progress) -> dict[str, int]:
    """Fill an empty schema; returns row counts by table."""
    rng = random.Random(size.seed)
    loader = Loader(engine)
    try:
        items = bank(rng)
        load_bank(loader, items)
        people = load_people(loader, size)
        exams = load_exams(loader, size)
        loader.commit()
        counts = {"questions": len(items), "users": 1 + size.teams + size.agents,
                  "exams": len(exams)}
        counts.update(load_history(loader, size, items, people, exams, progress))
        fix_sequences(loader, ("questions", "question_versions", "teams", "users", "exams",
                               "papers", "attempts", "answers", "kpi_results"))
    finally:
        loader.close()
    return counts

