"""The daily-assessment forms. They check shape (numbers, dates, lengths); what the rules
say (a kind's range, the month, the window) is checked by the service, whose messages the
views put back on these fields."""

from wtforms import (
    BooleanField,
    DateField,
    IntegerField,
    RadioField,
    SelectField,
    StringField,
    TextAreaField,
)
from wtforms.fields.choices import SelectChoice
from wtforms.validators import InputRequired, Length, Optional

from ..forms import Form
from .catalogue import CLASS_LABELS, EVIDENCE_MAX, NOTE_MAX, Catalogue
from .service import APPEAL_TEXT_MAX

DEMERIT_CHOICES = [SelectChoice("", "按项目默认"), SelectChoice("1", "记过"),
                   SelectChoice("0", "不记过")]
REASON = Length(max=255, message="原因不能超过 255 个字")


def kind_choices(catalogue: Catalogue) -> list[SelectChoice]:
    choices = [SelectChoice("", "请选择考核项目")]
    for kind in catalogue.selectable():
        default = f"默认 {kind.default_points:+d}" if not kind.fixed else kind.range_text
        span = "" if kind.fixed else f",范围 {kind.range_text}"
        flags = ",记过" if kind.demerit else ",直接辞退" if kind.dismissal else ""
        choices.append(SelectChoice(kind.code, f"{CLASS_LABELS[kind.item_class]} · "
                                               f"{kind.label}({default}{span}{flags})"))
    return choices


class ItemForm(Form):
    code = SelectField("考核项目", choices=[], validate_choice=False)
    points = IntegerField("分值", validators=[Optional()],
                          description="留空按项目默认分值;扣分填负数")
    occurred_on = DateField("发生日期", validators=[InputRequired("请输入发生日期")])
    note = StringField("说明", validators=[InputRequired("请填写说明"),
                                          Length(max=NOTE_MAX, message="说明过长")])
    evidence = StringField("凭证", validators=[Optional(), Length(max=EVIDENCE_MAX,
                                                                   message="凭证过长")],
                           description="选填:聊天记录编号、订单号、截图位置等")
    demerit = SelectField("记过", choices=DEMERIT_CHOICES)


class EditItemForm(Form):
    points = IntegerField("分值", validators=[InputRequired("请输入分值")])
    occurred_on = DateField("发生日期", validators=[InputRequired("请输入发生日期")])
    note = StringField("说明", validators=[InputRequired("请填写说明"),
                                          Length(max=NOTE_MAX, message="说明过长")])
    evidence = StringField("凭证", validators=[Optional(), Length(max=EVIDENCE_MAX,
                                                                   message="凭证过长")])
    demerit = BooleanField("记过")
    reason = StringField("修改原因", validators=[InputRequired("请填写修改原因"), REASON])


class RemoveItemForm(Form):
    reason = StringField("删除原因", validators=[InputRequired("请填写删除原因"), REASON])


class SupervisorForm(Form):
    points = IntegerField("主管奖惩分值", validators=[InputRequired("请输入分值")],
                          description="填 0 撤销")
    reason = StringField("理由", validators=[InputRequired("主管奖惩必须说明理由"), REASON])


class AppealForm(Form):
    text = TextAreaField("申诉理由", validators=[
        InputRequired("请写明申诉理由"),
        Length(max=APPEAL_TEXT_MAX, message=f"申诉理由不能超过 {APPEAL_TEXT_MAX} 个字")])


class DecisionForm(Form):
    decision = RadioField("处理结果", choices=[SelectChoice("accept", "通过(改分)"),
                                                  SelectChoice("reject", "驳回")],
                          validators=[InputRequired("请选择通过或驳回")])
    points = IntegerField("改后分值", validators=[Optional()],
                          description="通过时填写;填 0 即撤销该项")
    reason = StringField("处理说明", validators=[Optional(), REASON],
                         description="驳回时必填")
