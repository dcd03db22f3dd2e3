"""Engine set-up that differs by backend.

SQLite serves several gunicorn workers only if readers never block writers (WAL), a writer
waits instead of failing (busy timeout), and a transaction that will write takes the write
lock when it begins: a deferred transaction that upgrades to a writer half-way fails at once
with "database is locked" when another worker committed in between. Requests with unsafe
methods and CLI commands therefore begin IMMEDIATE; GET requests begin deferred and must not
write until they call `begin_writing`.
"""

from contextvars import ContextVar
from decimal import Decimal

from sqlalchemy import Numeric, String, event
from sqlalchemy.engine import Engine
from sqlalchemy.types import TypeDecorator

_writes = ContextVar("trainer_sqlite_writes", default=True)
# The one transaction of a reading request that writes after all (see begin_writing).
_upgraded = ContextVar("trainer_sqlite_upgraded", default=False)


def expect_writes(flag: bool) -> None:
    """Declare whether the current request's transactions may write."""
    _writes.set(flag)
    _upgraded.set(False)


def begin_writing(session) -> None:
    """Let a reading request write in its next transaction (an autosave, a start, a page that
    found its attempt expired): the deferred one ends, the next begins IMMEDIATE, and after it
    the request reads deferred again. Reading deferred keeps SQLite's write lock free for
    other workers meanwhile. Objects read before are expired by it: what the write needs,
    take from them first."""
    if _writes.get() or session.get_bind().dialect.name != "sqlite":
        return  # the request writes anyway; PostgreSQL locks rows, not the database
    session.rollback()
    _upgraded.set(True)


def configure_sqlite(engine: Engine, busy_timeout_ms: int) -> None:
    @event.listens_for(engine, "connect")
    def _on_connect(dbapi_connection, _record):
        # Hand transaction control to SQLAlchemy's "begin" event below.
        dbapi_connection.isolation_level = None
        cursor = dbapi_connection.cursor()
        cursor.execute(f"PRAGMA busy_timeout = {int(busy_timeout_ms)}")
        cursor.execute("PRAGMA journal_mode = WAL")
        cursor.execute("PRAGMA synchronous = NORMAL")
        cursor.execute("PRAGMA foreign_keys = ON")
        cursor.close()

    @event.listens_for(engine, "begin")
    def _on_begin(connection):
        writes = _writes.get() or _upgraded.get()
        connection.exec_driver_sql("BEGIN IMMEDIATE" if writes else "BEGIN")

    @event.listens_for(engine, "commit")
    @event.listens_for(engine, "rollback")
    def _on_end(_connection):
        _upgraded.set(False)


class ExactDecimal(TypeDecorator):
    """A Decimal that comes back exactly as it went in: NUMERIC on PostgreSQL, text on SQLite,
    whose NUMERIC is a float (money and KPI tiers are compared at exact boundaries)."""

    impl = Numeric
    cache_ok = True

    def load_dialect_impl(self, dialect):
        if dialect.name == "sqlite":
            return dialect.type_descriptor(String(40))
        return dialect.type_descriptor(Numeric(18, 4))

    def process_bind_param(self, value, dialect):
        if value is None:
            return None
        value = Decimal(value)
        return str(value) if dialect.name == "sqlite" else value

    def process_result_value(self, value, dialect):
        # normalize() drops NUMERIC(18, 4)'s trailing zeros; "+ 0" turns 9E+3 back into 9000.
        return None if value is None else Decimal(value).normalize() + 0
