from datetime import datetime, timedelta

import pytest

from trainer.exams.grading import Grade, accepts_answers, deadline, grade, is_correct


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


def test_score_is_percent_of_correct():
    assert grade([("single", [0], [0]), ("single", [1], [0])]).score == 50.0
    assert Grade(16, 16).score == 100.0
    assert Grade(15, 16).score == 93.8
    assert Grade(0, 16).score == 0.0


def test_only_an_all_correct_paper_scores_100():
    assert Grade(1999, 2000).score == 99.9


def test_empty_paper_scores_zero():
    assert Grade(0, 0).score == 0.0


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
