import re
import shutil
from dataclasses import replace
from datetime import timedelta

import pytest

from tests.answers import displayed_key, form_for, wrong_answer
from tests.conftest import login
from trainer.accounts.models import User, utcnow
from trainer.accounts.roles import Role
from trainer.assessment.models import LedgerItem
from trainer.exams.models import KIND_CERTIFICATION, Attempt, Exam, Paper
from trainer.extensions import db
from trainer.learning.models import ModuleProgress, PracticeAttempt
from trainer.questions.models import QuestionVersion

pytestmark = pytest.mark.usefixtures("small_content")


@pytest.fixture
def newbie(make_user):
    return make_user(Role.AGENT, certified_on=None)


@pytest.fixture
def agent_client(client, newbie):
    login(client, newbie.username)
    return client


def progress(user, module_id):
    db.session.expire_all()
    return db.session.scalars(db.select(ModuleProgress).where(
        ModuleProgress.user_id == user.id, ModuleProgress.module_id == module_id)).one_or_none()


def read_all(client, module_id, sections):
    for section in sections:
        reply = client.post(f"/learn/{module_id}/progress", json={"section": section})
        assert reply.status_code == 200
    return reply.json


def start_practice(client, module_id) -> PracticeAttempt:
    reply = client.post(f"/learn/{module_id}/practice")
    attempt_id = int(reply.location.rsplit("/", 1)[1])
    return db.session.get(PracticeAttempt, attempt_id)


def pass_practice(client, module_id):
    attempt = start_practice(client, module_id)
    answers = [(p, displayed_key(item)) for p, item in enumerate(attempt.items)]
    client.post(f"/practice/{attempt.id}/submit", data=form_for(answers))
    return attempt


def complete(client, module_id, sections):
    read_all(client, module_id, sections)
    pass_practice(client, module_id)


def test_module_page_has_toc_anchors_objectives_and_neighbours(agent_client):
    page = agent_client.get("/learn/alpha").text
    assert '<h2 id="one">' in page and 'href="#two"' in page and "学会甲" in page
    assert 'data-toc-link="summary"' in page
    assert "乙课程 →" in page  # next module
    assert "← 甲课程" in agent_client.get("/learn/beta").text
    assert agent_client.get("/learn/nope").status_code == 404


def test_progress_counts_sections_reached_not_page_opens(agent_client, newbie):
    agent_client.get("/learn/alpha")
    agent_client.get("/learn/alpha")
    assert progress(newbie, "alpha") is None
    reply = agent_client.post("/learn/alpha/progress", json={"section": "one"})
    assert reply.json == {"percent": 33, "read": False, "complete": False}
    agent_client.post("/learn/alpha/progress", json={"section": "one"})
    assert progress(newbie, "alpha").sections_reached == ["one"]
    assert read_all(agent_client, "alpha", ["summary", "two"])["read"] is True
    row = progress(newbie, "alpha")
    assert row.read_at is not None and row.completed_at is None
    assert row.last_section == "two"


def test_the_module_remembers_where_the_agent_stopped(agent_client):
    agent_client.post("/learn/alpha/progress", json={"section": "two"})
    page = agent_client.get("/learn/alpha").text
    assert 'data-resume>上次读到:<a href="#two">第二节' in page
    assert 'href="/learn/alpha#two"' in agent_client.get("/learn").text


def test_unknown_sections_are_refused(agent_client):
    assert agent_client.post("/learn/alpha/progress", json={"section": "nope"}).status_code == 400
    assert agent_client.post("/learn/alpha/progress", data="x").status_code == 400


def test_practice_draws_from_the_module_differently_each_time(agent_client, app):
    size = app.config["ONBOARDING_RULES"].practice_questions
    first, second = start_practice(agent_client, "alpha"), start_practice(agent_client, "alpha")
    for attempt in (first, second):
        assert len(attempt.items) == size
        modules = {db.session.get(QuestionVersion, i["version_id"]).question.module
                   for i in attempt.items}
        assert modules == {"alpha"}
    assert [i["version_id"] for i in first.items] != [i["version_id"] for i in second.items]
    page = agent_client.get(f"/practice/{first.id}").text
    for item in first.items:
        explanation = db.session.get(QuestionVersion, item["version_id"]).explanation
        assert explanation not in page  # the key and explanation come only with feedback


def test_checking_an_answer_gives_instant_feedback_and_locks_it(agent_client):
    attempt = start_practice(agent_client, "alpha")
    key, wrong = displayed_key(attempt.items[0]), wrong_answer(attempt.items[0])
    reply = agent_client.post(f"/practice/{attempt.id}/check", json={"position": 0,
                                                                     "answer": wrong})
    assert reply.json["correct"] is False and reply.json["key"] == key
    version = db.session.get(QuestionVersion, attempt.items[0]["version_id"])
    assert reply.json["explanation"] == version.explanation
    assert reply.json["section_url"] == f"/learn/alpha#{version.question.section}"
    again = agent_client.post(f"/practice/{attempt.id}/check", json={"position": 0, "answer": key})
    assert again.json["correct"] is False  # the first checked answer stands
    assert agent_client.post(f"/practice/{attempt.id}/check",
                             json={"position": 99, "answer": key}).status_code == 409
    assert agent_client.post(f"/practice/{attempt.id}/check",
                             json={"position": 1, "answer": []}).status_code == 400


def test_passing_practice_and_reading_completes_the_module(agent_client, newbie):
    attempt = pass_practice(agent_client, "alpha")
    db.session.refresh(attempt)
    assert attempt.score == 100.0
    row = progress(newbie, "alpha")
    assert row.quiz_passed_at is not None and row.completed_at is None
    page = agent_client.get(f"/practice/{attempt.id}/result").text
    assert "练习通过" in page and "复习:" in page
    read_all(agent_client, "alpha", ["one", "two", "summary"])
    row = progress(newbie, "alpha")
    assert row.completed_at is not None and row.completed_version == 1
    assert db.session.scalar(db.select(db.func.count(LedgerItem.id))) == 0  # never the KPI


@pytest.mark.parametrize(("right", "passes"), [(10, True), (8, True), (7, False), (0, False)])
def test_practice_pass_mark_is_80_percent(app, monkeypatch, agent_client, newbie, right, passes):
    rules = replace(app.config["ONBOARDING_RULES"], practice_questions=10)
    monkeypatch.setitem(app.config, "ONBOARDING_RULES", rules)
    attempt = start_practice(agent_client, "alpha")
    answers = []
    for position, item in enumerate(attempt.items):
        answers.append((position, displayed_key(item) if position < right
                          else wrong_answer(item)))
    agent_client.post(f"/practice/{attempt.id}/submit", data=form_for(answers))
    db.session.refresh(attempt)
    assert attempt.score == 10.0 * right
    assert (progress(newbie, "alpha").quiz_passed_at is not None) is passes


def test_practice_belongs_to_its_agent(app, agent_client, make_user):
    attempt = start_practice(agent_client, "alpha")
    other = app.test_client()
    login(other, make_user(Role.AGENT).username)
    assert other.get(f"/practice/{attempt.id}").status_code == 404
    assert other.post(f"/practice/{attempt.id}/check",
                      json={"position": 0, "answer": [0]}).status_code == 404


def certification_attempt(client) -> Attempt:
    reply = client.post("/certification/start")
    assert reply.status_code == 302 and "/attempts/" in reply.location, reply.location
    return db.session.get(Attempt, int(reply.location.rsplit("/", 1)[1]))


def sit(client, attempt, right: bool):
    answers = {}
    for position, item in enumerate(attempt.paper.items):
        answers[str(position)] = displayed_key(item) if right else wrong_answer(item)
    client.post(f"/attempts/{attempt.id}/answers", json={"answers": answers})
    return client.post(f"/attempts/{attempt.id}/submit", follow_redirects=True).text


def test_certification_is_locked_until_every_module_is_complete(agent_client):
    assert 'data-cert-state="locked"' in agent_client.get("/learn").text
    refused = agent_client.post("/certification/start", follow_redirects=True).text
    assert "请先完成全部必修课程" in refused
    complete(agent_client, "alpha", ["one", "two", "summary"])
    assert 'data-cert-state="locked"' in agent_client.get("/learn").text
    complete(agent_client, "beta", ["only"])
    assert 'data-cert-state="available"' in agent_client.get("/learn").text


def test_passing_certification_certifies_and_opens_monthly_exams(agent_client, newbie):
    complete(agent_client, "alpha", ["one", "two", "summary"])
    complete(agent_client, "beta", ["only"])
    attempt = certification_attempt(agent_client)
    modules = sorted(db.session.get(QuestionVersion, i["version_id"]).question.module
                     for i in attempt.paper.items)
    assert modules == ["alpha", "alpha", "beta", "beta"]  # the blueprint spans every module
    page = sit(agent_client, attempt, right=True)
    assert "data-certified" in page
    db.session.refresh(newbie)
    assert newbie.certified_on is not None
    assert 'data-cert-state="passed"' in agent_client.get("/learn").text
    assert db.session.scalar(db.select(db.func.count(LedgerItem.id))) == 0


def test_failing_certification_allows_a_retry_after_the_cooldown(agent_client, newbie):
    complete(agent_client, "alpha", ["one", "two", "summary"])
    complete(agent_client, "beta", ["only"])
    first = certification_attempt(agent_client)
    assert "未通过认证" in sit(agent_client, first, right=False)
    assert 'data-cert-state="cooling_down"' in agent_client.get("/learn").text
    assert "冷却期" in agent_client.post("/certification/start", follow_redirects=True).text
    first.submitted_at = utcnow() - timedelta(hours=24)
    db.session.commit()
    second = certification_attempt(agent_client)
    assert second.id != first.id and second.paper.sitting == 2
    sit(agent_client, second, right=True)
    db.session.refresh(newbie)
    assert newbie.certified_on is not None


def test_only_certified_agents_get_monthly_exams(app, agent_client, newbie, make_user):
    exam = Exam(month="2026-11", title="月考", opens_at=utcnow() - timedelta(hours=1),
                closes_at=utcnow() + timedelta(days=1), duration_minutes=30, blueprint=[])
    db.session.add(exam)
    db.session.commit()
    page = agent_client.get("/exams").text
    assert "data-needs-certification" in page and "月考" not in page
    refused = agent_client.post(f"/exams/{exam.id}/start", follow_redirects=True).text
    assert "通过上岗认证考试后才能参加月度考试" in refused
    assert db.session.scalar(db.select(db.func.count(Paper.id))) == 0
    certified = app.test_client()
    login(certified, make_user(Role.AGENT).username)
    assert "月考" in certified.get("/exams").text


def test_certification_exam_is_not_a_monthly_exam(agent_client):
    complete(agent_client, "alpha", ["one", "two", "summary"])
    complete(agent_client, "beta", ["only"])
    certification_attempt(agent_client)
    cert = db.session.scalars(db.select(Exam).where(Exam.kind == KIND_CERTIFICATION)).one()
    assert agent_client.post(f"/exams/{cert.id}/start").status_code == 404


def test_changed_modules_show_what_changed(app, agent_client, tmp_path):
    from trainer.cli import load_content

    complete(agent_client, "alpha", ["one", "two", "summary"])
    courses = tmp_path / "courses"
    shutil.copytree(app.config["COURSES_DIR"], courses)
    alpha = courses / "01-alpha.md"
    text = alpha.read_text(encoding="utf-8")
    alpha.write_text(text.replace("version: 1", "version: 2").replace("| 甲 | 1 |", "| 甲 | 2 |"),
                     encoding="utf-8")
    app.config["COURSES_DIR"] = str(courses)
    load_content()
    page = agent_client.get("/learn/alpha").text
    changes = re.search(r"<div class=\"alert alert-info\" data-changes>(.*?)</div>", page, re.S)
    assert changes and "第 1 版" in changes.group(1)
    assert 'href="#two"' in changes.group(1) and 'href="#one"' not in changes.group(1)


def test_the_agent_home_shows_the_learning_path_until_certified(agent_client, newbie):
    page = agent_client.get("/me").text
    assert "新人学习路径" in page and 'data-cert-state="locked"' in page
    assert "data-assessment-score" not in page
    newbie.certified_on = utcnow().date()
    db.session.commit()
    assert "data-assessment-score>80<" in agent_client.get("/me").text


def test_staff_can_read_modules_but_have_no_certification(client, make_user):
    login(client, make_user(Role.MANAGER).username)
    page = client.get("/learn").text
    assert "甲课程" in page and "data-cert-state" not in page
    assert client.post("/certification/start").status_code == 403
    assert db.session.scalar(db.select(db.func.count(User.id))) == 1
