"""Pass-rate, score-band and correct-rate arithmetic over summed rows. Pure."""

from dataclasses import dataclass

# Score bands of ten points; 100 has a band of its own, because a full score is a ledger
# item (+5) and the 90s band would hide how many reached it. The 60 band starts at the pass
# mark, so "59.9" and "60" fall either side of the line that matters.
BAND_FLOORS = (0, 10, 20, 30, 40, 50, 60, 70, 80, 90, 100)
# The fewest answers a category or course section needs before it may be called weak: a
# question two agents missed says nothing about a section.
MIN_ANSWERS = 10


@dataclass(frozen=True)
class PassRate:
    label: str
    sat: int
    passed: int
    mean_score: float | None
    key: int | str | None = None  # what the label names (a team's id)

    @property
    def rate(self) -> float | None:
        """Percentage of sitters who passed; None when nobody sat (not 0 %: nothing to show)."""
        return round(100 * self.passed / self.sat, 1) if self.sat else None


def from_sums(label: str, sat: int, passed: int, score_sum: float,
              key: int | str | None = None) -> PassRate:
    """A pass rate from summary sums (sitters counted once, by their best attempt)."""
    return PassRate(label, int(sat), int(passed), round(score_sum / sat, 1) if sat else None,
                    key)


def extremes(rows: list[PassRate], count: int) -> tuple[list[PassRate], list[PassRate]]:
    """The `count` lowest pass rates (lowest first) and the `count` highest (highest first),
    ties broken by mean score: what a one-page report shows of many teams."""
    ranked = sorted(rows, key=lambda r: (r.rate, r.mean_score, r.label))
    return ranked[:count], ranked[::-1][:count]


def change(now: float | None, before: float | None) -> float | None:
    """Percentage points (or points) gained since the previous month; None when either is
    missing, so a first month shows no change rather than a jump from zero."""
    return None if now is None or before is None else round(now - before, 1)


@dataclass(frozen=True)
class Headline:
    """The month's tiles: sitters, pass rate and mean score, each against the month before."""

    month: PassRate
    previous: PassRate | None

    @property
    def sat_change(self) -> int | None:
        return None if self.previous is None else self.month.sat - self.previous.sat

    @property
    def rate_change(self) -> float | None:
        return change(self.month.rate, self.previous.rate if self.previous else None)

    @property
    def mean_change(self) -> float | None:
        return change(self.month.mean_score, self.previous.mean_score if self.previous else None)


def headline(months: list[PassRate], month: str, previous: str) -> Headline | None:
    """The tiles of `month` from the monthly trend; None when nobody sat that month."""
    by_label = {row.label: row for row in months}
    return Headline(by_label[month], by_label.get(previous)) if month in by_label else None


@dataclass(frozen=True)
class ScoreBand:
    floor: int
    agents: int

    @property
    def label(self) -> str:
        return "100" if self.floor == 100 else f"{self.floor}–{self.floor + 9.9:g}"


def bands(counts: dict[int, int]) -> list[ScoreBand]:
    """Every band, empty ones included, so the histogram keeps its axis."""
    return [ScoreBand(floor, int(counts.get(i, 0))) for i, floor in enumerate(BAND_FLOORS)]


@dataclass(frozen=True)
class Lesson:
    """Where the course teaches something: a module, and its section when the course has it."""

    module: str
    section: str | None
    title: str


@dataclass(frozen=True)
class ItemRate:
    """Answers to a group of questions (a category, a course section) in one month.

    `rate` is the credit earned per answer (得分率: partial credit counts); `full_rate` the
    share of answers that earned full credit (答对率)."""

    key: str
    label: str
    answers: int
    correct: int
    credit: float
    lesson: Lesson | None = None  # the course section to send people to

    @property
    def rate(self) -> float | None:
        return round(100 * self.credit / self.answers, 1) if self.answers else None

    @property
    def full_rate(self) -> float | None:
        return round(100 * self.correct / self.answers, 1) if self.answers else None

    @property
    def lost(self) -> float:
        return self.answers - self.credit


def weakest(rows: list[ItemRate], limit: int = 5,
            min_answers: int = MIN_ANSWERS) -> list[ItemRate]:
    """The lowest correct rates among groups with enough answers, weakest first."""
    enough = [r for r in rows if r.answers >= min_answers]
    return sorted(enough, key=lambda r: (r.credit / r.answers, r.label))[:limit]
