"""The onboarding funnel: who is invited, studying, certified, and how fast."""

from collections import Counter
from dataclasses import dataclass
from datetime import date
from statistics import median

from sqlalchemy import func, or_, select

from ..accounts.models import User
from ..exams.models import KIND_CERTIFICATION, Exam, Paper
from ..exports import Column, Table
from ..extensions import db
from ..learning.models import ModuleProgress
from ..learning.onboarding import Stage, days_to_certify, stage


@dataclass(frozen=True)
class NewHire:
    user: User
    stage: Stage
    modules_done: int
    modules_started: int
    sittings: int
    days_to_certify: int | None
    days_since_joining: int


def new_hires(viewer: User, since: date, today: date, module_ids: list[str]) -> list[NewHire]:
    """Agents who joined since `since`, or are not yet certified, as the viewer may see them."""
    query = select(User).where(User.role == "agent", User.is_active_account.is_(True),
                               or_(User.joined_on >= since, User.certified_on.is_(None)))
    if not viewer.sees_all_teams:
        query = query.where(User.team_id == viewer.team_id)
    users = db.session.scalars(query.order_by(User.joined_on.desc())).all()
    ids = [u.id for u in users]
    done, started = Counter(), Counter()
    for user_id, completed in db.session.execute(
            select(ModuleProgress.user_id, ModuleProgress.completed_at)
            .where(ModuleProgress.user_id.in_(ids), ModuleProgress.module_id.in_(module_ids))):
        started[user_id] += 1
        done[user_id] += completed is not None
    sittings = dict(db.session.execute(
        select(Paper.user_id, func.count(Paper.id)).join(Exam)
        .where(Exam.kind == KIND_CERTIFICATION, Paper.user_id.in_(ids))
        .group_by(Paper.user_id)).all())
    return [NewHire(u, stage(started[u.id] > 0, u.certified_on), done[u.id], started[u.id],
                    sittings.get(u.id, 0), days_to_certify(u.joined_on, u.certified_on),
                    (today - u.joined_on).days) for u in users]


def funnel(rows: list[NewHire]) -> list[tuple[Stage, int]]:
    """Cumulative: everyone invited; studying includes those since certified."""
    counts = Counter(r.stage for r in rows)
    certified = counts[Stage.CERTIFIED]
    studying = counts[Stage.STUDYING] + certified
    return [(Stage.INVITED, len(rows)), (Stage.STUDYING, studying), (Stage.CERTIFIED, certified)]


def median_days(rows: list[NewHire]) -> float | None:
    days = [r.days_to_certify for r in rows if r.days_to_certify is not None]
    return median(days) if days else None


HIRE_COLUMNS = (Column("客服"), Column("姓名"), Column("团队"), Column("入职日期"),
                Column("入职天数", "integer"), Column("阶段"), Column("完成课程", "integer"),
                Column("认证次数", "integer"), Column("认证用时(天)", "integer"))


def hires_table(rows: list[NewHire], days: int) -> Table:
    return Table("hires", f"新人上岗进度 近{days}天", HIRE_COLUMNS, [
        [r.user.username, r.user.display_name, r.user.team.name if r.user.team else "",
         r.user.joined_on.isoformat(), r.days_since_joining, r.stage.label, r.modules_done,
         r.sittings, r.days_to_certify] for r in rows])
