"""The onboarding rules: module completion, the certification gate, the funnel. Pure."""

import random
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from enum import StrEnum


@dataclass(frozen=True)
class OnboardingRules:
    practice_pass_percent: float = 80
    practice_questions: int = 8
    certification_pass_mark: float = 80
    certification_cooldown_hours: int = 24
    certification_questions_per_module: int = 2
    certification_minutes: int = 30


def reading_percent(reached, sections) -> int:
    """Share of the module's sections the agent actually reached (not page opens)."""
    ids = {s.id for s in sections}
    return round(100 * len(ids & set(reached)) / len(ids)) if ids else 0


def practice_passed(score: float, rules: OnboardingRules) -> bool:
    return score >= rules.practice_pass_percent


def practice_draw(pool: list, rules: OnboardingRules, rng: random.Random) -> list:
    """A fresh sample each time: up to `practice_questions`, never more than the pool."""
    return rng.sample(pool, min(rules.practice_questions, len(pool)))


class CertState(StrEnum):
    LOCKED = "locked"
    AVAILABLE = "available"
    IN_PROGRESS = "in_progress"
    COOLING_DOWN = "cooling_down"
    PASSED = "passed"


@dataclass(frozen=True)
class Sitting:
    submitted_at: datetime | None
    score: float | None


@dataclass(frozen=True)
class CertStatus:
    state: CertState
    available_at: datetime | None = None


def certification_status(modules_done: bool, sittings: list[Sitting], rules: OnboardingRules,
                         now: datetime) -> CertStatus:
    """Where an agent stands with the certification exam; sittings oldest first."""
    if any(s.score is not None and s.score >= rules.certification_pass_mark for s in sittings):
        return CertStatus(CertState.PASSED)
    if sittings and sittings[-1].score is None:
        return CertStatus(CertState.IN_PROGRESS)
    if not modules_done:
        return CertStatus(CertState.LOCKED)
    if sittings:
        retry_at = sittings[-1].submitted_at + timedelta(hours=rules.certification_cooldown_hours)
        if now < retry_at:
            return CertStatus(CertState.COOLING_DOWN, retry_at)
    return CertStatus(CertState.AVAILABLE)


class Stage(StrEnum):
    INVITED = "invited"
    STUDYING = "studying"
    CERTIFIED = "certified"

    @property
    def label(self) -> str:
        return {"invited": "已开通", "studying": "学习中", "certified": "已认证上岗"}[self]


def stage(has_progress: bool, certified_on: date | None) -> Stage:
    if certified_on is not None:
        return Stage.CERTIFIED
    return Stage.STUDYING if has_progress else Stage.INVITED


def days_to_certify(joined_on: date, certified_on: date | None) -> int | None:
    return (certified_on - joined_on).days if certified_on else None
