from dataclasses import replace
from pathlib import Path

import pytest

from trainer.questions.bank import read_yaml
from trainer.questions.formats.aiken import parse_aiken, write_aiken
from trainer.questions.formats.common import generated_key

FIXTURES = Path(__file__).resolve().parents[2] / "tests" / "fixtures" / "formats"


def chinese():
    return (FIXTURES / "aiken_chinese.txt").read_text(encoding="utf-8")


def test_chinese_punctuation_full_width_letters_and_several_lines():
    parsed = parse_aiken(chinese(), "题库.txt", "sales")
    assert parsed.errors == [] and parsed.skipped == []
    first, second, third, fourth = parsed.questions
    assert first.options == ("先私自答应改价", "说明没有改价权限，帮顾客向主管申请",
                             "直接回复“不讲价”", "不再回复该顾客")
    assert (first.qtype, first.answer, first.source) == ("single", (1,), "题库.txt:1")
    assert second.stem == "顾客在签收后多少天内，\n可以申请七天无理由退货？"
    assert (second.options, second.answer) == (("3天", "7天", "15天"), (1,))
    assert (third.qtype, third.answer) == ("multiple", (0, 2, 3))
    assert third.options == ("订单信息", "顾客的工作单位", "商品信息", "出现的问题")
    assert (fourth.stem, fourth.answer) == ("Which reply greets a customer best?", (0,))


def test_blank_lines_inside_a_question_and_a_full_stop_after_the_answer_are_fine():
    parsed = parse_aiken("题干\n\nA. 甲\n\nB. 乙\n\n答案：B。\n", "f.txt", "sales")
    assert parsed.errors == []
    assert (parsed.questions[0].options, parsed.questions[0].answer) == (("甲", "乙"), (1,))


def test_what_aiken_cannot_say_comes_from_the_caller_and_the_wording():
    question = parse_aiken(chinese(), "题库.txt", "销售知识").questions[0]
    assert question.category == "sales"
    assert question.difficulty == 2
    assert question.key == generated_key("sales", question.stem)
    assert (question.explanation, question.module, question.tags) == ("", None, ())


def test_crlf_and_a_byte_order_mark_read_the_same():
    text = (FIXTURES / "aiken_crlf_bom.txt").read_bytes().decode("utf-8")
    assert text.startswith("\ufeff") and "\r\n" in text
    parsed = parse_aiken(text, "windows.txt", "sales")
    assert parsed.errors == []
    assert parsed.questions == parse_aiken(chinese(), "题库.txt", "sales").questions


def test_without_a_category_one_error_says_to_pass_it():
    parsed = parse_aiken(chinese(), "题库.txt")
    assert parsed.questions == []
    assert parsed.errors == ["题库.txt:1: Aiken 文件不含类别,导入时请指定类别"
                             "(命令行 --category,如 --category sales)"]


def test_an_unknown_category_is_an_error():
    assert parse_aiken(chinese(), "题库.txt", "shoes").errors[0].startswith(
        "题库.txt:1: 未知类别 'shoes'")


@pytest.mark.parametrize(("text", "errors"), [
    ("题干\nA. 甲\nB. 乙\n\n下一题\nA. 甲\nB. 乙\nANSWER: A\n",
     ["f.txt:1: 选项后缺少 ANSWER 行(如 ANSWER: B)"]),
    ("题干\nA. 甲\nB. 乙\n", ["f.txt:1: 缺少 ANSWER 行(如 ANSWER: B)"]),
    ("题干\nA. 甲\nB. 乙\nANSWER: C\n", ["f.txt:4: 答案 C 不在选项 A–B 之内"]),
    ("题干\nA. 甲\nANSWER: A\n", ["f.txt:3: 至少需要两个选项"]),
    ("题干\nA. 甲\nC. 乙\nANSWER: A\n", ["f.txt:3: 选项字母应为 B,这里是 C"]),
    ("题干\nA. 甲\nB.\nANSWER: A\n", ["f.txt:3: 选项 B 没有内容"]),
    ("题干\nA. 甲\nB. 乙\nANSWER:\n", ["f.txt:4: ANSWER 后缺少答案字母"]),
    ("A. 甲\nB. 乙\nANSWER: A\n", ["f.txt:1: 选项前缺少题干"]),
    ("ANSWER: A\n", ["f.txt:1: ANSWER 行前没有题目"]),
    ("题干\n" + "".join(f"{c}. {c}\n" for c in "ABCDEFGHI") + "ANSWER: A\n",
     ["f.txt:11: 最多 8 个选项"]),
    ("题干\nA. 甲\nB. 乙\nANSWER: A\n\n题干\nA. 甲\nB. 乙\nANSWER: B\n",
     ["f.txt:6: 与第 1 行的题目相同"]),
])
def test_malformed_questions_are_errors_with_their_line(text, errors):
    assert parse_aiken(text, "f.txt", "sales").errors == errors


def test_every_error_of_a_file_is_reported_and_good_questions_do_not_hide_them():
    text = ("好题\nA. 甲\nB. 乙\nANSWER: A\n\n"
            "坏题一\nA. 甲\nB. 乙\nANSWER: E\n\n"
            "又一道好题\nA. 甲\nB. 乙\nANSWER: B\n\n"
            "坏题二\nA. 甲\nB. 乙\n")
    parsed = parse_aiken(text, "f.txt", "sales")
    assert parsed.errors == ["f.txt:9: 答案 E 不在选项 A–B 之内",
                             "f.txt:16: 缺少 ANSWER 行(如 ANSWER: B)"]
    assert len(parsed.questions) == 2


def bank():
    return read_yaml((FIXTURES / "yaml_every_field.yaml").read_text(encoding="utf-8"), "f")


def test_single_choice_is_written_as_moodle_reads_it():
    single = replace(bank()[0], options=("先私自答应改价", "说明情况，向主管申请"), answer=(1,))
    written = write_aiken([single, single])
    assert written.skipped == []
    block = ("顾客多次议价：“再便宜10块吧！”客服没有改价权限，最恰当的做法是？\n"
             "A. 先私自答应改价\nB. 说明情况，向主管申请\nANSWER: B\n\n")
    assert written.data.decode() == block * 2


def test_what_aiken_cannot_hold_is_skipped_with_a_reason():
    questions = bank()
    written = write_aiken(questions)
    reasons = dict(written.skipped)
    assert list(reasons) == [q.key for q in questions[1:]]
    assert "Moodle" in reasons["sales-t02"] and "ANSWER: AC" in reasons["sales-t02"]
    assert reasons["sales-t03"].startswith("判断题:Aiken 只能写单选题")
    assert reasons["after_sales-t05"].startswith("情景题:")
    assert written.data.decode().count("ANSWER:") == 1


@pytest.mark.parametrize(("change", "reason"), [
    ({"stem_format": "markdown"}, "题干为 markdown 格式,Aiken 只能写纯文本"),
    ({"stem": "第一行\n第二行"}, "题干或选项有换行,Aiken 要求题干和每个选项各占一行"),
    ({"options": ("甲\n乙", "丙")}, "题干或选项有换行,Aiken 要求题干和每个选项各占一行"),
    ({"stem": "A. 开头像选项"}, "题干以“A.”或“ANSWER:”开头,读回时会被当作选项或答案行"),
    ({"stem": "答案：在这里"}, "题干以“A.”或“ANSWER:”开头,读回时会被当作选项或答案行"),
])
def test_a_single_choice_question_aiken_would_garble_is_skipped(change, reason):
    question = replace(bank()[0], **change)
    assert write_aiken([question]).skipped == [("sales-t01", reason)]


def test_written_questions_read_back_with_the_same_wording_and_key():
    single = bank()[0]
    parsed = parse_aiken(write_aiken([single]).data.decode(), "out.txt", "sales")
    assert parsed.errors == []
    (back,) = parsed.questions
    assert (back.stem, back.options, back.answer, back.qtype) == (
        single.stem, single.options, single.answer, "single")
