"""The KPI pages through the app: the team sheet, the import, the rule versions, the agent's
own sheet."""

import io
import re
from decimal import Decimal

import pytest
from sqlalchemy import func, select

from tests.conftest import login
from tests.kpi.test_service import (  # noqa: F401
    GOOD,
    POOR,
    agents,
    deduct,
    metrics_csv,
    publish,
)
from trainer.accounts.roles import Role
from trainer.assessment.models import AuditEvent
from trainer.extensions import db
from trainer.kpi import service
from trainer.kpi.models import KpiRuleSet, MonthlyMetrics
from trainer.kpi.rules import DEFAULT_RULES
from trainer.kpi.sheetfile import COLUMNS


@pytest.fixture
def manager(client, make_user):
    user = make_user(Role.MANAGER, username="boss")
    login(client, user.username)
    return user


@pytest.fixture
def october(agents):  # noqa: F811
    service.import_metrics(metrics_csv(("zhang", GOOD), ("li", POOR)), "m.csv", "2026-10")
    return agents


def field_value(html: str, name: str) -> str | None:
    tag = re.search(rf'<input[^>]*name="{name}"[^>]*>', html)
    value = re.search(r'value="([^"]*)"', tag[0]) if tag else None
    return value[1] if value else None


def upload(client, data: bytes, filename: str, month: str = "2026-10"):
    return client.post("/kpi/import", data={"month": month, "file": (io.BytesIO(data), filename)},
                       content_type="multipart/form-data")


def test_the_department_sheet(client, manager, october):
    page = client.get("/kpi?month=2026-10")
    assert page.status_code == 200
    text = page.text
    assert "KPI 考核表 · 2026-10" in text and 'data-month-state="draft"' in text
    assert "张三" in text and "李四" in text and "王五" in text
    assert 'data-kpi>94<' in text and 'data-kpi>24<' in text
    assert 'data-grade-bar="senior"' in text and 'data-grade-bar="none"' in text
    assert "未导入指标" in text
    assert "/kpi/export?month=2026-10&amp;format=xlsx" in text
    assert "导入指标" in text


def test_the_sheet_shows_a_published_month_and_the_elimination_warning(client, manager, agents):  # noqa: F811,E501
    for month in ("2026-08", "2026-09", "2026-10"):
        service.import_metrics(metrics_csv(("li", POOR)), "m.csv", month)
    publish("2026-10")
    text = client.get("/kpi?month=2026-10").text
    assert 'data-month-state="published"' in text
    assert "连续 3 个月 KPI 低于 70,淘汰预警" in text and "淘汰预警 1 人" in text


def test_a_lead_sees_only_their_team(client, make_user, october, teams):  # noqa: F811
    lead = make_user(Role.LEAD, team=teams[0])
    login(client, lead.username)
    text = client.get("/kpi?month=2026-10").text
    assert "张三" in text and "李四" in text and "王五" not in text
    assert "/kpi/import" not in text and 'name="team"' not in text
    export = client.get("/kpi/export?month=2026-10&format=csv")
    assert export.status_code == 200 and "王五" not in export.data.decode("utf-8-sig")
    assert "张三" in export.data.decode("utf-8-sig")


def test_a_manager_filters_by_team(client, manager, october, teams):  # noqa: F811
    text = client.get(f"/kpi?month=2026-10&team={teams[1].id}").text
    assert "王五" in text and "张三" not in text
    assert f"/kpi/export?month=2026-10&amp;format=csv&amp;team={teams[1].id}" in text
    export = client.get(f"/kpi/export?month=2026-10&format=csv&team={teams[1].id}")
    names = [line.split(",")[1] for line in export.data.decode("utf-8-sig").splitlines()[1:]]
    assert names == ["王五"]


def test_the_import_page_explains_the_columns(client, manager):
    page = client.get("/kpi/import")
    assert page.status_code == 200
    for column in COLUMNS:
        if column.name != "assessment_score":
            assert f"<code>{column.name}</code>" in page.text
    assert "<code>assessment_score</code>" not in page.text
    xlsx = client.get("/kpi/import/template?format=xlsx")
    assert xlsx.status_code == 200 and xlsx.data.startswith(b"PK")
    csv_template = client.get("/kpi/import/template?format=csv")
    assert csv_template.data.decode("utf-8-sig").startswith("agent,sales_actual")


def test_a_bad_file_lists_its_lines_and_keeps_nothing(client, manager, agents):  # noqa: F811
    data = metrics_csv(("zhang", GOOD), ("ghost", GOOD), ("li", {**GOOD, "consultations": "x"}))
    page = upload(client, data, "october.csv")
    assert page.status_code == 200
    assert "整个文件未导入" in page.text
    assert "october.csv 第 3 行 列 agent(客服账号):ghost" not in page.text  # parse errors first
    assert "october.csv 第 4 行 列 consultations(咨询人数):“x”不是数字" in page.text
    assert field_value(page.text, "month") == "2026-10"
    assert db.session.scalar(select(func.count(MonthlyMetrics.id))) == 0
    unknown = upload(client, metrics_csv(("zhang", GOOD), ("ghost", GOOD)), "october.csv")
    assert "october.csv 第 3 行 列 agent(客服账号):ghost 不是系统中的在职客服" in unknown.text
    assert db.session.scalar(select(func.count(MonthlyMetrics.id))) == 0


def test_a_good_file_is_imported_and_summarized(client, manager, agents):  # noqa: F811
    response = upload(client, metrics_csv(("zhang", GOOD), ("li", POOR)), "october.csv")
    assert response.status_code == 302 and response.location.endswith("/kpi?month=2026-10")
    page = client.get(response.location)
    assert "已导入 2026-10 的指标(october.csv):新增 2 人,更新 0 人,未变 0 人。" in page.text
    assert db.session.scalar(select(func.count(MonthlyMetrics.id))) == 2


def test_a_published_month_refuses_the_upload(client, manager, agents):  # noqa: F811
    publish("2026-10")
    page = upload(client, metrics_csv(("zhang", GOOD)), "october.csv")
    assert page.status_code == 200 and "2026-10 已发布,指标不能再导入或修改" in page.text
    assert db.session.scalar(select(func.count(MonthlyMetrics.id))) == 0


# Rules -----------------------------------------------------------------------------------

def rules_form(**changes) -> dict:
    data = {"effective_from": "2030-01", "note": "调整", "execution_weight": "30",
            "bonus_pool": "300", "bonus_floor": "70", "promotion_factor": "0.5"}
    for indicator in DEFAULT_RULES.indicators:
        data[f"weight_{indicator.key}"] = str(indicator.weight)
        data[f"tiers_{indicator.key}"] = ", ".join(f"{t.bound}:{t.points}"
                                                   for t in indicator.tiers)
    for index, band in enumerate(DEFAULT_RULES.commission):
        data[f"band{index}_floor"] = str(band.floor)
        data[f"band{index}_rate"] = str(band.rate * 100)
        if band.inclusive:
            data[f"band{index}_inclusive"] = "y"
    return {**data, **changes}


def test_the_rules_page_shows_the_versions_and_a_prefilled_form(client, manager):
    service.ensure_default_rules()
    page = client.get("/kpi/rules")
    assert page.status_code == 200
    assert 'data-version="2000-01"' in page.text and "≥100% → 100" in page.text
    assert "≤25秒 → 100" in page.text and "KPI &gt; 95 为 3%" in page.text
    assert field_value(page.text, "tiers_completion") == (
        "100:100, 90:85, 80:70, 70:55, 60:40, 50:25, 40:10")
    assert field_value(page.text, "weight_response_time") == "22"
    assert field_value(page.text, "band1_rate") == "2"


def test_a_lead_may_read_the_rules_but_not_change_them(client, make_user):
    login(client, make_user(Role.LEAD).username)
    page = client.get("/kpi/rules")
    assert page.status_code == 200 and "≥50% → 100" in page.text
    assert "data-rules-form" not in page.text
    assert client.post("/kpi/rules", data=rules_form()).status_code == 403


def test_a_valid_version_is_saved(client, manager):
    response = client.post("/kpi/rules", data=rules_form(
        execution_weight="25", weight_followup="27", bonus_pool="400",
        tiers_response_time="20:100, 30:80"))
    assert response.status_code == 302
    row = db.session.scalars(select(KpiRuleSet).where(KpiRuleSet.effective_from == "2030-01")
                             ).one()
    _row, rules = service.rules_for("2030-01")
    assert rules.execution_weight == Decimal(25) and rules.bonus_pool == Decimal(400)
    assert [(t.bound, t.points) for t in rules.indicators[5].tiers] == [(20, 100), (30, 80)]
    assert rules.commission == DEFAULT_RULES.commission
    assert row.created_by_id == manager.id and row.note == "调整"
    assert db.session.scalar(select(func.count(AuditEvent.id))
                             .where(AuditEvent.action == "kpi.rules")) == 1


def test_an_invalid_version_keeps_the_input(client, manager):
    page = client.post("/kpi/rules", data=rules_form(execution_weight="35",
                                                     tiers_conversion="50:100, 四十五:80"))
    assert page.status_code == 200
    assert "“四十五:80”应写作 分数线:得分" in page.text
    assert field_value(page.text, "tiers_conversion") == "50:100, 四十五:80"
    assert field_value(page.text, "execution_weight") == "35"
    weights = client.post("/kpi/rules", data=rules_form(execution_weight="35"))
    assert "各项权重(含执行力)之和应为 100%,现为 105%" in weights.text
    assert field_value(weights.text, "execution_weight") == "35"
    assert db.session.scalar(select(func.count(KpiRuleSet.id))) == 0


def test_a_version_in_a_published_month_is_refused_on_the_page(client, manager):
    publish("2030-01")
    page = client.post("/kpi/rules", data=rules_form())
    assert "2030-01 及之前的月份已发布" in page.text
    assert field_value(page.text, "effective_from") == "2030-01"


# The agent's own sheet --------------------------------------------------------------------

def test_an_agent_sees_nothing_before_publication(client, october):
    login(client, october[0].username)
    page = client.get("/me/kpi?month=2026-10")
    assert page.status_code == 200 and "2026-10 的考核尚未发布" in page.text
    assert "data-kpi" not in page.text


def test_an_agent_sees_their_own_published_sheet_with_the_working(app, client, october):
    zhang = october[0]
    deduct(zhang, "2026-10", -5)
    publish("2026-10")
    login(client, zhang.username)
    text = client.get("/me/kpi").text
    assert 'data-kpi>92.5<' in text
    assert "付款人数 48 ÷ 下单人数 50 = 96%,达到 ≥95% 档,得 100 分" in text
    assert '<span class="badge text-bg-primary">≥95%→100</span>' in text
    assert 'href="/me/assessment?month=2026-10"' in text and ">75 分</a>" in text
    assert "400.00 元" in text and "李四" not in text
    other = app.test_client()
    login(other, october[1].username)
    assert 'data-kpi>24<' in other.get("/me/kpi?month=2026-10").text


def test_the_first_month_and_the_promotion_are_explained(client, make_user):
    from datetime import date

    newcomer = make_user(Role.AGENT, username="new", joined_on=date(2026, 10, 8))
    service.import_metrics(metrics_csv(("new", {**GOOD, "promotion": "是"})), "m.csv", "2026-10")
    publish("2026-10")
    login(client, newcomer.username)
    text = client.get("/me/kpi").text
    assert "data-first-month" in text and "大促期间,按规则比例 × 0.5" in text
    assert "200.00 元" in text
