"""The bank's pages for managers: browse, preview, edit as a new version, retire, upload with a
preview, template and export."""

from datetime import timedelta
from io import BytesIO

import pytest
from openpyxl import load_workbook
from sqlalchemy import func, select

from tests.answers import displayed_key
from tests.conftest import login
from tests.exams.test_exam_flow import make_exam
from trainer.accounts.models import utcnow
from trainer.accounts.roles import Role
from trainer.assessment.models import AuditEvent
from trainer.exams.models import Attempt
from trainer.exams.service import candidates
from trainer.extensions import db
from trainer.questions.formats import parse
from trainer.questions.models import ImportBatch, Question, QuestionVersion

pytestmark = pytest.mark.usefixtures("small_content")


@pytest.fixture
def manager(make_user):
    return make_user(Role.MANAGER, display_name="王主管")


@pytest.fixture
def manager_client(client, manager):
    login(client, manager.username)
    return client


def question(key: str) -> Question:
    db.session.expire_all()
    return db.session.scalar(select(Question).where(Question.key == key))


def rows(page: str) -> list[str]:
    return [part.split('"', 1)[0] for part in page.split('data-question="')[1:]]


@pytest.mark.parametrize(("query", "expected"), [
    ("", None),
    ("?category=sales", [f"b-{n:03d}" for n in range(1, 16)]),
    ("?type=truefalse&category=etiquette", ["a-003", "a-006", "a-009"]),
    ("?type=fill", ["b-011"]),
    ("?difficulty=3&module=beta", ["b-003", "b-006", "b-009", "b-013", "b-015"]),
    ("?q=情景题", ["b-012", "b-015"]),
    ("?q=a-00", [f"a-00{n}" for n in range(1, 10)]),
    ("?category=bogus", None),  # an unknown value filters nothing
])
def test_the_bank_filters(manager_client, query, expected):
    page = manager_client.get(f"/manage/questions{query}").text
    found = rows(page)
    if expected is None:
        assert len(found) == 25 and "25 道" in page
    else:
        assert found == expected


def test_status_filter_and_pagination(app, manager_client, manager, monkeypatch):
    from trainer.questions import views

    retired, future = question("a-001"), question("a-002")
    retired.retired = True
    future.active_from = utcnow().date() + timedelta(days=40)
    db.session.commit()
    assert rows(manager_client.get("/manage/questions?status=retired").text) == ["a-001"]
    assert rows(manager_client.get("/manage/questions?status=scheduled").text) == ["a-002"]
    assert len(rows(manager_client.get("/manage/questions?status=active").text)) == 23
    monkeypatch.setattr(views, "PER_PAGE", 10)
    second = manager_client.get("/manage/questions?status=active&page=2").text
    assert len(rows(second)) == 10 and 'href="/manage/questions?page=3&amp;status=active"' in second


def test_the_preview_shows_the_question_as_an_agent_sees_it(manager_client):
    page = manager_client.get("/manage/questions/b-012").text
    assert "顾客</span><span class=\"chat-text\">乙课程讲什么?" in page
    assert 'name="q0"' in page and "A. 对的" in page
    assert "答案:<strong>A</strong>" in page and "解析 12" in page
    fill = manager_client.get("/manage/questions/b-011").text
    assert 'name="t0"' in fill and "可接受答案:<strong>乙 / 乙课程</strong>" in fill


def sit(client, agent, exam) -> Attempt:
    login(client, agent.username)
    attempt_id = int(client.post(f"/exams/{exam.id}/start").location.rsplit("/", 1)[1])
    attempt = db.session.get(Attempt, attempt_id)
    answers = {str(p): displayed_key(item) for p, item in enumerate(attempt.paper.items)}
    client.post(f"/attempts/{attempt.id}/answers", json={"answers": answers})
    client.post(f"/attempts/{attempt.id}/submit")
    return attempt


@pytest.fixture
def exam():
    return make_exam(utcnow().strftime("%Y-%m"),
                     blueprint=[{"count": 10, "category": "etiquette"}],
                     review_policy="immediate")


def test_editing_makes_a_new_version_and_old_attempts_keep_theirs(app, manager_client, manager,
                                                                  make_user, exam):
    agent = make_user(Role.AGENT)
    attempt = sit(app.test_client(), agent, exam)
    reply = manager_client.post("/manage/questions/a-001/edit", data={
        "category": "etiquette", "difficulty": "2", "stem": "alpha 单选题 1(改写)",
        "stem_format": "plain", "options": "对的\n错的一\n错的二\n错的三", "answer": "A",
        "explanation": "新的解析", "module": "alpha", "section": "one", "seed": "000 测试",
        "tags": "测试、改写", "scoring": "all_or_nothing", "note": "改写题干"})
    assert reply.status_code == 302
    edited = question("a-001")
    assert edited.current_version.number == 2 and edited.difficulty == 2
    assert edited.current_version.created_by_id == manager.id
    assert edited.current_version.note == "改写题干" and edited.tags == ["测试", "改写"]
    assert db.session.scalar(select(AuditEvent.action).where(
        AuditEvent.target == "question:a-001")) == "question.revised"
    agent_view = app.test_client()
    login(agent_view, agent.username)
    result = agent_view.get(f"/attempts/{attempt.id}/result").text
    assert "alpha 单选题 1</div>" in result and "改写" not in result
    history = manager_client.get("/manage/questions/a-001").text
    assert "第 2 版" in history and "第 1 版" in history and "王主管" in history
    old = manager_client.get("/manage/questions/a-001?version=1").text
    assert "历史版本" in old and "alpha 单选题 1(改写)" not in old


def test_usage_counts_graded_answers(app, manager_client, make_user, exam):
    for _ in range(2):
        sit(app.test_client(), make_user(Role.AGENT), exam)
    page = manager_client.get("/manage/questions/a-001").text
    assert "已评分考试中出现 2 次,答对 2 次(100%)" in page


def a_001_as_shipped(**changes) -> dict:
    """The editor's fields for a-001 as the fixture bank has it, with `changes`."""
    return {"category": "etiquette", "difficulty": "1", "stem": "alpha 单选题 1",
            "stem_format": "plain", "options": "对的\n错的一\n错的二\n错的三", "answer": "A",
            "explanation": "解析 1", "module": "alpha", "section": "one", "seed": "000 测试",
            "tags": "测试", "scoring": "all_or_nothing", **changes}


def test_a_classification_edit_keeps_the_version(manager_client):
    manager_client.post("/manage/questions/a-001/edit", data=a_001_as_shipped(section="two"))
    assert question("a-001").section == "two"
    assert question("a-001").current_version.number == 1


def test_a_new_difficulty_is_a_new_version(manager_client):
    manager_client.post("/manage/questions/a-001/edit", data=a_001_as_shipped(difficulty="3"))
    assert question("a-001").difficulty == 3
    assert question("a-001").current_version.number == 2


def test_a_form_error_keeps_what_was_typed(manager_client):
    before = db.session.scalar(select(func.count(QuestionVersion.id)))
    reply = manager_client.post("/manage/questions/a-001/edit", data={
        "category": "etiquette", "difficulty": "1", "stem": "我输入的新题干",
        "stem_format": "plain", "options": "甲\n乙", "answer": "D", "explanation": "我写的解析",
        "module": "alpha", "section": "one", "scoring": "all_or_nothing"})
    assert reply.status_code == 200
    assert "答案 &#39;D&#39; 不在选项 A–B 之内" in reply.text
    assert "我输入的新题干" in reply.text and "我写的解析" in reply.text
    assert db.session.scalar(select(func.count(QuestionVersion.id))) == before


def test_a_new_fill_in_question(manager_client):
    reply = manager_client.post("/manage/questions/new", data={
        "qtype": "fill", "category": "sales", "difficulty": "1",
        "stem": "七天无理由退货从签收次日____起算。", "stem_format": "plain",
        "answer": "零时\n0时\n0点", "explanation": "签收次日零时起算。", "module": "beta",
        "section": "only", "scoring": "all_or_nothing"})
    assert reply.status_code == 302
    key = reply.location.rsplit("/", 1)[1]
    created = question(key)
    assert key.startswith("sales-") and created.qtype == "fill"
    assert created.current_version.answer == ["零时", "0时", "0点"]


def test_a_taken_key_is_refused(manager_client):
    reply = manager_client.post("/manage/questions/new", data={
        "key": "a-001", "qtype": "truefalse", "category": "sales", "difficulty": "1",
        "stem": "题干", "stem_format": "plain", "answer": "正确", "module": "",
        "scoring": "all_or_nothing"})
    assert reply.status_code == 200 and "编号 a-001 已被使用" in reply.text


def test_retiring_removes_a_question_from_new_papers_only(manager_client):
    month = utcnow().strftime("%Y-%m")
    target = question("a-001")
    manager_client.post("/manage/questions/a-001/retire")
    assert question("a-001").retired
    assert target.id not in {c.question_id for c in candidates(month)}
    assert "已停用" in manager_client.get("/manage/questions/a-001").text
    manager_client.post("/manage/questions/a-001/restore")
    assert target.id in {c.question_id for c in candidates(month)}


AIKEN = "顾客问“在吗？”，客服应？\nA. 不回复\nB. 及时热情回应\nANSWER: B\n\n".encode()


def test_an_upload_is_previewed_then_imported_on_confirmation(manager_client):
    reply = manager_client.post("/manage/questions/import", data={
        "file": (BytesIO(AIKEN), "新题.txt"), "category": "sales"},
        content_type="multipart/form-data")
    assert reply.status_code == 302
    before = db.session.scalar(select(func.count(Question.id)))
    preview = manager_client.get(reply.location).text
    assert "道题将导入" in preview and "顾客问“在吗？”" in preview and "新增" in preview
    assert db.session.scalar(select(func.count(Question.id))) == before
    batch_id = int(reply.location.rsplit("/", 1)[1])
    confirmed = manager_client.post(f"/manage/questions/import/{batch_id}/confirm")
    assert confirmed.status_code == 302
    assert db.session.scalar(select(func.count(Question.id))) == before + 1
    assert db.session.get(ImportBatch, batch_id).imported_at is not None
    again = manager_client.post(f"/manage/questions/import/{batch_id}/confirm")
    assert again.status_code == 302
    assert db.session.scalar(select(func.count(Question.id))) == before + 1


def test_a_broken_upload_shows_its_errors_and_imports_nothing(manager_client):
    broken = AIKEN + "第二题\nA. 甲\nANSWER: Z\n".encode()
    reply = manager_client.post("/manage/questions/import", data={
        "file": (BytesIO(broken), "坏文件.txt"), "category": "sales"},
        content_type="multipart/form-data")
    preview = manager_client.get(reply.location).text
    assert "整个文件都不会导入" in preview and "坏文件.txt:8:" in preview
    assert "确认导入" not in preview
    before = db.session.scalar(select(func.count(Question.id)))
    manager_client.post(reply.location + "/confirm")
    assert db.session.scalar(select(func.count(Question.id))) == before


def test_an_upload_without_a_file_keeps_the_form(manager_client):
    reply = manager_client.post("/manage/questions/import", data={"category": "sales"})
    assert reply.status_code == 200 and "请选择文件" in reply.text


def test_the_template_downloads(manager_client):
    reply = manager_client.get("/manage/questions/template.xlsx")
    assert reply.status_code == 200
    book = load_workbook(BytesIO(reply.data))
    assert book["题目"]["E1"].value == "题干"


@pytest.mark.parametrize("fmt", ["gift", "xlsx", "yaml"])
def test_the_bank_downloads_in_every_format(manager_client, fmt):
    reply = manager_client.get(f"/manage/questions/export?format={fmt}")
    assert reply.status_code == 200
    parsed = parse(reply.data, f"bank.{fmt}", fmt)
    assert parsed.errors == [] and len(parsed.questions) == 25


def test_leads_and_agents_cannot_open_the_bank(client, make_user):
    for role in (Role.LEAD, Role.AGENT):
        login(client, make_user(role).username)
        assert client.get("/manage/questions").status_code == 403
        assert client.get("/manage/questions/a-001").status_code == 403
