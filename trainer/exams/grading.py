"""Grading and the exam clock. Pure."""

from dataclasses import dataclass
from datetime import datetime, timedelta


@dataclass(frozen=True)
class Grade:
    correct: int
    total: int

    @property
    def score(self) -> float:
        """Out of 100, one decimal; only an all-correct paper reaches 100."""
        if self.total == 0:
            return 0.0
        score = round(100 * self.correct / self.total, 1)
        return 100.0 if self.correct == self.total else min(score, 99.9)


def is_correct(qtype: str, key: list, response: list | None) -> bool:
    """Responses are original option indices (or [True]/[False]); all-or-nothing."""
    if not response:
        return False
    if qtype == "truefalse":
        return list(response) == list(key)
    return sorted(set(response)) == sorted(key)


def grade(items: list[tuple[str, list, list | None]]) -> Grade:
    """items: (qtype, key, response) per question on the paper."""
    return Grade(sum(is_correct(*item) for item in items), len(items))


def deadline(started_at: datetime, duration_minutes: int, closes_at: datetime) -> datetime:
    """The attempt ends after its duration or when the exam window closes, whichever is first."""
    return min(started_at + timedelta(minutes=duration_minutes), closes_at)


def accepts_answers(now: datetime, ends_at: datetime, grace_seconds: int = 0) -> bool:
    return now <= ends_at + timedelta(seconds=grace_seconds)
