"""Each published month's KPI outcome per agent, kept in `kpi_results` so that the dashboards
count rows instead of computing every agent's sheet on each request.

A published month changes only through an appeal's decision, so the rows are written when the
month is published and refreshed when a decision changes an agent's score; both happen in the
caller's transaction (the receivers below listen to `assessment.events`). A row keeps the team
the agent was in when the month was first stored, so history stays with that team.
"""

from sqlalchemy import delete, false, func, insert, select

from ..accounts.models import User
from ..assessment import events
from ..assessment.service import published_month_names
from ..extensions import db
from .models import KpiResult
from .rules import GRADE_LABELS
from .service import AgentSheet, agent_sheet, month_sheets

NO_TEAM = 0
# Not "none": that code is the grade below the lowest bound (不评级).
NO_METRICS_GRADE = "no_metrics"
NO_METRICS_LABEL = "无指标"


def _outcome(row: AgentSheet) -> dict:
    sheet = row.sheet
    return {"assessment_score": row.assessment_score,
            "kpi": sheet.kpi if sheet else None,
            "grade": sheet.grade if sheet else None,
            "bonus": sheet.bonus if sheet else None,
            "commission": sheet.commission if sheet else None,
            "elimination": row.elimination}


def store_month(month: str) -> int:
    """Replace the month's rows with every agent's sheet; returns how many were stored."""
    sheets = month_sheets(None, month)
    db.session.execute(delete(KpiResult).where(KpiResult.month == month))
    rows = [{"month": month, "user_id": s.user.id, "team_id": s.user.team_id or NO_TEAM,
             **_outcome(s)} for s in sheets]
    if rows:
        db.session.execute(insert(KpiResult), rows)
    return len(rows)


def refresh_agent(user_id: int, month: str) -> None:
    """Recompute the agent's row of `month` and of every later stored month, whose
    elimination warning looks back at it. The rows are locked first, so that on PostgreSQL a
    second decision for the same agent waits and then computes from the first one's result."""
    stored = {row.month: row for row in db.session.scalars(
        select(KpiResult).where(KpiResult.user_id == user_id, KpiResult.month >= month)
        .order_by(KpiResult.month).with_for_update())}
    user = db.session.get(User, user_id)
    for each in sorted(stored.keys() | {month}):
        row = stored.get(each)
        if row is None:
            row = KpiResult(month=each, user_id=user_id, team_id=user.team_id or NO_TEAM)
            db.session.add(row)
        for name, value in _outcome(agent_sheet(user, each)).items():
            setattr(row, name, value)


@events.month_published.connect
def _on_published(month: str, **_extra) -> None:
    store_month(month)


@events.month_score_changed.connect
def _on_score_changed(_sender, *, user_id: int, month: str, **_extra) -> None:
    refresh_agent(user_id, month)


def backfill() -> int | None:
    """Store the months published before this table existed (for init-db after upgrading);
    returns how many months were stored, None when none was missing. Commits each month."""
    stored = set(published_result_months())
    missing = [m for m in published_month_names() if m not in stored]
    for month in missing:
        store_month(month)
        db.session.commit()
    return len(missing) or None


# Queries for the dashboards ----------------------------------------------------------------

def grade_distribution(viewer: User, month: str, team_id: int | None = None
                       ) -> list[tuple[str, str, int]]:
    """(grade, label, agents) for every grade, best first, zeros included; agents without
    metrics follow as (NO_METRICS_GRADE, "无指标", n) when there are any. A lead counts their
    own team only; a manager everyone, or one team (`team_id`, 0 for agents without one)."""
    query = (select(KpiResult.grade, func.count()).where(KpiResult.month == month)
             .group_by(KpiResult.grade))
    if not viewer.sees_all_teams:
        query = query.where(KpiResult.team_id == viewer.team_id if viewer.team_id is not None
                            else false())
    elif team_id is not None:
        query = query.where(KpiResult.team_id == team_id)
    counts = dict(db.session.execute(query).all())
    grades = [(code, label, counts.get(code, 0)) for code, label in GRADE_LABELS.items()]
    unscored = counts.get(None, 0)
    return grades + ([(NO_METRICS_GRADE, NO_METRICS_LABEL, unscored)] if unscored else [])


def results_of(user_id: int) -> list[KpiResult]:
    """The agent's stored months, newest first."""
    return list(db.session.scalars(select(KpiResult).where(KpiResult.user_id == user_id)
                                   .order_by(KpiResult.month.desc())))


def published_result_months() -> list[str]:
    """The months that have stored outcomes, newest first."""
    return list(db.session.scalars(select(KpiResult.month).distinct()
                                   .order_by(KpiResult.month.desc())))
