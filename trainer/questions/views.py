"""The bank for managers: browse, preview, edit (a new version), retire, import, export."""

from io import BytesIO

from flask import (
    Blueprint,
    abort,
    flash,
    redirect,
    render_template,
    request,
    send_file,
    url_for,
)
from flask_login import current_user
from sqlalchemy import select

from ..accounts.access import allow, writes_on_get
from ..accounts.models import utcnow
from ..accounts.roles import Role
from ..clock import local_now
from ..exams.marking import regrade_preview, regrade_question
from ..exams.service import ShownItem, question_usage
from ..extensions import db
from ..learning.service import catalog
from . import service
from .bank import CATEGORIES, DIFFICULTIES, LETTERS, SCORINGS, TYPES, read_question
from .formats import FORMATS, write
from .formats.common import generated_key
from .formats.spreadsheet import template_xlsx
from .forms import QuestionForm, UploadForm, choices
from .models import ImportBatch, Question, QuestionVersion
from .render import stem_html

bp = Blueprint("questions", __name__, url_prefix="/manage/questions")
EDITORS = (Role.MANAGER, Role.ADMIN)
PER_PAGE = 50
MIMETYPES = {
    "gift": "text/plain; charset=utf-8",
    "aiken": "text/plain; charset=utf-8",
    "yaml": "application/yaml; charset=utf-8",
    "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
}
SUFFIXES = {"gift": "gift", "aiken": "txt", "yaml": "yaml", "xlsx": "xlsx"}


def _question_or_404(key: str) -> Question:
    return db.session.scalar(select(Question).where(Question.key == key)) or abort(404)


def _filter_from(args) -> service.BankFilter:
    def pick(name, allowed):
        value = args.get(name) or None
        return value if value in allowed else None

    difficulty = pick("difficulty", {str(k) for k in DIFFICULTIES})
    return service.BankFilter(
        category=pick("category", CATEGORIES), difficulty=int(difficulty) if difficulty else None,
        qtype=pick("type", TYPES), status=pick("status", service.STATUSES),
        module=pick("module", {m.id for m in catalog()}),
        text=(args.get("q") or "").strip()[:100] or None)


@bp.route("")
@allow(*EDITORS)
def index():
    wanted = _filter_from(request.args)
    page = max(1, request.args.get("page", 1, type=int))
    today = local_now().date()
    rows, total = service.browse(wanted, today, page, PER_PAGE)
    used = question_usage([question.id for question, _version in rows])
    args = {k: v for k, v in request.args.items() if k != "page" and v}
    return render_template(
        "questions/index.html", rows=rows, total=total, page=page,
        pages=max(1, -(-total // PER_PAGE)), used=used, wanted=wanted, args=args,
        today=today, status_of=service.status_of, modules=[(m.id, m.title) for m in catalog()],
        categories=CATEGORIES,
        types=TYPES, difficulties=DIFFICULTIES, statuses=service.STATUSES, formats=FORMATS)


def preview_item(question: Question, version: QuestionVersion) -> ShownItem:
    """The question as an agent meets it on a paper, options in their written order."""
    return ShownItem(position=0, qtype=question.qtype, category=question.category,
                     stem_html=stem_html(version.stem, version.stem_format),
                     options=list(version.options), chosen=[], chat=list(version.chat or []))


@bp.route("/<key>")
@allow(*EDITORS)
def show(key: str):
    question = _question_or_404(key)
    number = request.args.get("version", type=int)
    version = next((v for v in question.versions if v.number == number),
                   question.current_version)
    used, correct = question_usage([question.id]).get(question.id, (0, 0))
    module = next((m for m in catalog() if m.id == question.module), None)
    return render_template(
        "questions/show.html", question=question, version=version,
        item=preview_item(question, version), used=used, correct=correct, module=module,
        section=module.section(question.section) if module and question.section else None,
        status=service.status_of(question, local_now().date()), statuses=service.STATUSES,
        categories=CATEGORIES, types=TYPES, difficulties=DIFFICULTIES, scorings=SCORINGS,
        letters=LETTERS, regrade=regrade_preview(question))


def _editor(form: QuestionForm, question: Question | None):
    """Validate the form through the bank's own reader; save on success. An existing
    question keeps its key and type."""
    form.module.choices = choices({"": "—", **{m.id: m.title for m in catalog()}})
    if question is not None:
        del form.key, form.qtype
    if not form.validate_on_submit():
        return None
    raw = form.as_raw(question.qtype if question else form.qtype.data)
    if question is not None:
        raw["id"] = question.key
    elif not raw["id"]:
        raw["id"] = generated_key(form.category.data, form.stem.data or "")
    try:
        item = read_question(form.category.data, raw, "表单")
    except ValueError as exc:
        form.form_errors.append(str(exc))
        return None
    if question is None and db.session.scalar(select(Question.id).where(Question.key == item.key)):
        form.key.errors = [*form.key.errors, f"编号 {item.key} 已被使用"]
        return None
    outcome, saved = service.save(item, question, current_user, note=form.note.data or "")
    db.session.commit()
    return outcome, saved


@bp.route("/new", methods=["GET", "POST"])
@allow(*EDITORS)
def new():
    form = QuestionForm()
    if not form.is_submitted():
        form.qtype.data = request.args.get("type") if request.args.get("type") in TYPES \
            else "single"
        form.category.data = request.args.get("category") \
            if request.args.get("category") in CATEGORIES else "rules"
    result = _editor(form, None)
    if result:
        flash(f"已新建题目 {result[1].key}", "success")
        return redirect(url_for("questions.show", key=result[1].key))
    return render_template("questions/edit.html", form=form, question=None, types=TYPES)


@bp.route("/<key>/edit", methods=["GET", "POST"])
@allow(*EDITORS)
def edit(key: str):
    question = _question_or_404(key)
    form = QuestionForm()
    if not form.is_submitted():
        form.fill_from(question, question.current_version)
    result = _editor(form, question)
    if result:
        outcome, saved = result
        flash({"revised": f"已保存为第 {saved.current_version.number} 版;"
                          "已生成的试卷仍使用原版本。",
               "reclassified": "已更新分类信息(题目内容未变,版本不变)。",
               "unchanged": "没有改动。"}[outcome],
              "success" if outcome != "unchanged" else "info")
        if form.regrade.data:
            report = regrade_question(saved, current_user, form.note.data or "更正答案")
            flash(report.summary + "。", "success")
        return redirect(url_for("questions.show", key=key))
    return render_template("questions/edit.html", form=form, question=question, types=TYPES)


@bp.route("/<key>/retire", methods=["POST"], endpoint="retire", defaults={"retired": True})
@bp.route("/<key>/restore", methods=["POST"], endpoint="restore", defaults={"retired": False})
@allow(*EDITORS)
def set_retired(key: str, retired: bool):
    question = _question_or_404(key)
    service.set_retired(question, retired, current_user)
    flash(f"题目 {key} 已停用:不再进入新试卷,已有试卷和成绩不受影响。" if retired
          else f"题目 {key} 已恢复使用。", "success")
    return redirect(url_for("questions.show", key=key))


@bp.route("/<key>/regrade", methods=["POST"])
@allow(*EDITORS)
def regrade(key: str):
    question = _question_or_404(key)
    report = regrade_question(question, current_user,
                              f"按第 {question.current_version.number} 版答案重新评分")
    flash(report.summary + "。", "success")
    return redirect(url_for("questions.show", key=key))


@bp.route("/template.xlsx")
@allow(*EDITORS)
def template():
    return send_file(BytesIO(template_xlsx()), mimetype=MIMETYPES["xlsx"], as_attachment=True,
                     download_name="题目导入模板.xlsx")


@bp.route("/export")
@allow(*EDITORS)
def export():
    fmt = request.args.get("format", "xlsx")
    if fmt not in FORMATS:
        abort(404)
    written = write(fmt, service.bank_questions())
    stamp = local_now().strftime("%Y%m%d")
    return send_file(BytesIO(written.data), mimetype=MIMETYPES[fmt], as_attachment=True,
                     download_name=f"题库-{stamp}.{SUFFIXES[fmt]}")


@bp.route("/import", methods=["GET", "POST"])
@allow(*EDITORS)
def upload():
    form = UploadForm()
    if form.validate_on_submit():
        data = form.file.data.read()
        filename = form.file.data.filename or "upload"
        category = form.category.data or None
        report, _parsed = service.import_file(data, filename, category=category,
                                              actor=current_user, dry_run=True)
        batch = ImportBatch(filename=filename[:255], fmt=report.fmt or "?", category=category,
                            content=data, report=report.as_json(), created_by_id=current_user.id)
        db.session.add(batch)
        db.session.commit()
        return redirect(url_for("questions.preview_import", batch_id=batch.id))
    recent = db.session.scalars(select(ImportBatch).order_by(ImportBatch.created_at.desc())
                                .limit(10)).all()
    return render_template("questions/upload.html", form=form, recent=recent)


def _batch_or_404(batch_id: int) -> ImportBatch:
    return db.session.get(ImportBatch, batch_id) or abort(404)


@bp.route("/import/<int:batch_id>")
@allow(*EDITORS)
@writes_on_get  # the preview is a dry run: the import done and rolled back
def preview_import(batch_id: int):
    batch = _batch_or_404(batch_id)
    report, parsed = service.import_file(batch.content, batch.filename, category=batch.category,
                                         actor=current_user, dry_run=True)
    return render_template("questions/preview_import.html", batch=batch, report=report,
                           parsed=parsed, categories=CATEGORIES, types=TYPES,
                           difficulties=DIFFICULTIES, letters=LETTERS)


@bp.route("/import/<int:batch_id>/confirm", methods=["POST"])
@allow(*EDITORS)
def confirm_import(batch_id: int):
    batch = _batch_or_404(batch_id)
    if batch.imported_at is not None:
        flash("这个文件已经导入过了。", "info")
        return redirect(url_for("questions.index"))
    report, _parsed = service.import_file(batch.content, batch.filename, category=batch.category,
                                          actor=current_user)
    if report.errors:
        flash("文件有错误,未导入任何题目。", "danger")
        return redirect(url_for("questions.preview_import", batch_id=batch.id))
    batch.imported_at, batch.report = utcnow(), report.as_json()
    db.session.commit()
    flash(f"已导入 {report.imported} 道题:新增 {report.added},修订 {report.revised},"
          f"调整分类 {report.reclassified},未变 {report.unchanged}"
          + (f";跳过 {len(report.skipped)} 道(见导入记录)" if report.skipped else "") + "。",
          "success")
    return redirect(url_for("questions.index"))

