"""GIFT, Moodle's text format for questions (docs.moodle.org "GIFT format"; Moodle's own reader
is question/format/gift/format.php, whose behaviour this follows where the docs are silent).

Reading takes every question the bank can hold and names, with its line, each one it cannot.
Writing gives a file Moodle imports and that reads back unchanged: a `// @trainer {...}`
comment before a question carries what GIFT has no place for, and Moodle ignores comments.
"""

import html
import json
import re
from dataclasses import dataclass, field

from ..bank import (
    CATEGORIES,
    DEFAULT_SCORING,
    KEY_PATTERN,
    LETTERS,
    TYPES,
    BankQuestion,
    needs_grader,
    read_question,
)
from ..render import html_to_text, sanitize_html
from .common import ParseResult, Skipped, Written, category_of, generated_key

BLANK = "____"
DEFAULT_DIFFICULTY = 2  # GIFT has no difficulty
META = "@trainer"
META_FIELDS = {"difficulty", "module", "section", "seed", "tags", "scoring", "chat", "reference",
               "type", "active_from", "active_until"}
CATEGORY_LINE = "$CATEGORY:"
SAYS = "\uff1a"  # full-width colon: the chat lines written into a stem read as Chinese does

_MARKER = re.compile(r"\[(plain|moodle|markdown|html)\]")
_FORMATS = {"plain": "plain", "moodle": "plain", "markdown": "markdown", "html": "html"}
_WEIGHT = re.compile(r"%(-?\d+(?:\.\d+)?)%")
_TRUTH = {"T": True, "TRUE": True, "F": False, "FALSE": False}
_MOODLE_ID = re.compile(r"\[id:((?:\\\]|[^\]])+)\]")
_MOODLE_TAG = re.compile(r"\[tag:((?:\\\]|[^\]])+)\]")
# While the structure is parsed, escaped characters stand in as private-use characters, so a
# \~ or \{ is never taken for syntax; they come back as themselves once a text is cut out.
_ESCAPABLE = "\\:#={}~n"
_STAND_IN = {c: chr(0xE000 + i) for i, c in enumerate(_ESCAPABLE)}
_RESTORE = {ord(s): "\n" if c == "n" else c for c, s in _STAND_IN.items()}
_ESCAPE = re.compile(r"\\([\\:#={}~n])")
_SPECIAL = re.compile(r"[\\:#={}~\n]")


class _Skip(Exception):
    """A valid GIFT question the bank cannot hold."""


class _Unwritable(Exception):
    """A bank question GIFT cannot express."""


@dataclass
class _Block:
    """Lines between blank lines: a question with its comments, or a `$CATEGORY:` line."""

    line: int
    text: str = ""
    comments: list[tuple[int, str]] = field(default_factory=list)
    category: str | None = None


@dataclass
class _Parts:
    title: str | None
    fmt: str
    stem: str
    answer: str | None  # the answer block, escapes still standing in; None: no block at all
    feedback: str  # general feedback (####), escapes still standing in


# ---------------------------------------------------------------------------------- reading

def parse_gift(text: str, name: str, category: str | None = None) -> ParseResult:
    reader = _Reader(name, category)
    for block in _blocks(text):
        reader.read(block)
    return reader.result


def _blocks(text: str):
    """Moodle's split: blank lines end a question, `//` lines are comments. A `$CATEGORY:` line
    also ends one, so a file that forgets the blank line after it still reads."""
    block = None
    for number, raw in enumerate(text.removeprefix("\ufeff").splitlines(), 1):
        line = raw.rstrip()
        stripped = line.strip()
        if not stripped or stripped.startswith(CATEGORY_LINE):
            if block:
                yield block
            block = None
            if stripped:
                yield _Block(number, category=stripped.removeprefix(CATEGORY_LINE).strip())
            continue
        block = block or _Block(number)
        if stripped.startswith("//"):
            block.comments.append((number, stripped[2:].strip()))
        elif block.text:
            block.text += "\n" + line
        else:  # the question starts here, after any comments
            block.line, block.text = number, line
    if block:
        yield block


class _Reader:
    def __init__(self, name: str, category: str | None):
        self.name, self.option = name, category
        self.result = ParseResult()
        self.category = category_of(category)
        self.named = None  # the file's own $CATEGORY: text, for messages
        self.seen: dict[str, int] = {}

    def read(self, block: _Block) -> None:
        if block.category is not None:
            # An unresolvable $CATEGORY (Moodle's "Default for …") leaves --category in charge.
            self.named = block.category
            self.category = category_of(block.category) or category_of(self.option)
            return
        if not block.text:
            if any(text.startswith(META) for _, text in block.comments):
                self.error(block.line, f"// {META} 注释后应紧跟题目(中间不能有空行)")
            return
        try:
            question = self.question(block)
        except _Skip as exc:
            self.result.skipped.append(Skipped(block.line, str(exc)))
        except ValueError as exc:
            self.error(block.line, str(exc))
        else:
            if question.key in self.seen:
                self.error(block.line, f"题目编号 {question.key} 与第 {self.seen[question.key]} "
                                       f"行的题目重复")
            self.seen.setdefault(question.key, block.line)
            self.result.questions.append(question)

    def error(self, line: int, message: str) -> None:
        self.result.errors.append(f"{self.name}:{line}: {message}")

    def question(self, block: _Block) -> BankQuestion:
        parts = _split(block.text)
        if parts.answer is None:
            raise _Skip("没有答案块 { },是说明文字(description),题库没有对应题型")
        raw = _structure(parts.answer, parts.fmt)
        meta = _metadata(block.comments)
        category = self.known_category()
        qtype = _own_type(raw["type"], meta.get("type"))
        pairs = meta.get("chat") or []
        stem = _without_chat(parts.stem, pairs, parts.fmt) if qtype == "scenario" else parts.stem
        stem = sanitize_html(stem) if parts.fmt == "html" else stem
        explanation = _plain(parts.feedback, parts.fmt) or raw.get("explanation", "")
        reference = meta.get("reference") or \
            (explanation if needs_grader(qtype, raw.get("options")) else "")
        moodle_id, moodle_tags = _moodle_comments(block.comments)
        key = next((k for k in (moodle_id, parts.title) if k and KEY_PATTERN.match(k)), None)
        # What the answer block says (answers, scoring) wins over the metadata.
        fields = {**meta, **raw, "type": qtype, "id": key or generated_key(category, stem),
                  "stem": stem, "format": parts.fmt, "explanation": explanation,
                  "reference": reference,
                  "difficulty": meta.get("difficulty", DEFAULT_DIFFICULTY),
                  "tags": meta.get("tags", moodle_tags),
                  "chat": [{speaker: text} for speaker, text in pairs]}
        return read_question(category, fields, f"{self.name}:{block.line}")

    def known_category(self) -> str:
        if self.category:
            return self.category
        where = f"文件中的 {CATEGORY_LINE} {self.named} 无法识别" if self.named \
            else f"文件中没有 {CATEGORY_LINE} 行"
        given = f",--category {self.option} 也无法识别" if self.option else ""
        raise ValueError(f"不知道题目属于哪个类别({where}{given}),请用 --category 指定"
                         f"(可用:{'、'.join(CATEGORIES)})")


def _split(text: str) -> _Parts:
    """Title, format, stem and answer block, as Moodle cuts them: the block is the first { to
    the first }; in mid-sentence it leaves a blank in the stem, at the end nothing."""
    text = _ESCAPE.sub(lambda m: _STAND_IN[m[1]], text).strip()
    title = None
    if text.startswith("::"):
        end = text.find("::", 2)
        title = _restore(text[2:end]) if end >= 0 else None
        text = text[end + 2:].strip() if end >= 0 else text[2:]
    start, end = text.find("{"), text.find("}")
    if start < 0 and end < 0:
        answer, stem = None, text
    else:
        _check_braces(text, start, end)
        answer, after = text[start + 1:end].strip(), text[end + 1:]
        stem = text[:start] + (BLANK if after.strip() else "") + after
    feedback = ""
    if answer and "####" in answer:  # the last #### starts the general feedback
        cut = answer.rfind("####")
        answer, feedback = answer[:cut].strip(), answer[cut + 4:]
    fmt, stem = _format_of(_restore(stem), "plain")
    return _Parts(title, fmt, stem, answer, feedback)


def _check_braces(text: str, start: int, end: int) -> None:
    if end < 0:
        raise ValueError("答案块缺少 }")
    if start < 0:
        raise ValueError("有 } 却没有 {")
    if end < start:
        raise ValueError("} 出现在 { 之前")
    if text.count("{") > 1 or text.count("}") > 1:
        raise ValueError("一道题只能有一个答案块(文字中的花括号请写成 \\{ 和 \\})")


def _format_of(text: str, fmt: str) -> tuple[str, str]:
    """A leading [html]/[markdown]/[plain]/[moodle] marker; without one, the default."""
    marker = _MARKER.match(text)
    return (_FORMATS[marker[1]], text[marker.end():].strip()) if marker else (fmt, text.strip())


def _restore(text: str) -> str:
    return text.translate(_RESTORE).strip()


def _plain(text: str, fmt: str) -> str:
    """An option, answer or feedback: the bank keeps these as plain text."""
    fmt, text = _format_of(_restore(text), fmt)
    return html_to_text(text) if fmt == "html" else text


def _structure(answer: str, fmt: str) -> dict:
    """The type and answer fields, decided in Moodle's order."""
    if not answer:
        return {"type": "short"}
    if answer.startswith("#"):
        raise _Skip("数值题({#…})题库没有对应题型")
    if "~" in answer:
        return _choice(answer, fmt)
    if "=" in answer and "->" in answer:
        raise _Skip("配对题(=… -> …)题库没有对应题型")
    if answer.split("#", 1)[0].strip() in _TRUTH:
        return _truefalse(answer, fmt)
    return _fill(answer, fmt)


def _chunks(answer: str) -> list[tuple[str, str]]:
    """(sign, body) per answer: Moodle splits at every ~ and =, and text before the first
    one is an answer too."""
    pieces = (p.strip() for p in re.split(r"(?=[~=])", answer))
    return [(p[0], p[1:].strip()) if p[0] in "~=" else ("", p) for p in pieces if p]


def _weighed(body: str, default: float) -> tuple[float, str]:
    weight = _WEIGHT.match(body)
    return (float(weight[1]), body[weight.end():].strip()) if weight else (default, body)


def _answer(body: str, fmt: str) -> tuple[str, str]:
    text, _, feedback = body.partition("#")
    return _plain(text, fmt), _plain(feedback, fmt)


def _choice(answer: str, fmt: str) -> dict:
    chunks = _chunks(answer)
    if len(chunks) < 2:
        raise ValueError("选择题至少要有两个选项")
    if len(chunks) > len(LETTERS):
        raise _Skip(f"选项超过 {len(LETTERS)} 个,题库无法表示")
    # Moodle reads no weight after =: it is the full mark.
    weighed = [(100.0, body) if sign == "=" else _weighed(body, 0.0) for sign, body in chunks]
    options = [(weight, *_answer(body, fmt)) for weight, body in weighed]
    # An = anywhere makes a Moodle radio-button question; otherwise several may be ticked.
    return _single(options) if "=" in answer else _multiple(options)


def _single(options: list[tuple[float, str, str]]) -> dict:
    if any(weight not in (0, 100) for weight, _, _ in options):
        raise _Skip("单选题的选项带部分得分或倒扣(~%50%…),题库无法表示")
    keys = [i for i, (weight, _, _) in enumerate(options) if weight == 100]
    if len(keys) > 1:
        raise _Skip("单选题有多个正确答案,题库无法表示")
    return {"type": "single", "options": [text for _, text, _ in options],
            "answer": LETTERS[keys[0]], "explanation": options[keys[0]][2]}


def _multiple(options: list[tuple[float, str, str]]) -> dict:
    keys = [i for i, (weight, _, _) in enumerate(options) if weight > 0]
    if not keys:
        raise ValueError("选择题没有正确答案(用 = 标出,多选题用 ~%50% 这样的正分值)")
    weights = [options[i][0] for i in keys]
    # Moodle writes a third as 33.33333: equal shares within rounding.
    if any(abs(weight - 100 / len(keys)) > 0.01 for weight in weights):
        shown = "、".join(f"{weight:g}%" for weight in weights)
        raise _Skip(f"多选题正确选项的分值应相等且合计 100%(现为 {shown}),题库只能按等分计分")
    if len(keys) == 1:
        raise _Skip("多选题只有一个正确选项,题库无法表示(可改为单选题:=正确 ~错误)")
    return {"type": "multiple", "options": [text for _, text, _ in options],
            "answer": "".join(LETTERS[i] for i in keys),
            "scoring": "partial" if any(w < 0 for w, _, _ in options) else DEFAULT_SCORING,
            "explanation": next((options[i][2] for i in keys if options[i][2]), "")}


def _truefalse(answer: str, fmt: str) -> dict:
    # Moodle: {T#shown to a wrong answer#shown to a right one}; either explains the answer.
    truth, wrong, right = (answer.split("#", 2) + ["", ""])[:3]
    return {"type": "truefalse", "answer": _TRUTH[truth.strip()],
            "explanation": _plain(right, fmt) or _plain(wrong, fmt)}


def _fill(answer: str, fmt: str) -> dict:
    accepted = []
    for _, body in _chunks(answer):
        weight, body = _weighed(body, 100.0)
        if weight != 100:
            raise _Skip("填空题的答案带部分得分(=%50%…),题库无法表示")
        accepted.append(_answer(body, fmt))
    if not accepted or not all(text for text, _ in accepted):
        raise ValueError("填空题的答案不能为空")
    return {"type": "fill", "answer": [text for text, _ in accepted],
            "explanation": next((feedback for _, feedback in accepted if feedback), "")}


def _metadata(comments: list[tuple[int, str]]) -> dict:
    found = [(line, text[len(META):]) for line, text in comments if text.startswith(META)]
    if not found:
        return {}
    if len(found) > 1:
        raise ValueError(f"一道题只能有一条 // {META} 注释")
    line, body = found[0]
    try:
        meta = json.loads(body)
    except json.JSONDecodeError:
        raise ValueError(f"第 {line} 行的 {META} 注释不是有效的 JSON") from None
    if not isinstance(meta, dict):
        raise ValueError(f"第 {line} 行的 {META} 注释应为 JSON 对象 {{…}}")
    unknown = sorted(set(meta) - META_FIELDS)
    if unknown:
        raise ValueError(f"{META} 注释中有未知字段 {', '.join(unknown)}")
    chat = meta.get("chat") or []
    if not isinstance(chat, list) or not all(
            isinstance(turn, list) and len(turn) == 2 for turn in chat):
        raise ValueError(f"{META} 注释的 chat 应为 [[说话人, 内容], …]")
    meta["chat"] = [(str(speaker), str(text)) for speaker, text in chat]
    return meta


def _own_type(gift_type: str, meta_type: str | None) -> str:
    """A scenario reads as single choice or essay in Moodle; only the metadata knows better."""
    if meta_type in (None, gift_type) or (meta_type == "scenario" and gift_type in
                                          ("single", "short")):
        return meta_type or gift_type
    label = TYPES.get(meta_type, meta_type)
    raise ValueError(f"{META} 注释中的题型 {label} 与答案块({TYPES[gift_type]})不符")


def _without_chat(stem: str, pairs: list[tuple[str, str]], fmt: str) -> str:
    prefix = _chat_prefix(pairs, fmt)
    if not stem.startswith(prefix):
        raise ValueError(f"情景题题干前的对话与 {META} 注释中的 chat 不一致")
    return stem[len(prefix):].strip()


def _chat_prefix(pairs, fmt: str) -> str:
    """The conversation as a Moodle user should see it, before the stem."""
    if fmt == "html":
        return "".join(f"<p>{html.escape(speaker)}{SAYS}{html.escape(text)}</p>"
                       for speaker, text in pairs) + ("\n" if pairs else "")
    separator = "\n\n" if fmt == "markdown" else "\n"  # a lone newline joins Markdown lines
    return "".join(f"{speaker}{SAYS}{text}{separator}" for speaker, text in pairs)


def _moodle_comments(comments: list[tuple[int, str]]) -> tuple[str | None, list[str]]:
    """Moodle (3.6+) exports a question's ID number and tags as `// [id:…] [tag:…]`."""
    text = "\n".join(text for _, text in comments if not text.startswith(META))
    found = _MOODLE_ID.search(text)
    tags = [tag.replace("\\]", "]").strip() for tag in _MOODLE_TAG.findall(text)]
    return (found[1].replace("\\]", "]").strip() if found else None), tags


# ---------------------------------------------------------------------------------- writing

def write_gift(questions: list[BankQuestion]) -> Written:
    pieces, skipped, category = [], [], None
    for question in questions:
        try:
            text = _write_question(question)
        except _Unwritable as exc:
            skipped.append((question.key, str(exc)))
            continue
        if question.category != category:
            # Moodle reads a block that starts with $CATEGORY: as nothing but the category.
            pieces.append(f"{CATEGORY_LINE} {question.category}\n")
            category = question.category
        pieces.append(text)
    return Written("\n".join(pieces).encode(), skipped)


def _write_question(question: BankQuestion) -> str:
    fmt = question.stem_format
    pairs = [(turn.speaker, turn.text) for turn in question.chat]
    stem = _chat_prefix(pairs, fmt) + question.stem
    before, after = _around_blank(stem) if question.qtype == "fill" else (stem, "")
    marker = f"[{fmt}]" if fmt != "plain" or _MARKER.match(stem) else ""
    line = (f"::{_escape(question.key)}::{marker}{_escape(before)}{_answer_block(question)}"
            f"{_escape(after)}")
    meta = _meta_of(question)
    return (f"// {META} {json.dumps(meta, ensure_ascii=False)}\n" if meta else "") + line + "\n"


def _around_blank(stem: str) -> tuple[str, str]:
    """The answers go where the blank is, unless it ends the stem: a block at the very end
    reads back as no blank at all, so there the blank stays and the block follows it."""
    before, found, after = stem.partition(BLANK)
    return (before, after) if found and after.strip() else (stem, "")


def _answer_block(question: BankQuestion) -> str:
    fmt = question.stem_format
    if question.qtype == "truefalse":
        body = "T" if question.answer[0] else "F"
    elif question.qtype == "fill":
        body = " ".join(f"={_unweighed(_text_out(a, fmt), '%100%')}" for a in question.answer)
        if "->" in body:
            raise _Unwritable("填空题答案含“->”,Moodle 会把它读成配对题")
    elif question.needs_grader:
        body = ""
    elif question.qtype == "multiple":
        body = _multiple_out(question)
    else:
        body = " ".join(f"={_text_out(o, fmt)}" if i in question.answer
                        else f"~{_unweighed(_text_out(o, fmt), '%0%')}"
                        for i, o in enumerate(question.options))
    feedback = f"####{_text_out(question.explanation, fmt)}" if question.explanation else ""
    return "{" + " ".join(part for part in (body, feedback) if part) + "}"


def _multiple_out(question: BankQuestion) -> str:
    share = f"{100 / len(question.answer):.5f}".rstrip("0").rstrip(".")  # Moodle's 33.33333
    options = []
    for i, option in enumerate(question.options):
        text = _text_out(option, question.stem_format)
        if i in question.answer:
            options.append(f"~%{share}%{text}")
        elif question.scoring == "partial":  # each wrong pick costs one share
            options.append(f"~%-{share}%{text}")
        else:
            options.append(f"~{_unweighed(text, '%0%')}")
    return " ".join(options)


def _unweighed(text: str, weight: str) -> str:
    """A text that starts like a weight (%5%…) gets an explicit one in front, to stay text."""
    return weight + text if _WEIGHT.match(text) else text


def _text_out(text: str, fmt: str) -> str:
    """An option, answer or feedback, written so that `_plain` reads it back."""
    text = html.escape(text, quote=False) if fmt == "html" else text
    return _escape(f"[{fmt}]{text}" if _MARKER.match(text) else text)


def _escape(text: str) -> str:
    return _SPECIAL.sub(lambda m: "\\n" if m[0] == "\n" else "\\" + m[0], text.replace("\r", ""))


def _meta_of(question: BankQuestion) -> dict:
    """What GIFT cannot say, fields at their defaults left out."""
    meta = {
        "difficulty": question.difficulty if question.difficulty != DEFAULT_DIFFICULTY else None,
        "module": question.module, "section": question.section, "seed": question.seed,
        "tags": list(question.tags),
        "scoring": question.scoring if question.scoring != DEFAULT_SCORING else None,
        "chat": [[turn.speaker, turn.text] for turn in question.chat],
        "reference": question.reference,
        "type": "scenario" if question.qtype == "scenario" else None,
        "active_from": _iso(question.active_from), "active_until": _iso(question.active_until),
    }
    return {name: value for name, value in meta.items() if value}


def _iso(day) -> str | None:
    return day.isoformat() if day else None
