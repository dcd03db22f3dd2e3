"""What every question format shares: the parse result, and names for what a file leaves out."""

import hashlib
import re
from dataclasses import dataclass, field

from ..bank import CATEGORIES, DIFFICULTIES, TYPES, BankQuestion
from ..similarity import normalize_answer


@dataclass(frozen=True)
class Skipped:
    line: int  # the row, for a spreadsheet
    reason: str


@dataclass
class ParseResult:
    questions: list[BankQuestion] = field(default_factory=list)
    skipped: list[Skipped] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)  # "file:line: message"


@dataclass
class Written:
    data: bytes
    skipped: list[tuple[str, str]] = field(default_factory=list)  # (question key, reason)


def writable(questions: list[BankQuestion], unwritable) -> tuple[list[BankQuestion], list]:
    """The questions a format can hold, and (key, reason) for each it cannot; `unwritable`
    gives the reason, or None."""
    kept, skipped = [], []
    for question in questions:
        reason = unwritable(question)
        if reason:
            skipped.append((question.key, reason))
        else:
            kept.append(question)
    return kept, skipped


def generated_key(category: str, stem: str) -> str:
    """A question without an id gets one from its wording, so importing the same file twice
    updates rather than duplicates it."""
    digest = hashlib.sha1(normalize_answer(stem).encode(), usedforsecurity=False).hexdigest()
    return f"{category}-{digest[:10]}"


_LABELS = {**{code: code for code in CATEGORIES}, **{label: code for code, label in
                                                      CATEGORIES.items()}}


def category_of(text: str | None) -> str | None:
    """A category named by its code (sales) or its Chinese label (销售知识); for a Moodle
    category path ($course$/top/销售知识) the last part counts."""
    if not text:
        return None
    last = re.split(r"[/\\]", str(text).strip())[-1].strip()
    return _LABELS.get(last) or _LABELS.get(last.lower())


_TYPE_LABELS = {**{code: code for code in TYPES}, **{label: code for code, label in
                                                      TYPES.items()},
                **{label.removesuffix("题"): code for code, label in TYPES.items()}}


def type_of(text: str | None) -> str | None:
    """A type by its code (single) or Chinese name (单选题, 单选)."""
    return _TYPE_LABELS.get(str(text or "").strip().lower()) or \
        _TYPE_LABELS.get(str(text or "").strip())


_DIFFICULTY_LABELS = {**{str(k): k for k in DIFFICULTIES}, **{v: k for k, v in
                                                               DIFFICULTIES.items()},
                      "容易": 1, "简单": 1, "中等": 2, "困难": 3, "较难": 3}


def difficulty_of(text) -> int | None:
    """1/2/3, or 易/中/难."""
    if isinstance(text, float) and text.is_integer():
        text = int(text)
    return _DIFFICULTY_LABELS.get(str(text if text is not None else "").strip())
