import io
from decimal import Decimal as D
from pathlib import Path

import pytest
from openpyxl import Workbook, load_workbook

from trainer.kpi.rules import Metrics
from trainer.kpi.sheetfile import (
    COLUMNS,
    MetricsFileError,
    parse_metrics,
    template_csv,
    template_xlsx,
)

FIXTURES = Path(__file__).parents[1] / "fixtures" / "kpi"
NAMES = [c.name for c in COLUMNS]
HEADER = ",".join(NAMES)
ROW = "zhangsan,9000,10000,100,45,43,8600.5,200,196,25.5,300,85,20000,0"
ZHANGSAN = Metrics(sales_actual=D(9000), sales_plan=D(10000), consultations=100,
                   ordered_buyers=45, paid_buyers=43, im_paid_sales=D("8600.5"),
                   customers_received=200, customers_replied=196,
                   avg_response_seconds=D("25.5"), followup_amount=D(300),
                   personal_revenue=D(20000), promotion=False)
ZH_HEADER = ("客服账号,实际销售额,计划销售额,咨询人数,下单人数,付款人数,询单付款金额,接待人数,"
             "回复人数,平均响应时间（秒）,协助跟进金额,日常考核得分,个人销售额,大促")


def parse(text: str, name="m.csv", with_assessment=True, encoding="utf-8"):
    return parse_metrics(text.encode(encoding), name, with_assessment=with_assessment)


def errors(text: str, name="m.csv", with_assessment=True) -> list[str]:
    with pytest.raises(MetricsFileError) as caught:
        parse(text, name, with_assessment)
    assert str(caught.value) == "\n".join(caught.value.errors)
    return caught.value.errors


def with_cell(column: str, value: str, row: str = ROW) -> str:
    cells = row.split(",")
    cells[NAMES.index(column)] = value
    return f"{HEADER}\n{','.join(cells)}\n"


def test_a_utf8_csv_reads_exact_figures():
    [row] = parse(f"{HEADER}\n{ROW}\n")
    assert (row.line, row.agent, row.metrics, row.assessment_score) == (
        2, "zhangsan", ZHANGSAN, D(85))
    assert type(row.metrics.consultations) is int
    assert type(row.metrics.sales_actual) is D


def test_a_csv_with_bom_and_crlf_reads_the_same():
    data = f"{HEADER}\r\n{ROW}\r\n".encode("utf-8-sig")
    [row] = parse_metrics(data, "m.csv", with_assessment=True)
    assert row.metrics == ZHANGSAN


def test_a_gb18030_csv_with_chinese_headers_as_excel_writes_it():
    data = f"{ZH_HEADER}\r\n张三,9000,10000,100,45,43,8600.5,200,196,25.5,300,85,20000,否\r\n"
    [row] = parse(data, encoding="gb18030")
    assert row.agent == "张三" and row.metrics == ZHANGSAN


def test_the_gb18030_fixture_reads():
    rows = parse_metrics((FIXTURES / "agents-zh-gb18030.csv").read_bytes(),
                         "agents-zh-gb18030.csv", with_assessment=True)
    assert [r.agent for r in rows] == ["张三", "李四"]
    assert rows[1].metrics.promotion is True and rows[1].metrics.personal_revenue == D("12345.67")


def test_headers_ignore_case_spaces_order_and_extra_columns():
    names = [" Agent ", "SALES ACTUAL", "sales-plan", "咨询人数", "下单人数", "成交人数",
             "IM付款金额", "接待人数", "回复人数", "平均响应时间", "跟进金额", "执行力",
             "提成销售额", "促销月"]
    order = list(range(len(names)))[::-1]
    header = ",".join(["备注", *(names[i] for i in order)])
    values = ROW.split(",")
    line = ",".join(["随便写", *(values[i] for i in order)])
    [row] = parse(f"{header}\n{line}\n")
    assert row.metrics == ZHANGSAN and row.assessment_score == 85


def test_an_xlsx_with_chinese_headers_and_numeric_cells():
    book = Workbook()
    sheet = book.active
    sheet.append(ZH_HEADER.split(","))
    sheet.append(["张三", 9000, 10000.0, 100, 45.0, 43, 8600.5, 200, 196, 25.5, 300, 85, 20000,
                  True])
    sheet.append([None] * 14)  # a blank row in between is skipped
    sheet.append(["李四", 8999.99, 10000, 10, 5, 5, 1000, 10, 10, "12.5", "300", 100, 0, "否"])
    out = io.BytesIO()
    book.save(out)
    rows = parse_metrics(out.getvalue(), "m.xlsx", with_assessment=True)
    assert [r.line for r in rows] == [2, 4]
    assert rows[0].metrics == Metrics(**{**ZHANGSAN.__dict__, "promotion": True})
    assert rows[1].metrics.sales_actual == D("8999.99")  # not 8999.98999…
    assert rows[1].metrics.avg_response_seconds == D("12.5")
    assert rows[1].metrics.promotion is False


def test_promotion_spellings_and_blank():
    for text, flag in (("1", True), ("是", True), ("TRUE", True), ("0", False), ("否", False),
                       ("false", False), ("", False)):
        [row] = parse(with_cell("promotion", text))
        assert row.metrics.promotion is flag, text


def test_thousands_separators_and_full_width_digits():
    [row] = parse(with_cell("sales_plan", '"10,000"'))
    assert row.metrics.sales_plan == 10000
    [row] = parse(with_cell("consultations", "１００"))
    assert row.metrics.consultations == 100


def test_the_import_needs_no_assessment_score_and_ignores_one():
    no_score = [n for n in NAMES if n != "assessment_score"]
    values = dict(zip(NAMES, ROW.split(","), strict=True))
    text = ",".join(no_score) + "\n" + ",".join(values[n] for n in no_score) + "\n"
    [row] = parse(text, with_assessment=False)
    assert row.metrics == ZHANGSAN and row.assessment_score is None
    [row] = parse(with_cell("assessment_score", "not a number"), with_assessment=False)
    assert row.assessment_score is None
    assert "列 assessment_score(日常考核得分)" in errors(text, with_assessment=True)[0]


def test_blank_rows_are_skipped_and_lines_stay_true():
    rows = parse(f"{HEADER}\n\n{ROW}\n,,,,,,,,,,,,,\n" + ROW.replace("zhangsan", "lisi") + "\n")
    assert [(r.line, r.agent) for r in rows] == [(3, "zhangsan"), (5, "lisi")]


def test_a_missing_column_is_named():
    header = HEADER.replace("sales_plan,", "")
    row = ROW.replace(",10000,", ",")
    assert errors(f"{header}\n{row}\n", name="march.csv") == [
        "march.csv 第 1 行:缺少列 sales_plan(计划销售额)"]


def test_a_column_given_twice_is_refused():
    [message] = errors(f"{HEADER},实际销售额\n{ROW},1\n")
    assert "列 sales_actual(实际销售额)出现了两次" in message


@pytest.mark.parametrize(("column", "value", "says"), [
    ("sales_plan", "abc", "“abc”不是数字"),
    ("sales_plan", "-1", "-1 不能为负数"),
    ("sales_plan", "NaN", "不是数字"),
    ("sales_plan", "", "不能为空"),
    ("consultations", "12.5", "12.5 应为整数"),
    ("customers_replied", "-3", "不能为负数"),
    ("avg_response_seconds", "25秒", "不是数字"),
    ("assessment_score", "101", "101 超出 0–100"),
    ("assessment_score", "-0.5", "不能为负数"),
    ("promotion", "也许", "应为 是/否"),
    ("agent", "", "不能为空"),
])
def test_each_bad_cell_names_file_line_and_column(column, value, says):
    [message] = errors(with_cell(column, value), name="march.csv")
    label = next(c.label for c in COLUMNS if c.name == column)
    assert message.startswith(f"march.csv 第 2 行 列 {column}({label}):")
    assert says in message


def test_an_assessment_of_exactly_0_and_100_is_accepted():
    assert parse(with_cell("assessment_score", "100"))[0].assessment_score == 100
    assert parse(with_cell("assessment_score", "0"))[0].assessment_score == 0


def test_every_problem_of_the_file_is_listed():
    bad1 = ROW.replace("9000", "x")
    bad2 = ROW.replace("zhangsan", "lisi").replace(",100,", ",-100,")
    found = errors(f"{HEADER}\n{bad1}\n{bad2}\n{ROW.replace('zhangsan', 'wangwu')}\n")
    assert len(found) == 2
    assert "第 2 行 列 sales_actual" in found[0] and "第 3 行 列 consultations" in found[1]


def test_a_duplicate_agent_names_both_lines():
    [message] = errors(f"{HEADER}\n{ROW}\n{ROW.replace('zhangsan', 'lisi')}\n"
                       f"{ROW.replace('zhangsan', 'ZhangSan')}\n")
    assert message.startswith("m.csv 第 4 行 列 agent(客服账号):")
    assert "第 2 行和第 4 行" in message


@pytest.mark.parametrize(("data", "name", "says"), [
    (b"", "m.csv", "m.csv:文件是空的"),
    (b"\n\n", "m.csv", "文件是空的"),
    (HEADER.encode() + b"\n", "m.csv", "m.csv:文件中没有数据行"),
    (HEADER.encode() + b"\n,,,\n", "m.csv", "没有数据行"),
    (b"agent\nx\n", "m.txt", "m.txt:无法识别的文件格式"),
    (b"\xd0\xcf\x11\xe0", "m.xls", "另存为 .xlsx"),
    (b"PK\x03\x04 broken", "m.xlsx", "m.xlsx:无法读取 Excel 文件"),
])
def test_files_refused_whole(data, name, says):
    with pytest.raises(MetricsFileError) as caught:
        parse_metrics(data, name, with_assessment=True)
    assert says in caught.value.errors[0]


def test_an_empty_xlsx_is_refused():
    out = io.BytesIO()
    Workbook().save(out)
    with pytest.raises(MetricsFileError, match="文件是空的"):
        parse_metrics(out.getvalue(), "m.xlsx", with_assessment=False)


def test_a_tab_separated_export_reads():
    [row] = parse(f"{HEADER}\n{ROW}\n".replace(",", "\t"))
    assert row.metrics == ZHANGSAN


def test_the_csv_templates_parse_back():
    [row] = parse_metrics(template_csv(), "t.csv", with_assessment=False)
    assert row.assessment_score is None and row.agent == "zhangsan"
    assert template_csv().startswith(b"\xef\xbb\xbf")
    assert b"assessment_score" not in template_csv()
    [row] = parse_metrics(template_csv(with_assessment=True), "t.csv", with_assessment=True)
    assert row.assessment_score == 85


def test_the_xlsx_template_parses_back_and_explains_every_column():
    data = template_xlsx(with_assessment=True)
    [row] = parse_metrics(data, "t.xlsx", with_assessment=True)
    assert row.metrics.sales_plan == 10000
    book = load_workbook(io.BytesIO(data))
    assert book.sheetnames == ["月度数据", "说明"]
    described = [r[0] for r in book["说明"].iter_rows(min_row=2, values_only=True) if r[0]]
    assert described == NAMES
    assert [c.value for c in book["月度数据"][1]] == NAMES
    [row] = parse_metrics(template_xlsx(), "t.xlsx", with_assessment=False)
    assert row.agent == "zhangsan"
