"""Importing and exporting question files against the database: one transaction, a report,
and round trips that keep every question."""

import json
from io import BytesIO

import pytest
from openpyxl import load_workbook
from sqlalchemy import func, select

from trainer.assessment.models import AuditEvent
from trainer.extensions import db
from trainer.questions.models import Question, QuestionVersion
from trainer.questions.service import bank_questions

GIFT = """// 售前常见问题,Moodle GIFT 格式
$CATEGORY: $course$/top/销售知识

::gift-001::顾客问“能便宜点吗？”，最合适的回应是？{
    ~直接拒绝
    =说明已是活动价，并介绍满减活动#先讲价值，再给台阶。
    ~马上私自改价#私自改价属于C类违规。
}

::gift-002::新客服必须经培训、考核{=合格 =考核合格}后方可上岗。

::gift-003::客服可以向顾客索要支付密码。{F####任何时候都不能索要或记录顾客的密码。}

::gift-004::议价时下列做法正确的是？{
    ~%50%肯定顾客的眼光
    ~%50%介绍店铺活动
    ~%-50%承诺私下返现
    ~%-50%贬低其他店铺
}

::gift-005::顾客说“太贵了”，请写出你的回复。{}

::配对题::把事项与负责部门对应起来。{=退款 -> 售后 =开票 -> 财务}

::数值题::延迟发货的认定时限是付款后多少小时？{#72}
"""


def cli(app, *args):
    db.session.commit()  # the command runs as another process would: after the test's reads
    return app.test_cli_runner().invoke(args=list(args))


def counts():
    return (db.session.scalar(select(func.count(Question.id))),
            db.session.scalar(select(func.count(QuestionVersion.id))),
            db.session.scalar(select(func.count(AuditEvent.id))))


def stored(key: str) -> Question:
    db.session.expire_all()
    return db.session.scalar(select(Question).where(Question.key == key))


def test_a_gift_file_imports_with_a_json_report(app, small_content, tmp_path):
    path = tmp_path / "售前.gift"
    path.write_text(GIFT, encoding="utf-8")
    result = cli(app, "questions", "import", str(path), "--format", "json")
    assert result.exit_code == 0, result.output
    report = json.loads(result.output)
    assert report["imported"] == 5 and report["added"] == 5
    assert report["by_type"] == {"fill": 1, "multiple": 1, "short": 1, "single": 1,
                                 "truefalse": 1}
    assert [s["line"] for s in report["skipped"]] == [23, 25]
    assert all(s["reason"] for s in report["skipped"]) and report["errors"] == []
    assert stored("gift-002").current_version.answer == ["合格", "考核合格"]
    assert stored("gift-002").current_version.stem == "新客服必须经培训、考核____后方可上岗。"
    assert stored("gift-004").current_version.scoring == "partial"
    assert stored("gift-003").current_version.explanation.startswith("任何时候")
    assert stored("gift-001").category == "sales"


def test_a_broken_file_is_refused_whole_and_names_the_line(app, small_content, tmp_path):
    before = counts()
    broken = GIFT.replace("::gift-003::", "::gift-003::{=未闭合的答案\n\n::gift-003b::")
    path = tmp_path / "broken.gift"
    path.write_text(broken, encoding="utf-8")
    result = cli(app, "questions", "import", str(path))
    assert result.exit_code != 0
    assert "broken.gift:12: 答案块缺少 }" in result.output
    assert "整个文件未导入" in result.output
    assert counts() == before


@pytest.mark.parametrize(("name", "content", "where"), [
    ("q.txt", "题干一\nA. 甲\nB. 乙\nANSWER: A\n\n题干二\nA. 甲\nANSWER: C\n", "q.txt:8:"),
    ("q.yaml", "category: sales\nquestions:\n  - id: y-1\n    type: single\n    difficulty: 1\n"
               "    stem: 题干\n    options: [甲, 乙]\n    answer: A\n  - id: y-2\n"
               "    type: single\n    difficulty: 9\n    stem: 题干\n", "q.yaml:9:"),
])
def test_every_format_refuses_a_broken_file_whole(app, small_content, tmp_path, name, content,
                                                  where):
    before = counts()
    path = tmp_path / name
    path.write_text(content, encoding="utf-8")
    result = cli(app, "questions", "import", str(path), "--category", "sales")
    assert result.exit_code != 0 and where in result.output, result.output
    assert counts() == before


def test_a_question_twice_in_one_file_is_an_error(app, small_content, tmp_path):
    from openpyxl import Workbook

    book = Workbook()
    book.active.append(["题目编号", "类别", "题型", "难度", "题干", "答案"])
    book.active.append(["dup-1", "销售知识", "判断题", "易", "第一道", "对"])
    book.active.append(["dup-1", "销售知识", "判断题", "易", "第二道", "错"])
    path = tmp_path / "twice.xlsx"
    book.save(path)
    before = counts()
    result = cli(app, "questions", "import", str(path))
    assert result.exit_code != 0 and "twice.xlsx:3" in result.output, result.output
    assert "重复" in result.output and counts() == before


def test_a_broken_spreadsheet_row_names_row_and_column(app, small_content, tmp_path):
    from openpyxl import Workbook

    book = Workbook()
    sheet = book.active
    sheet.title = "题目"
    sheet.append(["题目编号", "类别", "题型", "难度", "题干", "选项A", "选项B", "答案"])
    sheet.append(["x-1", "销售知识", "单选题", "易", "好的题干", "甲", "乙", "A"])
    sheet.append(["x-2", "销售知识", "单选题", "易", "", "甲", "乙", "A"])
    path = tmp_path / "题目.xlsx"
    book.save(path)
    before = counts()
    result = cli(app, "questions", "import", str(path))
    assert result.exit_code != 0
    assert "题目.xlsx:3:" in result.output and "题干" in result.output
    assert counts() == before


def test_a_dry_run_reports_exactly_what_an_import_does_and_stores_nothing(app, small_content,
                                                                          tmp_path):
    path = tmp_path / "q.gift"
    path.write_text(GIFT, encoding="utf-8")
    before = counts()
    dry = json.loads(cli(app, "questions", "import", str(path), "--dry-run", "--format",
                         "json").output)
    assert counts() == before
    real = json.loads(cli(app, "questions", "import", str(path), "--format", "json").output)
    assert dry == real
    again = json.loads(cli(app, "questions", "import", str(path), "--format", "json").output)
    assert again["unchanged"] == 5 and again["added"] == again["revised"] == 0


def test_reimporting_an_edited_question_makes_a_new_version(app, small_content, tmp_path):
    path = tmp_path / "q.gift"
    path.write_text(GIFT, encoding="utf-8")
    cli(app, "questions", "import", str(path))
    first = stored("gift-001").current_version_id
    path.write_text(GIFT.replace("~直接拒绝", "~直接拒绝并结束对话"), encoding="utf-8")
    report = json.loads(cli(app, "questions", "import", str(path), "--format", "json").output)
    assert report["revised"] == 1 and report["unchanged"] == 4
    question = stored("gift-001")
    assert question.current_version.number == 2
    assert db.session.get(QuestionVersion, first).options[0] == "直接拒绝"


def test_a_question_cannot_change_type_through_an_import(app, small_content, tmp_path):
    path = tmp_path / "q.gift"
    path.write_text(GIFT, encoding="utf-8")
    cli(app, "questions", "import", str(path))
    before = counts()
    path.write_text(GIFT.replace("{F####", "{=对 =正确####"), encoding="utf-8")
    result = cli(app, "questions", "import", str(path))
    assert result.exit_code != 0 and "题型不可修改" in result.output
    assert counts() == before


def test_an_unknown_module_is_an_error(app, small_content, tmp_path):
    path = tmp_path / "q.yaml"
    path.write_text("category: sales\nquestions:\n  - id: y-1\n    type: truefalse\n"
                    "    difficulty: 1\n    stem: 题干\n    answer: true\n    module: nowhere\n",
                    encoding="utf-8")
    result = cli(app, "questions", "import", str(path))
    assert result.exit_code != 0 and "q.yaml:3: y-1: 课程 nowhere 不存在" in result.output


@pytest.mark.parametrize("fmt", ["gift", "xlsx", "yaml"])
def test_export_then_import_keeps_every_question(app, bank, fmt, tmp_path):
    before = {q.key: q for q in bank_questions()}
    assert len(before) >= 400
    out = tmp_path / f"bank.{fmt}"
    result = cli(app, "questions", "export", "--format", fmt, "--out", str(out))
    assert result.exit_code == 0, result.output
    assert f"已导出 {len(before)} 道题" in result.output
    report = json.loads(cli(app, "questions", "import", str(out), "--format", "json").output)
    assert report["errors"] == [] and report["skipped"] == []
    assert report["imported"] == len(before)
    assert report["unchanged"] == len(before), report
    db.session.expire_all()
    assert {q.key: q for q in bank_questions()} == before


@pytest.mark.parametrize("fmt", ["gift", "xlsx", "yaml"])
def test_an_export_rebuilds_the_bank_in_an_empty_database(app, bank, fmt, tmp_path):
    from tests.conftest import _empty_tables

    before = bank_questions()
    out = tmp_path / f"bank.{fmt}"
    cli(app, "questions", "export", "--format", fmt, "--out", str(out))
    _empty_tables()
    result = cli(app, "questions", "import", str(out))
    assert result.exit_code == 0, result.output
    db.session.expire_all()
    assert bank_questions() == before


def test_aiken_keeps_the_single_choice_questions(app, bank, tmp_path):
    singles = [q for q in bank_questions() if q.qtype == "single" and q.category == "sales"]
    out = tmp_path / "sales.txt"
    result = cli(app, "questions", "export", "--format", "aiken", "--out", str(out))
    assert result.exit_code == 0 and "未导出" in result.output  # the other types, by name
    from tests.conftest import _empty_tables

    _empty_tables()
    report = json.loads(cli(app, "questions", "import", str(out), "--category", "sales",
                            "--format", "json").output)
    assert report["errors"] == []
    db.session.expire_all()
    imported = {(q.stem, q.options, q.answer) for q in bank_questions()}
    assert {(q.stem, q.options, q.answer) for q in singles} <= imported


def test_the_template_has_the_documented_headers(app, small_content):
    from trainer.questions.formats.spreadsheet import COLUMNS, template_xlsx

    book = load_workbook(BytesIO(template_xlsx()))
    headers = [cell.value for cell in book["题目"][1]]
    assert headers == [header for header, _field, _help in COLUMNS]
    assert {"示例", "说明"} <= set(book.sheetnames)

