from pathlib import Path

import pytest

from trainer.learning.catalog import CatalogError, load_catalog, load_module, render

SHIPPED = Path(__file__).resolve().parents[2] / "courses"


def test_shipped_courses_load_in_order():
    modules = load_catalog(SHIPPED)
    assert modules and modules[0].slug == "etiquette"
    assert [m.order for m in modules] == sorted(m.order for m in modules)
    assert "<table>" in modules[0].html


@pytest.mark.parametrize("attack", [
    "<script>alert(1)</script>",
    '<img src=x onerror="alert(1)">',
    "[click](javascript:alert(1))",
    '<a href="#" onclick="steal()">x</a>',
    "<iframe src='//evil'></iframe>",
])
def test_markdown_is_sanitized(attack):
    html = render(f"段落\n\n{attack}\n")
    assert "<script" not in html and "onerror" not in html and "javascript:" not in html
    assert "onclick" not in html and "<iframe" not in html


def test_missing_front_matter_is_refused_with_file(tmp_path):
    path = tmp_path / "x.md"
    path.write_text("# no front matter\n", encoding="utf-8")
    with pytest.raises(CatalogError, match="x.md:1"):
        load_module(path)


def test_duplicate_slugs_are_refused(tmp_path):
    for name in ("a.md", "b.md"):
        (tmp_path / name).write_text("---\nslug: s\ntitle: T\norder: 1\n---\n正文\n",
                                     encoding="utf-8")
    with pytest.raises(CatalogError, match="重复"):
        load_catalog(tmp_path)
