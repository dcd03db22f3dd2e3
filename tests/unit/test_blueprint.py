from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

from trainer.exams.blueprint import (
    DEFAULT_POINTS,
    Blueprint,
    Quota,
    certification,
    check,
    default_monthly,
    validate,
)
from trainer.exams.generator import Candidate
from trainer.questions.bank import CATEGORIES, TYPES, load_bank, needs_grader

ROOT = Path(__file__).resolve().parents[2]


def pool(size, category="after_sales", difficulty=3, first_id=1):
    return [Candidate(n, n, category, difficulty, 4) for n in range(first_id, first_id + size)]


def test_the_standard_monthly_paper_is_50_questions_worth_100_points():
    blueprint = default_monthly(CATEGORIES)
    assert blueprint.name == "标准月考"
    assert blueprint.size == 50
    assert {blueprint.size * blueprint.points_for(qtype) for qtype in TYPES} == {100}
    counts = {(q.category, q.difficulty): q.count for q in blueprint.quotas}
    assert [counts["rules", d] for d in (1, 2, 3)] == [3, 3, 2]
    for category in set(CATEGORIES) - {"rules"}:
        assert [counts[category, d] for d in (1, 2, 3)] == [2, 3, 1]
    assert {q.category for q in blueprint.quotas} == set(CATEGORIES)
    assert validate(blueprint) == []


def test_every_question_type_is_worth_two_points_by_default():
    assert dict(DEFAULT_POINTS) == dict.fromkeys(TYPES, 2.0)
    blueprint = Blueprint((Quota(1),))
    assert all(blueprint.points_for(qtype) == 2 for qtype in TYPES)
    assert blueprint.points_for("essay") == 2


def test_points_for_reads_the_blueprints_own_points():
    blueprint = Blueprint((Quota(1),), points=(("single", 1.0), ("scenario", 5.0)))
    assert blueprint.points_for("scenario") == 5
    assert blueprint.points_for("single") == 1
    assert blueprint.points_for("fill") == 2


def test_certification_draws_the_same_number_from_every_module():
    blueprint = certification(["m1", "m2", "m3"], 4)
    assert blueprint.size == 12
    assert [(q.module, q.count, q.category) for q in blueprint.quotas] == [
        ("m1", 4, None), ("m2", 4, None), ("m3", 4, None)]


def test_to_json_leaves_out_the_dimensions_a_quota_does_not_restrict():
    blueprint = Blueprint((Quota(3, category="sales", difficulty=2), Quota(2, module="m1")),
                          points=(("single", 2.0), ("short", 10.0)), name="十一月")
    assert blueprint.to_json() == {
        "name": "十一月",
        "quotas": [{"count": 3, "category": "sales", "difficulty": 2},
                   {"count": 2, "module": "m1"}],
        "points": {"single": 2.0, "short": 10.0},
    }


def test_a_legacy_list_of_quotas_reads_with_default_points_and_no_name():
    legacy = [{"count": 1, "category": "sales", "difficulty": 1}, {"count": 13, "module": "m"}]
    blueprint = Blueprint.from_json(legacy)
    assert blueprint == Blueprint((Quota(1, "sales", 1), Quota(13, module="m")))
    assert blueprint.points == DEFAULT_POINTS
    assert blueprint.name == ""


def test_from_json_without_points_falls_back_to_the_defaults():
    blueprint = Blueprint.from_json({"quotas": [{"count": 2}]})
    assert blueprint == Blueprint((Quota(2),))


quotas = st.builds(Quota, st.integers(0, 20), st.none() | st.sampled_from(list(CATEGORIES)),
                   st.none() | st.integers(1, 3), st.none() | st.sampled_from(["m1", "m2"]))
points = st.dictionaries(st.sampled_from(list(TYPES)),
                         st.floats(0.5, 20, allow_nan=False).map(lambda p: round(p, 1)),
                         min_size=1)


@given(st.lists(quotas, max_size=10), points, st.text(max_size=10))
def test_json_round_trip(quota_list, point_map, name):
    blueprint = Blueprint(tuple(quota_list), tuple(point_map.items()), name)
    assert Blueprint.from_json(blueprint.to_json()) == blueprint


@given(st.lists(quotas, max_size=10))
def test_legacy_json_reads_back_to_the_same_quotas(quota_list):
    legacy = Blueprint(tuple(quota_list)).to_json()["quotas"]
    assert Blueprint.from_json(legacy) == Blueprint(tuple(quota_list))


def test_a_quota_describes_its_cell_in_chinese():
    assert Quota(3, category="after_sales", difficulty=3).describe() == "售后处理 难度3"
    assert Quota(2, module="m1").describe() == "课程 m1"
    assert Quota(2).describe() == "任意"


# check() ----------------------------------------------------------------------------------

@pytest.mark.parametrize(("size", "level"), [
    (2, "short"), (3, "exposure"), (8, "exposure"), (9, "ok"), (30, "ok")])
def test_check_levels_at_the_boundaries(size, level):
    quota = Quota(3, category="after_sales", difficulty=3)
    [cell] = check(Blueprint((quota,)), pool(size))
    assert (cell.quota, cell.pool, cell.level) == (quota, size, level)
    assert cell.message.startswith("售后处理 难度3:")


def test_check_says_why_in_chinese():
    blueprint = Blueprint((Quota(3, category="after_sales", difficulty=3),))
    [short] = check(blueprint, pool(2))
    assert short.message == "售后处理 难度3:题库只有 2 道,配额 3 道,无法出卷"
    [exposure] = check(blueprint, pool(5))
    assert "不足 9 道" in exposure.message
    assert "无法避开前 2 个月考过的题" in exposure.message


@given(st.integers(0, 10), st.integers(0, 4), st.integers(0, 60))
def test_check_level_follows_pool_against_count(count, months, size):
    [cell] = check(Blueprint((Quota(count, category="after_sales"),)), pool(size), months)
    expected = ("short" if size < count else "exposure" if size < count * (1 + months)
                else "ok")
    assert cell.level == expected


def test_check_counts_only_matching_questions_once_each():
    candidates = [*pool(3), *pool(5, category="sales", first_id=10),
                  Candidate(99, 1, "after_sales", 3, 4)]  # a second version of question 1
    blueprint = Blueprint((Quota(1, category="after_sales"), Quota(1, category="sales"),
                           Quota(1, category="rules")))
    assert [(c.pool, c.level) for c in check(blueprint, candidates)] == [
        (3, "ok"), (5, "ok"), (0, "short")]


def test_check_without_exclusion_only_asks_for_the_count():
    [cell] = check(Blueprint((Quota(3),)), pool(3), exclusion_months=0)
    assert cell.level == "ok"


def test_the_shipped_bank_fills_the_monthly_paper_with_room_to_rotate():
    questions = [q for q in load_bank(ROOT / "question_bank")
                 if not needs_grader(q.qtype, q.options)
                 and q.active_from is None and q.active_until is None]
    candidates = [Candidate(n, n, q.category, q.difficulty, len(q.options), q.module, q.qtype)
                  for n, q in enumerate(questions)]
    cells = check(default_monthly(CATEGORIES), candidates)
    assert [c.message for c in cells if c.level != "ok"] == []


# validate() -------------------------------------------------------------------------------

def test_validate_rejects_a_negative_count():
    errors = validate(Blueprint((Quota(-1, category="sales"), Quota(5, category="rules"))))
    assert errors == ["销售知识:题数不能为负数(-1)"]


def test_validate_rejects_an_empty_paper():
    assert validate(Blueprint((Quota(0, category="sales"),))) == ["题目总数必须大于 0(现为 0)"]
    assert validate(Blueprint(())) == ["题目总数必须大于 0(现为 0)"]


def test_validate_rejects_the_same_cell_twice():
    errors = validate(Blueprint((Quota(1, "sales", 1), Quota(2, "rules", 1),
                                 Quota(2, "sales", 1), Quota(2, "sales", 1))))
    assert errors == ["销售知识 难度1:配额重复了 3 次,请合并为一条"]


def test_validate_rejects_points_that_are_not_positive():
    errors = validate(Blueprint((Quota(1),), points=(("single", 0.0), ("fill", -1.0),
                                                      ("multiple", 0.5))))
    assert errors == ["单选题:分值必须大于 0(现为 0)", "填空题:分值必须大于 0(现为 -1)"]


def test_validate_reports_every_problem():
    blueprint = Blueprint((Quota(-2, "sales"), Quota(0, "sales")), points=(("single", 0.0),))
    assert validate(blueprint) == [
        "销售知识:题数不能为负数(-2)",
        "题目总数必须大于 0(现为 -2)",
        "销售知识:配额重复了 2 次,请合并为一条",
        "单选题:分值必须大于 0(现为 0)",
    ]
