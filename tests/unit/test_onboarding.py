import random
from datetime import date, datetime, timedelta

import pytest

from trainer.learning.catalog import Section
from trainer.learning.onboarding import (
    CertState,
    OnboardingRules,
    Sitting,
    Stage,
    certification_status,
    days_to_certify,
    practice_draw,
    practice_passed,
    reading_percent,
    stage,
)

RULES = OnboardingRules()
NOW = datetime(2026, 11, 22, 12, 0)
FAILED = Sitting(NOW - timedelta(hours=24), 79.9)


def status(done=True, sittings=(), now=NOW):
    return certification_status(done, list(sittings), RULES, now)


def test_locked_until_modules_are_done():
    assert status(done=False).state is CertState.LOCKED
    assert status().state is CertState.AVAILABLE


@pytest.mark.parametrize(("score", "state"), [(80, CertState.PASSED), (79.9, CertState.AVAILABLE),
                                              (100, CertState.PASSED)])
def test_pass_mark_is_80(score, state):
    assert status(sittings=[Sitting(NOW - timedelta(days=2), score)]).state is state


def test_cooldown_is_24_hours_to_the_second():
    just_failed = Sitting(NOW - timedelta(hours=24) + timedelta(seconds=1), 50)
    cooling = status(sittings=[just_failed])
    assert cooling.state is CertState.COOLING_DOWN
    assert cooling.available_at == NOW + timedelta(seconds=1)
    assert status(sittings=[FAILED]).state is CertState.AVAILABLE


def test_an_unfinished_sitting_is_in_progress_and_a_pass_is_final():
    assert status(sittings=[FAILED, Sitting(None, None)]).state is CertState.IN_PROGRESS
    assert status(done=False, sittings=[Sitting(NOW, 90), FAILED]).state is CertState.PASSED


@pytest.mark.parametrize(("score", "passed"), [(80, True), (79.9, False), (100, True), (0, False)])
def test_practice_pass_mark(score, passed):
    assert practice_passed(score, RULES) is passed


def test_practice_draw_is_a_fresh_sample_capped_by_the_pool():
    pool = list(range(20))
    draws = {tuple(practice_draw(pool, RULES, random.Random(s))) for s in range(10)}
    assert len(draws) == 10 and all(len(d) == 8 and len(set(d)) == 8 for d in draws)
    assert sorted(practice_draw(pool[:5], RULES, random.Random(1))) == [0, 1, 2, 3, 4]


def test_reading_percent_counts_known_sections_only():
    sections = (Section("a", "", ""), Section("b", "", ""), Section("c", "", ""))
    assert reading_percent([], sections) == 0
    assert reading_percent(["a", "zzz"], sections) == 33
    assert reading_percent(["a", "b", "c"], sections) == 100


def test_funnel_stage_and_days_to_certify():
    assert stage(False, None) is Stage.INVITED
    assert stage(True, None) is Stage.STUDYING
    assert stage(False, date(2026, 11, 2)) is Stage.CERTIFIED
    assert days_to_certify(date(2026, 11, 1), date(2026, 11, 9)) == 8
    assert days_to_certify(date(2026, 11, 1), None) is None
