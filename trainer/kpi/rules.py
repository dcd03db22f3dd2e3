"""The KPI sheet (DOMAIN.md, KPI 指标考核表): indicator tiers, the weighted total, grade, bonus,
commission and the elimination warning. Pure; Decimal throughout.

Ratio tiers are decided without dividing (numerator × 100 ≥ bound × denominator), so a figure
exactly on a bound, 90 % say, always reaches that tier; the displayed percentage is rounded
to 0.01 for reading only.
"""

from collections.abc import Sequence
from dataclasses import dataclass, field
from decimal import ROUND_HALF_UP, Decimal, InvalidOperation

CENT = Decimal("0.01")
HUNDRED = Decimal(100)
UNITS = ("%", "元", "秒")
INDICATOR_KEYS = ("completion", "conversion", "order_success", "aov", "reply_rate",
                  "response_time", "followup", "execution")
METRIC_KEYS = INDICATOR_KEYS[:-1]
GRADE_LABELS = {"senior": "高级", "intermediate": "中级", "junior": "初级", "none": "不评级"}
EXECUTION_LABEL = "执行力"


@dataclass(frozen=True)
class Tier:
    bound: Decimal
    points: int


@dataclass(frozen=True)
class Indicator:
    key: str
    label: str
    weight: Decimal
    # Best first. Higher-is-better: reached when value >= bound; lower-is-better: value <= bound.
    # A value past the last tier scores 0.
    tiers: tuple[Tier, ...]
    lower_is_better: bool = False
    unit: str = "%"


@dataclass(frozen=True)
class CommissionBand:
    """KPI above floor (or exactly on it when inclusive) earns rate."""

    floor: Decimal
    inclusive: bool
    rate: Decimal


def _tiers(*pairs) -> tuple[Tier, ...]:
    return tuple(Tier(Decimal(bound), points) for bound, points in pairs)


DEFAULT_INDICATORS = (
    Indicator("completion", "指标完成率", Decimal(4),
              _tiers((100, 100), (90, 85), (80, 70), (70, 55), (60, 40), (50, 25), (40, 10))),
    Indicator("conversion", "咨询转化率", Decimal(5), _tiers((50, 100), (45, 80), (40, 60))),
    Indicator("order_success", "下单成功率", Decimal(5), _tiers((95, 100), (90, 80), (85, 60))),
    Indicator("aov", "客单价", Decimal(4), _tiers((200, 100), (180, 80), (160, 60)), unit="元"),
    Indicator("reply_rate", "IM回复率", Decimal(8), _tiers((98, 100), (95, 80), (92, 60))),
    Indicator("response_time", "IM响应时间", Decimal(22), _tiers((25, 100), (30, 80), (40, 60)),
              lower_is_better=True, unit="秒"),
    Indicator("followup", "协助跟进服务", Decimal(22), _tiers((300, 100), (200, 80), (100, 60)),
              unit="元"),
)
DEFAULT_COMMISSION = (
    CommissionBand(Decimal(95), False, Decimal("0.03")),
    CommissionBand(Decimal(85), True, Decimal("0.02")),
    CommissionBand(Decimal(70), True, Decimal("0.01")),
)
DEFAULT_GRADES = ((Decimal(90), "senior"), (Decimal(80), "intermediate"), (Decimal(70), "junior"))


@dataclass(frozen=True)
class KpiRules:
    indicators: tuple[Indicator, ...] = DEFAULT_INDICATORS
    execution_weight: Decimal = Decimal(30)
    bonus_pool: Decimal = Decimal(300)
    bonus_floor: Decimal = Decimal(70)
    grades: tuple[tuple[Decimal, str], ...] = DEFAULT_GRADES
    commission: tuple[CommissionBand, ...] = DEFAULT_COMMISSION
    promotion_factor: Decimal = Decimal("0.5")
    elimination_below: Decimal = Decimal(70)
    elimination_months: int = 3

    def to_json(self) -> dict:
        """JSON-safe: Decimals as their exact text."""
        return {
            "indicators": [{
                "key": i.key, "label": i.label, "weight": str(i.weight),
                "tiers": [{"bound": str(t.bound), "points": t.points} for t in i.tiers],
                "lower_is_better": i.lower_is_better, "unit": i.unit,
            } for i in self.indicators],
            "execution_weight": str(self.execution_weight),
            "bonus_pool": str(self.bonus_pool),
            "bonus_floor": str(self.bonus_floor),
            "grades": [[str(bound), name] for bound, name in self.grades],
            "commission": [{"floor": str(b.floor), "inclusive": b.inclusive, "rate": str(b.rate)}
                           for b in self.commission],
            "promotion_factor": str(self.promotion_factor),
            "elimination_below": str(self.elimination_below),
            "elimination_months": self.elimination_months,
        }

    @classmethod
    def from_json(cls, data: dict) -> "KpiRules":
        """The inverse of to_json. A malformed document raises ValueError; a well-formed one
        may still break the rules' invariants, which problems() lists."""
        try:
            return cls(
                indicators=tuple(Indicator(
                    key=str(i["key"]), label=str(i["label"]), weight=_decimal(i["weight"]),
                    tiers=tuple(Tier(_decimal(t["bound"]), _integer(t["points"]))
                                for t in i["tiers"]),
                    lower_is_better=bool(i.get("lower_is_better", False)),
                    unit=str(i.get("unit", "%")),
                ) for i in data["indicators"]),
                execution_weight=_decimal(data["execution_weight"]),
                bonus_pool=_decimal(data["bonus_pool"]),
                bonus_floor=_decimal(data["bonus_floor"]),
                grades=tuple((_decimal(bound), str(name)) for bound, name in data["grades"]),
                commission=tuple(CommissionBand(_decimal(b["floor"]), bool(b["inclusive"]),
                                                _decimal(b["rate"]))
                                 for b in data["commission"]),
                promotion_factor=_decimal(data["promotion_factor"]),
                elimination_below=_decimal(data["elimination_below"]),
                elimination_months=_integer(data["elimination_months"]),
            )
        except (KeyError, TypeError, ValueError, InvalidOperation) as exc:
            raise ValueError(f"KPI 规则格式有误:{exc!r}") from None

    def problems(self) -> list[str]:
        """Why these rules cannot be used, in Chinese; empty when they can."""
        found = []
        keys = tuple(i.key for i in self.indicators)
        if keys != METRIC_KEYS:
            found.append(f"指标应依次为 {'、'.join(METRIC_KEYS)},现为 {'、'.join(keys) or '(无)'}")
        for indicator in self.indicators:
            found.extend(_indicator_problems(indicator))
        if self.execution_weight < 0:
            found.append("执行力的权重不能为负数")
        total = sum((i.weight for i in self.indicators), self.execution_weight)
        if total != HUNDRED:
            found.append(f"各项权重(含执行力)之和应为 100%,现为 {fmt(total)}%")
        if self.bonus_pool < 0:
            found.append("绩效奖金基数不能为负数")
        if not 0 <= self.bonus_floor <= HUNDRED:
            found.append("发放绩效奖金的最低 KPI 应在 0–100 之间")
        found.extend(_grade_problems(self.grades))
        found.extend(_commission_problems(self.commission))
        if not 0 <= self.promotion_factor <= 1:
            found.append("大促期间提成系数应在 0–1 之间")
        if not 0 <= self.elimination_below <= HUNDRED:
            found.append("淘汰线应在 0–100 之间")
        if self.elimination_months < 1:
            found.append("连续低于淘汰线的月数至少为 1")
        return found


def _decimal(value) -> Decimal:
    if isinstance(value, bool | float):
        raise TypeError(f"{value!r} 不是精确数值")
    number = Decimal(str(value))
    if not number.is_finite():
        raise ValueError(f"{value!r} 不是有限数值")
    return number


def _integer(value) -> int:
    if isinstance(value, bool) or not isinstance(value, int):
        raise TypeError(f"{value!r} 不是整数")
    return value


def _indicator_problems(indicator: Indicator) -> list[str]:
    name = indicator.label or indicator.key
    found = []
    if indicator.weight < 0:
        found.append(f"{name}:权重不能为负数")
    if indicator.unit not in UNITS:
        found.append(f"{name}:单位应为 {'、'.join(UNITS)} 之一")
    if not indicator.tiers:
        found.append(f"{name}:至少需要一个档位")
    for tier in indicator.tiers:
        if not 0 <= tier.points <= 100:
            found.append(f"{name}:档位 {fmt(tier.bound)} 的得分应在 0–100 之间")
        if tier.bound < 0:
            found.append(f"{name}:档位 {fmt(tier.bound)} 不能为负数")
    for better, worse in zip(indicator.tiers, indicator.tiers[1:], strict=False):
        ordered = (better.bound < worse.bound if indicator.lower_is_better
                   else better.bound > worse.bound)
        if not ordered:
            direction = "从小到大" if indicator.lower_is_better else "从大到小"
            found.append(f"{name}:档位应按{direction}排列且不重复"
                         f"({fmt(better.bound)} 在 {fmt(worse.bound)} 之前)")
        if better.points < worse.points:
            found.append(f"{name}:较好档位 {fmt(better.bound)} 的得分低于较差档位 "
                         f"{fmt(worse.bound)}")
    return found


def _grade_problems(grades) -> list[str]:
    found = []
    names = [name for _, name in grades]
    if len(set(names)) != len(names) or not set(names) <= GRADE_LABELS.keys() - {"none"}:
        found.append("评级只能是 senior、intermediate、junior,且不重复")
    bounds = [bound for bound, _ in grades]
    if any(not 0 <= b <= HUNDRED for b in bounds):
        found.append("评级分数线应在 0–100 之间")
    if any(a <= b for a, b in zip(bounds, bounds[1:], strict=False)):
        found.append("评级分数线应从高到低排列且不重复")
    return found


def _commission_problems(bands) -> list[str]:
    found = []
    if any(not 0 <= b.rate <= 1 for b in bands):
        found.append("提成比例应在 0–1 之间(如 0.03 表示 3%)")
    if any(not 0 <= b.floor <= HUNDRED for b in bands):
        found.append("提成分数线应在 0–100 之间")
    if any(a.floor <= b.floor for a, b in zip(bands, bands[1:], strict=False)):
        found.append("提成分数线应从高到低排列且不重复")
    return found


DEFAULT_RULES = KpiRules()


@dataclass(frozen=True)
class Metrics:
    sales_actual: Decimal
    sales_plan: Decimal
    consultations: int
    ordered_buyers: int
    paid_buyers: int
    im_paid_sales: Decimal
    customers_received: int
    customers_replied: int
    avg_response_seconds: Decimal
    followup_amount: Decimal
    personal_revenue: Decimal
    promotion: bool


@dataclass(frozen=True)
class Score:
    key: str
    label: str
    value: Decimal | None  # percent for ratios, yuan, seconds; None when it cannot be computed
    unit: str
    tier: str
    points: Decimal
    weight: Decimal
    weighted: Decimal
    working: str
    warning: str | None = None


@dataclass(frozen=True)
class KpiSheet:
    scores: tuple[Score, ...]
    kpi: Decimal
    grade: str
    bonus: Decimal
    commission_rate: Decimal
    commission: Decimal
    warnings: tuple[str, ...] = field(default=())

    def points(self) -> dict[str, Decimal]:
        return {score.key: score.points for score in self.scores}


@dataclass(frozen=True)
class _Measure:
    """What an indicator measures: numerator ÷ denominator × scale, or a figure itself."""

    numerator: str
    numerator_label: str
    denominator: str | None = None
    denominator_label: str = ""
    scale: Decimal = Decimal(1)
    # A share of a whole: above 100 % the source figures contradict each other.
    share: bool = False
    # The count a figure is an average over: with none of it, the average does not exist
    # (0 s of response time over 0 customers is not a perfect response time).
    basis: str | None = None
    basis_label: str = ""


MEASURES = {
    "completion": _Measure("sales_actual", "实际销售额", "sales_plan", "计划销售额", HUNDRED),
    "conversion": _Measure("ordered_buyers", "下单人数", "consultations", "咨询人数", HUNDRED,
                           share=True),
    "order_success": _Measure("paid_buyers", "付款人数", "ordered_buyers", "下单人数", HUNDRED,
                              share=True),
    "aov": _Measure("im_paid_sales", "询单付款金额", "paid_buyers", "付款人数"),
    "reply_rate": _Measure("customers_replied", "回复人数", "customers_received", "接待人数",
                           HUNDRED, share=True),
    "response_time": _Measure("avg_response_seconds", "平均响应时间",
                              basis="customers_received", basis_label="接待人数"),
    "followup": _Measure("followup_amount", "协助跟进金额"),
}


def fmt(number: Decimal | int) -> str:
    """A number as people write it: no exponent, no trailing zeros."""
    number = Decimal(number)
    if number == number.to_integral_value():
        return str(int(number))
    return format(number.normalize(), "f")


def _reaches(indicator: Indicator, scaled: Decimal, denominator: Decimal, tier: Tier) -> bool:
    limit = tier.bound * denominator
    return scaled <= limit if indicator.lower_is_better else scaled >= limit


def _score(indicator: Indicator, metrics: Metrics) -> Score:
    measure = MEASURES[indicator.key]
    numerator = Decimal(getattr(metrics, measure.numerator))
    denominator = (Decimal(getattr(metrics, measure.denominator)) if measure.denominator
                   else Decimal(1))
    unit = indicator.unit

    def score(value, tier, points, working, warning=None) -> Score:
        points = Decimal(points)
        return Score(indicator.key, indicator.label, value, unit, tier, points, indicator.weight,
                     indicator.weight * points / HUNDRED, working, warning)

    if denominator == 0:
        warning = (f"{indicator.label}:{measure.denominator_label}({measure.denominator})为 0,"
                   "无法计算,按 0 分计")
        working = (f"{measure.numerator_label} {fmt(numerator)} ÷ "
                   f"{measure.denominator_label} 0:无法计算,按 0 分计")
        return score(None, "无法计算", 0, working, warning)

    if measure.basis and getattr(metrics, measure.basis) == 0:
        warning = (f"{indicator.label}:{measure.basis_label}({measure.basis})为 0,"
                   f"{measure.numerator_label}无从计算,按 0 分计")
        working = f"{measure.basis_label} 0:{measure.numerator_label}无从计算,按 0 分计"
        return score(None, "无法计算", 0, working, warning)

    scaled = numerator * measure.scale
    reached = next((t for t in indicator.tiers if _reaches(indicator, scaled, denominator, t)),
                   None)
    if reached is None:
        last = indicator.tiers[-1].bound
        tier_text, points = f"{'>' if indicator.lower_is_better else '<'}{fmt(last)}{unit}", 0
    else:
        tier_text = f"{'≤' if indicator.lower_is_better else '≥'}{fmt(reached.bound)}{unit}"
        points = reached.points

    if measure.denominator is None:
        value = numerator
        working = f"{measure.numerator_label} {fmt(value)}{unit}"
    else:
        value = (scaled / denominator).quantize(CENT, ROUND_HALF_UP)
        sign = "=" if value * denominator == scaled else "≈"
        working = (f"{measure.numerator_label} {fmt(numerator)} ÷ {measure.denominator_label} "
                   f"{fmt(denominator)} {sign} {fmt(value)}{unit}")
    working += f",达到 {tier_text} 档,得 {points} 分" if reached else f",{tier_text},得 0 分"
    warning = None
    if measure.share and numerator > denominator:
        warning = (f"{indicator.label}:{measure.numerator_label}({measure.numerator})大于"
                   f"{measure.denominator_label}({measure.denominator}),请核对数据")
    return score(value, tier_text, points, working, warning)


def _execution(assessment_score: Decimal, rules: KpiRules) -> Score:
    points = assessment_score
    return Score("execution", EXECUTION_LABEL, points, "分", "按得分计", points,
                 rules.execution_weight, rules.execution_weight * points / HUNDRED,
                 f"本月日常考核得分 {fmt(points)},即执行力 {fmt(points)} 分")


def grade_of(kpi: Decimal, rules: KpiRules = DEFAULT_RULES) -> str:
    return next((name for bound, name in rules.grades if kpi >= bound), "none")


def bonus_of(kpi: Decimal, rules: KpiRules = DEFAULT_RULES) -> Decimal:
    if kpi < rules.bonus_floor:
        return Decimal("0.00")
    return (rules.bonus_pool * kpi / HUNDRED).quantize(CENT, ROUND_HALF_UP)


def commission_rate_of(kpi: Decimal, promotion: bool, rules: KpiRules = DEFAULT_RULES) -> Decimal:
    rate = next((band.rate for band in rules.commission
                 if kpi > band.floor or (band.inclusive and kpi == band.floor)), Decimal(0))
    return rate * rules.promotion_factor if promotion else rate


def compute(metrics: Metrics, assessment_score: Decimal,
            rules: KpiRules = DEFAULT_RULES) -> KpiSheet:
    if isinstance(assessment_score, float):
        raise TypeError("日常考核得分须为 Decimal,不能是浮点数")
    assessment_score = Decimal(assessment_score)
    if not 0 <= assessment_score <= HUNDRED:
        raise ValueError(f"日常考核得分 {fmt(assessment_score)} 不在 0–100 之间")
    scores = (*(_score(indicator, metrics) for indicator in rules.indicators),
              _execution(assessment_score, rules))
    kpi = sum((score.weighted for score in scores), Decimal(0))
    rate = commission_rate_of(kpi, metrics.promotion, rules)
    return KpiSheet(
        scores=scores,
        kpi=kpi,
        grade=grade_of(kpi, rules),
        bonus=bonus_of(kpi, rules),
        commission_rate=rate,
        commission=(Decimal(metrics.personal_revenue) * rate).quantize(CENT, ROUND_HALF_UP),
        warnings=tuple(score.warning for score in scores if score.warning),
    )


def elimination_warning(kpis: Sequence[Decimal | None], rules: KpiRules = DEFAULT_RULES) -> bool:
    """kpis run oldest to newest; a month without a sheet (None) breaks the run."""
    recent = list(kpis[-rules.elimination_months:])
    return (len(recent) == rules.elimination_months
            and all(k is not None and k < rules.elimination_below for k in recent))
