"""The question editor and the upload form. A form becomes the same YAML-shaped mapping the
bank files hold, so the bank's own reader validates it and says what is wrong."""

import re

from flask_wtf.file import FileField, FileRequired
from wtforms import BooleanField, SelectField, StringField, TextAreaField
from wtforms.fields.choices import SelectChoice
from wtforms.validators import Length, Optional

from ..forms import Form
from .bank import CATEGORIES, DIFFICULTIES, FORMATS, LETTERS, SCORINGS, TYPES

_LIST_SEPARATORS = re.compile(r"[、,，;；]")
_CHAT_LINE = re.compile(r"^\s*([^:：]{1,12})\s*[:：]\s*(.+?)\s*$")
_TRUE = {"true", "正确", "对", "√", "t", "是"}
_FALSE = {"false", "错误", "错", "×", "f", "否"}


def choices(labels: dict) -> list[SelectChoice]:
    return [SelectChoice(str(value), label) for value, label in labels.items()]


class QuestionForm(Form):
    key = StringField("题目编号", validators=[Optional(), Length(max=64)],
                      description="留空则自动生成;保存后不能修改")
    qtype = SelectField("题型", choices=choices(TYPES))
    category = SelectField("类别", choices=choices(CATEGORIES))
    difficulty = SelectField("难度", choices=choices({k: f"{k} {v}" for k, v in
                                                      DIFFICULTIES.items()}), default="2")
    stem = TextAreaField("题干", description="填空题用 ____ 标出空位")
    stem_format = SelectField("题干格式", choices=choices(FORMATS), default="plain")
    chat = TextAreaField("情景对话", description="情景题:每行一条,如“顾客:在吗?”")
    options = TextAreaField("选项", description="每行一个选项,依次为 A、B、C……")
    answer = TextAreaField(
        "答案", description="单选/情景题填一个字母,多选填多个字母(如 ACD),判断题填“正确”或“错误”,"
        "填空题每行一个可接受答案;简答题和书面作答的情景题留空")
    scoring = SelectField("多选计分", choices=choices(SCORINGS), default="all_or_nothing")
    reference = TextAreaField("参考答案", description="人工评分的题目:评分要点")
    explanation = TextAreaField("解析", description="交卷后展示给客服")
    module = SelectField("所属课程", choices=[])
    section = StringField("小节锚点", validators=[Optional(), Length(max=64)],
                          description="如 greet(课程页标题后的 #锚点)")
    seed = StringField("资料来源", validators=[Optional(), Length(max=128)])
    tags = StringField("标签", validators=[Optional(), Length(max=255)],
                       description="用顿号或逗号分隔")
    active_from = StringField("生效", validators=[Optional(), Length(max=10)],
                              description="YYYY-MM 或 YYYY-MM-DD,留空表示一直有效")
    active_until = StringField("失效", validators=[Optional(), Length(max=10)])
    note = StringField("修改说明", validators=[Optional(), Length(max=255)],
                       description="记入版本历史,如“更正答案”")
    regrade = BooleanField("保存后按新答案重新评分已交答卷")

    def as_raw(self, qtype: str) -> dict:
        """The mapping `bank.read_question` reads, for a question of `qtype`."""
        raw = {
            "id": (self.key.data or "").strip() if "key" in self else "", "type": qtype,
            "difficulty": int(self.difficulty.data), "stem": self.stem.data,
            "format": self.stem_format.data, "explanation": self.explanation.data,
            "module": self.module.data or None, "section": (self.section.data or "").strip(),
            "seed": self.seed.data, "tags": split_list(self.tags.data),
            "active_from": (self.active_from.data or "").strip() or None,
            "active_until": (self.active_until.data or "").strip() or None,
            "reference": self.reference.data,
        }
        if qtype == "multiple":
            raw["scoring"] = self.scoring.data
        if qtype == "scenario":
            raw["chat"] = chat_lines(self.chat.data)
        lines = [line.strip() for line in (self.options.data or "").splitlines() if line.strip()]
        answer = (self.answer.data or "").strip()
        if qtype == "truefalse":
            raw["answer"] = truth(answer)
        elif qtype == "fill":
            raw["answer"] = [a.strip() for a in answer.splitlines() if a.strip()]
        elif qtype in ("single", "multiple") or (qtype == "scenario" and lines):
            raw["options"], raw["answer"] = lines, re.sub(r"[\s,，、]", "", answer)
        return raw

    def fill_from(self, question, version) -> None:
        """The stored question at `version`, as the editor shows it."""
        self.key.data = question.key
        self.category.data, self.difficulty.data = question.category, str(question.difficulty)
        self.stem.data, self.stem_format.data = version.stem, version.stem_format
        self.chat.data = "\n".join(f"{speaker}:{text}" for speaker, text in version.chat or [])
        self.options.data = "\n".join(version.options)
        if question.qtype == "truefalse":
            self.answer.data = "正确" if version.answer[0] else "错误"
        elif question.qtype == "fill":
            self.answer.data = "\n".join(version.answer)
        else:
            self.answer.data = "".join(LETTERS[i] for i in version.answer)
        self.scoring.data, self.reference.data = version.scoring, version.reference
        self.explanation.data = version.explanation
        self.module.data, self.section.data = question.module or "", question.section or ""
        self.seed.data, self.tags.data = question.seed, "、".join(question.tags or [])
        self.active_from.data = question.active_from.isoformat() if question.active_from else ""
        self.active_until.data = (question.active_until.isoformat()
                                  if question.active_until else "")


def split_list(text: str | None) -> list[str]:
    return [part.strip() for part in _LIST_SEPARATORS.split(text or "") if part.strip()]


def chat_lines(text: str | None) -> list:
    """"顾客:在吗?" lines as the bank's one-key mappings; a line without a speaker is kept
    as it is, so the bank's reader names it."""
    turns = []
    for line in (text or "").splitlines():
        if not line.strip():
            continue
        match = _CHAT_LINE.match(line)
        turns.append({match.group(1).strip(): match.group(2)} if match else line.strip())
    return turns


def truth(text: str):
    lowered = text.strip().lower()
    if lowered in _TRUE:
        return True
    if lowered in _FALSE:
        return False
    return text


class UploadForm(Form):
    file = FileField("题目文件", validators=[FileRequired("请选择文件")],
                     description="GIFT(.gift/.txt)、Aiken(.txt)、Excel(.xlsx)或 YAML(.yaml)")
    category = SelectField("默认类别", choices=choices({"": "按文件内容", **CATEGORIES}),
                           description="文件没写类别的题目"
                                       "(Aiken、没有 $CATEGORY 的 GIFT)归入此类别")
