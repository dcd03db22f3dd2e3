"""The monthly metrics file: CSV or XLSX, one row per agent, English or Chinese headers. Pure.

A file with any bad cell is refused whole, every problem listed with file, line and column,
so whoever exported it from the shop back end fixes it once.
"""

import csv
import io
import re
import unicodedata
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation

from openpyxl import Workbook, load_workbook
from openpyxl.styles import Alignment, Font, PatternFill

from .rules import Metrics, fmt


@dataclass(frozen=True)
class Column:
    name: str
    label: str
    aliases: tuple[str, ...]
    kind: str  # text, yuan, count, seconds, score or flag
    help: str
    example: str


COLUMNS = (
    Column("agent", "客服账号", ("客服", "账号", "用户名", "客服账号"), "text",
           "客服在本系统中的登录账号", "zhangsan"),
    Column("sales_actual", "实际销售额", ("实际销售额", "销售额"), "yuan",
           "本月实际销售额(元)", "9000"),
    Column("sales_plan", "计划销售额", ("计划销售额", "销售计划", "目标销售额"), "yuan",
           "本月计划销售额(元),通常每人 10000", "10000"),
    Column("consultations", "咨询人数", ("咨询人数", "询单人数"), "count",
           "来咨询的顾客人数", "100"),
    Column("ordered_buyers", "下单人数", ("下单人数", "询单下单人数"), "count",
           "咨询后下单的人数", "45"),
    Column("paid_buyers", "付款人数", ("付款人数", "成交人数", "询单付款人数"), "count",
           "下单后付款的人数", "43"),
    Column("im_paid_sales", "询单付款金额", ("询单付款金额", "IM付款金额", "询单成交金额"), "yuan",
           "经客服咨询后付款的金额(元),用于计算客单价", "8600"),
    Column("customers_received", "接待人数", ("接待人数",), "count",
           "IM 接待的顾客人数", "200"),
    Column("customers_replied", "回复人数", ("回复人数", "已回复人数"), "count",
           "IM 中得到回复的顾客人数", "196"),
    Column("avg_response_seconds", "平均响应时间(秒)",
           ("平均响应时间", "平均响应时间(秒)", "平均响应时长", "响应时间"), "seconds",
           "顾客来问后客服首次回复的平均用时(秒)", "25"),
    Column("followup_amount", "协助跟进金额", ("协助跟进金额", "跟进金额", "协助跟进服务"), "yuan",
           "下单后协助跟进(催付、售后)带来的金额(元)", "300"),
    Column("assessment_score", "日常考核得分", ("日常考核得分", "考核得分", "执行力"), "score",
           "本月日常考核得分,0–100;只用于命令行计算器,导入时忽略(以系统台账为准)", "85"),
    Column("personal_revenue", "个人销售额", ("个人销售额", "提成销售额"), "yuan",
           "计提成的个人 IM/电话销售额(元),不含退款、退货和静默下单", "20000"),
    Column("promotion", "大促", ("大促", "促销月", "是否大促"), "flag",
           "本月是否为大促期间(提成减半):是/否、1/0 或 true/false;留空即否", "否"),
)
"""The template's columns in order. Headers match name, label or an alias, ignoring case,
spaces, _ and -, and full-width characters."""

_BY_NAME = {column.name: column for column in COLUMNS}
_COUNTS = {c.name for c in COLUMNS if c.kind == "count"}
_TRUTH = {"1": True, "是": True, "true": True, "yes": True, "y": True,
          "0": False, "否": False, "false": False, "no": False, "n": False, "": False}
_GROUPED = re.compile(r"^\d{1,3}(,\d{3})+(\.\d+)?$")


def _key(text) -> str:
    return re.sub(r"[\s_-]", "", unicodedata.normalize("NFKC", str(text))).lower()


_HEADERS = {_key(alias): column.name for column in COLUMNS
            for alias in (column.name, column.label, *column.aliases)}


@dataclass(frozen=True)
class MetricsRow:
    line: int
    agent: str
    metrics: Metrics
    assessment_score: Decimal | None


class MetricsFileError(ValueError):
    def __init__(self, errors: list[str]):
        super().__init__("\n".join(errors))
        self.errors = errors


def _where(column: Column) -> str:
    return f"列 {column.name}({column.label})"


def parse_metrics(data: bytes, filename: str, *, with_assessment: bool) -> list[MetricsRow]:
    """Every row of the file, or MetricsFileError listing every problem. Without assessment
    (the monthly import) the assessment_score column is neither needed nor read: the month's
    score comes from the ledger."""
    table = _table(data, filename)
    if not table or not any(_text(cell) for cell in table[0][1]):
        raise MetricsFileError([f"{filename}:文件是空的,第 1 行应为表头"])
    header_line, header = table[0]
    wanted = [c for c in COLUMNS if with_assessment or c.name != "assessment_score"]
    positions, errors = {}, []
    for index, cell in enumerate(header):
        name = _HEADERS.get(_key(_text(cell)))
        if name is None or name not in {c.name for c in wanted}:
            continue  # extra columns (names, notes) ride along unread
        if name in positions:
            errors.append(f"{filename} 第 {header_line} 行:{_where(_BY_NAME[name])}出现了两次"
                          f"(第 {positions[name] + 1} 列和第 {index + 1} 列)")
        positions.setdefault(name, index)
    errors.extend(f"{filename} 第 {header_line} 行:缺少{_where(c)}" for c in wanted
                  if c.name not in positions)
    if errors:
        raise MetricsFileError(errors)

    rows, seen = [], {}
    for line, cells in table[1:]:
        values = {name: _text(cells[i]) if i < len(cells) else "" for name, i in positions.items()}
        raw = {name: cells[i] if i < len(cells) else None for name, i in positions.items()}
        if not any(values.values()):
            continue
        parsed, problems = {}, []
        for column in wanted:
            try:
                parsed[column.name] = _value(column, raw[column.name], values[column.name])
            except ValueError as exc:
                problems.append(f"{filename} 第 {line} 行 {_where(column)}:{exc}")
        agent = parsed.get("agent")
        if agent is not None:
            first = seen.setdefault(agent.casefold(), line)
            if first != line:
                problems.append(f"{filename} 第 {line} 行 {_where(_BY_NAME['agent'])}:客服 "
                                f"{agent} 重复出现(第 {first} 行和第 {line} 行)")
        errors.extend(problems)
        if not problems:
            rows.append(MetricsRow(
                line=line, agent=agent,
                metrics=Metrics(**{c.name: parsed[c.name] for c in COLUMNS
                                   if c.name not in ("agent", "assessment_score")}),
                assessment_score=parsed.get("assessment_score")))
    if errors:
        raise MetricsFileError(errors)
    if not rows:
        raise MetricsFileError([f"{filename}:文件中没有数据行"])
    return rows


def _table(data: bytes, filename: str) -> list[tuple[int, list]]:
    """[(line, cells)], header first."""
    suffix = filename.rsplit(".", 1)[-1].lower() if "." in filename else ""
    if suffix == "xlsx" or (suffix != "csv" and data.startswith(b"PK\x03\x04")):
        return _xlsx(data, filename)
    if suffix == "csv":
        return _csv(data, filename)
    raise MetricsFileError([f"{filename}:无法识别的文件格式,请上传 .csv 或 .xlsx 文件"
                            + ("(旧版 .xls 请先另存为 .xlsx)" if suffix == "xls" else "")])


def _csv(data: bytes, filename: str) -> list[tuple[int, list]]:
    # Excel in China saves CSV as GB18030 (GBK) unless told UTF-8, then with a BOM.
    for encoding in ("utf-8-sig", "gb18030"):
        try:
            text = data.decode(encoding)
            break
        except UnicodeDecodeError:
            continue
    else:
        raise MetricsFileError([f"{filename}:文件编码无法识别,请另存为 UTF-8 CSV"])
    first = text.split("\n", 1)[0]
    delimiter = "\t" if "\t" in first and "," not in first else ","
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter)
    try:
        # line_num after a record is the file line it ends on (a quoted cell may span lines).
        return [(reader.line_num, cells) for cells in reader]
    except csv.Error as exc:
        message = f"{filename} 第 {reader.line_num} 行:CSV 格式有误({exc})"
        raise MetricsFileError([message]) from None


def _xlsx(data: bytes, filename: str) -> list[tuple[int, list]]:
    try:
        workbook = load_workbook(io.BytesIO(data), read_only=True, data_only=True)
    except Exception:  # a damaged file fails in zip, XML or openpyxl alike
        raise MetricsFileError([f"{filename}:无法读取 Excel 文件,请用 Excel 或 WPS 另存为 .xlsx"]
                               ) from None
    try:
        sheet = workbook.worksheets[0]
        sheet.reset_dimensions()  # some tools write a wrong sheet size: read every row
        return [(line, list(cells))
                for line, cells in enumerate(sheet.iter_rows(values_only=True), 1)]
    finally:
        workbook.close()


def _text(cell) -> str:
    if cell is None:
        return ""
    if isinstance(cell, float):
        return fmt(Decimal(repr(cell)))
    return unicodedata.normalize("NFKC", str(cell)).strip()


def _value(column: Column, raw, text: str):
    if column.kind == "text":
        if not text:
            raise ValueError("不能为空")
        return text
    if column.kind == "flag":
        if isinstance(raw, bool):
            return raw
        if text.lower() not in _TRUTH:
            raise ValueError(f"“{text}”应为 是/否、1/0 或 true/false")
        return _TRUTH[text.lower()]
    number = _number(raw, text)
    if number < 0:
        raise ValueError(f"{text} 不能为负数")
    if column.name in _COUNTS:
        if number != number.to_integral_value():
            raise ValueError(f"{text} 应为整数(人数)")
        return int(number)
    if column.kind == "score" and number > 100:
        raise ValueError(f"{text} 超出 0–100")
    return number


def _number(raw, text: str) -> Decimal:
    if not text:
        raise ValueError("不能为空")
    if isinstance(raw, bool) or not isinstance(raw, int | float | Decimal | str):
        raise ValueError(f"“{text}”不是数字")
    plain = text.replace(",", "") if _GROUPED.match(text) else text
    try:
        number = Decimal(plain)
    except InvalidOperation:
        raise ValueError(f"“{text}”不是数字") from None
    if not number.is_finite():
        raise ValueError(f"“{text}”不是数字")
    return number


# ---- the template ------------------------------------------------------------------------


def _template_columns(with_assessment: bool) -> list[Column]:
    return [c for c in COLUMNS if with_assessment or c.name != "assessment_score"]


def template_csv(*, with_assessment: bool = False) -> bytes:
    """Headers and one example row, UTF-8 with a BOM so that Excel shows the Chinese. The
    monthly import has no assessment_score column; the calculator's file has one."""
    columns = _template_columns(with_assessment)
    out = io.StringIO(newline="")
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow([c.name for c in columns])
    writer.writerow([c.example for c in columns])
    return out.getvalue().encode("utf-8-sig")


def template_xlsx(*, with_assessment: bool = False) -> bytes:
    """The same as template_csv, with a second sheet 说明 explaining every column."""
    columns = _template_columns(with_assessment)
    workbook = Workbook()
    sheet = workbook.active
    sheet.title = "月度数据"
    sheet.append([c.name for c in columns])
    sheet.append([c.example if c.kind in ("text", "flag") else Decimal(c.example)
                  for c in columns])
    header_fill = PatternFill("solid", fgColor="DDEBF7")
    for cell in sheet[1]:
        cell.font = Font(bold=True)
        cell.fill = header_fill
    for index, column in enumerate(columns):
        sheet.column_dimensions[sheet.cell(1, index + 1).column_letter].width = max(
            14, len(column.name) + 4)
    sheet.freeze_panes = "A2"

    notes = workbook.create_sheet("说明")
    notes.append(["列名", "中文表头", "也可写作", "类型", "说明"])
    kinds = {"text": "文本", "yuan": "金额(元)", "count": "人数(整数)", "seconds": "秒",
             "score": "分数 0–100", "flag": "是/否"}
    for column in columns:
        notes.append([column.name, column.label, "、".join(column.aliases), kinds[column.kind],
                      column.help])
    notes.append([])
    notes.append(["", "表头可以用列名或任一中文写法,不区分大小写;列的顺序不限,多余的列会被忽略。"])
    notes.append(["", "金额、人数、秒数不能为负数,人数须为整数;有任何一处错误时整个文件不导入,"
                      "并列出所有错误所在的行和列。"])
    for cell in notes[1]:
        cell.font = Font(bold=True)
        cell.fill = header_fill
    for letter, width in zip("ABCDE", (22, 18, 36, 12, 60), strict=True):
        notes.column_dimensions[letter].width = width
    for row in notes.iter_rows(min_row=2):
        for cell in row:
            cell.alignment = Alignment(wrap_text=True, vertical="top")
    out = io.BytesIO()
    workbook.save(out)
    return out.getvalue()
