"""The daily-assessment rules (DOMAIN.md, 日常考核). Pure."""

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from decimal import Decimal


@dataclass(frozen=True)
class AssessmentRules:
    base: int = 80
    float_limit: int = 20
    exam_pass_line: float = 60
    exam_full_marks: float = 100
    exam_fail_points: int = -5
    exam_perfect_points: int = 5
    supervisor_limit: int = 5
    appeal_hours: int = 24
    dismissal_demerits: int = 2
    yuan_per_point: Decimal = Decimal(10)
    points_per_step: int = 5


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


def clamp(total: int, rules: AssessmentRules) -> int:
    return max(-rules.float_limit, min(rules.float_limit, total))


def month_score(points: Iterable[int], rules: AssessmentRules) -> int:
    """Base plus the month's items, the sum floating only within ±float_limit."""
    return rules.base + clamp(sum(points), rules)


@dataclass(frozen=True)
class Entry:
    """What the summary needs of one ledger item."""

    points: int
    demerit: bool = False
    dismissal: bool = False  # the item's kind itself means dismissal (e.g. working elsewhere)


@dataclass(frozen=True)
class PayEffect:
    """Each point below the base costs `yuan_per_point`; each full `points_per_step` above
    it is one pay step."""

    deduction: Decimal
    steps: int


@dataclass(frozen=True)
class MonthSummary:
    total: int
    counted: int  # the total clamped to the float limit
    score: int
    demerits: int
    dismissal_review: bool
    first_month: bool
    pay: PayEffect | None  # None in the first month: the score is recorded only

    @property
    def clamped(self) -> bool:
        return self.total != self.counted


def pay_effect(score: int, rules: AssessmentRules) -> PayEffect:
    below = max(0, rules.base - score)
    above = max(0, score - rules.base)
    return PayEffect(deduction=below * rules.yuan_per_point,
                     steps=above // rules.points_per_step)


def is_first_month(joined_on: date, month: str) -> bool:
    """Pay floats from the second month after joining (seed 000, 第三条 11)."""
    return joined_on.strftime("%Y-%m") == month


def month_summary(entries: Iterable[Entry], rules: AssessmentRules, *,
                  first_month: bool) -> MonthSummary:
    entries = list(entries)
    total = sum(e.points for e in entries)
    counted = clamp(total, rules)
    score = rules.base + counted
    demerits = sum(1 for e in entries if e.demerit)
    return MonthSummary(
        total=total, counted=counted, score=score, demerits=demerits,
        dismissal_review=demerits >= rules.dismissal_demerits or any(e.dismissal
                                                                     for e in entries),
        first_month=first_month,
        pay=None if first_month else pay_effect(score, rules),
    )


# Publication and appeals -------------------------------------------------------------------

DRAFT, APPEALS, LOCKED = "draft", "appeals", "locked"


def appeal_deadline(published_at: datetime, hours: int) -> datetime:
    return published_at + timedelta(hours=hours)


def appeal_open(published_at: datetime, hours: int, now: datetime) -> bool:
    """Open until the deadline; at the deadline itself the window is closed."""
    return now < appeal_deadline(published_at, hours)


def month_state(published_at: datetime | None, hours: int, now: datetime) -> str:
    if published_at is None:
        return DRAFT
    return APPEALS if appeal_open(published_at, hours, now) else LOCKED


def month_ended(month: str, today: date) -> bool:
    """Whether `today` lies after the month (YYYY-MM): a month is published once complete."""
    return today.strftime("%Y-%m") > month


def signed(points: int) -> str:
    """Points as a change is written: +5, -3, and 0 without a sign (a withdrawn item)."""
    return f"{points:+d}" if points else "0"
