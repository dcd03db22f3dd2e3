"""Item statistics pages: every question of a period, and one question in depth."""

from dataclasses import replace

from flask import Blueprint, abort, render_template, request
from flask_login import current_user

from ..accounts.access import allow
from ..accounts.roles import Role
from ..clock import local_now
from ..exports import export_response
from ..questions.bank import CATEGORIES, DIFFICULTIES, TYPES
from ..questions.render import stem_html
from . import items as service
from .itemstats import (
    FLAG_LABELS,
    RELIABILITY_MIN_ATTEMPTS,
    discrimination_reading,
    facility_reading,
)

bp = Blueprint("item_stats", __name__, url_prefix="/reports/items")
STAFF = (Role.LEAD, Role.MANAGER, Role.ADMIN)
# Questions a page shows; a bank of hundreds would otherwise be one page tens of thousands of
# pixels tall. The export always has every question.
PAGE_SIZE = 100


def _wanted() -> tuple[service.ItemFilter, list[str]]:
    """The filter the query asks for, and the months with results; the period defaults to
    the last months with results (the current month when there are none)."""
    args = request.args
    kind = args.get("kind") if args.get("kind") in service.KINDS else service.KIND_MONTHLY
    months = service.result_months(current_user, kind)
    this_month = local_now().strftime("%Y-%m")
    period = service.default_period(months) or (this_month, this_month)
    first, last = (args.get(name, "") for name in ("from", "to"))
    first = first if service.MONTH.match(first) else period[0]
    last = last if service.MONTH.match(last) else period[1]
    category = args.get("category") if args.get("category") in CATEGORIES else None
    wanted = service.ItemFilter(first=min(first, last), last=max(first, last), kind=kind,
                                category=category, flagged_only=args.get("flagged") == "1")
    return wanted, months


@bp.route("")
@allow(*STAFF)
def items():
    wanted, months = _wanted()
    rows = service.item_rows(current_user, wanted)
    exams = service.exam_rows(current_user, wanted)
    tables = {"items": service.items_table(rows, wanted),
              "exams": service.exams_table(exams, wanted)}
    download = export_response(tables)
    if download is not None:
        return download
    pages = max(1, -(-len(rows) // PAGE_SIZE))
    page = min(max(request.args.get("page", 1, type=int), 1), pages)
    shown = slice((page - 1) * PAGE_SIZE, page * PAGE_SIZE)
    return render_template(
        "reports/items.html", wanted=wanted, months=months, rows=rows, exams=exams,
        tables=tables, page=page, pages=pages, shown_rows=rows[shown],
        shown_table=replace(tables["items"], rows=tables["items"].rows[shown]),
        kinds=service.KINDS, categories=CATEGORIES, flag_labels=FLAG_LABELS,
        thresholds=service.THRESHOLDS, min_attempts=RELIABILITY_MIN_ATTEMPTS)


@bp.route("/<int:question_id>")
@allow(*STAFF)
def question(question_id: int):
    wanted, _months = _wanted()
    detail = service.question_detail(current_user, question_id, wanted)
    if detail is None:
        abort(404)
    tables = {"trend": service.trend_table(detail)}
    tables.update((t.name, t) for t in (service.option_table(detail, v) for v in detail.versions))
    download = export_response(tables)
    if download is not None:
        return download
    return render_template(
        "reports/question.html", detail=detail, wanted=wanted, tables=tables,
        kinds=service.KINDS, categories=CATEGORIES, types=TYPES, difficulties=DIFFICULTIES,
        thresholds=service.THRESHOLDS, stem_html=stem_html, facility_reading=facility_reading,
        discrimination_reading=discrimination_reading,
        editor=current_user.role_enum in (Role.MANAGER, Role.ADMIN))
