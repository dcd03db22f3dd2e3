"""Item statistics against values worked out by hand on small fixed data sets, and against
an independent computation from the raw answers (statistics.correlation / pvariance)."""

import math
import statistics
from types import SimpleNamespace

import pytest

from trainer.reports.itemstats import (
    FLAG_LABELS,
    FLAG_NOT_DISCRIMINATING,
    FLAG_TOO_EASY,
    FLAG_TOO_HARD,
    ExamSums,
    ItemSums,
    Thresholds,
    discrimination_reading,
    facility_reading,
    reliability,
    reliability_reading,
)

# A paper is {item: credit}; an attempt's raw total s is the sum of its paper's credits.


def sums_of(pairs) -> ItemSums:
    """What tally.record adds for each (credit x, attempt total s) answer to one item."""
    pairs = list(pairs)
    return ItemSums(
        answers=len(pairs), correct=sum(x == 1 for x, _ in pairs), omitted=0,
        credit_sum=sum(x for x, _ in pairs), credit_sq_sum=sum(x * x for x, _ in pairs),
        total_sum=sum(s for _, s in pairs), total_sq_sum=sum(s * s for _, s in pairs),
        cross_sum=sum(x * s for x, s in pairs))


def item_sums(papers, item) -> ItemSums:
    return sums_of((paper[item], sum(paper.values())) for paper in papers if item in paper)


def exam_sums(papers) -> ExamSums:
    totals = [sum(paper.values()) for paper in papers]
    return ExamSums(attempts=len(papers), questions_sum=sum(len(p) for p in papers),
                    earned_sum=sum(totals), earned_sq_sum=sum(s * s for s in totals))


def all_items(papers) -> dict[str, ItemSums]:
    return {item: item_sums(papers, item) for item in sorted({i for p in papers for i in p})}


def fixed_form(matrix) -> list[dict]:
    return [{f"Q{i + 1}": x for i, x in enumerate(row)} for row in matrix]


def item_rest(papers, item) -> tuple[list[float], list[float]]:
    """Independently of the sums: each answer's credit and the rest of its attempt's total."""
    taken = [p for p in papers if item in p]
    return [p[item] for p in taken], [sum(p.values()) - p[item] for p in taken]


def cronbach(matrix) -> float:
    """Textbook alpha (KR-20 for 0/1) on a fixed form, population variances throughout."""
    k = len(matrix[0])
    item_variance = sum(statistics.pvariance(column) for column in zip(*matrix, strict=True))
    return k / (k - 1) * (1 - item_variance / statistics.pvariance([sum(r) for r in matrix]))


# Six agents, one fixed form of five right/wrong items.
#
#         Q1 Q2 Q3 Q4 Q5 | s
#   A1     1  1  1  1  1 | 5
#   A2     1  1  0  1  1 | 4
#   A3     1  0  1  0  0 | 2
#   A4     1  0  1  0  0 | 2
#   A5     1  0  0  1  0 | 2
#   A6     1  0  0  0  0 | 1
#
# Facility p = right / 6: Q1 6/6 = 1, Q2 2/6 = 1/3, Q3 3/6 = 1/2, Q4 3/6 = 1/2, Q5 2/6 = 1/3.
MATRIX = [
    [1, 1, 1, 1, 1],
    [1, 1, 0, 1, 1],
    [1, 0, 1, 0, 0],
    [1, 0, 1, 0, 0],
    [1, 0, 0, 1, 0],
    [1, 0, 0, 0, 0],
]
PAPERS = fixed_form(MATRIX)


def test_facility_is_the_share_of_answers_right():
    facilities = [item_sums(PAPERS, f"Q{i}").facility for i in range(1, 6)]
    assert facilities == pytest.approx([1, 1 / 3, 1 / 2, 1 / 2, 1 / 3], abs=1e-9)


def test_item_rest_correlation_by_hand():
    # Q2: x = 1 1 0 0 0 0, rest r = s − x = 4 3 2 2 2 1.
    #   mean x = 2/6 = 1/3; mean r = 14/6 = 7/3.
    #   x − 1/3 =  2/3  2/3 −1/3 −1/3 −1/3 −1/3
    #   r − 7/3 =  5/3  2/3 −1/3 −1/3 −1/3 −4/3
    #   Σ products = (10 + 4 + 1 + 1 + 1 + 4)/9 = 21/9 = 7/3
    #   Σ(x − x̄)² = (4 + 4 + 1 + 1 + 1 + 1)/9 = 4/3
    #   Σ(r − r̄)² = (25 + 4 + 1 + 1 + 1 + 16)/9 = 48/9 = 16/3
    #   r = (7/3) / √(4/3 · 16/3) = (7/3) / (8/3) = 7/8 = 0.875
    assert item_sums(PAPERS, "Q2").discrimination == pytest.approx(7 / 8, abs=1e-9)
    # Q3: x = 1 0 1 1 0 0, rest r = 4 4 1 1 2 1.
    #   mean x = 3/6 = 1/2; mean r = 13/6.
    #   x − 1/2 =  1/2   −1/2   1/2   1/2  −1/2  −1/2
    #   r − 13/6 = 11/6  11/6  −7/6  −7/6  −1/6  −7/6
    #   Σ products = (11 − 11 − 7 − 7 + 1 + 7)/12 = −6/12 = −1/2
    #   Σ(x − x̄)² = 6 · 1/4 = 3/2
    #   Σ(r − r̄)² = (121 + 121 + 49 + 49 + 1 + 49)/36 = 390/36 = 65/6
    #   r = (−1/2) / √(3/2 · 65/6) = (−1/2) / (√65/2) = −1/√65 ≈ −0.1240
    # The two who got it wrong at the top (A2) and the lucky low scorers make it negative.
    assert item_sums(PAPERS, "Q3").discrimination == pytest.approx(-1 / math.sqrt(65), abs=1e-9)
    # Q5 is Q2's column again; Q4 = 3/√41 ≈ 0.4685 (same steps, not shown).
    assert item_sums(PAPERS, "Q5").discrimination == pytest.approx(7 / 8, abs=1e-9)
    assert item_sums(PAPERS, "Q4").discrimination == pytest.approx(3 / math.sqrt(41), abs=1e-9)
    # Q1: everybody right, x has no spread: no correlation to speak of.
    assert item_sums(PAPERS, "Q1").discrimination is None


@pytest.mark.parametrize("item", ["Q2", "Q3", "Q4", "Q5"])
def test_item_rest_correlation_matches_pearson_on_the_raw_answers(item):
    credits, rests = item_rest(PAPERS, item)
    assert item_sums(PAPERS, item).discrimination == pytest.approx(
        statistics.correlation(credits, rests), abs=1e-9)


def test_kr20_by_hand():
    # Totals s = 5 4 2 2 2 1: mean 16/6 = 8/3; s − 8/3 = 7/3 4/3 −2/3 −2/3 −2/3 −5/3;
    #   Σ squares = (49 + 16 + 4 + 4 + 4 + 25)/9 = 102/9; variance = 102/9 / 6 = 17/9.
    # Σpq = Q1 1·0 + Q2 1/3·2/3 + Q3 1/2·1/2 + Q4 1/2·1/2 + Q5 1/3·2/3
    #     = 0 + 2/9 + 1/4 + 1/4 + 2/9 = 17/18.
    # k/(k−1) = 5/4.
    # KR-20 = 5/4 · (1 − (17/18)/(17/9)) = 5/4 · (1 − 1/2) = 5/8 = 0.625.
    alpha = reliability(exam_sums(PAPERS), all_items(PAPERS).values())
    assert alpha == pytest.approx(5 / 8, abs=1e-9)
    assert alpha == pytest.approx(cronbach(MATRIX), abs=1e-9)


# Four agents, three items; Q2 gives half credit (a multiple-choice answer with one key of
# two).
#
#         Q1   Q2   Q3 | s
#   A1     1    1    1 | 3
#   A2     1  0.5    1 | 2.5
#   A3     0  0.5    1 | 1.5
#   A4     0    0    0 | 0
PARTIAL = [
    [1, 1, 1],
    [1, 0.5, 1],
    [0, 0.5, 1],
    [0, 0, 0],
]


def test_partial_credit_by_hand():
    papers = fixed_form(PARTIAL)
    q2 = item_sums(papers, "Q2")
    # Facility is the mean credit, (1 + 0.5 + 0.5 + 0)/4 = 1/2, though only A1 was right.
    assert (q2.answers, q2.correct, q2.facility) == (4, 1, 0.5)
    # Q2: x = 1 .5 .5 0, rest r = 2 2 1 0.
    #   mean x = 1/2; mean r = 5/4.
    #   x − 1/2 = 1/2  0    0    −1/2
    #   r − 5/4 = 3/4  3/4  −1/4 −5/4
    #   Σ products = 3/8 + 0 + 0 + 5/8 = 1
    #   Σ(x − x̄)² = 1/4 + 1/4 = 1/2
    #   Σ(r − r̄)² = (9 + 9 + 1 + 25)/16 = 11/4
    #   r = 1 / √(1/2 · 11/4) = √(8/11) ≈ 0.8528
    assert q2.discrimination == pytest.approx(math.sqrt(8 / 11), abs=1e-9)
    assert q2.discrimination == pytest.approx(
        statistics.correlation(*item_rest(papers, "Q2")), abs=1e-9)
    # Item variances (population): Q1 (1 1 0 0) 1/4; Q2 Σx²/n − x̄² = 1.5/4 − 1/4 = 1/8;
    #   Q3 (1 1 1 0) 3/4 · 1/4 = 3/16. Sum = 4/16 + 2/16 + 3/16 = 9/16.
    # Totals 3 2.5 1.5 0: mean 7/4; s − 7/4 = 5/4 3/4 −1/4 −7/4;
    #   variance = (25 + 9 + 1 + 49)/16 / 4 = 84/64 = 21/16.
    # alpha = 3/2 · (1 − (9/16)/(21/16)) = 3/2 · 12/21 = 6/7 ≈ 0.857.
    alpha = reliability(exam_sums(papers), all_items(papers).values())
    assert alpha == pytest.approx(6 / 7, abs=1e-9)
    assert alpha == pytest.approx(cronbach(PARTIAL), abs=1e-9)


# Random papers from a pool P1..P6, two teams. The first four east agents happen to share
# one form (P1 P2 P3, right/wrong); everyone else got a different mix, some half credit.
EAST = [
    {"P1": 1, "P2": 1, "P3": 1},
    {"P1": 1, "P2": 1, "P3": 0},
    {"P1": 1, "P2": 0, "P3": 0},
    {"P1": 0, "P2": 0, "P3": 0},
    {"P2": 1, "P4": 0.5, "P5": 1, "P6": 0},
]
WEST = [
    {"P1": 1, "P4": 1, "P5": 0.5},
    {"P3": 0, "P4": 0, "P5": 1, "P6": 1},
    {"P2": 1, "P3": 1, "P6": 0.5},
    {"P1": 0, "P5": 0.5},
]


def test_team_sums_add_up_to_the_department():
    department = all_items(EAST + WEST)
    east, west = all_items(EAST), all_items(WEST)
    for item, pooled in department.items():
        assert east.get(item, ItemSums()) + west.get(item, ItemSums()) == pooled
    assert exam_sums(EAST) + exam_sums(WEST) == exam_sums(EAST + WEST)
    # So do the statistics read from them.
    assert (east["P5"] + west["P5"]).facility == pytest.approx((1 + 0.5 + 1 + 0.5) / 4)


def test_reliability_on_a_fixed_form_subset_is_kr20():
    # Totals 3 2 1 0: mean 3/2, variance (9 + 1 + 1 + 9)/4 / 4 = 5/4.
    # Σpq = P1 3/4·1/4 + P2 1/2·1/2 + P3 1/4·3/4 = 3/16 + 4/16 + 3/16 = 5/8.
    # KR-20 = 3/2 · (1 − (5/8)/(5/4)) = 3/2 · 1/2 = 3/4.
    same_form = EAST[:4]
    alpha = reliability(exam_sums(same_form), all_items(same_form).values())
    assert alpha == pytest.approx(3 / 4, abs=1e-9)
    assert alpha == pytest.approx(cronbach([list(p.values()) for p in same_form]), abs=1e-9)


def test_reliability_pools_random_papers_by_mean_length_and_answer_weighted_variances():
    papers = EAST + WEST
    k = statistics.mean(len(p) for p in papers)  # 31/9
    expected_item_variance = sum(
        len(credits) * statistics.pvariance(credits)
        for credits in ([p[i] for p in papers if i in p] for i in all_items(papers))
    ) / len(papers)
    totals = [sum(p.values()) for p in papers]
    expected = k / (k - 1) * (1 - expected_item_variance / statistics.pvariance(totals))
    assert reliability(exam_sums(papers), all_items(papers).values()) == pytest.approx(
        expected, abs=1e-9)


# Boundaries ------------------------------------------------------------------------------

def right_wrong(right: int, wrong: int) -> ItemSums:
    """Answers whose papers had nothing else on them: a facility and no measurable
    discrimination (every rest is 0), so only the facility flags can show."""
    return sums_of([(1, 1)] * right + [(0, 0)] * wrong)


def test_too_easy_only_strictly_above_the_threshold():
    assert right_wrong(57, 3).facility == 0.95
    assert right_wrong(57, 3).flags() == ()
    assert right_wrong(9501, 499).flags() == (FLAG_TOO_EASY,)


def test_too_hard_only_strictly_below_the_threshold():
    assert right_wrong(6, 24).facility == 0.2
    assert right_wrong(6, 24).flags() == ()
    assert right_wrong(5, 25).flags() == (FLAG_TOO_HARD,)


def test_discrimination_exactly_at_the_threshold_is_not_flagged():
    # x = 1 0 0 0 0 0, rest = 1 0 0 0 1 2, five times over (30 answers):
    #   n·Σxr − Σx·Σr = 30·5 − 5·20 = 50; n·Σx² − (Σx)² = 150 − 25 = 125;
    #   n·Σr² − (Σr)² = 30·30 − 400 = 500; r = 50/√(125·500) = 50/250 = 0.2 exactly.
    item = sums_of([(1, 2), (0, 0), (0, 0), (0, 0), (0, 1), (0, 2)] * 5)
    assert item.discrimination == 0.2
    assert FLAG_NOT_DISCRIMINATING not in item.flags()
    stricter = Thresholds(discrimination=math.nextafter(0.2, 1))
    assert FLAG_NOT_DISCRIMINATING in item.flags(stricter)


def test_no_flags_below_the_minimum_sample():
    assert right_wrong(0, 29).flags() == ()
    assert right_wrong(0, 30).flags() == (FLAG_TOO_HARD,)
    assert right_wrong(0, 4).flags(Thresholds(min_answers=4)) == (FLAG_TOO_HARD,)


def test_a_question_everybody_got_right_has_no_discrimination_and_does_not_crash():
    item = sums_of((1, s) for s in [5, 4, 3, 3, 2] * 8)
    assert item.facility == 1 and item.discrimination is None
    assert item.flags() == (FLAG_TOO_EASY,)


def test_a_poor_question_is_flagged_on_both_counts():
    # Low scorers get it right as often as high scorers, and almost nobody does.
    item = sums_of([(1, 2), (1, 9)] + [(0, s) for s in range(2, 10)] * 4)
    assert item.facility < 0.2 and item.discrimination < 0.2
    assert item.flags() == (FLAG_TOO_HARD, FLAG_NOT_DISCRIMINATING)
    assert [FLAG_LABELS[f] for f in item.flags()] == ["过难", "区分度低"]


def test_no_answers_no_figures():
    empty = ItemSums()
    assert (empty.facility, empty.discrimination, empty.option_shares, empty.flags()) == (
        None, None, (), ())
    assert ItemSums(chosen=(0, 0, 0, 0)).option_shares == (0, 0, 0, 0)
    assert sums_of([(1, 3)]).discrimination is None  # one answer: no correlation


def test_rounding_in_stored_sums_is_not_mistaken_for_spread():
    # Everyone earned the same; sums of 0.1 and 2.7 do not cancel exactly in floating point.
    same = sums_of([(0.1, 2.7)] * 100)
    assert same.discrimination is None  # not the 0.62 the leftover rounding would give
    thirds = ExamSums(attempts=50, questions_sum=150, earned_sum=sum([7 / 3] * 50),
                      earned_sq_sum=sum([7 / 3 * 7 / 3] * 50))
    assert reliability(thirds, [sums_of([(1 / 3, 7 / 3)] * 50)]) is None


def test_reliability_needs_two_attempts_spread_and_more_than_one_question():
    one = fixed_form([[1, 0, 1]])
    assert reliability(exam_sums(one), all_items(one).values()) is None
    level = fixed_form([[1, 0], [0, 1], [1, 0]])  # every total is 1
    assert reliability(exam_sums(level), all_items(level).values()) is None
    single = fixed_form([[1], [0], [1]])
    assert reliability(exam_sums(single), all_items(single).values()) is None
    assert reliability(ExamSums(), []) is None


def test_option_shares_are_per_answer_and_may_add_past_one():
    # Four multiple-choice answers: A chosen three times, B three, C once, D never.
    item = ItemSums(answers=4, chosen=(3, 3, 1, 0))
    assert item.option_shares == (0.75, 0.75, 0.25, 0)
    assert sum(item.option_shares) == 1.75


def test_adding_pads_the_shorter_option_counts():
    left = ItemSums(answers=2, credit_sum=1.5, chosen=(1, 2))
    right = ItemSums(answers=3, correct=1, chosen=(1, 0, 3))
    assert left + right == ItemSums(answers=5, correct=1, credit_sum=1.5, chosen=(2, 2, 3))
    assert ItemSums() + left == left


def test_sums_read_from_tally_rows():
    row = SimpleNamespace(answers=3, correct=1, omitted=1, credit_sum=1.5, credit_sq_sum=1.25,
                          total_sum=6.0, total_sq_sum=14.0, cross_sum=4.0, chosen=[2, 1, 0])
    assert ItemSums.of(row) == ItemSums(3, 1, 1, 1.5, 1.25, 6.0, 14.0, 4.0, (2, 1, 0))
    typed = SimpleNamespace(**{**vars(row), "chosen": []})
    assert ItemSums.of(typed).chosen == ()
    exam = SimpleNamespace(attempts=2, questions_sum=10, earned_sum=7.5, earned_sq_sum=30.25,
                           sat=2, passed=1)
    assert ExamSums.of(exam) == ExamSums(2, 10, 7.5, 30.25)


# Readings --------------------------------------------------------------------------------

def below(value: float) -> float:
    return math.nextafter(value, -math.inf)


@pytest.mark.parametrize(("alpha", "attempts", "starts"), [
    (None, 100, "参考人数太少"),
    (0.95, 19, "参考人数太少"),
    (0.9, 20, "很高"),
    (below(0.9), 20, "良好"),
    (0.8, 20, "良好"),
    (below(0.8), 20, "可接受"),
    (0.7, 20, "可接受"),
    (below(0.7), 20, "偏低"),
    (0.6, 20, "偏低"),
    (below(0.6), 20, "低"),
    (-0.4, 20, "低"),
])
def test_reliability_reading_bands(alpha, attempts, starts):
    assert reliability_reading(alpha, attempts).startswith(starts)


def test_reliability_readings_say_what_to_do_with_the_scores():
    assert "月度考核" in reliability_reading(0.75, 50)
    assert "慎用于奖惩" in reliability_reading(0.65, 50)
    assert "区分度低的题目" in reliability_reading(0.3, 50)


@pytest.mark.parametrize(("facility", "label"), [
    (None, "无人作答"), (1.0, "很容易"), (0.9, "很容易"), (below(0.9), "较容易"),
    (0.7, "较容易"), (below(0.7), "适中"), (0.3, "适中"), (below(0.3), "较难"),
    (0.2, "较难"), (below(0.2), "很难"), (0.0, "很难"),
])
def test_facility_reading(facility, label):
    assert facility_reading(facility) == label


@pytest.mark.parametrize(("discrimination", "label"), [
    (None, "无法计算"), (0.875, "区分好"), (0.3, "区分好"), (below(0.3), "区分一般"),
    (0.2, "区分一般"), (below(0.2), "区分差"), (0.0, "区分差"), (-0.124, "反向(请核对答案)"),
])
def test_discrimination_reading(discrimination, label):
    assert discrimination_reading(discrimination) == label
