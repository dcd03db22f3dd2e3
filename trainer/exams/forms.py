from wtforms import DateTimeLocalField, IntegerField, StringField
from wtforms.validators import DataRequired, Length, NumberRange, Regexp, ValidationError

from ..forms import Form


class ExamForm(Form):
    month = StringField("考试月份", validators=[
        DataRequired("请输入月份"), Regexp(r"^\d{4}-(0[1-9]|1[0-2])$", message="格式为 YYYY-MM")])
    title = StringField("标题", validators=[DataRequired("请输入标题"), Length(max=128)])
    opens_at = DateTimeLocalField("开放时间", format="%Y-%m-%dT%H:%M",
                                  validators=[DataRequired("请选择开放时间")])
    closes_at = DateTimeLocalField("截止时间", format="%Y-%m-%dT%H:%M",
                                   validators=[DataRequired("请选择截止时间")])
    duration_minutes = IntegerField("答题时长(分钟)", default=30, validators=[
        DataRequired("请输入时长"), NumberRange(5, 240, "时长应在 5–240 分钟之间")])

    def validate_closes_at(self, field):
        if self.opens_at.data and field.data and field.data <= self.opens_at.data:
            raise ValidationError("截止时间必须晚于开放时间")


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
