"""Access control: every view declares who may reach it; undeclared views are refused.

The declaration is an attribute on the view function, read by one `before_request` hook, so
the rule lives in one place and a route added without a declaration is denied (and fails the
route-matrix test) instead of silently open.
"""

from flask import abort, current_app, redirect, request, url_for
from flask.sessions import SecureCookieSessionInterface
from flask_login import current_user

from ..database import expect_writes
from ..extensions import login_manager
from .roles import Role

PUBLIC = "public"
SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})


def allow(*roles: Role):
    """Let signed-in users with one of `roles` (all roles when none given) reach the view."""
    allowed = frozenset(roles or Role)

    def mark(view):
        view.allowed_roles = allowed
        return view

    return mark


def public(view):
    view.allowed_roles = PUBLIC
    return view


def before_password_change(view):
    """Reachable while a forced password change is pending (the change form, logout)."""
    view.allowed_before_password_change = True
    return view


def writes_on_get(view):
    """This GET view may write (e.g. it finalizes an expired attempt)."""
    view.writes_on_get = True
    return view


def reads_first(view):
    """This POST view reads, then writes briefly, and calls `begin_writing` when it starts: on
    SQLite it holds the database's one write lock only for the write, not the whole request."""
    view.reads_first = True
    return view


def signed_in_by_query(view):
    """This view checks the sign-in and its roles in its own query (accounts.service.SIGNED_IN),
    which saves a round trip on the exam's busiest requests; when that query finds nothing the
    view calls `check_signed_in`, which answers as every other view does."""
    view.signed_in_by_query = True
    return view


def keeps_session_cookie(view):
    """This view does not re-sign the session cookie (the sliding lifetime's refresh): the
    exam's autosaves and clock polls come every few seconds, re-signing costs as much as a
    query, and the exam page loaded before them has just refreshed the cookie."""
    view.keeps_session_cookie = True
    return view


class SessionInterface(SecureCookieSessionInterface):
    def should_set_cookie(self, app, session) -> bool:
        if session.modified:
            return True
        view = app.view_functions.get(request.endpoint)
        return (super().should_set_cookie(app, session)
                and not getattr(view, "keeps_session_cookie", False))


def enforce() -> object:
    endpoint = request.endpoint
    if endpoint is None:
        return None  # 404 / 405 follow
    if endpoint == "static":
        expect_writes(False)
        return None
    view = current_app.view_functions[endpoint]
    if request.method in SAFE_METHODS:
        expect_writes(getattr(view, "writes_on_get", False))
    else:
        expect_writes(not getattr(view, "reads_first", False))
    allowed = getattr(view, "allowed_roles", None)
    if allowed is None:
        abort(403)
    if allowed == PUBLIC or getattr(view, "signed_in_by_query", False):
        return None
    return check_signed_in(view)


def check_signed_in(view) -> object:
    """The signed-in user's checks for `view`: a response that turns the request away, or
    None."""
    allowed = view.allowed_roles
    if not current_user.is_authenticated:
        return login_manager.unauthorized()
    if current_user.must_change_password and not getattr(
        view, "allowed_before_password_change", False
    ):
        return redirect(url_for("accounts.change_password", next=request.full_path))
    if current_user.role_enum not in allowed:
        abort(403)
    return None
