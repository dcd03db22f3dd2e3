"""Reading the shipped question bank (question_bank/*.yaml). Pure: files in, dataclasses out.

One bad question refuses the whole bank, with file and line, so a half-loaded bank never
reaches an exam.
"""

import hashlib
import json
from dataclasses import dataclass
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
TYPES = {"single": "单选题", "multiple": "多选题", "truefalse": "判断题"}
DIFFICULTIES = {1: "易", 2: "中", 3: "难"}
LETTERS = "ABCDEFGH"


@dataclass(frozen=True)
class BankQuestion:
    key: str
    category: str
    qtype: str
    difficulty: int
    stem: str
    options: tuple[str, ...]
    answer: tuple  # option indices; (True,) / (False,) for truefalse
    explanation: str
    module: str | None = None
    section: str | None = None
    source: str = ""  # "file.yaml:12", for messages that point back at the bank

    @property
    def answer_text(self) -> tuple[str, ...]:
        if self.qtype == "truefalse":
            return ("正确" if self.answer[0] else "错误",)
        return tuple(self.options[i] for i in self.answer)

    @property
    def digest(self) -> str:
        """Identifies the wording: a changed digest means a new version."""
        payload = [self.qtype, self.difficulty, self.stem, self.options, self.answer,
                   self.explanation]
        return hashlib.sha256(json.dumps(payload, ensure_ascii=False).encode()).hexdigest()


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
            document = yaml.load(path.read_text(encoding="utf-8"), Loader=_LineLoader)  # noqa: S506
        except yaml.YAMLError as exc:
            mark = getattr(exc, "problem_mark", None)
            line = mark.line + 1 if mark else 1
            problems.append(f"{path.name}:{line}: YAML 语法错误:{getattr(exc, 'problem', exc)}")
            continue
        parsed, errors = _read_file(path.name, document)
        problems.extend(errors)
        for question in parsed:
            if question.key in seen:
                first = seen[question.key]
                problems.append(f"{path.name}: 题目编号 {question.key} 与 {first} 重复")
            seen[question.key] = path.name
            questions.append(question)
    if problems:
        raise BankError(problems)
    return questions


def _read_file(name: str, document) -> tuple[list[BankQuestion], list[str]]:
    if not isinstance(document, dict) or not isinstance(document.get("questions"), list):
        return [], [f"{name}:1: 文件应包含 category 与 questions 列表"]
    category = document.get("category")
    if category not in CATEGORIES:
        return [], [f"{name}:1: 未知类别 {category!r}"]
    questions, problems = [], []
    for raw in document["questions"]:
        line = raw.get("__line__", 1) if isinstance(raw, dict) else 1
        try:
            questions.append(_read_question(category, raw, f"{name}:{line}"))
        except ValueError as exc:
            problems.append(f"{name}:{line}: {exc}")
    return questions, problems


def _read_question(category: str, raw, source: str) -> BankQuestion:
    if not isinstance(raw, dict):
        raise ValueError("每道题应为一个映射")
    key, qtype = str(raw.get("id", "")).strip(), raw.get("type")
    if not key:
        raise ValueError("缺少 id")
    if qtype not in TYPES:
        raise ValueError(f"{key}: 题型 {qtype!r} 无效(single/multiple/truefalse)")
    if raw.get("difficulty") not in DIFFICULTIES:
        raise ValueError(f"{key}: 难度应为 1、2 或 3")
    stem = str(raw.get("stem") or "").strip()
    if not stem:
        raise ValueError(f"{key}: 缺少题干 stem")
    options, answer = _read_answer(key, qtype, raw)
    module, section = raw.get("module"), raw.get("section")
    if section and not module:
        raise ValueError(f"{key}: 有 section 却没有 module")
    return BankQuestion(key, category, qtype, raw["difficulty"], stem, options, answer,
                        str(raw.get("explanation") or "").strip(),
                        str(module) if module else None, str(section) if section else None,
                        source)


def _read_answer(key: str, qtype: str, raw: dict) -> tuple[tuple[str, ...], tuple]:
    if qtype == "truefalse":
        if "options" in raw:
            raise ValueError(f"{key}: 判断题不应有 options")
        if not isinstance(raw.get("answer"), bool):
            raise ValueError(f"{key}: 判断题答案应为 true 或 false")
        return (), (raw["answer"],)
    options = raw.get("options")
    if not isinstance(options, list) or not 2 <= len(options) <= len(LETTERS):
        raise ValueError(f"{key}: 选项应为 2–{len(LETTERS)} 项的列表")
    options = tuple(str(o).strip() for o in options)
    letters = str(raw.get("answer") or "").strip().upper()
    if not letters or any(c not in LETTERS[: len(options)] for c in letters):
        raise ValueError(f"{key}: 答案 {letters!r} 不在选项 A–{LETTERS[len(options) - 1]} 之内")
    indices = tuple(sorted({LETTERS.index(c) for c in letters}))
    if qtype == "single" and len(indices) != 1:
        raise ValueError(f"{key}: 单选题只能有一个答案")
    if qtype == "multiple" and len(indices) < 2:
        raise ValueError(f"{key}: 多选题至少两个正确选项")
    return options, indices
