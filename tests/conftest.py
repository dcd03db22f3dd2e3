"""Fixtures: an app per database backend, each test on clean tables.

SQLite always; PostgreSQL too when TEST_DATABASE_URL is set. The schema is created once per
backend and run, and every table is emptied after each test.
"""

import contextvars
import os
from datetime import date
from pathlib import Path

import pytest
from flask import has_app_context
from flask.testing import FlaskClient
from sqlalchemy import text

from trainer import create_app
from trainer.accounts.models import Team
from trainer.accounts.roles import Role
from trainer.accounts.service import create_user
from trainer.content import BankPolicy
from trainer.extensions import db

PASSWORD = "Passw0rd1"
FIXTURE_CONTENT = Path(__file__).parent / "fixtures" / "content"
# The fixture bank is far smaller than the shipped one must be.
SMALL_BANK = BankPolicy(min_questions=0, min_per_category=0, min_difficulty_share=0)
TEST_CONFIG = {
    "TESTING": True,
    "SECRET_KEY": "test-secret-key-not-for-production",
    "WTF_CSRF_ENABLED": False,
    "RATELIMIT_ENABLED": False,
    # Fast hashing in tests only; production uses scrypt.
    "PASSWORD_HASH_METHOD": "pbkdf2:sha256:1000",
    "SESSION_COOKIE_SECURE": False,
    "REMEMBER_COOKIE_SECURE": False,
}


def backends():
    yield pytest.param("sqlite", id="sqlite")
    url = os.environ.get("TEST_DATABASE_URL")
    yield pytest.param(url, id="postgresql", marks=pytest.mark.skipif(
        not url, reason="TEST_DATABASE_URL not set"))


def database_url(backend: str, tmp_dir: Path) -> str:
    return f"sqlite:///{tmp_dir / 'test.db'}" if backend == "sqlite" else backend


def reset_schema(app) -> None:
    with app.app_context():
        if db.engine.dialect.name == "postgresql":
            with db.engine.begin() as conn:
                conn.execute(text("DROP SCHEMA public CASCADE"))
                conn.execute(text("CREATE SCHEMA public"))
        else:
            db.drop_all()
        db.create_all()


class IsolatedClient(FlaskClient):
    """Each request runs in its own context, as in a real server.

    Flask reuses an already pushed app context for a request; the tests keep one pushed for
    their own database work, which would otherwise share `g` (the signed-in user) and the
    database session between the test and every request.
    """

    def open(self, *args, **kwargs):
        # End the test's own transaction first: it would hold SQLite's write lock (or a stale
        # snapshot), and objects the test holds are reloaded after the request.
        if has_app_context():  # not when werkzeug follows a redirect inside the request's context
            db.session.commit()
        return contextvars.Context().run(super().open, *args, **kwargs)


def make_app(url: str, **overrides):
    app = create_app({**TEST_CONFIG, "SQLALCHEMY_DATABASE_URI": url, **overrides})
    app.test_client_class = IsolatedClient
    return app


@pytest.fixture(scope="session", params=list(backends()))
def backend_url(request, tmp_path_factory):
    url = database_url(request.param, tmp_path_factory.mktemp("db"))
    reset_schema(make_app(url))
    return url


@pytest.fixture(scope="session")
def _app(backend_url):
    return make_app(backend_url)


def _empty_tables() -> None:
    tables = list(reversed(db.metadata.sorted_tables))
    if db.engine.dialect.name == "postgresql":
        names = ", ".join(t.name for t in tables)
        db.session.execute(text(f"TRUNCATE {names} RESTART IDENTITY CASCADE"))
    else:
        # questions <-> question_versions reference each other; break the cycle first.
        db.session.execute(text("UPDATE questions SET current_version_id = NULL"))
        for table in tables:
            db.session.execute(table.delete())
    db.session.commit()


@pytest.fixture
def app(_app):
    with _app.app_context():
        yield _app
        db.session.rollback()
        _empty_tables()
        db.session.remove()
        # Emptied tables hand out their ids again: cached question versions go with them.
        _app.extensions.pop("trainer.versions", None)


@pytest.fixture
def client(app):
    return app.test_client()


@pytest.fixture
def make_user(app):
    counter = iter(range(1, 10_000))

    def _make(role=Role.AGENT, team=None, username=None, password=PASSWORD,
              must_change_password=False, **fields):
        # Agents are on duty (certified) unless a test says otherwise.
        if role is Role.AGENT:
            fields.setdefault("certified_on", date(2026, 1, 20))
        user, _ = create_user(
            username=username or f"{role.value}{next(counter)}",
            display_name=fields.pop("display_name", "测试用户"),
            role=role, team=team, joined_on=fields.pop("joined_on", date(2026, 1, 5)),
            actor=None, password=password, must_change_password=must_change_password,
        )
        for name, value in fields.items():
            setattr(user, name, value)
        db.session.commit()
        return user

    return _make


def login(client, username, password=PASSWORD):
    return client.post("/login", data={"username": username, "password": password})


def make_teams(*names: str) -> tuple:
    teams = tuple(Team(name=name) for name in names)
    db.session.add_all(teams)
    db.session.commit()
    return teams


@pytest.fixture
def teams(app):
    """Two teams, for tests of what a lead of one may see of the other."""
    return make_teams("售前一组", "售后二组")


@pytest.fixture
def bank(app):
    """The shipped content (question bank, module versions), loaded into the test database."""
    from trainer.cli import load_content

    return load_content()


@pytest.fixture
def small_content(app):
    """Two small modules with tagged questions (tests/fixtures/content) instead of the
    shipped curriculum, so learning tests do not depend on its wording."""
    from trainer.cli import load_content

    saved = {key: app.config[key] for key in ("COURSES_DIR", "QUESTION_BANK_DIR", "BANK_POLICY")}
    app.config.update(COURSES_DIR=str(FIXTURE_CONTENT / "courses"),
                      QUESTION_BANK_DIR=str(FIXTURE_CONTENT / "question_bank"),
                      BANK_POLICY=SMALL_BANK)
    app.extensions.pop("trainer.catalog", None)
    load_content()
    yield
    app.config.update(saved)
    app.extensions.pop("trainer.catalog", None)


ARTIFACTS = Path(__file__).resolve().parent.parent / "test-artifacts"


def pytest_sessionstart(session):
    """Screenshots are this run's only."""
    for shot in ARTIFACTS.glob("*.png"):
        shot.unlink()


def pytest_terminal_summary(terminalreporter):
    """Point at the browser tests' screenshots, so a reader can look at the pages."""
    shots = sorted(ARTIFACTS.glob("*.png"))
    if shots:
        terminalreporter.section("screenshots")
        for shot in shots:
            terminalreporter.write_line(str(shot.relative_to(ARTIFACTS.parent)))
