"""Question files in and out: GIFT (Moodle), Aiken, XLSX and the native YAML. Pure: bytes in,
`BankQuestion`s out, and back.

A parser never drops a question silently: what the bank cannot hold (a matching or numeric
question, say) is *skipped* with its line and reason; what is malformed is an *error*
("file:line: message"), and any error refuses the whole file.
"""

import re
from pathlib import PurePath

import yaml

from ..bank import BankQuestion
from .common import ParseResult, Written

FORMATS = ("gift", "aiken", "xlsx", "yaml")

_EXTENSIONS = {".gift": "gift", ".aiken": "aiken", ".xlsx": "xlsx", ".yaml": "yaml",
               ".yml": "yaml"}
_ZIP = b"PK\x03\x04"
_GIFT = re.compile(r"\{[^{}]*\}|::[^:\n]+::")
_AIKEN_ANSWER = re.compile(r"^\s*(?:ANSWER|答案)\s*[:：]", re.IGNORECASE | re.MULTILINE)


def detect_format(filename: str, data: bytes) -> str:
    """By the extension; a .txt or anything else by what the file holds."""
    suffix = PurePath(filename).suffix.lower()
    if suffix in _EXTENSIONS:
        return _EXTENSIONS[suffix]
    if suffix == ".xls":
        raise ValueError("不支持旧版 .xls 文件,请在 Excel 中另存为 .xlsx")
    if data.startswith(_ZIP):
        return "xlsx"
    text = decode(data)
    if text is None:
        raise ValueError("文件不是 UTF-8 或 GB18030(GBK)编码的文本")
    # The YAML test goes first because it is strict: a bank file may hold {…} flow mappings
    # that would pass for a GIFT answer block.
    if _is_yaml_bank(text):
        return "yaml"
    if _GIFT.search(text):
        return "gift"
    if _AIKEN_ANSWER.search(text):
        return "aiken"
    raise ValueError("无法识别文件格式:请使用 .gift、.aiken、.xlsx 或 .yaml 扩展名,或指定格式")


def _is_yaml_bank(text: str) -> bool:
    try:
        first = next(yaml.safe_load_all(text), None)
    except yaml.YAMLError:
        return False
    return isinstance(first, dict) and "questions" in first


def decode(data: bytes) -> str | None:
    """UTF-8 (with or without BOM), UTF-16 with its BOM (Notepad's "Unicode"), else GB18030,
    what Chinese Windows Notepad and Excel save; None when it is none of these."""
    if data.startswith((b"\xff\xfe", b"\xfe\xff")):
        encodings = ("utf-16",)
    else:
        encodings = ("utf-8-sig", "gb18030")
    for encoding in encodings:
        try:
            return data.decode(encoding)
        except UnicodeDecodeError:
            continue
    return None


def parse(data: bytes, filename: str, fmt: str | None = None,
          category: str | None = None) -> ParseResult:
    """A file's questions; anything wrong with the file itself is an error in the result."""
    try:
        fmt = fmt or detect_format(filename, data)
    except ValueError as exc:
        return ParseResult(errors=[f"{filename}:1: {exc}"])
    if fmt == "xlsx":
        from .spreadsheet import parse_xlsx

        return parse_xlsx(data, filename, category)
    if fmt not in FORMATS:
        return ParseResult(errors=[f"{filename}:1: 未知格式 {fmt!r}(可用:{'、'.join(FORMATS)})"])
    text = decode(data)
    if text is None:
        return ParseResult(errors=[f"{filename}:1: 文件不是 UTF-8 或 GB18030(GBK)编码的文本"])
    return _parser(fmt)(text, filename, category)


def _parser(fmt: str):
    # Imported when used: each format pulls in its own libraries (openpyxl, say).
    if fmt == "gift":
        from .gift import parse_gift

        return parse_gift
    if fmt == "aiken":
        from .aiken import parse_aiken

        return parse_aiken
    from .native import parse_yaml

    return parse_yaml


def write(fmt: str, questions: list[BankQuestion]) -> Written:
    """The questions as a file of the format; what it cannot hold is in `skipped`."""
    if fmt == "gift":
        from .gift import write_gift

        return write_gift(questions)
    if fmt == "aiken":
        from .aiken import write_aiken

        return write_aiken(questions)
    if fmt == "xlsx":
        from .spreadsheet import write_xlsx

        return write_xlsx(questions)
    if fmt == "yaml":
        from .native import write_yaml

        return write_yaml(questions)
    raise ValueError(f"未知格式 {fmt!r}(可用:{'、'.join(FORMATS)})")
