"""Questions as data, and the native YAML format (question_bank/*.yaml). Pure: text in,
dataclasses out.

One bad question refuses the whole file (and a bad file the whole bank), with file and line,
so a half-loaded bank never reaches an exam.
"""

import calendar
import hashlib
import json
import re
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path

import yaml

CATEGORIES = {
    "rules": "公司与平台规则",
    "monthly_faq": "本月常见问题",
    "sales": "销售知识",
    "product": "商品知识",
    "after_sales": "售后处理",
    "promotions": "促销活动",
    "systems": "系统操作",
    "etiquette": "服务礼仪",
}
TYPES = {
    "single": "单选题",
    "multiple": "多选题",
    "truefalse": "判断题",
    "fill": "填空题",
    "scenario": "情景题",
    "short": "简答题",
}
DIFFICULTIES = {1: "易", 2: "中", 3: "难"}
LETTERS = "ABCDEFGH"
# Multiple choice: every key option and no other, or (partial) a share per key option
# picked less a share per wrong pick, never below 0.
SCORINGS = {"all_or_nothing": "全对才得分", "partial": "按比例得分(错选倒扣)"}
DEFAULT_SCORING = "all_or_nothing"
FORMATS = {"plain": "纯文本", "markdown": "Markdown", "html": "HTML"}
KEY_PATTERN = re.compile(r"^[\w.-]{1,64}$")
MAX_TEXT = 4000


@dataclass(frozen=True)
class ChatTurn:
    speaker: str  # 顾客 / 客服 / 买家 ...
    text: str


@dataclass(frozen=True)
class BankQuestion:
    """One question. `answer` depends on the type: option indices (single, multiple, scenario
    with options), (True,)/(False,) (truefalse), accepted texts (fill), empty when a person
    grades the reply (short, scenario without options: `reference` guides the grader)."""

    key: str
    category: str
    qtype: str
    difficulty: int
    stem: str
    options: tuple[str, ...] = ()
    answer: tuple = ()
    explanation: str = ""
    module: str | None = None
    section: str | None = None
    seed: str = ""  # the source document it is written from, e.g. "004 议价语"
    tags: tuple[str, ...] = ()
    active_from: date | None = None
    active_until: date | None = None
    scoring: str = DEFAULT_SCORING
    chat: tuple[ChatTurn, ...] = ()
    reference: str = ""
    stem_format: str = "plain"
    source: str = field(default="", compare=False)  # "file.yaml:12", for messages

    @property
    def needs_grader(self) -> bool:
        return needs_grader(self.qtype, self.options)

    @property
    def answer_text(self) -> tuple[str, ...]:
        if self.qtype == "truefalse":
            return ("正确" if self.answer[0] else "错误",)
        if self.qtype == "fill":
            return tuple(self.answer)
        if self.needs_grader:
            return (self.reference,)
        return tuple(self.options[i] for i in self.answer)

    @property
    def digest(self) -> str:
        """Identifies the wording: a changed digest means a new version. Fields at their
        defaults stay out, so questions written before they existed keep their digest."""
        payload = [self.qtype, self.difficulty, self.stem, self.options, self.answer,
                   self.explanation]
        extras = {name: value for name, value, default in (
            ("format", self.stem_format, "plain"),
            ("scoring", self.scoring, DEFAULT_SCORING),
            ("chat", [[t.speaker, t.text] for t in self.chat], []),
            ("reference", self.reference, ""),
        ) if value != default}
        if extras:
            payload.append(extras)
        return _sha(payload)

    @property
    def source_digest(self) -> str:
        """Identifies everything the file says of the question, classification included: a
        file whose digest is unchanged leaves a manager's edits alone."""
        return _sha([self.digest, self.category, self.module, self.section, self.seed,
                     list(self.tags), _iso(self.active_from), _iso(self.active_until)])

    def active_in(self, month: str) -> bool:
        """Whether the question's active window overlaps the month ("YYYY-MM")."""
        first, last = month_bounds(month)
        return ((self.active_from is None or self.active_from <= last)
                and (self.active_until is None or self.active_until >= first))


def needs_grader(qtype: str, options) -> bool:
    """Written replies are marked by a lead, not by the machine."""
    return qtype == "short" or (qtype == "scenario" and not options)


def answered_by_typing(qtype: str, options) -> bool:
    """A fill-in or a written reply: the answer is text, not a choice."""
    return qtype == "fill" or needs_grader(qtype, options)


def _sha(payload) -> str:
    return hashlib.sha256(json.dumps(payload, ensure_ascii=False).encode()).hexdigest()


def _iso(day: date | None) -> str | None:
    return day.isoformat() if day else None


def month_bounds(month: str) -> tuple[date, date]:
    year, number = (int(p) for p in month.split("-"))
    return date(year, number, 1), date(year, number, calendar.monthrange(year, number)[1])


class BankError(ValueError):
    def __init__(self, problems: list[str]):
        super().__init__("\n".join(problems))
        self.problems = problems


class _LineLoader(yaml.SafeLoader):
    """Remembers where each mapping starts, for error messages."""

    def construct_mapping(self, node, deep=False):
        mapping = super().construct_mapping(node, deep=deep)
        mapping["__line__"] = node.start_mark.line + 1
        return mapping


def load_bank(directory: Path) -> list[BankQuestion]:
    questions, problems, seen = [], [], {}
    for path in sorted(Path(directory).glob("*.yaml")):
        try:
            parsed = read_yaml(path.read_text(encoding="utf-8"), path.name)
        except BankError as exc:
            problems.extend(exc.problems)
            continue
        for question in parsed:
            if question.key in seen:
                problems.append(f"{question.source}: 题目编号 {question.key} 与 "
                                f"{seen[question.key]} 重复")
            seen[question.key] = question.source
            questions.append(question)
    if problems:
        raise BankError(problems)
    return questions


def read_yaml(text: str, name: str, category: str | None = None) -> list[BankQuestion]:
    """A YAML file of questions: one document per category (`---` between documents);
    `category` overrides the documents' own."""
    try:
        documents = list(yaml.load_all(text, Loader=_LineLoader))  # noqa: S506  (SafeLoader)
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        line = mark.line + 1 if mark else 1
        raise BankError([f"{name}:{line}: YAML 语法错误:{getattr(exc, 'problem', exc)}"]) from None
    questions, problems, seen = [], [], set()
    for document in documents:
        if not isinstance(document, dict) or not isinstance(document.get("questions"), list):
            line = document.get("__line__", 1) if isinstance(document, dict) else 1
            problems.append(f"{name}:{line}: 文件应包含 category 与 questions 列表")
            continue
        own = category or document.get("category")
        if own not in CATEGORIES:
            problems.append(f"{name}:{document['__line__']}: 未知类别 {own!r}"
                            f"(可用:{'、'.join(CATEGORIES)})")
            continue
        for raw in document["questions"]:
            line = raw.get("__line__", 1) if isinstance(raw, dict) else document["__line__"]
            try:
                question = read_question(own, raw, f"{name}:{line}")
            except ValueError as exc:
                problems.append(f"{name}:{line}: {exc}")
                continue
            if question.key in seen:
                problems.append(f"{name}:{line}: 题目编号 {question.key} 在文件中重复")
            seen.add(question.key)
            questions.append(question)
    if problems:
        raise BankError(problems)
    return questions


FIELDS = {"__line__", "id", "type", "difficulty", "stem", "format", "options", "answer",
          "scoring", "chat", "reference", "explanation", "module", "section", "seed", "tags",
          "active_from", "active_until"}


def read_question(category: str, raw, source: str) -> BankQuestion:
    """One question mapping, as in the YAML files (also what the other formats produce)."""
    if not isinstance(raw, dict):
        raise ValueError("每道题应为一个映射")
    unknown = sorted(set(raw) - FIELDS)
    if unknown:
        raise ValueError(f"未知字段 {', '.join(unknown)}")
    key, qtype = str(raw.get("id") or "").strip(), raw.get("type")
    if not key:
        raise ValueError("缺少 id")
    if not KEY_PATTERN.match(key):
        raise ValueError(f"编号 {key!r} 只能由字母、数字、汉字和 . _ - 组成,最长 64 个字符")
    if qtype not in TYPES:
        raise ValueError(f"{key}: 题型 {qtype!r} 无效({'/'.join(TYPES)})")
    if raw.get("difficulty") not in DIFFICULTIES:
        raise ValueError(f"{key}: 难度应为 1、2 或 3")
    stem = _text(raw.get("stem"))
    if not stem:
        raise ValueError(f"{key}: 缺少题干 stem")
    stem_format = raw.get("format") or "plain"
    if stem_format not in FORMATS:
        raise ValueError(f"{key}: format 应为 {'/'.join(FORMATS)}")
    options, answer = _read_answer(key, qtype, raw)
    scoring = raw.get("scoring") or DEFAULT_SCORING
    if scoring not in SCORINGS:
        raise ValueError(f"{key}: scoring 应为 {'/'.join(SCORINGS)}")
    if scoring != DEFAULT_SCORING and qtype != "multiple":
        raise ValueError(f"{key}: 只有多选题可以设置 scoring")
    chat = _read_chat(key, qtype, raw.get("chat"))
    reference = _text(raw.get("reference"))
    module, section = raw.get("module"), raw.get("section")
    if section and not module:
        raise ValueError(f"{key}: 有 section 却没有 module")
    tags = raw.get("tags") or []
    if not isinstance(tags, list) or not all(isinstance(t, str | int) for t in tags):
        raise ValueError(f"{key}: tags 应为列表")
    active_from = _day(key, "active_from", raw.get("active_from"), first=True)
    active_until = _day(key, "active_until", raw.get("active_until"), first=False)
    if active_from and active_until and active_until < active_from:
        raise ValueError(f"{key}: active_until 早于 active_from")
    return BankQuestion(
        key=key, category=category, qtype=qtype, difficulty=raw["difficulty"], stem=stem,
        options=options, answer=answer, explanation=_text(raw.get("explanation")),
        module=str(module) if module else None, section=str(section) if section else None,
        seed=_text(raw.get("seed")), tags=tuple(str(t).strip() for t in tags if str(t).strip()),
        active_from=active_from, active_until=active_until, scoring=scoring, chat=chat,
        reference=reference, stem_format=stem_format, source=source)


def _text(value) -> str:
    return str(value).strip() if value is not None else ""


def _read_answer(key: str, qtype: str, raw: dict) -> tuple[tuple[str, ...], tuple]:
    answer = raw.get("answer")
    if qtype == "truefalse":
        if "options" in raw:
            raise ValueError(f"{key}: 判断题不应有 options")
        if not isinstance(answer, bool):
            raise ValueError(f"{key}: 判断题答案应为 true 或 false")
        return (), (answer,)
    if qtype == "fill":
        accepted = [answer] if isinstance(answer, str | int | float) else answer
        if not isinstance(accepted, list) or not accepted or not all(
                isinstance(a, str | int | float) and str(a).strip() for a in accepted):
            raise ValueError(f"{key}: 填空题答案 answer 应为可接受答案的列表")
        if "options" in raw:
            raise ValueError(f"{key}: 填空题不应有 options")
        return (), tuple(str(a).strip() for a in accepted)
    if qtype == "short" or (qtype == "scenario" and "options" not in raw):
        if answer is not None:
            raise ValueError(f"{key}: 人工评分的题目不设 answer,请把要点写在 reference")
        if "options" in raw:
            raise ValueError(f"{key}: 简答题不应有 options")
        return (), ()
    options = raw.get("options")
    if not isinstance(options, list) or not 2 <= len(options) <= len(LETTERS):
        raise ValueError(f"{key}: 选项应为 2–{len(LETTERS)} 项的列表")
    options = tuple(_text(o) for o in options)
    if not all(options):
        raise ValueError(f"{key}: 选项不能为空")
    letters = _text(answer).upper()
    if not letters or any(c not in LETTERS[: len(options)] for c in letters):
        raise ValueError(f"{key}: 答案 {letters!r} 不在选项 A–{LETTERS[len(options) - 1]} 之内")
    indices = tuple(sorted({LETTERS.index(c) for c in letters}))
    if qtype in ("single", "scenario") and len(indices) != 1:
        raise ValueError(f"{key}: {TYPES[qtype]}只能有一个答案")
    if qtype == "multiple" and len(indices) < 2:
        raise ValueError(f"{key}: 多选题至少两个正确选项")
    return options, indices


def _read_chat(key: str, qtype: str, chat) -> tuple[ChatTurn, ...]:
    if qtype != "scenario":
        if chat:
            raise ValueError(f"{key}: 只有情景题有 chat")
        return ()
    if not isinstance(chat, list) or not chat:
        raise ValueError(f"{key}: 情景题须有 chat(聊天记录)列表,如 - 顾客: 在吗?")
    turns = []
    for turn in chat:
        entries = [(k, v) for k, v in turn.items() if k != "__line__"] \
            if isinstance(turn, dict) else []
        if len(entries) != 1 or not _text(entries[0][1]):
            raise ValueError(f"{key}: chat 的每一行应为“说话人: 内容”")
        turns.append(ChatTurn(_text(entries[0][0]), _text(entries[0][1])))
    return tuple(turns)


_MONTH = re.compile(r"^(\d{4})-(\d{2})$")


def _day(key: str, name: str, value, first: bool) -> date | None:
    """A date, or a month ("2026-11"): its first day for active_from, its last for until."""
    if value is None or value == "":
        return None
    if isinstance(value, date):
        return value
    text = str(value).strip()
    match = _MONTH.match(text)
    try:
        if match:
            bounds = month_bounds(text)
            return bounds[0] if first else bounds[1]
        return date.fromisoformat(text)
    except ValueError:
        raise ValueError(f"{key}: {name} 应为 YYYY-MM 或 YYYY-MM-DD") from None
