from flask import current_app
from sqlalchemy import select

from ..extensions import db
from .catalog import Module, load_catalog
from .models import ModuleProgress


def catalog() -> list[Module]:
    """Rendered once per process: course files change only with a deploy."""
    cached = current_app.extensions.get("trainer.catalog")
    if cached is None:
        cached = load_catalog(current_app.config["COURSES_DIR"])
        current_app.extensions["trainer.catalog"] = cached
    return cached


def module(slug: str) -> Module | None:
    return next((m for m in catalog() if m.slug == slug), None)


def completed_slugs(user_id: int) -> set[str]:
    query = select(ModuleProgress.module_slug).where(ModuleProgress.user_id == user_id)
    return set(db.session.scalars(query))


def mark_complete(user_id: int, slug: str) -> None:
    if slug not in completed_slugs(user_id):
        db.session.add(ModuleProgress(user_id=user_id, module_slug=slug))
        db.session.commit()
