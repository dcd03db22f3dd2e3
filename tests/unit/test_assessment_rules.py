import pytest
from hypothesis import given
from hypothesis import strategies as st

from trainer.assessment.rules import AssessmentRules, exam_adjustment, month_score

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
