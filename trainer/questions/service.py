from sqlalchemy import select

from ..extensions import db
from .bank import BankQuestion
from .models import Question, QuestionVersion


def sync_bank(bank: list[BankQuestion]) -> dict[str, int]:
    """Bring the database in line with the shipped bank; unchanged questions stay untouched.

    A changed question gets a new version (old papers keep pointing at the old one).
    """
    existing = {q.key: q for q in db.session.scalars(select(Question))}
    counts = {"added": 0, "revised": 0, "unchanged": 0}
    for item in bank:
        question = existing.get(item.key)
        if question is None:
            question = Question(key=item.key, category=item.category, difficulty=item.difficulty,
                                qtype=item.qtype, module=item.module, section=item.section)
            db.session.add(question)
            db.session.flush()
            _add_version(question, item, number=1)
            counts["added"] += 1
        elif question.current_version.digest != item.digest:
            question.difficulty, question.qtype = item.difficulty, item.qtype
            _add_version(question, item, number=question.current_version.number + 1)
            counts["revised"] += 1
        else:
            counts["unchanged"] += 1
        # Where a question is taught is classification, not wording: no new version.
        question.category, question.module, question.section = (
            item.category, item.module, item.section)
    return counts


def _add_version(question: Question, item: BankQuestion, number: int) -> None:
    version = QuestionVersion(
        question_id=question.id,
        number=number,
        stem=item.stem,
        options=list(item.options),
        answer=list(item.answer),
        explanation=item.explanation,
        digest=item.digest,
    )
    db.session.add(version)
    db.session.flush()
    question.current_version = version
