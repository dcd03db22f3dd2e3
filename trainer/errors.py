"""A database that is locked or out of reach answers 503 "retry", not 500 "broken".

SQLite gives up on a write lock after its busy timeout; PostgreSQL refuses or drops the
connection during a failover or a restart. Neither loses what was committed, and the same
request succeeds a moment later: the exam page keeps its unsaved answers and retries, and
an agent on any other page is told to try again.
"""

import sqlite3
from contextlib import suppress

from flask import Flask, current_app, jsonify, request
from sqlalchemy.exc import DBAPIError, InterfaceError, OperationalError, SQLAlchemyError

from .extensions import db

RETRY_AFTER_SECONDS = 3
# SQLite reports missing tables and syntax errors as OperationalError too: those are bugs,
# not a busy database, and stay 500s.
SQLITE_TRANSIENT = ("database is locked", "database table is locked", "database is busy",
                    "unable to open database file")


def unavailable(error: DBAPIError) -> bool:
    """Whether the database is busy or unreachable, as against the statement being wrong."""
    if error.connection_invalidated:
        return True
    if not isinstance(error, OperationalError | InterfaceError):
        return False
    if isinstance(error.orig, sqlite3.Error):
        return any(message in str(error.orig) for message in SQLITE_TRANSIENT)
    # psycopg: refused, reset or closed connections, and the server shutting down.
    return True


def register(app: Flask) -> None:
    app.register_error_handler(DBAPIError, _database_unavailable)


def _wants_json() -> bool:
    """The exam page's requests (autosave, clock) ask for JSON; navigations ask for HTML."""
    return request.is_json or request.accept_mimetypes.best_match(
        ["text/html", "application/json"]) == "application/json"


def _database_unavailable(error: DBAPIError):
    if not unavailable(error):
        raise error
    current_app.logger.warning("数据库暂时不可用(%s %s):%s", request.method, request.path,
                               error.orig)
    # A dropped connection may fail the rollback too; the pool replaces it on the next checkout.
    with suppress(SQLAlchemyError):
        db.session.rollback()
    if _wants_json():
        response = jsonify(error="服务器繁忙,请稍后重试", retry=True)
    else:
        # Rendered without the context processors: Flask-Login's would ask the database for
        # the signed-in user, which may be what just failed.
        page = current_app.jinja_env.get_template("unavailable.html").render()
        response = current_app.make_response(page)
    response.status_code = 503
    response.headers["Retry-After"] = str(RETRY_AFTER_SECONDS)
    return response
