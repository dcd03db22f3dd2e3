from dataclasses import replace
from datetime import date, datetime
from io import BytesIO
from pathlib import Path

import pytest
from openpyxl import Workbook, load_workbook

from trainer.questions.bank import TYPES, ChatTurn, load_bank, read_yaml
from trainer.questions.formats.common import generated_key
from trainer.questions.formats.spreadsheet import (
    COLUMNS,
    examples,
    parse_xlsx,
    template_xlsx,
    write_xlsx,
)

ROOT = Path(__file__).resolve().parents[2]
EVERY_FIELD = ROOT / "tests" / "fixtures" / "formats" / "yaml_every_field.yaml"
HEADERS = [header for header, _, _ in COLUMNS]


def every_field():
    return read_yaml(EVERY_FIELD.read_text(encoding="utf-8"), EVERY_FIELD.name)


def workbook_bytes(rows, title="题目", before=None) -> bytes:
    """A workbook whose sheet `title` holds `rows`; `before` adds a sheet in front of it."""
    book = Workbook()
    sheet = book.active
    if before:
        sheet.title = before
        sheet = book.create_sheet()
    sheet.title = title
    for row in rows:
        sheet.append(row)
    buffer = BytesIO()
    book.save(buffer)
    return buffer.getvalue()


def sheet(rows, header=("题型", "难度", "类别", "题干", "选项A", "选项B", "答案")):
    return workbook_bytes([list(header), *rows])


# ---- round trips -----------------------------------------------------------------------


def test_every_type_and_field_comes_back_exactly():
    questions = every_field()
    written = write_xlsx(questions)
    assert written.skipped == []
    parsed = parse_xlsx(written.data, "out.xlsx")
    assert parsed.errors == []
    assert parsed.questions == questions
    assert parsed.questions[0].source == "out.xlsx:2"


def test_the_shipped_bank_comes_back_exactly():
    questions = load_bank(ROOT / "question_bank")
    parsed = parse_xlsx(write_xlsx(questions).data, "bank.xlsx")
    assert parsed.errors == [] and parsed.questions == questions


def test_a_text_that_looks_like_a_formula_stays_text():
    single = every_field()[0]
    cell = load_workbook(BytesIO(write_xlsx([single]).data))["题目"]["G2"]
    assert (cell.value, cell.data_type) == ("=说明没有改价权限，帮顾客向主管申请", "s")


@pytest.mark.parametrize(("change", "words"), [
    ({"tags": ("议价、话术",)}, "标签含有分隔符"),
    ({"qtype": "fill", "options": (), "answer": ("是|否",)}, "填空题的答案含有分隔符"),
    ({"chat": (ChatTurn("顾客", "第一行\n第二行"),)}, "聊天记录有多行的消息"),
    ({"stem": "题干\x07"}, "控制字符"),
])
def test_what_would_not_read_back_the_same_is_skipped(change, words):
    question = replace(every_field()[0], **change)
    written = write_xlsx([question])
    assert [(key, words in reason) for key, reason in written.skipped] == [("sales-t01", True)]
    assert parse_xlsx(written.data, "out.xlsx").questions == []


def test_the_written_sheet_is_styled_for_people():
    sheet_ = load_workbook(BytesIO(write_xlsx(every_field()).data))["题目"]
    assert [c.value for c in sheet_[1]] == HEADERS
    assert all(c.font.b and c.fill.fgColor.rgb.endswith("DDEBF7") for c in sheet_[1])
    assert sheet_.freeze_panes == "A2"
    assert sheet_.column_dimensions["E"].width == 44  # 题干
    assert sheet_["E2"].alignment.wrap_text
    assert sheet_.auto_filter.ref == f"A1:Y{sheet_.max_row}"  # 25 columns
    row = {h: c.value for h, c in zip(HEADERS, sheet_[2], strict=True)}
    assert (row["类别"], row["题型"], row["难度"], row["答案"]) == ("销售知识", "单选题", "易", "B")
    assert (row["生效"], row["失效"], row["标签"]) == ("2026-11", "2026-12-15", "议价、话术")
    chat = sheet_.cell(row=6, column=HEADERS.index("情景对话") + 1).value
    assert chat.split("\n")[0] == "顾客：你好，我买了3件，只收到2件！"


# ---- a sheet as people make it ---------------------------------------------------------


def hand_made() -> bytes:
    """Shuffled columns, English headers in any case, Excel date cells, numbers in cells, the
    sheet 题目 behind another one, blank rows and a column without a header."""
    book = Workbook()
    book.active.title = "封面"
    sheet = book.create_sheet("题目")
    sheet.append(["Stem", "TYPE", "答案", "选项 B", "option_a", "难度", "Category", "情景对话",
                  "active_from", "失效", "标签", "ID", "Scoring", "选项C", None])
    sheet.append(["顾客说“太贵了”，客服应如何回应？", "单选", "b", "强调品质与售后保障",
                  "说“爱买不买”", 2.0, "销售知识", None, datetime(2026, 11, 1),
                  datetime(2026, 12, 1), "议价，话术;价格", 1001, None, None, "备注不读"])
    sheet.append([None] * 14)
    sheet.append(["七天无理由退货满____小时为7天。", "填空题", 168, None, None, "中", "rules"])
    sheet.append(["签收后七天内均可无理由退货。", "判断", "√", None, None, 1, "rules"])
    sheet.append(["哪些属于售后信息？", "multiple", "A，C", "顾客的工作单位", "订单信息", "难",
                  "售后处理", None, None, None, None, None, "按比例", "出现的问题"])
    sheet.append(["客服最恰当的回复是？", "情景题", "A", "不用了", "亲，请稍等，我马上为您核实",
                  3, "after_sales", "顾客：我的快递三天没动了\n客服:亲，我帮您查一下\n顾客: 快点"])
    sheet["I2"].number_format = 'yyyy"年"m"月"'  # a typed 2026-11 that Excel made a date
    sheet["J2"].number_format = "mmm-yy"
    sheet["I6"].value = datetime(2026, 11, 15)
    sheet["I6"].number_format = "yyyy-mm-dd"
    buffer = BytesIO()
    book.save(buffer)
    return buffer.getvalue()


def test_a_hand_made_sheet_reads_as_meant():
    parsed = parse_xlsx(hand_made(), "questions.xlsx")
    assert parsed.errors == []
    single, fill, truefalse, multiple, scenario = parsed.questions
    assert (single.key, single.qtype, single.difficulty, single.category) == (
        "1001", "single", 2, "sales")
    assert (single.options, single.answer) == (("说“爱买不买”", "强调品质与售后保障"), (1,))
    assert (single.active_from, single.active_until) == (date(2026, 11, 1), date(2026, 12, 31))
    assert single.tags == ("议价", "话术", "价格")
    assert (fill.answer, fill.key) == (("168",), generated_key("rules", fill.stem))
    assert (fill.source, truefalse.source) == ("questions.xlsx:4", "questions.xlsx:5")
    assert (truefalse.answer, truefalse.difficulty) == ((True,), 1)
    assert (multiple.answer, multiple.scoring, multiple.category) == ((0, 2), "partial",
                                                                      "after_sales")
    assert multiple.options == ("订单信息", "顾客的工作单位", "出现的问题")
    assert multiple.active_from == date(2026, 11, 15)
    assert scenario.chat == (ChatTurn("顾客", "我的快递三天没动了"),
                             ChatTurn("客服", "亲，我帮您查一下"), ChatTurn("顾客", "快点"))


@pytest.mark.parametrize(("cell", "answer"), [
    ("对", True), ("正确", True), ("√", True), ("true", True), ("T", True), (True, True),
    ("错", False), ("错误", False), ("×", False), ("FALSE", False), ("f", False), (False, False),
    (1.0, True), (0, False),
])
def test_true_or_false_as_people_write_it(cell, answer):
    parsed = parse_xlsx(sheet([["判断题", 1, "rules", "题干", None, None, cell]]), "q.xlsx")
    assert parsed.errors == []
    assert parsed.questions[0].answer == (answer,)


def test_fill_answers_separated_by_bar_semicolon_or_line_break():
    parsed = parse_xlsx(sheet([["填空题", 1, "rules", "满____小时", None, None,
                                "168|一百六十八；168小时\n七天"]]), "q.xlsx")
    assert parsed.questions[0].answer == ("168", "一百六十八", "168小时", "七天")


def test_texts_dates_typed_by_hand():
    header = ("题型", "难度", "类别", "题干", "答案", "生效", "失效")
    parsed = parse_xlsx(sheet([["判断题", 1, "rules", "题干", "对", "2026/3/5", "2026年4月"]],
                              header), "q.xlsx")
    assert parsed.errors == []
    question = parsed.questions[0]
    assert (question.active_from, question.active_until) == (date(2026, 3, 5), date(2026, 4, 30))


def test_the_first_sheet_is_read_when_none_is_called_题目():
    data = workbook_bytes([["题型", "难度", "类别", "题干", "答案"],
                           ["判断题", 1, "rules", "题干", "错"]], title="Sheet1")
    assert len(parse_xlsx(data, "q.xlsx").questions) == 1


def test_the_category_argument_fills_empty_category_cells_only():
    rows = [["判断题", 1, None, "题干一", None, None, "对"],
            ["判断题", 1, "商品知识", "题干二", None, None, "对"]]
    parsed = parse_xlsx(sheet(rows), "q.xlsx", "销售知识")
    assert [q.category for q in parsed.questions] == ["sales", "product"]


# ---- errors ----------------------------------------------------------------------------


def test_errors_name_the_row_and_the_column():
    rows = [
        ["单选题", 1, "sales", "好题一", "甲", "乙", "A"],
        ["单选题", 1, "sales", None, "甲", "乙", "A"],
        ["单选题", 1, "sales", "好题二", "甲", "乙", "A"],
        ["单选", "很难", "鞋子", "题干", "甲", "乙", "A"],
        ["问答题", 2, "sales", "题干", None, None, None],
        ["判断题", 2, "sales", "题干", None, None, "也许"],
        ["单选题", 2, "sales", "题干三", "甲", "乙", "C"],
        ["单选题", None, None, "题干四", None, "乙", "B"],
    ]
    header = ("题型", "难度", "类别", "题干", "选项A", "选项B", "答案")
    parsed = parse_xlsx(sheet(rows, header), "questions.xlsx")
    assert parsed.errors == [
        "questions.xlsx:3: 第 D 列(题干):不能为空",
        "questions.xlsx:5: 第 C 列(类别):未知类别 '鞋子'(可填 公司与平台规则、本月常见问题、"
        "销售知识、商品知识、售后处理、促销活动、系统操作、服务礼仪)",
        "questions.xlsx:5: 第 B 列(难度):无法识别 '很难'(可填 易、中、难 或 1、2、3)",
        "questions.xlsx:6: 第 A 列(题型):无法识别 '问答题'(可填 单选题、多选题、判断题、填空题、"
        "情景题、简答题)",
        "questions.xlsx:7: 第 G 列(答案):判断题答案应为 对 或 错,不是 '也许'",
        "questions.xlsx:8: 第 G 列(答案):答案 'C' 不在选项 A–B 之内",
        "questions.xlsx:9: 第 C 列(类别):不能为空(或在导入时指定类别)",
        "questions.xlsx:9: 第 B 列(难度):不能为空",
        "questions.xlsx:9: 第 E 列(选项A):选项不能空着:后面的选项有内容",
    ]
    # The good rows still parse: the caller refuses the file because of the errors.
    assert [q.stem for q in parsed.questions] == ["好题一", "好题二"]


@pytest.mark.parametrize(("qtype", "extra", "error"), [
    ("单选题", {"选项A": "甲", "选项B": "乙"}, "答案(表中没有此列):答案 '' 不在选项 A–B 之内"),
    ("简答题", {"答案": "A", "参考答案": "要点"},
     "第 E 列(答案):人工评分的题目不设 answer,请把要点写在 reference"),
    ("多选题", {"选项A": "甲", "选项B": "乙", "答案": "A"},
     "第 G 列(答案):多选题至少两个正确选项"),
    ("判断题", {"选项A": "甲", "答案": "对"}, "第 E 列(选项A):判断题不应有 options"),
    ("判断题", {"答案": "对", "小节": "basics"}, "课程(表中没有此列):有 section 却没有 module"),
    ("情景题", {"情景对话": None, "参考答案": "要点"},
     "第 E 列(情景对话):情景题须有 chat(聊天记录)列表,如 - 顾客: 在吗?"),
    ("情景题", {"情景对话": "顾客：在吗\n没有说话人", "参考答案": "要点"},
     "第 E 列(情景对话):第 2 行应写成“顾客:内容”或“客服:内容”"),
    ("判断题", {"答案": "对", "计分方式": "按比例"},
     "第 F 列(计分方式):只有多选题可以设置 scoring"),
    ("判断题", {"答案": "对", "生效": "2026-12", "失效": "2026-11"},
     "第 G 列(失效):active_until 早于 active_from"),
    ("判断题", {"答案": "对", "生效": "下个月"},
     "第 F 列(生效):active_from 应为 YYYY-MM 或 YYYY-MM-DD"),
    ("判断题", {"答案": "对", "题干格式": "word"},
     "第 F 列(题干格式):format 应为 plain/markdown/html"),
    ("判断题", {"答案": "对", "题目编号": "编 号"},
     "第 F 列(题目编号):编号 '编 号' 只能由字母、数字、汉字和 . _ - 组成,最长 64 个字符"),
])
def test_the_banks_own_checks_point_at_the_column(qtype, extra, error):
    columns = {"题型": qtype, "难度": 1, "类别": "sales", "题干": "题干", **extra}
    data = sheet([list(columns.values())], header=tuple(columns))
    assert parse_xlsx(data, "q.xlsx").errors == [f"q.xlsx:2: {error}"]


def test_a_repeated_id_is_an_error_on_the_later_row():
    header = ("题目编号", "题型", "难度", "类别", "题干", "答案")
    rows = [["s-1", "判断题", 1, "sales", "题干一", "对"],
            ["s-1", "判断题", 1, "sales", "题干二", "错"]]
    assert parse_xlsx(sheet(rows, header), "q.xlsx").errors == [
        "q.xlsx:3: 第 A 列(题目编号):题目编号 s-1 与第 2 行重复"]


def test_header_problems_refuse_the_sheet():
    data = workbook_bytes([["题型", "备注", "Stem", "题干"], ["判断题", "x", "题干", "题干"]])
    assert parse_xlsx(data, "q.xlsx").errors == [
        "q.xlsx:1: 第 B 列(备注):未知表头(可用的表头见模板的“说明”页)",
        "q.xlsx:1: 第 D 列(题干):与第 C 列重复",
        "q.xlsx:1: 缺少“难度”列",
    ]


def test_an_unknown_category_argument_is_an_error():
    errors = parse_xlsx(sheet([]), "q.xlsx", "shoes").errors
    assert errors[0].startswith("q.xlsx:1: 未知类别 'shoes'")


@pytest.mark.parametrize("data", [b"", b"PK\x03\x04broken", "题型,题干\n".encode("gbk")])
def test_a_file_that_is_no_workbook_is_an_error(data):
    assert parse_xlsx(data, "q.xlsx").errors == [
        "q.xlsx:1: 无法读取 Excel 文件,请用 Excel 或 WPS 另存为 .xlsx"]


def test_an_empty_sheet_is_an_error_and_a_header_alone_is_no_questions():
    assert parse_xlsx(workbook_bytes([]), "q.xlsx").errors == [
        "q.xlsx:1: 表格是空的,第 1 行应为表头"]
    assert parse_xlsx(sheet([[None] * 7]), "q.xlsx").questions == []


# ---- the template ----------------------------------------------------------------------


def template():
    return load_workbook(BytesIO(template_xlsx()))


def test_the_template_has_the_headers_and_nothing_to_import():
    book = template()
    assert book.sheetnames == ["题目", "示例", "说明"]
    assert [c.value for c in book["题目"][1]] == HEADERS
    assert book["题目"].max_row == 1
    parsed = parse_xlsx(template_xlsx(), "模板.xlsx")
    assert (parsed.questions, parsed.errors) == ([], [])


def test_the_template_offers_drop_downs():
    sheet_ = template()["题目"]
    validations = {str(v.sqref): v.formula1 for v in sheet_.data_validations.dataValidation}
    assert validations["B2:B2000"].startswith('"公司与平台规则,本月常见问题,销售知识')
    assert validations["C2:C2000"] == '"单选题,多选题,判断题,填空题,情景题,简答题"'
    assert validations["D2:D2000"] == '"易,中,难"'


def test_the_examples_read_back_valid_one_per_type():
    book = template()
    del book["题目"]  # read 示例 as if it were the sheet to import
    buffer = BytesIO()
    book.save(buffer)
    parsed = parse_xlsx(buffer.getvalue(), "示例.xlsx")
    assert parsed.errors == []
    assert [q.qtype for q in parsed.questions] == list(TYPES)
    assert parsed.questions == examples()


def test_the_guide_explains_every_column():
    rows = [tuple(c.value for c in row) for row in template()["说明"].iter_rows()]
    assert [row for row in rows if row[1]] [1:] == [tuple(column) for column in COLUMNS]
