"""The metrics upload and the form for a new version of the KPI rules."""

import re
import unicodedata
from dataclasses import replace
from decimal import Decimal, InvalidOperation

from flask_wtf.file import FileField, FileRequired
from wtforms import BooleanField, DecimalField, StringField
from wtforms.validators import DataRequired, InputRequired, Length, Optional, Regexp

from ..forms import Form
from .rules import CommissionBand, KpiRules, Tier, fmt

MONTH = Regexp(r"^\d{4}-(0[1-9]|1[0-2])$", message="格式为 YYYY-MM")
HUNDRED = Decimal(100)


class ImportForm(Form):
    month = StringField("指标月份", validators=[DataRequired("请输入月份"), MONTH])
    file = FileField("指标文件", validators=[FileRequired("请选择文件")],
                     description="CSV(UTF-8 或 GBK)或 Excel(.xlsx),每行一位客服")


def tiers_text(tiers) -> str:
    return ", ".join(f"{fmt(t.bound)}:{t.points}" for t in tiers)


_PAIR = re.compile(r"^(\S+?)\s*[:=]\s*(\S+)$")


def parse_tiers(text: str) -> tuple[Tier, ...]:
    """"100:85, 90:70" (bound:points, best first) into tiers; ValueError names the bad part."""
    parts = [p.strip() for p in re.split(r"[,;\n]+", unicodedata.normalize("NFKC", text))
             if p.strip()]
    if not parts:
        raise ValueError("请至少填写一档,如 100:100, 90:85")
    tiers = []
    for part in parts:
        match = _PAIR.match(part)
        try:
            if not match:
                raise InvalidOperation
            bound, points = Decimal(match[1]), Decimal(match[2])
            if not bound.is_finite() or not points.is_finite() or points % 1:
                raise InvalidOperation
        except InvalidOperation:
            raise ValueError(f"“{part}”应写作 分数线:得分(得分为整数),如 90:85") from None
        tiers.append(Tier(bound, int(points)))
    return tuple(tiers)


class RulesForm(Form):
    """The fixed part; `rules_form` adds a weight and tiers field per indicator and the fields
    of each commission band, from the rules in force."""

    effective_from = StringField("生效月份", validators=[DataRequired("请输入生效月份"), MONTH])
    note = StringField("修改说明", validators=[DataRequired("请说明为什么修改"), Length(max=255)])
    execution_weight = DecimalField("执行力权重(%)", places=None,
                                    validators=[InputRequired("请输入权重")])
    bonus_pool = DecimalField("绩效奖金基数(元)", places=None,
                              validators=[InputRequired("请输入奖金基数")])
    bonus_floor = DecimalField("发放奖金的最低 KPI", places=None,
                               validators=[InputRequired("请输入最低 KPI")])
    promotion_factor = DecimalField("大促期间提成系数", places=None,
                                    validators=[InputRequired("请输入系数")],
                                    description="0.5 即大促期间提成减半")

    def indicator_fields(self, key: str):
        return self[f"weight_{key}"], self[f"tiers_{key}"]

    def band_fields(self, index: int):
        return (self[f"band{index}_floor"], self[f"band{index}_inclusive"],
                self[f"band{index}_rate"])

    def to_rules(self, base: KpiRules) -> KpiRules | None:
        """The rules as entered (grades and elimination kept from `base`); None when a tiers
        field cannot be read, its error set on the field."""
        indicators, readable = [], True
        for indicator in base.indicators:
            weight, tiers = self.indicator_fields(indicator.key)
            try:
                parsed = parse_tiers(tiers.data or "")
            except ValueError as exc:
                tiers.errors = [*tiers.errors, str(exc)]
                readable = False
                continue
            indicators.append(replace(indicator, weight=weight.data, tiers=parsed))
        if not readable:
            return None
        bands = tuple(CommissionBand(floor.data, inclusive.data, rate.data / HUNDRED)
                      for floor, inclusive, rate in map(self.band_fields,
                                                        range(len(base.commission))))
        return replace(base, indicators=tuple(indicators),
                       execution_weight=self.execution_weight.data,
                       bonus_pool=self.bonus_pool.data, bonus_floor=self.bonus_floor.data,
                       commission=bands, promotion_factor=self.promotion_factor.data)


def rules_form(rules: KpiRules, effective_from: str) -> RulesForm:
    """A form laid out for `rules` and prefilled with them (a posted form keeps its input)."""

    class Bound(RulesForm):
        pass

    data = {"effective_from": effective_from, "execution_weight": _plain(rules.execution_weight),
            "bonus_pool": _plain(rules.bonus_pool), "bonus_floor": _plain(rules.bonus_floor),
            "promotion_factor": _plain(rules.promotion_factor)}
    for indicator in rules.indicators:
        setattr(Bound, f"weight_{indicator.key}", DecimalField(
            f"{indicator.label}权重(%)", places=None, validators=[InputRequired("请输入权重")]))
        setattr(Bound, f"tiers_{indicator.key}", StringField(
            f"{indicator.label}档位", validators=[Optional()]))
        data[f"weight_{indicator.key}"] = _plain(indicator.weight)
        data[f"tiers_{indicator.key}"] = tiers_text(indicator.tiers)
    for index, band in enumerate(rules.commission):
        setattr(Bound, f"band{index}_floor", DecimalField(
            "KPI 分数线", places=None, validators=[InputRequired("请输入分数线")]))
        setattr(Bound, f"band{index}_inclusive", BooleanField("含分数线本身"))
        setattr(Bound, f"band{index}_rate", DecimalField(
            "提成比例(%)", places=None, validators=[InputRequired("请输入比例")]))
        data.update({f"band{index}_floor": _plain(band.floor),
                     f"band{index}_inclusive": band.inclusive,
                     f"band{index}_rate": _plain(band.rate * HUNDRED)})
    form = Bound(data=data)
    form.indicators = tuple((i.key, i.label) for i in rules.indicators)
    form.bands = range(len(rules.commission))
    return form


def _plain(number: Decimal) -> Decimal:
    """Shown as people write it (3, not 3.00)."""
    return Decimal(fmt(number))
