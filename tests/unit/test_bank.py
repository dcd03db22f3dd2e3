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
