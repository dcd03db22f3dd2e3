"""The agent's exam pages as HTML: the exam list, the start page with its rules, and the
taking page's navigator, flags and no-JavaScript form."""

import re
from datetime import timedelta

import pytest

from tests.answers import version_of
from tests.conftest import login
from tests.exams.test_exam_flow import make_exam, right_answers, start
from trainer.accounts.models import Team, utcnow
from trainer.accounts.roles import Role
from trainer.exams.models import AUDIENCE_TEAMS, REVIEW_IMMEDIATE, REVIEW_POLICIES
from trainer.extensions import db
from trainer.questions.bank import CATEGORIES


@pytest.fixture
def exam(bank):
    return make_exam()


def hand_in(client, attempt):
    """Submit the paper answered right but for its written replies (left blank, they need no
    lead), so the attempt is graded at once."""
    answers = {p: a for p, a in right_answers(attempt).items()
               if not version_of(attempt.paper.items[int(p)]).needs_grader}
    client.post(f"/attempts/{attempt.id}/answers", json={"answers": answers})
    assert client.post(f"/attempts/{attempt.id}/submit").status_code == 302
    db.session.refresh(attempt)
    return attempt


# The exam list ----------------------------------------------------------------------------

def test_the_list_shows_an_open_exam_with_its_terms_and_the_way_to_its_rules(agent_client,
                                                                             exam):
    page = agent_client.get("/exams").text
    assert exam.title in page
    assert f"答题时长 {exam.duration_minutes} 分钟" in page and "60 分及格" in page
    assert "已用 0 / 1" in page
    assert f'href="/exams/{exam.id}"' in page  # the start page, not a bare start button
    assert f'action="/exams/{exam.id}/start"' not in page
    assert 'href="/notebook"' in page and "错题本" in page


def test_the_list_resumes_an_attempt_in_progress(agent_client, exam):
    attempt = start(agent_client, exam)
    page = agent_client.get("/exams").text
    assert "继续答题" in page and f'href="/attempts/{attempt.id}"' in page
    assert "已用 1 / 1" in page


def test_a_retake_is_offered_while_attempts_remain_and_the_best_score_counts(agent_client,
                                                                            exam):
    exam.attempts_allowed = 2
    db.session.commit()
    first = hand_in(agent_client, start(agent_client, exam))
    page = agent_client.get("/exams").text
    assert f'href="/attempts/{first.id}/result"' in page and f"{first.score:.1f} 分" in page
    assert "再考一次(还剩 1 次)" in page and "取最高分" in page
    form = re.search(rf'<form method="post" action="/exams/{exam.id}/start"[^>]*>(.*?)</form>',
                     page, re.S).group(1)
    assert 'name="csrf_token"' in form and 'name="retake"' in form
    retake = agent_client.post(f"/exams/{exam.id}/start", data={"retake": "1"})
    second_id = int(retake.location.rsplit("/", 1)[1])
    assert second_id != first.id
    hand_in(agent_client, db.session.get(type(first), second_id))
    assert "再考一次" not in agent_client.get("/exams").text


def test_past_attempts_awaiting_marking_say_so(agent_client, exam):
    attempt = hand_in(agent_client, start(agent_client, exam))
    # As when a written reply is still with the lead (whether a paper draws one is chance).
    attempt.score = None
    db.session.commit()
    assert attempt.awaits_marking
    page = agent_client.get("/exams").text
    past = page.split("历次成绩", 1)[1]
    assert "待评分" in past and exam.title in past


def test_an_uncertified_agent_is_sent_to_the_courses(client, make_user, exam):
    agent = make_user(Role.AGENT, certified_on=None)
    login(client, agent.username)
    page = client.get("/exams").text
    assert "data-needs-certification" in page and exam.title not in page


# The start page ---------------------------------------------------------------------------

def test_the_start_page_states_the_rules(agent_client, exam):
    page = agent_client.get(f"/exams/{exam.id}").text
    assert 'data-fact="size">50<' in page
    assert 'data-fact="minutes">30<' in page and 'data-fact="pass">60<' in page
    assert 'data-fact="attempts">0 / 1<' in page
    counts = dict(re.findall(r'data-category-count="(\w+)">(\d+) 题', page))
    assert counts == {"rules": "8", **{c: "6" for c in CATEGORIES if c != "rules"}}
    for rule in ("以服务器时间为准", "不会暂停", "立即自动保存", "暂存在本机浏览器",
                 "时间结束后提交的答案不被接受", "未作答的题目计 0 分",
                 REVIEW_POLICIES[exam.review_policy]):
        assert rule in page, rule
    # The network grace is for delays, not extra time: never announced.
    assert "宽限" not in page and "60 秒" not in page
    form = re.search(rf'<form method="post" action="/exams/{exam.id}/start"[^>]*>(.*?)</form>',
                     page, re.S).group(1)
    assert 'name="csrf_token"' in form and "开始考试" in form and "retake" not in form


def test_the_start_page_follows_the_exam_policy(agent_client, exam):
    exam.review_policy, exam.attempts_allowed = REVIEW_IMMEDIATE, 3
    db.session.commit()
    page = agent_client.get(f"/exams/{exam.id}").text
    assert REVIEW_POLICIES[REVIEW_IMMEDIATE] in page
    assert "可作答 3 次,以最高分为准" in page


def test_the_start_page_resumes_then_shows_the_result(agent_client, exam):
    attempt = start(agent_client, exam)
    page = agent_client.get(f"/exams/{exam.id}").text
    assert "继续答题" in page and f'href="/attempts/{attempt.id}"' in page
    assert f'action="/exams/{exam.id}/start"' not in page
    hand_in(agent_client, attempt)
    page = agent_client.get(f"/exams/{exam.id}").text
    assert f'href="/attempts/{attempt.id}/result"' in page and f"{attempt.score:.1f} 分" in page
    assert f'action="/exams/{exam.id}/start"' not in page  # one attempt allowed, used


@pytest.mark.parametrize(("opens", "closes", "says"), [
    (timedelta(hours=2), timedelta(days=1), "考试尚未开放"),
    (-timedelta(days=2), -timedelta(hours=1), "考试已于"),
])
def test_the_start_page_outside_the_window_offers_no_start(agent_client, bank, opens, closes,
                                                           says):
    now = utcnow()
    exam = make_exam(opens=now + opens, closes=now + closes)
    page = agent_client.get(f"/exams/{exam.id}").text
    assert says in page and f'action="/exams/{exam.id}/start"' not in page


def test_the_start_page_is_only_for_the_exams_audience(app, client, make_user, exam):
    team, other = Team(name="售前一组"), Team(name="售后组")
    db.session.add_all([team, other])
    db.session.commit()
    exam.audience, exam.teams = AUDIENCE_TEAMS, [team]
    db.session.commit()
    outsider = make_user(Role.AGENT, team=other)
    login(client, outsider.username)
    assert client.get(f"/exams/{exam.id}").status_code == 404
    member, member_client = make_user(Role.AGENT, team=team), app.test_client()
    login(member_client, member.username)
    assert member_client.get(f"/exams/{exam.id}").status_code == 200


# Taking -----------------------------------------------------------------------------------

def test_questions_come_grouped_by_category_with_a_header_each(agent_client, exam):
    attempt = start(agent_client, exam)
    page = agent_client.get(f"/attempts/{attempt.id}").text
    categories = [version_of(i).question.category for i in attempt.paper.items]
    groups = [c for n, c in enumerate(categories) if n == 0 or categories[n - 1] != c]
    assert len(groups) == len(set(groups)) == len(CATEGORIES)
    form = page.split('id="exam-form"', 1)[1].split("</form>", 1)[0]
    headers = re.findall(r'<h2 class="exam-category[^"]*">([^<]+)</h2>', form)
    assert headers == [CATEGORIES[c] for c in groups]
    positions = [int(p) for p in re.findall(r'data-position="(\d+)"', form)]
    assert positions == list(range(50))


def test_the_navigator_and_flags_come_back_from_the_server(agent_client, exam):
    attempt = start(agent_client, exam)
    answers = right_answers(attempt)
    reply = agent_client.post(f"/attempts/{attempt.id}/answers",
                              json={"answers": {"0": answers["0"], "7": answers["7"]},
                                    "flags": [7, 12]})
    assert reply.status_code == 200
    assert set(reply.json) == {"saved", "saved_at", "remaining_seconds"}  # nothing about keys
    page = agent_client.get(f"/attempts/{attempt.id}").text
    nav = {position: classes for classes, position in re.findall(
        r'<a class="exam-nav-item([^"]*)" href="#question-\d+" data-nav="(\d+)"', page)}
    assert len(nav) == 50
    assert nav["0"].split() == ["done"] and sorted(nav["7"].split()) == ["done", "flagged"]
    assert nav["12"].split() == ["flagged"] and nav["3"] == ""
    pressed = re.findall(r'id="question-(\d+)".*?data-flag aria-pressed="(true|false)"', page,
                         re.S)
    assert [p for p, state in pressed if state == "true"] == ["7", "12"]
    assert "data-count-done>2<" in page and "data-count-flagged>2<" in page
    assert "data-count-short>2/50<" in page


def test_the_paper_is_a_plain_form_without_javascript(agent_client, exam):
    attempt = start(agent_client, exam)
    page = agent_client.get(f"/attempts/{attempt.id}").text
    form = re.search(r'<form method="post" action="([^"]+)" id="exam-form"', page)
    assert form.group(1) == f"/attempts/{attempt.id}/submit"
    assert re.search(r'<button class="[^"]*" type="submit" data-submit>交卷</button>', page)
    assert "onclick" not in page
    names = set(re.findall(r'name="([qt]\d+)"', page))
    assert {n[1:] for n in names} == {str(p) for p in range(50)}
    # What needs the script stays hidden without it.
    assert re.search(r'data-flag aria-pressed="false" hidden>', page)
    assert re.search(r'data-open-submit hidden>', page)


def test_the_clock_reports_the_servers_time_left(agent_client, exam):
    attempt = start(agent_client, exam)
    clock = agent_client.get(f"/attempts/{attempt.id}/clock").json
    assert clock["submitted"] is False and 29 * 60 < clock["remaining_seconds"] <= 30 * 60
    page = agent_client.get(f"/attempts/{attempt.id}").text
    remaining = int(re.search(r'data-remaining="(\d+)"', page).group(1))
    assert abs(remaining - clock["remaining_seconds"]) <= 2
