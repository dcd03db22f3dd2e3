from collections import Counter
from datetime import timedelta

import pytest

from tests.answers import displayed_key, form_for, mark_written, version_of, wrong_answer
from tests.conftest import login
from trainer.accounts.models import utcnow
from trainer.accounts.roles import Role
from trainer.assessment.models import LedgerItem
from trainer.exams import service
from trainer.exams.blueprint import default_monthly
from trainer.exams.grading import supersedes
from trainer.exams.models import Attempt, Exam, Paper
from trainer.extensions import db
from trainer.questions.bank import CATEGORIES
from trainer.questions.models import QuestionVersion


def make_exam(month="2026-11", opens=None, closes=None, duration=30, blueprint=None,
              **settings):
    now = utcnow()
    exam = Exam(month=month, title=f"{month} 月度考试", opens_at=opens or now - timedelta(hours=1),
                closes_at=closes or now + timedelta(days=1), duration_minutes=duration,
                blueprint=blueprint or default_monthly(CATEGORIES).to_json(), **settings)
    db.session.add(exam)
    db.session.commit()
    return exam


@pytest.fixture
def exam(bank):
    return make_exam()


def start(client, exam) -> Attempt:
    response = client.post(f"/exams/{exam.id}/start")
    assert response.status_code == 302
    attempt_id = int(response.location.rsplit("/", 1)[1])
    return db.session.get(Attempt, attempt_id)


def right_answers(attempt):
    return {str(p): displayed_key(item) for p, item in enumerate(attempt.paper.items)}


def wrong_answers(attempt):
    return {str(p): wrong_answer(item) for p, item in enumerate(attempt.paper.items)}


def test_paper_follows_the_blueprint_and_hides_the_key(agent_client, exam):
    attempt = start(agent_client, exam)
    items = attempt.paper.items
    assert len(items) == 50
    versions = [db.session.get(QuestionVersion, i["version_id"]) for i in items]
    cells = Counter((v.question.category, v.question.difficulty) for v in versions)
    assert cells == {(q.category, q.difficulty): q.count
                     for q in default_monthly(CATEGORIES).quotas}
    # Grouped by category, in the blueprint's order.
    order = [v.question.category for v in versions]
    assert order == sorted(order, key=list(CATEGORIES).index)
    page = agent_client.get(f"/attempts/{attempt.id}").text
    for version in versions:
        assert version.stem in page
        for secret in (version.explanation, version.reference):
            if secret:
                assert secret not in page
    assert "answer" not in page.lower().replace("answers", "")


def test_starting_twice_resumes_the_same_attempt(agent_client, exam):
    assert start(agent_client, exam).id == start(agent_client, exam).id


def test_autosave_keeps_answers_in_original_option_terms(agent_client, exam):
    attempt = start(agent_client, exam)
    answers = right_answers(attempt)
    reply = agent_client.post(f"/attempts/{attempt.id}/answers", json={"answers": answers})
    assert reply.status_code == 200 and reply.json["saved"] == 50
    assert set(reply.json) == {"saved", "saved_at", "remaining_seconds"}
    assert 0 < reply.json["remaining_seconds"] <= 30 * 60
    page = agent_client.get(f"/attempts/{attempt.id}").text
    typed = [version_of(item).question.qtype == "fill" or version_of(item).needs_grader
             for item in attempt.paper.items]
    assert page.count("checked") >= typed.count(False)
    db.session.refresh(attempt)
    for answer in attempt.answers:
        version = db.session.get(QuestionVersion, answer.version_id)
        expected = (version.answer[:1] if version.question.qtype == "fill"
                    else [version.reference] if version.needs_grader else version.answer)
        assert answer.response == list(expected)


def test_autosave_rejects_malformed_payloads(agent_client, small_content):
    # The fixture's sales category has every type, true/false included.
    exam = make_exam(utcnow().strftime("%Y-%m"), blueprint=[{"count": 15, "category": "sales"}])
    attempt = start(agent_client, exam)
    kinds = {version_of(item).question.qtype: str(p) for p, item in enumerate(attempt.paper.items)}
    choice, truefalse = kinds["single"], kinds["truefalse"]
    for payload in ({"answers": {"x": [1]}}, {"answers": {"0": "A"}}, {"nope": 1},
                    {"answers": {choice: ["1"]}}, {"answers": {choice: [True]}},
                    {"answers": {truefalse: [1]}}, {"answers": {truefalse: [True, False]}},
                    {"answers": {choice: [0], truefalse: ["正确"]}}):
        assert agent_client.post(f"/attempts/{attempt.id}/answers",
                                 json=payload).status_code == 400, payload
    db.session.refresh(attempt)
    assert attempt.answers == []  # a refused batch stores none of its answers


def test_a_save_arriving_after_a_newer_one_of_its_browser_changes_nothing(agent_client, exam):
    attempt = start(agent_client, exam)
    url = f"/attempts/{attempt.id}/answers"
    first, second = [p for p, item in enumerate(attempt.paper.items)
                     if version_of(item).question.qtype == "single"][:2]

    def option(position, shown):
        return service.to_original([shown], attempt.paper.items[position]["option_order"],
                                   "single")

    def stored():
        db.session.refresh(attempt)
        return {a.position: a.response for a in attempt.answers}

    newer = agent_client.post(url, json={"answers": {first: [1], second: [1]}, "flags": [second],
                                         "client": "browser-a", "stamp": 2000})
    assert newer.json["saved"] == 2
    # The browser gave up on this one after a timeout and sent the answers again (above).
    late = agent_client.post(url, json={"answers": {first: [0], second: [0]}, "flags": [first],
                                        "client": "browser-a", "stamp": 1000})
    assert late.status_code == 200
    assert late.json["superseded"] is True and late.json["saved"] == 0
    assert stored() == {first: option(first, 1), second: option(second, 1)}
    assert attempt.flags == [second]
    # Another device numbers its saves on its own clock: its save counts whatever its number.
    other = agent_client.post(url, json={"answers": {first: [0]}, "client": "browser-b",
                                         "stamp": 5})
    assert other.json["saved"] == 1
    assert stored()[first] == option(first, 0)
    assert (attempt.autosave_client, attempt.autosave_stamp) == ("browser-b", 5)


@pytest.mark.parametrize("last", [(None, None), ("tab", None), ("tab", 1000)])
@pytest.mark.parametrize("save", [("tab", 999), ("tab", 1000), ("tab", 1001), ("phone", 5),
                                  None])
def test_the_saves_write_applies_the_ordering_rule(agent_client, exam, save, last):
    """The write checks grading.supersedes in SQL, under the attempt's row lock: the two
    agree on every case of the rule, and a save that does not apply changes nothing."""
    attempt = start(agent_client, exam)
    attempt.autosave_client, attempt.autosave_stamp = last
    db.session.commit()
    order = save and service.SaveOrder(*save)
    applies = supersedes(*(save or (None, None)), *last)
    try:
        saved = service.save_answers(attempt, {}, utcnow(), flags=[1], order=order)
    except service.Superseded:
        saved = None
    db.session.refresh(attempt)
    assert (saved == 0) is applies and (saved is None) is not applies
    assert attempt.flags == ([1] if applies else [])
    expected = save if applies and save else last
    assert (attempt.autosave_client, attempt.autosave_stamp) == expected


@pytest.mark.parametrize("order", [{"client": "a"}, {"stamp": 1}, {"client": "", "stamp": 1},
                                   {"client": "a" * 65, "stamp": 1},
                                   {"client": "a", "stamp": "1"}, {"client": "a", "stamp": -1},
                                   {"client": 7, "stamp": 1}, {"client": "a", "stamp": 1.5}])
def test_autosave_refuses_a_malformed_order(agent_client, exam, order):
    attempt = start(agent_client, exam)
    reply = agent_client.post(f"/attempts/{attempt.id}/answers",
                              json={"answers": {"0": [1]}, **order})
    assert reply.status_code == 400
    db.session.refresh(attempt)
    assert attempt.answers == [] and attempt.autosave_stamp is None


def test_typed_answers_are_saved_graded_and_reviewed(agent_client, small_content):
    # Every question of the fixture's sales category: fill-in, chosen and written scenarios,
    # and a short answer.
    exam = make_exam(utcnow().strftime("%Y-%m"), blueprint=[{"count": 15, "category": "sales"}],
                     review_policy="immediate")
    attempt = start(agent_client, exam)
    kinds = {version_of(item).question.qtype: p for p, item in enumerate(attempt.paper.items)}
    assert {"fill", "scenario", "multiple", "short"} <= set(kinds)
    fill = str(kinds["fill"])
    assert agent_client.post(f"/attempts/{attempt.id}/answers",
                             json={"answers": {fill: [7]}}).status_code == 400
    answers = right_answers(attempt)
    answers[fill] = ["  乙 课 程。 "]
    assert agent_client.post(f"/attempts/{attempt.id}/answers",
                             json={"answers": answers}).status_code == 200
    page = agent_client.get(f"/attempts/{attempt.id}").text
    assert 'name="t' + fill + '"' in page and 'value="乙 课 程。"' in page
    assert "乙课程讲什么?" in page  # the scenario's chat
    agent_client.post(f"/attempts/{attempt.id}/submit")
    db.session.refresh(attempt)
    assert attempt.awaits_marking and attempt.score is None
    assert "等待" in agent_client.get(f"/attempts/{attempt.id}/result").text
    mark_written(attempt, 1.0)
    assert attempt.score == 100.0
    result = agent_client.get(f"/attempts/{attempt.id}/result").text
    assert "您的答案:乙 课 程。 · 正确答案:乙 / 乙课程" in result


def test_perfect_paper_adds_five_to_the_month(agent_client, agent, exam):
    attempt = start(agent_client, exam)
    agent_client.post(f"/attempts/{attempt.id}/answers", json={"answers": right_answers(attempt)})
    result = agent_client.post(f"/attempts/{attempt.id}/submit")
    assert result.location == f"/attempts/{attempt.id}/result"
    mark_written(attempt, 1.0)
    page = agent_client.get(result.location).text
    assert 'data-score>100.0<' in page and "+5" in page
    items = db.session.scalars(db.select(LedgerItem).where(LedgerItem.user_id == agent.id)).all()
    assert [(i.month, i.points, i.code) for i in items] == [("2026-11", 5, "exam_perfect")]


def test_failed_paper_deducts_five_and_shows_the_review_after_the_window(agent_client, agent,
                                                                          exam):
    attempt = start(agent_client, exam)
    agent_client.post(f"/attempts/{attempt.id}/answers", json={"answers": wrong_answers(attempt)})
    agent_client.post(f"/attempts/{attempt.id}/submit")
    mark_written(attempt, 0.0)
    page = agent_client.get(f"/attempts/{attempt.id}/result").text
    assert "data-score>0.0<" in page and "未通过" in page and "解析:" not in page
    points = db.session.scalars(db.select(LedgerItem.points).where(
        LedgerItem.user_id == agent.id)).all()
    assert points == [-5]
    exam.closes_at = utcnow() - timedelta(seconds=1)
    db.session.commit()
    assert "解析" in agent_client.get(f"/attempts/{attempt.id}/result").text


def test_submitting_twice_adjusts_the_month_once(agent_client, agent, exam):
    attempt = start(agent_client, exam)
    agent_client.post(f"/attempts/{attempt.id}/answers", json={"answers": wrong_answers(attempt)})
    agent_client.post(f"/attempts/{attempt.id}/submit")
    mark_written(attempt, 0.0)
    agent_client.post(f"/attempts/{attempt.id}/submit")
    assert db.session.scalar(db.select(db.func.count(LedgerItem.id)).where(
        LedgerItem.user_id == agent.id)) == 1


def test_submit_form_without_javascript_is_graded(agent_client, exam):
    attempt = start(agent_client, exam)
    form = form_for((int(p), value) for p, value in right_answers(attempt).items())
    agent_client.post(f"/attempts/{attempt.id}/submit", data=form)
    assert mark_written(attempt, 1.0).score == 100.0


def test_an_answer_one_second_after_the_grace_is_refused_and_saved_answers_count(
        app, agent_client, exam):
    assert app.config["EXAM_GRACE_SECONDS"] == 60
    attempt = start(agent_client, exam)
    answers = {int(k): v for k, v in right_answers(attempt).items()}
    first_half = {k: v for k, v in answers.items() if k < 25}
    service.save_answers(attempt, first_half, attempt.ends_at)
    last_moment = attempt.ends_at + timedelta(seconds=60)
    service.save_answers(attempt, {25: answers[25]}, last_moment)  # in flight at the deadline
    late = last_moment + timedelta(seconds=1)
    with pytest.raises(service.ExamClosed):
        service.save_answers(attempt, answers, late)
    service.submit(attempt, late)
    mark_written(attempt, 1.0)
    assert attempt.correct == 26 and attempt.score == 52.0
    assert attempt.submitted_at == attempt.ends_at


def test_expired_attempt_is_graded_on_its_autosaved_answers(agent_client, exam):
    attempt = start(agent_client, exam)
    agent_client.post(f"/attempts/{attempt.id}/answers", json={"answers": right_answers(attempt)})
    attempt.ends_at = utcnow() - timedelta(seconds=61)
    db.session.commit()
    late = agent_client.post(f"/attempts/{attempt.id}/answers", json={"answers": {"0": [0]}})
    assert late.status_code == 409 and "自动保存的答案均已保留" in late.json["error"]
    agent_client.get(f"/attempts/{attempt.id}", follow_redirects=True)
    db.session.refresh(attempt)
    assert attempt.is_submitted and attempt.submitted_at == attempt.ends_at
    assert mark_written(attempt, 1.0).score == 100.0


def test_agents_cannot_reach_each_others_attempts(app, agent_client, exam, make_user):
    attempt = start(agent_client, exam)
    other = app.test_client()
    login(other, make_user(Role.AGENT).username)
    for url in (f"/attempts/{attempt.id}", f"/attempts/{attempt.id}/result"):
        assert other.get(url).status_code == 404
    assert other.post(f"/attempts/{attempt.id}/answers", json={"answers": {}}).status_code == 404
    assert other.post(f"/attempts/{attempt.id}/submit").status_code == 404


def test_closed_exams_cannot_be_started(agent_client, bank):
    past = make_exam(opens=utcnow() - timedelta(days=3), closes=utcnow() - timedelta(days=1))
    response = agent_client.post(f"/exams/{past.id}/start", follow_redirects=True)
    assert "考试不在开放时间内" in response.text


def test_the_previous_two_months_questions_are_not_repeated(agent_client, agent, bank):
    old = set()
    for month, days in (("2026-09", 70), ("2026-10", 40)):
        previous = make_exam(month=month, opens=utcnow() - timedelta(days=days),
                             closes=utcnow() - timedelta(days=days - 10))
        old |= {i["version_id"] for i in service.paper_for(previous, agent).items}
    db.session.commit()
    assert len(old) == 100
    attempt = start(agent_client, make_exam(month="2026-11"))
    assert not old & {i["version_id"] for i in attempt.paper.items}


def test_papers_differ_between_agents_but_not_in_make_up(app, exam, make_user):
    papers = [service.paper_for(exam, make_user(Role.AGENT)) for _ in range(4)]
    db.session.commit()
    assert len({tuple(i["version_id"] for i in p.items) for p in papers}) > 1
    assert db.session.scalar(db.select(db.func.count(Paper.id))) == 4
