"""Fixing a key regrades the submitted answers it can judge, each change audited."""

from dataclasses import replace

import pytest
from sqlalchemy import func, select

from tests.conftest import login
from tests.exams.test_exam_flow import make_exam
from tests.exams.test_marking import answer_to, audits, question, sit
from trainer.accounts.roles import Role
from trainer.assessment.models import AuditEvent, LedgerItem
from trainer.exams import marking
from trainer.extensions import db
from trainer.questions import service as bank
from trainer.questions.models import as_bank_question

FIXED, OTHER, SHORT = "b-001", "b-002", "b-014"  # two single choices (key A), a short answer


def two_question_exam():
    return make_exam(blueprint={"name": "t", "quotas": [{"count": 2, "module": "beta"}],
                                "points": {"single": 2, "short": 2}})


def revise(key: str, **changes):
    """A new version of the question, as a manager's edit makes one."""
    stored = question(key)
    outcome, _ = bank.save(replace(as_bank_question(stored), **changes), stored)
    db.session.commit()
    assert outcome == "revised"
    return question(key)


def ledger(user) -> list[tuple[int, str]]:
    return sorted(db.session.execute(select(LedgerItem.points, LedgerItem.source).where(
        LedgerItem.user_id == user.id)).all())


@pytest.fixture
def manager(make_user, small_content):
    return make_user(Role.MANAGER, username="boss")


@pytest.fixture
def agents(make_user, small_content):
    return make_user(Role.AGENT), make_user(Role.AGENT)


def test_a_fixed_key_regrades_scores_and_the_ledger(manager, agents):
    first, second = agents
    exam = two_question_exam()
    said_b = sit(exam, first, {FIXED: [1], OTHER: [0]}, keys=(FIXED, OTHER))
    said_a = sit(exam, second, {FIXED: [0], OTHER: [0]}, keys=(FIXED, OTHER))
    assert (said_b.score, said_a.score) == (50.0, 100.0)
    assert ledger(first) == [(-5, f"attempt:{said_b.id}")]
    assert ledger(second) == [(5, f"attempt:{said_a.id}")]

    fixed = revise(FIXED, answer=(1,))
    report = marking.regrade_question(fixed, manager, "更正答案")

    assert (report.answers_checked, report.answers_changed) == (2, 2)
    assert report.attempts_changed == [(said_b.id, 50.0, 100.0), (said_a.id, 100.0, 50.0)]
    assert report.summary == "重新评分 2 份答卷,2 份分数变化"
    db.session.refresh(said_b)
    db.session.refresh(said_a)
    assert (said_b.score, said_a.score) == (100.0, 50.0)
    assert ledger(first) == [(5, f"attempt:{said_b.id}")]
    assert ledger(second) == [(-5, f"attempt:{said_a.id}")]
    answer = answer_to(said_b, FIXED)
    assert (answer.credit, answer.is_correct) == (1.0, True)
    detail = audits("answer.regraded", f"answer:{answer.id}")
    assert [(d["old"], d["new"], d["reason"]) for d in detail] == [(0.0, 1.0, "更正答案")]
    regraded = audits("attempt.regraded", f"attempt:{said_a.id}")
    assert [(d["old"], d["new"], d["reason"]) for d in regraded] == [(100.0, 50.0, "更正答案")]
    assert db.session.scalar(select(AuditEvent.actor_id).where(
        AuditEvent.action == "attempt.regraded").limit(1)) == manager.id


def test_regrading_twice_changes_nothing_the_second_time(manager, agents):
    attempt = sit(two_question_exam(), agents[0], {FIXED: [1], OTHER: [0]}, keys=(FIXED, OTHER))
    fixed = revise(FIXED, answer=(1,))
    marking.regrade_question(fixed, manager, "更正答案")
    events = db.session.scalar(select(func.count(AuditEvent.id)))
    again = marking.regrade_question(fixed, manager, "更正答案")
    assert (again.answers_checked, again.answers_changed, again.attempts_changed) == (1, 0, [])
    assert db.session.scalar(select(func.count(AuditEvent.id))) == events
    db.session.refresh(attempt)
    assert attempt.score == 100.0
    assert ledger(agents[0]) == [(5, f"attempt:{attempt.id}")]


def test_answers_to_versions_with_other_options_are_left_alone(manager, agents):
    exam = two_question_exam()
    before = sit(exam, agents[0], {FIXED: [1], OTHER: [0]}, keys=(FIXED, OTHER))
    # The options now read differently: the old answer cannot be judged by the new key.
    reworded = revise(FIXED, options=("错的", "对的一", "错的二", "错的三"), answer=(1,))
    after = sit(exam, agents[1], {FIXED: [0], OTHER: [0]}, keys=(FIXED, OTHER))
    assert after.score == 50.0
    reworded = revise(FIXED, answer=(0,))  # the key changed again, the options kept
    preview = marking.regrade_preview(reworded)
    assert (preview.answers_checked, preview.answers_changed) == (1, 1)
    report = marking.regrade_question(reworded, manager, "更正答案")
    assert report.attempts_changed == [(after.id, 50.0, 100.0)]
    db.session.refresh(before)
    assert before.score == 50.0 and answer_to(before, FIXED).credit == 0.0
    assert audits("answer.regraded", f"answer:{answer_to(before, FIXED).id}") == []


def test_written_replies_and_unsubmitted_attempts_are_left_alone(manager, agents, make_user):
    exam = make_exam(blueprint={"name": "t", "quotas": [{"count": 2, "module": "beta"}],
                                "points": {"single": 2, "short": 2}})
    marked = sit(exam, agents[0], {FIXED: [1], SHORT: ["要点一"]}, keys=(FIXED, SHORT))
    short = answer_to(marked, SHORT)
    marking.mark(short, 0.5, "", manager)
    assert marked.score == 25.0
    open_attempt = sit(exam, agents[1], {FIXED: [1]}, keys=(FIXED, SHORT), submit=False)

    assert marking.regrade_question(revise(SHORT, reference="新的要点"), manager, "改要点") \
        == marking.RegradeReport()
    report = marking.regrade_question(revise(FIXED, answer=(1,)), manager, "更正答案")

    assert report.answers_checked == 1
    db.session.refresh(marked)
    assert marked.score == 75.0 and answer_to(marked, SHORT).credit == 0.5
    open_answer = answer_to(open_attempt, FIXED)
    assert open_answer.credit is None and open_attempt.score is None


def test_an_attempt_awaiting_marking_keeps_waiting_with_the_new_credit(manager, agents):
    exam = two_question_exam()
    waiting = sit(exam, agents[0], {FIXED: [1], SHORT: ["要点一"]}, keys=(FIXED, SHORT))
    report = marking.regrade_question(revise(FIXED, answer=(1,)), manager, "更正答案")
    assert (report.answers_changed, report.attempts_changed) == (1, [])
    db.session.refresh(waiting)
    assert waiting.awaits_marking and answer_to(waiting, FIXED).credit == 1.0
    marking.mark(answer_to(waiting, SHORT), 1.0, "", manager)
    assert waiting.score == 100.0


def test_the_question_page_regrades_after_confirmation(manager, agents, client):
    attempt = sit(two_question_exam(), agents[0], {FIXED: [1], OTHER: [0]}, keys=(FIXED, OTHER))
    revise(FIXED, answer=(1,))
    login(client, manager.username)
    page = client.get(f"/manage/questions/{FIXED}").text
    assert "按当前答案重新评分" in page
    assert "已交答卷中有 1 份可按当前答案评判,其中 1 份的得分会改变" in page
    reply = client.post(f"/manage/questions/{FIXED}/regrade", follow_redirects=True)
    assert "重新评分 1 份答卷,1 份分数变化" in reply.text
    db.session.refresh(attempt)
    assert attempt.score == 100.0
    assert "其中 0 份的得分会改变" in client.get(f"/manage/questions/{FIXED}").text


def b_001_fields(**changes) -> dict:
    return {"category": "sales", "difficulty": "1", "stem": "beta 单选题 1",
            "stem_format": "plain", "options": "对的\n错的一\n错的二\n错的三", "answer": "A",
            "explanation": "解析 1", "module": "beta", "section": "only", "seed": "000 测试",
            "tags": "测试", "scoring": "all_or_nothing", **changes}


@pytest.mark.parametrize("ticked", [True, False])
def test_the_editor_regrades_when_asked(manager, agents, client, ticked):
    attempt = sit(two_question_exam(), agents[0], {FIXED: [1], OTHER: [0]}, keys=(FIXED, OTHER))
    login(client, manager.username)
    assert "保存后按新答案重新评分已交答卷" in client.get(f"/manage/questions/{FIXED}/edit").text
    fields = b_001_fields(answer="B", note="答案应为 B", **({"regrade": "y"} if ticked else {}))
    page = client.post(f"/manage/questions/{FIXED}/edit", data=fields, follow_redirects=True)
    assert ("重新评分 1 份答卷,1 份分数变化" in page.text) is ticked
    db.session.refresh(attempt)
    assert attempt.score == (100.0 if ticked else 50.0)
    if ticked:
        answer = answer_to(attempt, FIXED)
        assert audits("answer.regraded", f"answer:{answer.id}")[0]["reason"] == "答案应为 B"


def test_only_managers_and_admins_regrade(make_user, small_content, client):
    for role in (Role.AGENT, Role.LEAD):
        login(client, make_user(role).username)
        assert client.post(f"/manage/questions/{FIXED}/regrade").status_code == 403
