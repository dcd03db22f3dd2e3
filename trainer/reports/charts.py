"""Bar-chart geometry for charts drawn as inline SVG: they print crisply and need no script.
Pure: numbers in, coordinates out (templates/reports/_charts.html draws them)."""

from collections.abc import Sequence
from dataclasses import dataclass

LABEL_BAND = 14  # room under the baseline for the bar labels
VALUE_BAND = 12  # room above the tallest bar for its value
GAP = 0.25  # of each slot, left empty between bars
MAX_BAR = 36  # a bar's widest, so three months do not look like three walls


@dataclass(frozen=True)
class Bar:
    label: str
    text: str  # the value as printed above the bar ("—" for none)
    x: float
    y: float
    width: float
    height: float

    @property
    def centre(self) -> float:
        return round(self.x + self.width / 2, 2)


@dataclass(frozen=True)
class BarChart:
    width: int
    height: int
    baseline: float
    bars: tuple[Bar, ...]


def _text(value: float | None, unit: str) -> str:
    if value is None:
        return "—"
    return f"{value:g}{unit}"


def bar_chart(labels: Sequence[str], values: Sequence[float | None], *,
              maximum: float | None = None, unit: str = "", width: int = 320,
              height: int = 120) -> BarChart:
    """Vertical bars scaled to `maximum` (the largest value when not given); a missing value
    draws no bar, so "nobody sat" never looks like 0 %."""
    if len(labels) != len(values):
        raise ValueError("one value per label")
    top = maximum if maximum is not None else max((v for v in values if v is not None),
                                                  default=0)
    baseline = height - LABEL_BAND
    room = baseline - VALUE_BAND
    slot = width / len(labels) if labels else width
    bars = []
    for index, (label, value) in enumerate(zip(labels, values, strict=True)):
        share = min(value / top, 1) if value and top else 0
        bar_height = round(room * share, 2)
        bar_width = min(slot * (1 - GAP), MAX_BAR)
        bars.append(Bar(str(label), _text(value, unit),
                        round(index * slot + (slot - bar_width) / 2, 2),
                        round(baseline - bar_height, 2), round(bar_width, 2), bar_height))
    return BarChart(width, height, baseline, tuple(bars))
