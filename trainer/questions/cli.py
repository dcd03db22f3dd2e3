"""`flask --app trainer questions import | export`: question files in and out."""

import json
import sys
from pathlib import Path

import click
from sqlalchemy.exc import OperationalError

from .bank import CATEGORIES
from .formats import FORMATS, write
from .service import bank_questions, import_file

questions = click.Group("questions", help="Import and export question files.")


def _report_text(report, dry_run: bool) -> str:
    verb = "将导入" if dry_run else "已导入"
    by_type = "、".join(f"{k} {v}" for k, v in report.by_type.items()) or "无"
    return (f"{verb} {report.imported} 道题(新增 {report.added},修订 {report.revised},"
            f"调整分类 {report.reclassified},未变 {report.unchanged});题型:{by_type}。")


@questions.command("import")
@click.argument("path", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option("--dry-run", is_flag=True, help="Check and report; store nothing.")
@click.option("--category", type=click.Choice(list(CATEGORIES)),
              help="Category for questions the file gives none (Aiken, GIFT without $CATEGORY).")
@click.option("--file-format", type=click.Choice(FORMATS),
              help="The file's format; by default from its extension or content.")
@click.option("--format", "output", type=click.Choice(["text", "json"]), default="text",
              help="How to print the report.")
def import_command(path, dry_run, category, file_format, output):
    """Import a GIFT, Aiken, XLSX or YAML file as one transaction: a file with any error is
    refused whole and changes nothing."""
    from ..cli import _database_error

    try:
        report, _parsed = import_file(path.read_bytes(), path.name, file_format, category,
                                      dry_run=dry_run)
    except OperationalError as exc:
        raise _database_error(exc) from None
    if output == "json":
        click.echo(json.dumps(report.as_json(), ensure_ascii=False, indent=2))
    else:
        for error in report.errors or []:
            click.echo(error, err=True)
        if not report.errors:
            click.echo(_report_text(report, dry_run))
        for skipped in report.skipped or []:
            click.echo(f"跳过 {path.name}:{skipped['line']}: {skipped['reason']}")
    if report.errors:
        if output == "text":
            click.echo(f"{path.name} 有 {len(report.errors)} 处错误,整个文件未导入。", err=True)
        raise SystemExit(1)


@questions.command("export")
@click.option("--format", "fmt", type=click.Choice(FORMATS), required=True)
@click.option("--out", "out", type=click.Path(dir_okay=False, path_type=Path), required=True,
              help="The file to write (- for standard output).")
@click.option("--include-retired", is_flag=True, help="Also export retired questions.")
def export_command(fmt, out, include_retired):
    """Export the bank (current versions); export then import keeps every question."""
    from ..cli import _database_error

    try:
        exported = bank_questions(include_retired)
    except OperationalError as exc:
        raise _database_error(exc) from None
    written = write(fmt, exported)
    if str(out) == "-":
        sys.stdout.buffer.write(written.data)
        sys.stdout.flush()
    else:
        out.write_bytes(written.data)
    click.echo(f"已导出 {len(exported) - len(written.skipped)} 道题({fmt})到 {out}",
               err=str(out) == "-")
    for key, reason in written.skipped:
        click.echo(f"未导出 {key}:{reason}", err=True)
