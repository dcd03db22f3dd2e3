from flask import Blueprint, abort, flash, jsonify, redirect, render_template, request, url_for
from flask_login import current_user

from ..accounts.access import allow
from ..accounts.models import utcnow
from ..accounts.roles import Role
from ..assessment.service import month_assessment
from ..clock import local_now
from ..exams import service as exams
from ..exams.forms import responses_from_form
from ..exams.generator import BankTooSmall
from ..extensions import db
from ..questions.bank import LETTERS, TYPES
from . import service
from .models import PracticeAttempt
from .onboarding import CertState, reading_percent

bp = Blueprint("learning", __name__)


def _module_or_404(module_id: str):
    return service.module(module_id) or abort(404)


def _overview(user):
    """Each module with the agent's progress, for the catalog and the home page."""
    progress = service.progress_map(user.id)
    return [(m, progress.get(m.id),
             reading_percent(progress[m.id].sections_reached if m.id in progress else [],
                             m.sections))
            for m in service.catalog()]


@bp.route("/me")
@allow(Role.AGENT)
def dashboard():
    month = local_now().strftime("%Y-%m")
    score, items = month_assessment(current_user.id, month)
    current = []
    if current_user.certified_on:
        current = [(e, exams.attempt_for(e, current_user))
                   for e in exams.open_exams(utcnow(), current_user)]
    return render_template("learning/dashboard.html", overview=_overview(current_user),
                           month=month, score=score, items=items, current=current,
                           cert=service.certification_state(current_user), CertState=CertState)


@bp.route("/learn")
@allow()
def catalog():
    cert = service.certification_state(current_user) if current_user.role == "agent" else None
    return render_template("learning/catalog.html", overview=_overview(current_user), cert=cert,
                           CertState=CertState)


@bp.route("/learn/<module_id>")
@allow()
def read(module_id: str):
    module = _module_or_404(module_id)
    progress = service.progress_map(current_user.id).get(module.id)
    previous, following = service.neighbours(module)
    reached = progress.sections_reached if progress else []
    return render_template(
        "learning/module.html", module=module, progress=progress,
        percent=reading_percent(reached, module.sections),
        changes=service.changes_since_completion(module, progress),
        previous=previous, following=following)


@bp.route("/learn/<module_id>/progress", methods=["POST"])
@allow()
def progress(module_id: str):
    module = _module_or_404(module_id)
    payload = request.get_json(silent=True) or {}
    try:
        row = service.record_section(current_user, module, str(payload.get("section", "")),
                                     utcnow())
    except ValueError:
        abort(400)
    return jsonify(percent=reading_percent(row.sections_reached, module.sections),
                   read=row.read_at is not None, complete=row.completed_at is not None)


@bp.route("/learn/<module_id>/practice", methods=["POST"])
@allow()
def start_practice(module_id: str):
    attempt = service.start_practice(current_user, _module_or_404(module_id))
    if not attempt.items:
        flash("本课程暂无练习题。", "warning")
        return redirect(url_for("learning.read", module_id=module_id))
    return redirect(url_for("learning.practice", attempt_id=attempt.id))


def _own_practice(attempt_id: int) -> PracticeAttempt:
    attempt = db.session.get(PracticeAttempt, attempt_id)
    if attempt is None or attempt.user_id != current_user.id:
        abort(404)
    return attempt


def _quiz_module(attempt: PracticeAttempt):
    """The module a quiz practises; None for a wrong-answer notebook quiz."""
    return None if service.is_notebook(attempt) else _module_or_404(attempt.module_id)


@bp.route("/practice/<int:attempt_id>")
@allow()
def practice(attempt_id: int):
    attempt = _own_practice(attempt_id)
    if attempt.submitted_at is not None:
        return redirect(url_for("learning.practice_result", attempt_id=attempt.id))
    return render_template("learning/practice.html", attempt=attempt,
                           module=_quiz_module(attempt),
                           items=service.practice_items(attempt), letters=LETTERS, types=TYPES,
                           pass_percent=service.rules().practice_pass_percent)


@bp.route("/practice/<int:attempt_id>/check", methods=["POST"])
@allow()
def check_practice(attempt_id: int):
    attempt = _own_practice(attempt_id)
    payload = request.get_json(silent=True) or {}
    position, answer = payload.get("position"), payload.get("answer")
    if not isinstance(position, int) or not isinstance(answer, list) or not answer:
        abort(400)
    try:
        return jsonify(service.check_practice(attempt, position, answer))
    except exams.MalformedResponse:
        abort(400)
    except ValueError:
        abort(409)


@bp.route("/practice/<int:attempt_id>/submit", methods=["POST"])
@allow()
def submit_practice(attempt_id: int):
    attempt = _own_practice(attempt_id)
    try:
        service.submit_practice(attempt, responses_from_form(request.form), utcnow())
    except exams.MalformedResponse:
        abort(400)
    return redirect(url_for("learning.practice_result", attempt_id=attempt.id))


@bp.route("/practice/<int:attempt_id>/result")
@allow()
def practice_result(attempt_id: int):
    attempt = _own_practice(attempt_id)
    if attempt.submitted_at is None:
        return redirect(url_for("learning.practice", attempt_id=attempt.id))
    module = _quiz_module(attempt)
    feedback = service.submit_practice(attempt, {}, utcnow())  # graded: reads, never writes
    progress = service.progress_map(current_user.id).get(module.id) if module else None
    return render_template("learning/practice_result.html", attempt=attempt, module=module,
                           rows=zip(service.practice_items(attempt), feedback, strict=True),
                           progress=progress, letters=LETTERS, types=TYPES,
                           pass_percent=service.rules().practice_pass_percent)


@bp.route("/certification/start", methods=["POST"])
@allow(Role.AGENT)
def start_certification():
    status = service.certification_state(current_user)
    if status.state not in (CertState.AVAILABLE, CertState.IN_PROGRESS):
        flash({CertState.LOCKED: "请先完成全部必修课程(读完并通过练习)。",
               CertState.COOLING_DOWN: "认证考试未通过,冷却期结束后才能重考。",
               CertState.PASSED: "您已通过上岗认证。"}[status.state], "warning")
        return redirect(url_for("learning.catalog"))
    exam = service.certification_exam()
    try:
        attempt = exams.start(exam, current_user, utcnow(),
                              retake=status.state == CertState.AVAILABLE)
    except BankTooSmall as exc:
        flash(f"认证试卷生成失败:{exc}。请联系主管。", "danger")
        return redirect(url_for("learning.catalog"))
    return redirect(url_for("exams.take", attempt_id=attempt.id))
