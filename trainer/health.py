from flask import Blueprint, jsonify
from sqlalchemy import text

from .accounts.access import public
from .extensions import db

bp = Blueprint("health", __name__)


@bp.route("/healthz")
@public
def healthz():
    """For the load balancer: the process answers and reaches its database."""
    db.session.execute(text("SELECT 1"))
    return jsonify(status="ok")
