"""The course catalog: courses/*.md with YAML front matter, rendered once and sanitized.

Pure apart from reading the files: no Flask, no database.
"""

from dataclasses import dataclass
from pathlib import Path

import markdown
import nh3
import yaml

ALLOWED_TAGS = {
    "h2", "h3", "h4", "p", "ul", "ol", "li", "strong", "em", "blockquote", "code", "pre",
    "table", "thead", "tbody", "tr", "th", "td", "hr", "br", "a", "span",
}


@dataclass(frozen=True)
class Module:
    slug: str
    title: str
    order: int
    minutes: int
    summary: str
    html: str


class CatalogError(ValueError):
    pass


def render(text: str) -> str:
    """Markdown to HTML that is safe to mark as such: nh3 drops scripts, handlers, styles."""
    html = markdown.markdown(text, extensions=["tables", "sane_lists"])
    return nh3.clean(html, tags=ALLOWED_TAGS, attributes={"a": {"href", "title"}},
                     url_schemes={"http", "https", "mailto"})


def _split(path: Path) -> tuple[dict, str]:
    text = path.read_text(encoding="utf-8")
    if not text.startswith("---\n"):
        raise CatalogError(f"{path.name}:1: 缺少 YAML 头信息(--- 开头)")
    head, sep, body = text[4:].partition("\n---\n")
    if not sep:
        raise CatalogError(f"{path.name}:1: YAML 头信息没有以 --- 结束")
    try:
        meta = yaml.safe_load(head) or {}
    except yaml.YAMLError as exc:
        raise CatalogError(f"{path.name}: 头信息 YAML 错误:{exc}") from exc
    return meta, body


def load_module(path: Path) -> Module:
    meta, body = _split(path)
    missing = [k for k in ("slug", "title", "order") if k not in meta]
    if missing:
        raise CatalogError(f"{path.name}:1: 头信息缺少 {', '.join(missing)}")
    return Module(
        slug=str(meta["slug"]),
        title=str(meta["title"]),
        order=int(meta["order"]),
        minutes=int(meta.get("minutes", 15)),
        summary=str(meta.get("summary", "")),
        html=render(body),
    )


def load_catalog(directory: Path) -> list[Module]:
    modules = [load_module(p) for p in sorted(Path(directory).glob("*.md"))]
    slugs = [m.slug for m in modules]
    duplicates = {s for s in slugs if slugs.count(s) > 1}
    if duplicates:
        raise CatalogError(f"课程 slug 重复:{', '.join(sorted(duplicates))}")
    return sorted(modules, key=lambda m: m.order)
