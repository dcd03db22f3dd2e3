"""Item statistics from additive sums: how hard each question is, whether it tells strong
agents from weak ones, and how far an exam's scores can be trusted. Pure.

Papers are drawn at random per agent, so no two agents need share a form. Every figure here
therefore comes from sums over answers (x: an answer's credit in 0..1, s: the attempt's raw
total, the sum of its credits) that pool any set of papers, teams or months by addition.
"""

import math
from collections.abc import Iterable
from dataclasses import dataclass, fields
from itertools import zip_longest

FLAG_TOO_EASY = "too_easy"
FLAG_TOO_HARD = "too_hard"
FLAG_NOT_DISCRIMINATING = "not_discriminating"
FLAG_LABELS = {FLAG_TOO_EASY: "过易", FLAG_TOO_HARD: "过难", FLAG_NOT_DISCRIMINATING: "区分度低"}

# Fewer attempts than this and alpha swings with a single agent's luck.
RELIABILITY_MIN_ATTEMPTS = 20

# n·Σv² − (Σv)² below this share of n·Σv² is float cancellation, not spread: sums stored
# answer by answer carry rounding that would otherwise turn "everybody scored the same"
# into a correlation of noise.
_CANCELLATION = 1e-9


@dataclass(frozen=True)
class Thresholds:
    too_easy: float = 0.95
    too_hard: float = 0.2
    discrimination: float = 0.2
    min_answers: int = 30  # below this no flags: the sample says nothing yet ("样本不足")


def _spread(n: float, total: float, squares: float) -> float:
    """n² times the population variance, n·Σv² − (Σv)²; 0 when only rounding is left."""
    spread = n * squares - total * total
    return spread if spread > _CANCELLATION * n * squares else 0.0


@dataclass(frozen=True)
class ItemSums:
    answers: int = 0
    correct: int = 0  # full credit
    omitted: int = 0
    credit_sum: float = 0  # Σx
    credit_sq_sum: float = 0  # Σx²
    total_sum: float = 0  # Σs
    total_sq_sum: float = 0  # Σs²
    cross_sum: float = 0  # Σxs
    chosen: tuple[int, ...] = ()  # answers that chose each option index

    def __add__(self, other: "ItemSums") -> "ItemSums":
        if not isinstance(other, ItemSums):
            return NotImplemented
        added = {f.name: getattr(self, f.name) + getattr(other, f.name)
                 for f in fields(self) if f.name != "chosen"}
        chosen = tuple(a + b for a, b in zip_longest(self.chosen, other.chosen, fillvalue=0))
        return ItemSums(**added, chosen=chosen)

    @classmethod
    def of(cls, row) -> "ItemSums":
        """From a tally row, or anything with the same attributes."""
        return cls(answers=int(row.answers), correct=int(row.correct),
                   omitted=int(row.omitted), credit_sum=float(row.credit_sum),
                   credit_sq_sum=float(row.credit_sq_sum), total_sum=float(row.total_sum),
                   total_sq_sum=float(row.total_sq_sum), cross_sum=float(row.cross_sum),
                   chosen=tuple(int(c) for c in row.chosen or ()))

    @property
    def facility(self) -> float | None:
        """Mean credit: the share of the question's points the answers earned."""
        return self.credit_sum / self.answers if self.answers else None

    @property
    def discrimination(self) -> float | None:
        """Corrected item-rest point-biserial: Pearson's r between an answer's credit and the
        rest of its attempt's total (s − x). The rest leaves the item out, or a question
        would correlate with itself through the total, flattering it most on short papers.
        None when it cannot be measured: fewer than two answers, or no spread in either
        (everybody right, or every rest the same)."""
        n = self.answers
        if n < 2:
            return None
        rest_sum = self.total_sum - self.credit_sum
        rest_sq_sum = self.total_sq_sum - 2 * self.cross_sum + self.credit_sq_sum
        cross_rest = self.cross_sum - self.credit_sq_sum  # Σx(s − x)
        spread_x = _spread(n, self.credit_sum, self.credit_sq_sum)
        spread_rest = _spread(n, rest_sum, rest_sq_sum)
        if not spread_x or not spread_rest:
            return None
        r = (n * cross_rest - self.credit_sum * rest_sum) / math.sqrt(spread_x * spread_rest)
        return max(-1.0, min(1.0, r))

    @property
    def option_shares(self) -> tuple[float, ...]:
        """The share of answers that chose each option. Per answer, so a multiple-choice
        question's shares may add up to more than 1."""
        if not self.answers:
            return tuple(0.0 for _ in self.chosen)
        return tuple(c / self.answers for c in self.chosen)

    def flags(self, thresholds: Thresholds = Thresholds()) -> tuple[str, ...]:
        """What a manager should look at, every bound strict; none below min_answers."""
        facility, discrimination = self.facility, self.discrimination
        if self.answers < thresholds.min_answers or facility is None:
            return ()
        flags = []
        if facility > thresholds.too_easy:
            flags.append(FLAG_TOO_EASY)
        if facility < thresholds.too_hard:
            flags.append(FLAG_TOO_HARD)
        if discrimination is not None and discrimination < thresholds.discrimination:
            flags.append(FLAG_NOT_DISCRIMINATING)
        return tuple(flags)


@dataclass(frozen=True)
class ExamSums:
    attempts: int = 0
    questions_sum: int = 0  # Σ paper lengths
    earned_sum: float = 0  # Σs
    earned_sq_sum: float = 0  # Σs²

    def __add__(self, other: "ExamSums") -> "ExamSums":
        if not isinstance(other, ExamSums):
            return NotImplemented
        return ExamSums(**{f.name: getattr(self, f.name) + getattr(other, f.name)
                           for f in fields(self)})

    @classmethod
    def of(cls, row) -> "ExamSums":
        """From an exam tally row, or anything with the same attributes."""
        return cls(attempts=int(row.attempts), questions_sum=int(row.questions_sum),
                   earned_sum=float(row.earned_sum), earned_sq_sum=float(row.earned_sq_sum))


def reliability(exam: ExamSums, items: Iterable[ItemSums]) -> float | None:
    """Cronbach's alpha (KR-20 when every answer is right/wrong), generalized to random papers.

    k is the mean paper length (questions_sum / attempts); each item's variance is the
    population variance of its credits, Σx²/n − (Σx/n)²; the sum of item variances an average
    paper carries is Σ_i n_i·var_i / attempts; the total variance is the population variance
    of the raw totals, Σs²/N − (Σs/N)². alpha = k/(k−1) · (1 − that sum / total variance).
    With a fixed form (everyone the same k items) this is textbook KR-20/alpha exactly.
    `items` must be the item sums of the same attempts. None when fewer than two attempts,
    k ≤ 1, or no spread in the totals.
    """
    attempts = exam.attempts
    if attempts < 2:
        return None
    k = exam.questions_sum / attempts
    total_spread = _spread(attempts, exam.earned_sum, exam.earned_sq_sum)
    if k <= 1 or not total_spread:
        return None
    item_variance = sum(_spread(i.answers, i.credit_sum, i.credit_sq_sum) / i.answers
                        for i in items if i.answers) / attempts
    total_variance = total_spread / (attempts * attempts)
    return k / (k - 1) * (1 - item_variance / total_variance)


def reliability_reading(alpha: float | None, attempts: int) -> str:
    """What alpha means for a manager's decisions. Bands close at the bottom: 0.9 is 很高,
    0.8 良好, 0.7 可接受, 0.6 偏低; under RELIABILITY_MIN_ATTEMPTS attempts no verdict."""
    if alpha is None or attempts < RELIABILITY_MIN_ATTEMPTS:
        return "参考人数太少,暂不评价。"
    if alpha >= 0.9:
        return "很高:分数稳定,可放心用于个人评价和奖惩。"
    if alpha >= 0.8:
        return "良好:分数可靠,可用于个人考核。"
    if alpha >= 0.7:
        return "可接受:适合月度考核,个人分数有一定误差。"
    if alpha >= 0.6:
        return "偏低:个人分数误差较大,慎用于奖惩。"
    return "低:分数受偶然因素影响大,请检查区分度低的题目。"


def facility_reading(facility: float | None) -> str:
    """A plain label for a facility, the usual classical-test bands closing at the bottom:
    ≥ 0.9 很容易, ≥ 0.7 较容易, ≥ 0.3 适中, ≥ 0.2 较难, below 0.2 (the too-hard flag) 很难."""
    if facility is None:
        return "无人作答"
    if facility >= 0.9:
        return "很容易"
    if facility >= 0.7:
        return "较容易"
    if facility >= 0.3:
        return "适中"
    if facility >= 0.2:
        return "较难"
    return "很难"


def discrimination_reading(discrimination: float | None) -> str:
    """A plain label for an item-rest correlation, after Ebel's bands: ≥ 0.3 区分好,
    ≥ 0.2 区分一般, ≥ 0 (below the flag) 区分差; negative means strong agents miss it more
    often than weak ones, most often a wrong key."""
    if discrimination is None:
        return "无法计算"
    if discrimination >= 0.3:
        return "区分好"
    if discrimination >= 0.2:
        return "区分一般"
    if discrimination >= 0:
        return "区分差"
    return "反向(请核对答案)"
