"""The managers' side of exams: setting monthly exams and editing blueprints."""

import re
from collections import Counter
from dataclasses import dataclass
from datetime import datetime

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_login import current_user
from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from wtforms.fields.choices import SelectChoice

from ..accounts.access import allow, writes_on_get
from ..accounts.models import Team, User, utcnow
from ..accounts.roles import Role
from ..assessment.audit import record
from ..clock import from_local, local_now, to_local
from ..extensions import db
from ..questions.bank import CATEGORIES, DIFFICULTIES, TYPES
from . import service
from .blueprint import Blueprint as PaperBlueprint
from .blueprint import default_monthly, validate
from .forms import AUDIENCES, MONTH_PATTERN, BlueprintForm, ExamForm, is_grid_cell
from .models import KIND_MONTHLY, Exam, ExamBlueprint

bp = Blueprint("exam_admin", __name__, url_prefix="/manage")

# The standard blueprint is found by its name: renaming or deleting it would only make
# `service.default_blueprint` create it again.
DEFAULT_NAME = default_monthly(CATEGORIES).name
LOCKED = "已生成试卷,蓝图和月份不可更改"


# Exams ---------------------------------------------------------------------------------

@dataclass(frozen=True)
class ExamRow:
    exam: Exam
    blueprint: PaperBlueprint
    sitters: service.Sitters
    status: str  # 未开始 / 进行中 / 已结束


def _status(exam: Exam, now: datetime) -> str:
    if now < exam.opens_at:
        return "未开始"
    return "进行中" if now < exam.closes_at else "已结束"


def _exam_rows() -> list[ExamRow]:
    exams = db.session.scalars(select(Exam).where(Exam.kind == KIND_MONTHLY)
                               .order_by(Exam.month.desc(), Exam.opens_at.desc())).all()
    sitters = service.sitters([e.id for e in exams])
    now = utcnow()
    return [ExamRow(e, service.blueprint_of(e), sitters.get(e.id, service.Sitters()),
                    _status(e, now)) for e in exams]


def _blueprint_rows() -> list[ExamBlueprint]:
    """Every stored blueprint, the standard one first (created when missing)."""
    service.default_blueprint()
    db.session.commit()
    return db.session.scalars(select(ExamBlueprint).order_by(
        ExamBlueprint.name != DEFAULT_NAME, ExamBlueprint.name)).all()


def _offer_choices(form: ExamForm, rows: list[ExamBlueprint]) -> None:
    form.blueprint_id.choices = [SelectChoice(row.id, _blueprint_label(row)) for row in rows]
    form.teams.choices = [SelectChoice(t.id, t.name) for t in db.session.scalars(
        select(Team).order_by(Team.name))]


def _blueprint_label(row: ExamBlueprint) -> str:
    return f"{row.name}({PaperBlueprint.from_json(row.spec).size} 题)"


def _settings(form: ExamForm) -> dict:
    """What the form sets on an exam, times in UTC as stored."""
    opens, closes = form.window()
    teams = db.session.scalars(select(Team).where(Team.id.in_(form.chosen_team_ids))).all()
    return {"title": form.exam_title(), "opens_at": from_local(opens),
            "closes_at": from_local(closes), "duration_minutes": form.duration_minutes.data,
            "pass_mark": form.pass_mark.data, "audience": form.audience.data,
            "teams": list(teams), "attempts_allowed": form.attempts_allowed.data,
            "review_policy": form.review_policy.data}


def _warn_if_short(exam: Exam) -> None:
    """The exam stands, but papers cannot be made where the month's pool is short."""
    checks = service.check_month(service.blueprint_of(exam), exam.month)
    short = [c.message for c in checks if c.level == "short"]
    if short:
        flash(f"{exam.month} 的题库不足以按蓝图出卷,请补充题目或调整蓝图:" + ";".join(short),
              "warning")


@bp.route("/exams", methods=["GET", "POST"])
@allow(Role.MANAGER, Role.ADMIN)
@writes_on_get
def exams():
    rows = _blueprint_rows()
    form = ExamForm()
    _offer_choices(form, rows)
    if form.validate_on_submit():
        settings = _settings(form)
        exam = service.create_exam(form.month.data, title=settings.pop("title"),
                                   blueprint=db.session.get(ExamBlueprint, form.blueprint_id.data),
                                   actor=current_user, **settings)
        db.session.commit()
        flash(f"已创建考试「{exam.title}」", "success")
        _warn_if_short(exam)
        return redirect(url_for(".exams"))
    if not form.is_submitted():
        form.month.data = local_now().strftime("%Y-%m")
        form.blueprint_id.data = rows[0].id
    return render_template("exams/manage.html", form=form, rows=_exam_rows(),
                           audiences=AUDIENCES)


def _monthly_exam(exam_id: int) -> Exam:
    exam = db.session.get(Exam, exam_id)
    if exam is None or exam.kind != KIND_MONTHLY:
        abort(404)
    return exam


def _form_data(exam: Exam) -> dict:
    return {"month": exam.month, "title": exam.title, "opens_at": to_local(exam.opens_at),
            "closes_at": to_local(exam.closes_at), "duration_minutes": exam.duration_minutes,
            "pass_mark": round(exam.pass_mark), "blueprint_id": 0, "audience": exam.audience,
            "teams": [t.id for t in exam.teams], "attempts_allowed": exam.attempts_allowed,
            "review_policy": exam.review_policy}


def _audited(exam: Exam) -> dict:
    """The settings an edit may change, as the audit row records them."""
    return {"month": exam.month, "title": exam.title, "opens_at": exam.opens_at.isoformat(),
            "closes_at": exam.closes_at.isoformat(), "duration_minutes": exam.duration_minutes,
            "pass_mark": exam.pass_mark, "blueprint": exam.blueprint, "audience": exam.audience,
            "teams": [t.name for t in exam.teams], "attempts_allowed": exam.attempts_allowed,
            "review_policy": exam.review_policy}


@bp.route("/exams/<int:exam_id>/edit", methods=["GET", "POST"])
@allow(Role.MANAGER, Role.ADMIN)
@writes_on_get
def edit_exam(exam_id: int):
    exam = _monthly_exam(exam_id)
    locked = service.has_papers(exam)
    rows = [] if locked else _blueprint_rows()
    form = ExamForm(data=None if request.method == "POST" else _form_data(exam))
    _offer_choices(form, rows)
    current = service.blueprint_of(exam)
    kept = f"保持不变:{current.name or '未命名'}({current.size} 题)"
    form.blueprint_id.choices.insert(0, SelectChoice(0, kept))
    if locked:
        # Papers were drawn for this month by this blueprint: whatever was posted, both stay.
        form.month.data, form.blueprint_id.data = exam.month, 0
    if form.validate_on_submit():
        before = _audited(exam)
        exam.month = form.month.data
        for name, value in _settings(form).items():
            setattr(exam, name, value)
        if form.blueprint_id.data:
            exam.blueprint = db.session.get(ExamBlueprint, form.blueprint_id.data).spec
        after = _audited(exam)
        changes = {k: [before[k], after[k]] for k in before if before[k] != after[k]}
        if changes:
            record(current_user, "exam.updated", f"exam:{exam.id}", changes)
        db.session.commit()
        flash(f"已保存考试「{exam.title}」" if changes else "没有改动", "success")
        if "month" in changes or "blueprint" in changes:
            _warn_if_short(exam)
        return redirect(url_for(".exams"))
    return render_template("exams/exam_form.html", form=form, exam=exam, locked=locked,
                           locked_reason=LOCKED, blueprint=current)


# Blueprints ----------------------------------------------------------------------------

@dataclass(frozen=True)
class BlueprintRow:
    row: ExamBlueprint
    blueprint: PaperBlueprint
    editor: User | None
    levels: Counter  # how many cells are "short", "exposure", "ok" for the current month

    @property
    def points(self) -> tuple[float, float]:
        """The paper's raw total, lowest and highest: it depends on the types drawn."""
        values = [self.blueprint.points_for(qtype) for qtype in TYPES]
        return self.blueprint.size * min(values), self.blueprint.size * max(values)


def _current_month() -> str:
    return local_now().strftime("%Y-%m")


@bp.route("/blueprints")
@allow(Role.MANAGER, Role.ADMIN)
@writes_on_get
def blueprints():
    rows = _blueprint_rows()
    editors = {u.id: u for u in db.session.scalars(
        select(User).where(User.id.in_({r.updated_by_id for r in rows})))}
    month = _current_month()
    pool = service.candidates(month, written=True)
    listed = []
    for row in rows:
        blueprint = PaperBlueprint.from_json(row.spec)
        levels = Counter(c.level for c in service.check_month(blueprint, month, pool))
        listed.append(BlueprintRow(row, blueprint, editors.get(row.updated_by_id), levels))
    return render_template("exams/blueprints.html", rows=listed, month=month,
                           default_name=DEFAULT_NAME)


def _pool_sizes(month: str) -> Counter:
    """Questions available per (category, difficulty) in the month."""
    pool = {c.question_id: c for c in service.candidates(month, written=True)}
    return Counter((c.category, c.difficulty) for c in pool.values())


def _blueprint_page(form: BlueprintForm, row: ExamBlueprint | None, kept: tuple,
                    errors: list[str]):
    month = form.month.data if re.match(MONTH_PATTERN, form.month.data or "") else (
        _current_month())
    checks = service.check_month(PaperBlueprint(form.quotas() + kept), month)
    return render_template(
        "exams/blueprint_form.html", form=form, row=row, kept=kept, errors=errors,
        month=month, is_default=row is not None and row.name == DEFAULT_NAME,
        cells={(c.quota.category, c.quota.difficulty): c for c in checks
               if is_grid_cell(c.quota)},
        warnings=[c for c in checks if c.level != "ok"], pool=_pool_sizes(month),
        categories=CATEGORIES, difficulties=DIFFICULTIES, types=TYPES)


def _edit_blueprint(row: ExamBlueprint | None, start: PaperBlueprint):
    """The grid for `row` (None: a new blueprint starting from `start`): checked against the
    chosen month's pool on every submit, stored unless `validate` objects or the manager only
    asked for the check."""
    kept = tuple(q for q in start.quotas if not is_grid_cell(q))
    form = BlueprintForm()
    if row is not None and row.name == DEFAULT_NAME:
        form.name.data = DEFAULT_NAME
    errors = []
    if not form.is_submitted():
        form.fill_from(start)
        if row is None:
            form.name.data = ""
        month = request.args.get("month", "")
        form.month.data = month if re.match(MONTH_PATTERN, month) else _current_month()
    elif form.validate() and "check" not in request.form:
        blueprint = form.to_blueprint(kept)
        errors = validate(blueprint)
        if service.blueprint_name_taken(blueprint.name, row):
            form.name.errors.append(f"已有名为「{blueprint.name}」的蓝图,请换一个名称")
        if not errors and not form.name.errors:
            try:
                row = service.save_blueprint(row, blueprint, current_user)
            except IntegrityError:  # the same name, saved by someone else a moment ago
                db.session.rollback()
                form.name.errors.append(f"已有名为「{blueprint.name}」的蓝图,请换一个名称")
            else:
                _flash_saved(blueprint, form.month.data)
                return redirect(url_for(".edit_blueprint", blueprint_id=row.id,
                                        month=form.month.data))
    return _blueprint_page(form, row, kept, errors)


def _flash_saved(blueprint: PaperBlueprint, month: str) -> None:
    flash(f"已保存蓝图「{blueprint.name}」,共 {blueprint.size} 题", "success")
    warnings = [c.message for c in service.check_month(blueprint, month) if c.level != "ok"]
    if warnings:
        flash(f"按 {month} 的题库检查:" + ";".join(warnings), "warning")


@bp.route("/blueprints/new", methods=["GET", "POST"])
@allow(Role.MANAGER, Role.ADMIN)
def new_blueprint():
    source = db.session.get(ExamBlueprint, request.args.get("copy", 0, type=int))
    start = (PaperBlueprint.from_json(source.spec) if source
             else PaperBlueprint((), name=""))
    return _edit_blueprint(None, start)


@bp.route("/blueprints/<int:blueprint_id>/edit", methods=["GET", "POST"])
@allow(Role.MANAGER, Role.ADMIN)
def edit_blueprint(blueprint_id: int):
    row = db.session.get(ExamBlueprint, blueprint_id) or abort(404)
    return _edit_blueprint(row, PaperBlueprint.from_json(row.spec))


@bp.route("/blueprints/<int:blueprint_id>/delete", methods=["POST"])
@allow(Role.MANAGER, Role.ADMIN)
def delete_blueprint(blueprint_id: int):
    row = db.session.get(ExamBlueprint, blueprint_id) or abort(404)
    if row.name == DEFAULT_NAME:
        flash(f"「{DEFAULT_NAME}」是默认蓝图,可以修改但不能删除", "warning")
        return redirect(url_for(".blueprints"))
    service.delete_blueprint(row, current_user)
    flash(f"已删除蓝图「{row.name}」;用它创建的考试保留各自的副本,不受影响", "success")
    return redirect(url_for(".blueprints"))
