"""Right and wrong answers to a paper's items, as an agent's browser would send them."""

from trainer.extensions import db
from trainer.questions.models import QuestionVersion


def version_of(item) -> QuestionVersion:
    return db.session.get(QuestionVersion, item["version_id"])


def displayed_key(item) -> list:
    """Displayed option indices, [True]/[False], a fill-in's first accepted answer, or a
    written reply's reference answer."""
    version = version_of(item)
    if version.needs_grader:
        return [version.reference or "参考作答"]
    if version.question.qtype in ("truefalse", "fill"):
        return list(version.answer[:1])
    return [item["option_order"].index(i) for i in version.answer]


def wrong_answer(item) -> list:
    version, key = version_of(item), displayed_key(item)
    if version.question.qtype == "truefalse":
        return [not key[0]]
    if version.question.qtype == "fill" or version.needs_grader:
        return ["一个错误的答案"]
    return [next(d for d in range(len(item["option_order"])) if d not in key)]


def form_for(items_and_answers) -> dict:
    """A submitted paper without JavaScript: q<position> for choices, t<position> for text."""
    form = {}
    for position, answer in items_and_answers:
        if answer and isinstance(answer[0], str):
            form[f"t{position}"] = answer[0]
        elif answer and isinstance(answer[0], bool):
            form[f"q{position}"] = "true" if answer[0] else "false"
        else:
            form[f"q{position}"] = [str(a) for a in answer]
    return form


def mark_written(attempt, credit: float, actor=None):
    """A lead marks every written reply of a submitted attempt with the same credit."""
    from trainer.exams import service

    db.session.refresh(attempt)
    for answer in attempt.answers:
        if answer.credit is None:
            answer.credit, answer.is_correct = credit, credit == 1
    return service.settle(attempt, actor)
