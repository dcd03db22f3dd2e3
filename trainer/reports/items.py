"""Item statistics where the summary tables meet reports.itemstats: each question pooled over a
period, each exam's reliability, and one question's versions, options and months.

Only the summary tables are read, never the answers. A lead reads their team's rows
(TeamItemTally, ExamTally of the team); managers and admins the department's (ItemTally, every
ExamTally row of an exam).
"""

import re
from collections import defaultdict
from dataclasses import dataclass

from sqlalchemy import false, func, select, true
from sqlalchemy.orm import joinedload

from ..accounts.models import User
from ..exams.models import KIND_CERTIFICATION, KIND_MONTHLY, Exam
from ..exports import Column, Table
from ..extensions import db
from ..learning.catalog import Module, Section
from ..learning.service import module as course_module
from ..questions.bank import CATEGORIES, DIFFICULTIES, LETTERS, TYPES
from ..questions.models import Question, QuestionVersion
from ..questions.render import html_to_text, stem_html
from .itemstats import (
    FLAG_LABELS,
    ExamSums,
    ItemSums,
    Thresholds,
    discrimination_reading,
    facility_reading,
    reliability,
    reliability_reading,
)
from .models import ExamTally, ItemTally, TeamItemTally

KINDS = {KIND_MONTHLY: "月度考试", KIND_CERTIFICATION: "上岗认证", "all": "全部考试"}
MONTH = re.compile(r"^\d{4}-(0[1-9]|1[0-2])$")
DEFAULT_MONTHS = 6
SUM_COLUMNS = ("answers", "correct", "omitted", "credit_sum", "credit_sq_sum", "total_sum",
               "total_sq_sum", "cross_sum")
EXAM_COLUMNS = ("attempts", "questions_sum", "earned_sum", "earned_sq_sum", "sat", "passed",
                "score_sum")
THRESHOLDS = Thresholds()
FEW_ANSWERS = "样本不足"
EXCERPT = 40


@dataclass(frozen=True)
class ItemFilter:
    first: str  # months, inclusive
    last: str
    kind: str = KIND_MONTHLY  # a KINDS key
    category: str | None = None
    flagged_only: bool = False

    @property
    def label(self) -> str:
        return self.first if self.first == self.last else f"{self.first}至{self.last}"


# Scope -------------------------------------------------------------------------------------

def _item_model(viewer: User):
    """The item tally the viewer reads and the condition that keeps them in scope."""
    if viewer.sees_all_teams:
        return ItemTally, true()
    if viewer.team_id is None:
        return TeamItemTally, false()
    return TeamItemTally, TeamItemTally.team_id == viewer.team_id


def _exam_scope(viewer: User):
    if viewer.sees_all_teams:
        return true()
    return ExamTally.team_id == viewer.team_id if viewer.team_id is not None else false()


def _in_period(model, wanted: ItemFilter):
    condition = model.month.between(wanted.first, wanted.last)
    return condition if wanted.kind == "all" else condition & (model.kind == wanted.kind)


def _item_sums(row) -> ItemSums:
    """Summed columns as item sums (the database may hand integer sums back as decimals);
    summed rows carry no option counts. Built directly: an exam's reliability reads
    thousands of these."""
    values = row._mapping
    return ItemSums(int(values["answers"]), int(values["correct"]), int(values["omitted"]),
                    *(float(values[c]) for c in SUM_COLUMNS[3:]))


def _summed(model, columns=SUM_COLUMNS) -> list:
    return [func.coalesce(func.sum(getattr(model, c)), 0).label(c) for c in columns]


# The period --------------------------------------------------------------------------------

def result_months(viewer: User, kind: str) -> list[str]:
    """The months with graded exams the viewer may see, oldest first."""
    query = select(ExamTally.month).where(_exam_scope(viewer), ExamTally.attempts > 0)
    if kind != "all":
        query = query.where(ExamTally.kind == kind)
    return list(db.session.scalars(query.distinct().order_by(ExamTally.month)))


def default_period(months: list[str]) -> tuple[str, str] | None:
    """The last DEFAULT_MONTHS months that have results."""
    return (months[-DEFAULT_MONTHS:][0], months[-1]) if months else None


# Questions pooled over the period ----------------------------------------------------------

@dataclass(frozen=True)
class ItemRow:
    question: Question
    excerpt: str
    sums: ItemSums

    @property
    def facility(self) -> float | None:
        return self.sums.facility

    @property
    def discrimination(self) -> float | None:
        return self.sums.discrimination

    @property
    def flags(self) -> tuple[str, ...]:
        return self.sums.flags(THRESHOLDS)

    @property
    def few_answers(self) -> bool:
        return self.sums.answers < THRESHOLDS.min_answers

    @property
    def flag_text(self) -> str:
        if self.few_answers:
            return FEW_ANSWERS
        return "、".join(FLAG_LABELS[f] for f in self.flags)

    @property
    def reading(self) -> str:
        """With few answers a correlation means little: only the facility is read."""
        if self.few_answers:
            return facility_reading(self.facility)
        return (f"{facility_reading(self.facility)} · "
                f"{discrimination_reading(self.discrimination)}")


def excerpt(version: QuestionVersion | None, length: int = EXCERPT) -> str:
    if version is None:
        return ""
    text = " ".join(html_to_text(stem_html(version.stem, version.stem_format)).split())
    return text if len(text) <= length else text[:length - 1] + "…"


def _category_order(question: Question) -> tuple:
    order = list(CATEGORIES)
    position = order.index(question.category) if question.category in order else len(order)
    return position, question.key


def item_rows(viewer: User, wanted: ItemFilter) -> list[ItemRow]:
    """Every question answered in the period (all its versions and exams pooled), by
    category and key."""
    model, scope = _item_model(viewer)
    query = (select(model.question_id, *_summed(model))
             .where(scope, _in_period(model, wanted)).group_by(model.question_id))
    if wanted.category:
        query = (query.join(Question, Question.id == model.question_id)
                 .where(Question.category == wanted.category))
    sums = {row.question_id: _item_sums(row) for row in db.session.execute(query) if row.answers}
    questions = db.session.scalars(select(Question).where(Question.id.in_(list(sums)))
                                   .options(joinedload(Question.current_version))).all()
    rows = [ItemRow(q, excerpt(q.current_version), sums[q.id])
            for q in sorted(questions, key=_category_order)]
    return [r for r in rows if r.flags] if wanted.flagged_only else rows


ITEM_COLUMNS = (Column("编号"), Column("题目"), Column("分类"), Column("题型"),
                Column("设定难度"), Column("作答人次", "integer"), Column("得分率", "rate"),
                Column("区分度", "number"), Column("提示"), Column("解读"))


def _round(value: float | None, digits: int) -> float | None:
    return None if value is None else round(value, digits)


def items_table(rows: list[ItemRow], wanted: ItemFilter) -> Table:
    return Table("items", f"题目分析 {wanted.label}", ITEM_COLUMNS, [
        [r.question.key, r.excerpt, CATEGORIES.get(r.question.category, r.question.category),
         TYPES.get(r.question.qtype, r.question.qtype),
         DIFFICULTIES.get(r.question.difficulty, r.question.difficulty), r.sums.answers,
         _round(r.facility, 3), _round(r.discrimination, 2), r.flag_text, r.reading]
        for r in rows])


# Exams: reliability ------------------------------------------------------------------------

@dataclass(frozen=True)
class ExamRow:
    exam: Exam
    sums: ExamSums
    sat: int
    passed: int
    score_sum: float
    alpha: float | None

    @property
    def reading(self) -> str:
        return reliability_reading(self.alpha, self.sums.attempts)

    @property
    def mean_length(self) -> float | None:
        attempts = self.sums.attempts
        return self.sums.questions_sum / attempts if attempts else None

    @property
    def mean_score(self) -> float | None:
        return self.score_sum / self.sat if self.sat else None


def exam_rows(viewer: User, wanted: ItemFilter) -> list[ExamRow]:
    """Each exam of the period the viewer's scope sat, newest first."""
    totals = db.session.execute(
        select(ExamTally.exam_id, *_summed(ExamTally, EXAM_COLUMNS))
        .where(_exam_scope(viewer), _in_period(ExamTally, wanted))
        .group_by(ExamTally.exam_id)).all()
    totals = [t for t in totals if t.attempts]
    if not totals:
        return []
    model, scope = _item_model(viewer)
    items = defaultdict(list)
    for row in db.session.execute(
            select(model.exam_id, *_summed(model))
            .where(scope, _in_period(model, wanted),
                   model.exam_id.in_([t.exam_id for t in totals]))
            .group_by(model.exam_id, model.version_id)):
        items[row.exam_id].append(_item_sums(row))
    exams = {e.id: e for e in db.session.scalars(
        select(Exam).where(Exam.id.in_([t.exam_id for t in totals])))}
    rows = []
    for total in totals:
        sums = ExamSums.of(total)
        rows.append(ExamRow(exams[total.exam_id], sums, int(total.sat), int(total.passed),
                            float(total.score_sum), reliability(sums, items[total.exam_id])))
    return sorted(rows, key=lambda r: (r.exam.month, r.exam.id), reverse=True)


EXAM_TABLE_COLUMNS = (Column("考试"), Column("月份"), Column("类型"), Column("答卷数", "integer"),
                      Column("平均题量", "number"), Column("平均分", "points"),
                      Column("信度 α", "number"), Column("解读"))


def exams_table(rows: list[ExamRow], wanted: ItemFilter) -> Table:
    return Table("exams", f"考试信度 {wanted.label}", EXAM_TABLE_COLUMNS, [
        [r.exam.title, r.exam.month, KINDS.get(r.exam.kind, r.exam.kind), r.sums.attempts,
         _round(r.mean_length, 1), _round(r.mean_score, 1), _round(r.alpha, 2), r.reading]
        for r in rows])


# One question ------------------------------------------------------------------------------

@dataclass(frozen=True)
class OptionRow:
    letter: str
    text: str
    is_key: bool
    count: int
    share: float


@dataclass(frozen=True)
class VersionStats:
    version: QuestionVersion
    sums: ItemSums
    options: list[OptionRow]  # empty for typed answers

    @property
    def omitted_share(self) -> float | None:
        return self.sums.omitted / self.sums.answers if self.sums.answers else None

    @property
    def flag_text(self) -> str:
        if self.sums.answers < THRESHOLDS.min_answers:
            return FEW_ANSWERS
        return "、".join(FLAG_LABELS[f] for f in self.sums.flags(THRESHOLDS))


@dataclass(frozen=True)
class MonthPoint:
    month: str
    sums: ItemSums

    @property
    def facility_percent(self) -> float | None:
        facility = self.sums.facility
        return None if facility is None else round(100 * facility, 1)


@dataclass(frozen=True)
class QuestionDetail:
    question: Question
    versions: list[VersionStats]  # newest version first
    months: list[MonthPoint]  # oldest first
    module: Module | None  # the course module that teaches it
    section: Section | None


def option_rows(qtype: str, version: QuestionVersion, sums: ItemSums) -> list[OptionRow]:
    """The options as written, with the key marked and how many answers chose each (true/false:
    正确 is option 0, 错误 option 1, as the tallies count them)."""
    if qtype == "truefalse":
        texts, keys = ["正确", "错误"], {0 if version.answer and version.answer[0] else 1}
    elif version.options:
        texts, keys = list(version.options), {a for a in version.answer if type(a) is int}
    else:
        return []
    counts = list(sums.chosen) + [0] * (len(texts) - len(sums.chosen))
    answers = sums.answers
    return [OptionRow(LETTERS[i] if i < len(LETTERS) else str(i + 1), text, i in keys,
                      counts[i], counts[i] / answers if answers else 0.0)
            for i, text in enumerate(texts)]


def _teaching(question: Question) -> tuple[Module | None, Section | None]:
    """The course module that teaches the question, and its section when the course has it."""
    owner = course_module(question.module) if question.module else None
    return owner, owner.section(question.section) if owner and question.section else None


def question_detail(viewer: User, question_id: int, wanted: ItemFilter) -> QuestionDetail | None:
    question = db.session.get(Question, question_id)
    if question is None:
        return None
    model, scope = _item_model(viewer)
    by_version: dict[int, ItemSums] = defaultdict(ItemSums)
    by_month: dict[str, ItemSums] = defaultdict(ItemSums)
    for row in db.session.scalars(select(model).where(
            scope, model.question_id == question.id, _in_period(model, wanted))):
        sums = ItemSums.of(row)
        by_version[row.version_id] += sums
        by_month[row.month] += sums
    answered = [v for v, sums in by_version.items() if sums.answers]
    versions = db.session.scalars(select(QuestionVersion).where(
        QuestionVersion.id.in_(answered)).order_by(QuestionVersion.number.desc())).all()
    module, section = _teaching(question)
    return QuestionDetail(
        question=question,
        versions=[VersionStats(v, by_version[v.id], option_rows(question.qtype, v,
                                                                by_version[v.id]))
                  for v in versions],
        months=[MonthPoint(m, by_month[m]) for m in sorted(by_month) if by_month[m].answers],
        module=module, section=section)


OPTION_COLUMNS = (Column("选项"), Column("内容"), Column("正确答案"), Column("选择人次", "integer"),
                  Column("选择比例", "rate"))
TREND_COLUMNS = (Column("月份"), Column("作答人次", "integer"), Column("得分率", "rate"),
                 Column("区分度", "number"))


def option_table(detail: QuestionDetail, stats: VersionStats) -> Table:
    rows = [[o.letter, o.text, "✓" if o.is_key else "", o.count, round(o.share, 3)]
            for o in stats.options]
    if stats.options:
        rows.append(["—", "未作答", "", stats.sums.omitted, round(stats.omitted_share, 3)])
    return Table(f"options-v{stats.version.number}",
                 f"{detail.question.key} 第{stats.version.number}版 选项分析", OPTION_COLUMNS, rows)


def trend_table(detail: QuestionDetail) -> Table:
    return Table("trend", f"{detail.question.key} 各月得分率", TREND_COLUMNS, [
        [p.month, p.sums.answers, _round(p.sums.facility, 3), _round(p.sums.discrimination, 2)]
        for p in detail.months])
