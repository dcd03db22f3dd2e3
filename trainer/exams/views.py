from flask import Blueprint, abort, flash, jsonify, redirect, render_template, request, url_for
from flask_login import current_user
from sqlalchemy import select

from ..accounts.access import allow, writes_on_get
from ..accounts.models import utcnow
from ..accounts.roles import Role
from ..clock import from_local, local_now
from ..extensions import db
from ..questions.bank import CATEGORIES, LETTERS, TYPES
from . import service
from .blueprint import default_monthly
from .forms import ExamForm, responses_from_form
from .generator import BankTooSmall
from .models import KIND_MONTHLY, Attempt, Exam, Paper

bp = Blueprint("exams", __name__)


def _own_attempt(attempt_id: int) -> Attempt:
    """Agents reach only their own attempts; anything else is as if it did not exist."""
    attempt = db.session.get(Attempt, attempt_id)
    if attempt is None or attempt.paper.user_id != current_user.id:
        abort(404)
    return attempt


@bp.route("/exams")
@allow(Role.AGENT)
def index():
    now = utcnow()
    current = []
    if current_user.certified_on:
        current = [(exam, service.attempt_for(exam, current_user))
                   for exam in service.open_exams(now)]
    past = db.session.scalars(
        select(Attempt).join(Paper).where(Paper.user_id == current_user.id,
                                          Attempt.score.is_not(None))
        .order_by(Attempt.started_at.desc())
    ).all()
    return render_template("exams/index.html", current=current, past=past, now=now)


@bp.route("/exams/<int:exam_id>/start", methods=["POST"])
@allow(Role.AGENT)
def start(exam_id: int):
    exam = db.session.get(Exam, exam_id) or abort(404)
    if exam.kind != KIND_MONTHLY:
        abort(404)
    if not current_user.certified_on:
        flash("通过上岗认证考试后才能参加月度考试。", "warning")
        return redirect(url_for("learning.catalog"))
    try:
        attempt = service.start(exam, current_user, utcnow())
    except service.ExamClosed as exc:
        flash(str(exc), "warning")
        return redirect(url_for("exams.index"))
    except BankTooSmall as exc:
        flash(f"试卷生成失败:{exc}。请联系主管。", "danger")
        return redirect(url_for("exams.index"))
    return redirect(url_for("exams.take", attempt_id=attempt.id))


@bp.route("/attempts/<int:attempt_id>")
@allow(Role.AGENT)
@writes_on_get
def take(attempt_id: int):
    attempt = service.finish_if_expired(_own_attempt(attempt_id))
    if attempt.is_graded:
        return redirect(url_for("exams.result", attempt_id=attempt.id))
    remaining = max(0, int((attempt.ends_at - utcnow()).total_seconds()))
    return render_template("exams/take.html", attempt=attempt, exam=attempt.paper.exam,
                           items=service.shown_items(attempt), remaining=remaining,
                           letters=LETTERS, types=TYPES)


def _json_responses(payload) -> dict[int, list]:
    answers = payload.get("answers") if isinstance(payload, dict) else None
    if not isinstance(answers, dict):
        abort(400)
    responses = {}
    for position, value in answers.items():
        if not str(position).isdigit() or not isinstance(value, list):
            abort(400)
        if not all(isinstance(v, bool | int)
                   or (isinstance(v, str) and len(v) <= service.MAX_TEXT_ANSWER)
                   for v in value):
            abort(400)
        responses[int(position)] = value
    return responses


@bp.route("/attempts/<int:attempt_id>/answers", methods=["POST"])
@allow(Role.AGENT)
def autosave(attempt_id: int):
    attempt = _own_attempt(attempt_id)
    responses = _json_responses(request.get_json(silent=True))
    try:
        saved = service.save_answers(attempt, responses, utcnow())
    except service.ExamClosed as exc:
        return jsonify(error=str(exc)), 409
    except service.MalformedResponse:
        abort(400)
    remaining = max(0, int((attempt.ends_at - utcnow()).total_seconds()))
    return jsonify(saved=saved, remaining_seconds=remaining)


@bp.route("/attempts/<int:attempt_id>/submit", methods=["POST"])
@allow(Role.AGENT)
def submit(attempt_id: int):
    attempt = _own_attempt(attempt_id)
    now = utcnow()
    if not attempt.is_graded:
        try:
            service.save_answers(attempt, responses_from_form(request.form), now)
        except service.MalformedResponse:
            abort(400)
        except service.ExamClosed:
            flash("考试时间已到:本次提交的改动未被接受,已按自动保存的答案评分。", "warning")
        service.finish(attempt, now)
    return redirect(url_for("exams.result", attempt_id=attempt.id))


@bp.route("/attempts/<int:attempt_id>/result")
@allow(Role.AGENT)
@writes_on_get
def result(attempt_id: int):
    attempt = service.finish_if_expired(_own_attempt(attempt_id))
    if not attempt.is_graded:
        return redirect(url_for("exams.take", attempt_id=attempt.id))
    return render_template("exams/result.html", attempt=attempt, exam=attempt.paper.exam,
                           rows=service.review(attempt), letters=LETTERS, types=TYPES)


@bp.route("/manage/exams", methods=["GET", "POST"])
@allow(Role.MANAGER, Role.ADMIN)
def manage():
    form = ExamForm()
    if form.validate_on_submit():
        exam = Exam(month=form.month.data, title=form.title.data.strip(),
                    opens_at=from_local(form.opens_at.data),
                    closes_at=from_local(form.closes_at.data),
                    duration_minutes=form.duration_minutes.data,
                    blueprint=default_monthly(CATEGORIES).to_json(),
                    created_by_id=current_user.id)
        db.session.add(exam)
        db.session.commit()
        flash(f"已创建考试「{exam.title}」", "success")
        return redirect(url_for("exams.manage"))
    if not form.is_submitted():
        now = local_now()
        form.month.data = form.month.data or now.strftime("%Y-%m")
        form.title.data = form.title.data or f"{now.year}年{now.month}月 月度考试"
    exams = db.session.scalars(
        select(Exam).where(Exam.kind == KIND_MONTHLY).order_by(Exam.opens_at.desc())).all()
    return render_template("exams/manage.html", form=form, exams=exams, now=utcnow())
