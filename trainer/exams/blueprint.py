"""Blueprints: how many questions of which kind a paper holds, and what each type is worth.
Pure: dataclasses in, dataclasses out.

A blueprint is stored as JSON on the exam. Databases from before points and names were kept
hold a plain list of quotas; `Blueprint.from_json` still reads those.
"""

from collections import Counter
from dataclasses import dataclass
from typing import TYPE_CHECKING, Literal

from ..questions.bank import CATEGORIES, TYPES

if TYPE_CHECKING:
    from collections.abc import Iterable

    from .generator import Candidate

DEFAULT_QUESTION_POINTS = 2.0
# Two points a question, whatever its type: the standard 50-question paper is out of 100.
DEFAULT_POINTS: tuple[tuple[str, float], ...] = tuple(
    (qtype, DEFAULT_QUESTION_POINTS) for qtype in TYPES)


@dataclass(frozen=True)
class Quota:
    """`count` questions matching every dimension given (None matches anything)."""

    count: int
    category: str | None = None
    difficulty: int | None = None
    module: str | None = None

    def matches(self, candidate) -> bool:
        return all(wanted is None or wanted == getattr(candidate, name)
                   for name, wanted in (("category", self.category),
                                        ("difficulty", self.difficulty),
                                        ("module", self.module)))

    def describe(self) -> str:
        parts = []
        if self.category is not None:
            parts.append(CATEGORIES.get(self.category, self.category))
        if self.difficulty is not None:
            parts.append(f"难度{self.difficulty}")
        if self.module is not None:
            parts.append(f"课程 {self.module}")
        return " ".join(parts) or "任意"

    @property
    def cell(self) -> tuple[str | None, int | None, str | None]:
        return self.category, self.difficulty, self.module

    def to_json(self) -> dict:
        return {k: v for k, v in (("count", self.count), ("category", self.category),
                                  ("difficulty", self.difficulty), ("module", self.module))
                if v is not None}

    @classmethod
    def from_json(cls, row: dict) -> "Quota":
        difficulty = row.get("difficulty")
        return cls(int(row["count"]), row.get("category"),
                   None if difficulty is None else int(difficulty), row.get("module"))


@dataclass(frozen=True)
class Blueprint:
    quotas: tuple[Quota, ...]
    points: tuple[tuple[str, float], ...] = DEFAULT_POINTS
    name: str = ""

    @property
    def size(self) -> int:
        return sum(q.count for q in self.quotas)

    def points_for(self, qtype: str) -> float:
        return next((p for t, p in self.points if t == qtype), DEFAULT_QUESTION_POINTS)

    def to_json(self) -> dict:
        return {"name": self.name, "quotas": [q.to_json() for q in self.quotas],
                "points": dict(self.points)}

    @classmethod
    def from_json(cls, data: dict | list) -> "Blueprint":
        if isinstance(data, list):
            return cls(tuple(Quota.from_json(row) for row in data))
        points = data.get("points")
        return cls(tuple(Quota.from_json(row) for row in data["quotas"]),
                   DEFAULT_POINTS if points is None
                   else tuple((qtype, float(p)) for qtype, p in points.items()),
                   data.get("name", ""))


def default_monthly(categories) -> Blueprint:
    """50 questions over the categories: 3 easy, 3 medium and 2 hard on the rules (what an
    agent must never get wrong weighs most), 2 easy, 3 medium and 1 hard on every other one."""
    mix = {"rules": (3, 3, 2)}
    return Blueprint(tuple(Quota(count, category=c, difficulty=d)
                           for c in categories
                           for d, count in zip((1, 2, 3), mix.get(c, (2, 3, 1)), strict=True)),
                     name="标准月考")


def certification(module_ids, per_module: int) -> Blueprint:
    """The same number of questions from every required module."""
    return Blueprint(tuple(Quota(per_module, module=m) for m in module_ids), name="上岗认证")


@dataclass(frozen=True)
class CellCheck:
    quota: Quota
    pool: int
    level: Literal["ok", "short", "exposure"]
    message: str


def check(blueprint: Blueprint, candidates: "Iterable[Candidate]",
          exclusion_months: int = 2) -> list[CellCheck]:
    """Whether the bank can fill each quota, and keep the questions of the previous
    `exclusion_months` papers out: that takes a pool of count × (1 + exclusion_months)."""
    candidates = list(candidates)
    checks = []
    for quota in blueprint.quotas:
        pool = len({c.question_id for c in candidates if quota.matches(c)})
        label, needed = quota.describe(), quota.count * (1 + exclusion_months)
        if pool < quota.count:
            checks.append(CellCheck(quota, pool, "short",
                                    f"{label}:题库只有 {pool} 道,配额 {quota.count} 道,无法出卷"))
        elif pool < needed:
            checks.append(CellCheck(
                quota, pool, "exposure",
                f"{label}:题库 {pool} 道,配额 {quota.count} 道,不足 {needed} 道,"
                f"无法避开前 {exclusion_months} 个月考过的题"))
        else:
            checks.append(CellCheck(quota, pool, "ok",
                                    f"{label}:题库 {pool} 道,配额 {quota.count} 道"))
    return checks


def validate(blueprint: Blueprint) -> list[str]:
    """What makes the blueprint unusable, as messages for the manager; empty when it is fine."""
    errors = [f"{q.describe()}:题数不能为负数({q.count})" for q in blueprint.quotas if q.count < 0]
    if blueprint.size <= 0:
        errors.append(f"题目总数必须大于 0(现为 {blueprint.size})")
    errors.extend(f"{Quota(0, *cell).describe()}:配额重复了 {n} 次,请合并为一条"
                  for cell, n in Counter(q.cell for q in blueprint.quotas).items() if n > 1)
    errors.extend(f"{TYPES.get(qtype, qtype)}:分值必须大于 0(现为 {p:g})"
                  for qtype, p in blueprint.points if p <= 0)
    return errors

