import json
import os
import shutil
import subprocess
import sys
from datetime import date, datetime
from pathlib import Path

import pytest
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from flask_migrate import upgrade
from sqlalchemy import func, select, text

from tests.conftest import FIXTURE_CONTENT, SMALL_BANK, make_app
from trainer import create_app
from trainer.accounts.models import User
from trainer.assessment.models import LedgerItem
from trainer.config import ConfigError
from trainer.exams.blueprint import default_monthly
from trainer.exams.models import Attempt, Exam, Paper
from trainer.exams.service import paper_for
from trainer.extensions import db
from trainer.kpi.models import MonthlyMetrics
from trainer.learning.catalog import load_catalog
from trainer.learning.models import ModuleRevision
from trainer.questions.bank import CATEGORIES, load_bank
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


def test_the_learning_path_migration_keeps_earlier_data(fresh_app):
    directory = fresh_app.extensions["migrate"].directory
    upgrade(directory=directory, revision="423abf944d20")
    with db.engine.begin() as conn:
        conn.execute(text(
            "INSERT INTO users (id, username, display_name, password_hash, role, joined_on, "
            "is_active_account, must_change_password, session_epoch, created_at) VALUES "
            "(1, 'a', 'A', 'x', 'agent', '2026-10-01', true, false, 0, '2026-10-01')"))
        conn.execute(text("INSERT INTO module_progress (user_id, module_slug, completed_at) "
                          "VALUES (1, 'etiquette', '2026-10-02 10:00:00')"))
        conn.execute(text(
            "INSERT INTO exams (id, kind, month, title, opens_at, closes_at, duration_minutes, "
            "pass_mark, blueprint, created_at) VALUES (1, 'monthly', '2026-10', 'T', "
            "'2026-10-01', '2026-10-30', 30, 60, '[]', '2026-10-01')"))
        conn.execute(text("INSERT INTO papers (exam_id, user_id, seed, items, created_at) "
                          "VALUES (1, 1, 7, '[]', '2026-10-01')"))
    upgrade(directory=directory)
    with db.engine.connect() as conn:
        row = conn.execute(text("SELECT module_id, read_at, quiz_passed_at, completed_at, "
                                "completed_version FROM module_progress")).one()
        assert row.module_id == "etiquette" and row.completed_version == 1
        assert row.read_at is not None and row.completed_at is not None
        assert conn.execute(text("SELECT sitting FROM papers")).scalar_one() == 1


def test_init_db_twice_changes_nothing_the_second_time(fresh_app):
    shipped = len(load_bank(ROOT / "question_bank"))
    first = invoke(fresh_app, "init-db")
    assert first.exit_code == 0, first.output
    assert f"新增 {shipped}," in first.output
    versions = db.session.scalar(select(func.count(QuestionVersion.id)))
    revisions = db.session.scalar(select(func.count(ModuleRevision.id)))
    assert revisions == len(load_catalog(ROOT / "courses"))
    second = invoke(fresh_app, "init-db")
    assert second.exit_code == 0
    assert f"新增 0,修订 0,调整分类 0,未变 {shipped},停用 0;课程新版本 0" in second.output
    assert db.session.scalar(select(func.count(QuestionVersion.id))) == versions
    assert db.session.scalar(select(func.count(ModuleRevision.id))) == revisions


def test_a_revised_question_gets_a_new_version(fresh_app, tmp_path):
    invoke(fresh_app, "init-db")
    bank = tmp_path / "bank"
    shutil.copytree(ROOT / "question_bank", bank)
    source = (bank / "sales.yaml").read_text(encoding="utf-8")
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


@pytest.mark.parametrize("admin", ["boss", "admin"])
def test_seed_demo_refuses_a_database_with_a_real_organization(fresh_app, admin):
    """Also when the real administrator is called like the demo's: the demo's logins (and
    its password) are neither printed nor shown on the login page for a real installation."""
    invoke(fresh_app, "init-db")
    invoke(fresh_app, "create-admin", admin, "--password", "Str0ngPass")
    result = invoke(fresh_app, "seed-demo")
    assert result.exit_code != 0 and "空数据库" in result.output
    assert "demo1234" not in result.output
    assert db.session.scalar(select(func.count(User.id))) == 1
    assert "demo1234" not in fresh_app.test_client().get("/login").text


def test_the_shipped_content_passes_the_check(fresh_app):
    result = invoke(fresh_app, "content", "check")
    assert result.exit_code == 0, result.output
    assert f"题目 {len(load_bank(ROOT / 'question_bank'))} 道" in result.output


def test_content_check_json_summary(fresh_app):
    fresh_app.config.update(COURSES_DIR=str(FIXTURE_CONTENT / "courses"),
                            QUESTION_BANK_DIR=str(FIXTURE_CONTENT / "question_bank"),
                            BANK_POLICY=SMALL_BANK)
    result = invoke(fresh_app, "content", "check", "--json")
    assert result.exit_code == 0
    summary = json.loads(result.output)
    assert summary == {
        "modules": 2, "questions": 25, "by_category": {"etiquette": 10, "sales": 15},
        "by_difficulty": {"1": 9, "2": 8, "3": 8},
        "by_type": {"fill": 1, "multiple": 1, "scenario": 2, "short": 1, "single": 14,
                    "truefalse": 6},
        "by_module": {"alpha": 10, "beta": 15}, "errors": []}


def broken_copy(tmp_path, edit_course=None, edit_bank=None):
    shutil.copytree(FIXTURE_CONTENT, tmp_path / "content")
    course = tmp_path / "content" / "courses" / "01-alpha.md"
    bank = tmp_path / "content" / "question_bank" / "alpha.yaml"
    if edit_course:
        course.write_text(edit_course(course.read_text(encoding="utf-8")), encoding="utf-8")
    if edit_bank:
        bank.write_text(edit_bank(bank.read_text(encoding="utf-8")), encoding="utf-8")
    return tmp_path / "content"


@pytest.mark.parametrize(("course", "bank", "expected"), [
    (lambda t: t.replace("## 第二节 {#two}", "## 第二节"), None,
     "01-alpha.md:19: 二级标题“第二节”缺少锚点 {#id}"),
    (lambda t: t.replace("见[第二节](#two)", "见[第二节](#gone)"), None,
     "01-alpha.md:14: 链接 #gone 指向不存在的小节"),
    (None, lambda t: t.replace("section: two", "section: gone", 1),
     "alpha.yaml:19: a-002: 课程 alpha 没有小节 #gone"),
    (None, lambda t: t.replace("answer: A", "answer: F", 1), "alpha.yaml:4: a-001: 答案"),
    (None, lambda t: t.replace("stem: alpha 单选题 2", "stem: alpha 单选题 1"),
     "alpha.yaml:4: a-001 与 a-002(alpha.yaml:19)几乎相同(相似度 1.00)"),
])
def test_content_check_fails_with_file_and_line(fresh_app, tmp_path, course, bank, expected):
    content = broken_copy(tmp_path, course, bank)
    fresh_app.config.update(COURSES_DIR=str(content / "courses"),
                            QUESTION_BANK_DIR=str(content / "question_bank"),
                            BANK_POLICY=SMALL_BANK)
    result = invoke(fresh_app, "content", "check")
    assert result.exit_code == 1
    assert expected in result.output
    summary = json.loads(invoke(fresh_app, "content", "check", "--json").output)
    assert any(expected in e for e in summary["errors"])


def test_content_sync_loads_changes_without_touching_past_attempts(fresh_app, tmp_path):
    from trainer.exams.models import Answer

    invoke(fresh_app, "init-db")
    exam = Exam(month="2026-10", title="十月", opens_at=datetime(2026, 10, 1),
                closes_at=datetime(2026, 10, 30), duration_minutes=30,
                blueprint=default_monthly(CATEGORIES).to_json())
    db.session.add(exam)
    user = User(username="a1", display_name="甲", password_hash="x", role="agent",
                session_epoch=0, joined_on=date(2026, 1, 1))
    db.session.add(user)
    db.session.flush()
    paper = paper_for(exam, user)
    attempt = Attempt(paper_id=paper.id, started_at=datetime(2026, 10, 2),
                      ends_at=datetime(2026, 10, 2, 0, 30))
    db.session.add(attempt)
    db.session.flush()
    first_version = paper.items[0]["version_id"]
    db.session.add(Answer(attempt_id=attempt.id, position=0, version_id=first_version,
                          response=[0]))
    db.session.commit()
    key = db.session.get(QuestionVersion, first_version).question.key

    bank = tmp_path / "bank"
    shutil.copytree(ROOT / "question_bank", bank)
    for path in bank.glob("*.yaml"):
        text = path.read_text(encoding="utf-8")
        if f"id: {key}\n" in text:
            head, _, tail = text.partition(f"id: {key}\n")
            path.write_text(head + f"id: {key}\n" + tail.replace("stem: ", "stem: (新)", 1),
                            encoding="utf-8")
    fresh_app.config["QUESTION_BANK_DIR"] = str(bank)
    result = invoke(fresh_app, "content", "sync")
    assert result.exit_code == 0 and "修订 1" in result.output
    db.session.expire_all()
    assert db.session.get(Paper, paper.id).items[0]["version_id"] == first_version
    answer = db.session.scalars(select(Answer)).one()
    assert answer.version_id == first_version
    question = db.session.get(QuestionVersion, first_version).question
    assert question.current_version_id != first_version
    assert question.current_version.stem.startswith("(新)")


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
