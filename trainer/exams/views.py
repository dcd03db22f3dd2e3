"""The agent's side of an exam: the start page, taking it, handing it in, the result."""

from flask import (
    Blueprint,
    abort,
    current_app,
    flash,
    jsonify,
    redirect,
    render_template,
    request,
    url_for,
)
from flask_login import current_user
from sqlalchemy import select
from sqlalchemy.orm import contains_eager

from ..accounts.access import (
    allow,
    check_signed_in,
    keeps_session_cookie,
    reads_first,
    signed_in_by_query,
)
from ..accounts.models import utcnow
from ..accounts.roles import Role
from ..accounts.service import session_claim
from ..extensions import db
from ..questions.bank import CATEGORIES, LETTERS, TYPES
from . import results, service
from .forms import responses_from_form
from .generator import BankTooSmall
from .models import KIND_MONTHLY, REVIEW_POLICIES, Attempt, Exam, Paper

bp = Blueprint("exams", __name__)


def _own_attempt(attempt_id: int, with_exam: bool = False) -> Attempt:
    """Agents reach only their own attempts; anything else is as if it did not exist. The
    paper (and the exam, when asked) come in the same query."""
    query = (select(Attempt).join(Attempt.paper)
             .where(Attempt.id == attempt_id, Paper.user_id == current_user.id))
    if with_exam:
        query = query.join(Paper.exam).options(contains_eager(Attempt.paper, Paper.exam))
    else:
        query = query.options(contains_eager(Attempt.paper))
    attempt = db.session.scalar(query)
    if attempt is None:
        abort(404)
    return attempt


def _own_sitting(attempt_id: int, with_items: bool = True) -> service.Sitting:
    """_own_attempt for the autosave and the clock (signed_in_by_query): the sign-in, the role
    and the attempt in one query; when it finds nothing, the usual checks answer, or 404."""
    sitting = service.sitting_of(attempt_id, session_claim(Role.AGENT), with_items)
    if sitting is None:
        refused = check_signed_in(current_app.view_functions[request.endpoint])
        abort(refused if refused is not None else 404)
    return sitting


def _monthly_exam(exam_id: int) -> Exam:
    exam = db.session.get(Exam, exam_id)
    if exam is None or exam.kind != KIND_MONTHLY:
        abort(404)
    return exam


@bp.route("/exams")
@allow(Role.AGENT)
def index():
    now = utcnow()
    current = []
    if current_user.certified_on:
        current = [(exam, service.attempts_of(exam, current_user))
                   for exam in service.open_exams(now, current_user)]
    past = db.session.scalars(
        select(Attempt).join(Paper).where(Paper.user_id == current_user.id,
                                          Attempt.submitted_at.is_not(None))
        .order_by(Attempt.started_at.desc())
    ).all()
    return render_template("exams/index.html", current=current, past=past, now=now)


@bp.route("/exams/<int:exam_id>")
@allow(Role.AGENT)
def overview(exam_id: int):
    """The rules of the exam, before the clock starts."""
    exam = _monthly_exam(exam_id)
    if not service.may_sit(exam, current_user):
        abort(404)
    attempts = service.attempts_of(exam, current_user)
    now = utcnow()
    return render_template(
        "exams/overview.html", exam=exam, attempts=attempts, now=now,
        attempts_left=service.attempts_left(exam, attempts),
        blueprint=service.blueprint_of(exam), categories=CATEGORIES, types=TYPES,
        review_policy=REVIEW_POLICIES[exam.review_policy],
        grace=current_app.config["EXAM_GRACE_SECONDS"],
        is_open=exam.opens_at <= now < exam.closes_at)


@bp.route("/exams/<int:exam_id>/start", methods=["POST"])
@allow(Role.AGENT)
@reads_first
def start(exam_id: int):
    exam = _monthly_exam(exam_id)
    if not current_user.certified_on:
        flash("通过上岗认证考试后才能参加月度考试。", "warning")
        return redirect(url_for("learning.catalog"))
    try:
        attempt = service.start(exam, current_user, utcnow(), retake="retake" in request.form)
    except (service.ExamClosed, service.NotEligible) as exc:
        flash(str(exc), "warning")
        return redirect(url_for("exams.index"))
    except BankTooSmall as exc:
        flash(f"试卷生成失败:{exc}。请联系主管。", "danger")
        return redirect(url_for("exams.index"))
    if attempt.is_submitted:
        return redirect(url_for("exams.result", attempt_id=attempt.id))
    return redirect(url_for("exams.take", attempt_id=attempt.id))


@bp.route("/attempts/<int:attempt_id>")
@allow(Role.AGENT)
def take(attempt_id: int):
    attempt = service.finish_if_expired(_own_attempt(attempt_id, with_exam=True))
    if attempt.is_submitted:
        return redirect(url_for("exams.result", attempt_id=attempt.id))
    return render_template("exams/take.html", attempt=attempt, exam=attempt.paper.exam,
                           items=service.shown_items(attempt),
                           remaining=service.remaining_seconds(attempt, utcnow()),
                           flags=attempt.flags or [], categories=CATEGORIES,
                           letters=LETTERS, types=TYPES)


def _json_responses(payload) -> tuple[dict[int, list], list[int] | None, service.SaveOrder | None]:
    if not isinstance(payload, dict) or not payload or (
            set(payload) - {"answers", "flags", "client", "stamp"}):
        abort(400)
    answers, flags = payload.get("answers", {}), payload.get("flags")
    if not isinstance(answers, dict):
        abort(400)
    if flags is not None and not (isinstance(flags, list)
                                  and all(type(f) is int for f in flags)):
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
    return responses, flags, _save_order(payload.get("client"), payload.get("stamp"))


def _save_order(client, stamp) -> service.SaveOrder | None:
    if client is None and stamp is None:
        return None
    if not (isinstance(client, str) and 0 < len(client) <= 64
            and type(stamp) is int and 0 <= stamp < 2**63):
        abort(400)
    return service.SaveOrder(client, stamp)


@bp.route("/attempts/<int:attempt_id>/answers", methods=["POST"])
@allow(Role.AGENT)
@reads_first
@signed_in_by_query
@keeps_session_cookie
def autosave(attempt_id: int):
    """Saves answers (and the flagged positions) as the agent works: JSON in, JSON out."""
    sitting = _own_sitting(attempt_id)
    responses, flags, order = _json_responses(request.get_json(silent=True))
    now = utcnow()
    remaining = service.remaining_seconds(sitting, now)
    try:
        saved = service.save_to(sitting, responses, now, flags, order)
    except service.ExamClosed as exc:
        return jsonify(error=str(exc), closed=True), 409
    except service.Superseded:
        # Only a save the browser gave up on arrives after a newer one; should the browser
        # still be listening, it sends its answers again under a new number.
        return jsonify(saved=0, superseded=True, remaining_seconds=remaining)
    except service.MalformedResponse:
        abort(400)
    return jsonify(saved=saved, saved_at=now.isoformat() + "Z", remaining_seconds=remaining)


@bp.route("/attempts/<int:attempt_id>/clock")
@allow(Role.AGENT)
@signed_in_by_query
@keeps_session_cookie
def clock(attempt_id: int):
    """The server's time left, for the page's timer to follow."""
    sitting = _own_sitting(attempt_id, with_items=False)
    return jsonify(remaining_seconds=service.remaining_seconds(sitting, utcnow()),
                   submitted=sitting.submitted_at is not None)


@bp.route("/attempts/<int:attempt_id>/submit", methods=["POST"])
@allow(Role.AGENT)
def submit(attempt_id: int):
    attempt = _own_attempt(attempt_id)
    now = utcnow()
    if not attempt.is_submitted:
        try:
            service.save_answers(attempt, responses_from_form(request.form), now)
        except service.MalformedResponse:
            abort(400)
        except service.ExamClosed:
            if not attempt.is_submitted:
                flash("考试时间已到:本次提交的改动未被接受,已按自动保存的答案评分。", "warning")
        service.submit(attempt, now)
    return redirect(url_for("exams.result", attempt_id=attempt_id))


@bp.route("/attempts/<int:attempt_id>/result")
@allow(Role.AGENT)
def result(attempt_id: int):
    attempt = service.finish_if_expired(_own_attempt(attempt_id))
    if not attempt.is_submitted:
        return redirect(url_for("exams.take", attempt_id=attempt.id))
    return render_template("exams/result.html", **results.result_context(attempt, utcnow()),
                           letters=LETTERS, types=TYPES)
