"""Answer keys, read from the server's database: the browser never receives them."""

import json

from sqlalchemy import text


def _json(value):
    return json.loads(value) if isinstance(value, str) else value


TYPED = "text:"


def displayed_keys(engine, items) -> list[list[str]]:
    """Per position, the input values (as on the page) that answer it correctly; a fill-in's
    is its first accepted answer, marked TYPED."""
    keys = []
    with engine.connect() as conn:
        for item in _json(items):
            qtype, answer = conn.execute(text(
                "SELECT q.qtype, v.answer FROM question_versions v "
                "JOIN questions q ON q.id = v.question_id WHERE v.id = :id"),
                {"id": item["version_id"]}).one()
            answer = _json(answer)
            if qtype == "truefalse":
                keys.append(["true" if answer[0] else "false"])
            elif qtype == "fill":
                keys.append([TYPED + answer[0]])
            else:
                keys.append([str(item["option_order"].index(i)) for i in answer])
    return keys


def attempt_keys(engine, attempt_id: int) -> list[list[str]]:
    with engine.connect() as conn:
        items = conn.execute(text(
            "SELECT p.items FROM papers p JOIN attempts a ON a.paper_id = p.id "
            "WHERE a.id = :id"), {"id": attempt_id}).scalar_one()
    return displayed_keys(engine, items)


def practice_keys(engine, practice_id: int) -> list[list[str]]:
    with engine.connect() as conn:
        items = conn.execute(text("SELECT items FROM practice_attempts WHERE id = :id"),
                             {"id": practice_id}).scalar_one()
    return displayed_keys(engine, items)


def answer(page, keys, first: int = 0, only=None) -> None:
    """Tick (or type) the right inputs for positions `first` onwards (or for `only` those)."""
    for position, choices in enumerate(keys):
        if position >= first and (only is None or position in only):
            for choice in choices:
                if choice.startswith(TYPED):
                    page.fill(f"#t{position}", choice.removeprefix(TYPED))
                else:
                    page.check(f"#q{position}-{choice}")
