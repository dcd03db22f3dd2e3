"""The shipped bank in the database: versions, manager edits that survive a deploy, retiring,
active windows."""

import shutil
from dataclasses import replace
from datetime import date
from pathlib import Path

import pytest
from sqlalchemy import func, select

from tests.conftest import FIXTURE_CONTENT, SMALL_BANK
from trainer.accounts.roles import Role
from trainer.assessment.models import AuditEvent
from trainer.cli import ContentInvalid, load_content
from trainer.exams.service import candidates
from trainer.extensions import db
from trainer.questions.bank import load_bank
from trainer.questions.models import Question, QuestionVersion
from trainer.questions.service import save, set_retired

SHIPPED = Path(__file__).resolve().parents[2] / "question_bank"


@pytest.fixture
def own_bank(app, tmp_path):
    """A copy of the fixture bank the test may rewrite, loaded."""
    bank = tmp_path / "bank"
    shutil.copytree(FIXTURE_CONTENT / "question_bank", bank)
    saved = {k: app.config[k] for k in ("COURSES_DIR", "QUESTION_BANK_DIR", "BANK_POLICY")}
    app.config.update(COURSES_DIR=str(FIXTURE_CONTENT / "courses"), QUESTION_BANK_DIR=str(bank),
                      BANK_POLICY=SMALL_BANK)
    app.extensions.pop("trainer.catalog", None)
    load_content()
    yield bank
    app.config.update(saved)
    app.extensions.pop("trainer.catalog", None)


def rewrite(bank: Path, old: str, new: str) -> None:
    path = bank / "alpha.yaml"
    text = path.read_text(encoding="utf-8")
    assert old in text
    path.write_text(text.replace(old, new, 1), encoding="utf-8")


def question(key: str) -> Question:
    db.session.expire_all()
    return db.session.scalar(select(Question).where(Question.key == key))


def test_the_shipped_bank_is_stored_with_its_metadata(bank):
    shipped = {q.key: q for q in load_bank(SHIPPED)}
    stored = db.session.scalars(select(Question)).all()
    assert {q.key for q in stored} == set(shipped)
    for q in stored:
        item = shipped[q.key]
        assert (q.seed, tuple(q.tags), q.module, q.section) == \
            (item.seed, item.tags, item.module, item.section)
        assert q.current_version.digest == item.digest
        assert q.source_digest == item.source_digest


def test_an_unchanged_file_leaves_a_managers_edit_alone(app, own_bank, make_user):
    manager = make_user(Role.MANAGER)
    stored = question("a-001")
    item = replace(load_bank(own_bank)[0], stem="经理改过的题干", module="beta", section="only")
    assert save(item, stored, manager, note="改写题干")[0] == "revised"
    db.session.commit()
    counts = load_content()
    assert counts["added"] == counts["revised"] == counts["reclassified"] == 0
    edited = question("a-001")
    assert edited.current_version.stem == "经理改过的题干"
    assert edited.current_version.number == 2 and edited.module == "beta"
    assert edited.current_version.created_by_id == manager.id
    assert edited.id == stored.id


def test_a_changed_file_wins_with_a_new_version(own_bank):
    first = question("a-001").current_version_id
    rewrite(own_bank, "stem: alpha 单选题 1", "stem: alpha 单选题 1(修订)")
    assert load_content()["revised"] == 1
    revised = question("a-001")
    assert revised.current_version.stem == "alpha 单选题 1(修订)"
    assert revised.current_version.number == 2
    assert db.session.get(QuestionVersion, first).stem == "alpha 单选题 1"


def test_a_changed_classification_moves_the_question_without_a_version(own_bank):
    rewrite(own_bank, 'tags: [测试]', 'tags: [测试, 新标签]')
    counts = load_content()
    assert counts["reclassified"] == 1 and counts["revised"] == 0
    assert question("a-001").tags == ["测试", "新标签"]
    assert question("a-001").current_version.number == 1


def test_a_question_may_not_change_its_type(own_bank):
    before = db.session.scalar(select(func.count(QuestionVersion.id)))
    rewrite(own_bank, "  type: single\n  difficulty: 1\n  stem: alpha 单选题 1",
            "  type: multiple\n  difficulty: 1\n  stem: alpha 单选题 1")
    rewrite(own_bank, "answer: A\n  explanation: 解析 1\n", "answer: AB\n  explanation: 解析 1\n")
    with pytest.raises(ContentInvalid, match="题型不可修改"):
        load_content()
    db.session.rollback()
    assert db.session.scalar(select(func.count(QuestionVersion.id))) == before


def test_retired_questions_stay_out_of_new_papers_and_stay_retired(own_bank, make_user):
    manager = make_user(Role.MANAGER)
    target = question("a-001")
    drawn = {c.question_id for c in candidates("2026-11")}
    assert target.id in drawn
    set_retired(target, True, manager)
    assert target.id not in {c.question_id for c in candidates("2026-11")}
    load_content()
    assert question("a-001").retired
    events = db.session.scalars(select(AuditEvent.action).where(
        AuditEvent.target == "question:a-001")).all()
    assert events == ["question.retired"]


@pytest.mark.parametrize(("window", "month", "drawn"), [
    ((None, None), "2026-11", True),
    ((date(2026, 11, 1), date(2026, 11, 30)), "2026-11", True),
    ((date(2026, 11, 1), date(2026, 11, 30)), "2026-10", False),
    ((date(2026, 11, 1), date(2026, 11, 30)), "2026-12", False),
    ((date(2026, 11, 30), None), "2026-11", True),    # active from the month's last day
    ((None, date(2026, 11, 1)), "2026-11", True),     # active until its first day
    ((None, date(2026, 10, 31)), "2026-11", False),
    ((date(2026, 12, 1), None), "2026-11", False),
])
def test_only_questions_active_in_the_month_are_drawn(own_bank, window, month, drawn):
    target = question("a-001")
    target.active_from, target.active_until = window
    db.session.commit()
    assert (target.id in {c.question_id for c in candidates(month)}) is drawn


def test_a_question_deleted_from_the_files_is_retired_and_kept(own_bank):
    path = own_bank / "alpha.yaml"
    text = path.read_text(encoding="utf-8")
    start, end = text.index("- id: a-010"), len(text)
    path.write_text(text[:start] + text[end:], encoding="utf-8")
    assert load_content()["retired"] == 1
    gone = question("a-010")
    assert gone.retired and gone.current_version is not None
    assert db.session.scalar(select(AuditEvent.action).where(
        AuditEvent.target == "question:a-010")) == "question.retired"
    assert load_content()["retired"] == 0


def test_questions_from_elsewhere_are_not_retired_by_a_sync(own_bank, make_user):
    imported = replace(load_bank(own_bank)[0], key="imported-1", stem="导入的题")
    save(imported, None, make_user(Role.MANAGER))
    db.session.commit()
    load_content()
    assert not question("imported-1").retired
