"""The wrong-answer notebook: misses of reviewed exams and of practice, and quizzes from them."""

import random
import re
from datetime import timedelta
from types import SimpleNamespace

import pytest
from sqlalchemy import select

from tests.answers import displayed_key, form_for, mark_written, wrong_answer
from tests.conftest import login
from tests.exams.test_exam_flow import make_exam
from tests.exams.test_results import blueprint, question, sit
from trainer.accounts.models import utcnow
from trainer.accounts.roles import Role
from trainer.exams import results
from trainer.extensions import db
from trainer.learning.models import ModuleProgress, PracticeAttempt
from trainer.questions.models import QuestionVersion


@pytest.fixture
def agent(make_user, small_content):
    return make_user(Role.AGENT)


def closed_exam_sat(agent, responses: dict, policy="after_close", days_ago=0):
    """A monthly exam the agent sat `days_ago` days ago, its window since closed."""
    exam = make_exam(blueprint=blueprint(), review_policy=policy)
    attempt = sit(exam, agent, responses, keys=tuple(responses))
    if attempt.awaits_marking:
        mark_written(attempt, 0.0)
    attempt.submitted_at = utcnow() - timedelta(days=days_ago)
    exam.closes_at = utcnow() - timedelta(minutes=1)
    db.session.commit()
    return attempt


def practice_of(agent, keys) -> PracticeAttempt:
    versions = [question(key).current_version for key in keys]
    attempt = PracticeAttempt(user_id=agent.id, module_id=question(keys[0]).module, checked={},
                              items=[{"version_id": v.id,
                                      "option_order": list(range(len(v.options)))}
                                     for v in versions])
    db.session.add(attempt)
    db.session.commit()
    return attempt


def check(client, attempt, position, answer):
    reply = client.post(f"/practice/{attempt.id}/check",
                        json={"position": position, "answer": answer})
    assert reply.status_code == 200
    return reply.json


def question_key(item) -> str:
    return db.session.get(QuestionVersion, item["version_id"]).question.key


def entries_on(page: str) -> list[str]:
    return re.findall(r'data-entry="([^"]+)"', page)


def notebook_page(client, query="") -> str:
    response = client.get(f"/notebook{query}")
    assert response.status_code == 200
    return response.text


def test_only_reviewed_exam_misses_and_practice_misses_are_listed(agent, agent_client):
    # Reviewed: a-001 wrong, b-013 half right, b-001 right.
    closed_exam_sat(agent, {"a-001": [1], "b-013": [0], "b-001": [0]})
    # Review not open yet (the window is still open) or never: their keys stay secret.
    sit(make_exam(blueprint=blueprint()), agent, {"a-002": [1]}, keys=("a-002",))
    closed_exam_sat(agent, {"a-004": [1]}, policy="never")
    practice = practice_of(agent, ["a-005", "a-006"])
    check(agent_client, practice, 0, [2])  # wrong
    check(agent_client, practice, 1, [True])  # right

    page = notebook_page(agent_client)
    assert sorted(entries_on(page)) == ["a-001", "a-005", "b-013"]
    for secret in ("alpha 单选题 2", "alpha 单选题 4", "解析 2", "解析 4"):
        assert secret not in page
    assert "解析:解析 1" in page and "正确答案:A. 对的" in page
    assert "您上次的答案:B. 错的一" in page  # a-001
    assert "您上次的答案:A. 对的一" in page  # b-013: one key of two
    assert '<a class="small" href="/learn/alpha#one">复习:第一节</a>' in page


def test_the_notebook_opens_when_the_exam_window_closes(agent, agent_client):
    exam = make_exam(blueprint=blueprint())
    sit(exam, agent, {"a-001": [1]}, keys=("a-001",))
    assert entries_on(notebook_page(agent_client)) == []
    exam.closes_at = utcnow() - timedelta(seconds=1)
    db.session.commit()
    assert entries_on(notebook_page(agent_client)) == ["a-001"]


def test_repeated_misses_are_one_entry_newest_first(agent, agent_client):
    closed_exam_sat(agent, {"a-001": [1], "b-001": [2]}, days_ago=10)
    closed_exam_sat(agent, {"b-001": [3]}, days_ago=3)
    practice = practice_of(agent, ["a-001"])
    check(agent_client, practice, 0, [3])

    entries = results.notebook(agent, utcnow())
    assert [(e.question.key, e.misses, e.last_source) for e in entries] == [
        ("a-001", 2, "practice"), ("b-001", 2, "exam")]
    assert entries[1].last_wrong == "D. 错的三"  # the latest of its two wrong answers
    page = notebook_page(agent_client)
    assert entries_on(page) == ["a-001", "b-001"] and page.count("答错 2 次") == 2


def test_another_agents_misses_are_not_shown(agent, agent_client, make_user):
    other = make_user(Role.AGENT)
    closed_exam_sat(other, {"a-001": [1]})
    practice = practice_of(other, ["a-002"])
    practice.checked = {"0": [1]}  # a wrong first check
    db.session.commit()
    closed_exam_sat(agent, {"b-001": [1]})
    assert entries_on(notebook_page(agent_client)) == ["b-001"]
    assert sorted(e.question.key for e in results.notebook(other, utcnow())) == [
        "a-001", "a-002"]


@pytest.mark.parametrize("role", [Role.LEAD, Role.MANAGER, Role.ADMIN])
def test_only_agents_have_a_notebook(client, make_user, small_content, role):
    login(client, make_user(role).username)
    assert client.get("/notebook").status_code == 403
    assert client.post("/notebook/practice").status_code == 403


def test_the_category_filter_and_the_mastered_filter(agent, agent_client):
    closed_exam_sat(agent, {"a-001": [1], "b-001": [1]})
    assert entries_on(notebook_page(agent_client, "?category=sales")) == ["b-001"]
    assert sorted(entries_on(notebook_page(agent_client, "?category=nope"))) == [
        "a-001", "b-001"]
    practice = practice_of(agent, ["b-001"])
    check(agent_client, practice, 0, [0])  # right this time
    assert entries_on(notebook_page(agent_client)) == ["a-001"]
    page = notebook_page(agent_client, "?show=all")
    assert sorted(entries_on(page)) == ["a-001", "b-001"] and "已在练习中答对" in page


def test_practising_the_notebook_asks_its_questions_and_leaves_module_progress(agent,
                                                                            agent_client):
    # b-014 is a written reply: a quiz cannot mark it, so it stays out of the draw.
    closed_exam_sat(agent, {"a-001": [1], "a-003": [False], "b-013": [1], "b-014": ["好"]})
    page = notebook_page(agent_client)
    assert 'action="/notebook/practice"' in page and "练习错题" in page

    response = agent_client.post("/notebook/practice")
    assert response.status_code == 302
    attempt = db.session.scalar(select(PracticeAttempt).where(PracticeAttempt.user_id == agent.id))
    assert response.location == f"/practice/{attempt.id}"
    assert attempt.module_id == "notebook"
    keys = sorted(question_key(item) for item in attempt.items)
    assert keys == ["a-001", "a-003", "b-013"]

    quiz = agent_client.get(response.location).text
    assert "错题练习" in quiz and 'href="/notebook"' in quiz
    feedback = check(agent_client, attempt, 0, wrong_answer(attempt.items[0]))
    own = question(question_key(attempt.items[0]))
    assert feedback["section_url"].startswith(f"/learn/{own.module}#")

    answers = [(p, displayed_key(item)) for p, item in enumerate(attempt.items)]
    agent_client.post(f"/practice/{attempt.id}/submit", data=form_for(answers))
    db.session.refresh(attempt)
    assert attempt.submitted_at is not None and attempt.correct == 2  # the first check stands
    assert db.session.scalars(select(ModuleProgress)).all() == []
    result = agent_client.get(f"/practice/{attempt.id}/result").text
    assert "返回错题本" in result and 'action="/notebook/practice"' in result
    assert "/learn/alpha#one" in result and "/learn/beta#only" in result

    # Answered right in practice: mastered, out of the default view.
    assert sorted(entries_on(notebook_page(agent_client))) == [question_key(attempt.items[0]),
                                                               "b-014"]


def test_the_quiz_follows_the_filter_and_the_configured_size(agent, agent_client, app):
    closed_exam_sat(agent, {"a-001": [1], "a-002": [1], "b-001": [1]})
    agent_client.post("/notebook/practice", data={"category": "etiquette"})
    attempt = db.session.scalar(select(PracticeAttempt))
    assert sorted(question_key(i) for i in attempt.items) == ["a-001", "a-002"]
    assert agent_client.post("/notebook/practice",
                             data={"category": "bogus"}).status_code == 400


def test_nothing_to_practise_goes_back_to_the_notebook(agent, agent_client):
    response = agent_client.post("/notebook/practice", follow_redirects=True)
    assert response.request.path == "/notebook" and "没有可以练习的错题" in response.text
    assert db.session.scalars(select(PracticeAttempt)).all() == []


def test_the_draw_takes_recent_misses_first_and_no_more_than_asked():
    entries = [SimpleNamespace(practisable=i % 5 != 0, version=f"v{i}") for i in range(30)]
    recent = [e.version for e in entries if e.practisable][:6]
    for seed in range(20):
        picked = results.practice_pick(entries, 3, random.Random(seed))
        assert len(picked) == len(set(picked)) == 3 and set(picked) <= set(recent)
    assert sorted(results.practice_pick(entries[:3], 8, random.Random(1))) == ["v1", "v2"]


def test_a_module_quiz_still_counts_for_its_module(agent, agent_client):
    agent_client.post("/learn/alpha/practice")
    attempt = db.session.scalar(select(PracticeAttempt))
    assert attempt.module_id == "alpha"
    answers = [(p, displayed_key(item)) for p, item in enumerate(attempt.items)]
    agent_client.post(f"/practice/{attempt.id}/submit", data=form_for(answers))
    progress = db.session.scalar(select(ModuleProgress))
    assert (progress.module_id, progress.best_quiz_score) == ("alpha", 100.0)
    assert progress.quiz_passed_at is not None


def test_the_practice_form_carries_its_csrf_token(agent, backend_url):
    from tests.accounts.test_auth import token
    from tests.conftest import PASSWORD, make_app

    closed_exam_sat(agent, {"a-001": [1]})
    client = make_app(backend_url, WTF_CSRF_ENABLED=True).test_client()
    client.post("/login", data={"username": agent.username, "password": PASSWORD,
                                "csrf_token": token(client.get("/login").text)})
    page = client.get("/notebook").text
    assert client.post("/notebook/practice").status_code == 400
    response = client.post("/notebook/practice", data={"csrf_token": token(page)})
    assert response.status_code == 302 and response.location.startswith("/practice/")
