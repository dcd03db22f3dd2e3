import hashlib
import random
import statistics
from collections import Counter
from dataclasses import replace

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from trainer.exams.blueprint import Blueprint, Quota, certification, default_monthly
from trainer.exams.generator import (
    DEFAULT_FACILITY,
    BankTooSmall,
    Candidate,
    expected_score,
    generate,
    paper_seed,
    prepare,
)
from trainer.questions.bank import CATEGORIES

OPTIONS = {"single": 4, "multiple": 5, "truefalse": 0, "fill": 0, "scenario": 3}
BLUEPRINT = default_monthly(CATEGORIES)


def bank(per_cell=3, categories=CATEGORIES, difficulties=(1, 2, 3), qtypes=("single",)):
    """Version ids differ from question ids, so mixing them up shows."""
    candidates = []
    for category in categories:
        for difficulty in difficulties:
            for _ in range(per_cell):
                n = len(candidates) + 1
                qtype = qtypes[n % len(qtypes)]
                candidates.append(Candidate(1000 + n, n, category, difficulty, OPTIONS[qtype],
                                            qtype=qtype))
    return candidates


def chosen(paper, candidates):
    by_version = {c.version_id: c for c in candidates}
    return [by_version[item.version_id] for item in paper]


def make_up(paper, candidates):
    return Counter((c.category, c.difficulty) for c in chosen(paper, candidates))


def question_ids(paper, candidates):
    return [c.question_id for c in chosen(paper, candidates)]


@st.composite
def scenarios(draw):
    """A blueprint over a few cells, each pool from just big enough to roomy, a history with
    recency ranks, and sometimes facilities (balancing must keep every other rule)."""
    cells = draw(st.lists(st.tuples(st.sampled_from(list(CATEGORIES)), st.integers(1, 3)),
                          min_size=1, max_size=5, unique=True))
    quotas, candidates = [], []
    for category, difficulty in cells:
        count = draw(st.integers(0, 4))
        quotas.append(Quota(count, category, difficulty))
        for _ in range(count + draw(st.integers(0, 8))):
            n = len(candidates) + 1
            qtype = draw(st.sampled_from(list(OPTIONS)))
            candidates.append(Candidate(1000 + n, n, category, difficulty, OPTIONS[qtype],
                                        qtype=qtype))
    ids = [c.question_id for c in candidates]
    seen = draw(st.dictionaries(st.sampled_from(ids), st.integers(0, 3)) if ids
                else st.just({}))
    facility = draw(st.none() | st.dictionaries(
        st.sampled_from(ids), st.floats(0, 1, allow_nan=False)) if ids else st.none())
    points = (("single", 1.0), ("multiple", 3.0), ("fill", 2.5))
    return Blueprint(tuple(quotas), points), candidates, seen, facility


@settings(max_examples=200)
@given(scenarios(), st.integers(0, 2**31 - 1), st.sampled_from([0.0, 0.03]))
def test_every_paper_keeps_every_rule(scenario, seed, tolerance):
    blueprint, candidates, seen, facility = scenario
    paper = generate(blueprint, candidates, seen, seed, facility, tolerance)
    picked = chosen(paper, candidates)
    # The quotas, exactly; no question twice; options shuffled, never lost.
    assert make_up(paper, candidates) == {(q.category, q.difficulty): q.count
                                          for q in blueprint.quotas if q.count}
    assert len({c.question_id for c in picked}) == len(paper) == blueprint.size
    assert all(sorted(i.option_order) == list(range(c.option_count))
               for i, c in zip(paper, picked, strict=True))
    for quota in blueprint.quotas:
        pool = [c.question_id for c in candidates if quota.matches(c)]
        fresh = [q for q in pool if q not in seen]
        taken = [c.question_id for c in picked if quota.matches(c)]
        stale_taken = [seen[q] for q in taken if q in seen]
        # Seen questions only when the unseen run out, and then the least recently seen.
        assert len(stale_taken) == max(0, quota.count - len(fresh))
        stale_left = [seen[q] for q in pool if q in seen and q not in taken]
        assert max(stale_taken, default=-1) <= min(stale_left, default=99)
    # The same inputs and seed, in whatever order the bank comes, give the same paper.
    assert generate(blueprint, candidates[::-1], seen, seed, facility, tolerance) == paper


def assignable(picked, quotas):
    """Whether the questions can be dealt to the quotas, each quota getting exactly its count."""
    if not picked:
        return all(q.count == 0 for q in quotas)
    first, rest = picked[0], picked[1:]
    return any(assignable(rest, quotas[:i] + (replace(q, count=q.count - 1),) + quotas[i + 1:])
               for i, q in enumerate(quotas) if q.count > 0 and q.matches(first))


@st.composite
def overlapping(draw):
    """Quotas that leave dimensions open, so one question can match several of them."""
    quotas = tuple(draw(st.lists(st.builds(
        Quota, st.integers(0, 3), st.none() | st.sampled_from(["sales", "rules"]),
        st.none() | st.integers(1, 2)), min_size=1, max_size=3)))
    candidates = []
    for category in ("sales", "rules"):
        for difficulty in (1, 2):
            for _ in range(draw(st.integers(0, 5))):
                n = len(candidates) + 1
                candidates.append(Candidate(1000 + n, n, category, difficulty, 4))
    ids = [c.question_id for c in candidates]
    seen = draw(st.dictionaries(st.sampled_from(ids), st.integers(0, 3)) if ids
                else st.just({}))
    facility = draw(st.none() | st.dictionaries(
        st.sampled_from(ids), st.floats(0, 1, allow_nan=False)) if ids else st.none())
    return Blueprint(quotas), candidates, seen, facility


@settings(max_examples=300)
@given(overlapping(), st.integers(0, 2**31 - 1))
def test_overlapping_quotas_are_met_and_rotated_too(scenario, seed):
    blueprint, candidates, seen, facility = scenario
    try:
        paper = generate(blueprint, candidates, seen, seed, facility, 0.0)
    except BankTooSmall:
        return
    picked = chosen(paper, candidates)
    assert len({c.question_id for c in picked}) == len(paper) == blueprint.size
    assert assignable(picked, blueprint.quotas)
    on_paper = {c.question_id for c in picked}
    # A seen question fills a quota whose every unseen question is on the paper already.
    for c in picked:
        if c.question_id in seen:
            assert any(quota.matches(c) and all(
                d.question_id in on_paper for d in candidates
                if quota.matches(d) and d.question_id not in seen)
                for quota in blueprint.quotas)


@given(st.integers(1, 6), st.integers(0, 2**31 - 1))
def test_a_pool_one_short_of_its_quota_is_refused_with_the_cell_named(count, seed):
    candidates = [*bank(per_cell=count, categories=["rules"]),
                  *[Candidate(5000 + n, 500 + n, "sales", 3, 4) for n in range(count - 1)]]
    blueprint = Blueprint((Quota(count, "rules", 1), Quota(count, "sales", 3)))
    with pytest.raises(BankTooSmall, match=f"销售知识 难度3.*只有 {count - 1} 道,需要 {count} 道"):
        generate(blueprint, candidates, set(), seed)


def test_same_seed_same_paper_other_seed_other_paper():
    assert generate(BLUEPRINT, bank(), set(), 7) == generate(BLUEPRINT, bank(), set(), 7)
    papers = {tuple(generate(BLUEPRINT, bank(), set(), s)) for s in range(20)}
    assert len(papers) == 20


def test_paper_seed_is_a_stable_31_bit_hash_of_exam_seed_and_agent():
    pinned = int.from_bytes(hashlib.sha256(b"20261101:agent07").digest()[:4], "big") >> 1
    assert paper_seed(20261101, "agent07") == pinned == 2137471157
    seeds = {paper_seed(exam, agent) for exam in (1, 2, 3) for agent in ("a", "b", "c")}
    assert len(seeds) == 9
    assert all(0 <= s < 2**31 for s in seeds)


def test_a_paper_is_rebuilt_from_exam_seed_and_agent():
    first = generate(BLUEPRINT, bank(), set(), paper_seed(99, "agent01"))
    assert generate(BLUEPRINT, bank(), set(), paper_seed(99, "agent01")) == first
    assert generate(BLUEPRINT, bank(), set(), paper_seed(99, "agent02")) != first


def months(candidates, blueprint, count, seed=0):
    """`count` consecutive monthly papers, each avoiding the two before it."""
    pools, history, papers = prepare(blueprint, candidates), {}, []
    for month in range(count):
        window = {q: m for q, m in history.items() if m >= month - 2}
        paper = question_ids(pools.paper(window, seed + month), candidates)
        history.update(dict.fromkeys(paper, month))
        papers.append(set(paper))
    return papers


def test_a_pool_three_times_the_quota_keeps_two_months_out_every_month():
    # 18 per cell, 3 per quota at most: every month's paper is new against the two before.
    papers = months(bank(per_cell=18), BLUEPRINT, 6)
    for month in range(2, 6):
        assert not papers[month] & (papers[month - 1] | papers[month - 2])


def test_when_the_unseen_run_out_the_oldest_month_goes_back_in():
    blueprint = Blueprint((Quota(3, "sales", 1),))
    first, second, third = months(bank(per_cell=7, categories=["sales"], difficulties=[1]),
                                  blueprint, 3)
    assert not first & second
    # One question neither month used, then two from the older month, none from the last.
    assert len(third - first - second) == 1
    assert len(third & first) == 2
    assert not third & second


def test_ties_among_the_least_recently_seen_are_drawn_at_random():
    candidates = bank(per_cell=6, categories=["sales"], difficulties=[1])
    seen = {c.question_id: 1 for c in candidates} | {1: 0}  # all seen, question 1 longest ago
    draws = [question_ids(generate(Blueprint((Quota(2, "sales", 1),)), candidates, seen, s),
                          candidates) for s in range(40)]
    assert all(1 in draw for draw in draws)
    assert len({q for draw in draws for q in draw}) == 6


def test_a_plain_set_of_seen_questions_counts_them_all_as_equally_recent():
    candidates = bank(per_cell=4, categories=["sales"], difficulties=[1])
    seen = {1, 2, 3}
    blueprint = Blueprint((Quota(2, "sales", 1),))
    draws = [set(question_ids(generate(blueprint, candidates, seen, s), candidates))
             for s in range(40)]
    assert all(4 in draw for draw in draws)
    assert {q for draw in draws for q in draw} == {1, 2, 3, 4}


def test_questions_come_grouped_by_category_in_blueprint_order():
    blueprint = Blueprint((Quota(2, "sales", 1), Quota(2, "rules", 2), Quota(1, "sales", 3),
                           Quota(3, "etiquette", 1)))
    candidates = bank(per_cell=5)
    orders = set()
    for seed in range(30):
        categories = [c.category for c in chosen(generate(blueprint, candidates, set(), seed),
                                                 candidates)]
        assert categories == ["sales"] * 3 + ["rules"] * 2 + ["etiquette"] * 3
        orders.add(tuple(question_ids(generate(blueprint, candidates, set(), seed),
                                      candidates)[:3]))
    # Shuffled within a category: hard and easy sales questions change places.
    assert len(orders) > 10


def test_a_blueprint_naming_no_category_groups_by_category_name():
    candidates = [Candidate(100 + n, n, category, 1, 4, module="m1")
                  for n, category in enumerate(["systems", "after_sales", "rules"] * 3)]
    paper = generate(certification(["m1"], 9), candidates, set(), 5)
    categories = [c.category for c in chosen(paper, candidates)]
    assert categories == ["after_sales"] * 3 + ["rules"] * 3 + ["systems"] * 3


def test_questions_without_options_get_no_option_order():
    candidates = bank(per_cell=2, categories=["sales"], difficulties=[1],
                      qtypes=("truefalse", "fill"))
    paper = generate(Blueprint((Quota(2, "sales", 1),)), candidates, set(), 1)
    assert [i.option_order for i in paper] == [(), ()]


def test_a_wide_quota_does_not_starve_a_narrow_one():
    candidates = bank(per_cell=4, categories=["sales", "rules"], difficulties=[1])
    blueprint = Blueprint((Quota(4), Quota(4, category="sales")))
    for seed in range(30):
        paper = generate(blueprint, candidates, set(), seed)
        assert Counter(c.category for c in chosen(paper, candidates)) == {"sales": 4, "rules": 4}


def test_overlapping_quotas_that_cannot_both_be_met_are_refused():
    candidates = bank(per_cell=4, categories=["sales", "rules"], difficulties=[1])
    blueprint = Blueprint((Quota(5), Quota(4, category="sales")))
    with pytest.raises(BankTooSmall, match="除去其他配额已选的只剩 4 道,需要 5 道"):
        generate(blueprint, candidates, set(), 1)


def test_a_question_in_two_versions_is_drawn_once_in_its_newest():
    candidates = [Candidate(1, 1, "sales", 1, 4), Candidate(7, 1, "sales", 1, 4),
                  Candidate(3, 2, "sales", 1, 4)]
    for seed in range(10):
        paper = generate(Blueprint((Quota(2, "sales", 1),)), candidates, set(), seed)
        assert sorted(i.version_id for i in paper) == [3, 7]
    with pytest.raises(BankTooSmall):
        generate(Blueprint((Quota(3, "sales", 1),)), candidates, set(), 1)


# Parallel forms ---------------------------------------------------------------------------

def spread_bank():
    rng = random.Random(0)
    candidates = bank(per_cell=20, qtypes=("single", "multiple", "truefalse", "fill"))
    return candidates, {c.question_id: rng.uniform(0.2, 1.0) for c in candidates}


def test_balancing_brings_every_paper_within_tolerance_and_narrows_the_spread():
    candidates, facility = spread_bank()
    target = prepare(BLUEPRINT, candidates, facility).target
    unbalanced = [expected_score(chosen(generate(BLUEPRINT, candidates, set(), s), candidates),
                                 facility, BLUEPRINT) for s in range(200)]
    balanced = [expected_score(chosen(generate(BLUEPRINT, candidates, set(), s, facility),
                                      candidates), facility, BLUEPRINT) for s in range(200)]
    # The target is what a paper scores on average anyway; balancing only cuts the tails.
    assert abs(statistics.fmean(unbalanced) - target) < 0.01
    assert max(abs(s - target) for s in unbalanced) > 0.03
    assert max(abs(s - target) for s in balanced) <= 0.03
    assert statistics.pstdev(balanced) < statistics.pstdev(unbalanced)
    tight = [expected_score(chosen(generate(BLUEPRINT, candidates, set(), s, facility, 0.005),
                                   candidates), facility, BLUEPRINT) for s in range(50)]
    assert max(abs(s - target) for s in tight) <= 0.005


def test_balancing_keeps_last_months_questions_out():
    candidates, facility = spread_bank()
    last_month = {q: 1 for q in question_ids(generate(BLUEPRINT, candidates, set(), 1),
                                             candidates)}
    for seed in range(30):
        paper = generate(BLUEPRINT, candidates, last_month, seed, facility, 0.0)
        assert not set(question_ids(paper, candidates)) & set(last_month)


def test_balancing_changes_only_which_questions_not_how_many_of_each_kind():
    candidates, facility = spread_bank()
    for seed in range(20):
        paper = generate(BLUEPRINT, candidates, set(), seed, facility, 0.0)
        assert make_up(paper, candidates) == {(q.category, q.difficulty): q.count
                                              for q in BLUEPRINT.quotas}


def test_balancing_never_frees_an_unseen_question_another_quota_needed():
    # x (sales, easy) is the only unseen question of the "any easy" quota. Balancing the
    # sales quota by swapping x for z would leave that quota holding a seen question.
    x, z = Candidate(11, 1, "sales", 1, 4), Candidate(12, 2, "sales", 2, 4)
    candidates = [x, z, Candidate(13, 3, "rules", 1, 4), Candidate(14, 4, "rules", 1, 4)]
    blueprint = Blueprint((Quota(1, category="sales"), Quota(1, difficulty=1)))
    facility = {1: 0.5, 2: 0.6, 3: 0.9, 4: 0.5}
    for seed in range(20):
        paper = question_ids(generate(blueprint, candidates, {3: 1, 4: 1}, seed, facility, 0.0),
                             candidates)
        assert 1 in paper


def test_expected_score_weighs_facility_by_points():
    blueprint = Blueprint((Quota(2),), points=(("single", 1.0), ("fill", 3.0)))
    picked = [Candidate(1, 1, "sales", 1, 4, qtype="single"),
              Candidate(2, 2, "sales", 1, 0, qtype="fill")]
    assert expected_score(picked, {1: 1.0, 2: 0.2}, blueprint) == pytest.approx(
        (1 * 1.0 + 3 * 0.2) / 4)


def test_the_target_weighs_each_quota_by_count_and_points():
    candidates = [Candidate(1, 1, "sales", 1, 4), Candidate(2, 2, "sales", 1, 4),
                  Candidate(3, 3, "rules", 1, 0, qtype="fill"),
                  Candidate(4, 4, "rules", 1, 0, qtype="fill")]
    blueprint = Blueprint((Quota(1, "sales"), Quota(2, "rules")),
                          points=(("single", 1.0), ("fill", 4.0)))
    pools = prepare(blueprint, candidates, {1: 0.9, 2: 0.5, 3: 0.4, 4: 0.2})
    # sales: 1 question × 1 point at 0.7; rules: 2 questions × 4 points at 0.3.
    assert pools.target == pytest.approx((1 * 0.7 + 8 * 0.3) / 9)


def test_questions_without_history_count_as_their_pools_mean():
    candidates = [Candidate(n, n, category, 1, 4)
                  for n, category in enumerate(["sales"] * 3 + ["rules"] * 2)]
    blueprint = Blueprint((Quota(1, "sales"), Quota(1, "rules")))
    pools = prepare(blueprint, candidates, {0: 0.9, 1: 0.3})
    assert pools.facility == {0: 0.9, 1: 0.3, 2: pytest.approx(0.6), 3: DEFAULT_FACILITY,
                              4: DEFAULT_FACILITY}


def test_prepared_pools_give_the_same_paper_as_generate():
    candidates, facility = spread_bank()
    pools = prepare(BLUEPRINT, candidates, facility)
    seen = {q: 1 for q in range(1, 200, 3)}
    for seed in range(10):
        assert pools.paper(seen, seed) == generate(BLUEPRINT, candidates, seen, seed, facility)
