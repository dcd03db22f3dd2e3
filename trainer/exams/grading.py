"""Grading and the exam clock. Pure."""

from dataclasses import dataclass
from datetime import datetime, timedelta

from ..questions.similarity import normalize_answer

# Agents end a typed answer with a full stop or wrap it in quotes; neither changes the answer.
_SURROUNDING = ".,;:!?\"'()[] "


@dataclass(frozen=True)
class Grade:
    credits: tuple[float, ...]  # per question, 0..1
    points: tuple[float, ...] = ()  # per question; equal weights when empty

    @property
    def total(self) -> int:
        return len(self.credits)

    @property
    def correct(self) -> int:
        return sum(1 for c in self.credits if c == 1)

    @property
    def score(self) -> float:
        """Out of 100, one decimal; only an all-correct paper reaches 100."""
        if not self.credits:
            return 0.0
        weights = self.points or (1.0,) * len(self.credits)
        earned = sum(c * w for c, w in zip(self.credits, weights, strict=True))
        score = round(100 * earned / sum(weights), 1)
        return 100.0 if self.correct == self.total else min(score, 99.9)


def fill_matches(response: str, accepted) -> bool:
    """Full-width and half-width, spaces, case and surrounding punctuation do not matter."""
    def fold(text):
        return normalize_answer(text).strip(_SURROUNDING)

    given = fold(response)
    return bool(given) and any(given == fold(a) for a in accepted)


def credit(qtype: str, key: list, response: list | None, scoring: str = "all_or_nothing") -> float:
    """The share of the question's points a response earns. Responses are original option
    indices, [True]/[False], or [text] for a fill-in; written replies are graded by a person."""
    if qtype == "short" or (qtype == "scenario" and not key):
        raise ValueError("written replies are graded by a lead")
    if not response:
        return 0.0
    if qtype == "fill":
        return 1.0 if fill_matches(str(response[0]), key) else 0.0
    if qtype == "truefalse":
        return 1.0 if list(response) == list(key) else 0.0
    picked, keys = set(response), set(key)
    if qtype == "multiple" and scoring == "partial":
        return max(0.0, (len(picked & keys) - len(picked - keys)) / len(keys))
    return 1.0 if picked == keys else 0.0


def is_correct(qtype: str, key: list, response: list | None,
               scoring: str = "all_or_nothing") -> bool:
    return credit(qtype, key, response, scoring) == 1


def grade(items: list[tuple]) -> Grade:
    """items: (qtype, key, response[, scoring]) per question on the paper."""
    return Grade(tuple(credit(*item) for item in items))


def deadline(started_at: datetime, duration_minutes: int, closes_at: datetime) -> datetime:
    """The attempt ends after its duration or when the exam window closes, whichever is first."""
    return min(started_at + timedelta(minutes=duration_minutes), closes_at)


def accepts_answers(now: datetime, ends_at: datetime, grace_seconds: int = 0) -> bool:
    return now <= ends_at + timedelta(seconds=grace_seconds)


def supersedes(client: str | None, stamp: int | None,
               last_client: str | None, last_stamp: int | None) -> bool:
    """Whether an autosave may overwrite what the attempt holds. A browser numbers its saves;
    one it gave up on (a timeout) can still reach the server after a newer one it retried,
    and must not undo it. Saves from another browser (another device) are not comparable,
    their clocks differ: the later arrival wins, as does a save that carries no number (the
    hand-in form, a script-less page)."""
    if client is None or stamp is None or client != last_client or last_stamp is None:
        return True
    return stamp > last_stamp
