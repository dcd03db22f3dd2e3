from collections import Counter

import pytest
from hypothesis import given
from hypothesis import strategies as st

from trainer.exams.blueprint import Blueprint, Quota, default_monthly
from trainer.exams.generator import BankTooSmall, Candidate, generate
from trainer.questions.bank import CATEGORIES


def bank(per_cell=3):
    candidates, next_id = [], 1
    for category in CATEGORIES:
        for difficulty in (1, 2, 3):
            for _ in range(per_cell):
                candidates.append(Candidate(next_id, next_id, category, difficulty, 4))
                next_id += 1
    return candidates


BLUEPRINT = default_monthly(CATEGORIES)
BY_VERSION = {c.version_id: c for c in bank()}


def make_up(paper):
    return Counter((BY_VERSION[i.version_id].category, BY_VERSION[i.version_id].difficulty)
                   for i in paper)


@given(st.integers(0, 2**31))
def test_every_paper_follows_the_blueprint(seed):
    paper = generate(BLUEPRINT, bank(), set(), seed)
    assert len(paper) == BLUEPRINT.size == 16
    assert make_up(paper) == {(q.category, q.difficulty): q.count for q in BLUEPRINT.quotas}
    assert len({i.version_id for i in paper}) == 16
    assert all(sorted(i.option_order) == [0, 1, 2, 3] for i in paper)


def test_same_seed_same_paper_other_seed_other_paper():
    assert generate(BLUEPRINT, bank(), set(), 7) == generate(BLUEPRINT, bank(), set(), 7)
    papers = {tuple(generate(BLUEPRINT, bank(), set(), s)) for s in range(20)}
    assert len(papers) > 15


def test_last_months_questions_are_avoided_while_the_bank_allows():
    last_month = {i.version_id for i in generate(BLUEPRINT, bank(), set(), 1)}
    for seed in range(50):
        paper = generate(BLUEPRINT, bank(), last_month, seed)
        assert not {i.version_id for i in paper} & last_month


def test_recent_questions_are_reused_only_when_a_quota_needs_them():
    tight = bank(per_cell=1)
    recent = {c.question_id for c in tight}
    paper = generate(BLUEPRINT, tight, recent, 3)
    assert len(paper) == 16


def test_a_quota_the_bank_cannot_fill_is_refused_with_the_cell_named():
    blueprint = Blueprint((Quota(5, category="sales", difficulty=3),))
    with pytest.raises(BankTooSmall, match="sales"):
        generate(blueprint, bank(), set(), 1)
