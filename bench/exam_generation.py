"""Monthly paper generation for a whole workforce, against a baseline. Pure Python, no Flask.

Builds a synthetic bank (spread over the 8 categories × 3 difficulties, mixed question types,
4 options for the choice types, a facility for 90% of the questions), then gives every agent
a history of the two previous months' papers, generated the same way. Times one paper per
agent with the default 50-question blueprint (bank matched once with `prepare`, then
`Pools.paper` per agent), and as a baseline `random.sample` of 50 question ids per agent.
Also times `generate` (matching the bank anew per paper, as the service does) on a sample of
agents, and reports how balanced and how fresh the papers are.

    .venv/bin/python bench/exam_generation.py --agents 10000 --bank 2000 [--seed 1]
"""

import argparse
import random
import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from trainer.exams.blueprint import default_monthly  # noqa: E402
from trainer.exams.generator import (  # noqa: E402
    Candidate,
    expected_score,
    generate,
    paper_seed,
    prepare,
)
from trainer.questions.bank import CATEGORIES  # noqa: E402

# The types an exam can draw without a grader; choice types carry 4 options.
QTYPES = (("single", 4), ("single", 4), ("multiple", 4), ("truefalse", 0), ("fill", 0),
          ("scenario", 4))
MONTH = 2026 * 12 + 10  # the month being generated, as an ordinal
TOLERANCE = 0.03
SERVICE_SAMPLE = 500  # agents timed through `generate`, which re-matches the bank each time


def synthetic_bank(size: int, rng: random.Random) -> tuple[list[Candidate], dict[int, float]]:
    cells = [(c, d) for c in CATEGORIES for d in (1, 2, 3)]
    bank, facility = [], {}
    for n in range(size):
        category, difficulty = cells[n % len(cells)]
        qtype, options = rng.choice(QTYPES)
        bank.append(Candidate(10_000 + n, n, category, difficulty, options, qtype=qtype))
        if rng.random() < 0.9:
            # Harder questions get less credit on average.
            facility[n] = min(1.0, max(0.0, rng.gauss(0.9 - 0.12 * difficulty, 0.12)))
    return bank, facility


def histories(pools, agents: list[str]) -> list[dict[int, int]]:
    """Question id → month ordinal of the two papers before MONTH, as the service keeps them."""
    by_question = {c.version_id: c.question_id for c in pools.questions.values()}
    seen_by_agent = []
    for agent in agents:
        seen: dict[int, int] = {}
        for month in (MONTH - 2, MONTH - 1):
            paper = pools.paper(dict(seen), paper_seed(month, agent))
            seen.update((by_question[item.version_id], month) for item in paper)
        seen_by_agent.append(seen)
    return seen_by_agent


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--agents", type=int, default=10_000)
    parser.add_argument("--bank", type=int, default=2_000, help="questions in the bank")
    parser.add_argument("--seed", type=int, default=1)
    args = parser.parse_args()

    rng = random.Random(args.seed)
    bank, facility = synthetic_bank(args.bank, rng)
    blueprint = default_monthly(CATEGORIES)
    agents = [f"agent{n:05d}" for n in range(args.agents)]
    seeds = [paper_seed(MONTH, agent) for agent in agents]
    ids = [c.question_id for c in bank]

    started = time.perf_counter()
    pools = prepare(blueprint, bank, facility)
    prepare_s = time.perf_counter() - started
    seen_by_agent = histories(pools, agents)

    started = time.perf_counter()
    papers = [pools.paper(seen, seed, TOLERANCE) for seen, seed in zip(seen_by_agent, seeds,
                                                                      strict=True)]
    generator_s = time.perf_counter() - started

    started = time.perf_counter()
    for seed in seeds:
        random.Random(seed).sample(ids, blueprint.size)
    baseline_s = time.perf_counter() - started

    sample = min(SERVICE_SAMPLE, args.agents)
    started = time.perf_counter()
    for seen, seed in zip(seen_by_agent[:sample], seeds[:sample], strict=True):
        generate(blueprint, bank, seen, seed, facility, TOLERANCE)
    service_s = time.perf_counter() - started

    by_version = {c.version_id: c for c in bank}
    scores = [expected_score([by_version[i.version_id] for i in paper], pools.facility,
                             blueprint) for paper in papers]
    repeats = sum(by_version[i.version_id].question_id in seen
                  for paper, seen in zip(papers, seen_by_agent, strict=True) for i in paper)
    per_paper = {name: 1e6 * seconds / count for name, seconds, count in (
        ("generator", generator_s, args.agents), ("baseline", baseline_s, args.agents),
        ("service", service_s, sample))}

    print(f"bank {args.bank} questions, {args.agents} agents, {blueprint.size}-question "
          f"blueprint, seed {args.seed}")
    print(f"prepare (once):            {1000 * prepare_s:9.1f} ms")
    print(f"generator (prepared pools): {generator_s:8.3f} s  "
          f"{per_paper['generator']:8.1f} µs/paper")
    print(f"baseline (random.sample):   {baseline_s:8.3f} s  "
          f"{per_paper['baseline']:8.1f} µs/paper")
    print(f"ratio generator/baseline:   {generator_s / baseline_s:8.1f} ×")
    print(f"generate() per paper ({sample} agents, bank matched each time): "
          f"{per_paper['service']:.1f} µs/paper")
    print(f"expected score: target {pools.target:.4f}, mean {statistics.fmean(scores):.4f}, "
          f"sd {statistics.pstdev(scores):.4f}, within ±{TOLERANCE}: "
          f"{sum(abs(s - pools.target) <= TOLERANCE for s in scores) / len(scores):.1%}")
    print(f"questions repeated from the previous two months: {repeats}")


if __name__ == "__main__":
    main()
