import re
from datetime import timedelta

from flask import Blueprint, abort, render_template, request
from flask_login import current_user

from ..accounts.access import allow
from ..accounts.roles import Role
from ..clock import local_now
from ..exports import Column, Table, export_response
from ..kpi import results as kpi_results
from ..learning.service import required_modules
from . import charts, onboarding, service
from .passrates import MIN_ANSWERS, extremes

bp = Blueprint("reports", __name__, url_prefix="/reports")

MONTH = re.compile(r"\d{4}-(0[1-9]|1[0-2])")
FUNNEL_DAYS = 90  # the dashboard's funnel: the onboarding page's default window
TREND_ON_PAPER = 6  # months of trend the printed report has room for
# With more teams than fit on the page, the printed report lists the five lowest and highest.
TEAMS_ON_PAPER, TEAM_ENDS = 12, 5
RATE_COLUMNS = (Column("参考人数", "integer"), Column("通过人数", "integer"),
                Column("通过率", "percent"), Column("平均分", "number"))
ITEM_COLUMNS = (Column("作答次数", "integer"), Column("答对次数", "integer"),
                Column("答对率", "percent"), Column("得分率", "percent"))


def _scope_label() -> str:
    if current_user.sees_all_teams:
        return "全部门"
    return current_user.team.name if current_user.team else "未分配团队"


def _tables(report: service.MonthReport | None, trend: list,
            grades: tuple | None) -> dict[str, Table]:
    """The page's tables as their exports have them: raw numbers, one row per figure."""
    scope = _scope_label()

    def rates(rows):
        return [(r.label, r.sat, r.passed, r.rate, r.mean_score) for r in rows]

    def items(rows):
        return [(r.label, r.answers, r.correct, r.full_rate, r.rate) for r in rows]

    tables = []
    if report is not None:
        month = report.month
        tables += [
            Table("months", f"各月通过率({scope})", (Column("月份"), *RATE_COLUMNS),
                  rates(reversed(trend))),
            Table("teams", f"{month} 各团队通过率", (Column("团队"), *RATE_COLUMNS),
                  rates(report.teams)),
            Table("bands", f"{month} 分数分布({scope})",
                  (Column("分数段"), Column("人数", "integer")),
                  [(b.label, b.agents) for b in report.bands]),
            Table("categories", f"{month} 各类别答题情况({scope})",
                  (Column("类别"), *ITEM_COLUMNS), items(report.categories)),
            Table("sections", f"{month} 各课程章节答题情况({scope})",
                  (Column("课程章节"), *ITEM_COLUMNS), items(report.sections)),
        ]
    if grades:
        kpi_month, rows = grades
        tables.append(Table("grades", f"{kpi_month} KPI 评级分布({scope})",
                            (Column("评级"), Column("人数", "integer")),
                            [(label, count) for _code, label, count in rows]))
    return {t.name: t for t in tables}


def _grades(month: str | None) -> tuple[str, list] | None:
    """(month, KPI grade distribution) when the month is published and counts anyone."""
    if month is None:
        return None
    rows = kpi_results.grade_distribution(current_user, month)
    return (month, rows) if any(count for *_grade, count in rows) else None


def _funnel():
    today = local_now().date()
    rows = onboarding.new_hires(current_user, today - timedelta(days=FUNNEL_DAYS), today,
                                [m.id for m in required_modules()])
    return onboarding.funnel(rows)


@bp.route("/pass-rates")
@allow(Role.LEAD, Role.MANAGER, Role.ADMIN)
def pass_rates():
    trend = service.by_month(current_user)
    months = [row.label for row in reversed(trend)]
    wanted = request.args.get("month", "")
    month = wanted if MONTH.fullmatch(wanted) else (months[0] if months else None)
    report = service.month_report(current_user, month) if month else None
    published = kpi_results.published_result_months()
    grades = _grades(published[0] if published else None)
    tables = _tables(report, trend, grades)
    download = export_response(tables)
    if download is not None:
        return download
    flagged = service.flagged_questions(current_user, month) if report else None
    return render_template(
        "reports/pass_rates.html", months=months, month=month, trend=trend, report=report,
        tables=tables, flagged=flagged,
        grades=grades, funnel=_funnel(), funnel_days=FUNNEL_DAYS, min_answers=MIN_ANSWERS,
        scope=_scope_label())


@bp.route("/monthly/<month>")
@allow(Role.LEAD, Role.MANAGER, Role.ADMIN)
def monthly(month: str):
    if not MONTH.fullmatch(month):
        abort(404)
    report = service.month_report(current_user, month, trend_months=TREND_ON_PAPER)
    trend = report.trend[-TREND_ON_PAPER:]
    published = month in kpi_results.published_result_months()
    many = len(report.teams) > TEAMS_ON_PAPER
    return render_template(
        "reports/monthly.html", month=month, report=report, scope=_scope_label(),
        flagged=service.flagged_questions(current_user, month),
        team_ends=extremes(report.teams, TEAM_ENDS) if many else None,
        generated_at=local_now(), min_answers=MIN_ANSWERS,
        grades=_grades(month if published else None),
        trend_chart=charts.bar_chart([f"{int(r.label[5:])}月" for r in trend],
                                     [r.rate for r in trend], maximum=100, unit="%"),
        band_chart=charts.bar_chart([str(b.floor) for b in report.bands],
                                    [b.agents for b in report.bands]))


@bp.route("/onboarding")
@allow(Role.LEAD, Role.MANAGER, Role.ADMIN)
def onboarding_funnel():
    days = request.args.get("days", 90, type=int)
    days = days if days in (30, 90, 180, 365) else 90
    today = local_now().date()
    modules = required_modules()
    rows = onboarding.new_hires(current_user, today - timedelta(days=days), today,
                                [m.id for m in modules])
    table = onboarding.hires_table(rows, days)
    download = export_response({table.name: table})
    if download is not None:
        return download
    return render_template("reports/onboarding.html", rows=rows, days=days, table=table,
                           funnel=onboarding.funnel(rows), total_modules=len(modules),
                           median_days=onboarding.median_days(rows))
