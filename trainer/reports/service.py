"""The exam dashboards' figures, read from the summary tables (reports.models) only.

Each figure is one GROUP BY over summary rows filtered by (kind, month[, team]) as the
tables' indexes are laid out, so a department of ten thousand agents costs a few index range
scans however many answers it gave; what Python does afterwards (names, order, a category's
worst section) touches the grouped rows only, a few hundred at most. A lead's figures come
from their own team's rows only; a lead without a team sees none.
"""

import re
from dataclasses import dataclass

from sqlalchemy import case, false, func, select, true

from ..accounts.models import Team, User
from ..exams.models import KIND_MONTHLY
from ..exams.service import previous_month
from ..extensions import db
from ..learning.service import module as course_module
from ..questions.bank import CATEGORIES
from ..questions.models import Question
from . import items
from .models import ExamResult, ExamTally, ItemTally, TeamItemTally
from .passrates import (
    BAND_FLOORS,
    Headline,
    ItemRate,
    Lesson,
    PassRate,
    ScoreBand,
    bands,
    from_sums,
    headline,
    weakest,
)

NO_TEAM_LABEL = "(未分组)"
NO_SECTION_LABEL = "(未关联课程)"


def _natural(name: str | None) -> tuple:
    """Team names in the order people number them: 第2组 before 第10组."""
    return tuple(int(part) if part.isdigit() else part
                 for part in re.split(r"(\d+)", name or ""))


def _in_scope(viewer: User, team_column):
    """The rows the viewer may count: every team's for managers, a lead's own team's."""
    if viewer.sees_all_teams:
        return true()
    return team_column == viewer.team_id if viewer.team_id is not None else false()


def by_month(viewer: User, until: str | None = None, last: int | None = None) -> list[PassRate]:
    """Monthly exams' pass rate per month, oldest first: agents counted by their best
    attempt. `until` (a month, inclusive) and `last` (how many months) cut the trend."""
    sat = func.sum(ExamTally.sat)
    query = (select(ExamTally.month, sat, func.sum(ExamTally.passed),
                    func.sum(ExamTally.score_sum))
             .where(ExamTally.kind == KIND_MONTHLY, _in_scope(viewer, ExamTally.team_id))
             .group_by(ExamTally.month).having(sat > 0)
             .order_by(ExamTally.month.desc()).limit(last))
    if until is not None:
        query = query.where(ExamTally.month <= until)
    rows = db.session.execute(query).all()
    return [from_sums(month, s, p, total) for month, s, p, total in reversed(rows)]


def result_months(viewer: User) -> list[str]:
    """Months with graded monthly-exam results the viewer may see, newest first."""
    return [row.label for row in reversed(by_month(viewer))]


def by_team(viewer: User, month: str) -> list[PassRate]:
    """The month's pass rate per team (a lead: their own team only), by team name, each keyed
    by the team's id; agents without a team last, as "(未分组)" (key 0)."""
    sat = func.sum(ExamTally.sat)
    rows = db.session.execute(
        select(ExamTally.team_id, sat, func.sum(ExamTally.passed), func.sum(ExamTally.score_sum))
        .where(ExamTally.kind == KIND_MONTHLY, ExamTally.month == month,
               _in_scope(viewer, ExamTally.team_id))
        .group_by(ExamTally.team_id).having(sat > 0)).all()
    names = dict(db.session.execute(
        select(Team.id, Team.name).where(Team.id.in_([r[0] for r in rows]))).all())
    teams = [(names.get(team_id),
              from_sums(names.get(team_id, NO_TEAM_LABEL), s, p, total, team_id))
             for team_id, s, p, total in rows]
    return [row for _name, row in sorted(teams, key=lambda t: (t[0] is None, _natural(t[0])))]


def score_bands(viewer: User, month: str) -> list[ScoreBand]:
    """How many agents' counted (best) score fell in each band of the month (passrates
    BAND_FLOORS: ten points each, 100 on its own)."""
    band = case(*((ExamResult.score >= floor, index)
                  for index, floor in reversed(list(enumerate(BAND_FLOORS))) if floor),
                else_=0)
    # Grouped over a subquery: PostgreSQL would not match a CASE with bound parameters in
    # GROUP BY to the same CASE in the select list.
    scored = (select(band.label("band"))
              .where(ExamResult.kind == KIND_MONTHLY, ExamResult.month == month,
                     _in_scope(viewer, ExamResult.team_id), ExamResult.counted.is_(True))
              .subquery())
    counts = db.session.execute(
        select(scored.c.band, func.count()).group_by(scored.c.band)).all()
    return bands(dict(counts))


def _item_sums(viewer: User, month: str, *groups):
    """Answers, full-credit answers and credit per group of question columns: the whole
    department's item tallies for managers, the team's for a lead."""
    model = ItemTally if viewer.sees_all_teams else TeamItemTally
    query = (select(*groups, func.sum(model.answers), func.sum(model.correct),
                    func.sum(model.credit_sum))
             .join(Question, Question.id == model.question_id)
             .where(model.kind == KIND_MONTHLY, model.month == month)
             .group_by(*groups))
    if model is TeamItemTally:
        query = query.where(_in_scope(viewer, TeamItemTally.team_id))
    return db.session.execute(query).all()


def _lesson(module_id: str | None, section_id: str | None) -> Lesson | None:
    """The course section a question names, as far as the course still has it."""
    module = course_module(module_id) if module_id else None
    if module is None:
        return None
    section = module.section(section_id) if section_id else None
    return Lesson(module.id, section.id if section else None,
                  f"{module.title} · {section.title if section else '全课'}")


def _section_rate(module_id, section_id, answers, correct, credit) -> ItemRate:
    lesson = _lesson(module_id, section_id)
    if lesson is not None:
        label = lesson.title
    else:
        label = " · ".join(filter(None, (module_id, section_id))) or NO_SECTION_LABEL
    return ItemRate(f"{module_id or ''}#{section_id or ''}", label, int(answers), int(correct),
                    float(credit), lesson)


def by_section(viewer: User, month: str) -> list[ItemRate]:
    """The month's correct rate per course section that teaches the questions (module and
    section from the question); those the course no longer has come last."""
    rows = [_section_rate(*row)
            for row in _item_sums(viewer, month, Question.module, Question.section)]
    return sorted(rows, key=lambda r: (r.lesson is None, r.key))


def by_category(viewer: User, month: str) -> list[ItemRate]:
    """The month's correct rate per question category, in the bank's category order, each
    with the course section where the category lost the most credit."""
    sections: dict[str, list[ItemRate]] = {}
    for category, *sums in _item_sums(viewer, month, Question.category, Question.module,
                                      Question.section):
        sections.setdefault(category, []).append(_section_rate(*sums))
    order = list(CATEGORIES)
    rows = []
    for category in sorted(sections, key=lambda c: (order.index(c) if c in order
                                                    else len(order), c)):
        parts = sections[category]
        taught = [p for p in parts if p.lesson is not None]
        worst = max(taught, key=lambda p: (p.lost, p.key)) if taught else None
        rows.append(ItemRate(category, CATEGORIES.get(category, category),
                             sum(p.answers for p in parts), sum(p.correct for p in parts),
                             sum(p.credit for p in parts), worst.lesson if worst else None))
    return rows


def flagged_questions(viewer: User, month: str) -> int:
    """How many questions of the month's monthly exams the item statistics flag for review
    (too easy, too hard, not discriminating), as the item page counts them."""
    return len(items.item_rows(viewer, items.ItemFilter(month, month, KIND_MONTHLY,
                                                        flagged_only=True)))


@dataclass(frozen=True)
class MonthReport:
    """Everything the dashboard and the printed report show about one month."""

    month: str
    trend: list[PassRate]
    headline: Headline | None
    teams: list[PassRate]
    bands: list[ScoreBand]
    categories: list[ItemRate]
    sections: list[ItemRate]

    @property
    def weakest_categories(self) -> list[ItemRate]:
        return weakest(self.categories)

    @property
    def weakest_sections(self) -> list[ItemRate]:
        return weakest([s for s in self.sections if s.lesson is not None])


def month_report(viewer: User, month: str, trend_months: int | None = None) -> MonthReport:
    """The month's figures as `viewer` may see them; the trend runs up to the month (its last
    `trend_months` months when given, at least two: the tiles compare with the month
    before)."""
    trend = by_month(viewer, until=month, last=max(trend_months, 2) if trend_months else None)
    return MonthReport(month, trend, headline(trend, month, previous_month(month)),
                       by_team(viewer, month), score_bands(viewer, month),
                       by_category(viewer, month), by_section(viewer, month))
