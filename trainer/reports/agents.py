"""The per-agent drill-down: each agent's exam record, weak categories and most missed
questions (from the summary tables, never the answers), the assessment months and the stored
KPI outcomes. Scope is the assessment's: a lead their team's agents, managers every agent.
"""

from collections import Counter, defaultdict
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import func, select

from ..accounts.models import User
from ..assessment.models import LedgerItem
from ..assessment.service import (
    AgentMonth,
    agent_for,
    agent_month,
    agents_query,
    month_assessment,
    publication,
    recent_months,
)
from ..exams.models import KIND_MONTHLY, Exam
from ..exports import Column, Table
from ..extensions import db
from ..kpi.models import KpiResult
from ..kpi.results import NO_METRICS_LABEL, results_of
from ..kpi.rules import GRADE_LABELS
from ..learning.catalog import Module
from ..learning.service import module as course_module
from ..questions.bank import CATEGORIES
from ..questions.models import Question, QuestionVersion
from .items import KINDS, excerpt
from .models import ExamResult

TREND_MONTHS = 6
MISSED_SHOWN = 10
# Agents a page lists: a department of thousands is read a page at a time (the export has
# everyone).
PAGE_SIZE = 100


# The list ----------------------------------------------------------------------------------

@dataclass(frozen=True)
class AgentRow:
    user: User
    trend: list[tuple[str, float]]  # (month, counted monthly score), the last TREND_MONTHS
    sat: int  # monthly exams with a counted result
    passed: int

    @property
    def latest(self) -> tuple[str, float] | None:
        return self.trend[-1] if self.trend else None


@dataclass(frozen=True)
class AgentPage:
    rows: list[AgentRow]
    page: int
    pages: int
    total: int


def agent_page(viewer: User, team_id: int | None = None, page: int = 1) -> AgentPage:
    """One page of the agents the viewer may see, in team order, with their monthly exams."""
    query = agents_query(viewer, team_id)
    if query is None:
        return AgentPage([], 1, 1, 0)
    total = db.session.scalar(select(func.count()).select_from(query.order_by(None).subquery()))
    pages = max(1, -(-total // PAGE_SIZE))
    page = min(max(page, 1), pages)
    agents = db.session.scalars(query.limit(PAGE_SIZE).offset((page - 1) * PAGE_SIZE)).all()
    return AgentPage(_with_exams(agents), page, pages, total)


def agent_rows(viewer: User, team_id: int | None = None) -> list[AgentRow]:
    """Every agent the viewer may see (a manager may pick one team): the export."""
    query = agents_query(viewer, team_id)
    return [] if query is None else _with_exams(db.session.scalars(query).all())


def _with_exams(agents: list[User]) -> list[AgentRow]:
    scores: dict[int, list[tuple[str, float, bool]]] = defaultdict(list)
    if agents:
        for user_id, month, score, passed in db.session.execute(
                select(ExamResult.user_id, ExamResult.month, ExamResult.score, ExamResult.passed)
                .where(ExamResult.user_id.in_([a.id for a in agents]),
                       ExamResult.counted.is_(True), ExamResult.kind == KIND_MONTHLY)
                .order_by(ExamResult.user_id, ExamResult.month, ExamResult.exam_id)):
            scores[user_id].append((month, score, passed))
    return [AgentRow(user=a, trend=[(m, s) for m, s, _ in scores[a.id][-TREND_MONTHS:]],
                     sat=len(scores[a.id]), passed=sum(p for _, _, p in scores[a.id]))
            for a in agents]


AGENT_COLUMNS = (Column("账号"), Column("姓名"), Column("团队"), Column("状态"),
                 Column("最近月份"), Column("最近成绩", "points"), Column("近6个月成绩"),
                 Column("参加月考", "integer"), Column("通过", "integer"), Column("上岗认证"))


def agents_table(rows: list[AgentRow]) -> Table:
    return Table("agents", "客服档案", AGENT_COLUMNS, [
        [r.user.username, r.user.display_name, r.user.team.name if r.user.team else "",
         "在职" if r.user.is_active_account else "已停用",
         r.latest[0] if r.latest else "", r.latest[1] if r.latest else None,
         " → ".join(f"{s:g}" for _, s in r.trend), r.sat, r.passed,
         r.user.certified_on.isoformat() if r.user.certified_on else "未认证"]
        for r in rows])


# One agent ---------------------------------------------------------------------------------

@dataclass(frozen=True)
class ExamLine:
    exam: Exam
    score: float  # the counted (best) attempt
    passed: bool
    attempts: int


@dataclass(frozen=True)
class CategoryLine:
    category: str
    questions: int
    credit: float
    module: Module | None  # the course that teaches most of the category's questions

    @property
    def rate(self) -> float:
        return self.credit / self.questions if self.questions else 0.0


@dataclass(frozen=True)
class MissedQuestion:
    question: Question
    excerpt: str
    missed: int
    seen: int


@dataclass(frozen=True)
class AssessmentLine:
    month: str
    score: int
    items: int
    published: bool


@dataclass(frozen=True)
class AgentProfile:
    user: User
    exams: list[ExamLine]  # oldest first
    categories: list[CategoryLine]  # weakest first
    missed: list[MissedQuestion]
    assessment: list[AssessmentLine]  # newest first
    month: str  # the current month, whose assessment items are shown
    month_items: AgentMonth
    kpi: list[KpiResult]  # newest first

    @property
    def monthly(self) -> list[ExamLine]:
        return [line for line in self.exams if line.exam.kind == KIND_MONTHLY]


def _exam_lines(results: list[ExamResult]) -> list[ExamLine]:
    attempts = Counter(r.exam_id for r in results)
    counted = [r for r in results if r.counted]
    exams = {e.id: e for e in db.session.scalars(
        select(Exam).where(Exam.id.in_([r.exam_id for r in counted])))}
    lines = [ExamLine(exams[r.exam_id], r.score, r.passed, attempts[r.exam_id])
             for r in counted]
    return sorted(lines, key=lambda line: (line.exam.month, line.exam.opens_at, line.exam.id))


def category_modules() -> dict[str, Module]:
    """For each category, the course module that teaches most of its questions."""
    counts = db.session.execute(
        select(Question.category, Question.module, func.count())
        .where(Question.module.is_not(None), Question.retired.is_(False))
        .group_by(Question.category, Question.module)).all()
    best: dict[str, tuple[int, str]] = {}
    for category, module_id, count in counts:
        if category not in best or (count, module_id) > best[category]:
            best[category] = (count, module_id)
    found = {c: course_module(m) for c, (_n, m) in best.items()}
    return {c: m for c, m in found.items() if m is not None}


def _categories(results: list[ExamResult]) -> list[CategoryLine]:
    questions, credit = Counter(), Counter()
    for result in results:
        for category, (count, earned) in (result.categories or {}).items():
            questions[category] += count
            credit[category] += earned
    modules = category_modules()
    lines = [CategoryLine(c, questions[c], round(credit[c], 4), modules.get(c))
             for c in questions if questions[c]]
    return sorted(lines, key=lambda line: (line.rate, -line.questions, line.category))


def _missed(results: list[ExamResult]) -> list[MissedQuestion]:
    """The questions the agent most often did not answer in full, by question (all versions)."""
    seen, missed = Counter(), Counter()
    for result in results:
        for version_id, credit, *_rest in result.responses or []:
            seen[version_id] += 1
            missed[version_id] += credit < 1
    owners = dict(db.session.execute(select(QuestionVersion.id, QuestionVersion.question_id)
                                      .where(QuestionVersion.id.in_(list(seen)))).all())
    by_question_seen, by_question_missed = Counter(), Counter()
    for version_id, count in seen.items():
        by_question_seen[owners[version_id]] += count
        by_question_missed[owners[version_id]] += missed[version_id]
    top = sorted((q for q, n in by_question_missed.items() if n),
                 key=lambda q: (-by_question_missed[q], -by_question_seen[q], q))[:MISSED_SHOWN]
    questions = {q.id: q for q in db.session.scalars(select(Question).where(Question.id.in_(top)))}
    return [MissedQuestion(questions[q], excerpt(questions[q].current_version),
                           by_question_missed[q], by_question_seen[q]) for q in top]


def _assessment(user: User, months: list[str]) -> list[AssessmentLine]:
    items = Counter(dict(db.session.execute(
        select(LedgerItem.month, func.count()).where(LedgerItem.user_id == user.id,
                                                     LedgerItem.month.in_(months))
        .group_by(LedgerItem.month)).all()))
    return [AssessmentLine(m, month_assessment(user.id, m)[0], items[m],
                           publication(m) is not None) for m in months]


def agent_profile(viewer: User, user_id: int, now: datetime) -> AgentProfile | None:
    """None when the user is not an agent the viewer may see."""
    agent = agent_for(viewer, user_id)
    if agent is None:
        return None
    results = db.session.scalars(select(ExamResult).where(ExamResult.user_id == agent.id)
                                 .order_by(ExamResult.attempt_id)).all()
    counted = [r for r in results if r.counted]
    months = recent_months(now, TREND_MONTHS)
    return AgentProfile(
        user=agent, exams=_exam_lines(results), categories=_categories(counted),
        missed=_missed(counted), assessment=_assessment(agent, months),
        month=months[0], month_items=agent_month(agent, months[0]), kpi=results_of(agent.id))


EXAM_COLUMNS = (Column("月份"), Column("考试"), Column("类型"), Column("成绩", "points"),
                Column("结果"), Column("作答次数", "integer"))
CATEGORY_COLUMNS = (Column("分类"), Column("题数", "integer"), Column("得分", "points"),
                    Column("得分率", "rate"), Column("相关课程"))
MISSED_COLUMNS = (Column("编号"), Column("题目"), Column("未得满分", "integer"),
                  Column("作答次数", "integer"))
ASSESSMENT_COLUMNS = (Column("月份"), Column("考核得分", "integer"),
                      Column("加减分项目", "integer"), Column("状态"))
KPI_COLUMNS = (Column("月份"), Column("执行力得分", "integer"), Column("KPI", "points"),
               Column("等级"), Column("绩效奖金", "money"), Column("提成", "money"))


def profile_tables(profile: AgentProfile) -> dict[str, Table]:
    name = profile.user.display_name
    tables = [
        Table("exams", f"{name} 考试成绩", EXAM_COLUMNS, [
            [line.exam.month, line.exam.title, KINDS.get(line.exam.kind, line.exam.kind),
             line.score, "通过" if line.passed else "未通过", line.attempts]
            for line in reversed(profile.exams)]),
        Table("categories", f"{name} 各分类得分率", CATEGORY_COLUMNS, [
            [CATEGORIES.get(c.category, c.category), c.questions, c.credit, round(c.rate, 3),
             c.module.title if c.module else ""] for c in profile.categories]),
        Table("missed", f"{name} 常错题目", MISSED_COLUMNS, [
            [m.question.key, m.excerpt, m.missed, m.seen] for m in profile.missed]),
        Table("assessment", f"{name} 日常考核", ASSESSMENT_COLUMNS, [
            [a.month, a.score, a.items, "已发布" if a.published else "未发布"]
            for a in profile.assessment]),
        Table("kpi", f"{name} KPI", KPI_COLUMNS, [
            [k.month, k.assessment_score, k.kpi,
             GRADE_LABELS.get(k.grade, k.grade) if k.grade else NO_METRICS_LABEL, k.bonus,
             k.commission] for k in profile.kpi]),
    ]
    return {t.name: t for t in tables}
