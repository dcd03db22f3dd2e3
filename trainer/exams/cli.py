"""`flask --app trainer exam generate | close-overdue | regrade`: the month's papers, the
attempts nobody handed in, and key corrections."""

import json
import re
from pathlib import Path

import click
from sqlalchemy import select

from ..accounts.models import utcnow
from ..extensions import db
from ..questions.models import Question
from . import service
from .generator import BankTooSmall

exam = click.Group("exam", help="Generate monthly papers, close overdue attempts, regrade.")


def _month(_ctx, _param, value: str) -> str:
    if not re.fullmatch(r"\d{4}-(0[1-9]|1[0-2])", value):
        raise click.BadParameter("格式为 YYYY-MM,例如 2026-11")
    return value


@exam.command("generate")
@click.option("--month", required=True, callback=_month, help="The exam's month, YYYY-MM.")
@click.option("--blueprint", "blueprint_name",
              help="A blueprint's name (default: the standard 50-question blueprint).")
@click.option("--export", "export_path", type=click.Path(dir_okay=False, path_type=Path),
              help="Write every paper of the month to this JSON file.")
def generate_command(month, blueprint_name, export_path):
    """Create the month's exam when missing and a paper for every certified agent in its
    audience. Idempotent: papers already generated are never changed."""
    try:
        made = service.generate_month(month, blueprint_name)
    except (LookupError, ValueError, BankTooSmall) as exc:
        db.session.rollback()
        raise click.ClickException(str(exc)) from None
    click.echo(f"{made.exam.title}:新生成试卷 {made.created} 份,已有 {made.existing} 份。")
    if export_path:
        payload = service.export_papers(made.exam)
        export_path.write_text(json.dumps(payload, ensure_ascii=False, indent=1),
                               encoding="utf-8")
        click.echo(f"已导出 {len(payload['papers'])} 份试卷到 {export_path}")


@exam.command("close-overdue")
def close_overdue_command():
    """Hand in, with their saved answers, the attempts left open past the deadline and its
    grace; run it on a schedule (every few minutes)."""
    closed = service.close_overdue(utcnow())
    click.echo(f"已收卷 {closed} 份超时未交的答卷。")


@exam.command("regrade")
@click.option("--question", "key", required=True, help="The question's id, e.g. r-012.")
@click.option("--reason", default="更正答案", show_default=True,
              help="Why: kept in the audit trail.")
def regrade_command(key, reason):
    """Grade every submitted answer to the question again with its current key."""
    from .marking import regrade_question

    question = db.session.scalar(select(Question).where(Question.key == key))
    if question is None:
        raise click.ClickException(f"没有编号为 {key} 的题目")
    report = regrade_question(question, None, reason)
    click.echo(f"检查 {report.answers_checked} 个作答,改判 {report.answers_changed} 个;"
               f"{len(report.attempts_changed)} 份答卷分数变化。")
