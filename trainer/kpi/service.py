"""The KPI sheet where the database meets the rules: rule versions by month, the monthly metrics
import, each agent's sheet (execution from the assessment ledger) and the exports.

A month that is published (an AssessmentMonth row) never changes here: its metrics cannot be
re-imported and no rule version may start at or before it.
"""

import re
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal

from sqlalchemy import func, or_, select

from ..accounts.models import User
from ..accounts.roles import Role
from ..assessment.audit import record_change
from ..assessment.service import month_scores, publication, published_month_names
from ..exams.service import month_of, month_ordinal
from ..exports import Column, Table, to_csv, to_xlsx
from ..extensions import db
from .models import INITIAL_MONTH, KpiRuleSet, MonthlyMetrics
from .rules import (
    DEFAULT_RULES,
    GRADE_LABELS,
    KpiRules,
    KpiSheet,
    Metrics,
    compute,
    elimination_warning,
    fmt,
)
from .sheetfile import MetricsFileError, parse_metrics

MONTH = re.compile(r"^\d{4}-(0[1-9]|1[0-2])$")
METRIC_FIELDS = ("sales_actual", "sales_plan", "consultations", "ordered_buyers", "paid_buyers",
                 "im_paid_sales", "customers_received", "customers_replied",
                 "avg_response_seconds", "followup_amount", "personal_revenue", "promotion")
NO_METRICS = "未导入指标"
FIRST_MONTH = "入职首月:得分照常记录,薪资不浮动"


class MonthPublished(ValueError):
    """The month is published: its figures are final."""


class RulesRefused(ValueError):
    def __init__(self, problems: list[str]):
        super().__init__(";".join(problems))
        self.problems = problems


def check_month(month: str) -> str:
    if not isinstance(month, str) or not MONTH.match(month):
        raise ValueError(f"月份 {month!r} 格式有误,应为 YYYY-MM")
    return month


def months_back(month: str, count: int) -> list[str]:
    """`count` months ending with `month`, oldest first."""
    last = month_ordinal(month)
    return [month_of(n) for n in range(last - count + 1, last + 1)]


# Publication -----------------------------------------------------------------------------

def is_published(month: str) -> bool:
    return publication(month) is not None


def published_months() -> list[str]:
    """Newest first."""
    return published_month_names()


def latest_published() -> str | None:
    return next(iter(published_month_names()), None)


# Rule versions ---------------------------------------------------------------------------

def ensure_default_rules() -> KpiRuleSet | None:
    """Store the shipped defaults once, so every rule in force lives in the database and a
    later change of the code's defaults never rewrites a past month. The caller commits."""
    if db.session.scalar(select(KpiRuleSet.id).limit(1)) is not None:
        return None
    row = KpiRuleSet(effective_from=INITIAL_MONTH, spec=DEFAULT_RULES.to_json(),
                     note="默认规则(DOMAIN.md 附件2)")
    db.session.add(row)
    db.session.flush()
    return row


def rule_sets() -> list[KpiRuleSet]:
    """Every version, newest first."""
    return list(db.session.scalars(select(KpiRuleSet).order_by(KpiRuleSet.effective_from.desc())))


def rules_for(month: str) -> tuple[KpiRuleSet, KpiRules]:
    """The version in force in `month`. A database not yet initialized (no version stored)
    reads the defaults from an unsaved row, so that reading never writes."""
    row = db.session.scalar(select(KpiRuleSet).where(KpiRuleSet.effective_from <= month)
                            .order_by(KpiRuleSet.effective_from.desc()).limit(1))
    if row is None:
        row = KpiRuleSet(effective_from=INITIAL_MONTH, spec=DEFAULT_RULES.to_json(),
                         note="默认规则")
    return row, KpiRules.from_json(row.spec)


def add_rule_set(effective_from: str, rules: KpiRules, note: str, actor) -> KpiRuleSet:
    """A new version from `effective_from` on; refused (RulesRefused) when the rules are
    inconsistent, the month is not after every published month, or a version already starts
    then. Audited and committed."""
    problems = list(rules.problems())
    if not MONTH.match(effective_from or ""):
        problems.append("生效月份格式应为 YYYY-MM")
    else:
        published = latest_published()
        if published and effective_from <= published:
            problems.append(f"{published} 及之前的月份已发布,新规则最早从其下一个月生效")
        if db.session.scalar(select(KpiRuleSet.id)
                             .where(KpiRuleSet.effective_from == effective_from)):
            problems.append(f"{effective_from} 已有一版规则;规则不可修改,请选择其他生效月份")
    if problems:
        raise RulesRefused(problems)
    ensure_default_rules()
    previous, _ = rules_for(effective_from)
    row = KpiRuleSet(effective_from=effective_from, spec=rules.to_json(), note=note.strip(),
                     created_by_id=actor.id if actor else None)
    db.session.add(row)
    record_change(actor, "kpi.rules", "kpi_rules", old=previous.spec, new=row.spec,
                  reason=row.note, effective_from=effective_from)
    db.session.commit()
    return row


# The metrics import ----------------------------------------------------------------------

@dataclass(frozen=True)
class ImportReport:
    created: int
    updated: int
    unchanged: int

    @property
    def total(self) -> int:
        return self.created + self.updated + self.unchanged


def _as_json(values: dict) -> dict:
    """Decimals as their exact text, for the audit trail."""
    return {k: fmt(v) if isinstance(v, Decimal) else v for k, v in values.items()}


def _stored(row: MonthlyMetrics) -> dict:
    return {name: getattr(row, name) for name in METRIC_FIELDS}


def _agents_by_username(usernames: Sequence[str]) -> dict[str, User]:
    lowered = {u.lower() for u in usernames}
    query = select(User).where(func.lower(User.username).in_(lowered),
                               User.role == Role.AGENT.value, User.is_active_account)
    return {u.username.lower(): u for u in db.session.scalars(query)}


def import_metrics(data: bytes, filename: str, month: str, actor=None) -> ImportReport:
    """Create or update each listed agent's metrics for `month`, all or nothing: any bad row
    refuses the whole file (MetricsFileError listing every problem); a published month is
    refused (MonthPublished). Rows that change are audited. Commits."""
    check_month(month)
    if is_published(month):
        raise MonthPublished(f"{month} 已发布,指标不能再导入或修改")
    rows = parse_metrics(data, filename, with_assessment=False)
    agents = _agents_by_username([row.agent for row in rows])
    unknown = [f"{filename} 第 {row.line} 行 列 agent(客服账号):{row.agent} 不是系统中的在职客服"
               for row in rows if row.agent.lower() not in agents]
    if unknown:
        raise MetricsFileError(unknown)

    existing = {m.user_id: m for m in db.session.scalars(
        select(MonthlyMetrics).where(MonthlyMetrics.month == month,
                                     MonthlyMetrics.user_id.in_([a.id for a in agents.values()])))}
    counts = Counter()
    for row in rows:
        agent = agents[row.agent.lower()]
        new = {name: getattr(row.metrics, name) for name in METRIC_FIELDS}
        stored = existing.get(agent.id)
        old = _stored(stored) if stored else None
        if old == new:
            counts["unchanged"] += 1
            continue
        if stored is None:
            stored = MonthlyMetrics(user_id=agent.id, month=month)
            db.session.add(stored)
            counts["created"] += 1
        else:
            counts["updated"] += 1
        for name, value in new.items():
            setattr(stored, name, value)
        stored.imported_by_id = actor.id if actor else None
        record_change(actor, "kpi.metrics", f"user:{agent.id}",
                      old=_as_json(old) if old else None, new=_as_json(new),
                      reason=f"导入 {filename}", month=month, line=row.line)
    db.session.commit()
    return ImportReport(counts["created"], counts["updated"], counts["unchanged"])


# Sheets ----------------------------------------------------------------------------------

@dataclass(frozen=True)
class AgentSheet:
    """One agent's month: the sheet when metrics were imported, and its flags."""

    user: User
    month: str
    metrics: MonthlyMetrics | None
    assessment_score: int
    rule_set: KpiRuleSet
    rules: KpiRules
    sheet: KpiSheet | None
    first_month: bool
    elimination: bool

    @property
    def grade_label(self) -> str:
        return GRADE_LABELS[self.sheet.grade] if self.sheet else "—"

    @property
    def elimination_text(self) -> str:
        return (f"连续 {self.rules.elimination_months} 个月 KPI 低于 "
                f"{fmt(self.rules.elimination_below)},淘汰预警")

    @property
    def notes(self) -> list[str]:
        """Everything a reader should be warned of, in order of weight."""
        notes = [self.elimination_text] if self.elimination else []
        notes += list(self.sheet.warnings) if self.sheet else [NO_METRICS]
        if self.first_month:
            notes.append(FIRST_MONTH)
        return notes


def metrics_of(row: MonthlyMetrics) -> Metrics:
    return Metrics(**_stored(row))


class _Months:
    """Rule versions and metrics loaded once for a set of agents and months."""

    def __init__(self, user_ids: list[int], months: list[str]):
        self.versions = sorted(((r.effective_from, r) for r in db.session.scalars(
            select(KpiRuleSet))), key=lambda pair: pair[0])
        self.parsed: dict[int, KpiRules] = {}
        self.metrics = {(m.user_id, m.month): m for m in db.session.scalars(
            select(MonthlyMetrics).where(MonthlyMetrics.user_id.in_(user_ids),
                                         MonthlyMetrics.month.in_(months)))}
        self.scores = month_scores(user_ids, months)

    def rules(self, month: str) -> tuple[KpiRuleSet, KpiRules]:
        in_force = [row for start, row in self.versions if start <= month]
        if not in_force:
            return rules_for(month)
        row = in_force[-1]
        if row.id not in self.parsed:
            self.parsed[row.id] = KpiRules.from_json(row.spec)
        return row, self.parsed[row.id]

    def kpi(self, user_id: int, month: str) -> Decimal | None:
        """The month's KPI under that month's own rules; None without metrics."""
        row = self.metrics.get((user_id, month))
        if row is None:
            return None
        return compute(metrics_of(row), Decimal(self.scores[(user_id, month)]),
                       self.rules(month)[1]).kpi


def _sheet(user: User, month: str, loaded: _Months) -> AgentSheet:
    rule_set, rules = loaded.rules(month)
    metrics = loaded.metrics.get((user.id, month))
    score = loaded.scores[(user.id, month)]
    sheet = compute(metrics_of(metrics), Decimal(score), rules) if metrics else None
    elimination = False
    if sheet is not None and sheet.kpi < rules.elimination_below:
        earlier = months_back(month, rules.elimination_months)[:-1]
        kpis = [loaded.kpi(user.id, m) for m in earlier] + [sheet.kpi]
        elimination = elimination_warning(kpis, rules)
    return AgentSheet(user=user, month=month, metrics=metrics, assessment_score=score,
                      rule_set=rule_set, rules=rules, sheet=sheet,
                      first_month=user.joined_on.strftime("%Y-%m") == month,
                      elimination=elimination)


def _window(month: str) -> list[str]:
    _row, rules = rules_for(month)
    return months_back(month, max(rules.elimination_months, 1))


def _agents_in_scope(viewer: User | None, month: str, team_id: int | None) -> list[User]:
    """Agents on the books in `month` (joined by its end and active, or with metrics that
    month), limited to what the viewer may see: an agent themself, a lead their team."""
    has_metrics = select(MonthlyMetrics.user_id).where(MonthlyMetrics.month == month)
    following = datetime.strptime(month_of(month_ordinal(month) + 1), "%Y-%m").date()
    query = select(User).where(User.role == Role.AGENT.value, or_(
        User.id.in_(has_metrics),
        User.is_active_account.is_(True) & (User.joined_on < following)))
    if viewer is not None and viewer.role_enum is Role.AGENT:
        query = query.where(User.id == viewer.id)
    elif viewer is not None and not viewer.sees_all_teams:
        query = query.where(User.team_id == viewer.team_id)
    elif team_id is not None:
        query = query.where(User.team_id == team_id)
    users = db.session.scalars(query).all()
    return sorted(users, key=lambda u: (u.team.name if u.team else "\uffff", u.username))


def month_sheets(viewer: User | None, month: str, team_id: int | None = None
                 ) -> list[AgentSheet]:
    """Each agent the viewer may see (None: everyone, for the CLI), ordered by team."""
    check_month(month)
    users = _agents_in_scope(viewer, month, team_id)
    loaded = _Months([u.id for u in users], _window(month))
    return [_sheet(user, month, loaded) for user in users]


def agent_sheet(user: User, month: str) -> AgentSheet:
    check_month(month)
    return _sheet(user, month, _Months([user.id], _window(month)))


@dataclass(frozen=True)
class SheetSummary:
    agents: int
    scored: int
    average_kpi: Decimal | None
    grades: dict[str, int]  # every grade, best first, "none" last
    eliminations: int

    def share(self, grade: str) -> Decimal:
        """Percent of the scored agents, for the distribution bar."""
        if not self.scored:
            return Decimal(0)
        return (Decimal(100) * self.grades[grade] / self.scored).quantize(Decimal("0.1"))


def summarize(rows: Sequence[AgentSheet]) -> SheetSummary:
    sheets = [row.sheet for row in rows if row.sheet]
    grades = Counter(sheet.grade for sheet in sheets)
    average = (sum((s.kpi for s in sheets), Decimal(0)) / len(sheets)).quantize(Decimal("0.01")
                                                                              ) if sheets else None
    return SheetSummary(agents=len(rows), scored=len(sheets), average_kpi=average,
                        grades={g: grades[g] for g in GRADE_LABELS},
                        eliminations=sum(row.elimination for row in rows))


def month_options() -> list[str]:
    """Months worth offering on the sheet, newest first: imported or published ones."""
    months = set(db.session.scalars(select(MonthlyMetrics.month).distinct()))
    return sorted(months | set(published_months()), reverse=True)


# Exports ---------------------------------------------------------------------------------

def _columns(rules: KpiRules) -> list[Column]:
    columns = [Column("客服账号"), Column("姓名"), Column("团队")]
    for indicator in rules.indicators:
        columns += [Column(f"{indicator.label}({indicator.unit})", "number"),
                    Column(f"{indicator.label}得分", "points")]
    columns += [Column("执行力", "points"), Column("KPI", "points"), Column("等级"),
                Column("绩效奖金", "money"), Column("提成比例", "rate"),
                Column("提成金额", "money"), Column("预警")]
    return columns


def _values(row: AgentSheet) -> list:
    values = [row.user.username, row.user.display_name, row.user.team.name if row.user.team else ""]
    sheet = row.sheet
    if sheet is None:
        values += [None, None] * len(row.rules.indicators)
        values += [Decimal(row.assessment_score), None, "", None, None, None]
    else:
        for score in sheet.scores[:-1]:
            values += [score.value, score.points]
        values += [sheet.scores[-1].points, sheet.kpi, GRADE_LABELS[sheet.grade], sheet.bonus,
                   sheet.commission_rate, sheet.commission]
    return values + [";".join(row.notes)]


def export_month(month: str, fmt: str, viewer: User | None = None,
                 team_id: int | None = None) -> bytes:
    """The month's sheet as CSV (UTF-8 with a BOM, which Excel needs to show Chinese) or XLSX;
    `viewer` limits it to what they may see (None: everyone), as month_sheets does."""
    if fmt not in ("csv", "xlsx"):
        raise ValueError(f"导出格式 {fmt!r} 不支持,应为 csv 或 xlsx")
    rows = month_sheets(viewer, month, team_id)
    table = Table("kpi", f"KPI {month}", _columns(rules_for(month)[1]),
                  [_values(row) for row in rows])
    return to_csv(table) if fmt == "csv" else to_xlsx(table)
