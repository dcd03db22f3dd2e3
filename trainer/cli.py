"""Command line: `flask --app trainer init-db | seed-demo | create-admin | content check`."""

from pathlib import Path

import click
from flask import Flask, current_app
from flask_migrate import upgrade
from sqlalchemy import select
from sqlalchemy.exc import OperationalError

from .extensions import db


def _database_error(exc: OperationalError) -> click.ClickException:
    reason = str(exc.orig).strip().splitlines()[0] if exc.orig else str(exc)
    return click.ClickException(f"无法连接数据库:{reason}(请检查 DATABASE_URL)")


def load_content() -> dict[str, int]:
    """Validate the shipped courses and bank, then sync the bank into the database."""
    from .learning.catalog import load_catalog
    from .questions.bank import load_bank
    from .questions.service import sync_bank

    load_catalog(Path(current_app.config["COURSES_DIR"]))
    counts = sync_bank(load_bank(Path(current_app.config["QUESTION_BANK_DIR"])))
    db.session.commit()
    return counts


def register(app: Flask) -> None:
    @app.cli.command("init-db")
    def init_db():
        """Migrate the schema to head and load the shipped content (safe to repeat)."""
        from .learning.catalog import CatalogError
        from .questions.bank import BankError

        try:
            upgrade(directory=app.extensions["migrate"].directory)
            counts = load_content()
        except OperationalError as exc:
            raise _database_error(exc) from None
        except (BankError, CatalogError) as exc:
            raise click.ClickException(f"内容有误,未载入:\n{exc}") from None
        click.echo(
            f"数据库已就绪。题库:新增 {counts['added']},修订 {counts['revised']},"
            f"未变 {counts['unchanged']}。"
        )

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
    def check():
        """Validate courses/ and question_bank/ without touching the database."""
        from .learning.catalog import CatalogError, load_catalog
        from .questions.bank import BankError, load_bank

        try:
            modules = load_catalog(Path(app.config["COURSES_DIR"]))
            questions = load_bank(Path(app.config["QUESTION_BANK_DIR"]))
        except (BankError, CatalogError) as exc:
            raise click.ClickException(str(exc)) from None
        click.echo(f"课程 {len(modules)} 个,题目 {len(questions)} 道,全部有效。")

    app.cli.add_command(content)
