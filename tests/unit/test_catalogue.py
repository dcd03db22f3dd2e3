from datetime import date

import pytest

from trainer.assessment.catalogue import (
    CLASS_A,
    CLASS_B,
    CLASS_C,
    CLASS_PLUS,
    SUPERVISOR,
    check_item,
    check_revised_points,
    default_catalogue,
)
from trainer.assessment.rules import AssessmentRules

CATALOGUE = default_catalogue()


def kind(code):
    return CATALOGUE.get(code)


def test_codes_are_unique_and_ranges_are_ordered_around_the_default():
    codes = [k.code for k in CATALOGUE.kinds]
    assert len(codes) == len(set(codes))
    for k in CATALOGUE.kinds:
        assert k.min_points <= k.default_points <= k.max_points, k.code


@pytest.mark.parametrize(("item_class", "low", "high"), [
    (CLASS_A, -5, -1), (CLASS_B, -5, -5), (CLASS_C, -10, -10), (CLASS_PLUS, 1, 10),
])
def test_each_class_stays_within_the_seed_figures(item_class, low, high):
    kinds = [k for k in CATALOGUE.kinds if k.item_class == item_class]
    assert kinds
    assert all(low <= k.min_points and k.max_points <= high for k in kinds)


@pytest.mark.parametrize(("code", "default", "low", "high"), [
    ("a_browsing", -2, -2, -2), ("a_late_early", -2, -5, -2), ("a_complaint", -5, -5, -5),
    ("a_away", -5, -5, -5), ("a_spot_check", -1, -5, -1), ("a_incident_30m", -5, -5, -5),
    ("a_other", -1, -5, -1), ("b_meeting", -5, -5, -5), ("b_software", -5, -5, -5),
    ("b_incident_2h", -5, -5, -5), ("c_price", -10, -10, -10), ("p_cover_shift", 5, 5, 5),
    ("p_zero_cost", 5, 5, 5), ("p_satisfaction", 5, 5, 5), ("p_attendance", 5, 5, 5),
    ("p_proposal", 10, 10, 10), ("p_most_customers", 2, 2, 5), ("p_conversion", 5, 5, 5),
    ("p_praise", 1, 1, 2), ("p_other", 1, 1, 5), ("exam_below_pass", -5, -5, -5),
    ("exam_perfect", 5, 5, 5), (SUPERVISOR, 0, -5, 5),
])
def test_the_seed_figures(code, default, low, high):
    assert (kind(code).default_points, kind(code).min_points, kind(code).max_points) == (
        default, low, high)


def test_demerits_and_dismissal_in_class_c():
    assert {k.code for k in CATALOGUE.kinds if k.demerit} == {
        "c_price", "c_incident_over_2h", "c_sleeping"}
    assert [k.code for k in CATALOGUE.kinds if k.dismissal] == ["c_other_shop"]


def test_exam_and_supervisor_items_are_not_offered_to_leads():
    offered = {k.code for k in CATALOGUE.selectable()}
    assert {"exam_below_pass", "exam_perfect", SUPERVISOR}.isdisjoint(offered)
    assert {"a_browsing", "b_meeting", "c_absence", "p_cover_shift"} <= offered


def test_exam_and_supervisor_figures_follow_the_rules():
    custom = default_catalogue(AssessmentRules(exam_fail_points=-3, supervisor_limit=3))
    assert custom.get("exam_below_pass").default_points == -3
    assert (custom.get(SUPERVISOR).min_points, custom.get(SUPERVISOR).max_points) == (-3, 3)


def test_the_wording_is_the_seeds():
    assert kind("exam_below_pass").label == "客服考试,得分在 60 以下"
    assert kind("a_browsing").label == "工作时间浏览无关网页"
    assert kind("b_meeting").label == "未请假缺席部门例会"


# Validation ----------------------------------------------------------------------------------

OCT = "2026-10"
DAY = date(2026, 10, 8)


def test_a_valid_item_has_no_errors():
    assert check_item(kind("a_late_early"), -3, DAY, OCT, "迟到 20 分钟") == {}


@pytest.mark.parametrize(("points", "ok"), [(-6, False), (-5, True), (-2, True), (-1, False),
                                            (0, False), (2, False)])
def test_points_within_the_kinds_range(points, ok):
    errors = check_item(kind("a_late_early"), points, DAY, OCT, "迟到")
    assert ("points" not in errors) is ok
    if not ok:
        assert errors["points"] == "「迟到早退(视情节)」的分值应为 -5 至 -2 分"


def test_a_fixed_kind_names_its_figure():
    assert check_item(kind("b_meeting"), -4, DAY, OCT, "缺席")["points"] == (
        "「未请假缺席部门例会」的分值应为 -5 分")


@pytest.mark.parametrize(("day", "ok"), [(date(2026, 10, 1), True), (date(2026, 10, 31), True),
                                         (date(2026, 9, 30), False), (date(2026, 11, 1), False)])
def test_the_date_lies_within_the_month(day, ok):
    errors = check_item(kind("a_browsing"), -2, day, OCT, "浏览购物网站")
    assert ("occurred_on" not in errors) is ok
    if not ok:
        assert errors["occurred_on"] == "发生日期应在 2026 年 10 月内"


def test_missing_kind_points_date_and_note_are_named():
    assert check_item(None, -2, DAY, OCT, "x") == {"code": "请选择考核项目"}
    errors = check_item(kind("a_browsing"), None, None, OCT, "  ", "x" * 501)
    assert set(errors) == {"points", "occurred_on", "note", "evidence"}
    assert errors["note"] == "请填写说明(发生了什么)"
    assert "note" not in check_item(kind("a_browsing"), -2, DAY, OCT, "x" * 255)
    assert "note" in check_item(kind("a_browsing"), -2, DAY, OCT, "x" * 256)


@pytest.mark.parametrize(("code", "points", "ok"), [
    ("a_late_early", 0, True), ("a_late_early", -2, True), ("a_late_early", -1, False),
    ("a_late_early", 3, False), ("exam_below_pass", 0, True), ("exam_below_pass", -3, False),
    (SUPERVISOR, 5, True), (SUPERVISOR, 6, False), ("a_browsing", None, False),
])
def test_an_appeal_may_set_points_within_range_or_zero(code, points, ok):
    assert (check_revised_points(kind(code), points) is None) is ok
