"""Every registered route, requested by every role and anonymously, against the allowed matrix.

A route added without an entry here fails `test_the_matrix_covers_every_route`; a route
added without an access declaration is refused to everyone by the before-request check and
fails its row here.
"""

import pytest
from sqlalchemy import select

from tests.conftest import login
from tests.exams.test_exam_flow import make_exam
from trainer.accounts.access import PUBLIC
from trainer.accounts.models import utcnow
from trainer.accounts.roles import Role
from trainer.exams.service import default_blueprint, start
from trainer.extensions import db
from trainer.learning.service import catalog
from trainer.questions.models import ImportBatch, Question

A, L, M, D = Role.AGENT, Role.LEAD, Role.MANAGER, Role.ADMIN
ANYONE = {A, L, M, D}
EXPECTED = {
    "static": PUBLIC,
    "health.healthz": PUBLIC,
    "accounts.login": PUBLIC,
    "accounts.home": ANYONE,
    "accounts.logout": ANYONE,
    "accounts.change_password": ANYONE,
    "learning.catalog": ANYONE,
    "learning.read": ANYONE,
    "learning.progress": ANYONE,
    "learning.start_practice": ANYONE,
    "learning.practice": ANYONE,
    "learning.check_practice": ANYONE,
    "learning.submit_practice": ANYONE,
    "learning.practice_result": ANYONE,
    "learning.start_certification": {A},
    "learning.dashboard": {A},
    "exams.index": {A},
    "exams.overview": {A},
    "exams.start": {A},
    "exams.take": {A},
    "exams.autosave": {A},
    "exams.clock": {A},
    "exams.submit": {A},
    "exams.result": {A},
    "exam_admin.exams": {M, D},
    "exam_admin.edit_exam": {M, D},
    "exam_admin.blueprints": {M, D},
    "exam_admin.new_blueprint": {M, D},
    "exam_admin.edit_blueprint": {M, D},
    "exam_admin.delete_blueprint": {M, D},
    "notebook.index": {A},
    "notebook.practice": {A},
    "questions.index": {M, D},
    "questions.show": {M, D},
    "questions.new": {M, D},
    "questions.edit": {M, D},
    "questions.retire": {M, D},
    "questions.restore": {M, D},
    "questions.template": {M, D},
    "questions.export": {M, D},
    "questions.upload": {M, D},
    "questions.preview_import": {M, D},
    "questions.confirm_import": {M, D},
    "questions.regrade": {M, D},
    "marking.queue": {L, M, D},
    "marking.question": {L, M, D},
    "marking.mark": {L, M, D},
    "reports.pass_rates": {L, M, D},
    "reports.onboarding_funnel": {L, M, D},
    "reports.monthly": {L, M, D},
    "item_stats.items": {L, M, D},
    "item_stats.question": {L, M, D},
    "agent_reports.agents": {L, M, D},
    "agent_reports.agent": {L, M, D},
    "assessment.mine": {A},
    "assessment.appeal": {A},
    "assessment.overview": {L, M, D},
    "assessment.publish": {M, D},
    "assessment.agent": {L, M, D},
    "assessment.add_item": {L, M, D},
    "assessment.edit_item": {L, M, D},
    "assessment.remove_item": {L, M, D},
    "assessment.supervisor": {M, D},
    "assessment.appeals": {L, M, D},
    "assessment.decide": {L, M, D},
    "kpi.sheet": {L, M, D},
    "kpi.export": {L, M, D},
    "kpi.import_metrics": {M, D},
    "kpi.template": {M, D},
    "kpi.rules": {L, M, D},
    "kpi.add_rules": {M, D},
    "kpi.mine": {A},
    "admin.users": {D},
    "admin.new_user": {D},
    "admin.import_users": {D},
    "admin.reset_password": {D},
    "admin.toggle_active": {D},
    "admin.teams": {D},
}


def test_the_matrix_covers_every_route(app):
    assert {rule.endpoint for rule in app.url_map.iter_rules()} == set(EXPECTED)


def test_every_view_declares_its_access(app):
    undeclared = [name for name, view in app.view_functions.items()
                  if name != "static" and not hasattr(view, "allowed_roles")]
    assert undeclared == []


@pytest.fixture
def world(app, make_user, bank):
    users = {role: make_user(role, username=f"matrix-{role.value}") for role in Role}
    exam = make_exam()
    attempt = start(exam, users[A], utcnow())
    module_id = catalog()[0].id
    batch = ImportBatch(filename="q.txt", fmt="aiken", category="sales",
                        content="题干\nA. 甲\nB. 乙\nANSWER: A\n".encode())
    db.session.add(batch)
    db.session.commit()
    return users, {"exam_id": exam.id, "attempt_id": attempt.id, "user_id": users[A].id,
                   "module_id": module_id, "filename": "css/app.css",
                   "key": db.session.scalars(select(Question.key)).first(),
                   "batch_id": batch.id,
                   "question_id": db.session.scalars(select(Question.id)).first(),
                   "answer_id": 1,
                   "blueprint_id": default_blueprint().id,
                   "month": "2026-01", "item_id": 1, "appeal_id": 1}


def requests(app, values):
    for rule in app.url_map.iter_rules():
        path = rule.build(values, append_unknown=False)[1]
        for method in sorted(rule.methods - {"HEAD", "OPTIONS"}):
            yield rule.endpoint, method, path


def call(client, method, path):
    if method == "GET":
        return client.get(path)
    if path.endswith(("/answers", "/progress", "/check")):
        return client.post(path, json={})
    return client.post(path, data={})


def refused_as_anonymous(response):
    """Flask-Login's refusal: to the login page, remembering where the user was going."""
    return response.status_code == 302 and response.location.startswith("/login?next=")


def test_anonymous_users_are_sent_to_login(app, world):
    _users, values = world
    for endpoint, method, path in requests(app, values):
        response = call(app.test_client(), method, path)
        if EXPECTED[endpoint] == PUBLIC:
            assert response.status_code < 400, (endpoint, method)
            assert not refused_as_anonymous(response), (endpoint, method)
        else:
            assert refused_as_anonymous(response), (endpoint, method, response.status_code)


@pytest.mark.parametrize("role", list(Role), ids=lambda r: r.value)
def test_each_role_reaches_exactly_its_routes(app, world, role):
    users, values = world
    for endpoint, method, path in requests(app, values):
        client = app.test_client()
        login(client, users[role].username)
        response = call(client, method, path)
        allowed = EXPECTED[endpoint] == PUBLIC or role in EXPECTED[endpoint]
        if allowed:
            assert response.status_code != 403, (role, endpoint, method)
            assert response.status_code < 500, (role, endpoint, method)
            assert not refused_as_anonymous(response), (role, endpoint, method)
        else:
            assert response.status_code == 403, (role, endpoint, method, response.status_code)


def test_every_post_route_refuses_a_request_without_csrf_token(backend_url, world):
    from tests.accounts.test_auth import token
    from tests.conftest import PASSWORD, make_app

    users, values = world
    app = make_app(backend_url, WTF_CSRF_ENABLED=True)
    posts = [(e, p) for e, m, p in requests(app, values) if m == "POST"]
    assert len(posts) >= 10
    for role in (A, D):
        client = app.test_client()
        client.post("/login", data={"username": users[role].username, "password": PASSWORD,
                                    "csrf_token": token(client.get("/login").text)})
        assert client.get("/learn").status_code == 200
        for endpoint, path in posts:
            assert call(client, "POST", path).status_code == 400, (role, endpoint)
