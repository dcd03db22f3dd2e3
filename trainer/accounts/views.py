from urllib.parse import urlsplit

from flask import (
    Blueprint,
    current_app,
    flash,
    redirect,
    render_template,
    request,
    session,
    url_for,
)
from flask_limiter import Limiter
from flask_limiter.util import get_remote_address
from flask_login import current_user, login_user, logout_user

from . import service
from .access import allow, before_password_change, public
from .forms import ChangePasswordForm, LoginForm
from .passwords import policy_problems
from .roles import Role

bp = Blueprint("accounts", __name__)


def _safe_next(target: str | None) -> str | None:
    """Only same-site paths: an open redirect after login is a phishing tool."""
    if not target:
        return None
    parts = urlsplit(target)
    if parts.scheme or parts.netloc or not target.startswith("/") or target.startswith("//"):
        return None
    return target


def home_for(user) -> str:
    if user.role_enum is Role.ADMIN:
        return url_for("admin.users")
    if user.role_enum in (Role.MANAGER, Role.LEAD):
        return url_for("reports.pass_rates")
    return url_for("learning.dashboard")


@bp.route("/")
@allow()
def home():
    return redirect(home_for(current_user))


def _address_and_username() -> str:
    return f"{get_remote_address()}/{request.form.get('username', '').strip().lower()}"


def limit_login_attempts(app) -> None:
    """Wrap the login view in this app's own limiter.

    A limiter per app, not a module-level one: Flask-Limiter keeps its storage and settings on
    the instance, so one instance shared by several apps would run them all on the last one's.
    Guessing one account's password is slowed per account and address; a whole office behind
    one NAT address logging in at shift start only meets the looser per-address ceiling.
    """
    limiter = Limiter(get_remote_address, app=app, default_limits=[])
    app.extensions["trainer.limiter"] = limiter  # the decorators below hold it only weakly
    view = app.view_functions["accounts.login"]
    view = limiter.limit(app.config["RATELIMIT_LOGIN_PER_ADDRESS"], methods=["POST"])(view)
    view = limiter.limit(app.config["RATELIMIT_LOGIN"], methods=["POST"],
                         key_func=_address_and_username)(view)
    app.view_functions["accounts.login"] = view


@bp.route("/login", methods=["GET", "POST"])
@public
def login():
    if current_user.is_authenticated:
        return redirect(home_for(current_user))
    form = LoginForm()
    if form.validate_on_submit():
        user = service.authenticate(form.username.data, form.password.data)
        if user is None:
            form.password.errors.append("用户名或密码错误,或账号已停用")
        else:
            next_url = _safe_next(request.args.get("next"))
            # A fresh session at login: nothing set before authentication survives it.
            session.clear()
            session.permanent = True
            login_user(user, remember=form.remember.data)
            return redirect(next_url or home_for(user))
    return render_template("accounts/login.html", form=form, demo_logins=_demo_logins())


def _demo_logins():
    """On a development machine with the demo organization, the logins to try."""
    if current_app.config["TRAINER_ENV"] != "development":
        return None
    from ..demo import DEMO_PASSWORD, LOGINS, is_seeded

    return (LOGINS, DEMO_PASSWORD) if is_seeded() else None


@bp.route("/logout", methods=["POST"])
@allow()
@before_password_change
def logout():
    logout_user()
    session.clear()
    flash("已退出登录", "info")
    return redirect(url_for("accounts.login"))


@bp.route("/password", methods=["GET", "POST"])
@allow()
@before_password_change
def change_password():
    form = ChangePasswordForm()
    if form.validate_on_submit():
        if not current_user.check_password(form.current.data):
            form.current.errors.append("当前密码不正确")
        elif form.new.data == form.current.data:
            form.new.errors.append("新密码不能与当前密码相同")
        else:
            problems = policy_problems(form.new.data, current_user.username)
            if problems:
                form.new.errors.extend(problems)
            else:
                user = current_user._get_current_object()
                service.change_own_password(user, form.new.data)
                # The epoch changed: re-issue this device's session so it stays signed in.
                login_user(user)
                flash("密码已更新", "success")
                return redirect(_safe_next(request.args.get("next")) or home_for(user))
    return render_template("accounts/password.html", form=form)
