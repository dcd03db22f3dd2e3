"""The result page: score, per-category breakdown, and a review that shows keys only when the
exam's review policy allows it."""

from datetime import timedelta

import pytest

from tests.answers import mark_written
from tests.exams import papers
from tests.exams.papers import question
from tests.exams.test_exam_flow import make_exam
from trainer.accounts.models import utcnow
from trainer.accounts.roles import Role
from trainer.exams import results
from trainer.exams.models import Attempt
from trainer.extensions import db

# The fixture bank: a-* are etiquette questions of module alpha (a-001 teaches in section
# "one", 第一节), b-* sales questions of module beta (section "only", 唯一一节).
# a-001, b-001: single, key A; a-003: true/false, key true; b-013: multiple AB, partial
# credit; b-014: short answer, marked by a lead.
PAPER = ("a-001", "a-003", "b-001", "b-013", "b-014")
POINTS = {"single": 4, "truefalse": 1, "multiple": 2, "short": 3}
RESPONSES = {"a-001": [0], "a-003": [False], "b-001": [1], "b-013": [0], "b-014": ["先道歉"]}
# Everything the review would show of a key or an explanation.
KEY_MARKUP = ("text-success fw-semibold", "正确答案", "解析:", "← 您的选择", "复习:")


def blueprint(points=POINTS):
    return {"name": "t", "quotas": [{"count": len(PAPER)}], "points": points}


def sit(exam, agent, responses: dict, keys=PAPER) -> Attempt:
    return papers.sit(exam, agent, responses, keys)


@pytest.fixture
def agent(make_user, small_content):
    return make_user(Role.AGENT)


def result_page(client, attempt) -> str:
    response = client.get(f"/attempts/{attempt.id}/result")
    assert response.status_code == 200
    return response.text


def test_breakdown_weighs_points_by_type_and_counts_pending_replies(agent):
    attempt = sit(make_exam(blueprint=blueprint()), agent, RESPONSES)
    assert attempt.awaits_marking and results.pending(attempt) == 1
    assert results.passed(attempt) is None
    sales, etiquette = results.breakdown(attempt)  # CATEGORIES order: sales before etiquette
    # b-001 wrong (0 of 4), b-013 one key of two (0.5 × 2); the short reply is not in yet.
    assert (sales.category, sales.name, sales.questions, sales.correct) == (
        "sales", "销售知识", 3, 0)
    assert (sales.earned, sales.possible, sales.pending, sales.percent) == (1.0, 6, 1, 16.7)
    # a-001 right (4), a-003 wrong (0 of 1).
    assert (etiquette.questions, etiquette.correct, etiquette.earned, etiquette.possible,
            etiquette.pending, etiquette.percent) == (2, 1, 4.0, 5, 0, 80.0)

    mark_written(attempt, 1.0)
    sales, etiquette = results.breakdown(attempt)
    assert (sales.correct, sales.earned, sales.possible, sales.pending, sales.percent) == (
        1, 4.0, 9, 0, 44.4)
    # 8 of 14 points.
    assert attempt.score == 57.1 and results.passed(attempt) is False


def test_a_category_with_only_pending_replies_has_no_percentage(agent):
    keys = ("a-001", "b-014")
    attempt = sit(make_exam(blueprint=blueprint()), agent, {"b-014": ["先道歉"]}, keys)
    sales = next(c for c in results.breakdown(attempt) if c.category == "sales")
    assert (sales.questions, sales.possible, sales.pending, sales.percent) == (1, 0, 1, None)


def test_awaiting_marking_shows_no_score_and_no_key(agent, agent_client):
    exam = make_exam(blueprint=blueprint(), review_policy="immediate")
    attempt = sit(exam, agent, RESPONSES)
    page = result_page(agent_client, attempt)
    assert "已交卷,1 道主观题等待组长评分" in page
    assert "data-score" not in page and "data-passed" not in page
    assert "1 题待评分" in page  # the breakdown marks the pending reply
    assert "data-review-row" not in page
    for key in PAPER:
        explanation = question(key).current_version.explanation
        if explanation:
            assert explanation not in page
    for markup in KEY_MARKUP:
        assert markup not in page, markup


def test_after_close_review_is_hidden_until_the_window_closes(agent, agent_client):
    exam = make_exam(blueprint=blueprint())
    assert exam.review_policy == "after_close"
    attempt = sit(exam, agent, RESPONSES)
    mark_written(attempt, 0.5)

    page = result_page(agent_client, attempt)
    assert "data-score>" in page and "data-breakdown" in page
    assert "答案与解析将在考试截止后" in page
    assert "data-review-row" not in page
    assert "解析 1" not in page  # a-001's explanation
    for markup in KEY_MARKUP:
        assert markup not in page, markup
    assert results.review_rows(attempt, utcnow()) is None

    exam.closes_at = utcnow() - timedelta(minutes=1)
    db.session.commit()
    page = result_page(agent_client, attempt)
    assert page.count("data-review-row") == len(PAPER)
    assert "解析:解析 1" in page and "答案与解析将在" not in page
    assert '<a class="small" href="/learn/alpha#one">复习:第一节</a>' in page
    assert '<a class="small" href="/learn/beta#only">复习:唯一一节</a>' in page
    assert "部分得分 50%" in page  # b-013, and the half-marked short reply


def test_review_rows_carry_key_answer_credit_comment_and_section(agent):
    exam = make_exam(blueprint=blueprint(), review_policy="immediate")
    attempt = sit(exam, agent, RESPONSES)
    short = next(a for a in attempt.answers if a.credit is None)
    short.comment = "先道歉不错,还要核实订单"
    mark_written(attempt, 0.5)
    rows = results.review_rows(attempt, utcnow())
    assert [r.version.question.key for r in rows] == list(PAPER)
    first, truefalse, single, multiple, written = rows
    assert (first.chosen, first.key, first.credit) == ([0], [0], 1.0)
    assert (truefalse.chosen, truefalse.key, truefalse.credit) == ([False], [True], 0.0)
    assert (multiple.chosen, multiple.key, multiple.credit) == ([0], [0, 1], 0.5)
    assert (written.chosen, written.credit, written.comment) == (
        ["先道歉"], 0.5, "先道歉不错,还要核实订单")
    assert (single.section_url, single.section_title) == ("/learn/beta#only", "唯一一节")
    assert (first.section_url, first.section_title) == ("/learn/alpha#one", "第一节")


def test_review_follows_the_agents_option_order(agent):
    exam = make_exam(blueprint=blueprint(), review_policy="immediate")
    attempt = sit(exam, agent, {}, keys=("a-001",))
    attempt.paper.items = [{**attempt.paper.items[0], "option_order": [2, 0, 3, 1]}]
    db.session.commit()
    (row,) = results.review_rows(attempt, utcnow())
    assert row.options == ["错的二", "对的", "错的三", "错的一"] and row.key == [1]


def test_immediate_review_shows_at_once_with_the_comment(agent, agent_client):
    exam = make_exam(blueprint=blueprint(), review_policy="immediate")
    attempt = sit(exam, agent, RESPONSES)
    short = next(a for a in attempt.answers if a.credit is None)
    short.comment = "语气很好,但没有核实订单"
    mark_written(attempt, 0.5)
    page = result_page(agent_client, attempt)
    assert page.count("data-review-row") == len(PAPER)
    assert "组长点评" in page and "语气很好,但没有核实订单" in page
    assert "解析:解析 1" in page


def test_never_policy_keeps_the_review_closed_after_the_window(agent, agent_client):
    exam = make_exam(blueprint=blueprint(), review_policy="never")
    attempt = sit(exam, agent, RESPONSES)
    mark_written(attempt, 1.0)
    exam.closes_at = utcnow() - timedelta(minutes=1)
    db.session.commit()
    page = result_page(agent_client, attempt)
    assert "只公布分数,不公布答案" in page and "data-breakdown" in page
    for markup in KEY_MARKUP:
        assert markup not in page, markup
    assert results.review_rows(attempt, utcnow()) is None


@pytest.mark.parametrize(("responses", "effect"), [
    (RESPONSES, "低于 60 分:本月日常考核 -5 分"),
    ({"a-001": [0], "a-003": [True], "b-001": [0], "b-013": [0, 1], "b-014": ["好"]},
     "客服考试分数为满分:本月日常考核 +5 分"),
    ({"a-001": [0], "a-003": [True], "b-001": [0], "b-013": [0], "b-014": ["好"]},
     "本次考试不影响日常考核分"),
])
def test_the_ledger_effect_is_shown_with_a_link_to_the_dashboard(agent, agent_client,
                                                                responses, effect):
    attempt = sit(make_exam(blueprint=blueprint()), agent, responses)
    mark_written(attempt, 1.0)
    assert effect in results.ledger_effect(attempt)
    page = result_page(agent_client, attempt)
    assert effect in page and 'href="/me"' in page and 'href="/notebook"' in page


def test_the_score_shows_one_decimal_and_the_pass_mark(agent, agent_client):
    attempt = sit(make_exam(blueprint=blueprint()), agent, RESPONSES)
    mark_written(attempt, 1.0)
    page = result_page(agent_client, attempt)
    assert "data-score>57.1<" in page
    assert "答对 2 / 5 题" in page and "未通过" in page and "及格线 60 分" in page


def test_a_certification_review_is_immediate_with_its_messages(agent, agent_client):
    keys = ("a-001", "a-003")
    exam = make_exam(kind="certification", blueprint=blueprint())
    attempt = sit(exam, agent, {"a-001": [0], "a-003": [True]}, keys)
    page = result_page(agent_client, attempt)
    assert "data-certified" in page and "data-ledger-effect" not in page
    assert page.count("data-review-row") == 2 and "解析:解析 1" in page
    assert results.ledger_effect(attempt) is None
