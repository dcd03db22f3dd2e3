"""The daily-assessment rules (DOMAIN.md, 日常考核). Pure."""

from collections.abc import Iterable
from dataclasses import dataclass


@dataclass(frozen=True)
class AssessmentRules:
    base: int = 80
    float_limit: int = 20
    exam_pass_line: float = 60
    exam_full_marks: float = 100
    exam_fail_points: int = -5
    exam_perfect_points: int = 5


@dataclass(frozen=True)
class ExamAdjustment:
    code: str
    points: int
    reason: str


def exam_adjustment(score: float, rules: AssessmentRules) -> ExamAdjustment | None:
    """Below the pass line deducts (class B); a perfect paper adds; anything else is neutral."""
    if score < rules.exam_pass_line:
        reason = f"客服考试得分 {score:g},低于 {rules.exam_pass_line:g} 分"
        return ExamAdjustment("exam_below_pass", rules.exam_fail_points, reason)
    if score >= rules.exam_full_marks:
        return ExamAdjustment("exam_perfect", rules.exam_perfect_points, "客服考试分数为满分")
    return None


def month_score(points: Iterable[int], rules: AssessmentRules) -> int:
    """Base plus the month's items, the sum floating only within ±float_limit."""
    total = sum(points)
    clamped = max(-rules.float_limit, min(rules.float_limit, total))
    return rules.base + clamped
