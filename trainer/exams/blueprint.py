"""Blueprints: how many questions of which category and difficulty a paper holds. Pure."""

from dataclasses import dataclass


@dataclass(frozen=True)
class Quota:
    category: str
    difficulty: int
    count: int


@dataclass(frozen=True)
class Blueprint:
    quotas: tuple[Quota, ...]

    @property
    def size(self) -> int:
        return sum(q.count for q in self.quotas)

    def to_json(self) -> list[dict]:
        return [{"category": q.category, "difficulty": q.difficulty, "count": q.count}
                for q in self.quotas]

    @classmethod
    def from_json(cls, rows: list[dict]) -> "Blueprint":
        return cls(tuple(Quota(r["category"], int(r["difficulty"]), int(r["count"]))
                         for r in rows))


def default_monthly(categories) -> Blueprint:
    """One easy and one medium question per category: 16 questions over the 8 categories."""
    return Blueprint(tuple(Quota(c, d, 1) for c in categories for d in (1, 2)))
