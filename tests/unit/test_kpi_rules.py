import json
from dataclasses import replace
from decimal import Decimal as D
from fractions import Fraction

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from trainer.kpi.rules import (
    DEFAULT_RULES,
    GRADE_LABELS,
    INDICATOR_KEYS,
    CommissionBand,
    KpiRules,
    Metrics,
    Tier,
    bonus_of,
    commission_rate_of,
    compute,
    elimination_warning,
    grade_of,
)

# Every indicator on its top tier; tests move one figure at a time.
TOP = Metrics(sales_actual=D(10000), sales_plan=D(10000), consultations=100, ordered_buyers=50,
              paid_buyers=50, im_paid_sales=D(10000), customers_received=100,
              customers_replied=100, avg_response_seconds=D(20), followup_amount=D(300),
              personal_revenue=D(0), promotion=False)


def score(key, assessment=D(100), **figures):
    sheet = compute(replace(TOP, **figures), assessment)
    return next(s for s in sheet.scores if s.key == key)


def test_the_top_of_every_tier_is_the_full_score():
    sheet = compute(TOP, D(100))
    assert sheet.points() == dict.fromkeys(INDICATOR_KEYS, D(100))
    assert sheet.kpi == 100 and sheet.warnings == ()


@pytest.mark.parametrize(("actual", "points", "tier"), [
    ("20000", 100, "≥100%"), ("10000", 100, "≥100%"), ("9999.99", 85, "≥90%"),
    ("9000", 85, "≥90%"), ("8999.99", 70, "≥80%"), ("8000", 70, "≥80%"),
    ("7999.99", 55, "≥70%"), ("7000", 55, "≥70%"), ("6999.99", 40, "≥60%"),
    ("6000", 40, "≥60%"), ("5999.99", 25, "≥50%"), ("5000", 25, "≥50%"),
    ("4999.99", 10, "≥40%"), ("4000", 10, "≥40%"), ("3999.99", 0, "<40%"), ("0", 0, "<40%"),
])
def test_completion_tiers(actual, points, tier):
    got = score("completion", sales_actual=D(actual), sales_plan=D(10000))
    assert (got.points, got.tier) == (points, tier)


def test_a_ratio_exactly_on_a_bound_reaches_it_whatever_binary_floats_would_say():
    # 9000.027 / 10000.03 is exactly 90 %; in floats it comes out a hair below.
    assert 9000.027 / 10000.03 < 0.9
    got = score("completion", sales_actual=D("9000.027"), sales_plan=D("10000.03"))
    assert (got.points, got.value) == (85, D(90))
    assert got.working == "实际销售额 9000.027 ÷ 计划销售额 10000.03 = 90%,达到 ≥90% 档,得 85 分"


@pytest.mark.parametrize(("ordered", "asked", "points"), [
    (50, 100, 100), (1, 2, 100), (499, 1000, 80), (45, 100, 80), (9, 20, 80),
    (449, 1000, 60), (40, 100, 60), (2, 5, 60), (399, 1000, 0), (0, 100, 0),
])
def test_conversion_tiers(ordered, asked, points):
    assert score("conversion", ordered_buyers=ordered, consultations=asked).points == points


@pytest.mark.parametrize(("paid", "ordered", "points"), [
    (95, 100, 100), (19, 20, 100), (949, 1000, 80), (90, 100, 80), (9, 10, 80),
    (899, 1000, 60), (85, 100, 60), (17, 20, 60), (849, 1000, 0),
])
def test_order_success_tiers(paid, ordered, points):
    got = score("order_success", paid_buyers=paid, ordered_buyers=ordered, consultations=ordered)
    assert got.points == points


@pytest.mark.parametrize(("sales", "paid", "points", "tier"), [
    ("600", 3, 100, "≥200元"), ("599.99", 3, 80, "≥180元"), ("540", 3, 80, "≥180元"),
    ("539.99", 3, 60, "≥160元"), ("480", 3, 60, "≥160元"), ("479.99", 3, 0, "<160元"),
    ("1260", 7, 80, "≥180元"),
])
def test_average_order_value_tiers(sales, paid, points, tier):
    got = score("aov", im_paid_sales=D(sales), paid_buyers=paid)
    assert (got.points, got.tier) == (points, tier)


def test_an_average_order_value_shown_rounded_up_to_a_bound_does_not_reach_it():
    got = score("aov", im_paid_sales=D("1399.99"), paid_buyers=7)  # 199.998… yuan
    assert (got.value, got.points) == (D("200.00"), 80)
    assert got.working == "询单付款金额 1399.99 ÷ 付款人数 7 ≈ 200元,达到 ≥180元 档,得 80 分"


@pytest.mark.parametrize(("replied", "received", "points"), [
    (98, 100, 100), (49, 50, 100), (979, 1000, 80), (95, 100, 80), (19, 20, 80),
    (949, 1000, 60), (92, 100, 60), (23, 25, 60), (919, 1000, 0),
])
def test_reply_rate_tiers(replied, received, points):
    got = score("reply_rate", customers_replied=replied, customers_received=received)
    assert got.points == points


@pytest.mark.parametrize(("seconds", "points", "tier"), [
    ("0", 100, "≤25秒"), ("25", 100, "≤25秒"), ("25.01", 80, "≤30秒"), ("30", 80, "≤30秒"),
    ("30.01", 60, "≤40秒"), ("40", 60, "≤40秒"), ("40.01", 0, ">40秒"), ("600", 0, ">40秒"),
])
def test_response_time_tiers(seconds, points, tier):
    got = score("response_time", avg_response_seconds=D(seconds))
    assert (got.points, got.tier, got.value) == (points, tier, D(seconds))


@pytest.mark.parametrize(("amount", "points"), [
    ("1000", 100), ("300", 100), ("299.99", 80), ("200", 80), ("199.99", 60), ("100", 60),
    ("99.99", 0), ("0", 0),
])
def test_followup_tiers(amount, points):
    assert score("followup", followup_amount=D(amount)).points == points


@pytest.mark.parametrize(("figures", "key", "label", "column"), [
    ({"sales_plan": D(0)}, "completion", "指标完成率", "sales_plan"),
    ({"consultations": 0, "ordered_buyers": 0}, "conversion", "咨询转化率", "consultations"),
    ({"ordered_buyers": 0, "paid_buyers": 0}, "order_success", "下单成功率", "ordered_buyers"),
    ({"paid_buyers": 0}, "aov", "客单价", "paid_buyers"),
    ({"customers_received": 0, "customers_replied": 0}, "reply_rate", "IM回复率",
     "customers_received"),
    ({"customers_received": 0, "customers_replied": 0}, "response_time", "IM响应时间",
     "customers_received"),
])
def test_a_zero_denominator_scores_0_with_a_warning_naming_indicator_and_column(
        figures, key, label, column):
    sheet = compute(replace(TOP, **figures), D(100))
    got = next(s for s in sheet.scores if s.key == key)
    assert (got.value, got.points, got.weighted, got.tier) == (None, 0, 0, "无法计算")
    assert label in got.warning and column in got.warning
    assert got.warning in sheet.warnings


def test_an_idle_month_scores_only_what_can_be_computed():
    idle = Metrics(sales_actual=D(0), sales_plan=D(10000), consultations=0, ordered_buyers=0,
                   paid_buyers=0, im_paid_sales=D(0), customers_received=0, customers_replied=0,
                   avg_response_seconds=D(0), followup_amount=D(0), personal_revenue=D(0),
                   promotion=False)
    sheet = compute(idle, D(80))
    assert [s.key for s in sheet.scores if s.warning] == [
        "conversion", "order_success", "aov", "reply_rate", "response_time"]
    assert len(sheet.warnings) == 5
    # No customers: no response time to score. Execution 80 → 24; the rest 0.
    assert sheet.kpi == 24 and sheet.grade == "none" and sheet.bonus == 0


def test_a_share_above_100_percent_is_flagged_but_scored():
    got = score("reply_rate", customers_replied=120, customers_received=100)
    assert got.points == 100 and "customers_replied" in got.warning


def test_a_sheet_worked_by_hand():
    metrics = Metrics(sales_actual=D(9000), sales_plan=D(10000), consultations=100,
                      ordered_buyers=45, paid_buyers=43, im_paid_sales=D(8600),
                      customers_received=200, customers_replied=196,
                      avg_response_seconds=D(25), followup_amount=D(300),
                      personal_revenue=D(20000), promotion=False)
    sheet = compute(metrics, D(85))
    rows = [(s.key, s.label, s.value, s.unit, s.tier, s.points, s.weight, s.weighted)
            for s in sheet.scores]
    assert rows == [
        ("completion", "指标完成率", D(90), "%", "≥90%", 85, 4, D("3.4")),
        ("conversion", "咨询转化率", D(45), "%", "≥45%", 80, 5, D(4)),
        ("order_success", "下单成功率", D("95.56"), "%", "≥95%", 100, 5, D(5)),
        ("aov", "客单价", D(200), "元", "≥200元", 100, 4, D(4)),
        ("reply_rate", "IM回复率", D(98), "%", "≥98%", 100, 8, D(8)),
        ("response_time", "IM响应时间", D(25), "秒", "≤25秒", 100, 22, D(22)),
        ("followup", "协助跟进服务", D(300), "元", "≥300元", 100, 22, D(22)),
        ("execution", "执行力", D(85), "分", "按得分计", 85, 30, D("25.5")),
    ]
    assert sheet.scores[0].working == ("实际销售额 9000 ÷ 计划销售额 10000 = 90%,"
                                       "达到 ≥90% 档,得 85 分")
    assert sheet.scores[2].working.startswith("付款人数 43 ÷ 下单人数 45 ≈ 95.56%")
    # 3.4 + 4 + 5 + 4 + 8 + 22 + 22 + 25.5
    assert sheet.kpi == D("93.9")
    assert (sheet.grade, sheet.bonus, sheet.commission_rate, sheet.commission) == (
        "senior", D("281.70"), D("0.02"), D("400.00"))
    assert sheet.warnings == ()


def test_the_kpi_is_kept_exact():
    sheet = compute(TOP, D("79.97"))
    assert sheet.kpi == D("93.991")  # 70 + 30 × 79.97 / 100, not rounded


def test_the_assessment_score_must_be_an_exact_0_to_100():
    for bad in (D("100.01"), D(-1)):
        with pytest.raises(ValueError, match="0–100"):
            compute(TOP, bad)
    with pytest.raises(TypeError):
        compute(TOP, 85.0)
    assert compute(TOP, 0).kpi == 70


@pytest.mark.parametrize(("kpi", "grade"), [
    ("100", "senior"), ("90", "senior"), ("89.99", "intermediate"), ("80", "intermediate"),
    ("79.99", "junior"), ("70", "junior"), ("69.99", "none"), ("0", "none"),
])
def test_grades(kpi, grade):
    assert grade_of(D(kpi), DEFAULT_RULES) == grade
    assert grade in GRADE_LABELS


@pytest.mark.parametrize(("kpi", "bonus"), [
    ("100", "300.00"), ("95", "285.00"), ("90", "270.00"), ("85", "255.00"), ("80", "240.00"),
    ("70", "210.00"), ("69.99", "0.00"), ("0", "0.00"),
    ("85.555", "256.67"),  # 256.665 rounds half up
    ("70.001", "210.00"),
])
def test_bonus(kpi, bonus):
    got = bonus_of(D(kpi), DEFAULT_RULES)
    assert got == D(bonus) and got.as_tuple().exponent == -2


@pytest.mark.parametrize(("kpi", "rate", "promotion_rate"), [
    ("100", "0.03", "0.015"), ("95.01", "0.03", "0.015"), ("95", "0.02", "0.01"),
    ("90", "0.02", "0.01"), ("85", "0.02", "0.01"), ("84.99", "0.01", "0.005"),
    ("80", "0.01", "0.005"), ("70", "0.01", "0.005"), ("69.99", "0", "0"), ("0", "0", "0"),
])
def test_commission_rates_and_promotion_halving(kpi, rate, promotion_rate):
    assert commission_rate_of(D(kpi), False, DEFAULT_RULES) == D(rate)
    assert commission_rate_of(D(kpi), True, DEFAULT_RULES) == D(promotion_rate)


def test_commission_amount_rounds_half_up_to_the_cent():
    sheet = compute(replace(TOP, personal_revenue=D(3333), promotion=True), D(100))
    assert (sheet.commission_rate, sheet.commission) == (D("0.015"), D("50.00"))  # 49.995


@pytest.mark.parametrize(("kpis", "warned"), [
    ([D("69.99"), D(60), D(0)], True),
    ([D(90), D(60), D(60), D(60)], True),
    ([D(60), D(60)], False),
    ([D(60), D(60), D(70)], False),
    ([D(60), D(70), D(60), D(60)], False),
    ([D(60), None, D(60), D(60)], False),
    ([D(60), D(60), D(60), None], False),
    ([], False),
])
def test_elimination_warning(kpis, warned):
    assert elimination_warning(kpis, DEFAULT_RULES) is warned


def test_elimination_window_is_configurable():
    rules = replace(DEFAULT_RULES, elimination_months=2, elimination_below=D(80))
    assert elimination_warning([D(79), D("79.99")], rules)
    assert not elimination_warning([D(79), D(80)], rules)


def test_rules_round_trip_through_json_text():
    rules = replace(DEFAULT_RULES, bonus_pool=D("350.5"), promotion_factor=D("0.75"))
    text = json.dumps(rules.to_json(), ensure_ascii=False)
    assert KpiRules.from_json(json.loads(text)) == rules
    assert KpiRules.from_json(DEFAULT_RULES.to_json()) == DEFAULT_RULES


def test_rules_from_malformed_json_are_refused():
    spec = DEFAULT_RULES.to_json()
    for broken in ({**spec, "bonus_pool": "lots"}, {**spec, "bonus_pool": 300.5},
                   {k: v for k, v in spec.items() if k != "grades"}, {}):
        with pytest.raises(ValueError):
            KpiRules.from_json(broken)


def test_the_default_rules_are_the_domain_table():
    assert DEFAULT_RULES.problems() == []
    spec = DEFAULT_RULES.to_json()
    assert [(i["key"], i["weight"]) for i in spec["indicators"]] == [
        ("completion", "4"), ("conversion", "5"), ("order_success", "5"), ("aov", "4"),
        ("reply_rate", "8"), ("response_time", "22"), ("followup", "22")]
    assert spec["execution_weight"] == "30" and spec["bonus_pool"] == "300"


def _with_indicator(key, **changes):
    return replace(DEFAULT_RULES, indicators=tuple(
        replace(i, **changes) if i.key == key else i for i in DEFAULT_RULES.indicators))


@pytest.mark.parametrize(("rules", "expected"), [
    (replace(DEFAULT_RULES, execution_weight=D(31)), "之和应为 100%,现为 101%"),
    (_with_indicator("aov", weight=D(-1)), "客单价:权重不能为负数"),
    (_with_indicator("conversion", tiers=(Tier(D(40), 60), Tier(D(45), 80))),
     "咨询转化率:档位应按从大到小排列"),
    (_with_indicator("response_time", tiers=(Tier(D(30), 100), Tier(D(30), 80))),
     "IM响应时间:档位应按从小到大排列"),
    (_with_indicator("followup", tiers=(Tier(D(300), 101),)), "得分应在 0–100 之间"),
    (_with_indicator("followup", tiers=(Tier(D(300), 60), Tier(D(200), 80))), "得分低于"),
    (_with_indicator("followup", tiers=()), "至少需要一个档位"),
    (_with_indicator("followup", unit="米"), "单位应为"),
    (replace(DEFAULT_RULES, indicators=DEFAULT_RULES.indicators[::-1]), "指标应依次为"),
    (replace(DEFAULT_RULES, commission=(CommissionBand(D(95), False, D("1.5")),)),
     "提成比例应在 0–1 之间"),
    (replace(DEFAULT_RULES, commission=(CommissionBand(D(70), True, D("0.01")),
                                        CommissionBand(D(85), True, D("0.02")))),
     "提成分数线应从高到低"),
    (replace(DEFAULT_RULES, grades=((D(70), "junior"), (D(90), "senior"))), "评级分数线应从高到低"),
    (replace(DEFAULT_RULES, grades=((D(90), "expert"),)), "评级只能是"),
    (replace(DEFAULT_RULES, promotion_factor=D(2)), "提成系数"),
    (replace(DEFAULT_RULES, bonus_floor=D(101)), "最低 KPI"),
    (replace(DEFAULT_RULES, elimination_months=0), "月数至少为 1"),
])
def test_problems_are_named(rules, expected):
    assert any(expected in p for p in rules.problems()), rules.problems()


def test_configured_rules_change_the_sheet():
    rules = replace(DEFAULT_RULES, bonus_pool=D(500), bonus_floor=D(60),
                    grades=((D(95), "senior"), (D(60), "junior")))
    sheet = compute(TOP, D(0), rules)  # KPI 70
    assert (sheet.kpi, sheet.grade, sheet.bonus) == (70, "junior", D("350.00"))


# ---- properties -----------------------------------------------------------------------------

money = st.decimals(min_value=0, max_value=10**6, places=2, allow_nan=False,
                    allow_infinity=False)
count = st.integers(min_value=0, max_value=10**5)
metrics = st.builds(Metrics, sales_actual=money, sales_plan=money, consultations=count,
                    ordered_buyers=count, paid_buyers=count, im_paid_sales=money,
                    customers_received=count, customers_replied=count,
                    avg_response_seconds=st.decimals(min_value=0, max_value=300, places=2),
                    followup_amount=money, personal_revenue=money, promotion=st.booleans())
assessment = st.decimals(min_value=0, max_value=100, places=2)


@settings(max_examples=300)
@given(metrics, assessment)
def test_the_kpi_is_the_weighted_sum_within_0_to_100(m, a):
    sheet = compute(m, a)
    assert 0 <= sheet.kpi <= 100
    assert sheet.kpi == sum(s.weight * s.points / 100 for s in sheet.scores)
    assert [s.key for s in sheet.scores] == list(INDICATOR_KEYS)
    assert sheet.grade == grade_of(sheet.kpi, DEFAULT_RULES)
    assert 0 <= sheet.bonus <= 300 and 0 <= sheet.commission <= m.personal_revenue


@settings(max_examples=300)
@given(metrics)
def test_completion_points_match_exact_fractions(m):
    got = next(s for s in compute(m, D(80)).scores if s.key == "completion")
    if m.sales_plan == 0:
        assert got.points == 0 and got.value is None
        return
    percent = Fraction(m.sales_actual) / Fraction(m.sales_plan) * 100
    expected = next((p for bound, p in ((100, 100), (90, 85), (80, 70), (70, 55), (60, 40),
                                        (50, 25), (40, 10)) if percent >= bound), 0)
    assert got.points == expected


better = st.decimals(min_value=0, max_value=1000, places=2)


@settings(max_examples=200)
@given(metrics, assessment, better, st.sampled_from(
    ["sales_actual", "im_paid_sales", "followup_amount", "customers_replied",
     "avg_response_seconds", "assessment"]))
def test_a_better_figure_never_lowers_the_kpi(m, a, step, figure):
    before = compute(m, a).kpi
    if figure == "assessment":
        after = compute(m, min(D(100), a + step)).kpi
    elif figure == "avg_response_seconds":
        after = compute(replace(m, avg_response_seconds=max(D(0), m.avg_response_seconds - step)),
                        a).kpi
    elif figure == "customers_replied":
        after = compute(replace(m, customers_replied=m.customers_replied + int(step)), a).kpi
    else:
        after = compute(replace(m, **{figure: getattr(m, figure) + step}), a).kpi
    assert after >= before
