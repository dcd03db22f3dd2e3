from pathlib import Path

import pytest

from trainer.learning.catalog import CatalogError, Section, changed_sections, load_catalog, render

FIXTURE = Path(__file__).resolve().parents[1] / "fixtures" / "content" / "courses"
HEAD = """---
id: {id}
title: 标题
order: {order}
minutes: 5
version: 1
objectives: [目标]
---
"""


def write(tmp_path, name, body, module_id="m", order=1):
    (tmp_path / name).write_text(HEAD.format(id=module_id, order=order) + body, encoding="utf-8")
    return tmp_path


def problems(directory):
    with pytest.raises(CatalogError) as refused:
        load_catalog(directory)
    return refused.value.problems


def test_modules_load_in_order_with_sections_and_toc():
    modules = load_catalog(FIXTURE)
    assert [m.id for m in modules] == ["alpha", "beta"]
    alpha = modules[0]
    assert [s.id for s in alpha.sections] == ["one", "two", "summary"]
    assert alpha.objectives == ("学会甲",) and alpha.version == 1 and alpha.required
    assert '<div class="admonition good">' in alpha.html and "<table>" in alpha.html


@pytest.mark.parametrize("attack", [
    "<script>alert(1)</script>",
    '<img src=x onerror="alert(1)">',
    "[click](javascript:alert(1))",
    '<a href="#" onclick="steal()">x</a>',
    "<iframe src='//evil'></iframe>",
    '<div style="background:url(javascript:alert(1))">x</div>',
])
def test_markdown_is_sanitized(attack):
    html, _ = render(f"## 节 {{#s}}\n\n{attack}\n")
    for bad in ("<script", "onerror", "javascript:", "onclick", "<iframe", "style="):
        assert bad not in html


def test_a_section_without_an_anchor_is_named_with_its_line(tmp_path):
    found = problems(write(tmp_path, "m.md", "## 有锚点 {#a}\n\n文字\n\n## 没有锚点\n"))
    assert found == ["m.md:13: 二级标题“没有锚点”缺少锚点 {#id}"]


def test_duplicate_anchor_and_broken_links(tmp_path):
    write(tmp_path, "a.md", "## 一 {#x}\n\n[坏](#nope)\n\n## 二 {#x}\n\n[外](/learn/zzz#x)\n")
    found = problems(tmp_path)
    assert "a.md:13: 锚点 #x 重复" in found
    assert "a.md:11: 链接 #nope 指向不存在的小节" in found
    assert "a.md:15: 链接 /learn/zzz#x 指向不存在的课程" in found


def test_links_to_other_modules_resolve(tmp_path):
    write(tmp_path, "a.md", "## 一 {#x}\n\n[乙](/learn/b#y)\n", "a", 1)
    write(tmp_path, "b.md", "## 二 {#y}\n\n[甲](/learn/a)\n", "b", 2)
    assert [m.id for m in load_catalog(tmp_path)] == ["a", "b"]


def test_front_matter_schema(tmp_path):
    (tmp_path / "x.md").write_text("---\nid: x\ntitle: T\norder: 1\n---\n## 一 {#a}\n",
                                   encoding="utf-8")
    (tmp_path / "y.md").write_text("# no front matter\n", encoding="utf-8")
    (tmp_path / "z.md").write_text(HEAD.format(id="Bad Id", order=0) + "## 一 {#a}\n",
                                   encoding="utf-8")
    found = problems(tmp_path)
    assert "x.md:1: 头信息缺少 minutes, version, objectives" in found
    assert "y.md:1: 缺少 YAML 头信息(文件应以 --- 开头)" in found
    assert any(p.startswith("z.md:1: id") for p in found)
    assert "z.md:1: order 应为正整数" in found


def test_duplicate_module_ids(tmp_path):
    write(tmp_path, "a.md", "## 一 {#x}\n", "same", 1)
    write(tmp_path, "b.md", "## 一 {#x}\n", "same", 2)
    assert any("重复" in p for p in problems(tmp_path))


def test_changed_sections_are_new_or_reworded():
    old = [{"id": "a", "digest": "1"}, {"id": "b", "digest": "2"}]
    new = (Section("a", "甲", "1"), Section("b", "乙", "9"), Section("c", "丙", "3"))
    assert [s.id for s in changed_sections(old, new)] == ["b", "c"]
