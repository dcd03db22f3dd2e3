"""Command line: `flask --app trainer init-db | seed-demo | create-admin | content check | sync`;
the question files' commands live in `questions/cli.py`."""

import json
from pathlib import Path

import click
from flask import Flask, current_app
from flask_migrate import upgrade
from sqlalchemy import select
from sqlalchemy.exc import OperationalError

from .extensions import db
from .kpi import results as kpi_results
from .reports import tally


def _database_error(exc: OperationalError) -> click.ClickException:
    reason = str(exc.orig).strip().splitlines()[0] if exc.orig else str(exc)
    return click.ClickException(f"无法连接数据库:{reason}(请检查 DATABASE_URL)")


class ContentInvalid(click.ClickException):
    def __init__(self, errors: list[str]):
        super().__init__("内容有误,未载入:\n" + "\n".join(errors))


def _content_report():
    from .content import check

    return check(Path(current_app.config["COURSES_DIR"]),
                 Path(current_app.config["QUESTION_BANK_DIR"]), current_app.config["BANK_POLICY"])


def load_content() -> dict[str, int]:
    """Validate all content, then bring the database in line with it: new and revised
    questions, module revisions, the certification blueprint. Past attempts keep the
    question versions they were given. The standard monthly blueprint is created once;
    after that it is the managers' to edit."""
    from .exams.service import default_blueprint
    from .kpi.service import ensure_default_rules
    from .learning.service import certification_exam, record_revisions
    from .questions.service import QuestionConflict, sync_bank

    report = _content_report()
    if report.errors:
        raise ContentInvalid(report.errors)
    try:
        counts = sync_bank(report.questions)
    except QuestionConflict as exc:
        raise ContentInvalid(str(exc).splitlines()) from None
    counts["module_versions"] = record_revisions(report.modules)
    certification_exam()
    default_blueprint()
    ensure_default_rules()
    db.session.commit()
    return counts


def _loaded(counts: dict[str, int]) -> str:
    return (f"题库:新增 {counts['added']},修订 {counts['revised']},"
            f"调整分类 {counts['reclassified']},未变 {counts['unchanged']},"
            f"停用 {counts['retired']};"
            f"课程新版本 {counts['module_versions']}。")


def register(app: Flask) -> None:
    @app.cli.command("init-db")
    def init_db():
        """Migrate the schema to head and load the shipped content (safe to repeat)."""
        try:
            upgrade(directory=app.extensions["migrate"].directory)
            counts = load_content()
            summarized = tally.backfill()
            kpi_months = kpi_results.backfill()
        except OperationalError as exc:
            raise _database_error(exc) from None
        click.echo(f"数据库已就绪。{_loaded(counts)}")
        if summarized is not None:
            click.echo(f"统计汇总:已汇总 {summarized} 份已评分答卷。")
        if kpi_months is not None:
            click.echo(f"统计汇总:已保存 {kpi_months} 个已发布月份的 KPI 结果。")

    @app.cli.command("seed-demo")
    def seed_demo():
        """Create the demo organization (once) and print its logins."""
        from .demo import DEMO_PASSWORD, NotEmpty, seed

        try:
            logins = seed()
        except OperationalError as exc:
            raise _database_error(exc) from None
        except NotEmpty as exc:
            raise click.ClickException(str(exc)) from None
        click.echo(f"演示账号(密码均为 {DEMO_PASSWORD}):")
        for username, label in logins:
            click.echo(f"  {label:<8} {username}")

    @app.cli.command("create-admin")
    @click.argument("username")
    @click.option("--name", default="管理员", help="Display name")
    @click.password_option(prompt="密码")
    def create_admin(username, name, password):
        """Create the first administrator of a new installation."""
        from datetime import date

        from .accounts.models import User
        from .accounts.passwords import policy_problems
        from .accounts.roles import Role
        from .accounts.service import create_user

        problems = policy_problems(password, username)
        if problems:
            raise click.ClickException(";".join(problems))
        if db.session.scalar(select(User.id).where(User.username == username)):
            raise click.ClickException(f"用户 {username} 已存在")
        create_user(username=username, display_name=name, role=Role.ADMIN, team=None,
                    joined_on=date.today(), actor=None, password=password,
                    must_change_password=False)
        db.session.commit()
        click.echo(f"已创建管理员 {username}")

    content = click.Group("content", help="Check the shipped courses and question bank.")

    @content.command("check")
    @click.option("--json", "as_json", is_flag=True, help="Print a JSON summary.")
    def check(as_json):
        """Validate courses/ and question_bank/ without touching the database."""
        report = _content_report()
        if as_json:
            click.echo(json.dumps(report.summary(), ensure_ascii=False, indent=2))
        else:
            for error in report.errors:
                click.echo(error, err=True)
            if not report.errors:
                click.echo(f"课程 {len(report.modules)} 个,题目 {len(report.questions)} 道,"
                           "全部有效。")
        if report.errors:
            raise SystemExit(1)

    @content.command("sync")
    def sync():
        """Load changed content into the database of a running deployment (no restart)."""
        try:
            counts = load_content()
        except OperationalError as exc:
            raise _database_error(exc) from None
        click.echo(f"内容已同步。{_loaded(counts)}")

    app.cli.add_command(content)

    from .exams.cli import exam
    from .questions.cli import questions

    app.cli.add_command(questions)
    app.cli.add_command(exam)
