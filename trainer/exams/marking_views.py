"""The marking queue: leads mark their team's written replies by question, names hidden."""

from flask import Blueprint, abort, flash, redirect, render_template, url_for
from flask_login import current_user
from wtforms import RadioField, TextAreaField
from wtforms.fields.choices import SelectChoice
from wtforms.validators import InputRequired, Length, Optional

from ..accounts.access import allow
from ..accounts.roles import Role
from ..extensions import db
from ..forms import Form
from ..questions.bank import CATEGORIES, TYPES
from ..questions.models import Question, QuestionVersion
from ..questions.render import stem_html
from . import marking

bp = Blueprint("marking", __name__, url_prefix="/marking")
MARKERS = (Role.LEAD, Role.MANAGER, Role.ADMIN)
SHARE_LABELS = {0.0: "不得分", 0.25: "¼", 0.5: "½", 0.75: "¾", 1.0: "满分"}


class MarkForm(Form):
    credit = RadioField("得分", coerce=float,
                        choices=[SelectChoice(share, SHARE_LABELS[share])
                                 for share in marking.SHARES],
                        validators=[InputRequired("请选择得分")])
    comment = TextAreaField("评语", validators=[Optional(), Length(max=500)],
                            description="选填,客服查看答卷时可见")


def _form_for(reply: marking.Reply) -> MarkForm:
    """One form per reply; the prefix keeps each reply's inputs apart on the page."""
    answer = reply.answer
    return MarkForm(formdata=None, prefix=f"a{answer.id}", credit=answer.credit,
                    comment=answer.comment)


@bp.route("")
@allow(*MARKERS)
def queue():
    rows = marking.queue(current_user)
    return render_template("marking/queue.html", rows=rows,
                           waiting=sum(r.waiting for r in rows),
                           marked=sum(r.marked for r in rows), types=TYPES,
                           categories=CATEGORIES)


def _question_page(question: Question, failed: tuple[int, MarkForm] | None = None):
    """The page, with a refused mark's form (answer id, form) shown as it was sent."""
    groups = marking.replies(question, current_user)
    if not groups:
        abort(404)
    forms = {reply.answer.id: _form_for(reply)
             for group in groups for reply in group.waiting + group.marked}
    if failed is not None:
        forms[failed[0]] = failed[1]
    return render_template("marking/question.html", question=question, groups=groups,
                           forms=forms, stem_html=stem_html, types=TYPES,
                           categories=CATEGORIES, labels=SHARE_LABELS,
                           waiting=sum(len(g.waiting) for g in groups),
                           failed_ids=[failed[0]] if failed is not None else [])


@bp.route("/questions/<int:question_id>")
@allow(*MARKERS)
def question(question_id: int):
    return _question_page(db.session.get(Question, question_id) or abort(404))


@bp.route("/answers/<int:answer_id>", methods=["POST"])
@allow(*MARKERS)
def mark(answer_id: int):
    answer = marking.markable(answer_id, current_user) or abort(404)
    question = db.session.get(QuestionVersion, answer.version_id).question
    form = MarkForm(prefix=f"a{answer.id}")
    if not form.validate_on_submit():
        return _question_page(question, (answer.id, form)), 400
    correcting = answer.credit is not None
    attempt = marking.mark(answer, form.credit.data, (form.comment.data or "").strip(),
                           current_user)
    if correcting:
        flash("已更正评分,该答卷的成绩已重新计算。", "success")
    else:
        flash("已评分" + (";该答卷的书面作答已全部评完,成绩已计出。" if attempt.is_graded
                         else "。"), "success")
    return redirect(url_for("marking.question", question_id=question.id))
