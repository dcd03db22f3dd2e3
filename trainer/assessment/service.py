"""Where the daily-assessment ledger meets the database: items, the supervisor's adjustment,
publication, appeals and the queries behind the pages.

Every change adds its audit row (target "user:<id>") in the caller's transaction; callers
commit. Items change only while their month is unpublished; after publication only an
appeal's decision changes an item, and only for an appeal filed inside the window.
"""

from collections import Counter
from dataclasses import dataclass
from datetime import date, datetime

from flask import current_app
from sqlalchemy import func, select

from ..accounts.models import User
from ..accounts.roles import Role
from ..clock import format_local, to_local
from ..extensions import db
from . import events
from .audit import record, record_change
from .catalogue import (
    CLASS_EXAM,
    CLASS_SUPERVISOR,
    SUPERVISOR,
    Catalogue,
    ItemKind,
    check_item,
    check_revised_points,
)
from .models import (
    APPEAL_ACCEPTED,
    APPEAL_PENDING,
    APPEAL_REJECTED,
    Appeal,
    AssessmentMonth,
    AuditEvent,
    LedgerItem,
)
from .rules import (
    AssessmentRules,
    Entry,
    MonthSummary,
    appeal_deadline,
    appeal_open,
    exam_adjustment,
    is_first_month,
    month_ended,
    month_score,
    month_summary,
    signed,
)
from .rules import month_state as state_at

APPEAL_TEXT_MAX = 1000
# Dated items by date, then the month-level ones (exam, supervisor) in the order recorded.
ITEM_ORDER = (LedgerItem.occurred_on.is_(None), LedgerItem.occurred_on, LedgerItem.created_at,
              LedgerItem.id)


class AssessmentError(Exception):
    """A refused change; the message is shown to the user as it is."""


class OutOfScope(AssessmentError):
    """The actor may not act on this agent, item or appeal."""


class InvalidInput(AssessmentError):
    """Input that fails the rules, by form field."""

    def __init__(self, errors: dict[str, str]):
        super().__init__(";".join(errors.values()))
        self.errors = errors


def rules() -> AssessmentRules:
    return current_app.config["ASSESSMENT_RULES"]


def catalogue() -> Catalogue:
    return current_app.config["ASSESSMENT_CATALOGUE"]


def kind_of(item: LedgerItem) -> ItemKind:
    """The item's catalogue kind; an item whose code has left the catalogue keeps its class
    and may move within the float limit on its own side of zero."""
    kind = catalogue().get(item.code)
    if kind is not None:
        return kind
    limit = rules().float_limit
    low, high = (-limit, -1) if item.points < 0 else (1, limit)
    return ItemKind(item.code, item.item_class, item.reason, item.points, low, high)


# Scope -------------------------------------------------------------------------------------

def manages(actor: User | None, agent: User) -> bool:
    """Managers and admins act on every agent, a lead on the agents of their own team."""
    if actor is None or agent.role_enum is not Role.AGENT:
        return False
    if actor.sees_all_teams:
        return True
    return (actor.role_enum is Role.LEAD and actor.team_id is not None
            and actor.team_id == agent.team_id)


def _require_scope(actor: User | None, agent: User) -> None:
    if not manages(actor, agent):
        raise OutOfScope("无权处理该客服的考核")


def agent_for(viewer: User, user_id: int) -> User | None:
    """The agent `viewer` may see, or None (as if there were none)."""
    agent = db.session.get(User, user_id)
    return agent if agent is not None and manages(viewer, agent) else None


def agents_query(viewer: User, team_id: int | None = None):
    """The agents the viewer looks after (a manager may pick one team), in team order; None
    when they look after nobody."""
    query = select(User).where(User.role == Role.AGENT.value)
    if not viewer.sees_all_teams:
        if viewer.role_enum is not Role.LEAD or viewer.team_id is None:
            return None
        query = query.where(User.team_id == viewer.team_id)
    elif team_id is not None:
        query = query.where(User.team_id == team_id)
    return query.order_by(User.team_id, User.display_name, User.id)


def agents_in_scope(viewer: User, team_id: int | None = None) -> list[User]:
    query = agents_query(viewer, team_id)
    return [] if query is None else db.session.scalars(query).all()


# Publication -------------------------------------------------------------------------------

def publication(month: str) -> AssessmentMonth | None:
    return db.session.scalar(select(AssessmentMonth).where(AssessmentMonth.month == month))


def published_month_names() -> list[str]:
    """Every published month, newest first."""
    return list(db.session.scalars(select(AssessmentMonth.month)
                                   .order_by(AssessmentMonth.month.desc())))


def deadline(published: AssessmentMonth) -> datetime:
    return appeal_deadline(published.published_at, published.appeal_hours)


def month_state(month: str, now: datetime) -> str:
    """"draft" (unpublished), "appeals" (published, window open) or "locked"."""
    published = publication(month)
    if published is None:
        return state_at(None, 0, now)
    return state_at(published.published_at, published.appeal_hours, now)


def publish(month: str, actor: User, now: datetime) -> AssessmentMonth:
    """Publish a month once it is over (local time): its scores are then final but for the
    appeals filed in the window. Only managers and admins publish, each month once."""
    if actor is None or not actor.sees_all_teams:
        raise OutOfScope("只有客服主管可以发布考核")
    existing = publication(month)
    if existing is not None:
        raise AssessmentError(
            f"{month} 的考核已于 {format_local(existing.published_at)} 发布,不能重复发布")
    if not month_ended(month, to_local(now).date()):
        raise AssessmentError(f"{month} 尚未结束,月底之后才能发布")
    published = AssessmentMonth(month=month, published_at=now, published_by_id=actor.id,
                                appeal_hours=rules().appeal_hours)
    db.session.add(published)
    db.session.flush()
    record(actor, "assessment.published", f"month:{month}",
           {"month": month, "appeal_hours": published.appeal_hours,
            "deadline": deadline(published).isoformat()})
    events.month_published.send(month)
    return published


def _require_draft(month: str) -> None:
    published = publication(month)
    if published is not None:
        raise AssessmentError(
            f"{month} 的考核已于 {format_local(published.published_at)} 发布,不能再修改")


# Items -------------------------------------------------------------------------------------

def _values(item: LedgerItem) -> dict:
    return {"points": item.points,
            "occurred_on": item.occurred_on.isoformat() if item.occurred_on else None,
            "note": item.reason, "evidence": item.evidence, "demerit": item.demerit}


def _require_manual(item: LedgerItem) -> None:
    if item.source is not None:
        raise AssessmentError("考试和主管奖惩的加减分不能在这里修改")


def add_item(agent: User, month: str, code: str, points: int | None,
             occurred_on: date | None, reason: str, evidence: str = "",
             demerit: bool | None = None, actor: User | None = None) -> LedgerItem:
    """Record a catalogue item (`reason`: what happened). `points` None takes the kind's
    default, `demerit` None the kind's."""
    _require_scope(actor, agent)
    _require_draft(month)
    kind = catalogue().get(code)
    if kind is not None and not kind.selectable:
        kind = None
    if kind is not None and points is None:
        points = kind.default_points
    reason, evidence = (reason or "").strip(), (evidence or "").strip()
    errors = check_item(kind, points, occurred_on, month, reason, evidence)
    if errors:
        raise InvalidInput(errors)
    item = LedgerItem(user_id=agent.id, month=month, code=code, item_class=kind.item_class,
                      points=points, reason=reason, occurred_on=occurred_on,
                      evidence=evidence, demerit=kind.demerit if demerit is None else demerit,
                      recorded_by_id=actor.id)
    db.session.add(item)
    db.session.flush()
    record_change(actor, "ledger.item.added", f"user:{agent.id}", old=None, new=_values(item),
                  reason=reason, month=month, item=item.id, code=code)
    return item


def update_item(item: LedgerItem, *, points: int | None, occurred_on: date | None, note: str,
                evidence: str, demerit: bool, actor: User | None, reason: str) -> bool:
    """Change a recorded item; `reason` says why. False when nothing changed (no row)."""
    _require_scope(actor, item.user)
    _require_draft(item.month)
    _require_manual(item)
    note, evidence, reason = (note or "").strip(), (evidence or "").strip(), (reason or "").strip()
    errors = check_item(kind_of(item), points, occurred_on, item.month, note, evidence)
    if not reason:
        errors["reason"] = "请填写修改原因"
    if errors:
        raise InvalidInput(errors)
    old = _values(item)
    item.points, item.occurred_on, item.reason = points, occurred_on, note
    item.evidence, item.demerit = evidence, demerit
    new = _values(item)
    changed = [key for key in old if old[key] != new[key]]
    if not changed:
        return False
    record_change(actor, "ledger.item.updated", f"user:{item.user_id}",
                  old={k: old[k] for k in changed}, new={k: new[k] for k in changed},
                  reason=reason, month=item.month, item=item.id, code=item.code)
    return True


def remove_item(item: LedgerItem, actor: User | None, reason: str) -> None:
    _require_scope(actor, item.user)
    _require_draft(item.month)
    _require_manual(item)
    reason = (reason or "").strip()
    if not reason:
        raise InvalidInput({"reason": "请填写删除原因"})
    record_change(actor, "ledger.item.removed", f"user:{item.user_id}", old=_values(item),
                  new=None, reason=reason, month=item.month, item=item.id, code=item.code)
    db.session.delete(item)


def supervisor_item(agent_id: int, month: str) -> LedgerItem | None:
    source = f"{SUPERVISOR}:{agent_id}:{month}"
    return db.session.scalar(select(LedgerItem).where(LedgerItem.source == source))


def set_supervisor_adjustment(agent: User, month: str, points: int | None, reason: str,
                              actor: User | None) -> LedgerItem | None:
    """The supervisor's (客服主管: managers, admins) one discretionary adjustment of the
    agent's month, within ±supervisor_limit and always with a reason; 0 removes it."""
    if actor is None or not actor.sees_all_teams:
        raise OutOfScope("只有客服主管可以给出月度额外奖惩")
    _require_scope(actor, agent)
    _require_draft(month)
    limit = rules().supervisor_limit
    reason = (reason or "").strip()
    errors = {}
    if points is None or not -limit <= points <= limit:
        errors["points"] = f"主管奖惩应在 {-limit:+d} 至 {limit:+d} 分之间"
    if not reason:
        errors["reason"] = "主管奖惩必须说明理由"
    if errors:
        raise InvalidInput(errors)
    item = supervisor_item(agent.id, month)
    old = {"points": item.points, "note": item.reason} if item else None
    if points == 0:
        if item is None:
            return None
        db.session.delete(item)
        new, item_id, item = None, item.id, None
    else:
        if item is None:
            item = LedgerItem(user_id=agent.id, month=month, code=SUPERVISOR,
                              item_class=CLASS_SUPERVISOR, points=points, reason=reason,
                              source=f"{SUPERVISOR}:{agent.id}:{month}",
                              recorded_by_id=actor.id)
            db.session.add(item)
        item.points, item.reason, item.recorded_by_id = points, reason, actor.id
        db.session.flush()
        new, item_id = {"points": item.points, "note": item.reason}, item.id
    if old != new:
        record_change(actor, "ledger.supervisor", f"user:{agent.id}", old=old, new=new,
                      reason=reason, month=month, item=item_id, code=SUPERVISOR)
    return item


def settle_exam(user, month: str, score: float | None, source: str, stale: list[str],
                actor=None, reason: str = "") -> LedgerItem | None:
    """Make the ledger hold exactly the item that the exam's counting score calls for, under
    `source` (its attempt); items of `stale` sources (the exam's other attempts) and items the
    score no longer calls for are withdrawn. Every change is audited; the caller commits.

    A published month does not change: the change it would have made is audited as held, so
    that a late grading or regrading stays visible and can be settled by hand."""
    adjustment = None if score is None else exam_adjustment(score, rules())
    present = db.session.scalars(
        select(LedgerItem).where(LedgerItem.source.in_([source, *stale]))).all()
    kept = next((i for i in present if i.source == source and adjustment is not None
                 and i.code == adjustment.code), None)
    withdrawn = [i for i in present if i is not kept]
    adding = adjustment is not None and kept is None
    if not withdrawn and not adding:
        return kept
    if publication(month) is not None:
        record_change(actor, "ledger.exam.held", f"user:{user.id}",
                      old={"points": sum(i.points for i in withdrawn)} if withdrawn else None,
                      new={"points": adjustment.points} if adding else None,
                      reason=reason, month=month, source=source, score=score,
                      code=adjustment.code if adding else withdrawn[0].code)
        return next((i for i in present if i.source == source), None)
    for item in withdrawn:
        record(actor, "ledger.exam.withdrawn", f"user:{item.user_id}",
               {"month": item.month, "code": item.code, "points": item.points,
                "source": item.source, "score": score, "reason": reason})
        db.session.delete(item)
    if not adding:
        return kept
    db.session.flush()  # the withdrawn item's source is free again
    item = LedgerItem(user_id=user.id, month=month, code=adjustment.code,
                      item_class=CLASS_EXAM, points=adjustment.points,
                      reason=adjustment.reason, source=source)
    db.session.add(item)
    record(actor, "ledger.exam", f"user:{user.id}",
           {"month": month, "code": adjustment.code, "points": adjustment.points,
            "source": source, "score": score, "reason": reason})
    return item


# Appeals -----------------------------------------------------------------------------------

def file_appeal(item: LedgerItem, agent: User, text: str, now: datetime) -> Appeal:
    """An agent's objection to one of their own items, while the month's window is open."""
    if item.user_id != agent.id:
        raise OutOfScope("只能对自己的考核项目申诉")
    published = publication(item.month)
    if published is None:
        raise AssessmentError("本月考核尚未发布")
    if not appeal_open(published.published_at, published.appeal_hours, now):
        raise AssessmentError(f"申诉已于 {format_local(deadline(published))} 截止")
    if item.appeal is not None:
        raise AssessmentError("该项目已提出过申诉")
    text = (text or "").strip()
    if not text:
        raise InvalidInput({"text": "请写明申诉理由"})
    if len(text) > APPEAL_TEXT_MAX:
        raise InvalidInput({"text": f"申诉理由不能超过 {APPEAL_TEXT_MAX} 个字"})
    appeal = Appeal(item=item, user_id=agent.id, text=text, filed_at=now)
    db.session.add(appeal)
    db.session.flush()
    record_change(agent, "appeal.filed", f"user:{agent.id}", old=None,
                  new={"status": APPEAL_PENDING}, reason=text, month=item.month,
                  item=item.id, code=item.code, appeal=appeal.id)
    return appeal


def decide_appeal(appeal: Appeal, actor: User, accept: bool, reason: str,
                  new_points: int | None, now: datetime) -> Appeal:
    """A lead of the agent's team or a manager accepts (the item takes `new_points`; 0
    withdraws it in effect) or rejects with a reason. Appeals filed in time may be decided
    after the window."""
    item = appeal.item
    _require_scope(actor, item.user)
    if appeal.status != APPEAL_PENDING:
        raise AssessmentError("该申诉已处理")
    reason = (reason or "").strip()
    if not accept and not reason:
        raise InvalidInput({"reason": "驳回申诉必须说明理由"})
    if accept:
        problem = check_revised_points(kind_of(item), new_points)
        if problem:
            raise InvalidInput({"points": problem})
    before = item.points
    after = new_points if accept else before
    appeal.status = APPEAL_ACCEPTED if accept else APPEAL_REJECTED
    appeal.decided_by_id, appeal.decided_at, appeal.decision = actor.id, now, reason
    appeal.points_before, appeal.points_after = before, after
    context = {"month": item.month, "item": item.id, "code": item.code, "appeal": appeal.id}
    record_change(actor, f"appeal.{appeal.status}", f"user:{item.user_id}",
                  old={"status": APPEAL_PENDING}, new={"status": appeal.status},
                  reason=reason, **context)
    if after != before:
        item.points = after
        record_change(actor, "ledger.item.appeal", f"user:{item.user_id}",
                      old={"points": before}, new={"points": after}, reason=reason,
                      **context)
        events.month_score_changed.send(user_id=item.user_id, month=item.month)
    return appeal


def pending_appeals(viewer: User) -> list[Appeal]:
    agents = {a.id for a in agents_in_scope(viewer)}
    if not agents:
        return []
    query = (select(Appeal).join(LedgerItem)
             .where(Appeal.status == APPEAL_PENDING, LedgerItem.user_id.in_(agents))
             .order_by(Appeal.filed_at, Appeal.id))
    return db.session.scalars(query).all()


# Months and their summaries ----------------------------------------------------------------

def month_items(user_id: int, month: str) -> list[LedgerItem]:
    query = (
        select(LedgerItem)
        .where(LedgerItem.user_id == user_id, LedgerItem.month == month)
        .order_by(*ITEM_ORDER)
    )
    return db.session.scalars(query).all()


def month_assessment(user_id: int, month: str) -> tuple[int, list[LedgerItem]]:
    items = month_items(user_id, month)
    return month_score((i.points for i in items), rules()), items


def month_scores(user_ids: list[int], months: list[str]) -> dict[tuple[int, str], int]:
    """Each agent's score in each month, as month_assessment gives it, in one query: a
    department's sheets are computed at once when a month is published."""
    points: dict[tuple[int, str], list[int]] = {}
    for user_id, month, value in db.session.execute(
            select(LedgerItem.user_id, LedgerItem.month, LedgerItem.points)
            .where(LedgerItem.user_id.in_(user_ids), LedgerItem.month.in_(months))):
        points.setdefault((user_id, month), []).append(value)
    current = rules()
    return {(user_id, month): month_score(points.get((user_id, month), ()), current)
            for user_id in user_ids for month in months}


def summarize(user: User, month: str, items: list[LedgerItem]) -> MonthSummary:
    entries = [Entry(i.points, i.demerit, kind_of(i).dismissal) for i in items]
    return month_summary(entries, rules(), first_month=is_first_month(user.joined_on, month))


@dataclass(frozen=True)
class AgentMonth:
    user: User
    items: list[LedgerItem]
    summary: MonthSummary
    pending_appeals: int


def agent_month(user: User, month: str) -> AgentMonth:
    items = month_items(user.id, month)
    pending = sum(1 for i in items if i.appeal and i.appeal.status == APPEAL_PENDING)
    return AgentMonth(user, items, summarize(user, month, items), pending)


def month_table(viewer: User, month: str, team_id: int | None = None) -> list[AgentMonth]:
    """The month of every agent in the viewer's scope (inactive ones only if they have
    items)."""
    agents = agents_in_scope(viewer, team_id)
    ids = [a.id for a in agents]
    items: dict[int, list[LedgerItem]] = {i: [] for i in ids}
    for item in db.session.scalars(
            select(LedgerItem).where(LedgerItem.month == month, LedgerItem.user_id.in_(ids))
            .order_by(*ITEM_ORDER)):
        items[item.user_id].append(item)
    pending = Counter(dict(db.session.execute(
        select(LedgerItem.user_id, func.count(Appeal.id)).join(Appeal)
        .where(LedgerItem.month == month, LedgerItem.user_id.in_(ids),
               Appeal.status == APPEAL_PENDING)
        .group_by(LedgerItem.user_id)).all()))
    return [AgentMonth(a, items[a.id], summarize(a, month, items[a.id]), pending[a.id])
            for a in agents if a.is_active_account or items[a.id]]


def published_months(user: User) -> list[AssessmentMonth]:
    """The published months since the agent joined, newest first."""
    joined = user.joined_on.strftime("%Y-%m")
    return db.session.scalars(
        select(AssessmentMonth).where(AssessmentMonth.month >= joined)
        .order_by(AssessmentMonth.month.desc())).all()


def recent_months(now: datetime, count: int = 12) -> list[str]:
    """The current local month and the ones before it, for the staff's month picker."""
    local = to_local(now)
    ordinal = local.year * 12 + local.month - 1
    return [f"{(o // 12):04d}-{(o % 12) + 1:02d}" for o in range(ordinal, ordinal - count, -1)]


# The audit trail ---------------------------------------------------------------------------

ACTION_LABELS = {
    "ledger.item.added": "记录加减分",
    "ledger.item.updated": "修改加减分",
    "ledger.item.removed": "删除加减分",
    "ledger.supervisor": "主管奖惩",
    "ledger.exam": "考试加减分",
    "ledger.exam.withdrawn": "撤销考试加减分",
    "ledger.exam.held": "考试加减分未计入(本月已发布)",
    "ledger.item.appeal": "申诉改分",
    "appeal.filed": "提出申诉",
    "appeal.accepted": "申诉通过",
    "appeal.rejected": "申诉驳回",
}
FIELD_LABELS = {"points": "分值", "occurred_on": "日期", "note": "说明", "evidence": "凭证",
                "demerit": "记过", "status": "申诉"}
STATUS_LABELS = {APPEAL_PENDING: "待处理", APPEAL_ACCEPTED: "已通过", APPEAL_REJECTED: "已驳回"}


@dataclass(frozen=True)
class Change:
    field: str
    old: str
    new: str


@dataclass(frozen=True)
class AuditLine:
    at: datetime
    actor: str
    action: str
    item_id: int | None
    code: str
    changes: list[Change]
    reason: str


def _shown(key: str, value) -> str:
    if value is None or value == "":
        return "—"
    if key == "points":
        return signed(value)
    if key == "demerit":
        return "是" if value else "否"
    if key == "status":
        return STATUS_LABELS.get(value, value)
    return str(value)


def _changes(event: AuditEvent) -> list[Change]:
    detail = event.detail
    if event.action in ("ledger.exam", "ledger.exam.withdrawn"):
        points = _shown("points", detail.get("points"))
        return [Change(FIELD_LABELS["points"], "—", points) if event.action == "ledger.exam"
                else Change(FIELD_LABELS["points"], points, "—")]
    old, new = detail.get("old") or {}, detail.get("new") or {}
    changes = [Change(FIELD_LABELS[k], _shown(k, old.get(k)), _shown(k, new.get(k)))
               for k in FIELD_LABELS if k in old or k in new]
    # An item's birth or removal: "— → 否" for an unticked demerit says nothing.
    silent = {("—", "否"), ("否", "—")}
    return [c for c in changes if c.old != c.new
            and not (c.field == FIELD_LABELS["demerit"] and (c.old, c.new) in silent)]


def audit_trail(user_id: int, month: str | None = None) -> list[AuditLine]:
    """The agent's ledger and appeal history, oldest first (optionally one month's)."""
    events = db.session.scalars(
        select(AuditEvent).where(AuditEvent.target == f"user:{user_id}",
                                 AuditEvent.action.in_(ACTION_LABELS))
        .order_by(AuditEvent.at, AuditEvent.id)).all()
    kinds = catalogue()
    lines = []
    for event in events:
        detail = event.detail or {}
        if month is not None and detail.get("month") != month:
            continue
        code = detail.get("code") or ""
        kind = kinds.get(code)
        reason = detail.get("reason") or ""
        if event.action.startswith("ledger.exam") and detail.get("score") is not None:
            reason = f"考试得分 {detail['score']:g}" + (f";{reason}" if reason else "")
        lines.append(AuditLine(
            at=event.at, actor=event.actor.display_name if event.actor else "系统",
            action=ACTION_LABELS[event.action], item_id=detail.get("item"),
            code=kind.label if kind else code, changes=_changes(event), reason=reason))
    return lines
