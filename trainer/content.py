"""Checking the shipped content as a whole: courses, bank, and the links between them. Pure."""

from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path

from .learning.catalog import CatalogError, Module, load_catalog
from .questions.bank import BankError, BankQuestion, load_bank
from .questions.similarity import near_duplicates

# A practice quiz draws from the module's tagged questions; fewer leaves nothing to vary.
MIN_TAGGED_PER_MODULE = 5


@dataclass
class ContentReport:
    modules: list[Module] = field(default_factory=list)
    questions: list[BankQuestion] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)

    def summary(self) -> dict:
        return {
            "modules": len(self.modules),
            "questions": len(self.questions),
            "by_category": dict(sorted(Counter(q.category for q in self.questions).items())),
            "by_difficulty": {str(k): v for k, v in
                              sorted(Counter(q.difficulty for q in self.questions).items())},
            "by_type": dict(sorted(Counter(q.qtype for q in self.questions).items())),
            "by_module": dict(sorted(Counter(q.module for q in self.questions
                                             if q.module).items())),
            "errors": self.errors,
        }


def check(courses: Path, bank: Path) -> ContentReport:
    report = ContentReport()
    try:
        report.modules = load_catalog(courses)
    except CatalogError as exc:
        report.errors.extend(exc.problems)
    try:
        report.questions = load_bank(bank)
    except BankError as exc:
        report.errors.extend(exc.problems)
    if report.modules and report.questions:
        report.errors.extend(cross_check(report.modules, report.questions))
    report.errors.extend(duplicate_check(report.questions))
    return report


def duplicate_check(questions: list[BankQuestion]) -> list[str]:
    """Two questions that ask the same thing waste a paper's slot and leak each other's key."""
    by_key = {q.key: q for q in questions}
    pairs = near_duplicates({q.key: f"{q.stem} {' '.join(q.answer_text)}" for q in questions})
    return [f"{by_key[a].source}: {a} 与 {b}({by_key[b].source})几乎相同(相似度 {score:.2f}),"
            "请合并或改写其一" for a, b, score in pairs]


def cross_check(modules: list[Module], questions: list[BankQuestion]) -> list[str]:
    """Every question's module and section exist; every module has enough to practise."""
    problems = []
    by_id = {m.id: m for m in modules}
    for question in questions:
        if question.module is None:
            continue
        module = by_id.get(question.module)
        if module is None:
            problems.append(f"{question.source}: {question.key}: 课程 {question.module} 不存在")
        elif question.section and module.section(question.section) is None:
            problems.append(f"{question.source}: {question.key}: 课程 {question.module} "
                            f"没有小节 #{question.section}")
    tagged = Counter(q.module for q in questions if q.module)
    for module in modules:
        if tagged[module.id] < MIN_TAGGED_PER_MODULE:
            problems.append(f"{module.filename}:1: 课程 {module.id} 只有 {tagged[module.id]} 道"
                            f"练习题(至少 {MIN_TAGGED_PER_MODULE} 道,题目用 module: 标注)")
    return problems
