"""The month's sheet exported as CSV and XLSX, and the `kpi import` / `kpi export` commands."""

import csv
import io
from decimal import Decimal

import pytest
from openpyxl import load_workbook
from sqlalchemy import select

from tests.kpi.test_service import GOOD, POOR, agents, metrics_csv, publish  # noqa: F401
from trainer.accounts.roles import Role
from trainer.extensions import db
from trainer.kpi import service
from trainer.kpi.models import MonthlyMetrics

HEADER = ["客服账号", "姓名", "团队",
          "指标完成率(%)", "指标完成率得分", "咨询转化率(%)", "咨询转化率得分",
          "下单成功率(%)", "下单成功率得分", "客单价(元)", "客单价得分",
          "IM回复率(%)", "IM回复率得分", "IM响应时间(秒)", "IM响应时间得分",
          "协助跟进服务(元)", "协助跟进服务得分",
          "执行力", "KPI", "等级", "绩效奖金", "提成比例", "提成金额", "预警"]


@pytest.fixture
def october(agents):  # noqa: F811
    service.import_metrics(
        metrics_csv(("zhang", {**GOOD, "promotion": "1"}), ("li", POOR)), "m.csv", "2026-10")
    return agents


def read_csv(data: bytes) -> list[list[str]]:
    assert data.startswith(b"\xef\xbb\xbf")  # Excel shows the Chinese only with the BOM
    return list(csv.reader(io.StringIO(data.decode("utf-8-sig"))))


def test_the_csv_export_holds_every_agent_with_figures(october):
    rows = read_csv(service.export_month("2026-10", "csv"))
    assert rows[0] == HEADER
    by_agent = {row[0]: dict(zip(HEADER, row, strict=True)) for row in rows[1:]}
    assert set(by_agent) == {"zhang", "li", "wang"}
    zhang = by_agent["zhang"]
    assert (zhang["姓名"], zhang["团队"]) == ("张三", "北区")
    assert zhang["下单成功率(%)"] == "96" and zhang["下单成功率得分"] == "100"
    assert zhang["IM响应时间(秒)"] == "25" and zhang["执行力"] == "80"
    assert (zhang["KPI"], zhang["等级"], zhang["绩效奖金"]) == ("94", "高级", "282.00")
    assert (zhang["提成比例"], zhang["提成金额"]) == ("1%", "200.00")  # 2 %, halved: promotion
    assert by_agent["li"]["KPI"] == "24" and by_agent["li"]["等级"] == "不评级"
    wang = by_agent["wang"]
    assert wang["KPI"] == "" and wang["执行力"] == "80" and wang["预警"] == "未导入指标"


def test_the_xlsx_export_holds_the_same_values(october):
    from_csv = read_csv(service.export_month("2026-10", "csv"))
    book = load_workbook(io.BytesIO(service.export_month("2026-10", "xlsx")))
    sheet = book.active
    assert sheet.freeze_panes == "A2" and sheet["A1"].font.b
    cells = [list(row) for row in sheet.iter_rows(values_only=True)]
    assert [str(v) for v in cells[0]] == HEADER
    assert len(cells) == len(from_csv)
    zhang = dict(zip(HEADER, next(r for r in cells if r[0] == "zhang"), strict=True))
    assert Decimal(str(zhang["KPI"])) == Decimal(94)
    assert Decimal(str(zhang["提成比例"])) == Decimal("0.01")
    assert Decimal(str(zhang["提成金额"])) == Decimal(200)
    assert sheet.cell(2, HEADER.index("提成比例") + 1).number_format == "0.0%"
    assert sheet.cell(2, HEADER.index("绩效奖金") + 1).number_format == "#,##0.00"


def test_an_export_is_limited_to_the_viewers_team(october, teams, make_user):  # noqa: F811
    lead = make_user(Role.LEAD, team=teams[1])
    rows = read_csv(service.export_month("2026-10", "csv", viewer=lead))
    assert [row[0] for row in rows[1:]] == ["wang"]


def invoke(app, *args):
    db.session.commit()
    return app.test_cli_runner().invoke(args=list(args))


def test_the_import_command(app, agents, tmp_path):  # noqa: F811
    path = tmp_path / "october.csv"
    path.write_bytes(metrics_csv(("zhang", GOOD), ("li", POOR)))
    result = invoke(app, "kpi", "import", str(path), "--month", "2026-10")
    assert result.exit_code == 0, result.output
    assert "新增 2 人,更新 0 人,未变 0 人" in result.output
    db.session.expire_all()
    assert len(db.session.scalars(select(MonthlyMetrics)).all()) == 2

    path.write_bytes(metrics_csv(("zhang", GOOD), ("nobody", GOOD)))
    refused = invoke(app, "kpi", "import", str(path), "--month", "2026-10")
    assert refused.exit_code != 0 and "october.csv 第 3 行" in refused.output

    publish("2026-10")
    locked = invoke(app, "kpi", "import", str(path), "--month", "2026-10")
    assert locked.exit_code != 0 and "已发布" in locked.output


def test_the_export_command(app, october, tmp_path):
    target = tmp_path / "out.xlsx"
    result = invoke(app, "kpi", "export", "--month", "2026-10", "--format", "xlsx",
                    "--output", str(target))
    assert result.exit_code == 0, result.output
    sheet = load_workbook(target).active
    assert sorted(row[0] for row in sheet.iter_rows(min_row=2, values_only=True)) == [
        "li", "wang", "zhang"]
    csv_target = tmp_path / "out.csv"
    invoke(app, "kpi", "export", "--month", "2026-10", "--output", str(csv_target))
    assert read_csv(csv_target.read_bytes())[0] == HEADER
