from datetime import datetime, timedelta

import pytest

from trainer.exams.grading import (
    Grade,
    accepts_answers,
    credit,
    deadline,
    fill_matches,
    grade,
    is_correct,
    supersedes,
)


@pytest.mark.parametrize(("qtype", "key", "response", "expected"), [
    ("single", [2], [2], True),
    ("single", [2], [1], False),
    ("single", [2], [], False),
    ("single", [2], None, False),
    ("multiple", [0, 2, 3], [3, 0, 2], True),
    ("multiple", [0, 2, 3], [0, 2], False),
    ("multiple", [0, 2, 3], [0, 1, 2, 3], False),
    ("truefalse", [True], [True], True),
    ("truefalse", [True], [False], False),
    ("truefalse", [False], [], False),
])
def test_is_correct(qtype, key, response, expected):
    assert is_correct(qtype, key, response) is expected


def marks(right, total):
    return Grade((1.0,) * right + (0.0,) * (total - right))


def test_score_is_percent_of_correct():
    assert grade([("single", [0], [0]), ("single", [1], [0])]).score == 50.0
    assert marks(16, 16).score == 100.0
    assert marks(15, 16).score == 93.8
    assert marks(0, 16).score == 0.0


def test_only_an_all_correct_paper_scores_100():
    assert marks(1999, 2000).score == 99.9
    assert Grade((1.0, 1.0, 0.999)).score == 99.9


def test_empty_paper_scores_zero():
    assert Grade(()).score == 0.0


@pytest.mark.parametrize(("response", "expected"), [
    ([0, 1, 2], 1.0),      # every key
    ([0, 1], 2 / 3),       # two of three keys, no wrong pick
    ([0], 1 / 3),
    ([0, 1, 3], 1 / 3),    # two right, one wrong
    ([0, 3], 0.0),         # one right, one wrong
    ([3], 0.0),            # never below zero
    ([0, 1, 2, 3], 2 / 3), # everything ticked: the wrong pick costs a share
    ([], 0.0),
])
def test_partial_multiple_choice_deducts_wrong_picks(response, expected):
    assert credit("multiple", [0, 1, 2], response, "partial") == pytest.approx(expected)


def test_all_or_nothing_gives_no_share():
    assert credit("multiple", [0, 1, 2], [0, 1], "all_or_nothing") == 0.0
    assert credit("multiple", [0, 1, 2], [2, 1, 0]) == 1.0


def test_partial_credit_counts_in_the_score_but_not_as_correct():
    result = grade([("multiple", [0, 1], [0], "partial"), ("single", [0], [0])])
    assert result.correct == 1
    assert result.score == 75.0


@pytest.mark.parametrize(("given", "expected"), [
    ("168", True),
    ("１６８", True),          # full-width digits
    (" 168 小时 ", True),      # spaces
    ("168小时。", True),       # a closing full stop
    ("“168”", True),           # quoted
    ("XL", True),
    ("xl", True),              # case
    ("ｘｌ", True),            # full-width letters
    ("16", False),
    ("", False),
    ("   ", False),
])
def test_fill_in_ignores_width_spaces_case(given, expected):
    assert fill_matches(given, ["168", "168小时", "XL"]) is expected


def test_fill_in_credit_reads_the_typed_text():
    assert credit("fill", ["七天", "7天"], ["7 天"]) == 1.0
    assert credit("fill", ["七天", "7天"], ["八天"]) == 0.0
    assert credit("fill", ["七天"], []) == 0.0


def test_a_chosen_scenario_reply_is_graded_like_single_choice():
    assert credit("scenario", [2], [2]) == 1.0
    assert credit("scenario", [2], [1]) == 0.0


@pytest.mark.parametrize(("qtype", "key"), [("short", []), ("scenario", [])])
def test_written_replies_are_not_machine_graded(qtype, key):
    with pytest.raises(ValueError, match="lead"):
        credit(qtype, key, ["我的回答"])


def test_deadline_is_duration_or_window_close_whichever_first():
    start = datetime(2026, 11, 20, 9, 0)
    assert deadline(start, 30, datetime(2026, 11, 30)) == start + timedelta(minutes=30)
    assert deadline(start, 30, start + timedelta(minutes=10)) == start + timedelta(minutes=10)


def test_answer_one_second_after_deadline_is_refused():
    ends = datetime(2026, 11, 20, 9, 30)
    assert accepts_answers(ends, ends)
    assert accepts_answers(ends - timedelta(seconds=1), ends)
    assert not accepts_answers(ends + timedelta(seconds=1), ends)
    assert accepts_answers(ends + timedelta(seconds=1), ends, grace_seconds=1)
    assert not accepts_answers(ends + timedelta(seconds=2), ends, grace_seconds=1)


@pytest.mark.parametrize(("save", "last", "applies"), [
    (("tab", 1001), ("tab", 1000), True),
    (("tab", 1000), ("tab", 1000), False),  # the same save delivered twice
    (("tab", 999), ("tab", 1000), False),  # given up on, arriving after a newer one
    (("phone", 5), ("laptop", 1000), True),  # another device: its clock is not comparable
    (("tab", 1), (None, None), True),  # the attempt's first numbered save
    ((None, None), ("tab", 1000), True),  # the hand-in form carries no number
])
def test_supersedes(save, last, applies):
    assert supersedes(*save, *last) is applies
