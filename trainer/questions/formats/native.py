"""The native YAML format, as in question_bank/*.yaml: the only format that holds every field
of every type, so it is what an export meant for editing and re-importing should use."""

from datetime import date

import yaml

from ..bank import (
    CATEGORIES,
    DEFAULT_SCORING,
    LETTERS,
    BankError,
    BankQuestion,
    month_bounds,
    read_yaml,
)
from .common import ParseResult, Written, category_of


def parse_yaml(text: str, name: str, category: str | None = None) -> ParseResult:
    """`category` overrides the documents' own, as `read_yaml` does."""
    try:
        return ParseResult(questions=read_yaml(text.removeprefix("\ufeff"), name,
                                               category_of(category) or category))
    except BankError as exc:
        return ParseResult(errors=list(exc.problems))


def write_yaml(questions: list[BankQuestion]) -> Written:
    """One document per category, in the order the categories first appear."""
    by_category: dict[str, list[BankQuestion]] = {}
    for question in questions:
        by_category.setdefault(question.category, []).append(question)
    documents = [_document(category, items) for category, items in by_category.items()]
    return Written("---\n".join(documents).encode())


def _mapping(question: BankQuestion) -> dict:
    """The question as the bank's YAML mapping, fields at their defaults left out."""
    raw = {"id": question.key, "type": question.qtype, "difficulty": question.difficulty,
           "module": question.module, "section": question.section, "seed": question.seed,
           "tags": _Flow(question.tags),
           "active_from": month_or_day(question.active_from, first=True),
           "active_until": month_or_day(question.active_until, first=False),
           "format": question.stem_format if question.stem_format != "plain" else None,
           "chat": [{turn.speaker: turn.text} for turn in question.chat],
           "stem": question.stem, "options": list(question.options),
           "answer": _answer(question),
           "scoring": question.scoring if question.scoring != DEFAULT_SCORING else None,
           "reference": question.reference, "explanation": question.explanation}
    return {key: value for key, value in raw.items() if value not in (None, "", [], ())}


def _answer(question: BankQuestion):
    if question.qtype == "truefalse":
        return question.answer[0]
    if question.qtype == "fill":
        return list(question.answer)
    return "".join(LETTERS[i] for i in question.answer) or None


def month_or_day(day: date | None, first: bool) -> date | str | None:
    """A window that covers whole months is written as months ("2026-11"), as people write
    it; the bank reads a month back as the same first or last day."""
    if day is None:
        return None
    month = f"{day.year:04d}-{day.month:02d}"
    return month if day == month_bounds(month)[0 if first else 1] else day


def _document(category: str, questions: list[BankQuestion]) -> str:
    text = yaml.dump({"category": category, "title": CATEGORIES.get(category, category),
                      "questions": [_mapping(q) for q in questions]},
                     Dumper=_Dumper, allow_unicode=True, sort_keys=False, width=4096)
    # A blank line between questions, as in the shipped files; deeper lines (block texts)
    # are indented further, so only a question's first line starts this way.
    head, first, rest = text.partition("\n  - id: ")
    return head + first + rest.replace("\n  - id: ", "\n\n  - id: ")


class _Flow(tuple):
    """Written on one line: tags: [议价, 话术]."""


class _Dumper(yaml.SafeDumper):
    def increase_indent(self, flow=False, indentless=False):
        # Lists indented under their key ("questions:\n  - id:"), as the bank files are.
        return super().increase_indent(flow, False)


def _represent_str(dumper, text: str):
    # Several lines (a chat message, a reference) as a literal block, not an escaped string.
    return dumper.represent_scalar("tag:yaml.org,2002:str", text,
                                   style="|" if "\n" in text else None)


def _represent_flow(dumper, items: _Flow):
    return dumper.represent_sequence("tag:yaml.org,2002:seq", list(items), flow_style=True)


_Dumper.add_representer(str, _represent_str)
_Dumper.add_representer(_Flow, _represent_flow)
