from tests.conftest import login
from trainer.accounts.roles import Role
from trainer.extensions import db
from trainer.learning.models import ModuleProgress


def test_agent_reads_a_module_and_marks_it_done(app, client, make_user):
    agent = make_user(Role.AGENT)
    login(client, agent.username)
    page = client.get("/learn/etiquette").text
    assert "服务礼仪" in page and "我已学完本课" in page and "<table>" in page
    assert client.post("/learn/etiquette/complete").location == "/learn"
    assert client.post("/learn/etiquette/complete").status_code == 302  # twice is harmless
    assert db.session.scalar(db.select(db.func.count(ModuleProgress.id)).where(
        ModuleProgress.user_id == agent.id)) == 1
    assert "已学完" in client.get("/learn").text
    assert "1 / 1" in client.get("/me").text


def test_unknown_module_is_404(client, make_user):
    login(client, make_user().username)
    assert client.get("/learn/nope").status_code == 404
    assert client.post("/learn/nope/complete").status_code == 404


def test_dashboard_shows_the_month_assessment_base(client, make_user):
    login(client, make_user().username)
    page = client.get("/me").text
    assert "data-assessment-score>80<" in page and "目前没有开放的考试" in page
