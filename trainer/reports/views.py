from datetime import timedelta

from flask import Blueprint, render_template, request
from flask_login import current_user

from ..accounts.access import allow
from ..accounts.roles import Role
from ..clock import local_now
from ..learning.service import required_modules
from . import onboarding, service

bp = Blueprint("reports", __name__, url_prefix="/reports")


@bp.route("/pass-rates")
@allow(Role.LEAD, Role.MANAGER, Role.ADMIN)
def pass_rates():
    months = service.by_month(current_user)
    month = request.args.get("month") or (months[-1].label if months else None)
    teams = service.by_team(current_user, month) if month else []
    return render_template("reports/pass_rates.html", months=months, month=month, teams=teams)


@bp.route("/onboarding")
@allow(Role.LEAD, Role.MANAGER, Role.ADMIN)
def onboarding_funnel():
    days = request.args.get("days", 90, type=int)
    days = days if days in (30, 90, 180, 365) else 90
    today = local_now().date()
    modules = required_modules()
    rows = onboarding.new_hires(current_user, today - timedelta(days=days), today,
                                [m.id for m in modules])
    return render_template("reports/onboarding.html", rows=rows, days=days,
                           funnel=onboarding.funnel(rows), total_modules=len(modules),
                           median_days=onboarding.median_days(rows))
