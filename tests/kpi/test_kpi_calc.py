"""`flask --app trainer kpi calc`: figures from a spreadsheet, checked by hand, no database."""

import csv
import io
import json
from decimal import Decimal as D
from pathlib import Path

import pytest
from openpyxl import Workbook

from tests.conftest import make_app
from trainer.kpi.sheetfile import COLUMNS

FIXTURES = Path(__file__).parents[1] / "fixtures" / "kpi"
HEADER = ",".join(c.name for c in COLUMNS)
ROW = "zhangsan,9000,10000,100,45,43,8600,200,196,25,300,85,20000,0"

# tests/fixtures/kpi/agents.csv, worked by hand from DOMAIN.md's table.
EXPECTED = [
    # 90 % → 85; 45 % → 80; 95.56 % → 100; 200 元 → 100; 98 % → 100; 25 s → 100; 300 元 → 100.
    # KPI 3.4 + 4 + 5 + 4 + 8 + 22 + 22 + 25.5 = 93.9; bonus 300 × 0.939; 2 % of 20000.
    {"agent": "zhangsan",
     "points": {"completion": 85, "conversion": 80, "order_success": 100, "aov": 100,
                "reply_rate": 100, "response_time": 100, "followup": 100, "execution": 85},
     "kpi": D("93.9"), "grade": "senior", "bonus": D("281.7"), "commission_rate": D("0.02"),
     "commission": 400},
    # 100 %; 50 %; 95 %; 180 元 → 80; 98 %; 25 s; 300 元; execution 86.
    # KPI 4 + 5 + 5 + 3.2 + 8 + 22 + 22 + 25.8 = 95 exactly: 2 %, halved in a promotion month;
    # 1 % of 12345.67 = 123.4567 → 123.46.
    {"agent": "lisi",
     "points": {"completion": 100, "conversion": 100, "order_success": 100, "aov": 80,
                "reply_rate": 100, "response_time": 100, "followup": 100, "execution": 86},
     "kpi": 95, "grade": "senior", "bonus": 285, "commission_rate": D("0.01"),
     "commission": D("123.46")},
    # 39.99 % → 0; 40 % → 60; 85 % → 60; 159.99 元 → 0; 92 % → 60; 30 s → 80; 200 元 → 80.
    # KPI 0 + 3 + 3 + 0 + 4.8 + 17.6 + 17.6 + 24 = 70 exactly: junior, bonus 210, 1 %.
    {"agent": "wangwu",
     "points": {"completion": 0, "conversion": 60, "order_success": 60, "aov": 0,
                "reply_rate": 60, "response_time": 80, "followup": 80, "execution": 80},
     "kpi": 70, "grade": "junior", "bonus": 210, "commission_rate": D("0.01"),
     "commission": 100},
    # As wangwu with execution 79.97: KPI 46 + 23.991 = 69.991, just under every line.
    {"agent": "zhaoliu",
     "points": {"completion": 0, "conversion": 60, "order_success": 60, "aov": 0,
                "reply_rate": 60, "response_time": 80, "followup": 80, "execution": D("79.97")},
     "kpi": D("69.991"), "grade": "none", "bonus": 0, "commission_rate": 0, "commission": 0},
    # Everything on top: KPI 100, 3 % halved to 1.5 %; 3333 × 0.015 = 49.995 → 50.00.
    {"agent": "sunqi",
     "points": {"completion": 100, "conversion": 100, "order_success": 100, "aov": 100,
                "reply_rate": 100, "response_time": 100, "followup": 100, "execution": 100},
     "kpi": 100, "grade": "senior", "bonus": 300, "commission_rate": D("0.015"),
     "commission": 50},
]


@pytest.fixture
def cli(tmp_path):
    """The app on a database file that does not exist: the calculator must never need it."""
    url = f"sqlite:///{tmp_path / 'never-created.db'}"
    app = make_app(url)
    runner = app.test_cli_runner()
    yield lambda *args: runner.invoke(args=["kpi", *map(str, args)])
    assert not (tmp_path / "never-created.db").exists()


def write(tmp_path, text: str, name="m.csv") -> Path:
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return path


def test_json_output_matches_the_hand_worked_sheets(cli):
    result = cli("calc", FIXTURES / "agents.csv")
    assert result.exit_code == 0, result.output
    assert result.stderr == ""
    assert json.loads(result.stdout, parse_float=D) == EXPECTED


def test_json_numbers_are_exact_and_integral_ones_are_integers(cli):
    out = cli("calc", FIXTURES / "agents.csv", "--format", "json").stdout
    assert '"commission_rate": 0.015,' in out and '"kpi": 69.991,' in out
    assert '"commission": 400\n' in out and '"bonus": 285,' in out
    sunqi = json.loads(out)[-1]
    assert all(type(v) is int for v in sunqi["points"].values())
    assert list(sunqi) == ["agent", "points", "kpi", "grade", "bonus", "commission_rate",
                           "commission"]


def test_csv_output(cli):
    result = cli("calc", FIXTURES / "agents.csv", "--format", "csv")
    assert result.exit_code == 0, result.output
    assert result.stdout.splitlines() == [
        "agent,completion,conversion,order_success,aov,reply_rate,response_time,followup,"
        "execution,kpi,grade,bonus,commission_rate,commission",
        "zhangsan,85,80,100,100,100,100,100,85,93.9,senior,281.7,0.02,400",
        "lisi,100,100,100,80,100,100,100,86,95,senior,285,0.01,123.46",
        "wangwu,0,60,60,0,60,80,80,80,70,junior,210,0.01,100",
        "zhaoliu,0,60,60,0,60,80,80,79.97,69.991,none,0,0,0",
        "sunqi,100,100,100,100,100,100,100,100,100,senior,300,0.015,50",
    ]


def test_chinese_headers_in_a_gb18030_file(cli):
    result = cli("calc", FIXTURES / "agents-zh-gb18030.csv")
    assert result.exit_code == 0, result.output
    assert '"agent": "张三"' in result.stdout  # not \u escapes
    sheets = json.loads(result.stdout, parse_float=D)
    assert [(s["agent"], s["kpi"], s["commission"]) for s in sheets] == [
        ("张三", D("93.9"), 400), ("李四", 95, D("123.46"))]


def test_an_xlsx_file(cli, tmp_path):
    book = Workbook()
    book.active.append([c.name for c in COLUMNS])
    book.active.append(["zhangsan", 9000, 10000, 100, 45, 43, 8600, 200, 196, 25, 300, 85, 20000,
                        0])
    book.save(tmp_path / "m.xlsx")
    result = cli("calc", tmp_path / "m.xlsx")
    assert result.exit_code == 0, result.output
    assert json.loads(result.stdout, parse_float=D) == EXPECTED[:1]


def test_a_missing_column_is_refused_and_named(cli, tmp_path):
    path = write(tmp_path, f"{HEADER.replace(',followup_amount', '')}\n"
                           f"{ROW.replace(',300,', ',')}\n")
    result = cli("calc", path)
    assert result.exit_code != 0 and result.stdout == ""
    assert "m.csv 第 1 行:缺少列 followup_amount(协助跟进金额)" in result.stderr


@pytest.mark.parametrize(("row", "says"), [
    (ROW.replace(",200,196,", ",200,-196,"), "列 customers_replied(回复人数):-196 不能为负数"),
    (ROW.replace("9000", "九千"), "列 sales_actual(实际销售额):“九千”不是数字"),
    (ROW.replace(",85,", ",101,"), "列 assessment_score(日常考核得分):101 超出 0–100"),
    (ROW.replace(",85,", ",-1,"), "列 assessment_score(日常考核得分):-1 不能为负数"),
    (ROW.replace(",100,", ",100.5,", 1), "列 consultations(咨询人数):100.5 应为整数"),
])
def test_a_bad_figure_is_refused_naming_column_and_row(cli, tmp_path, row, says):
    path = write(tmp_path, f"{HEADER}\n{ROW.replace('zhangsan', 'ok')}\n{row}\n")
    result = cli("calc", path)
    assert result.exit_code != 0 and result.stdout == ""
    assert f"m.csv 第 3 行 {says}" in result.stderr


def test_every_error_is_reported_at_once(cli, tmp_path):
    path = write(tmp_path, f"{HEADER}\n{ROW.replace('9000', 'x')}\n"
                           f"{ROW.replace('zhangsan', 'lisi').replace(',85,', ',101,')}\n")
    result = cli("calc", path)
    assert result.exit_code != 0
    assert "第 2 行 列 sales_actual" in result.stderr
    assert "第 3 行 列 assessment_score" in result.stderr


def test_a_zero_denominator_warns_on_stderr_and_still_computes(cli, tmp_path):
    idle = "lisi,0,10000,0,0,0,0,0,0,0,0,80,0,0"
    path = write(tmp_path, f"{HEADER}\n{ROW}\n{idle}\n")
    result = cli("calc", path)
    assert result.exit_code == 0, result.output
    warnings = result.stderr.splitlines()
    assert len(warnings) == 5
    assert all(w.startswith("警告:m.csv 第 3 行(客服 lisi):") for w in warnings)
    assert "咨询转化率:咨询人数(consultations)为 0" in warnings[0]
    assert "IM回复率:接待人数(customers_received)为 0" in warnings[3]
    assert "IM响应时间:接待人数(customers_received)为 0" in warnings[4]
    sheets = json.loads(result.stdout, parse_float=D)
    # No customers: conversion, order success, AOV, reply rate and response time 0;
    # execution 80 → 24.
    assert sheets[1]["points"]["response_time"] == 0 and sheets[1]["kpi"] == 24
    assert sheets[0] == EXPECTED[0]


def test_it_needs_no_reachable_database(tmp_path):
    app = make_app("postgresql+psycopg://nobody:secret@127.0.0.1:9/none")
    result = app.test_cli_runner().invoke(args=["kpi", "calc", str(FIXTURES / "agents.csv")])
    assert result.exit_code == 0, result.output
    assert len(json.loads(result.stdout)) == 5


def test_an_unknown_format_and_a_missing_file_are_refused(cli, tmp_path):
    assert cli("calc", FIXTURES / "agents.csv", "--format", "xml").exit_code != 0
    missing = cli("calc", tmp_path / "nope.csv")
    assert missing.exit_code != 0 and "nope.csv" in missing.stderr
    other = write(tmp_path, "agent\n", name="m.txt")
    result = cli("calc", other)
    assert result.exit_code != 0 and "m.txt:无法识别的文件格式" in result.stderr


@pytest.mark.parametrize("args", [
    ("import", FIXTURES / "agents.csv", "--month", "2026-13"),
    ("import", FIXTURES / "agents.csv", "--month", "202611"),
    ("export", "--month", "2026-1"),
])
def test_a_malformed_month_is_a_usage_error(cli, args):
    result = cli(*args)
    assert result.exit_code == 2 and "YYYY-MM" in result.stderr


def test_the_csv_output_reads_back_as_csv(cli):
    out = cli("calc", FIXTURES / "agents.csv", "--format", "csv").stdout
    rows = list(csv.DictReader(io.StringIO(out)))
    assert [r["agent"] for r in rows] == [e["agent"] for e in EXPECTED]
    assert all(D(r["kpi"]) == e["kpi"] for r, e in zip(rows, EXPECTED, strict=True))
