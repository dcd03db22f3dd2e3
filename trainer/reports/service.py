from collections import defaultdict

from sqlalchemy import select

from ..accounts.models import Team, User
from ..exams.models import KIND_MONTHLY, Attempt, Exam, Paper
from ..extensions import db
from .passrates import PassRate, summarize


def _graded_rows(viewer: User, month: str | None = None):
    query = (
        select(Exam.month, Exam.pass_mark, Team.name, Attempt.score)
        .join(Paper, Paper.exam_id == Exam.id)
        .join(Attempt, Attempt.paper_id == Paper.id)
        .join(User, User.id == Paper.user_id)
        .outerjoin(Team, Team.id == User.team_id)
        .where(Exam.kind == KIND_MONTHLY, Attempt.score.is_not(None))
    )
    if not viewer.sees_all_teams:
        query = query.where(User.team_id == viewer.team_id)
    if month:
        query = query.where(Exam.month == month)
    return db.session.execute(query).all()


def by_month(viewer: User) -> list[PassRate]:
    scores, marks = defaultdict(list), {}
    for month, pass_mark, _team, score in _graded_rows(viewer):
        scores[month].append(score)
        marks[month] = pass_mark
    return [summarize(m, scores[m], marks[m]) for m in sorted(scores)]


def by_team(viewer: User, month: str) -> list[PassRate]:
    scores, marks = defaultdict(list), {}
    for _month, pass_mark, team, score in _graded_rows(viewer, month):
        scores[team or "(未分组)"].append(score)
        marks[team or "(未分组)"] = pass_mark
    return [summarize(t, scores[t], marks[t]) for t in sorted(scores)]
