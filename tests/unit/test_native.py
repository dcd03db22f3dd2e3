from dataclasses import replace
from datetime import date
from pathlib import Path

import yaml

from trainer.questions.bank import load_bank, read_yaml
from trainer.questions.formats.native import parse_yaml, write_yaml

ROOT = Path(__file__).resolve().parents[2]
EVERY_FIELD = ROOT / "tests" / "fixtures" / "formats" / "yaml_every_field.yaml"


def every_field():
    return read_yaml(EVERY_FIELD.read_text(encoding="utf-8"), EVERY_FIELD.name)


def round_trip(questions):
    parsed = parse_yaml(write_yaml(questions).data.decode(), "out.yaml")
    assert parsed.errors == []
    return parsed.questions


def test_every_type_and_field_comes_back_exactly():
    questions = every_field()
    assert {q.qtype for q in questions} == {"single", "multiple", "truefalse", "fill",
                                            "scenario", "short"}
    assert round_trip(questions) == questions


def test_the_shipped_bank_comes_back_exactly():
    questions = load_bank(ROOT / "question_bank")
    first_seen = [q.category for q in questions]
    by_category = sorted(questions, key=lambda q: first_seen.index(q.category))
    assert round_trip(questions) == by_category


def test_one_document_per_category_in_the_order_they_first_appear():
    sales, _, _, fill, *_ = every_field()
    written = write_yaml([fill, sales, replace(fill, key="x-2")]).data.decode()
    documents = list(yaml.safe_load_all(written))
    assert [(d["category"], d["title"]) for d in documents] == [("after_sales", "售后处理"),
                                                               ("sales", "销售知识")]
    assert [q["id"] for q in documents[0]["questions"]] == ["售后-填空-01", "x-2"]
    assert "\n---\n" in written


def test_house_style_key_order_defaults_left_out_chinese_unescaped():
    single = every_field()[0]
    plain = replace(single, module=None, section=None, seed="", tags=(), active_from=None,
                    active_until=None, explanation="")
    assert write_yaml([plain]).data.decode() == """category: sales
title: 销售知识
questions:
  - id: sales-t01
    type: single
    difficulty: 1
    stem: 顾客多次议价：“再便宜10块吧！”客服没有改价权限，最恰当的做法是？
    options:
      - 先私自答应改价
      - =说明没有改价权限，帮顾客向主管申请
      - 直接回复“不讲价”
      - 'null'
    answer: B
"""


def test_every_key_in_order_with_blocks_months_and_a_blank_line_between_questions():
    text = write_yaml(every_field()).data.decode()
    assert """  - id: sales-t01
    type: single
    difficulty: 1
    module: presales
    section: bargain
    seed: 004 议价语
    tags: [议价, 话术]
    active_from: 2026-11
    active_until: 2026-12-15
    stem: 顾客多次议价""" in text
    assert """    explanation: |-
      客服没有私自改价的权限。
      应向主管申请，并按主管的真实答复回复顾客。

  - id: sales-t02
""" in text
    assert """    chat:
      - 顾客: 你好，我买了3件，只收到2件！
      - 客服: 亲，非常抱歉给您带来不便，请问方便提供一下包裹的照片吗？
""" in text
    assert "questions:\n  - id: sales-t01" in text  # no blank line before the first
    assert "    answer: false\n" in text
    assert "    scoring: partial\n" in text
    assert "    format: html\n" in text
    assert "\\u" not in text


def test_a_window_inside_a_month_is_written_as_days():
    single = every_field()[0]
    odd = replace(single, active_from=date(2026, 11, 2), active_until=date(2026, 11, 30))
    text = write_yaml([odd]).data.decode()
    assert "active_from: 2026-11-02\n" in text
    assert "active_until: 2026-11\n" in text
    assert round_trip([odd]) == [odd]


def test_bank_problems_become_errors_with_lines():
    text = EVERY_FIELD.read_text(encoding="utf-8").replace("answer: ABD", "answer: ABE")
    parsed = parse_yaml(text, "bad.yaml")
    assert parsed.questions == []
    assert parsed.errors == ["bad.yaml:26: sales-t02: 答案 'ABE' 不在选项 A–D 之内"]


def test_a_syntax_error_is_an_error_not_an_exception():
    parsed = parse_yaml("category: sales\nquestions: [\n", "broken.yaml")
    assert len(parsed.errors) == 1 and parsed.errors[0].startswith("broken.yaml:")


def test_the_category_argument_overrides_and_may_be_a_chinese_label():
    parsed = parse_yaml("\ufeff" + EVERY_FIELD.read_text(encoding="utf-8"), "f.yaml", "商品知识")
    assert parsed.errors == []
    assert {q.category for q in parsed.questions} == {"product"}


def test_nothing_to_write_is_an_empty_file():
    assert write_yaml([]).data == b""
