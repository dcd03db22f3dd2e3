"""trainer: onboarding, monthly exams and KPI for e-commerce service agents."""

from pathlib import Path

import click
from flask import Flask, render_template
from sqlalchemy.exc import ArgumentError
from werkzeug.middleware.proxy_fix import ProxyFix

from . import config as settings
from . import errors
from .extensions import csrf, db, login_manager, migrate

ROOT = Path(__file__).resolve().parent.parent


def create_app(config: dict | None = None) -> Flask:
    app = Flask(__name__, template_folder=str(ROOT / "templates"),
                static_folder=str(ROOT / "static"), instance_path=str(settings.INSTANCE))
    app.config.update(settings.from_environment())
    app.config.update(config or {})
    if click.get_current_context(silent=True) is None:
        # Serving (gunicorn, tests): refuse unsafe settings. CLI maintenance commands
        # (init-db, content check) sign no sessions and may run without the secret.
        settings.check(app.config)
    from .assessment.catalogue import default_catalogue
    from .assessment.rules import AssessmentRules

    app.config.setdefault("ASSESSMENT_RULES",
                          AssessmentRules(appeal_hours=app.config.get("APPEAL_HOURS", 24)))
    app.config.setdefault("ASSESSMENT_CATALOGUE",
                          default_catalogue(app.config["ASSESSMENT_RULES"]))

    if app.config["TRUSTED_PROXIES"]:
        hops = app.config["TRUSTED_PROXIES"]
        app.wsgi_app = ProxyFix(app.wsgi_app, x_for=hops, x_proto=hops, x_host=hops)

    _init_database(app)
    _init_security(app)
    _register_blueprints(app)
    _register_templates(app)
    _register_cli(app)
    return app


def _init_database(app: Flask) -> None:
    from .database import configure_sqlite

    url = app.config["SQLALCHEMY_DATABASE_URI"]
    if url.startswith("sqlite:///") and url != "sqlite:///:memory:":
        Path(url.removeprefix("sqlite:///")).parent.mkdir(parents=True, exist_ok=True)
    try:
        db.init_app(app)
    except (ArgumentError, ImportError) as exc:
        raise settings.ConfigError(
            f"DATABASE_URL 无效({_redact(url)}):{exc}。示例:sqlite:////srv/trainer.db 或 "
            "postgresql+psycopg://user:password@host:5432/trainer"
        ) from None
    with app.app_context():
        if db.engine.dialect.name == "sqlite":
            configure_sqlite(db.engine, app.config["SQLITE_BUSY_TIMEOUT_MS"])
    migrate.init_app(app, db, directory=str(Path(__file__).parent / "migrations"))
    from . import models  # noqa: F401  (registers every table with the metadata)
    from .kpi import results  # noqa: F401  (stores KPI outcomes as months are published)
    from .reports import tally  # noqa: F401  (keeps the summaries as attempts are graded)


def _redact(url: str) -> str:
    head, at, tail = url.rpartition("@")
    if not at:
        return url
    scheme, _, _ = head.partition("://")
    return f"{scheme}://***@{tail}"


def _init_security(app: Flask) -> None:
    from .accounts.access import SessionInterface, enforce
    from .accounts.service import load_session_user

    app.session_interface = SessionInterface()
    csrf.init_app(app)
    login_manager.init_app(app)
    login_manager.login_view = "accounts.login"
    login_manager.login_message = "请先登录"
    login_manager.login_message_category = "info"
    # "basic" marks the session non-fresh when the IP changes instead of deleting it, so an
    # agent whose mobile network changes mid-exam stays signed in.
    login_manager.session_protection = "basic"
    login_manager.user_loader(load_session_user)
    app.before_request(enforce)

    @app.after_request
    def _headers(response):
        response.headers.setdefault("X-Content-Type-Options", "nosniff")
        response.headers.setdefault("X-Frame-Options", "DENY")
        response.headers.setdefault("Referrer-Policy", "same-origin")
        return response


def _register_blueprints(app: Flask) -> None:
    from .accounts.admin import bp as admin
    from .accounts.views import bp as accounts
    from .accounts.views import limit_login_attempts
    from .assessment.views import bp as assessment
    from .exams.admin_views import bp as exam_admin
    from .exams.marking_views import bp as marking
    from .exams.notebook_views import bp as notebook
    from .exams.views import bp as exams
    from .health import bp as health
    from .kpi.views import bp as kpi
    from .learning.views import bp as learning
    from .questions.views import bp as questions
    from .reports.agent_views import bp as agent_reports
    from .reports.item_views import bp as item_stats
    from .reports.views import bp as reports

    for blueprint in (accounts, admin, learning, exams, exam_admin, marking, notebook,
                      questions, reports, item_stats, agent_reports, assessment, kpi, health):
        app.register_blueprint(blueprint)
    limit_login_attempts(app)

    for code in (400, 403, 404, 405, 409, 413, 429, 500):
        app.register_error_handler(code, _error_page)
    errors.register(app)


def _error_page(error):
    code = getattr(error, "code", 500)
    return render_template("error.html", code=code), code


def _register_templates(app: Flask) -> None:
    from .accounts.roles import ROLE_LABELS, Role
    from .assessment.rules import signed
    from .clock import format_local

    app.jinja_env.filters["localtime"] = format_local
    app.jinja_env.filters["signed"] = signed
    app.jinja_env.globals.update(Role=Role, ROLE_LABELS=ROLE_LABELS)


def _register_cli(app: Flask) -> None:
    from .cli import register
    from .kpi.cli import kpi
    from .reports.cli import reports

    register(app)
    app.cli.add_command(kpi)
    app.cli.add_command(reports)
