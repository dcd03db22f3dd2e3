from datetime import date, datetime, timedelta
from decimal import Decimal

import pytest
from hypothesis import given
from hypothesis import strategies as st

from trainer.assessment.rules import (
    APPEALS,
    DRAFT,
    LOCKED,
    AssessmentRules,
    Entry,
    PayEffect,
    appeal_deadline,
    appeal_open,
    exam_adjustment,
    is_first_month,
    month_ended,
    month_score,
    month_state,
    month_summary,
)

RULES = AssessmentRules()


@pytest.mark.parametrize(("score", "points"), [
    (0, -5), (59.9, -5), (59.99, -5), (60, None), (60.1, None), (99.9, None), (100, 5),
])
def test_exam_adjustment_at_the_boundaries(score, points):
    adjustment = exam_adjustment(score, RULES)
    assert (adjustment.points if adjustment else None) == points


def test_exam_adjustment_reasons_name_the_rule():
    assert "60" in exam_adjustment(42, RULES).reason
    assert exam_adjustment(100, RULES).code == "exam_perfect"


@pytest.mark.parametrize(("items", "score"), [
    ([], 80), ([-5], 75), ([5], 85), ([5, 5, 5, 5], 100), ([5, 5, 5, 5, 5], 100),
    ([-10, -10], 60), ([-10, -10, -5], 60), ([-20, 10], 70), ([20], 100), ([-20], 60),
])
def test_month_score_is_base_plus_clamped_items(items, score):
    assert month_score(items, RULES) == score


@given(st.lists(st.integers(-10, 10), max_size=40))
def test_month_score_always_within_60_and_100(items):
    assert 60 <= month_score(items, RULES) <= 100


def test_rules_are_configuration():
    rules = AssessmentRules(base=70, float_limit=10, exam_pass_line=50)
    assert month_score([30], rules) == 80
    assert exam_adjustment(55, rules) is None


# The month summary ---------------------------------------------------------------------------

def summary(*points, first_month=False):
    return month_summary([Entry(p) for p in points], RULES, first_month=first_month)


@pytest.mark.parametrize(("points", "total", "counted", "score", "clamped"), [
    ((-10, -10), -20, -20, 60, False),
    ((-10, -10, -1), -21, -20, 60, True),
    ((-10, -10, -3), -23, -20, 60, True),
    ((10, 5, 5), 20, 20, 100, False),
    ((10, 5, 5, 1), 21, 20, 100, True),
    ((), 0, 0, 80, False),
])
def test_the_sum_floats_within_twenty_points(points, total, counted, score, clamped):
    result = summary(*points)
    assert (result.total, result.counted, result.score, result.clamped) == (
        total, counted, score, clamped)


@pytest.mark.parametrize(("points", "deduction", "steps"), [
    ((), Decimal(0), 0), ((-1,), Decimal(10), 0), ((-20,), Decimal(200), 0),
    ((-25,), Decimal(200), 0), ((4,), Decimal(0), 0), ((5,), Decimal(0), 1),
    ((9,), Decimal(0), 1), ((10,), Decimal(0), 2), ((20,), Decimal(0), 4), ((30,), Decimal(0), 4),
])
def test_pay_effect_ten_yuan_a_point_below_and_a_step_per_five_above(points, deduction, steps):
    assert summary(*points).pay == PayEffect(deduction, steps)


def test_the_first_month_records_the_score_but_pay_does_not_float():
    result = summary(-12, first_month=True)
    assert result.score == 68 and result.first_month and result.pay is None


def test_first_month_is_the_month_of_joining():
    assert is_first_month(date(2026, 3, 31), "2026-03")
    assert not is_first_month(date(2026, 3, 31), "2026-04")
    assert not is_first_month(date(2026, 3, 1), "2026-02")


def test_two_demerits_or_a_dismissal_item_call_for_dismissal_review():
    one = month_summary([Entry(-10, demerit=True)], RULES, first_month=False)
    two = month_summary([Entry(-10, demerit=True), Entry(-10, demerit=True)], RULES,
                        first_month=False)
    dismissal = month_summary([Entry(-10, dismissal=True)], RULES, first_month=False)
    assert (one.demerits, one.dismissal_review) == (1, False)
    assert (two.demerits, two.dismissal_review) == (2, True)
    assert dismissal.dismissal_review and dismissal.demerits == 0


# Publication and the appeal window -----------------------------------------------------------

PUBLISHED = datetime(2026, 11, 2, 9, 0, 0)


def test_appeals_close_exactly_at_the_deadline():
    deadline = PUBLISHED + timedelta(hours=24)
    assert appeal_deadline(PUBLISHED, 24) == deadline
    assert appeal_open(PUBLISHED, 24, deadline - timedelta(seconds=1))
    assert not appeal_open(PUBLISHED, 24, deadline)
    assert not appeal_open(PUBLISHED, 24, deadline + timedelta(seconds=1))


def test_month_state_follows_publication_and_the_window():
    deadline = PUBLISHED + timedelta(hours=24)
    assert month_state(None, 24, deadline) == DRAFT
    assert month_state(PUBLISHED, 24, PUBLISHED) == APPEALS
    assert month_state(PUBLISHED, 24, deadline - timedelta(seconds=1)) == APPEALS
    assert month_state(PUBLISHED, 24, deadline) == LOCKED
    assert month_state(PUBLISHED, 48, deadline) == APPEALS


def test_a_month_ends_with_its_last_day():
    assert not month_ended("2026-10", date(2026, 10, 31))
    assert month_ended("2026-10", date(2026, 11, 1))
    assert month_ended("2025-12", date(2026, 1, 1))
    assert not month_ended("2026-11", date(2026, 10, 1))
