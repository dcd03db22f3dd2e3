import hashlib
import json
from dataclasses import replace
from datetime import date
from pathlib import Path

import pytest

from trainer.questions.bank import CATEGORIES, BankError, load_bank

SHIPPED = Path(__file__).resolve().parents[2] / "question_bank"


def write(tmp_path, body, name="sales.yaml"):
    (tmp_path / name).write_text(body, encoding="utf-8")
    return tmp_path


def test_the_shipped_bank_loads_and_covers_every_category():
    questions = load_bank(SHIPPED)
    assert {q.category for q in questions} == set(CATEGORIES)
    assert len({q.key for q in questions}) == len(questions)


GOOD = """category: sales
title: 销售知识
questions:
  - id: s-1
    type: single
    difficulty: 1
    stem: 题干
    options: [甲, 乙, 丙]
    answer: C
  - id: s-2
    type: multiple
    difficulty: 2
    stem: 题干
    options: [甲, 乙, 丙]
    answer: CA
  - id: s-3
    type: truefalse
    difficulty: 3
    stem: 题干
    answer: false
"""


def test_answers_become_option_indices(tmp_path):
    questions = {q.key: q for q in load_bank(write(tmp_path, GOOD))}
    assert questions["s-1"].answer == (2,)
    assert questions["s-2"].answer == (0, 2)
    assert questions["s-3"].answer == (False,)


def test_digest_changes_with_wording_only(tmp_path):
    before = load_bank(write(tmp_path, GOOD))[0].digest
    assert load_bank(write(tmp_path, GOOD))[0].digest == before
    reworded = GOOD.replace("options: [甲, 乙, 丙]", "options: [甲, 乙, 丁]", 1)
    changed = load_bank(write(tmp_path, reworded))
    assert changed[0].digest != before


@pytest.mark.parametrize(("bad", "line", "words"), [
    (GOOD.replace("answer: C", "answer: D"), 4, "不在选项"),
    (GOOD.replace("answer: CA", "answer: A"), 10, "至少两个"),
    (GOOD.replace("answer: false", "answer: maybe"), 16, "true 或 false"),
    (GOOD.replace("type: single", "type: essay"), 4, "题型"),
    (GOOD.replace("difficulty: 1", "difficulty: 5"), 4, "难度"),
    (GOOD.replace("category: sales", "category: cooking"), 1, "未知类别"),
])
def test_a_bad_question_refuses_the_bank_with_file_and_line(tmp_path, bad, line, words):
    with pytest.raises(BankError) as refused:
        load_bank(write(tmp_path, bad))
    assert f"sales.yaml:{line}:" in str(refused.value)
    assert words in str(refused.value)


def test_yaml_syntax_errors_name_the_line(tmp_path):
    with pytest.raises(BankError, match=r"sales.yaml:\d+: YAML"):
        load_bank(write(tmp_path, GOOD + "  - id: [unclosed\n"))


def test_duplicate_ids_across_files_are_refused(tmp_path):
    write(tmp_path, GOOD)
    write(tmp_path, GOOD.replace("category: sales", "category: rules"), "rules.yaml")
    with pytest.raises(BankError, match="重复"):
        load_bank(tmp_path)


def one(body: str, tmp_path, category="sales"):
    text = f"category: {category}\nquestions:\n" + body
    return load_bank(write(tmp_path, text))[0]


def test_fill_in_keeps_its_accepted_answers(tmp_path):
    q = one("  - id: f\n    type: fill\n    difficulty: 1\n    stem: 七天从签收次日____起算\n"
            "    answer: [零时, 0时, 0]\n", tmp_path)
    assert q.answer == ("零时", "0时", "0") and q.options == ()
    assert q.answer_text == ("零时", "0时", "0")


def test_a_scenario_has_a_chat_and_either_options_or_a_reference(tmp_path):
    chosen = one("  - id: s\n    type: scenario\n    difficulty: 2\n    chat:\n"
                 "      - 顾客: 在吗?\n      - 客服: 在的~\n    stem: 接下来?\n"
                 "    options: [甲, 乙]\n    answer: B\n", tmp_path)
    assert [(t.speaker, t.text) for t in chosen.chat] == [("顾客", "在吗?"), ("客服", "在的~")]
    assert chosen.answer == (1,) and not chosen.needs_grader
    written = one("  - id: s\n    type: scenario\n    difficulty: 2\n    chat:\n"
                  "      - 顾客: 太贵了\n    stem: 请写出回复\n    reference: 先认同\n", tmp_path)
    assert written.needs_grader and written.answer == () and written.answer_text == ("先认同",)


@pytest.mark.parametrize(("body", "words"), [
    ("    type: scenario\n    difficulty: 2\n    stem: 题\n    options: [甲, 乙]\n"
     "    answer: A\n", "chat"),
    ("    type: scenario\n    difficulty: 2\n    chat: [在吗]\n    stem: 题\n", "说话人"),
    ("    type: fill\n    difficulty: 1\n    stem: 题\n    answer: []\n", "可接受答案"),
    ("    type: short\n    difficulty: 1\n    stem: 题\n    answer: A\n", "reference"),
    ("    type: single\n    difficulty: 1\n    stem: 题\n    options: [甲, 乙]\n    answer: A\n"
     "    scoring: partial\n", "只有多选题"),
    ("    type: multiple\n    difficulty: 1\n    stem: 题\n    options: [甲, 乙]\n"
     "    answer: AB\n    scoring: some\n", "scoring"),
    ("    type: truefalse\n    difficulty: 1\n    stem: 题\n    answer: true\n"
     "    active_from: 2026-13\n", "active_from"),
    ("    type: truefalse\n    difficulty: 1\n    stem: 题\n    answer: true\n"
     "    active_from: 2026-12\n    active_until: 2026-11\n", "早于"),
    ("    type: truefalse\n    difficulty: 1\n    stem: 题\n    answer: true\n"
     "    colour: red\n", "未知字段 colour"),
])
def test_each_type_says_what_is_wrong(tmp_path, body, words):
    with pytest.raises(BankError, match=words):
        one("  - id: x\n" + body, tmp_path)


def test_an_active_window_is_read_by_month_or_day(tmp_path):
    q = one("  - id: w\n    type: truefalse\n    difficulty: 1\n    stem: 题\n    answer: true\n"
            "    active_from: 2026-11\n    active_until: 2026-12\n", tmp_path)
    assert (q.active_from, q.active_until) == (date(2026, 11, 1), date(2026, 12, 31))
    assert [q.active_in(m) for m in ("2026-10", "2026-11", "2026-12", "2027-01")] == \
        [False, True, True, False]
    dated = one("  - id: w\n    type: truefalse\n    difficulty: 1\n    stem: 题\n"
                "    answer: true\n    active_until: 2026-11-15\n", tmp_path)
    assert dated.active_until == date(2026, 11, 15) and dated.active_in("2026-11")


def test_questions_written_before_the_new_fields_keep_their_digest(tmp_path):
    q = load_bank(write(tmp_path, GOOD))[0]
    before = hashlib.sha256(json.dumps(
        [q.qtype, q.difficulty, q.stem, list(q.options), list(q.answer), q.explanation],
        ensure_ascii=False).encode()).hexdigest()
    assert q.digest == before


def test_classification_changes_the_source_digest_only(tmp_path):
    q = load_bank(write(tmp_path, GOOD))[0]
    moved = replace(q, module="presales", tags=("议价",))
    assert moved.digest == q.digest and moved.source_digest != q.source_digest
    assert replace(q, stem="别的").digest != q.digest


def test_several_categories_in_one_file(tmp_path):
    text = GOOD + "---\ncategory: rules\nquestions:\n  - id: r-1\n    type: truefalse\n" \
                  "    difficulty: 1\n    stem: 题\n    answer: true\n"
    questions = load_bank(write(tmp_path, text))
    assert [q.category for q in questions] == ["sales"] * 3 + ["rules"]
    assert questions[-1].source == "sales.yaml:24"
