"""The wrong-answer notebook (错题本): an agent's missed questions, and quizzes drawn from them."""

import random
import secrets

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_login import current_user
from wtforms import HiddenField
from wtforms.validators import AnyOf

from ..accounts.access import allow
from ..accounts.models import utcnow
from ..accounts.roles import Role
from ..forms import Form
from ..learning import service as learning
from ..questions.bank import CATEGORIES, LETTERS
from . import results

bp = Blueprint("notebook", __name__)

ALL = "all"  # every entry; by default only those not yet answered right in practice


class PracticeForm(Form):
    """The notebook's filter, carried over so the quiz practises what the agent was looking at."""

    category = HiddenField(validators=[AnyOf(["", *CATEGORIES])], default="")
    show = HiddenField(validators=[AnyOf(["", ALL])], default="")


def _filtered(entries, category: str, show: str):
    return [e for e in entries
            if (not category or e.question.category == category)
            and (show == ALL or e.mastered_at is None)]


@bp.route("/notebook")
@allow(Role.AGENT)
def index():
    category = request.args.get("category", "")
    category = category if category in CATEGORIES else ""
    show = ALL if request.args.get("show") == ALL else ""
    entries = results.notebook(current_user, utcnow())
    in_view = _filtered(entries, "", show)
    counts = {c: sum(1 for e in in_view if e.question.category == c) for c in CATEGORIES}
    return render_template(
        "exams/notebook.html", entries=_filtered(entries, category, show), counts=counts,
        total=len(in_view), open_count=sum(1 for e in entries if e.mastered_at is None),
        category=category, show=show, categories=CATEGORIES, letters=LETTERS,
        form=PracticeForm(category=category, show=show))


@bp.route("/notebook/practice", methods=["POST"])
@allow(Role.AGENT)
def practice():
    form = PracticeForm()
    if not form.validate_on_submit():
        abort(400)
    entries = _filtered(results.notebook(current_user, utcnow()), form.category.data,
                        form.show.data)
    rng = random.Random(secrets.randbits(31))  # noqa: S311  (a draw, not a secret)
    picked = results.practice_pick(entries, learning.rules().practice_questions, rng)
    if not picked:
        flash("这里没有可以练习的错题。", "info")
        return redirect(url_for("notebook.index", category=form.category.data or None,
                                show=form.show.data or None))
    attempt = learning.start_notebook_practice(current_user, picked)
    return redirect(url_for("learning.practice", attempt_id=attempt.id))
