import csv
import io
from decimal import Decimal
from urllib.parse import unquote

import pytest
from flask import Flask
from openpyxl import load_workbook
from werkzeug.exceptions import BadRequest, NotFound

from trainer.exports import (
    Column,
    Table,
    content_disposition,
    download,
    export_response,
    plain,
    sheet_title,
    to_csv,
    to_xlsx,
)

COLUMNS = [Column("客服"), Column("答题数", "integer"), Column("难度系数", "rate"),
           Column("通过率", "percent"), Column("区分度", "number"), Column("奖金", "money")]
ROWS = [["张三", 12, 0.125, 66.7, Decimal("0.35"), Decimal("1234.5")],
        ["李四, \"小李\"", 0, 0.07, None, -0.1, None]]
TABLE = Table("items", "题目分析 2026-10", COLUMNS, ROWS)


def test_csv_has_a_bom_crlf_lines_and_reads_back():
    data = to_csv(TABLE)
    assert data.startswith(b"\xef\xbb\xbf")
    assert data.count(b"\r\n") == 3 and b"\n" not in data.replace(b"\r\n", b"")
    rows = list(csv.reader(io.StringIO(data.decode("utf-8-sig"), newline="")))
    assert rows[0] == ["客服", "答题数", "难度系数", "通过率", "区分度", "奖金"]
    assert rows[1] == ["张三", "12", "12.5%", "66.7%", "0.35", "1234.50"]
    # A comma and quotes survive; floats read as written, not as their binary expansion.
    assert rows[2] == ["李四, \"小李\"", "0", "7%", "", "-0.1", ""]


def test_plain_numbers_have_no_exponent_or_trailing_zeros():
    assert [plain(Decimal("94.00")), plain(2.50), plain(Decimal("1E+3")), plain(7)] == [
        "94", "2.5", "1000", "7"]


def test_an_unknown_column_kind_is_refused():
    with pytest.raises(ValueError):
        Column("x", "date")


def test_xlsx_keeps_numbers_with_their_formats_under_a_frozen_bold_header():
    sheet = load_workbook(io.BytesIO(to_xlsx(TABLE))).active
    assert sheet.title == "题目分析 2026-10"
    assert sheet.freeze_panes == "A2" and sheet["A1"].font.b
    assert [c.value for c in sheet[2]] == ["张三", 12, 0.125, pytest.approx(0.667), 0.35, 1234.5]
    assert [sheet.cell(2, i).number_format for i in range(2, 7)] == [
        "0", "0.0%", "0.0%", "0.00", "#,##0.00"]
    assert sheet["A1"].number_format == "General"
    assert sheet.cell(3, 4).value is None
    # Wide enough for the Chinese text (two columns a character) and never absurdly wide.
    assert sheet.column_dimensions["A"].width >= len("李四, \"小李\"") + 2
    assert all(8 <= sheet.column_dimensions[c].width <= 60 for c in "ABCDEF")


def test_xlsx_with_several_tables_has_a_sheet_each():
    other = Table("teams", "各团队/汇总:[全部]", [Column("团队")], [["北区"]])
    book = load_workbook(io.BytesIO(to_xlsx([TABLE, other])))
    assert book.sheetnames == ["题目分析 2026-10", "各团队-汇总--全部-"]
    assert book["各团队-汇总--全部-"]["A2"].value == "北区"


def test_sheet_titles_fit_excel():
    assert len(sheet_title("很长的标题" * 10)) == 31
    assert sheet_title("???") == "---" and sheet_title("") == "Sheet"


def test_the_download_names_the_file_in_chinese_with_an_ascii_fallback():
    app = Flask(__name__)
    with app.test_request_context():
        response = download(TABLE, "xlsx")
    header = response.headers["Content-Disposition"]
    assert header.startswith('attachment; filename="items.xlsx"; filename*=UTF-8\'\'')
    assert unquote(header.split("UTF-8''", 1)[1]) == "题目分析 2026-10.xlsx"
    assert header.isascii()
    assert response.mimetype.endswith("spreadsheetml.sheet")
    with app.test_request_context():
        assert download(TABLE, "csv").data == to_csv(TABLE)
    with pytest.raises(ValueError):
        download(TABLE, "pdf")


def test_content_disposition_strips_what_would_break_the_header():
    header = content_disposition('月报"1".csv', 'a"b.csv')
    assert 'filename="ab.csv"' in header and "%22" in header


def test_export_response_reads_the_request():
    app = Flask(__name__)
    tables = {"items": TABLE}
    with app.test_request_context("/reports/items?month=2026-10"):
        assert export_response(tables) is None
    with app.test_request_context("/reports/items?export=items&format=csv"):
        assert export_response(tables).data == to_csv(TABLE)
    with app.test_request_context("/reports/items?export=nope&format=csv"), \
            pytest.raises(NotFound):
        export_response(tables)
    with app.test_request_context("/reports/items?export=items&format=pdf"), \
            pytest.raises(BadRequest):
        export_response(tables)
