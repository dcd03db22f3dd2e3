import re

import pytest

from tests.conftest import PASSWORD, login, make_app
from trainer.accounts.models import User
from trainer.accounts.roles import Role
from trainer.assessment.models import AuditEvent
from trainer.extensions import db


def test_login_lands_each_role_on_its_home(client, make_user):
    for role, home in [(Role.AGENT, "/me"), (Role.LEAD, "/reports/pass-rates"),
                       (Role.MANAGER, "/reports/pass-rates"), (Role.ADMIN, "/admin/users")]:
        user = make_user(role)
        response = login(client, user.username)
        assert response.status_code == 302 and response.location == home
        client.post("/logout")


def test_wrong_password_and_unknown_user_get_the_same_answer(client, make_user):
    user = make_user()
    wrong = login(client, user.username, "nope12345")
    unknown = login(client, "ghost", "nope12345")
    assert wrong.status_code == unknown.status_code == 200
    assert "用户名或密码错误" in wrong.text and "用户名或密码错误" in unknown.text
    assert user.username in wrong.text  # the form keeps what the user typed


def test_username_is_case_insensitive(client, make_user):
    make_user(username="Zhang3")
    assert login(client, "zhang3").status_code == 302


def test_passwords_are_stored_hashed(app, make_user):
    user = make_user()
    assert PASSWORD not in user.password_hash
    assert user.password_hash.startswith("pbkdf2:")


def test_login_ignores_offsite_next(client, make_user):
    user = make_user()
    response = client.post("/login?next=https://evil.example/x",
                           data={"username": user.username, "password": PASSWORD})
    assert response.location == "/me"
    client.post("/logout")
    response = client.post("/login?next=/learn",
                           data={"username": user.username, "password": PASSWORD})
    assert response.location == "/learn"


def test_session_is_renewed_at_login(client, make_user):
    user = make_user()
    with client.session_transaction() as session:
        session["planted"] = "by-attacker"
    login(client, user.username)
    with client.session_transaction() as session:
        assert "planted" not in session
        assert session["_user_id"] == f"{user.id}.{user.session_epoch}"


def test_forced_password_change_at_first_login(client, make_user):
    user = make_user(must_change_password=True)
    assert login(client, user.username).location == "/me"
    blocked = client.get("/me")
    assert blocked.status_code == 302 and blocked.location.startswith("/password")
    weak = client.post("/password", data={"current": PASSWORD, "new": "short", "confirm": "short"})
    assert "至少 8 位" in weak.text
    same = client.post("/password", data={"current": PASSWORD, "new": PASSWORD,
                                          "confirm": PASSWORD})
    assert "不能与当前密码相同" in same.text
    done = client.post("/password?next=/me", data={"current": PASSWORD, "new": "NewPass99",
                                                  "confirm": "NewPass99"})
    assert done.location == "/me"
    assert client.get("/me").status_code == 200  # still signed in on this device
    db.session.refresh(user)
    assert not user.must_change_password and user.check_password("NewPass99")


def test_changing_password_signs_out_other_devices(app, make_user):
    user = make_user()
    phone, laptop = app.test_client(), app.test_client()
    login(phone, user.username)
    login(laptop, user.username)
    laptop.post("/password", data={"current": PASSWORD, "new": "NewPass99", "confirm": "NewPass99"})
    assert laptop.get("/me").status_code == 200
    assert phone.get("/me").status_code == 302


def test_deactivated_user_is_signed_out_and_cannot_log_in(app, make_user):
    admin, agent = make_user(Role.ADMIN), make_user()
    agent_client, admin_client = app.test_client(), app.test_client()
    login(agent_client, agent.username)
    login(admin_client, admin.username)
    assert admin_client.post(f"/admin/users/{agent.id}/active").status_code == 302
    assert agent_client.get("/me").status_code == 302
    assert "用户名或密码错误" in login(agent_client, agent.username).text
    assert db.session.scalars(db.select(AuditEvent).where(
        AuditEvent.action == "user.deactivate")).one().actor_id == admin.id


def test_logout_needs_post(client, make_user):
    login(client, make_user().username)
    assert client.get("/logout").status_code == 405
    assert client.post("/logout").status_code == 302
    assert client.get("/me").status_code == 302


def test_network_change_does_not_sign_the_agent_out(client, make_user):
    login(client, make_user().username, PASSWORD)
    assert client.get("/me", environ_base={"REMOTE_ADDR": "10.1.2.3"}).status_code == 200
    assert client.get("/me", environ_base={"REMOTE_ADDR": "10.9.9.9"},
                      headers={"User-Agent": "other"}).status_code == 200


@pytest.fixture
def csrf_app(backend_url):
    app = make_app(backend_url, WTF_CSRF_ENABLED=True)
    with app.app_context():
        yield app


def token(html):
    return re.search(r'name="csrf_token" type="hidden" value="([^"]+)"', html).group(1)


def test_forms_refuse_posts_without_csrf(csrf_app, make_user):
    user = make_user()
    client = csrf_app.test_client()
    refused = client.post("/login", data={"username": user.username, "password": PASSWORD})
    assert refused.status_code == 400 and "表单已过期" in refused.text
    assert client.get("/me").status_code == 302  # not signed in
    page = client.get("/login").text
    response = client.post("/login", data={"username": user.username, "password": PASSWORD,
                                           "csrf_token": token(page)})
    assert response.status_code == 302
    assert client.post("/logout").status_code == 400


def test_json_posts_need_the_csrf_header(csrf_app, make_user):
    user = make_user()
    client = csrf_app.test_client()
    client.post("/login", data={"username": user.username, "password": PASSWORD,
                                "csrf_token": token(client.get("/login").text)})
    response = client.post("/attempts/1/answers", json={"answers": {}})
    assert response.status_code == 400
    header = token(client.get("/learn").text.replace(
        '<meta name="csrf-token" content=', '<input name="csrf_token" type="hidden" value='))
    response = client.post("/attempts/1/answers", json={"answers": {}},
                           headers={"X-CSRFToken": header})
    assert response.status_code == 404  # past CSRF; the attempt does not exist


def test_login_attempts_are_limited_per_account_and_address(backend_url):
    app = make_app(backend_url, RATELIMIT_ENABLED=True, RATELIMIT_LOGIN="3 per minute",
                   RATELIMIT_STORAGE_URI="memory://")
    client = app.test_client()
    codes = [login(client, "someone", "wrong-pass1").status_code for _ in range(4)]
    assert codes == [200, 200, 200, 429]
    assert "操作过于频繁" in login(client, "Someone ", "wrong-pass1").text
    assert client.get("/login").status_code == 200  # only attempts are limited
    # A colleague at the same office address is not locked out by someone else's typos.
    assert login(client, "colleague", "wrong-pass1").status_code == 200


def test_one_address_has_a_looser_ceiling(backend_url):
    app = make_app(backend_url, RATELIMIT_ENABLED=True, RATELIMIT_LOGIN_PER_ADDRESS="5 per minute",
                   RATELIMIT_STORAGE_URI="memory://")
    client = app.test_client()
    codes = [login(client, f"user{n}", "wrong-pass1").status_code for n in range(6)]
    assert codes == [200] * 5 + [429]


def redis_available() -> bool:
    import socket

    with socket.socket() as sock:
        sock.settimeout(0.5)
        return sock.connect_ex(("127.0.0.1", 6379)) == 0


@pytest.mark.skipif(not redis_available(), reason="no Redis on 127.0.0.1:6379")
def test_limits_hold_across_workers_through_redis(backend_url):
    import uuid

    settings = {"RATELIMIT_ENABLED": True, "RATELIMIT_LOGIN": "3 per minute",
                "RATELIMIT_STORAGE_URI": "redis://127.0.0.1:6379/15",
                "RATELIMIT_KEY_PREFIX": f"test-{uuid.uuid4().hex}"}
    first, second = make_app(backend_url, **settings), make_app(backend_url, **settings)
    clients = [first.test_client(), second.test_client()]
    codes = [login(clients[n % 2], "someone", "wrong-pass1").status_code for n in range(4)]
    assert codes == [200, 200, 200, 429]


def test_production_cookies_are_secure(backend_url):
    app = make_app(backend_url, TESTING=False, TRAINER_ENV="production",
                   SECRET_KEY="x" * 32, SESSION_COOKIE_SECURE=True)
    assert app.config["SESSION_COOKIE_SECURE"] and app.config["SESSION_COOKIE_HTTPONLY"]
    assert app.config["SESSION_COOKIE_SAMESITE"] == "Lax"
    assert app.config["WTF_CSRF_TIME_LIMIT"] >= 4 * 3600
    assert app.config["MAX_CONTENT_LENGTH"]


def test_admin_cannot_deactivate_themselves(client, make_user):
    admin = make_user(Role.ADMIN)
    login(client, admin.username)
    client.post(f"/admin/users/{admin.id}/active")
    assert db.session.get(User, admin.id).is_active_account
