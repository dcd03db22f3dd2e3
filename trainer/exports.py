"""Tables as downloads: the one CSV and XLSX writer every page and command exports with.

A `Table` holds raw values (numbers stay numbers); each `Column` says how its values read.
CSV is for people who open it in Excel: UTF-8 with a BOM (Excel shows Chinese only with it)
and CRLF lines. XLSX keeps the numbers as numbers with a display format, a bold frozen
header and columns wide enough for their text.
"""

import csv
import io
import re
import unicodedata
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from decimal import Decimal
from urllib.parse import quote

from flask import Response, abort, request
from openpyxl import Workbook
from openpyxl.styles import Font

# text: as it is; number, points: two decimals in Excel; money: yuan and fen (thousands
# separators in Excel); rate: a fraction shown as a percentage (0.125 → 12.5%); percent: a
# number that already is a percentage (12.5 → 12.5%); integer: a count.
KINDS = ("text", "number", "percent", "points", "money", "rate", "integer")
NUMBER_FORMATS = {"number": "0.00", "points": "0.00", "money": "#,##0.00", "rate": "0.0%",
                  "percent": "0.0%", "integer": "0"}
FORMATS = {"csv": "text/csv; charset=utf-8",
           "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"}
UNSAFE_IN_NAMES = re.compile(r'[\\/:*?"<>|\[\]\x00-\x1f]')
SHEET_TITLE_MAX = 31  # Excel's limit
MIN_WIDTH, MAX_WIDTH = 8, 60


@dataclass(frozen=True)
class Column:
    title: str
    kind: str = "text"

    def __post_init__(self):
        if self.kind not in KINDS:
            raise ValueError(f"unknown column kind {self.kind!r}")

    @property
    def numeric(self) -> bool:
        return self.kind != "text"

    def text(self, value) -> str:
        """The value as a person reads it (the CSV cell, the page's table cell)."""
        if value is None:
            return ""
        if self.kind == "text" or isinstance(value, str):
            return str(value)
        if self.kind == "rate":
            return f"{plain(_decimal(value) * 100)}%"
        if self.kind == "percent":
            return f"{_decimal(value):.1f}%"  # one decimal everywhere: 80.0% beside 66.7%
        if self.kind == "money":
            return f"{_decimal(value):.2f}"
        return plain(value)

    def cell(self, value):
        """The value as an XLSX cell holds it: Excel's percent format multiplies by 100."""
        if self.kind == "percent" and isinstance(value, int | float | Decimal):
            return _decimal(value) / 100
        return value


@dataclass(frozen=True)
class Table:
    """`name` identifies the table in a page's export links (ASCII); `title` names the file
    and the sheet. `rows` hold one value per column."""

    name: str
    title: str
    columns: Sequence[Column]
    rows: Sequence[Sequence]


def _decimal(value) -> Decimal:
    # Through str: a float's shortest repr, so 0.07 stays 0.07 and not its binary expansion.
    return value if isinstance(value, Decimal) else Decimal(str(value))


def plain(number) -> str:
    """A number as people write it: no exponent, no trailing zeros."""
    value = _decimal(number)
    if value == value.to_integral_value():
        return str(int(value))
    return format(value.normalize(), "f")


def to_csv(table: Table) -> bytes:
    out = io.StringIO(newline="")
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow([c.title for c in table.columns])
    for values in table.rows:
        writer.writerow([c.text(v) for v, c in zip(values, table.columns, strict=True)])
    return out.getvalue().encode("utf-8-sig")


def _width(text: str) -> int:
    """Display width: a Chinese character takes two columns."""
    return sum(2 if unicodedata.east_asian_width(ch) in "WF" else 1 for ch in text)


def sheet_title(title: str) -> str:
    return UNSAFE_IN_NAMES.sub("-", title).strip()[:SHEET_TITLE_MAX] or "Sheet"


def _fill(sheet, table: Table) -> None:
    sheet.title = sheet_title(table.title)
    sheet.append([c.title for c in table.columns])
    for cell in sheet[1]:
        cell.font = Font(bold=True)
    widths = [_width(c.title) for c in table.columns]
    for values in table.rows:
        sheet.append([c.cell(v) for v, c in zip(values, table.columns, strict=True)])
        widths = [max(w, _width(c.text(v))) for w, v, c in zip(widths, values, table.columns,
                                                               strict=True)]
    for index, (column, width) in enumerate(zip(table.columns, widths, strict=True), 1):
        letter = sheet.cell(1, index).column_letter
        sheet.column_dimensions[letter].width = min(max(width + 2, MIN_WIDTH), MAX_WIDTH)
        if column.kind in NUMBER_FORMATS:
            for (cell,) in sheet.iter_rows(min_row=2, min_col=index, max_col=index):
                cell.number_format = NUMBER_FORMATS[column.kind]
    sheet.freeze_panes = "A2"


def to_xlsx(tables: Table | Sequence[Table]) -> bytes:
    """One sheet per table, titled by it, in the given order."""
    tables = [tables] if isinstance(tables, Table) else list(tables)
    if not tables:
        raise ValueError("nothing to export")
    workbook = Workbook()
    _fill(workbook.active, tables[0])
    for table in tables[1:]:
        _fill(workbook.create_sheet(), table)
    out = io.BytesIO()
    workbook.save(out)
    return out.getvalue()


def content_disposition(filename: str, fallback: str) -> str:
    """An attachment header every browser reads: the Chinese name as RFC 5987 `filename*`,
    an ASCII `filename` for the few that ignore it."""
    ascii_name = fallback.encode("ascii", "replace").decode().replace('"', "")
    return f"attachment; filename=\"{ascii_name}\"; filename*=UTF-8''{quote(filename)}"


def download(table: Table, fmt: str) -> Response:
    if fmt not in FORMATS:
        raise ValueError(f"导出格式 {fmt!r} 不支持,应为 csv 或 xlsx")
    data = to_csv(table) if fmt == "csv" else to_xlsx(table)
    name = UNSAFE_IN_NAMES.sub("-", table.title).strip() or table.name
    response = Response(data, mimetype=FORMATS[fmt])
    response.headers["Content-Disposition"] = content_disposition(
        f"{name}.{fmt}", f"{table.name}.{fmt}")
    return response


def export_response(tables: Mapping[str, Table]) -> Response | None:
    """The download a page's export link asks for (`?export=<name>&format=csv|xlsx`), or
    None when the request is not an export. 404 for a table the page does not have, 400 for
    a format it cannot write."""
    name = request.args.get("export")
    if name is None:
        return None
    if name not in tables:
        abort(404)
    fmt = request.args.get("format", "csv")
    if fmt not in FORMATS:
        abort(400)
    return download(tables[name], fmt)
