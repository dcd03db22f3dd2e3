from flask_wtf.file import FileAllowed, FileField, FileRequired
from wtforms import (
    BooleanField,
    DateField,
    PasswordField,
    SelectChoice,
    SelectField,
    StringField,
)
from wtforms.validators import DataRequired, EqualTo, Length, Optional, Regexp

from ..forms import Form
from .roles import Role


class LoginForm(Form):
    username = StringField("用户名", validators=[DataRequired("请输入用户名")])
    password = PasswordField("密码", validators=[DataRequired("请输入密码")])
    remember = BooleanField("在此设备上保持登录")


class ChangePasswordForm(Form):
    current = PasswordField("当前密码", validators=[DataRequired("请输入当前密码")])
    new = PasswordField("新密码", validators=[DataRequired("请输入新密码")])
    confirm = PasswordField(
        "确认新密码",
        validators=[DataRequired("请再次输入新密码"), EqualTo("new", "两次输入不一致")],
    )


def team_choices(teams) -> list[SelectChoice]:
    return [SelectChoice("", "(无团队)")] + [SelectChoice(str(t.id), t.name) for t in teams]


class UserForm(Form):
    username = StringField(
        "用户名",
        validators=[
            DataRequired("请输入用户名"),
            Regexp(r"^[A-Za-z0-9_.-]{3,64}$", message="3–64 位字母、数字、_ . -"),
        ],
    )
    display_name = StringField("姓名", validators=[DataRequired("请输入姓名"), Length(max=64)])
    role = SelectField(
        "角色", choices=[SelectChoice(r.value, r.label) for r in Role], default=Role.AGENT.value
    )
    team_id = SelectField("团队", choices=[], validators=[Optional()])
    joined_on = DateField("入职日期", validators=[DataRequired("请选择入职日期")])


class RosterForm(Form):
    roster = FileField(
        "名单 CSV 文件",
        validators=[FileRequired("请选择文件"), FileAllowed(["csv"], "只接受 .csv 文件")],
    )


class TeamForm(Form):
    name = StringField("团队名称", validators=[DataRequired("请输入团队名称"), Length(max=64)])
