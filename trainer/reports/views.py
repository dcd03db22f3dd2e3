from flask import Blueprint, render_template, request
from flask_login import current_user

from ..accounts.access import allow
from ..accounts.roles import Role
from . import service

bp = Blueprint("reports", __name__, url_prefix="/reports")


@bp.route("/pass-rates")
@allow(Role.LEAD, Role.MANAGER, Role.ADMIN)
def pass_rates():
    months = service.by_month(current_user)
    month = request.args.get("month") or (months[-1].label if months else None)
    teams = service.by_team(current_user, month) if month else []
    return render_template("reports/pass_rates.html", months=months, month=month, teams=teams)
