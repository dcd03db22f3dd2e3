"""The KPI sheet: the team and department sheet, the metrics import, the rule versions, and the
agent's own sheet."""

from io import BytesIO

from flask import Blueprint, abort, flash, redirect, render_template, request, send_file, url_for
from flask_login import current_user
from sqlalchemy import select

from ..accounts.access import allow
from ..accounts.models import Team
from ..accounts.roles import Role
from ..clock import local_now
from ..exams.service import month_of, month_ordinal, previous_month
from ..extensions import db
from . import service
from .forms import ImportForm, rules_form
from .rules import GRADE_LABELS, KpiRules, fmt
from .sheetfile import COLUMNS, MetricsFileError, template_csv, template_xlsx

bp = Blueprint("kpi", __name__)
STAFF = (Role.LEAD, Role.MANAGER, Role.ADMIN)
EDITORS = (Role.MANAGER, Role.ADMIN)
MIMETYPES = {"csv": "text/csv; charset=utf-8",
             "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"}


def _chosen_month(options: list[str]) -> str:
    month = request.args.get("month", "")
    if service.MONTH.match(month):
        return month
    return options[0] if options else local_now().strftime("%Y-%m")


@bp.route("/kpi")
@allow(*STAFF)
def sheet():
    options = service.month_options()
    month = _chosen_month(options)
    teams = (db.session.scalars(select(Team).order_by(Team.name)).all()
             if current_user.sees_all_teams else [])
    team_id = request.args.get("team", type=int) if teams else None
    rows = service.month_sheets(current_user, month, team_id)
    rule_set, rules = service.rules_for(month)
    return render_template(
        "kpi/sheet.html", rows=rows, month=month, options=options, teams=teams,
        team_id=team_id, summary=service.summarize(rows), rule_set=rule_set, rules=rules,
        published=service.is_published(month), grade_labels=GRADE_LABELS, fmt=fmt)


@bp.route("/kpi/export")
@allow(*STAFF)
def export():
    month, fmt_ = request.args.get("month", ""), request.args.get("format", "xlsx")
    if not service.MONTH.match(month) or fmt_ not in MIMETYPES:
        abort(404)
    team_id = request.args.get("team", type=int) if current_user.sees_all_teams else None
    data = service.export_month(month, fmt_, viewer=current_user, team_id=team_id)
    return send_file(BytesIO(data), mimetype=MIMETYPES[fmt_], as_attachment=True,
                     download_name=f"KPI考核表-{month}.{fmt_}")


@bp.route("/kpi/import", methods=["GET", "POST"])
@allow(*EDITORS)
def import_metrics():
    form = ImportForm()
    errors = []
    if form.validate_on_submit():
        upload = form.file.data
        filename = upload.filename or "upload.csv"
        try:
            report = service.import_metrics(upload.read(), filename, form.month.data,
                                            actor=current_user)
        except service.MonthPublished as exc:
            form.month.errors = [*form.month.errors, str(exc)]
        except MetricsFileError as exc:
            errors = exc.errors
        else:
            flash(f"已导入 {form.month.data} 的指标({filename}):新增 {report.created} 人,"
                  f"更新 {report.updated} 人,未变 {report.unchanged} 人。", "success")
            return redirect(url_for(".sheet", month=form.month.data))
    elif not form.is_submitted():
        form.month.data = previous_month(local_now().strftime("%Y-%m"))
    return render_template("kpi/import.html", form=form, errors=errors,
                           columns=[c for c in COLUMNS if c.name != "assessment_score"],
                           published=service.published_months())


@bp.route("/kpi/import/template")
@allow(*EDITORS)
def template():
    fmt_ = request.args.get("format", "xlsx")
    if fmt_ not in MIMETYPES:
        abort(404)
    data = template_csv() if fmt_ == "csv" else template_xlsx()
    return send_file(BytesIO(data), mimetype=MIMETYPES[fmt_], as_attachment=True,
                     download_name=f"KPI指标导入模板.{fmt_}")


def _next_open_month() -> str:
    """The first month a new version may start: after the last published one, and not
    before the current month."""
    current = local_now().strftime("%Y-%m")
    published = service.latest_published()
    after = month_of(month_ordinal(published) + 1) if published else current
    return max(after, current)


def _rules_page(form, errors: list[str]):
    return render_template(
        "kpi/rules.html", form=form, errors=errors, grade_labels=GRADE_LABELS, fmt=fmt,
        versions=[(row, KpiRules.from_json(row.spec)) for row in service.rule_sets()],
        latest_published=service.latest_published(),
        in_force=service.rules_for(local_now().strftime("%Y-%m")))


@bp.route("/kpi/rules")
@allow(*STAFF)
def rules():
    form = None
    if current_user.role_enum in EDITORS:
        month = _next_open_month()
        form = rules_form(service.rules_for(month)[1], month)
    return _rules_page(form, [])


@bp.route("/kpi/rules", methods=["POST"])
@allow(*EDITORS)
def add_rules():
    base = service.rules_for(_next_open_month())[1]
    form = rules_form(base, _next_open_month())
    errors = []
    if form.validate_on_submit():
        rules = form.to_rules(base)
        if rules is not None:
            try:
                row = service.add_rule_set(form.effective_from.data, rules, form.note.data,
                                           current_user)
            except service.RulesRefused as exc:
                errors = exc.problems
            else:
                flash(f"已保存从 {row.effective_from} 起生效的新规则。", "success")
                return redirect(url_for(".rules"))
    return _rules_page(form, errors)


@bp.route("/me/kpi")
@allow(Role.AGENT)
def mine():
    published = service.published_months()
    month = request.args.get("month") or (published[0] if published else None)
    if month not in published:
        return render_template("kpi/mine.html", month=month, row=None, published=published)
    return render_template("kpi/mine.html", month=month, published=published,
                           row=service.agent_sheet(current_user, month),
                           grade_labels=GRADE_LABELS, fmt=fmt)
