"""Blueprints: how many questions of which kind a paper holds. Pure."""

from dataclasses import dataclass


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
        parts = [f"{k}={v}" for k, v in (("类别", self.category), ("难度", self.difficulty),
                                          ("课程", self.module)) if v is not None]
        return "、".join(parts) or "任意"


@dataclass(frozen=True)
class Blueprint:
    quotas: tuple[Quota, ...]

    @property
    def size(self) -> int:
        return sum(q.count for q in self.quotas)

    def to_json(self) -> list[dict]:
        return [{k: v for k, v in (("count", q.count), ("category", q.category),
                                   ("difficulty", q.difficulty), ("module", q.module))
                 if v is not None} for q in self.quotas]

    @classmethod
    def from_json(cls, rows: list[dict]) -> "Blueprint":
        return cls(tuple(Quota(int(r["count"]), r.get("category"), r.get("difficulty"),
                               r.get("module")) for r in rows))


def default_monthly(categories) -> Blueprint:
    """One easy and one medium question per category: 16 questions over the 8 categories."""
    return Blueprint(tuple(Quota(1, category=c, difficulty=d) for c in categories for d in (1, 2)))


def certification(module_ids, per_module: int) -> Blueprint:
    """The same number of questions from every required module."""
    return Blueprint(tuple(Quota(per_module, module=m) for m in module_ids))
