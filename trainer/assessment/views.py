"""The daily-assessment pages: the agent's published months with appeals, and for leads and
managers the month table, each agent's month (items, supervisor's adjustment, appeals,
audit trail), publication and the appeals queue."""

import re

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_login import current_user
from sqlalchemy import select

from ..accounts.access import allow
from ..accounts.models import Team, utcnow
from ..accounts.roles import Role
from ..clock import local_now, to_local
from ..extensions import db
from . import service
from .catalogue import CLASS_LABELS
from .forms import (
    AppealForm,
    DecisionForm,
    EditItemForm,
    ItemForm,
    RemoveItemForm,
    SupervisorForm,
    kind_choices,
)
from .models import APPEAL_PENDING, Appeal, LedgerItem
from .rules import APPEALS, DRAFT, month_ended
from .service import AssessmentError, InvalidInput

bp = Blueprint("assessment", __name__)
STAFF = (Role.LEAD, Role.MANAGER, Role.ADMIN)
MONTH = re.compile(r"\d{4}-(0[1-9]|1[0-2])")
STATE_LABELS = {"draft": "未发布", "appeals": "申诉期", "locked": "已锁定"}


def _month_or_none(value: str | None) -> str | None:
    return value if value and MONTH.fullmatch(value) else None


def _month_or_404(value: str) -> str:
    return _month_or_none(value) or abort(404)


def _this_month() -> str:
    return local_now().strftime("%Y-%m")


def _attach(form, errors: dict[str, str]) -> None:
    """The service's refusals, shown on the fields they are about."""
    for name, message in errors.items():
        field = form._fields.get(name)
        if field is None:
            flash(message, "danger")
        else:
            field.errors = [*field.errors, message]


def _common() -> dict:
    return {"class_labels": CLASS_LABELS, "kinds": service.catalogue(),
            "rules": service.rules(), "state_labels": STATE_LABELS,
            "status_labels": service.STATUS_LABELS}


# The agent's side --------------------------------------------------------------------------

@bp.route("/me/assessment")
@allow(Role.AGENT)
def mine():
    return _mine_page(_month_or_none(request.args.get("month")))


def _mine_page(month: str | None, failed: tuple[int, AppealForm] | None = None):
    months = service.published_months(current_user)
    month = month or (months[0].month if months else _this_month())
    published = service.publication(month)
    context = {"months": months, "month": month, "published": published}
    if published is not None:
        now = utcnow()
        view = service.agent_month(current_user, month)
        state = service.month_state(month, now)
        forms = {item.id: AppealForm(formdata=None, prefix=f"i{item.id}")
                 for item in view.items if state == APPEALS and item.appeal is None}
        if failed is not None:
            forms[failed[0]] = failed[1]
        context.update(view=view, state=state, deadline=service.deadline(published),
                       forms=forms, trail=service.audit_trail(current_user.id, month))
    return render_template("assessment/mine.html", **context, **_common())


@bp.route("/me/assessment/items/<int:item_id>/appeal", methods=["POST"])
@allow(Role.AGENT)
def appeal(item_id: int):
    item = db.session.get(LedgerItem, item_id)
    if item is None or item.user_id != current_user.id:
        abort(404)
    form = AppealForm(prefix=f"i{item.id}")
    if form.validate_on_submit():
        try:
            service.file_appeal(item, current_user, form.text.data, utcnow())
        except InvalidInput as exc:
            _attach(form, exc.errors)
        except AssessmentError as exc:
            flash(str(exc), "danger")
            return redirect(url_for(".mine", month=item.month))
        else:
            db.session.commit()
            flash("申诉已提交,组长或主管处理后会在这里显示结果。", "success")
            return redirect(url_for(".mine", month=item.month))
    return _mine_page(item.month, (item.id, form)), 400


# Leads and managers ------------------------------------------------------------------------

@bp.route("/assessment")
@allow(*STAFF)
def overview():
    month = _month_or_none(request.args.get("month")) or _this_month()
    team_id = request.args.get("team", type=int) if current_user.sees_all_teams else None
    published = service.publication(month)
    teams = (db.session.scalars(select(Team).order_by(Team.name)).all()
             if current_user.sees_all_teams else [])
    return render_template(
        "assessment/overview.html", month=month, months=service.recent_months(utcnow()),
        rows=service.month_table(current_user, month, team_id), team_id=team_id, teams=teams,
        published=published, state=service.month_state(month, utcnow()),
        deadline=service.deadline(published) if published else None,
        ended=month_ended(month, to_local(utcnow()).date()),
        pending=len(service.pending_appeals(current_user)), **_common())


@bp.route("/assessment/<month>/publish", methods=["POST"])
@allow(Role.MANAGER, Role.ADMIN)
def publish(month: str):
    month = _month_or_404(month)
    try:
        published = service.publish(month, current_user, utcnow())
    except AssessmentError as exc:
        flash(str(exc), "danger")
    else:
        db.session.commit()
        flash(f"已发布 {month} 日常考核;客服可在 "
              f"{to_local(service.deadline(published)):%Y-%m-%d %H:%M} 前申诉。", "success")
    return redirect(url_for(".overview", month=month))


def _agent_or_404(user_id: int):
    return service.agent_for(current_user, user_id) or abort(404)


def _item_or_404(item_id: int) -> LedgerItem:
    item = db.session.get(LedgerItem, item_id) or abort(404)
    _agent_or_404(item.user_id)
    return item


def _item_form(form: ItemForm | None = None) -> ItemForm:
    form = form or ItemForm(formdata=None)
    form.code.choices = kind_choices(service.catalogue())
    return form


def _agent_page(agent, month: str, failed: dict | None = None):
    """The agent's month for staff; `failed` holds refused forms by key, shown as sent."""
    now = utcnow()
    view = service.agent_month(agent, month)
    state = service.month_state(month, now)
    published = service.publication(month)
    supervisor = service.supervisor_item(agent.id, month)
    forms = {"add": _item_form(),
             "sup": SupervisorForm(formdata=None, prefix="sup",
                                   points=supervisor.points if supervisor else 0,
                                   reason=supervisor.reason if supervisor else "")}
    for item in view.items:
        if item.source is None:
            forms[f"e{item.id}"] = EditItemForm(
                formdata=None, prefix=f"e{item.id}", points=item.points,
                occurred_on=item.occurred_on, note=item.reason, evidence=item.evidence,
                demerit=item.demerit)
            forms[f"r{item.id}"] = RemoveItemForm(formdata=None, prefix=f"r{item.id}")
        if item.appeal is not None and item.appeal.status == APPEAL_PENDING:
            forms[f"d{item.appeal.id}"] = DecisionForm(formdata=None,
                                                      prefix=f"d{item.appeal.id}")
    forms.update(failed or {})
    return render_template(
        "assessment/agent.html", agent=agent, month=month, view=view, state=state,
        published=published, deadline=service.deadline(published) if published else None,
        editable=state == DRAFT, forms=forms, failed=set(failed or {}),
        trail=service.audit_trail(agent.id, month), **_common())


@bp.route("/assessment/<month>/agents/<int:user_id>")
@allow(*STAFF)
def agent(month: str, user_id: int):
    return _agent_page(_agent_or_404(user_id), _month_or_404(month))


def _back_to(agent_id: int, month: str):
    return redirect(url_for(".agent", month=month, user_id=agent_id))


@bp.route("/assessment/<month>/agents/<int:user_id>/items", methods=["POST"])
@allow(*STAFF)
def add_item(month: str, user_id: int):
    agent, month = _agent_or_404(user_id), _month_or_404(month)
    form = _item_form(ItemForm())
    if form.validate_on_submit():
        demerit = {"1": True, "0": False}.get(form.demerit.data)
        try:
            service.add_item(agent, month, form.code.data, form.points.data,
                             form.occurred_on.data, form.note.data, form.evidence.data or "",
                             demerit, current_user)
        except InvalidInput as exc:
            _attach(form, exc.errors)
        except AssessmentError as exc:
            flash(str(exc), "danger")
            return _back_to(agent.id, month)
        else:
            db.session.commit()
            flash("已记录考核项目", "success")
            return _back_to(agent.id, month)
    return _agent_page(agent, month, {"add": form}), 400


@bp.route("/assessment/items/<int:item_id>", methods=["POST"])
@allow(*STAFF)
def edit_item(item_id: int):
    item = _item_or_404(item_id)
    form = EditItemForm(prefix=f"e{item.id}")
    if form.validate_on_submit():
        try:
            changed = service.update_item(
                item, points=form.points.data, occurred_on=form.occurred_on.data,
                note=form.note.data, evidence=form.evidence.data or "",
                demerit=form.demerit.data, actor=current_user, reason=form.reason.data)
        except InvalidInput as exc:
            _attach(form, exc.errors)
        except AssessmentError as exc:
            flash(str(exc), "danger")
            return _back_to(item.user_id, item.month)
        else:
            db.session.commit()
            flash("已保存修改" if changed else "没有改动", "success" if changed else "info")
            return _back_to(item.user_id, item.month)
    return _agent_page(item.user, item.month, {f"e{item.id}": form}), 400


@bp.route("/assessment/items/<int:item_id>/remove", methods=["POST"])
@allow(*STAFF)
def remove_item(item_id: int):
    item = _item_or_404(item_id)
    agent_id, month = item.user_id, item.month
    form = RemoveItemForm(prefix=f"r{item.id}")
    if form.validate_on_submit():
        try:
            service.remove_item(item, current_user, form.reason.data)
        except InvalidInput as exc:
            _attach(form, exc.errors)
        except AssessmentError as exc:
            flash(str(exc), "danger")
            return _back_to(agent_id, month)
        else:
            db.session.commit()
            flash("已删除考核项目", "success")
            return _back_to(agent_id, month)
    return _agent_page(item.user, month, {f"r{item.id}": form}), 400


@bp.route("/assessment/<month>/agents/<int:user_id>/supervisor", methods=["POST"])
@allow(Role.MANAGER, Role.ADMIN)
def supervisor(month: str, user_id: int):
    agent, month = _agent_or_404(user_id), _month_or_404(month)
    form = SupervisorForm(prefix="sup")
    if form.validate_on_submit():
        try:
            service.set_supervisor_adjustment(agent, month, form.points.data, form.reason.data,
                                              current_user)
        except InvalidInput as exc:
            _attach(form, exc.errors)
        except AssessmentError as exc:
            flash(str(exc), "danger")
            return _back_to(agent.id, month)
        else:
            db.session.commit()
            flash("已保存主管奖惩", "success")
            return _back_to(agent.id, month)
    return _agent_page(agent, month, {"sup": form}), 400


# Appeals -----------------------------------------------------------------------------------

def _appeals_page(failed: dict | None = None):
    appeals = service.pending_appeals(current_user)
    forms = {f"d{a.id}": DecisionForm(formdata=None, prefix=f"d{a.id}") for a in appeals}
    forms.update(failed or {})
    return render_template("assessment/appeals.html", appeals=appeals, forms=forms,
                           now=utcnow(), **_common())


@bp.route("/assessment/appeals")
@allow(*STAFF)
def appeals():
    return _appeals_page()


@bp.route("/assessment/appeals/<int:appeal_id>", methods=["POST"])
@allow(*STAFF)
def decide(appeal_id: int):
    appeal = db.session.get(Appeal, appeal_id) or abort(404)
    agent = _agent_or_404(appeal.user_id)
    item = appeal.item
    from_agent_page = request.form.get("back") == "agent"
    back = (_back_to(agent.id, item.month) if from_agent_page
            else redirect(url_for(".appeals")))
    form = DecisionForm(prefix=f"d{appeal.id}")
    if form.validate_on_submit():
        try:
            service.decide_appeal(appeal, current_user, form.decision.data == "accept",
                                  form.reason.data, form.points.data, utcnow())
        except InvalidInput as exc:
            _attach(form, exc.errors)
        except AssessmentError as exc:
            flash(str(exc), "danger")
            return back
        else:
            db.session.commit()
            flash("申诉已处理", "success")
            return back
    failed = {f"d{appeal.id}": form}
    page = _agent_page(agent, item.month, failed) if from_agent_page else _appeals_page(failed)
    return page, 400
