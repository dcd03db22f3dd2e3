"""XLSX: the sheet Chinese service teams keep their questions in. One row per question on the
sheet 题目 (else the first sheet), Chinese headers in row 1 in any order (English names too).

Every field of every type has a column, so a written sheet reads back as the same questions.
"""

import re
import unicodedata
from datetime import date, datetime
from io import BytesIO

from openpyxl import Workbook, load_workbook
from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE
from openpyxl.styles import Alignment, Font, PatternFill
from openpyxl.utils import get_column_letter
from openpyxl.worksheet.datavalidation import DataValidation

from ..bank import (
    CATEGORIES,
    DIFFICULTIES,
    LETTERS,
    SCORINGS,
    TYPES,
    BankQuestion,
    ChatTurn,
    read_question,
)
from .common import (
    ParseResult,
    Written,
    category_of,
    difficulty_of,
    generated_key,
    type_of,
    writable,
)
from .native import month_or_day

SHEET = "题目"
_OPTION_FIELDS = tuple(f"option_{letter.lower()}" for letter in LETTERS)

COLUMNS = (
    ("题目编号", "id", "可留空,留空时按题干自动生成;填已有题目的编号即更新该题。只能由字母、数字、"
                     "汉字和 . _ - 组成,最长 64 个字符"),
    ("类别", "category", "类别名称或代码:"
     + "、".join(f"{label}({code})" for code, label in CATEGORIES.items())
     + "。留空时用导入时指定的类别"),
    ("题型", "type", "单选题、多选题、判断题、填空题、情景题或简答题(也可写 单选、single 等)"),
    ("难度", "difficulty", "易、中、难(或 1、2、3)"),
    ("题干", "stem", "必填。填空题用 ____ 标出要填的空"),
    *((f"选项{letter}", field, "单选题、多选题和选择型情景题的选项,从 A 起依次填写,2–8 项;"
       "判断题、填空题、简答题留空" if letter == "A" else f"第 {letter} 个选项")
      for letter, field in zip(LETTERS, _OPTION_FIELDS, strict=True)),
    ("答案", "answer", "单选题、情景题填一个字母,如 B;多选题填全部正确选项,如 ACD;"
                     "判断题填 对 或 错(也可写 正确/错误、√/×、T/F);填空题填可接受的答案,"
                     "多个用 | 或 ; 分隔,或在单元格内换行(Alt+Enter);简答题和写回复的情景题留空"),
    ("计分方式", "scoring", "只用于多选题:全对得分(默认,选项全对才得分)或 按比例(每选对一项得一份,"
                          "每选错一项扣一份,最低 0 分)"),
    ("解析", "explanation", "交卷后显示给答题人"),
    ("情景对话", "chat", "情景题必填:顾客与客服的聊天记录,每行一条,写成 顾客:内容 或 客服:内容,"
                        "单元格内换行用 Alt+Enter"),
    ("参考答案", "reference", "简答题和不设选项的情景题:组长评分时参照的要点"),
    ("课程", "module", "讲授这道题的课程编号,如 after-sales;新人练习按课程出题"),
    ("小节", "section", "课程中的小节编号,如 basics;填小节须同时填课程"),
    ("资料来源", "seed", "出题依据的资料及位置,如 004 议价语"),
    ("标签", "tags", "多个标签用 、 , 或 ; 分隔"),
    ("生效", "active_from", "可留空。从哪个月或哪一天起可以出题:2026-11 或 2026-11-15,"
                           "也可以是 Excel 日期"),
    ("失效", "active_until", "可留空。到哪个月或哪一天为止(含这个月或这一天)"),
    ("题干格式", "format", "可留空,即纯文本;markdown 或 html 表示题干带格式"),
)
"""(header, English name, what goes there), in the order the columns are written."""

_WIDTHS = {"id": 18, "category": 14, "type": 9, "difficulty": 7, "stem": 44, "answer": 12,
           "scoring": 10, "explanation": 40, "chat": 40, "reference": 40, "module": 14,
           "section": 16, "seed": 16, "tags": 16, "active_from": 11, "active_until": 11,
           "format": 10, **dict.fromkeys(_OPTION_FIELDS, 20)}
_REQUIRED = ("type", "difficulty", "stem")


def _key(text) -> str:
    """How headers and labels compare: full-/half-width, case, spaces and _ - ignored."""
    return re.sub(r"[\s_-]", "", unicodedata.normalize("NFKC", str(text))).lower()


_HEADERS = {_key(name): field for header, field, _ in COLUMNS for name in (header, field)}
_TITLES = {field: header for header, field, _ in COLUMNS}
_TRUTH = {**dict.fromkeys(map(_key, ("对", "正确", "是", "√", "✓", "✔", "true", "t", "1")), True),
          **dict.fromkeys(map(_key, ("错", "错误", "否", "×", "✗", "✘", "false", "f", "0")), False)}
_SCORING_LABELS = {**{_key(code): code for code in SCORINGS},
                   **{_key(label): code for code, label in SCORINGS.items()},
                   _key("全对得分"): "all_or_nothing", _key("全对"): "all_or_nothing",
                   _key("按比例"): "partial", _key("按比例得分"): "partial"}
_SCORING_CELLS = {"all_or_nothing": "全对得分", "partial": "按比例"}
_FORMAT_LABELS = {_key("纯文本"): "plain", "plain": "plain", "markdown": "markdown",
                  "html": "html"}
_LETTER_SEPARATORS = re.compile(r"[\s,，、;；]")
_FILL_SEPARATORS = re.compile(r"[|;；\n]")
_TAG_SEPARATORS = re.compile(r"[、,，;；\n]")
_TURN = re.compile(r"^([^:：\s]{1,10})\s*[:：]\s*(.+)$")
_LOOSE_DAY = re.compile(r"^(\d{4})[-/年](\d{1,2})月?(?:[-/](\d{1,2})日?|(\d{1,2})日)?$")
# Bank messages name the field they are about; the first name found picks the column
# ("参考答案" before "答案", "正确选项" before "选项", module before section).
_MESSAGE_FIELDS = (("参考答案", "reference"), ("正确选项", "answer"), ("答案", "answer"),
                   ("answer", "answer"), ("reference", "reference"), ("scoring", "scoring"),
                   ("chat", "chat"), ("module", "module"), ("section", "section"),
                   ("tags", "tags"), ("active_until", "active_until"),
                   ("active_from", "active_from"), ("format", "format"), ("选项", "option_a"),
                   ("options", "option_a"), ("题干", "stem"), ("难度", "difficulty"),
                   ("题型", "type"), ("编号", "id"))


# ---- reading ---------------------------------------------------------------------------


def parse_xlsx(data: bytes, name: str, category: str | None = None) -> ParseResult:
    try:
        workbook = load_workbook(BytesIO(data), read_only=True, data_only=True)
    except Exception:  # a damaged file fails in zip, XML or openpyxl alike
        return ParseResult(errors=[f"{name}:1: 无法读取 Excel 文件,请用 Excel 或 WPS 另存为 .xlsx"])
    try:
        sheet = workbook[SHEET] if SHEET in workbook.sheetnames else workbook.worksheets[0]
        sheet.reset_dimensions()  # some tools write a wrong sheet size: read every row
        return _parse_rows(list(sheet.iter_rows()), name, category)
    finally:
        workbook.close()


def _parse_rows(rows: list, name: str, category: str | None) -> ParseResult:
    if not rows:
        return ParseResult(errors=[f"{name}:1: 表格是空的,第 1 行应为表头"])
    columns, errors = _header(rows[0], name)
    fallback = category_of(category)
    if category and not fallback:
        errors.append(f"{name}:1: 未知类别 {category!r}(可用:{'、'.join(CATEGORIES)})")
    if errors:
        return ParseResult(errors=errors)
    result, seen = ParseResult(), {}
    for number, cells in enumerate(rows[1:], 2):
        row = _Row(cells, columns, number, name)
        if row.blank:
            continue
        question, problems = _question(row, fallback)
        if question is not None and question.key in seen:
            first = seen[question.key]
            problems = [row.error("id", f"题目编号 {question.key} 与第 {first} 行重复")]
        result.errors.extend(problems)
        if not problems:
            seen[question.key] = number
            result.questions.append(question)
    return result


def _header(cells, name: str) -> tuple[dict[str, tuple[int, str]], list[str]]:
    """{field: (column index, header as written)}; unknown and repeated headers are errors."""
    columns, errors = {}, []
    for index, cell in enumerate(cells):
        header = _text(cell.value)
        if not header:
            continue  # an unnamed column holds no field: notes beside the table, say
        field = _HEADERS.get(_key(header))
        where = f"{name}:1: 第 {get_column_letter(index + 1)} 列({header})"
        if field is None:
            errors.append(f"{where}:未知表头(可用的表头见模板的“说明”页)")
        elif field in columns:
            errors.append(f"{where}:与第 {get_column_letter(columns[field][0] + 1)} 列重复")
        else:
            columns[field] = (index, header)
    errors.extend(f"{name}:1: 缺少“{_TITLES[field]}”列" for field in _REQUIRED
                  if field not in columns)
    return columns, errors


class _Row:
    def __init__(self, cells, columns: dict[str, tuple[int, str]], number: int, name: str):
        self.cells, self.columns, self.number, self.name = cells, columns, number, name

    @property
    def blank(self) -> bool:
        return not any(_text(self.value(field)) for field in self.columns)

    def cell(self, field: str):
        index = self.columns[field][0] if field in self.columns else len(self.cells)
        return self.cells[index] if index < len(self.cells) else None  # rows end early

    def value(self, field: str):
        cell = self.cell(field)
        return cell.value if cell is not None else None

    def text(self, field: str) -> str:
        return _text(self.value(field))

    def error(self, field: str | None, message: str) -> str:
        if field is None:
            return f"{self.name}:{self.number}: {message}"
        where = f"{self.name}:{self.number}:"
        if field in self.columns:
            index, header = self.columns[field]
            return f"{where} 第 {get_column_letter(index + 1)} 列({header}):{message}"
        return f"{where} {_TITLES[field]}(表中没有此列):{message}"


def _text(value) -> str:
    """A cell as text: 2.0 is "2", Excel's line breaks are newlines."""
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    return str(value).replace("\r\n", "\n").replace("\r", "\n").strip()


def _question(row: _Row, fallback: str | None) -> tuple[BankQuestion | None, list[str]]:
    """The row as a question, or the reasons it is none. What the sheet spells its own way
    is checked here; the rest is the bank's own validation."""
    errors: list[str] = []
    category = _category(row, fallback, errors)
    qtype = _lookup(row, "type", type_of, "单选题、多选题、判断题、填空题、情景题、简答题", errors)
    difficulty = _lookup(row, "difficulty", difficulty_of, "易、中、难 或 1、2、3", errors)
    stem = row.text("stem")
    if not stem:
        errors.append(row.error("stem", "不能为空"))
    options = _options(row, errors)
    chat = _chat(row, errors)
    answer = _answer(row, qtype, errors)
    if errors:
        return None, errors
    raw = {"id": row.text("id") or generated_key(category, stem), "type": qtype,
           "difficulty": difficulty, "stem": stem, "answer": answer, "chat": chat,
           "scoring": _label(row, "scoring", _SCORING_LABELS),
           "format": _label(row, "format", _FORMAT_LABELS),
           "explanation": row.text("explanation"), "reference": row.text("reference"),
           "module": row.text("module"), "section": row.text("section"),
           "seed": row.text("seed"),
           "tags": [t.strip() for t in _TAG_SEPARATORS.split(row.text("tags")) if t.strip()],
           "active_from": _day(row.cell("active_from")),
           "active_until": _day(row.cell("active_until"))}
    if options:
        raw["options"] = options  # the bank tells choice from written replies by this key
    try:
        return read_question(category, raw, f"{row.name}:{row.number}"), []
    except ValueError as exc:
        message = str(exc).removeprefix(f"{raw['id']}: ")
        return None, [row.error(_field_of(message), message)]


def _category(row: _Row, fallback: str | None, errors: list[str]) -> str | None:
    text = row.text("category")
    if not text:
        if not fallback:
            errors.append(row.error("category", "不能为空(或在导入时指定类别)"))
        return fallback
    found = category_of(text)
    if not found:
        errors.append(row.error("category", f"未知类别 {text!r}(可填 "
                                            f"{'、'.join(CATEGORIES.values())})"))
    return found


def _lookup(row: _Row, field: str, convert, choices: str, errors: list[str]):
    value = row.value(field)
    if not _text(value):
        errors.append(row.error(field, "不能为空"))
        return None
    found = convert(value)
    if found is None:
        errors.append(row.error(field, f"无法识别 {_text(value)!r}(可填 {choices})"))
    return found


def _options(row: _Row, errors: list[str]) -> list[str]:
    texts = [row.text(field) for field in _OPTION_FIELDS]
    while texts and not texts[-1]:
        texts.pop()
    errors.extend(row.error(field, "选项不能空着:后面的选项有内容")
                  for field, text in zip(_OPTION_FIELDS, texts, strict=False) if not text)
    return texts


def _chat(row: _Row, errors: list[str]) -> list[dict] | None:
    turns = []
    lines = [line.strip() for line in row.text("chat").split("\n") if line.strip()]
    for number, line in enumerate(lines, 1):
        match = _TURN.match(line)
        if match:
            turns.append({match[1]: match[2].strip()})
        else:
            errors.append(row.error("chat", f"第 {number} 行应写成“顾客:内容”或“客服:内容”"))
    return turns or None


def _answer(row: _Row, qtype: str | None, errors: list[str]):
    value = row.value("answer")
    text = _text(value)
    if not text:
        return None
    if qtype == "truefalse":
        truth = _TRUTH.get(_key(text))
        if truth is None:
            errors.append(row.error("answer", f"判断题答案应为 对 或 错,不是 {text!r}"))
        return truth
    if qtype == "fill":
        return [part.strip() for part in _FILL_SEPARATORS.split(text) if part.strip()]
    if qtype in ("single", "multiple", "scenario"):
        return _LETTER_SEPARATORS.sub("", unicodedata.normalize("NFKC", text).upper())
    return text  # a reply a person grades has no answer: the bank says so


def _label(row: _Row, field: str, labels: dict[str, str]) -> str | None:
    text = row.text(field)
    return labels.get(_key(text), text) if text else None


def _day(cell) -> date | str | None:
    """A date cell, or text as people type it (2026-11, 2026/11/5, 2026年11月). A date cell
    shown without its day is a month: Excel turns a typed 2026-11 into 1 Nov 2026 shown
    "2026年11月", and as an end that means the whole month."""
    value = cell.value if cell is not None else None
    if isinstance(value, datetime | date):
        day = value.date() if isinstance(value, datetime) else value
        return f"{day:%Y-%m}" if not _shows_day(cell.number_format) else day
    text = _text(value)
    match = _LOOSE_DAY.match(text)
    if not match:
        return text or None
    year, month, day = match[1], int(match[2]), match[3] or match[4]
    return f"{year}-{month:02d}" + (f"-{int(day):02d}" if day else "")


def _shows_day(number_format: str | None) -> bool:
    # Quoted literals ("年") and [locale] tags are not date parts.
    bare = re.sub(r'"[^"]*"|\[[^]]*]', "", number_format or "")
    return "d" in bare.lower() or bare.lower() in ("general", "")


def _field_of(message: str) -> str | None:
    return next((field for word, field in _MESSAGE_FIELDS if word in message), None)


# ---- writing ---------------------------------------------------------------------------


def write_xlsx(questions: list[BankQuestion]) -> Written:
    """Every field of every type; a question whose texts would not read back the same (a
    tag holding a separator, say) is skipped with the reason."""
    workbook = Workbook()
    sheet = workbook.active
    sheet.title = SHEET
    kept, skipped = writable(questions, _unwritable)
    _fill(sheet, [_cells(q) for q in kept])
    return Written(_save(workbook), skipped)


def _unwritable(question: BankQuestion) -> str | None:
    texts = (question.key, question.stem, *question.options, question.explanation,
             question.reference, question.seed, question.module or "",
             question.section or "", *question.tags, *map(str, question.answer),
             *(part for turn in question.chat for part in (turn.speaker, turn.text)))
    if any(ILLEGAL_CHARACTERS_RE.search(text) for text in texts):
        return "含有 Excel 不能保存的控制字符"
    if any(_TAG_SEPARATORS.search(tag) for tag in question.tags):
        return "标签含有分隔符(、 , ; 或换行),写入表格后会被拆开"
    if question.qtype == "fill" and any(_FILL_SEPARATORS.search(a) for a in question.answer):
        return "填空题的答案含有分隔符(| ; 或换行),写入表格后会被拆开"
    if any(not _TURN.match(_turn(t)) or "\n" in t.text for t in question.chat):
        return "聊天记录有多行的消息或过长的说话人,表格中每行只能写一条“说话人:内容”"
    return None


def _cells(question: BankQuestion) -> dict[str, object]:
    return {
        "id": question.key, "category": CATEGORIES[question.category],
        "type": TYPES[question.qtype], "difficulty": DIFFICULTIES[question.difficulty],
        "stem": question.stem, **dict(zip(_OPTION_FIELDS, question.options, strict=False)),
        "answer": _answer_cell(question),
        "scoring": _SCORING_CELLS[question.scoring] if question.qtype == "multiple" else None,
        "explanation": question.explanation,
        "chat": "\n".join(map(_turn, question.chat)),
        "reference": question.reference, "module": question.module,
        "section": question.section, "seed": question.seed, "tags": "、".join(question.tags),
        "active_from": _day_cell(month_or_day(question.active_from, first=True)),
        "active_until": _day_cell(month_or_day(question.active_until, first=False)),
        "format": question.stem_format if question.stem_format != "plain" else None,
    }


def _turn(turn: ChatTurn) -> str:
    return f"{turn.speaker}：{turn.text}"  # the full-width colon Chinese is typed with


def _answer_cell(question: BankQuestion) -> str:
    if question.qtype == "truefalse":
        return "对" if question.answer[0] else "错"
    if question.qtype == "fill":
        return "|".join(question.answer)
    return "".join(LETTERS[i] for i in question.answer)


def _day_cell(day: date | str | None) -> str | None:
    # Text, not a date cell: a month stays a month whatever the reader's Excel locale.
    return day.isoformat() if isinstance(day, date) else day


_HEADER_FONT = Font(bold=True)
_HEADER_FILL = PatternFill("solid", fgColor="DDEBF7")
_WRAP = Alignment(wrap_text=True, vertical="top")


def _fill(sheet, rows: list[dict[str, object]]) -> None:
    """Header (bold, filled, frozen, filterable) and one wrapped row per question."""
    for index, (header, field, _) in enumerate(COLUMNS, 1):
        cell = sheet.cell(row=1, column=index, value=header)
        cell.font, cell.fill = _HEADER_FONT, _HEADER_FILL
        sheet.column_dimensions[get_column_letter(index)].width = _WIDTHS[field]
    for number, values in enumerate(rows, 2):
        for index, (_, field, _) in enumerate(COLUMNS, 1):
            value = values.get(field) or None
            cell = sheet.cell(row=number, column=index, value=value)
            if isinstance(value, str):
                cell.data_type = "s"  # "=…" is a text here, never a formula
            cell.alignment = _WRAP
    sheet.freeze_panes = "A2"
    sheet.auto_filter.ref = f"A1:{get_column_letter(len(COLUMNS))}{max(len(rows) + 1, 2)}"


def _save(workbook: Workbook) -> bytes:
    buffer = BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


# ---- the template ----------------------------------------------------------------------


def template_xlsx() -> bytes:
    """题目 (headers and drop-downs, to fill in), 示例 (one row per type, never imported:
    only 题目 is read) and 说明 (every column explained)."""
    workbook = Workbook()
    sheet = workbook.active
    sheet.title = SHEET
    _fill(sheet, [])
    _drop_downs(sheet)
    _fill(workbook.create_sheet("示例"), [_cells(question) for question in examples()])
    _guide(workbook.create_sheet("说明"))
    return _save(workbook)


def _drop_downs(sheet, rows: int = 2000) -> None:
    choices = {"category": CATEGORIES.values(), "type": TYPES.values(),
               "difficulty": DIFFICULTIES.values(), "scoring": _SCORING_CELLS.values()}
    fields = [field for _, field, _ in COLUMNS]
    for field, values in choices.items():
        # A warning, not a stop: codes (sales, single, 2) are valid too.
        validation = DataValidation(type="list", formula1=f'"{",".join(values)}"',
                                    allow_blank=True, errorStyle="warning",
                                    showErrorMessage=True, errorTitle=_TITLES[field],
                                    error=f"请从下拉列表中选择{_TITLES[field]}")
        letter = get_column_letter(fields.index(field) + 1)
        validation.add(f"{letter}2:{letter}{rows}")
        sheet.add_data_validation(validation)


def _guide(sheet) -> None:
    lines = ("题目导入说明",
             "在“题目”页填写,每行一道题。第 1 行是表头:列的顺序可以调整,用不到的列可以删除,"
             "但“题型”“难度”“题干”三列必须有。",
             "“示例”页是每种题型的填写样例,导入时只读“题目”页,样例不会被导入。",
             "导入时只要有一行出错,整个文件都不会导入;错误会指出行号和列。", "")
    for line in lines:
        sheet.append([line])
    sheet["A1"].font = Font(bold=True, size=14)
    sheet.append(["表头", "英文名", "填写说明"])
    for cell in sheet[sheet.max_row]:
        cell.font, cell.fill = _HEADER_FONT, _HEADER_FILL
    for column in COLUMNS:
        sheet.append(list(column))
        for cell in sheet[sheet.max_row]:
            cell.alignment = _WRAP
    for letter, width in zip("ABC", (12, 14, 90), strict=True):
        sheet.column_dimensions[letter].width = width


_EXAMPLES = (
    ("sales", {
        "id": "sales-901", "type": "single", "difficulty": 2, "module": "presales",
        "section": "bargain", "seed": "004 议价语", "tags": ["议价", "话术"],
        "stem": "顾客多次议价，客服没有改价权限，下列做法最符合规范的是？",
        "options": ["为促成交易，先私自答应改价",
                    "说明自己没有改价权限，帮顾客向主管申请，再按主管的答复回复顾客",
                    "直接回复“不讲价，爱买不买”", "不再回复该顾客"],
        "answer": "B",
        "explanation": "客服没有私自改价的权限；应帮顾客向主管申请，并按主管的真实答复回复顾客。"}),
    ("after_sales", {
        "id": "after_sales-901", "type": "multiple", "difficulty": 2, "module": "after-sales",
        "section": "basics", "tags": ["售后"],
        "stem": "处理售后问题时，客服需要掌握的相关信息有哪些？",
        "options": ["订单信息", "顾客的工作单位", "商品信息", "出现的问题"],
        "answer": "ACD", "scoring": "partial",
        "explanation": "售后需要的是订单信息、商品信息和出现的问题；"
                       "顾客的工作单位与售后处理无关。"}),
    ("after_sales", {
        "id": "after_sales-902", "type": "truefalse", "difficulty": 1, "module": "after-sales",
        "section": "basics",
        "stem": "顾客因为不喜欢款式等自身原因办理退货，退回商品的快递费应由顾客承担。",
        "answer": True,
        "explanation": "因顾客自身原因退货，退回的快递费由顾客承担；少件、错发、破损、质量问题等"
                       "店铺方面的原因，运费才由店铺承担。"}),
    ("rules", {
        "id": "rules-901", "type": "fill", "difficulty": 2, "module": "platform-rules",
        "section": "return-window",
        "stem": "七天无理由退货的期间自物流显示签收的次日零时起算，满____小时为7天。",
        "answer": ["168", "一百六十八"],
        "explanation": "从签收次日 0:00 起算，整整 168 小时（7×24 小时）。"}),
    ("promotions", {
        "id": "promotions-901", "type": "scenario", "difficulty": 2, "module": "promotions",
        "section": "bargaining", "tags": ["议价", "活动"], "active_from": "2026-11",
        "active_until": "2026-11",
        "chat": [{"顾客": "你们都在搞活动了，再给我便宜10块呗。"}],
        "stem": "客服最恰当的回复是？",
        "options": ["行吧，我给你改一下价格。",
                    "抱歉亲，我们不议价哦；现在是活动期间，您拍下的价格已经非常优惠了~",
                    "活动价就是最低价，爱买不买。", "那您等活动结束再买吧。"],
        "answer": "B",
        "explanation": "活动期间也要守住价格、不伤感情：礼貌说明不议价，并强调活动价的优惠。"}),
    ("etiquette", {
        "id": "etiquette-901", "type": "short", "difficulty": 3, "module": "etiquette",
        "section": "forbidden-phrases",
        "stem": "顾客说：“你们发货太慢了，我不要了！”请写出你的回复。",
        "reference": "1. 先致歉，理解顾客的心情；\n2. 查询订单的物流状态，如实告知预计送达时间；\n"
                     "3. 给出办法（催促仓库发货，或按规则办理退款），不推诿、不用禁用语。"}),
)


def examples() -> list[BankQuestion]:
    """The template's example rows, one per type, checked by the bank like any import."""
    return [read_question(category, raw, f"示例:{number}")
            for number, (category, raw) in enumerate(_EXAMPLES, 2)]
