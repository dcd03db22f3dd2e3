from datetime import timedelta

from tests.conftest import login
from tests.exams.test_exam_flow import make_exam
from trainer.accounts.models import Team, utcnow
from trainer.accounts.roles import Role
from trainer.exams.models import Attempt
from trainer.exams.service import paper_for
from trainer.extensions import db


def sit(exam, agent, score):
    paper = paper_for(exam, agent)
    now = utcnow()
    db.session.add(Attempt(paper_id=paper.id, started_at=now, ends_at=now, submitted_at=now,
                           correct=0, score=score))
    db.session.commit()


def organization(make_user, bank):
    east, west = Team(name="售前一组"), Team(name="售后二组")
    db.session.add_all([east, west])
    db.session.commit()
    october = make_exam("2026-10", opens=utcnow() - timedelta(days=40),
                        closes=utcnow() - timedelta(days=30))
    november = make_exam("2026-11")
    for team, scores in ((east, (100, 60, 59.9)), (west, (30, 80))):
        for score in scores:
            agent = make_user(Role.AGENT, team=team)
            sit(november, agent, score)
            sit(october, agent, 90)
    return east, west


def test_manager_sees_every_month_and_team(client, make_user, bank):
    organization(make_user, bank)
    login(client, make_user(Role.MANAGER).username)
    page = client.get("/reports/pass-rates").text
    assert 'data-rate="2026-10">100.0%' in page
    assert 'data-rate="2026-11">60.0%' in page  # 100, 60, 80 pass; 59.9 and 30 do not
    assert "售前一组" in page and "售后二组" in page
    assert "66.7%" in page and "50.0%" in page
    older = client.get("/reports/pass-rates?month=2026-10").text
    assert "2026-10 各团队" in older


def test_lead_sees_only_their_team(client, make_user, bank):
    east, _west = organization(make_user, bank)
    login(client, make_user(Role.LEAD, team=east).username)
    page = client.get("/reports/pass-rates").text
    assert 'data-rate="2026-11">66.7%' in page
    assert "售后二组" not in page


def test_empty_state_explains_itself(client, make_user):
    login(client, make_user(Role.MANAGER).username)
    assert "还没有已评分的月度考试" in client.get("/reports/pass-rates").text


def test_ungraded_attempts_do_not_count(client, make_user, bank):
    exam = make_exam("2026-11")
    agent = make_user(Role.AGENT)
    paper = paper_for(exam, agent)
    db.session.add(Attempt(paper_id=paper.id, started_at=utcnow(), ends_at=utcnow()))
    db.session.commit()
    login(client, make_user(Role.MANAGER).username)
    assert "还没有已评分的月度考试" in client.get("/reports/pass-rates").text
