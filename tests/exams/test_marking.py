"""The marking queue: written replies by question, names hidden, a lead's own team only."""

import re

import pytest
from sqlalchemy import select

from tests.conftest import login
from tests.exams import papers
from tests.exams.papers import question
from tests.exams.test_exam_flow import make_exam
from trainer.accounts.roles import Role
from trainer.assessment.models import AuditEvent, LedgerItem
from trainer.exams import marking
from trainer.exams.models import Answer, Attempt
from trainer.extensions import db

# The fixture bank's beta questions: single (key A), multiple (key AB), short, written scenario.
SINGLE, MULTIPLE, SHORT, SCENARIO = "b-001", "b-013", "b-014", "b-015"
PAPER = (SINGLE, MULTIPLE, SHORT, SCENARIO)
# Nine points in all, so a marked reply moves the score by an amount that needs rounding.
POINTS = {"single": 2, "multiple": 2, "short": 3, "scenario": 2}
RIGHT = {SINGLE: [0], MULTIPLE: [0, 1], SHORT: ["先致歉,再核实订单"],
         SCENARIO: ["亲,价格已是活动价"]}


def written_exam():
    return make_exam(blueprint={"name": "t", "quotas": [{"count": 4, "module": "beta"}],
                                "points": POINTS})


def sit(exam, agent, responses: dict, keys=PAPER, submit=True) -> Attempt:
    return papers.sit(exam, agent, responses, keys, submit)


def answer_to(attempt: Attempt, key: str) -> Answer:
    db.session.refresh(attempt)
    version_ids = {v.id for v in question(key).versions}
    return next(a for a in attempt.answers if a.version_id in version_ids)


def audits(action: str, target: str) -> list[dict]:
    return db.session.scalars(select(AuditEvent.detail).where(
        AuditEvent.action == action, AuditEvent.target == target).order_by(AuditEvent.id)).all()


@pytest.fixture
def people(make_user, teams, small_content):
    east, west = teams
    return {
        "agent": make_user(Role.AGENT, team=east, username="wxm-agent", display_name="王小明"),
        "other": make_user(Role.AGENT, team=west, username="lxh-agent", display_name="李小红"),
        "lead": make_user(Role.LEAD, team=east, username="east-lead", display_name="东组长"),
        "west_lead": make_user(Role.LEAD, team=west, username="west-lead",
                               display_name="西组长"),
        "manager": make_user(Role.MANAGER, username="boss", display_name="主管"),
    }


def signed_in(client, user):
    login(client, user.username)
    return client


def post_mark(client, answer: Answer, credit, comment=""):
    prefix = f"a{answer.id}-"
    return client.post(f"/marking/answers/{answer.id}",
                       data={prefix + "credit": credit, prefix + "comment": comment})


def test_submitted_written_replies_wait_for_marking(people):
    attempt = sit(written_exam(), people["agent"], RIGHT)
    assert attempt.awaits_marking and attempt.score is None
    assert answer_to(attempt, SINGLE).credit == 1.0
    assert answer_to(attempt, SHORT).credit is None
    assert answer_to(attempt, SCENARIO).credit is None


def test_queue_groups_waiting_replies_by_question_most_waiting_first(people, client, make_user):
    exam = written_exam()
    sit(exam, people["agent"], RIGHT)
    sit(exam, people["other"], {SHORT: ["只答了简答题"]})
    sit(exam, make_user(Role.AGENT), RIGHT, submit=False)  # in progress: never queued
    rows = marking.queue(people["manager"])
    assert [(r.question.key, r.waiting, r.marked) for r in rows] == [(SHORT, 2, 0),
                                                                     (SCENARIO, 1, 0)]
    page = signed_in(client, people["manager"]).get("/marking").text
    assert page.index(SHORT) < page.index(SCENARIO)
    assert "待评 <strong data-waiting>3</strong>" in page
    assert "已评 <strong data-marked>0</strong>" in page


def test_an_empty_written_reply_earns_nothing_without_a_marker(people):
    attempt = sit(written_exam(), people["agent"], {SINGLE: [0], MULTIPLE: [0, 1]})
    assert attempt.is_graded and attempt.score == round(100 * 4 / 9, 1)
    assert marking.queue(people["manager"]) == []


def test_queue_pages_hide_who_wrote_the_reply(people, client):
    attempt = sit(written_exam(), people["agent"], RIGHT)
    signed_in(client, people["lead"])
    pages = [client.get("/marking").text,
             client.get(f"/marking/questions/{question(SHORT).id}").text]
    assert RIGHT[SHORT][0] in pages[1] and "答卷 #1" in pages[1]
    for page in pages:
        for secret in ("王小明", "wxm-agent", "售前一组"):
            assert secret not in page
    assert f"/attempts/{attempt.id}" not in pages[1]


def test_the_question_page_shows_the_key_to_markers(people, client):
    sit(written_exam(), people["agent"], RIGHT)
    page = signed_in(client, people["lead"]).get(f"/marking/questions/{question(SCENARIO).id}")
    assert page.status_code == 200
    for text in ("能便宜点吗?", "beta 情景题 15", "先致谢,再说明价格已是活动价", "解析 15",
                 "亲,价格已是活动价"):
        assert text in page.text


def test_leads_see_and_mark_only_their_own_team(people, client):
    exam = written_exam()
    own = sit(exam, people["agent"], RIGHT)
    foreign = sit(exam, people["other"], RIGHT)
    assert sum(r.waiting for r in marking.queue(people["lead"])) == 2
    assert sum(r.waiting for r in marking.queue(people["manager"])) == 4
    signed_in(client, people["west_lead"])
    page = client.get(f"/marking/questions/{question(SHORT).id}").text
    assert RIGHT[SHORT][0] in page  # the west agent's own reply, same text
    assert page.count("data-reply>") == 1
    assert post_mark(client, answer_to(own, SHORT), "1").status_code == 404
    assert answer_to(own, SHORT).credit is None
    assert post_mark(client, answer_to(foreign, SHORT), "1").status_code == 302


def test_a_lead_of_a_team_without_written_replies_sees_nothing(people, client, make_user):
    sit(written_exam(), people["agent"], RIGHT)
    signed_in(client, people["west_lead"])
    assert "还没有需要人工评分的答卷" in client.get("/marking").text
    assert client.get(f"/marking/questions/{question(SHORT).id}").status_code == 404
    teamless = make_user(Role.LEAD, username="no-team-lead")
    assert marking.queue(teamless) == []


def test_replies_of_attempts_in_progress_cannot_be_marked(people, client):
    attempt = sit(written_exam(), people["agent"], RIGHT, submit=False)
    signed_in(client, people["manager"])
    assert client.get(f"/marking/questions/{question(SHORT).id}").status_code == 404
    assert post_mark(client, answer_to(attempt, SHORT), "1").status_code == 404


def test_machine_graded_answers_are_not_marked_by_hand(people, client):
    attempt = sit(written_exam(), people["agent"], RIGHT)
    signed_in(client, people["manager"])
    assert post_mark(client, answer_to(attempt, SINGLE), "0").status_code == 404
    assert answer_to(attempt, SINGLE).credit == 1.0


def test_marking_grades_the_attempt_after_its_last_written_reply(people, client):
    agent = people["agent"]
    attempt = sit(written_exam(), agent, RIGHT)
    signed_in(client, people["lead"])
    short = answer_to(attempt, SHORT)
    response = post_mark(client, short, "0.25", "要点二没有答到")
    assert response.status_code == 302
    assert response.location == f"/marking/questions/{question(SHORT).id}"
    db.session.refresh(attempt)
    assert attempt.awaits_marking and attempt.score is None
    short = answer_to(attempt, SHORT)
    assert (short.credit, short.is_correct, short.comment) == (0.25, False, "要点二没有答到")
    assert short.marked_by_id == people["lead"].id and short.marked_at is not None
    assert audits("answer.marked", f"answer:{short.id}") == [
        {"attempt": attempt.id, "old": None, "new": 0.25, "comment": "要点二没有答到"}]

    post_mark(client, answer_to(attempt, SCENARIO), "0")
    db.session.refresh(attempt)
    # 2 + 2 + 3 × ¼ + 0 of 9 points.
    assert attempt.score == 52.8 and attempt.correct == 2
    assert len(audits("attempt.graded", f"attempt:{attempt.id}")) == 1
    items = db.session.scalars(select(LedgerItem).where(LedgerItem.user_id == agent.id)).all()
    assert [(i.points, i.source) for i in items] == [(-5, f"attempt:{attempt.id}")]
    queue = client.get("/marking").text
    assert "待评 <strong data-waiting>0</strong>" in queue
    assert "已评 <strong data-marked>2</strong>" in queue


def test_full_marks_on_every_reply_make_a_perfect_score(people, client):
    attempt = sit(written_exam(), people["agent"], RIGHT)
    signed_in(client, people["manager"])
    for key in (SHORT, SCENARIO):
        post_mark(client, answer_to(attempt, key), "1")
    db.session.refresh(attempt)
    assert attempt.score == 100.0 and attempt.correct == 4
    assert answer_to(attempt, SHORT).is_correct is True
    points = db.session.scalars(select(LedgerItem.points)).all()
    assert points == [5]


def test_a_correction_is_audited_and_regrades_the_attempt(people, client):
    agent = people["agent"]
    attempt = sit(written_exam(), agent, RIGHT)
    signed_in(client, people["lead"])
    post_mark(client, answer_to(attempt, SHORT), "0.25")
    post_mark(client, answer_to(attempt, SCENARIO), "0")
    page = client.get(f"/marking/questions/{question(SCENARIO).id}").text
    assert "已评 1 份" in page and "更正评分" in page

    scenario = answer_to(attempt, SCENARIO)
    assert post_mark(client, scenario, "1", "复核后给满分").status_code == 302
    db.session.refresh(attempt)
    assert attempt.score == 75.0
    marks = audits("answer.marked", f"answer:{scenario.id}")
    assert [(m["old"], m["new"]) for m in marks] == [(None, 0.0), (0.0, 1.0)]
    regraded = audits("attempt.regraded", f"attempt:{attempt.id}")
    assert [(r["old"], r["new"]) for r in regraded] == [(52.8, 75.0)]
    assert db.session.scalars(select(LedgerItem).where(LedgerItem.user_id == agent.id)).all() \
        == []


@pytest.mark.parametrize("credit", ["", "0.3", "2", "abc"])
def test_a_mark_must_be_one_of_the_shares(people, client, credit):
    attempt = sit(written_exam(), people["agent"], RIGHT)
    short = answer_to(attempt, SHORT)
    response = post_mark(signed_in(client, people["lead"]), short, credit, "保留的评语")
    assert response.status_code == 400
    assert "保留的评语" in response.text  # the input is kept
    assert answer_to(attempt, SHORT).credit is None


def test_agents_and_anonymous_users_are_refused(people, client):
    attempt = sit(written_exam(), people["agent"], RIGHT)
    short = answer_to(attempt, SHORT)
    urls = ["/marking", f"/marking/questions/{question(SHORT).id}"]
    for url in urls:
        assert client.get(url).location.startswith("/login")
    assert post_mark(client, short, "1").location.startswith("/login")
    signed_in(client, people["agent"])
    for url in urls:
        assert client.get(url).status_code == 403
    assert post_mark(client, short, "1").status_code == 403
    assert answer_to(attempt, SHORT).credit is None


def test_mark_forms_carry_their_csrf_token(people, backend_url):
    from tests.accounts.test_auth import token
    from tests.conftest import PASSWORD, make_app

    attempt = sit(written_exam(), people["agent"], RIGHT)
    short = answer_to(attempt, SHORT)
    client = make_app(backend_url, WTF_CSRF_ENABLED=True).test_client()
    client.post("/login", data={"username": "east-lead", "password": PASSWORD,
                                "csrf_token": token(client.get("/login").text)})
    page = client.get(f"/marking/questions/{question(SHORT).id}").text
    field = re.search(rf'name="(a{short.id}-csrf_token)" type="hidden" value="([^"]+)"', page)
    assert post_mark(client, short, "1").status_code == 400
    assert answer_to(attempt, SHORT).credit is None
    response = client.post(f"/marking/answers/{short.id}",
                           data={f"a{short.id}-credit": "1", field.group(1): field.group(2)})
    assert response.status_code == 302
    assert answer_to(attempt, SHORT).credit == 1.0
