"""Admin pages: users one by one and in bulk, password resets, deactivation, teams."""

from flask import Blueprint, abort, flash, redirect, render_template, url_for
from flask_login import current_user
from sqlalchemy import select

from ..extensions import db
from . import service
from .access import allow
from .forms import RosterForm, TeamForm, UserForm, team_choices
from .models import Team, User
from .roles import Role
from .roster import COLUMNS, decode, parse

bp = Blueprint("admin", __name__, url_prefix="/admin")


def _teams():
    return db.session.scalars(select(Team).order_by(Team.name)).all()


def _user_or_404(user_id: int) -> User:
    return db.session.get(User, user_id) or abort(404)


@bp.route("/users")
@allow(Role.ADMIN)
def users():
    people = db.session.scalars(select(User).order_by(User.is_active_account.desc(), User.username))
    return render_template("admin/users.html", users=people.all())


@bp.route("/users/new", methods=["GET", "POST"])
@allow(Role.ADMIN)
def new_user():
    form = UserForm()
    form.team_id.choices = team_choices(_teams())
    if form.validate_on_submit():
        if service.username_taken(form.username.data):
            form.username.errors.append("该用户名已存在")
        else:
            team = db.session.get(Team, int(form.team_id.data)) if form.team_id.data else None
            user, password = service.create_user(
                username=form.username.data.strip(),
                display_name=form.display_name.data.strip(),
                role=Role(form.role.data),
                team=team,
                joined_on=form.joined_on.data,
                actor=current_user,
            )
            db.session.commit()
            return render_template("admin/credentials.html", created=[(user, password)])
    return render_template("admin/user_form.html", form=form)


@bp.route("/users/import", methods=["GET", "POST"])
@allow(Role.ADMIN)
def import_users():
    form = RosterForm()
    errors = []
    if form.validate_on_submit():
        upload = form.roster.data
        try:
            text = decode(upload.read())
        except ValueError as exc:
            errors = [str(exc)]
        else:
            taken = {u.lower() for u in db.session.scalars(select(User.username))}
            rows, problems = parse(text, taken, {t.name for t in _teams()})
            errors = [f"{upload.filename} {p}" for p in problems]
            if not errors:
                created = service.import_roster(rows, current_user)
                return render_template("admin/credentials.html", created=created)
    return render_template("admin/import.html", form=form, errors=errors, columns=COLUMNS)


@bp.route("/users/<int:user_id>/reset-password", methods=["POST"])
@allow(Role.ADMIN)
def reset_password(user_id: int):
    user = _user_or_404(user_id)
    password = service.reset_password(user, current_user)
    return render_template("admin/credentials.html", created=[(user, password)], reset=True)


@bp.route("/users/<int:user_id>/active", methods=["POST"])
@allow(Role.ADMIN)
def toggle_active(user_id: int):
    user = _user_or_404(user_id)
    if user.id == current_user.id:
        flash("不能停用自己的账号", "danger")
    else:
        service.set_active(user, not user.is_active_account, current_user)
        flash(f"已{'启用' if user.is_active_account else '停用'} {user.display_name}", "success")
    return redirect(url_for("admin.users"))


@bp.route("/teams", methods=["GET", "POST"])
@allow(Role.ADMIN)
def teams():
    form = TeamForm()
    if form.validate_on_submit():
        name = form.name.data.strip()
        if db.session.scalar(select(Team.id).where(Team.name == name)):
            form.name.errors.append("该团队已存在")
        else:
            db.session.add(Team(name=name))
            db.session.commit()
            flash(f"已创建团队 {name}", "success")
            return redirect(url_for("admin.teams"))
    return render_template("admin/teams.html", teams=_teams(), form=form)
