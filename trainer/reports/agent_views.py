"""The agents a lead or manager looks after, and one agent's record."""

from flask import Blueprint, abort, render_template, request
from flask_login import current_user
from sqlalchemy import select

from ..accounts.access import allow
from ..accounts.models import Team, utcnow
from ..accounts.roles import Role
from ..assessment.catalogue import CLASS_LABELS
from ..assessment.service import STATUS_LABELS, catalogue
from ..exports import export_response
from ..extensions import db
from ..kpi.results import NO_METRICS_LABEL
from ..kpi.rules import GRADE_LABELS
from ..questions.bank import CATEGORIES
from . import agents as service
from .items import KINDS

bp = Blueprint("agent_reports", __name__, url_prefix="/reports/agents")
STAFF = (Role.LEAD, Role.MANAGER, Role.ADMIN)


@bp.route("")
@allow(*STAFF)
def agents():
    teams = (db.session.scalars(select(Team).order_by(Team.name)).all()
             if current_user.sees_all_teams else [])
    team_id = request.args.get("team", type=int) if teams else None
    if request.args.get("export"):
        return export_response({"agents": service.agents_table(
            service.agent_rows(current_user, team_id))})
    listed = service.agent_page(current_user, team_id, request.args.get("page", 1, type=int))
    return render_template("reports/agents.html", listed=listed, rows=listed.rows,
                           table=service.agents_table(listed.rows), teams=teams,
                           team_id=team_id, trend_months=service.TREND_MONTHS)


@bp.route("/<int:user_id>")
@allow(*STAFF)
def agent(user_id: int):
    profile = service.agent_profile(current_user, user_id, utcnow())
    if profile is None:
        abort(404)
    tables = service.profile_tables(profile)
    download = export_response(tables)
    if download is not None:
        return download
    return render_template(
        "reports/agent.html", profile=profile, tables=tables, exam_kinds=KINDS,
        categories=CATEGORIES, grade_labels=GRADE_LABELS, no_metrics=NO_METRICS_LABEL,
        # what assessment/_macros.html's items_table reads
        kinds=catalogue(), class_labels=CLASS_LABELS, status_labels=STATUS_LABELS)
