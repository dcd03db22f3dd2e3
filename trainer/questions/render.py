"""Question text as safe HTML: plain text escaped, Markdown rendered, imported HTML sanitized.
Pure. Rendered once per distinct text: a question version never changes, so neither does
its HTML."""

import html
from functools import lru_cache

import markdown
import nh3

TAGS = {
    "p", "br", "strong", "em", "b", "i", "u", "s", "sub", "sup", "ul", "ol", "li", "code",
    "pre", "blockquote", "table", "thead", "tbody", "tr", "th", "td", "span", "a", "hr",
}
ATTRIBUTES = {"a": {"href", "title"}, "th": {"align"}, "td": {"align"}}


def sanitize_html(text: str) -> str:
    """Structure survives; scripts, event handlers, styles, images and javascript: URLs go."""
    return nh3.clean(text, tags=TAGS, attributes=ATTRIBUTES,
                     url_schemes={"http", "https", "mailto"}, link_rel="noopener noreferrer")


def html_to_text(text: str) -> str:
    """Imported HTML where only plain text is kept (options, answers)."""
    return html.unescape(nh3.clean(text, tags=set())).strip()


@lru_cache(maxsize=8192)
def stem_html(stem: str, stem_format: str = "plain") -> str:
    if stem_format == "markdown":
        return sanitize_html(markdown.markdown(stem, extensions=["tables", "sane_lists"]))
    if stem_format == "html":
        return sanitize_html(stem)
    return html.escape(stem).replace("\n", "<br>")
