"""The course catalog: courses/*.md with YAML front matter, rendered once and sanitized.

Pure apart from reading the files: no Flask, no database. Problems are collected, not raised
one by one, so `content check` can list every `file:line: message` in one run.
"""

import hashlib
import re
from dataclasses import dataclass, field
from pathlib import Path

import markdown
import nh3
import yaml
from markdown.extensions.toc import slugify_unicode

ALLOWED_TAGS = {
    "h2", "h3", "h4", "p", "ul", "ol", "li", "strong", "em", "blockquote", "code", "pre",
    "table", "thead", "tbody", "tr", "th", "td", "hr", "br", "a", "span", "div",
}
ALLOWED_ATTRIBUTES = {
    "a": {"href", "title"},
    "h2": {"id"}, "h3": {"id"}, "h4": {"id"},
    "div": {"class"}, "p": {"class"}, "code": {"class"},
    "th": {"align"}, "td": {"align"},
}
REQUIRED_KEYS = ("id", "title", "order", "minutes", "version", "objectives")
MODULE_ID = re.compile(r"^[a-z0-9][a-z0-9-]*$")
SECTION_HEADING = re.compile(r"^##(?!#)\s*(.*?)\s*$")
ANCHOR = re.compile(r"\{#([^}\s]+)\}\s*$")
LINK = re.compile(r"\]\((/learn/[^)\s#]+(?:#[^)\s]+)?|#[^)\s]+)\)")


@dataclass(frozen=True)
class Section:
    """A `##` section: the unit of reading progress, quiz links and change notices."""

    id: str
    title: str
    digest: str


@dataclass(frozen=True)
class Heading:
    id: str
    title: str
    level: int


@dataclass(frozen=True)
class Module:
    id: str
    title: str
    order: int
    minutes: int
    version: int
    required: bool
    summary: str
    objectives: tuple[str, ...]
    sections: tuple[Section, ...]
    toc: tuple[Heading, ...]
    html: str
    filename: str = ""
    links: tuple[tuple[int, str], ...] = field(default=(), repr=False)

    def section(self, section_id: str) -> Section | None:
        return next((s for s in self.sections if s.id == section_id), None)


class CatalogError(ValueError):
    def __init__(self, problems: list[str]):
        super().__init__("\n".join(problems))
        self.problems = problems


def _renderer() -> markdown.Markdown:
    return markdown.Markdown(
        extensions=["tables", "toc", "attr_list", "admonition", "fenced_code", "sane_lists"],
        extension_configs={"toc": {"slugify": slugify_unicode, "toc_depth": "2-3"}},
    )


def sanitize(html: str) -> str:
    """Only structure survives: scripts, event handlers, styles and javascript: URLs go."""
    return nh3.clean(html, tags=ALLOWED_TAGS, attributes=ALLOWED_ATTRIBUTES,
                     url_schemes={"http", "https", "mailto"}, link_rel="noopener noreferrer")


def render(text: str) -> tuple[str, tuple[Heading, ...]]:
    renderer = _renderer()
    html = sanitize(renderer.convert(text))
    return html, tuple(_flatten(renderer.toc_tokens))


def _flatten(tokens) -> list[Heading]:
    headings = []
    for token in tokens:
        headings.append(Heading(token["id"], token["name"], token["level"]))
        headings.extend(_flatten(token["children"]))
    return headings


def _split(path: Path, problems: list[str]) -> tuple[dict, str, int] | None:
    text = path.read_text(encoding="utf-8")
    if not text.startswith("---\n"):
        problems.append(f"{path.name}:1: 缺少 YAML 头信息(文件应以 --- 开头)")
        return None
    head, sep, body = text[4:].partition("\n---\n")
    if not sep:
        problems.append(f"{path.name}:1: YAML 头信息没有以 --- 结束")
        return None
    try:
        meta = yaml.safe_load(head) or {}
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        line = mark.line + 2 if mark else 1
        problems.append(f"{path.name}:{line}: 头信息 YAML 错误:{getattr(exc, 'problem', exc)}")
        return None
    if not isinstance(meta, dict):
        problems.append(f"{path.name}:2: 头信息应为键值对")
        return None
    body_line = head.count("\n") + 4  # opening ---, the head, closing ---, then the body
    return meta, body, body_line


def _check_meta(name: str, meta: dict, problems: list[str]) -> bool:
    missing = [k for k in REQUIRED_KEYS if k not in meta]
    if missing:
        problems.append(f"{name}:1: 头信息缺少 {', '.join(missing)}")
        return False
    ok = True
    if not MODULE_ID.match(str(meta["id"])):
        problems.append(f"{name}:1: id “{meta['id']}” 只能用小写字母、数字和连字符")
        ok = False
    for key in ("order", "minutes", "version"):
        if not isinstance(meta[key], int) or meta[key] < 1:
            problems.append(f"{name}:1: {key} 应为正整数")
            ok = False
    objectives = meta["objectives"]
    if not isinstance(objectives, list) or not objectives or not all(
            isinstance(o, str) and o.strip() for o in objectives):
        problems.append(f"{name}:1: objectives 应为至少一条学习目标的列表")
        ok = False
    return ok


def _sections(name: str, body: str, first_line: int, problems: list[str]) -> list[Section]:
    """`##` sections with their explicit anchors and a digest of their text."""
    sections, seen, current, lines = [], set(), None, []
    fenced = False

    def close():
        if current:
            digest = hashlib.sha256("\n".join(lines).strip().encode()).hexdigest()[:16]
            sections.append(Section(current[0], current[1], digest))

    for offset, line in enumerate(body.splitlines()):
        if line.startswith("```"):
            fenced = not fenced
        heading = None if fenced else SECTION_HEADING.match(line)
        if not heading:
            lines.append(line)
            continue
        close()
        lines = []
        anchor = ANCHOR.search(heading.group(1))
        title = ANCHOR.sub("", heading.group(1)).strip()
        if not anchor:
            problems.append(f"{name}:{first_line + offset}: 二级标题“{title}”缺少锚点 {{#id}}")
            current = None
            continue
        if anchor.group(1) in seen:
            problems.append(f"{name}:{first_line + offset}: 锚点 #{anchor.group(1)} 重复")
        seen.add(anchor.group(1))
        current = (anchor.group(1), title)
    close()
    if not sections and not any(p.startswith(f"{name}:") for p in problems):
        problems.append(f"{name}:{first_line}: 正文至少需要一个带锚点的二级标题(## 标题 {{#id}})")
    return sections


def _links(body: str, first_line: int) -> tuple[tuple[int, str], ...]:
    return tuple((first_line + n, target) for n, line in enumerate(body.splitlines())
                 for target in LINK.findall(line))


def load_module(path: Path, problems: list[str]) -> Module | None:
    split = _split(path, problems)
    if split is None:
        return None
    meta, body, body_line = split
    if not _check_meta(path.name, meta, problems):
        return None
    sections = _sections(path.name, body, body_line, problems)
    html, toc = render(body)
    return Module(
        id=str(meta["id"]), title=str(meta["title"]), order=meta["order"],
        minutes=meta["minutes"], version=meta["version"], required=bool(meta.get("required", True)),
        summary=str(meta.get("summary", "")), objectives=tuple(meta["objectives"]),
        sections=tuple(sections), toc=toc, html=html, filename=path.name,
        links=_links(body, body_line),
    )


def _check_links(modules: list[Module], problems: list[str]) -> None:
    anchors = {m.id: {h.id for h in m.toc} for m in modules}
    for module in modules:
        for line, target in module.links:
            if target.startswith("#"):
                other, anchor = module.id, target[1:]
            else:
                other, _, anchor = target.removeprefix("/learn/").partition("#")
            if other not in anchors:
                problems.append(f"{module.filename}:{line}: 链接 {target} 指向不存在的课程")
            elif anchor and anchor not in anchors[other]:
                problems.append(f"{module.filename}:{line}: 链接 {target} 指向不存在的小节")


def load_catalog(directory: Path) -> list[Module]:
    problems: list[str] = []
    modules = [m for p in sorted(Path(directory).glob("*.md")) if (m := load_module(p, problems))]
    by_id: dict[str, str] = {}
    for module in modules:
        if module.id in by_id:
            problems.append(f"{module.filename}:1: 课程 id {module.id} 与 {by_id[module.id]} 重复")
        by_id[module.id] = module.filename
    _check_links(modules, problems)
    if problems:
        raise CatalogError(problems)
    return sorted(modules, key=lambda m: m.order)


def changed_sections(old: list[dict], new: tuple[Section, ...]) -> list[Section]:
    """Sections of the new version that are new or whose text changed since `old`."""
    before = {s["id"]: s["digest"] for s in old}
    return [s for s in new if before.get(s.id) != s.digest]
