"""Pass-rate arithmetic. Pure."""

from dataclasses import dataclass


@dataclass(frozen=True)
class PassRate:
    label: str
    sat: int
    passed: int
    mean_score: float | None

    @property
    def rate(self) -> float | None:
        """Percentage of sitters who passed; None when nobody sat (not 0 %: nothing to show)."""
        return round(100 * self.passed / self.sat, 1) if self.sat else None


def summarize(label: str, scores: list[float], pass_mark: float) -> PassRate:
    mean = round(sum(scores) / len(scores), 1) if scores else None
    return PassRate(label, len(scores), sum(s >= pass_mark for s in scores), mean)
