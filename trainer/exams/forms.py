"""The managers' exam and blueprint forms, and the reader of a submitted paper."""

import re
from datetime import datetime, timedelta

from wtforms import (
    DateTimeLocalField,
    FloatField,
    IntegerField,
    RadioField,
    SelectField,
    SelectMultipleField,
    StringField,
)
from wtforms.validators import (
    DataRequired,
    InputRequired,
    Length,
    NumberRange,
    Optional,
    Regexp,
    ValidationError,
)

from ..forms import Form
from ..questions.bank import CATEGORIES, DIFFICULTIES, TYPES
from ..questions.forms import choices
from .blueprint import DEFAULT_QUESTION_POINTS, Blueprint, Quota
from .models import AUDIENCE_ALL, AUDIENCE_TEAMS, REVIEW_AFTER_CLOSE, REVIEW_POLICIES
from .service import default_title

MONTH_PATTERN = r"^\d{4}-(0[1-9]|1[0-2])$"
MONTH = Regexp(MONTH_PATTERN, message="格式为 YYYY-MM")
AUDIENCES = {AUDIENCE_ALL: "全体已认证客服", AUDIENCE_TEAMS: "指定团队"}


def month_start(month: str) -> datetime:
    return datetime.strptime(month, "%Y-%m")


def next_month_start(month: str) -> datetime:
    return (month_start(month) + timedelta(days=32)).replace(day=1)


class ExamForm(Form):
    """A monthly exam's settings. Times are typed in the organization's zone; a blank title,
    opening or closing time takes the month's own. Once papers exist the view pins `month`
    and `blueprint_id` (0: keep the exam's snapshot): they fix what the papers hold."""

    month = StringField("考试月份", validators=[DataRequired("请输入月份"), MONTH])
    title = StringField("标题", validators=[Optional(), Length(max=128)])
    opens_at = DateTimeLocalField("开放时间", format="%Y-%m-%dT%H:%M", validators=[Optional()])
    closes_at = DateTimeLocalField("截止时间", format="%Y-%m-%dT%H:%M", validators=[Optional()])
    duration_minutes = IntegerField("答题时长(分钟)", default=60, validators=[
        InputRequired("请输入时长"), NumberRange(5, 240, "时长应在 5–240 分钟之间")])
    pass_mark = IntegerField("及格分", default=60, validators=[
        InputRequired("请输入及格分"), NumberRange(0, 100, "及格分应在 0–100 之间")])
    blueprint_id = SelectField("组卷蓝图", coerce=int, choices=[])
    audience = RadioField("参加人员", choices=choices(AUDIENCES), default=AUDIENCE_ALL)
    teams = SelectMultipleField("团队", coerce=int, choices=[])
    attempts_allowed = IntegerField("可考次数", default=1, validators=[
        InputRequired("请输入可考次数"), NumberRange(1, 5, "可考次数应在 1–5 之间")])
    review_policy = SelectField("答案公布", choices=choices(REVIEW_POLICIES),
                                default=REVIEW_AFTER_CLOSE)

    def validate_teams(self, field):
        if self.audience.data == AUDIENCE_TEAMS and not field.data:
            raise ValidationError("选择“指定团队”时请至少选一个团队")

    def validate(self, extra_validators=None) -> bool:
        valid = super().validate(extra_validators)
        opens, closes = self.window()
        if opens and closes and closes <= opens:
            self.closes_at.errors.append("截止时间必须晚于开放时间")
            return False
        return valid

    def window(self) -> tuple[datetime | None, datetime | None]:
        """Opening and closing in local time; a blank one is the month's start or end
        (unknown while the month is not valid)."""
        valid_month = re.match(MONTH_PATTERN, self.month.data or "")
        return (self.opens_at.data or (month_start(self.month.data) if valid_month else None),
                self.closes_at.data or (next_month_start(self.month.data) if valid_month
                                        else None))

    def exam_title(self) -> str:
        return (self.title.data or "").strip() or default_title(self.month.data)

    @property
    def chosen_team_ids(self) -> list[int]:
        return list(self.teams.data or []) if self.audience.data == AUDIENCE_TEAMS else []


def cell_name(category: str, difficulty: int) -> str:
    return f"n_{category}_{difficulty}"


def points_name(qtype: str) -> str:
    return f"p_{qtype}"


class BlueprintForm(Form):
    """A blueprint as a grid: questions per (category, difficulty), points per question type.
    `month` is not stored: it picks the month whose pool the blueprint is checked against."""

    name = StringField("名称", validators=[DataRequired("请输入名称"), Length(max=64)])
    month = StringField("按哪个月的题库检查", validators=[DataRequired("请选择月份"), MONTH])

    def cell(self, category: str, difficulty: int):
        return self[cell_name(category, difficulty)]

    def points(self, qtype: str):
        return self[points_name(qtype)]

    def count(self, category: str, difficulty: int) -> int:
        return self.cell(category, difficulty).data or 0

    def row_total(self, category: str) -> int:
        return sum(self.count(category, d) for d in DIFFICULTIES)

    def column_total(self, difficulty: int) -> int:
        return sum(self.count(c, difficulty) for c in CATEGORIES)

    @property
    def total(self) -> int:
        return sum(self.row_total(c) for c in CATEGORIES)

    def quotas(self) -> tuple[Quota, ...]:
        """The grid's non-empty cells."""
        return tuple(Quota(self.count(c, d), category=c, difficulty=d)
                     for c in CATEGORIES for d in DIFFICULTIES if self.count(c, d))

    def to_blueprint(self, kept: tuple[Quota, ...] = ()) -> Blueprint:
        """The blueprint as entered; `kept` are quotas the grid cannot show."""
        points = tuple((qtype, float(self.points(qtype).data)) for qtype in TYPES)
        return Blueprint(self.quotas() + kept, points, self.name.data.strip())

    def fill_from(self, blueprint: Blueprint) -> None:
        self.name.data = blueprint.name
        for quota in blueprint.quotas:
            if is_grid_cell(quota):
                self.cell(quota.category, quota.difficulty).data = quota.count
        for qtype in TYPES:
            self.points(qtype).data = blueprint.points_for(qtype)


def is_grid_cell(quota: Quota) -> bool:
    return (quota.category in CATEGORIES and quota.difficulty in DIFFICULTIES
            and quota.module is None)


def _add_grid(form_class) -> None:
    for category, label in CATEGORIES.items():
        for difficulty, level in DIFFICULTIES.items():
            setattr(form_class, cell_name(category, difficulty), IntegerField(
                f"{label}·{level}", default=0,
                validators=[Optional(), NumberRange(0, 500, "每格 0–500 道")]))
    for qtype, label in TYPES.items():
        setattr(form_class, points_name(qtype), FloatField(
            label, default=DEFAULT_QUESTION_POINTS, validators=[
                InputRequired("请输入分值"), NumberRange(max=100, message="分值不超过 100")]))


_add_grid(BlueprintForm)


def responses_from_form(form) -> dict[int, list]:
    """A submitted paper's inputs: q<position> = displayed option index or true/false,
    t<position> = a typed answer."""
    responses = {}
    for name in form:
        kind, position = name[:1], name[1:]
        if kind not in ("q", "t") or not position.isdigit():
            continue
        values = form.getlist(name)
        if kind == "t":
            text = values[0].strip() if values else ""
            responses[int(position)] = [text] if text else []
        elif values in (["true"], ["false"]):
            responses[int(position)] = [values[0] == "true"]
        else:
            responses[int(position)] = [int(v) for v in values if v.isdigit()]
    return responses
