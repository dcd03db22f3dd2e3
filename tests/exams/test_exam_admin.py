"""Managers set monthly exams and edit blueprints (/manage/exams, /manage/blueprints)."""

import re
from datetime import datetime

import pytest
from sqlalchemy import select

from tests.accounts.test_auth import token
from tests.conftest import login, make_app
from tests.exams.test_exam_flow import make_exam
from trainer.accounts.models import Team
from trainer.accounts.roles import Role
from trainer.assessment.models import AuditEvent
from trainer.clock import local_now
from trainer.exams import service
from trainer.exams.blueprint import Blueprint, Quota
from trainer.exams.models import KIND_MONTHLY, Exam, ExamBlueprint
from trainer.extensions import db
from trainer.questions.bank import CATEGORIES, DIFFICULTIES, TYPES


@pytest.fixture
def manager(make_user):
    return make_user(Role.MANAGER)


@pytest.fixture
def manager_client(client, manager):
    login(client, manager.username)
    return client


def store_blueprint(name: str, quotas, points=None) -> ExamBlueprint:
    blueprint = Blueprint(tuple(quotas), **({"points": points} if points else {}), name=name)
    row = ExamBlueprint(name=name, spec=blueprint.to_json())
    db.session.add(row)
    db.session.commit()
    return row


def exam_form(**fields) -> dict:
    """What the create form sends with its defaults untouched."""
    return {"month": "2026-12", "title": "", "opens_at": "", "closes_at": "",
            "duration_minutes": "60", "pass_mark": "60",
            "blueprint_id": str(service.default_blueprint().id), "audience": "all",
            "attempts_allowed": "1", "review_policy": "after_close", **fields}


def monthly_exams() -> list[Exam]:
    return db.session.scalars(select(Exam).where(Exam.kind == KIND_MONTHLY)).all()


def only_exam() -> Exam:
    [exam] = monthly_exams()
    return exam


def stored(name: str) -> ExamBlueprint | None:
    return db.session.scalar(select(ExamBlueprint).where(ExamBlueprint.name == name))


def audits(action: str) -> list[AuditEvent]:
    return db.session.scalars(select(AuditEvent).where(AuditEvent.action == action)
                              .order_by(AuditEvent.id)).all()


# Exams ----------------------------------------------------------------------------------

def test_manager_schedules_an_exam_in_local_time(manager_client, manager, bank):
    north, south, _west = (Team(name=n) for n in ("北区", "南区", "西区"))
    db.session.add_all([north, south, _west])
    row = store_blueprint("促销月考", [Quota(3, "promotions", 1), Quota(2, "sales", 2)],
                          points=(("single", 3.0),))
    db.session.commit()
    page = manager_client.get("/manage/exams").text
    assert "创建月度考试" in page and "促销月考(5 题)" in page
    response = manager_client.post("/manage/exams", data=exam_form(
        title="十二月考试", opens_at="2026-12-20T09:00", closes_at="2026-12-25T18:00",
        duration_minutes="45", pass_mark="70", blueprint_id=str(row.id), audience="teams",
        teams=[str(north.id), str(south.id)], attempts_allowed="2",
        review_policy="immediate"))
    assert response.status_code == 302
    exam = only_exam()
    assert (exam.kind, exam.month, exam.title) == (KIND_MONTHLY, "2026-12", "十二月考试")
    # Asia/Shanghai is UTC+8: times are typed locally and stored as naive UTC.
    assert exam.opens_at == datetime(2026, 12, 20, 1, 0)
    assert exam.closes_at == datetime(2026, 12, 25, 10, 0)
    assert (exam.duration_minutes, exam.pass_mark, exam.attempts_allowed) == (45, 70, 2)
    assert exam.review_policy == "immediate"
    assert exam.audience == "teams" and [t.name for t in exam.teams] == ["北区", "南区"]
    assert exam.blueprint == row.spec  # a copy: the exam keeps it whatever the row becomes
    assert exam.created_by_id == manager.id
    assert audits("exam.created")[0].actor_id == manager.id
    listing = manager_client.get("/manage/exams").text
    assert "2026-12-20 09:00" in listing and "2026-12-25 18:00" in listing
    assert "北区、南区" in listing and "促销月考" in listing and "未开始" in listing


def test_the_form_offers_the_defaults_and_blank_fields_take_the_month(manager_client, bank):
    page = manager_client.get("/manage/exams").text
    assert f'value="{local_now():%Y-%m}"' in page
    for name, value in (("duration_minutes", "60"), ("pass_mark", "60"),
                        ("attempts_allowed", "1")):
        assert re.search(rf'name="{name}"[^>]*value="{value}"', page), name
    assert re.search(r'<option selected value="\d+">' + re.escape("标准月考(50 题)"), page)
    assert re.search(r'checked[^>]*value="all"|value="all"[^>]*checked', page)
    assert manager_client.post("/manage/exams", data=exam_form()).status_code == 302
    exam = only_exam()
    assert exam.title == "2026年12月 月度考试"
    assert exam.opens_at == datetime(2026, 11, 30, 16, 0)  # 2026-12-01 00:00 local
    assert exam.closes_at == datetime(2026, 12, 31, 16, 0)  # 2027-01-01 00:00 local
    assert (exam.duration_minutes, exam.pass_mark, exam.attempts_allowed) == (60, 60, 1)
    assert exam.audience == "all" and exam.teams == []
    assert exam.review_policy == "after_close"
    assert service.blueprint_of(exam).name == "标准月考" and service.blueprint_of(exam).size == 50


def test_exam_form_errors_keep_the_input(manager_client, bank):
    page = manager_client.post("/manage/exams", data=exam_form(
        month="2026-13", title="保留标题", opens_at="2026-12-20T09:00",
        closes_at="2026-12-19T09:00", duration_minutes="1", pass_mark="101",
        attempts_allowed="6")).text
    assert "格式为 YYYY-MM" in page and "截止时间必须晚于开放时间" in page
    assert "5–240" in page and "0–100" in page and "1–5" in page
    assert 'value="保留标题"' in page and 'value="2026-12-20T09:00"' in page
    assert monthly_exams() == []


@pytest.mark.parametrize(("opens", "closes", "refused"), [
    ("2026-12-31T23:59", "", False),  # the month's end is 2027-01-01 00:00, still later
    ("2027-01-01T00:00", "", True),
    ("", "2026-12-01T00:00", True),
    ("", "2026-12-01T00:01", False),
])
def test_a_blank_end_of_the_window_is_the_month_s(manager_client, bank, opens, closes, refused):
    response = manager_client.post("/manage/exams", data=exam_form(opens_at=opens,
                                                                   closes_at=closes))
    assert ("截止时间必须晚于开放时间" in response.text) is refused
    assert response.status_code == (200 if refused else 302)


def test_teams_audience_needs_a_team(manager_client, bank):
    team = Team(name="北区")
    db.session.add(team)
    db.session.commit()
    page = manager_client.post("/manage/exams", data=exam_form(audience="teams")).text
    assert "请至少选一个团队" in page and monthly_exams() == []
    # Teams picked while "all" is chosen are not kept: the exam is for everyone.
    manager_client.post("/manage/exams", data=exam_form(teams=[str(team.id)]))
    assert only_exam().audience == "all" and only_exam().teams == []


def test_creating_warns_when_the_month_s_pool_is_short(manager_client, bank):
    row = store_blueprint("难题月考", [Quota(40, "after_sales", 3)])
    response = manager_client.post("/manage/exams", data=exam_form(blueprint_id=str(row.id)),
                                   follow_redirects=True)
    assert "已创建考试" in response.text  # a warning, not a refusal
    assert "题库不足以按蓝图出卷" in response.text and "配额 40 道" in response.text
    assert only_exam().blueprint == row.spec


def test_editing_an_exam_without_papers_changes_everything_and_is_audited(
        manager_client, manager, bank):
    exam = make_exam(month="2026-11")
    other = store_blueprint("小测", [Quota(5, "sales", 1)])
    page = manager_client.get(f"/manage/exams/{exam.id}/edit").text
    assert "已生成试卷" not in page and 'name="month"' in page
    response = manager_client.post(f"/manage/exams/{exam.id}/edit", data=exam_form(
        month="2026-12", title="改过的标题", opens_at="2026-12-02T08:00",
        closes_at="2026-12-09T20:00", pass_mark="65", blueprint_id=str(other.id)))
    assert response.status_code == 302
    db.session.refresh(exam)
    assert (exam.month, exam.title, exam.pass_mark) == ("2026-12", "改过的标题", 65)
    assert exam.opens_at == datetime(2026, 12, 2, 0, 0)
    assert exam.blueprint == other.spec
    [event] = audits("exam.updated")
    assert event.actor_id == manager.id and event.target == f"exam:{exam.id}"
    assert event.detail["month"] == ["2026-11", "2026-12"]
    assert event.detail["pass_mark"] == [60, 65]
    assert event.detail["duration_minutes"] == [30, 60]
    assert event.detail["opens_at"][1] == "2026-12-02T00:00:00"
    assert event.detail["blueprint"][1]["name"] == "小测"
    assert "review_policy" not in event.detail  # unchanged settings are not listed


def test_keeping_the_blueprint_keeps_the_exam_s_snapshot(manager_client, bank):
    exam = make_exam(month="2026-11")
    snapshot = exam.blueprint
    data = exam_form(month="2026-11", blueprint_id="0")
    assert manager_client.post(f"/manage/exams/{exam.id}/edit", data=data).status_code == 302
    db.session.refresh(exam)
    assert exam.blueprint == snapshot


def test_once_papers_exist_month_and_blueprint_are_locked(manager_client, make_user, bank):
    exam = make_exam(month="2026-11")
    snapshot = exam.blueprint
    service.paper_for(exam, make_user(Role.AGENT))
    db.session.commit()
    other = store_blueprint("小测", [Quota(5, "sales", 1)])
    page = manager_client.get(f"/manage/exams/{exam.id}/edit").text
    assert "已生成试卷,蓝图和月份不可更改" in page
    assert re.search(r'id="month-shown" value="2026-11" disabled', page)
    assert 'name="month"' not in page and 'name="blueprint_id"' not in page
    response = manager_client.post(f"/manage/exams/{exam.id}/edit", data=exam_form(
        month="2026-12", blueprint_id=str(other.id), duration_minutes="90",
        opens_at="2026-11-01T08:00", closes_at="2026-11-30T20:00"))
    assert response.status_code == 302
    db.session.refresh(exam)
    assert exam.month == "2026-11" and exam.blueprint == snapshot
    assert exam.duration_minutes == 90
    [event] = audits("exam.updated")
    assert "month" not in event.detail and "blueprint" not in event.detail
    assert event.detail["duration_minutes"] == [30, 90]
    listing = manager_client.get("/manage/exams").text
    assert re.search(r"data-sitters>\s*1 / 0 / 0", listing)


def test_certification_exams_are_not_edited_here(manager_client, bank):
    exam = make_exam()
    exam.kind = "certification"
    db.session.commit()
    assert manager_client.get(f"/manage/exams/{exam.id}/edit").status_code == 404
    assert manager_client.get("/manage/exams/999/edit").status_code == 404


# Blueprints -----------------------------------------------------------------------------

def grid(counts: dict | None = None, **fields) -> dict:
    """A blueprint form: every cell 0 unless `counts` ({(category, difficulty): n}) says."""
    data = {f"n_{c}_{d}": "0" for c in CATEGORIES for d in DIFFICULTIES}
    data.update({f"n_{c}_{d}": str(n) for (c, d), n in (counts or {}).items()})
    data.update({f"p_{t}": "2" for t in TYPES})
    return {"name": "新蓝图", "month": "2026-11", **data, **fields}


def test_manager_creates_a_blueprint_from_the_grid(manager_client, manager, bank):
    page = manager_client.get("/manage/blueprints/new").text
    assert page.count('type="number"') == len(CATEGORIES) * 3 + len(TYPES)
    assert "易" in page and "难" in page and CATEGORIES["after_sales"] in page
    response = manager_client.post("/manage/blueprints/new", data=grid(
        {("sales", 1): 4, ("sales", 2): 3, ("rules", 3): 2}, p_multiple="4"))
    assert response.status_code == 302
    row = stored("新蓝图")
    assert response.location == f"/manage/blueprints/{row.id}/edit?month=2026-11"
    blueprint = Blueprint.from_json(row.spec)
    assert set(blueprint.quotas) == {Quota(4, "sales", 1), Quota(3, "sales", 2),
                                     Quota(2, "rules", 3)}
    assert blueprint.points_for("multiple") == 4 and blueprint.points_for("single") == 2
    assert row.updated_by_id == manager.id
    assert audits("blueprint.created")[0].detail == row.spec
    page = manager_client.get(response.location).text
    assert "修改蓝图不影响已创建的考试" in page
    assert re.search(r'<tr data-row="sales">.*?data-row-total>7<', page, re.S)
    assert re.search(r'data-col-total="3">2<', page) and re.search(r"data-total>9<", page)
    listing = manager_client.get("/manage/blueprints").text
    assert re.search(r'data-blueprint="新蓝图">.*?<td class="text-end">9</td>', listing, re.S)


def test_a_duplicate_name_is_refused_with_the_input_kept(manager_client, bank):
    store_blueprint("大促月考", [Quota(1, "sales", 1)])
    page = manager_client.post("/manage/blueprints/new", data=grid(
        {("product", 2): 7}, name="大促月考")).text
    assert "已有名为「大促月考」的蓝图" in page
    assert re.search(r'name="n_product_2"[^>]*value="7"', page)
    assert re.search(r'name="name"[^>]*value="大促月考"', page)
    assert stored("新蓝图") is None


def test_validation_errors_refuse_the_blueprint(manager_client, bank):
    page = manager_client.post("/manage/blueprints/new", data=grid(p_fill="0")).text
    assert "题目总数必须大于 0" in page and "填空题:分值必须大于 0" in page
    page = manager_client.post("/manage/blueprints/new", data=grid(
        {("sales", 1): 2}, n_rules_1="-1", name="")).text
    assert "请输入名称" in page and "每格 0–500 道" in page
    assert stored("新蓝图") is None


def test_a_cell_larger_than_its_pool_is_flagged_but_saved(manager_client, bank):
    response = manager_client.post("/manage/blueprints/new", data=grid(
        {("after_sales", 3): 40, ("sales", 1): 1}), follow_redirects=True)
    page = response.text
    assert "已保存蓝图「新蓝图」,共 41 题" in page
    assert re.search(r'data-cell="after_sales-3" data-level="short"', page)
    assert "table-danger" in page and "配额 40 道,无法出卷" in page
    row = stored("新蓝图")
    assert Quota(40, "after_sales", 3) in Blueprint.from_json(row.spec).quotas
    listing = manager_client.get("/manage/blueprints").text
    assert re.search(r'data-blueprint="新蓝图">.*?data-short="1"', listing, re.S)


def test_exposure_is_flagged_from_the_boundary(manager_client, bank):
    """A pool of at least three times the quota lets papers avoid the last two months."""
    pool = len({c.question_id for c in service.candidates("2026-11", written=True)
                if (c.category, c.difficulty) == ("sales", 3)})
    fits = pool // 3
    page = manager_client.post("/manage/blueprints/new", data=grid(
        {("sales", 3): fits}, check="1")).text
    assert re.search(r'data-cell="sales-3" data-level="ok"', page)
    assert f"库 {pool}" in page
    page = manager_client.post("/manage/blueprints/new", data=grid(
        {("sales", 3): fits + 1}, check="1")).text
    assert re.search(r'data-cell="sales-3" data-level="exposure"', page)
    assert "无法避开前 2 个月考过的题" in page
    assert stored("新蓝图") is None  # only checked


def test_editing_a_blueprint_leaves_existing_exams_alone(manager_client, bank):
    row = store_blueprint("小测", [Quota(5, "sales", 1)])
    exam = make_exam(blueprint=row.spec)
    snapshot = dict(exam.blueprint)
    page = manager_client.get(f"/manage/blueprints/{row.id}/edit?month=2026-10").text
    assert re.search(r'name="n_sales_1"[^>]*value="5"', page) and 'value="2026-10"' in page
    response = manager_client.post(f"/manage/blueprints/{row.id}/edit", data=grid(
        {("sales", 1): 6}, name="小测二"))
    assert response.status_code == 302
    db.session.refresh(row)
    db.session.refresh(exam)
    assert row.name == "小测二" and Blueprint.from_json(row.spec).size == 6
    assert exam.blueprint == snapshot
    assert audits("blueprint.updated")[0].detail["name"] == "小测二"


def test_the_standard_blueprint_can_be_edited_but_not_renamed_or_deleted(manager_client, bank):
    manager_client.get("/manage/blueprints")
    standard = service.default_blueprint()
    page = manager_client.get(f"/manage/blueprints/{standard.id}/edit").text
    assert 'id="name-shown" value="标准月考" disabled' in page
    assert re.search(r'name="n_rules_1"[^>]*value="3"', page)
    response = manager_client.post(f"/manage/blueprints/{standard.id}/edit",
                                   data=grid({("rules", 1): 10}, name="改名"))
    assert response.status_code == 302
    db.session.refresh(standard)
    assert standard.name == "标准月考" and Blueprint.from_json(standard.spec).size == 10
    response = manager_client.post(f"/manage/blueprints/{standard.id}/delete",
                                   follow_redirects=True)
    assert "可以修改但不能删除" in response.text
    assert db.session.get(ExamBlueprint, standard.id) is not None
    assert f"/manage/blueprints/{standard.id}/delete" not in response.text


def test_other_blueprints_can_be_deleted_and_exams_keep_their_copy(manager_client, bank):
    row = store_blueprint("小测", [Quota(5, "sales", 1)])
    exam = make_exam(blueprint=row.spec)
    listing = manager_client.get("/manage/blueprints").text
    delete = f"/manage/blueprints/{row.id}/delete"
    assert delete in listing and "confirm(" in listing
    manager_client.post(delete)
    assert stored("小测") is None
    db.session.refresh(exam)
    assert service.blueprint_of(exam).name == "小测"
    assert audits("blueprint.deleted")[0].detail["name"] == "小测"
    assert manager_client.post(delete).status_code == 404


def test_a_new_blueprint_may_start_as_a_copy(manager_client, bank):
    row = store_blueprint("小测", [Quota(5, "sales", 1)])
    page = manager_client.get(f"/manage/blueprints/new?copy={row.id}").text
    assert re.search(r'name="n_sales_1"[^>]*value="5"', page)
    assert re.search(r'name="name"[^>]*value=""', page)


# Access and CSRF ------------------------------------------------------------------------

def admin_paths(exam_id: int, blueprint_id: int) -> list[tuple[str, str]]:
    return [("GET", "/manage/exams"), ("POST", "/manage/exams"),
            ("GET", f"/manage/exams/{exam_id}/edit"), ("POST", f"/manage/exams/{exam_id}/edit"),
            ("GET", "/manage/blueprints"), ("GET", "/manage/blueprints/new"),
            ("POST", "/manage/blueprints/new"),
            ("GET", f"/manage/blueprints/{blueprint_id}/edit"),
            ("POST", f"/manage/blueprints/{blueprint_id}/edit"),
            ("POST", f"/manage/blueprints/{blueprint_id}/delete")]


def test_only_managers_and_admins_reach_the_pages(app, make_user, bank):
    exam = make_exam()
    row = store_blueprint("小测", [Quota(5, "sales", 1)])
    team = Team(name="北区")
    db.session.add(team)
    db.session.commit()
    paths = admin_paths(exam.id, row.id)
    for role in (Role.AGENT, Role.LEAD):
        client = app.test_client()
        login(client, make_user(role, team=team).username)
        for method, path in paths:
            assert client.open(path, method=method).status_code == 403, (role, method, path)
    for method, path in paths:
        response = app.test_client().open(path, method=method)
        assert response.status_code == 302 and response.location.startswith("/login?next=")
    client = app.test_client()
    login(client, make_user(Role.ADMIN).username)
    assert client.get("/manage/exams").status_code == 200
    assert client.get(f"/manage/blueprints/{row.id}/edit").status_code == 200


@pytest.fixture
def csrf_client(backend_url, make_user):
    from tests.conftest import PASSWORD

    app = make_app(backend_url, WTF_CSRF_ENABLED=True)
    client = app.test_client()
    user = make_user(Role.MANAGER)
    client.post("/login", data={"username": user.username, "password": PASSWORD,
                                "csrf_token": token(client.get("/login").text)})
    return client


def test_every_form_carries_a_csrf_token(csrf_client, bank):
    exam = make_exam()
    row = store_blueprint("小测", [Quota(5, "sales", 1)])
    for path in ("/manage/exams", f"/manage/exams/{exam.id}/edit", "/manage/blueprints/new",
                 f"/manage/blueprints/{row.id}/edit", "/manage/blueprints"):
        page = csrf_client.get(path).text
        forms = re.findall(r'<form method="post".*?</form>', page, re.S)
        assert forms, path
        for form in forms:
            assert 'name="csrf_token"' in form, path
    refused = csrf_client.post(f"/manage/blueprints/{row.id}/delete")
    assert refused.status_code == 400 and stored("小测") is not None
    page = csrf_client.get("/manage/blueprints").text
    accepted = csrf_client.post(f"/manage/blueprints/{row.id}/delete",
                                data={"csrf_token": re.search(
                                    r'name="csrf_token" value="([^"]+)"', page).group(1)})
    assert accepted.status_code == 302 and stored("小测") is None
