"""Hand-built papers: a known set of fixture-bank questions, in written option order, so a
test knows exactly what the agent was asked."""

from datetime import timedelta

from sqlalchemy import select

from trainer.accounts.models import utcnow
from trainer.exams import service
from trainer.exams.models import Attempt, Paper
from trainer.extensions import db
from trainer.questions.models import Question


def question(key: str) -> Question:
    return db.session.scalar(select(Question).where(Question.key == key))


def sit(exam, agent, responses: dict, keys, submit=True, sitting=1) -> Attempt:
    """An attempt at a paper of `keys` (current versions), with `responses` by key saved as
    the agent's browser would save them, then handed in unless `submit` is False."""
    versions = [question(key).current_version for key in keys]
    paper = Paper(exam_id=exam.id, user_id=agent.id, seed=1, sitting=sitting,
                  items=[{"version_id": v.id, "option_order": list(range(len(v.options)))}
                         for v in versions])
    now = utcnow()
    attempt = Attempt(paper=paper, started_at=now - timedelta(minutes=5),
                      ends_at=now + timedelta(minutes=25))
    db.session.add_all([paper, attempt])
    db.session.commit()
    service.save_answers(attempt, {keys.index(k): r for k, r in responses.items()}, now)
    return service.submit(attempt, now) if submit else attempt
