"""The paper generator. Pure: the same inputs and seed give the same paper.

Every agent's paper follows the same blueprint (same count per category and difficulty), so
papers differ in questions but not in make-up:

- Exposure: questions the agent was given in the exclusion window (the previous two months)
  are avoided while a quota's pool allows; when it does not, the least recently seen go in.
- Parallel forms: given each question's facility (historical mean credit, 0..1), questions
  are swapped within their quota until the paper's expected score is within a tolerance of
  the blueprint's target, so no agent draws a markedly easier or harder paper.
- Layout: questions grouped by category in blueprint order, shuffled within a category,
  options shuffled per paper.

`prepare` matches the bank against the blueprint once; `Pools.paper` then costs little, for
batches. `generate` does both, for one paper.
"""

import hashlib
import random
from bisect import bisect_left
from collections.abc import Iterable, Mapping
from collections.abc import Set as AbstractSet
from dataclasses import dataclass
from functools import cache
from itertools import permutations

from .blueprint import Blueprint, Quota

# What a question without history is assumed to score when its quota's pool has no history
# either: roughly the mean credit on a monthly exam.
DEFAULT_FACILITY = 0.7
_UNSEEN = float("-inf")  # recency rank of an unseen question: older than anything seen
# Up to this many options, one draw from a table of every order beats a shuffle (papers are
# laid out by the thousand); 720 orders of 6 options is as large as a table is worth.
_LISTED_ORDERS = 6


@dataclass(frozen=True)
class Candidate:
    version_id: int
    question_id: int
    category: str
    difficulty: int
    option_count: int
    module: str | None = None
    qtype: str = "single"


@dataclass(frozen=True)
class PaperItem:
    version_id: int
    option_order: tuple[int, ...]


class BankTooSmall(ValueError):
    """The bank cannot fill a quota at all."""


def paper_seed(exam_seed: int, agent: str) -> int:
    """The agent's paper seed: stable across processes and Python versions (unlike hash()),
    so a paper can be rebuilt from the exam's seed and the agent alone."""
    digest = hashlib.sha256(f"{exam_seed}:{agent}".encode()).digest()
    return int.from_bytes(digest[:4], "big") >> 1


def option_order(rng: random.Random, count: int) -> tuple[int, ...]:
    if count <= _LISTED_ORDERS:
        return rng.choice(_orders(count))
    order = list(range(count))
    rng.shuffle(order)
    return tuple(order)


@cache
def _orders(count: int) -> tuple[tuple[int, ...], ...]:
    return tuple(permutations(range(count)))


def expected_score(chosen: Iterable[Candidate], facility: Mapping[int, float],
                   blueprint: Blueprint) -> float:
    """Share of the paper's points an average agent is expected to get. `facility` must
    cover every question chosen (see `Pools.facility`)."""
    points = [(blueprint.points_for(c.qtype), facility[c.question_id]) for c in chosen]
    return sum(p * f for p, f in points) / sum(p for p, _ in points)


@dataclass(frozen=True)
class _Cell:
    quota: Quota
    members: tuple[int, ...]  # question ids
    # Per points value: facilities ascending and their question ids, for bisecting to the
    # swap that lands nearest the target.
    ladders: tuple[tuple[float, tuple[float, ...], tuple[int, ...]], ...]


@dataclass(frozen=True)
class Pools:
    """A blueprint matched against the bank once; `paper` draws from it as often as needed."""

    blueprint: Blueprint
    questions: Mapping[int, Candidate]  # question id → its newest version
    cells: tuple[_Cell, ...]  # smallest pool first, so wide quotas do not starve narrow ones
    cells_of: Mapping[int, tuple[int, ...]]  # question id → indices of the cells pooling it
    points: Mapping[int, float]
    category_rank: Mapping[str, int]
    # Every pooled question's facility, gaps filled (None: no balancing), and the expected
    # score the papers are balanced towards.
    facility: Mapping[int, float] | None
    target: float | None

    def paper(self, seen: Mapping[int, int] | AbstractSet[int], seed: int,
              tolerance: float = 0.03) -> list[PaperItem]:
        """`seen`: question id → recency rank (larger is more recent) of the questions the
        agent was given in the exclusion window; a plain set counts them all as equally
        recent."""
        # Not for secrecy: the seed itself comes from `secrets`; this makes a paper reproducible.
        rng = random.Random(seed)  # noqa: S311
        ranks = seen if isinstance(seen, Mapping) else dict.fromkeys(seen, 0)
        # Per cell, the questions of its pool that are seen or already on the paper: few,
        # so a draw need not look at the whole pool.
        blocked: list[set[int]] = [set() for _ in self.cells]
        for q in ranks:
            for index in self.cells_of.get(q, ()):
                blocked[index].add(q)
        taken: set[int] = set()
        picks: list[tuple[int, int]] = []  # (cell index, question id)
        for index, cell in enumerate(self.cells):
            drawn = _draw(cell, blocked[index], ranks, taken, rng)
            for q in drawn:
                for other in self.cells_of[q]:
                    blocked[other].add(q)
            taken.update(drawn)
            picks.extend((index, q) for q in drawn)
        if self.target is not None and picks:
            self._balance(picks, taken, ranks, tolerance)
        return self._lay_out(picks, rng)

    def _balance(self, picks: list[tuple[int, int]], taken: set[int], ranks: Mapping[int, int],
                 tolerance: float) -> None:
        """Best-improvement swaps within a quota until the expected score is near the target.
        A swap never makes the paper staler: an unseen question gives way only to an unseen
        one, a seen one to one seen no more recently (a seen one is on the paper only because
        its quota has no unseen question left). Only a question no other quota pools leaves
        the paper, so no quota is left holding a seen question while an unseen one is free."""
        points, facility, target = self.points, self.facility, self.target
        total = sum(points[q] * facility[q] for _, q in picks)
        weight = sum(points[q] for _, q in picks)
        for _ in range(len(picks)):
            error = abs(total / weight - target)
            if error <= tolerance:
                return
            best = None
            for position, (index, out) in enumerate(picks):
                if len(self.cells_of[out]) > 1:
                    continue
                cell = self.cells[index]
                rank = ranks.get(out, _UNSEEN)
                rest_total = total - points[out] * facility[out]
                rest_weight = weight - points[out]
                for p, facilities, ids in cell.ladders:
                    new_weight = rest_weight + p
                    at = bisect_left(facilities, (target * new_weight - rest_total) / p)
                    # The nearest eligible question on either side of the ideal facility.
                    for steps in (range(at - 1, -1, -1), range(at, len(ids))):
                        for step in steps:
                            q = ids[step]
                            recency = ranks.get(q)
                            if q in taken or (recency is not None and recency > rank):
                                continue
                            new_error = abs((rest_total + p * facilities[step]) / new_weight
                                            - target)
                            if new_error < error:
                                error, best = new_error, (position, index, out, q)
                            break
            if best is None:
                return
            position, index, out, q = best
            picks[position] = (index, q)
            taken.discard(out)
            taken.add(q)
            total += points[q] * facility[q] - points[out] * facility[out]
            weight += points[q] - points[out]

    def _lay_out(self, picks: list[tuple[int, int]], rng: random.Random) -> list[PaperItem]:
        by_category: dict[str, list[Candidate]] = {}
        for _, q in picks:
            candidate = self.questions[q]
            by_category.setdefault(candidate.category, []).append(candidate)
        # Categories no quota names (certification draws by module) follow, by name.
        unnamed = len(self.category_rank)
        items = []
        for category in sorted(by_category,
                               key=lambda c: (self.category_rank.get(c, unnamed), c)):
            group = by_category[category]
            rng.shuffle(group)
            items.extend(PaperItem(c.version_id, option_order(rng, c.option_count))
                         for c in group)
        return items


def _draw(cell: _Cell, blocked: set[int], ranks: Mapping[int, int], taken: set[int],
          rng: random.Random) -> list[int]:
    count, members = cell.quota.count, cell.members
    if len(members) - len(blocked) >= count:
        # A random prefix long enough to hold `count` unblocked questions, whatever it holds
        # of the blocked ones: as fair a draw as sampling the unblocked, at a fraction of the
        # cost.
        return [q for q in rng.sample(members, count + len(blocked)) if q not in blocked][:count]
    fresh = [q for q in members if q not in blocked]
    stale = [q for q in members if q in ranks and q not in taken]
    if len(fresh) + len(stale) < count:
        raise BankTooSmall(
            f"题库中符合({cell.quota.describe()})的题除去其他配额已选的只剩 "
            f"{len(fresh) + len(stale)} 道,需要 {count} 道")
    stale.sort(key=lambda q: (ranks[q], rng.random()))
    return fresh + stale[:count - len(fresh)]


def prepare(blueprint: Blueprint, candidates: Iterable[Candidate],
            facility: Mapping[int, float] | None = None) -> Pools:
    """Match the bank against the blueprint; `facility` (question id → historical mean
    credit) turns on balancing. Raises BankTooSmall naming the first quota its pool cannot
    fill."""
    questions: dict[int, Candidate] = {}
    # Sorted, so pools (and so papers) do not depend on the order the bank was read in;
    # a question listed in several versions keeps its newest.
    for candidate in sorted(candidates, key=lambda c: c.version_id):
        questions[candidate.question_id] = candidate
    by_cell: dict[tuple, list[int]] = {}
    for q, c in questions.items():
        by_cell.setdefault((c.category, c.difficulty, c.module), []).append(q)
    pools = []
    for quota in blueprint.quotas:
        pool = tuple(q for ids in by_cell.values() if quota.matches(questions[ids[0]])
                     for q in ids)
        if len(pool) < quota.count:
            raise BankTooSmall(f"题库中符合({quota.describe()})的题只有 {len(pool)} 道,"
                               f"需要 {quota.count} 道")
        pools.append(pool)
    points = {q: blueprint.points_for(questions[q].qtype) for pool in pools for q in pool}
    filled = None if facility is None else _fill(pools, facility)
    order = sorted(range(len(pools)), key=lambda i: len(pools[i]))
    cells = tuple(_Cell(blueprint.quotas[i], pools[i],
                        () if filled is None else _ladders(pools[i], points, filled))
                  for i in order)
    cells_of: dict[int, tuple[int, ...]] = {}
    for index, cell in enumerate(cells):
        for q in cell.members:
            cells_of[q] = (*cells_of.get(q, ()), index)
    category_rank: dict[str, int] = {}
    for quota in blueprint.quotas:
        if quota.category is not None:
            category_rank.setdefault(quota.category, len(category_rank))
    return Pools(blueprint, questions, cells, cells_of, points, category_rank, filled,
                 None if filled is None else _target(blueprint, pools, points, filled))


def _fill(pools: list[tuple[int, ...]], facility: Mapping[int, float]) -> dict[int, float]:
    """A question without history counts as the mean of those with history in the pool of
    the first quota that draws it (DEFAULT_FACILITY if none has any)."""
    filled: dict[int, float] = {}
    for pool in pools:
        known = [facility[q] for q in pool if q in facility]
        fallback = sum(known) / len(known) if known else DEFAULT_FACILITY
        for q in pool:
            filled.setdefault(q, facility.get(q, fallback))
    return filled


def _target(blueprint: Blueprint, pools: list[tuple[int, ...]], points: Mapping[int, float],
            filled: Mapping[int, float]) -> float | None:
    """About the expected score of a paper drawn at random: per quota, its count times the
    points-weighted mean facility of its pool, weighted by the points it carries."""
    total = weight = 0.0
    for quota, pool in zip(blueprint.quotas, pools, strict=True):
        if quota.count and pool:
            total += quota.count * sum(points[q] * filled[q] for q in pool) / len(pool)
            weight += quota.count * sum(points[q] for q in pool) / len(pool)
    return total / weight if weight else None


def _ladders(pool: tuple[int, ...], points: Mapping[int, float],
             filled: Mapping[int, float]) -> tuple[tuple[float, tuple[float, ...],
                                                          tuple[int, ...]], ...]:
    by_points: dict[float, list[tuple[float, int]]] = {}
    for q in pool:
        by_points.setdefault(points[q], []).append((filled[q], q))
    ladders = []
    for p, rungs in sorted(by_points.items()):
        rungs.sort()
        ladders.append((p, tuple(f for f, _ in rungs), tuple(q for _, q in rungs)))
    return tuple(ladders)


def generate(blueprint: Blueprint, candidates: Iterable[Candidate],
             seen: Mapping[int, int] | AbstractSet[int], seed: int,
             facility: Mapping[int, float] | None = None,
             tolerance: float = 0.03) -> list[PaperItem]:
    """One paper; for many papers from the same bank, `prepare` once and call `paper`."""
    return prepare(blueprint, candidates, facility).paper(seen, seed, tolerance)
