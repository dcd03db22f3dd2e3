"""The paper generator. Pure: the same inputs and seed give the same paper.

Every agent's paper follows the same blueprint (same count per category and difficulty),
so papers differ in questions but not in make-up. Questions the agent saw last month are
avoided while the bank allows; only when a quota cannot be met otherwise are they reused.
"""

import random
from dataclasses import dataclass


@dataclass(frozen=True)
class Candidate:
    version_id: int
    question_id: int
    category: str
    difficulty: int
    option_count: int
    module: str | None = None


@dataclass(frozen=True)
class PaperItem:
    version_id: int
    option_order: tuple[int, ...]


class BankTooSmall(ValueError):
    """The bank cannot fill a quota at all."""


def generate(blueprint, candidates: list[Candidate], recent_question_ids: set[int],
             seed: int) -> list[PaperItem]:
    # Not for secrecy: the seed itself comes from `secrets`; this makes a paper reproducible.
    rng = random.Random(seed)  # noqa: S311
    chosen: list[Candidate] = []
    for quota in blueprint.quotas:
        taken = {c.version_id for c in chosen}
        pool = sorted((c for c in candidates if quota.matches(c) and c.version_id not in taken),
                      key=lambda c: c.version_id)
        if len(pool) < quota.count:
            raise BankTooSmall(
                f"题库中符合({quota.describe()})的题只有 {len(pool)} 道,需要 {quota.count} 道"
            )
        fresh = [c for c in pool if c.question_id not in recent_question_ids]
        stale = [c for c in pool if c.question_id in recent_question_ids]
        rng.shuffle(fresh)
        rng.shuffle(stale)
        chosen.extend((fresh + stale)[: quota.count])
    rng.shuffle(chosen)
    return [PaperItem(c.version_id, option_order(rng, c.option_count)) for c in chosen]


def option_order(rng: random.Random, count: int) -> tuple[int, ...]:
    order = list(range(count))
    rng.shuffle(order)
    return tuple(order)
