"""Item statistics read from the tallies real grading fills, against a scenario worked by hand."""

import math

import pytest
from sqlalchemy import select

from tests.exams import papers
from tests.exams.test_exam_flow import make_exam
from trainer.accounts.models import Team
from trainer.accounts.roles import Role
from trainer.extensions import db
from trainer.reports.itemstats import ExamSums, ItemSums, reliability
from trainer.reports.models import ExamTally, ItemTally, TeamItemTally

# The fixture bank: a-001 single choice (key A), a-003 true/false (key 对), b-013 multiple
# choice (key AB, partial credit: (keys picked − wrong picked) / 2).
PAPER = ("a-001", "a-003", "b-013")
# Every agent gets the same paper, options in written order (0 = A, 1 = B, ...).
#
#            a-001       a-003        b-013              | s
#   east 1   [A]   1     对  1        [A, B]  1          | 3
#   east 2   [A]   1     错  0        [A]     0.5        | 1.5
#   west 1   [B]   0     对  1        [A, C]  (1−1)/2=0  | 1
#   west 2   [C]   0     —   0        —       0          | 0
RESPONSES = (
    {"a-001": [0], "a-003": [True], "b-013": [0, 1]},
    {"a-001": [0], "a-003": [False], "b-013": [0]},
    {"a-001": [1], "a-003": [True], "b-013": [0, 2]},
    {"a-001": [2]},
)


@pytest.fixture
def graded(make_user, small_content):
    east, west = Team(name="售前一组"), Team(name="售后二组")
    db.session.add_all([east, west])
    db.session.commit()
    exam = make_exam(blueprint={"name": "t", "quotas": [{"count": len(PAPER)}]})
    for team, responses in zip((east, east, west, west), RESPONSES, strict=True):
        attempt = papers.sit(exam, make_user(Role.AGENT, team=team), responses, PAPER)
        assert attempt.score is not None
    return exam, east, west


def version_id(key: str) -> int:
    return papers.question(key).current_version_id


def item_row(exam, key: str) -> ItemTally:
    return db.session.scalar(select(ItemTally).where(
        ItemTally.exam_id == exam.id, ItemTally.version_id == version_id(key)))


def test_multiple_choice_statistics_from_the_tally(graded):
    exam, _east, _west = graded
    item = ItemSums.of(item_row(exam, "b-013"))
    # x = 1 .5 0 0: one full credit, one answer left empty.
    assert (item.answers, item.correct, item.omitted) == (4, 1, 1)
    # Facility (1 + 0.5 + 0 + 0)/4 = 3/8.
    assert item.facility == pytest.approx(3 / 8, abs=1e-9)
    # x = 1 .5 0 0, rest r = s − x = 2 1 1 0.
    #   mean x = 3/8; mean r = 1.
    #   x − 3/8 = 5/8  1/8  −3/8  −3/8
    #   r − 1   = 1    0    0     −1
    #   Σ products = 5/8 + 3/8 = 1
    #   Σ(x − x̄)² = (25 + 1 + 9 + 9)/64 = 11/16; Σ(r − r̄)² = 2
    #   r = 1 / √(11/16 · 2) = √(8/11) ≈ 0.8528
    assert item.discrimination == pytest.approx(math.sqrt(8 / 11), abs=1e-9)
    # A chosen by three of four answers, B and C by one each: per answer, adding past 1.
    assert item.option_shares == pytest.approx((0.75, 0.25, 0.25, 0))


def test_single_choice_and_true_false_statistics_from_the_tally(graded):
    exam, _east, _west = graded
    single = ItemSums.of(item_row(exam, "a-001"))
    # x = 1 1 0 0, rest r = 2 .5 1 0; mean r = 7/8; r − 7/8 = 9/8 −3/8 1/8 −7/8.
    #   Σ products = 1/2 · (9/8 − 3/8 − 1/8 + 7/8) = 3/4; Σ(x − x̄)² = 1;
    #   Σ(r − r̄)² = (81 + 9 + 1 + 49)/64 = 35/16; r = (3/4) / (√35/4) = 3/√35 ≈ 0.5071.
    assert single.facility == 0.5
    assert single.discrimination == pytest.approx(3 / math.sqrt(35), abs=1e-9)
    assert single.option_shares == (0.5, 0.25, 0.25, 0)
    true_false = ItemSums.of(item_row(exam, "a-003"))
    assert (true_false.facility, true_false.omitted) == (0.5, 1)
    assert true_false.option_shares == (0.5, 0.25)  # 对 twice, 错 once, one left empty


def test_teams_add_up_and_reliability_from_the_tallies(graded):
    exam, east, west = graded
    for key in PAPER:
        teams = db.session.scalars(select(TeamItemTally).where(
            TeamItemTally.exam_id == exam.id, TeamItemTally.version_id == version_id(key))
            .order_by(TeamItemTally.team_id)).all()
        assert [row.team_id for row in teams] == sorted([east.id, west.id])
        assert ItemSums.of(teams[0]) + ItemSums.of(teams[1]) == ItemSums.of(item_row(exam, key))
    sums = sum((ExamSums.of(row) for row in db.session.scalars(
        select(ExamTally).where(ExamTally.exam_id == exam.id))), ExamSums())
    assert (sums.attempts, sums.questions_sum, sums.earned_sum) == (4, 12, 5.5)
    # Totals 3 1.5 1 0: mean 11/8; variance (169 + 1 + 9 + 121)/64 / 4 = 75/64.
    # Item variances: a-001 1/4, a-003 1/4, b-013 Σx²/n − x̄² = 1.25/4 − 9/64 = 11/64;
    #   sum 43/64. alpha = 3/2 · (1 − 43/75) = 16/25 = 0.64.
    items = [ItemSums.of(item_row(exam, key)) for key in PAPER]
    assert reliability(sums, items) == pytest.approx(0.64, abs=1e-9)
