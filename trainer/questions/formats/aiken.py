"""Aiken (Moodle): choice questions as plain text, one question after another.

    顾客要求改价,没有改价权限的客服应当?
    A. 私自答应
    B. 说明情况并向主管申请
    ANSWER: B

Besides Moodle's `A.` and `A)`, what Chinese editors type is read too: `A、` `A．` `A）`, full-
width letters, `答案：B`, a question text over several lines, and several answer letters
(`ANSWER: AC`, a multiple-choice question: an extension Moodle refuses, so it is never
written). Aiken has no ids, categories, difficulty or explanations: the id comes from the
wording, the category from the caller, the difficulty is 中.
"""

import re
import unicodedata
from dataclasses import dataclass, field

from ..bank import CATEGORIES, LETTERS, TYPES, BankQuestion, read_question
from .common import ParseResult, Written, category_of, generated_key, writable

_OPTION = re.compile(r"^([A-ZＡ-Ｚ])\s*[.)、．）]\s*(.*)$")
_ANSWER = re.compile(r"^(?:ANSWER|答案)\s*[:：]\s*(.*)$", re.IGNORECASE)
_SEPARATORS = re.compile(r"[\s,，、;；.。]")
DIFFICULTY = 2


@dataclass
class _Block:
    line: int  # where the question starts
    stem: list[str] = field(default_factory=list)
    options: list[tuple[int, str, str]] = field(default_factory=list)  # (line, letter, text)


def parse_aiken(text: str, name: str, category: str | None = None) -> ParseResult:
    result = ParseResult()
    own = category_of(category)
    if not own:
        result.errors.append(f"{name}:1: {_category_problem(category)}")
    seen: dict[str, int] = {}
    for block, line, letters in _blocks(text, name, result.errors):
        # Without a category the file is still checked (against any category), so every
        # mistake shows at once; its questions are dropped below.
        question = _question(block, line, letters, own or next(iter(CATEGORIES)), name,
                             result.errors)
        if question is None:
            continue
        if question.key in seen:
            result.errors.append(f"{name}:{block.line}: 与第 {seen[question.key]} 行的题目相同")
            continue
        seen[question.key] = block.line
        result.questions.append(question)
    if not own:
        result.questions = []
    return result


def _category_problem(category: str | None) -> str:
    if not category:
        return "Aiken 文件不含类别,导入时请指定类别(命令行 --category,如 --category sales)"
    return f"未知类别 {category!r}(可用:{'、'.join(CATEGORIES)})"


def _blocks(text: str, name: str, errors: list[str]):
    """(question, ANSWER line number, answer letters) for each question that has an ANSWER
    line; what lacks one is an error here."""
    block = None
    lines = text.removeprefix("\ufeff").replace("\r\n", "\n").replace("\r", "\n").split("\n")
    for number, raw in enumerate(lines, 1):
        line = raw.strip()
        if not line:
            continue  # as in Moodle: blank lines separate nothing, ANSWER ends a question
        answer, option = _ANSWER.match(line), _OPTION.match(line)
        if answer:
            if block is None:
                errors.append(f"{name}:{number}: ANSWER 行前没有题目")
            else:
                yield block, number, answer.group(1)
            block = None
            continue
        if block is not None and block.options and not option:
            errors.append(f"{name}:{block.line}: 选项后缺少 ANSWER 行(如 ANSWER: B)")
            block = None
        # Options before any question text: the missing stem is reported with the block.
        block = block or _Block(number)
        if option:
            block.options.append((number, _letter(option.group(1)), option.group(2).strip()))
        else:
            block.stem.append(line)
    if block is not None:
        errors.append(f"{name}:{block.line}: 缺少 ANSWER 行(如 ANSWER: B)")


def _letter(text: str) -> str:
    return unicodedata.normalize("NFKC", text).upper()


def _question(block: _Block, line: int, letters: str, category: str, name: str,
              errors: list[str]) -> BankQuestion | None:
    answer = _SEPARATORS.sub("", _letter(letters))  # "A, C" and "ａｃ" are AC
    problems = _shape_problems(block, line, answer)
    errors.extend(f"{name}:{at}: {message}" for at, message in problems)
    if problems:
        return None
    stem = "\n".join(block.stem)
    raw = {"id": generated_key(category, stem),
           "type": "multiple" if len(set(answer)) > 1 else "single",
           "difficulty": DIFFICULTY, "stem": stem,
           "options": [text for _, _, text in block.options], "answer": answer}
    try:
        return read_question(category, raw, f"{name}:{block.line}")
    except ValueError as exc:
        errors.append(f"{name}:{block.line}: {exc}")
        return None


def _shape_problems(block: _Block, line: int, answer: str) -> list[tuple[int, str]]:
    """What makes the block no question: (line, message) for each."""
    problems = [] if block.stem else [(block.line, "选项前缺少题干")]
    for index, (at, letter, text) in enumerate(block.options):
        expected = chr(ord("A") + index)
        if letter != expected:
            problems.append((at, f"选项字母应为 {expected},这里是 {letter}"))
        elif not text:
            problems.append((at, f"选项 {letter} 没有内容"))
    count = len(block.options)
    if count < 2:
        problems.append((line, "至少需要两个选项"))
    elif count > len(LETTERS):
        problems.append((line, f"最多 {len(LETTERS)} 个选项"))
    elif not answer:
        problems.append((line, "ANSWER 后缺少答案字母"))
    elif any(c not in LETTERS[:count] for c in answer):
        problems.append((line, f"答案 {answer} 不在选项 A–{LETTERS[count - 1]} 之内"))
    return problems


def write_aiken(questions: list[BankQuestion]) -> Written:
    """Single-choice questions only; the rest is skipped with the reason. Explanations and
    classification are not part of the format and are left out."""
    kept, skipped = writable(questions, _unwritable)
    return Written("".join(_block(q) for q in kept).encode(), skipped)


def _unwritable(question: BankQuestion) -> str | None:
    if question.qtype == "multiple":
        return "多选题:Moodle 的 Aiken 只有单选题(ANSWER: AC 会被拒绝),请导出为 GIFT、XLSX 或 YAML"
    if question.qtype != "single":
        return f"{TYPES[question.qtype]}:Aiken 只能写单选题,请导出为 GIFT、XLSX 或 YAML"
    if question.stem_format != "plain":
        return f"题干为 {question.stem_format} 格式,Aiken 只能写纯文本"
    if any("\n" in text for text in (question.stem, *question.options)):
        return "题干或选项有换行,Aiken 要求题干和每个选项各占一行"
    if _OPTION.match(question.stem) or _ANSWER.match(question.stem):
        return "题干以“A.”或“ANSWER:”开头,读回时会被当作选项或答案行"
    return None


def _block(question: BankQuestion) -> str:
    options = "".join(f"{LETTERS[i]}. {text}\n" for i, text in enumerate(question.options))
    return f"{question.stem}\n{options}ANSWER: {LETTERS[question.answer[0]]}\n\n"
