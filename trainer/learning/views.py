from flask import Blueprint, abort, flash, redirect, render_template, url_for
from flask_login import current_user

from ..accounts.access import allow
from ..accounts.models import utcnow
from ..accounts.roles import Role
from ..assessment.service import month_assessment
from ..clock import local_now
from ..exams import service as exams
from . import service

bp = Blueprint("learning", __name__)


@bp.route("/me")
@allow(Role.AGENT)
def dashboard():
    modules = service.catalog()
    done = service.completed_slugs(current_user.id)
    month = local_now().strftime("%Y-%m")
    score, items = month_assessment(current_user.id, month)
    current = [(e, exams.attempt_for(e, current_user)) for e in exams.open_exams(utcnow())]
    return render_template("learning/dashboard.html", modules=modules, done=done, month=month,
                           score=score, items=items, current=current)


@bp.route("/learn")
@allow()
def catalog():
    return render_template("learning/catalog.html", modules=service.catalog(),
                           done=service.completed_slugs(current_user.id))


@bp.route("/learn/<slug>")
@allow()
def read(slug: str):
    module = service.module(slug) or abort(404)
    return render_template("learning/module.html", module=module,
                           done=slug in service.completed_slugs(current_user.id))


@bp.route("/learn/<slug>/complete", methods=["POST"])
@allow()
def complete(slug: str):
    module = service.module(slug) or abort(404)
    service.mark_complete(current_user.id, module.slug)
    flash(f"已完成《{module.title}》", "success")
    return redirect(url_for("learning.catalog"))
