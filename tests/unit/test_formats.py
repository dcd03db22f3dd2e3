from pathlib import Path

import pytest

from trainer.questions.bank import read_yaml
from trainer.questions.formats import FORMATS, decode, detect_format, parse, write
from trainer.questions.formats.spreadsheet import template_xlsx, write_xlsx

FIXTURES = Path(__file__).resolve().parents[2] / "tests" / "fixtures" / "formats"
AIKEN = (FIXTURES / "aiken_chinese.txt").read_text(encoding="utf-8")
YAML = (FIXTURES / "yaml_every_field.yaml").read_text(encoding="utf-8")
GIFT = "::改价::顾客要求改价,客服应当?{=向主管申请 ~私自答应}\n"


def every_field():
    return read_yaml(YAML, "every.yaml")


@pytest.mark.parametrize(("filename", "fmt"), [
    ("题库.gift", "gift"), ("题库.aiken", "aiken"), ("题库.xlsx", "xlsx"), ("题库.yaml", "yaml"),
    ("题库.yml", "yaml"), ("C:\\导出\\题库.YAML", "yaml"), ("题库.Gift", "gift"),
])
def test_the_extension_decides(filename, fmt):
    assert detect_format(filename, b"whatever") == fmt


@pytest.mark.parametrize(("data", "fmt"), [
    (b"PK\x03\x04rest of a zip", "xlsx"),
    (GIFT.encode(), "gift"),
    ("顾客要求改价,客服应当?{\n=向主管申请\n~私自答应\n}\n".encode(), "gift"),
    ("::标题::题干\n".encode(), "gift"),
    (AIKEN.encode(), "aiken"),
    ("题干\nA. 甲\nB. 乙\nanswer: a\n".encode(), "aiken"),
    ("题干\nA．甲\nB．乙\n答案:A\n".encode("gb18030"), "aiken"),
    ("\ufeff题干\r\nA. 甲\r\nB. 乙\r\n答案：A\r\n".encode(), "aiken"),
    (YAML.encode(), "yaml"),
    ("category: sales\nquestions:\n  - {id: s-1, type: truefalse}\n".encode("gb18030"), "yaml"),
])
def test_a_txt_file_by_what_it_holds(data, fmt):
    assert detect_format("题库.txt", data) == fmt
    assert detect_format("没有扩展名", data) == fmt


@pytest.mark.parametrize(("filename", "data", "words"), [
    ("题库.txt", "随便写的一段话。\n没有题目。\n".encode(), "无法识别文件格式"),
    ("题库.txt", b"category: sales\n", "无法识别文件格式"),
    ("题库.txt", b"\x81\xff\xfe\x00\x80", "不是 UTF-8 或 GB18030"),
    ("题库.xls", b"\xd0\xcf\x11\xe0", "另存为 .xlsx"),
])
def test_what_cannot_be_told_is_a_chinese_value_error(filename, data, words):
    with pytest.raises(ValueError, match=words):
        detect_format(filename, data)


@pytest.mark.parametrize(("data", "text"), [
    ("答案：对".encode(), "答案：对"),
    ("\ufeff答案：对".encode(), "答案：对"),
    ("答案：对".encode("gb18030"), "答案：对"),
    ("答案：对".encode("utf-16"), "答案：对"),
    (b"\x81\xff", None),
])
def test_decoding_utf8_bom_utf16_and_gb18030(data, text):
    assert decode(data) == text


def test_parse_reads_gb18030_as_chinese_windows_saves_it():
    parsed = parse(AIKEN.replace("\n", "\r\n").encode("gb18030"), "题库.txt", category="sales")
    assert parsed.errors == []
    assert parsed.questions == parse(AIKEN.encode(), "题库.txt", category="sales").questions
    assert parsed.questions[0].stem.startswith("顾客多次议价")


def test_an_undecodable_or_unknown_file_is_an_error_not_an_exception():
    assert parse(b"\x81\xff\xfe\x00", "题库.aiken", category="sales").errors == [
        "题库.aiken:1: 文件不是 UTF-8 或 GB18030(GBK)编码的文本"]
    unknown = parse("随便写的".encode(), "题库.txt").errors
    assert unknown[0].startswith("题库.txt:1: 无法识别文件格式")
    assert parse(b"x", "题库.txt", fmt="csv").errors[0].startswith("题库.txt:1: 未知格式 'csv'")


def test_parse_dispatches_to_each_format():
    questions = every_field()
    assert parse(YAML.encode(), "题库.yaml").questions == questions
    assert parse(write_xlsx(questions).data, "题库.xlsx").questions == questions
    assert len(parse(AIKEN.encode(), "题库.txt", category="sales").questions) == 4
    assert parse(template_xlsx(), "upload.bin").errors == []


def test_an_explicit_format_wins_over_the_extension():
    assert parse(AIKEN.encode(), "题库.yaml", fmt="aiken", category="sales").errors == []


def test_the_category_reaches_the_parser():
    parsed = parse(YAML.encode(), "题库.yaml", category="product")
    assert {q.category for q in parsed.questions} == {"product"}
    assert parse(AIKEN.encode(), "题库.txt").errors[0].startswith("题库.txt:1: Aiken 文件不含类别")


@pytest.mark.parametrize("fmt", ["aiken", "xlsx", "yaml"])
def test_write_dispatches_and_what_is_written_detects_as_itself(fmt):
    written = write(fmt, every_field())
    assert detect_format("export.txt", written.data) == fmt


def test_gift_goes_through_the_same_door():
    pytest.importorskip("trainer.questions.formats.gift")
    parsed = parse(GIFT.encode(), "题库.txt", category="sales")
    assert parsed.errors == []
    assert parsed.questions[0].options == ("向主管申请", "私自答应")
    assert write("gift", parsed.questions).data


def test_an_unknown_format_to_write_is_a_programming_error():
    with pytest.raises(ValueError, match="未知格式"):
        write("csv", [])
    assert set(FORMATS) == {"gift", "aiken", "xlsx", "yaml"}
