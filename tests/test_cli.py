import os
import subprocess
import sys
from pathlib import Path

import pytest
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from flask_migrate import upgrade
from sqlalchemy import func, select, text

from tests.conftest import make_app
from trainer import create_app
from trainer.accounts.models import User
from trainer.assessment.models import LedgerItem
from trainer.config import ConfigError
from trainer.exams.models import Attempt
from trainer.extensions import db
from trainer.kpi.models import MonthlyMetrics
from trainer.questions.models import QuestionVersion

ROOT = Path(__file__).resolve().parents[1]


@pytest.fixture
def fresh_url(backend_url, tmp_path):
    """An empty database of the run's backend, apart from the shared test schema."""
    if backend_url.startswith("sqlite"):
        return f"sqlite:///{tmp_path / 'fresh.db'}"
    app = make_app(backend_url)
    with app.app_context(), db.engine.begin() as conn:
        conn.execute(text("DROP SCHEMA IF EXISTS fresh CASCADE"))
        conn.execute(text("CREATE SCHEMA fresh"))
    return f"{backend_url}?options=-csearch_path%3Dfresh"


@pytest.fixture
def fresh_app(fresh_url):
    app = make_app(fresh_url)
    with app.app_context():
        yield app
        db.session.remove()
        db.engine.dispose()


def invoke(app, *args):
    """Run a CLI command as a separate process would: after the test's own reads end."""
    db.session.commit()
    return app.test_cli_runner().invoke(args=list(args))


def test_migrations_build_exactly_the_models(fresh_app):
    upgrade(directory=fresh_app.extensions["migrate"].directory)
    with db.engine.connect() as conn:
        diff = compare_metadata(MigrationContext.configure(conn), db.metadata)
    assert diff == []


def test_init_db_twice_changes_nothing_the_second_time(fresh_app):
    first = invoke(fresh_app, "init-db")
    assert first.exit_code == 0, first.output
    assert "新增 64" in first.output
    versions = db.session.scalar(select(func.count(QuestionVersion.id)))
    second = invoke(fresh_app, "init-db")
    assert second.exit_code == 0 and "新增 0,修订 0,未变 64" in second.output
    assert db.session.scalar(select(func.count(QuestionVersion.id))) == versions


def test_a_revised_question_gets_a_new_version(fresh_app, tmp_path):
    invoke(fresh_app, "init-db")
    bank = tmp_path / "bank"
    bank.mkdir()
    source = (ROOT / "question_bank" / "sales.yaml").read_text(encoding="utf-8")
    (bank / "sales.yaml").write_text(source.replace("stem: ", "stem: (修订)", 1), encoding="utf-8")
    fresh_app.config["QUESTION_BANK_DIR"] = str(bank)
    result = invoke(fresh_app, "init-db")
    assert "修订 1" in result.output


def test_seed_demo_builds_a_living_organization_once(fresh_app):
    invoke(fresh_app, "init-db")
    result = invoke(fresh_app, "seed-demo")
    assert result.exit_code == 0, result.output
    assert "demo1234" in result.output and "manager" in result.output
    agents = db.session.scalars(select(User).where(User.role == "agent")).all()
    assert len(agents) >= 20
    assert any(a.certified_on is None for a in agents)
    assert sum(a.certified_on is not None for a in agents) > len(agents) / 2
    assert len({a.joined_on for a in agents}) > 10
    graded = db.session.scalar(select(func.count(Attempt.id)).where(Attempt.score.is_not(None)))
    assert graded >= 3 * 15
    assert db.session.scalar(select(func.count(func.distinct(MonthlyMetrics.month)))) == 3
    assert db.session.scalar(select(func.count(LedgerItem.id))) > 0
    users = db.session.scalar(select(func.count(User.id)))
    again = invoke(fresh_app, "seed-demo")
    assert again.exit_code == 0 and "demo1234" in again.output
    assert db.session.scalar(select(func.count(User.id))) == users


def test_seed_demo_refuses_a_database_with_a_real_organization(fresh_app):
    invoke(fresh_app, "init-db")
    invoke(fresh_app, "create-admin", "boss", "--password", "Str0ngPass")
    result = invoke(fresh_app, "seed-demo")
    assert result.exit_code != 0 and "空数据库" in result.output
    assert db.session.scalar(select(func.count(User.id))) == 1


def test_content_check(fresh_app):
    result = invoke(fresh_app, "content", "check")
    assert result.exit_code == 0 and "题目 64 道" in result.output


def test_create_admin(fresh_app):
    invoke(fresh_app, "init-db")
    weak = invoke(fresh_app, "create-admin", "boss", "--password", "short")
    assert weak.exit_code != 0 and "至少 8 位" in weak.output
    ok = invoke(fresh_app, "create-admin", "boss", "--password", "Str0ngPass")
    assert ok.exit_code == 0
    assert db.session.scalars(select(User).where(User.username == "boss")).one().role == "admin"


def flask_cli(*args, **env):
    return subprocess.run([sys.executable, "-m", "flask", "--app", "trainer", *args],
                          capture_output=True, text=True, cwd=ROOT, timeout=60,
                          env={**os.environ, "TRAINER_ENV": "development", **env})


@pytest.mark.parametrize(("url", "words"), [
    ("postgres://user@host/db", "DATABASE_URL 无效"),
    ("not a url", "DATABASE_URL 无效"),
    ("postgresql+psycopg://postgres@127.0.0.1:1/none", "无法连接数据库"),
])
def test_a_bad_database_url_gives_one_clear_line(url, words, tmp_path):
    result = flask_cli("init-db", DATABASE_URL=url, TRAINER_INSTANCE=str(tmp_path))
    assert result.returncode != 0
    assert "Traceback" not in result.stderr
    lines = [line for line in result.stderr.splitlines() if line.strip()]
    assert len(lines) == 1 and words in lines[0]


def test_production_refuses_to_start_without_a_real_secret(tmp_path):
    for secret in ("", "dev", "short"):
        with pytest.raises(ConfigError, match="SECRET_KEY"):
            create_app({"TRAINER_ENV": "production", "SECRET_KEY": secret,
                        "SQLALCHEMY_DATABASE_URI": f"sqlite:///{tmp_path}/x.db"})
    app = create_app({"TRAINER_ENV": "production", "SECRET_KEY": "k" * 32,
                      "SQLALCHEMY_DATABASE_URI": f"sqlite:///{tmp_path}/x.db"})
    assert app.config["SESSION_COOKIE_SECURE"] is True


def test_gunicorn_refuses_too(tmp_path):
    env = {k: v for k, v in os.environ.items() if k not in ("SECRET_KEY", "TRAINER_ENV")}
    result = subprocess.run(
        [sys.executable, "-m", "gunicorn", "--bind", "127.0.0.1:0", "wsgi:app"],
        capture_output=True, text=True, cwd=ROOT, timeout=60,
        env={**env, "DATABASE_URL": f"sqlite:///{tmp_path}/x.db",
             "TRAINER_INSTANCE": str(tmp_path)})
    assert result.returncode == 3 and "SECRET_KEY" in result.stderr


def test_demo_logins_show_on_the_login_page_only_in_development(fresh_url):
    development = make_app(fresh_url, TRAINER_ENV="development")
    production = make_app(fresh_url, TRAINER_ENV="production")
    with development.app_context():
        invoke(development, "init-db")
        assert "data-demo-logins" not in development.test_client().get("/login").text
        invoke(development, "seed-demo")
        page = development.test_client().get("/login").text
        assert "data-demo-logins" in page and "demo1234" in page and "manager" in page
        db.session.remove()
    with production.app_context():
        assert "data-demo-logins" not in production.test_client().get("/login").text
        db.session.remove()
        db.engine.dispose()
    with development.app_context():
        db.engine.dispose()
