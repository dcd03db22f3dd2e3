"""`flask --app trainer kpi calc | import | export`: the KPI calculator, which never touches the
database, and the month's metrics in and sheets out."""

import csv
import io
import json
import re
from decimal import Decimal
from pathlib import Path

import click
from flask.cli import AppGroup

from .rules import DEFAULT_RULES, INDICATOR_KEYS, compute, fmt
from .sheetfile import MetricsFileError, parse_metrics

# AppGroup: import and export need the app context even when invoked outside `flask`.
kpi = AppGroup("kpi", help="KPI calculator, monthly metrics import and KPI sheet export.")

CSV_HEADER = ("agent", *INDICATOR_KEYS, "kpi", "grade", "bonus", "commission_rate", "commission")


def _month(_ctx, _param, value: str) -> str:
    if not re.fullmatch(r"\d{4}-(0[1-9]|1[0-2])", value):
        raise click.BadParameter("格式为 YYYY-MM,例如 2026-11")
    return value


def _refused(exc: MetricsFileError, what: str) -> click.ClickException:
    return click.ClickException(f"文件有误,{what}:\n" + "\n".join(exc.errors))


def _json(value, depth: int = 0) -> str:
    """JSON with Decimals written as their exact digits (json would need floats)."""
    pad, inner = " " * depth, " " * (depth + 2)
    if isinstance(value, Decimal):
        return fmt(value)
    if isinstance(value, dict):
        items = (f"{inner}{json.dumps(k, ensure_ascii=False)}: {_json(v, depth + 2)}"
                 for k, v in value.items())
        return "{\n" + ",\n".join(items) + f"\n{pad}}}" if value else "{}"
    if isinstance(value, list):
        items = (f"{inner}{_json(v, depth + 2)}" for v in value)
        return "[\n" + ",\n".join(items) + f"\n{pad}]" if value else "[]"
    return json.dumps(value, ensure_ascii=False)


@kpi.command("calc")
@click.argument("path", metavar="FILE", type=click.Path(exists=True, dir_okay=False,
                                                        path_type=Path))
@click.option("--format", "fmt_", type=click.Choice(["json", "csv"]), default="json",
              show_default=True, help="Output format.")
def calc_command(path: Path, fmt_: str):
    """Compute the KPI sheet of every row of FILE (CSV or XLSX with the template's columns,
    assessment_score included) with the default rules. Reads no database."""
    try:
        rows = parse_metrics(path.read_bytes(), path.name, with_assessment=True)
    except MetricsFileError as exc:
        raise _refused(exc, "未计算") from None
    results = []
    for row in rows:
        sheet = compute(row.metrics, row.assessment_score, DEFAULT_RULES)
        for warning in sheet.warnings:
            click.echo(f"警告:{path.name} 第 {row.line} 行(客服 {row.agent}):{warning}",
                       err=True)
        results.append({
            "agent": row.agent, "points": sheet.points(), "kpi": sheet.kpi,
            "grade": sheet.grade, "bonus": sheet.bonus,
            "commission_rate": sheet.commission_rate, "commission": sheet.commission,
        })
    if fmt_ == "json":
        click.echo(_json(results))
        return
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(CSV_HEADER)
    for result in results:
        points = result["points"]
        writer.writerow([result["agent"], *(fmt(points[key]) for key in INDICATOR_KEYS),
                         fmt(result["kpi"]), result["grade"], fmt(result["bonus"]),
                         fmt(result["commission_rate"]), fmt(result["commission"])])
    click.echo(out.getvalue(), nl=False)


@kpi.command("import")
@click.argument("path", metavar="FILE", type=click.Path(exists=True, dir_okay=False,
                                                        path_type=Path))
@click.option("--month", required=True, callback=_month, help="The metrics' month, YYYY-MM.")
def import_command(path: Path, month: str):
    """Import the month's metrics (CSV or XLSX, the import template) in one transaction: a
    file with any bad row is refused whole."""
    from .service import MonthPublished, import_metrics

    try:
        report = import_metrics(path.read_bytes(), path.name, month)
    except MetricsFileError as exc:
        raise _refused(exc, "未导入") from None
    except MonthPublished as exc:
        raise click.ClickException(str(exc)) from None
    click.echo(f"{month} 月度数据已导入:新增 {report.created} 人,更新 {report.updated} 人,"
               f"未变 {report.unchanged} 人。")


@kpi.command("export")
@click.option("--month", required=True, callback=_month, help="The month, YYYY-MM.")
@click.option("--format", "fmt_", type=click.Choice(["csv", "xlsx"]), default="csv",
              show_default=True, help="File format.")
@click.option("--output", type=click.Path(dir_okay=False, path_type=Path),
              help="Where to write (default: kpi-YYYY-MM.<format> here).")
def export_command(month: str, fmt_: str, output: Path | None):
    """Write the month's KPI sheets of every agent."""
    from .service import export_month

    data = export_month(month, fmt_)
    target = output or Path(f"kpi-{month}.{fmt_}")
    target.write_bytes(data)
    click.echo(f"已导出 {month} 的 KPI 表:{target}")
