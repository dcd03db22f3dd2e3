"""Where learning meets the database: catalog, progress, practice, certification."""

import logging
import random
import secrets
from datetime import datetime
from pathlib import Path

from flask import current_app
from sqlalchemy import select

from ..accounts.models import User, utcnow
from ..clock import local_now
from ..exams import service as exams
from ..exams.blueprint import certification
from ..exams.generator import PaperItem, option_order
from ..exams.grading import grade, is_correct
from ..exams.models import KIND_CERTIFICATION, Exam
from ..extensions import db
from ..questions.models import QuestionVersion
from .catalog import CatalogError, Module, changed_sections, load_catalog
from .models import ModuleProgress, ModuleRevision, PracticeAttempt
from .onboarding import (
    CertState,
    CertStatus,
    OnboardingRules,
    Sitting,
    certification_status,
    practice_draw,
    practice_passed,
)

log = logging.getLogger(__name__)


def rules() -> OnboardingRules:
    return current_app.config["ONBOARDING_RULES"]


def _signature(directory: Path) -> tuple:
    return tuple((p.name, p.stat().st_mtime_ns, p.stat().st_size)
                 for p in sorted(directory.glob("*.md")))


def catalog() -> list[Module]:
    """Rendered once per content change, not per request: a deploy or `content sync` that
    edits courses/ is picked up by running workers without a restart. A broken edit keeps
    the last good catalog serving."""
    directory = Path(current_app.config["COURSES_DIR"])
    signature = _signature(directory)
    cached = current_app.extensions.get("trainer.catalog")
    if cached is None or cached[0] != signature:
        try:
            cached = (signature, load_catalog(directory))
        except CatalogError as exc:
            if cached is None:
                raise
            log.error("courses/ has errors; serving the previous catalog:\n%s", exc)
            cached = (signature, cached[1])
        current_app.extensions["trainer.catalog"] = cached
    return cached[1]


def module(module_id: str) -> Module | None:
    return next((m for m in catalog() if m.id == module_id), None)


def required_modules() -> list[Module]:
    return [m for m in catalog() if m.required]


def neighbours(current: Module) -> tuple[Module | None, Module | None]:
    modules = catalog()
    index = modules.index(current)
    return (modules[index - 1] if index > 0 else None,
            modules[index + 1] if index + 1 < len(modules) else None)


def progress_map(user_id: int) -> dict[str, ModuleProgress]:
    rows = db.session.scalars(select(ModuleProgress).where(ModuleProgress.user_id == user_id))
    return {p.module_id: p for p in rows}


def _progress(user_id: int, module_id: str) -> ModuleProgress:
    progress = db.session.scalar(select(ModuleProgress).where(
        ModuleProgress.user_id == user_id, ModuleProgress.module_id == module_id))
    if progress is None:
        progress = ModuleProgress(user_id=user_id, module_id=module_id, sections_reached=[])
        db.session.add(progress)
    return progress


def _complete_if_done(progress: ModuleProgress, current: Module, now: datetime) -> None:
    """Complete = read to the end and the quiz passed, in either order."""
    if progress.read_at and progress.quiz_passed_at and progress.completed_at is None:
        progress.completed_at, progress.completed_version = now, current.version


def record_section(user: User, current: Module, section_id: str, now: datetime) -> ModuleProgress:
    if current.section(section_id) is None:
        raise ValueError(section_id)
    progress = _progress(user.id, current.id)
    reached = list(progress.sections_reached or [])
    if section_id not in reached:
        reached.append(section_id)
        progress.sections_reached = reached
    progress.last_section, progress.updated_at = section_id, now
    if progress.read_at is None and {s.id for s in current.sections} <= set(reached):
        progress.read_at = now
    _complete_if_done(progress, current, now)
    db.session.commit()
    return progress


def module_complete(progress: ModuleProgress | None) -> bool:
    return progress is not None and progress.completed_at is not None


def changes_since_completion(current: Module, progress: ModuleProgress | None):
    """Sections changed since the version the agent completed, or None when up to date."""
    if progress is None or progress.completed_version in (None, current.version):
        return None
    revision = db.session.scalar(select(ModuleRevision).where(
        ModuleRevision.module_id == current.id,
        ModuleRevision.version == progress.completed_version))
    return changed_sections(revision.sections if revision else [], current.sections)


# Practice -------------------------------------------------------------------------------

# A practice quiz drawn from the wrong-answer notebook rather than one module: it teaches no
# module, so it moves no module's progress.
NOTEBOOK = "notebook"


def is_notebook(attempt: PracticeAttempt) -> bool:
    return attempt.module_id == NOTEBOOK


def _new_practice(user: User, module_id: str, drawn: list[tuple[int, int]],
                  rng: random.Random) -> PracticeAttempt:
    """drawn: (version id, option count) per question, in quiz order."""
    attempt = PracticeAttempt(
        user_id=user.id, module_id=module_id, checked={},
        items=exams.paper_items([PaperItem(version_id, option_order(rng, count))
                                 for version_id, count in drawn]))
    db.session.add(attempt)
    db.session.commit()
    return attempt


def _rng() -> random.Random:
    return random.Random(secrets.randbits(31))  # noqa: S311  (a draw, not a secret)


def start_practice(user: User, current: Module) -> PracticeAttempt:
    rng = _rng()
    drawn = practice_draw(exams.candidates(local_now().strftime("%Y-%m"), module=current.id),
                          rules(), rng)
    return _new_practice(user, current.id, [(c.version_id, c.option_count) for c in drawn], rng)


def start_notebook_practice(user: User, versions: list[QuestionVersion]) -> PracticeAttempt:
    """A quiz of the given question versions (machine-graded ones: the caller picks them)."""
    return _new_practice(user, NOTEBOOK, [(v.id, len(v.options)) for v in versions], _rng())


def practice_items(attempt: PracticeAttempt):
    return exams.show(attempt.items, {int(k): v for k, v in attempt.checked.items()})


def section_link(module_id: str | None, section_id: str | None) -> tuple[str | None, str | None]:
    """(url, title) of the course section that teaches a question, or (None, None) when the
    question names none or the course no longer has it."""
    owner = module(module_id) if module_id else None
    found = owner.section(section_id) if owner and section_id else None
    return (f"/learn/{module_id}#{section_id}", found.title) if found else (None, None)


def _feedback(attempt: PracticeAttempt, position: int, version, original: list) -> dict:
    item = attempt.items[position]
    question = version.question
    # The question's own module: a notebook quiz mixes questions of several modules.
    url, title = section_link(question.module, question.section)
    return {
        "position": position,
        "correct": is_correct(question.qtype, version.answer, original, version.scoring),
        "key": exams.to_displayed(version.answer, item["option_order"], question.qtype),
        "explanation": version.explanation,
        "section_url": url,
        "section_title": title,
    }


def check_practice(attempt: PracticeAttempt, position: int, response: list) -> dict:
    """Instant feedback for one question; its first checked answer is kept for the score."""
    if attempt.submitted_at is not None or not 0 <= position < len(attempt.items):
        raise ValueError(position)
    item = attempt.items[position]
    version = exams.versions([item])[item["version_id"]]
    key = str(position)
    if key not in attempt.checked:
        original = exams.to_original(response, item["option_order"], version.question.qtype)
        attempt.checked = {**attempt.checked, key: original}
        db.session.commit()
    return _feedback(attempt, position, version, attempt.checked[key])


def submit_practice(attempt: PracticeAttempt, responses: dict[int, list], now: datetime):
    """Score the quiz; checked answers stand as first given. Returns per-question feedback."""
    by_id = exams.versions(attempt.items)
    checked = dict(attempt.checked)
    graded, feedback = [], []
    for position, item in enumerate(attempt.items):
        version = by_id[item["version_id"]]
        key = str(position)
        if key not in checked and attempt.submitted_at is None:
            checked[key] = exams.to_original(responses.get(position, []), item["option_order"],
                                             version.question.qtype)
        original = checked.get(key, [])
        graded.append((version.question.qtype, version.answer, original, version.scoring))
        feedback.append(_feedback(attempt, position, version, original))
    if attempt.submitted_at is None:
        result = grade(graded)
        attempt.checked, attempt.correct, attempt.score = checked, result.correct, result.score
        attempt.submitted_at = now
        if not is_notebook(attempt):
            _record_module_quiz(attempt, now)
        db.session.commit()
    return feedback


def _record_module_quiz(attempt: PracticeAttempt, now: datetime) -> None:
    current = module(attempt.module_id)
    progress = _progress(attempt.user_id, attempt.module_id)
    progress.best_quiz_score = max(progress.best_quiz_score or 0, attempt.score)
    if practice_passed(attempt.score, rules()) and progress.quiz_passed_at is None:
        progress.quiz_passed_at = now
    if current:
        _complete_if_done(progress, current, now)


# Certification --------------------------------------------------------------------------

def certification_exam() -> Exam:
    settings = rules()
    blueprint = certification([m.id for m in required_modules()],
                              settings.certification_questions_per_module)
    return exams.certification_exam(blueprint, settings.certification_pass_mark,
                                    settings.certification_minutes)


def all_required_complete(user_id: int) -> bool:
    progress = progress_map(user_id)
    return all(module_complete(progress.get(m.id)) for m in required_modules())


def certification_state(user: User, now: datetime | None = None) -> CertStatus:
    if user.certified_on is not None:  # however it was recorded (an exam, an import)
        return CertStatus(CertState.PASSED)
    exam = db.session.scalar(select(Exam).where(Exam.kind == KIND_CERTIFICATION))
    attempts = exams.attempts_of(exam, user) if exam else []
    sittings = [Sitting(a.submitted_at, a.score) for a in attempts]
    return certification_status(all_required_complete(user.id), sittings, rules(),
                                now or utcnow())


def record_revisions(modules: list[Module]) -> int:
    """Remember each module version's sections (for change notices); returns how many new."""
    known = {(r.module_id, r.version) for r in db.session.scalars(select(ModuleRevision))}
    added = 0
    for current in modules:
        if (current.id, current.version) not in known:
            db.session.add(ModuleRevision(
                module_id=current.id, version=current.version, title=current.title,
                sections=[{"id": s.id, "title": s.title, "digest": s.digest}
                          for s in current.sections]))
            added += 1
    return added
