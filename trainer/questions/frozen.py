"""Question versions as plain data, kept in memory by id for the exam's hot paths.

A version never changes once written (an edit adds a new one), so what the exam page, the
autosave and grading need of it can be read once per process instead of on every request:
no QuestionVersion and Question rows loaded, no Markdown rendered again. The entries are
plain frozen data, never ORM objects, so nothing is tied to a session. They hold the key,
for grading on the server; pages get `ShownItem`s built from them, which have none.

A question's classification (its category) can change without a new version, so it is not
kept here: callers that show it read it with the request.
"""

from collections.abc import Iterable
from dataclasses import dataclass
from threading import Lock

from flask import current_app
from sqlalchemy import select

from ..extensions import db
from .bank import needs_grader
from .models import Question, QuestionVersion
from .render import stem_html

# A month's papers draw on a few hundred versions; the cap only guards memory against a
# process that lives through many banks' worth of edits.
CAPACITY = 4096


@dataclass(frozen=True)
class FrozenVersion:
    id: int
    question_id: int
    qtype: str  # fixed for the question's life
    options: tuple[str, ...]
    answer: tuple
    scoring: str
    chat: tuple[tuple[str, str], ...]
    stem_html: str

    @property
    def needs_grader(self) -> bool:
        return needs_grader(self.qtype, self.options)


class VersionCache:
    """Bounded, shared by the threads of a worker; misses are read in one query."""

    def __init__(self, capacity: int = CAPACITY):
        self.capacity = capacity
        self._entries: dict[int, FrozenVersion] = {}
        self._lock = Lock()

    def get_many(self, ids: Iterable[int]) -> dict[int, FrozenVersion]:
        wanted = set(ids)
        found = {i: v for i in wanted if (v := self._entries.get(i)) is not None}
        missing = wanted - found.keys()
        if missing:
            loaded = _load(missing)
            found.update(loaded)
            with self._lock:
                self._entries.update(loaded)
                # Oldest first: dicts keep insertion order.
                for stale in list(self._entries)[:max(0, len(self._entries) - self.capacity)]:
                    del self._entries[stale]
        return found

    def __len__(self) -> int:
        return len(self._entries)


def _load(ids: set[int]) -> dict[int, FrozenVersion]:
    rows = db.session.execute(
        select(QuestionVersion.id, QuestionVersion.question_id, Question.qtype,
               QuestionVersion.options, QuestionVersion.answer, QuestionVersion.scoring,
               QuestionVersion.chat, QuestionVersion.stem, QuestionVersion.stem_format)
        .join(Question, Question.id == QuestionVersion.question_id)
        .where(QuestionVersion.id.in_(ids)))
    return {vid: FrozenVersion(
        id=vid, question_id=qid, qtype=qtype, options=tuple(options or ()),
        answer=tuple(answer or ()), scoring=scoring,
        chat=tuple((speaker, text) for speaker, text in chat or ()),
        stem_html=stem_html(stem, stem_format or "plain"))
        for vid, qid, qtype, options, answer, scoring, chat, stem, stem_format in rows}


def cache() -> VersionCache:
    """The app's cache: one per app, since version ids mean something only in its database."""
    found = current_app.extensions.get("trainer.versions")
    if found is None:
        found = current_app.extensions.setdefault("trainer.versions", VersionCache())
    return found


def frozen_versions(ids: Iterable[int]) -> dict[int, FrozenVersion]:
    return cache().get_many(ids)


def categories(ids: Iterable[int]) -> dict[int, str]:
    """Each version's question's category as it is now."""
    return dict(db.session.execute(
        select(QuestionVersion.id, Question.category)
        .join(Question, Question.id == QuestionVersion.question_id)
        .where(QuestionVersion.id.in_(set(ids)))).all())
