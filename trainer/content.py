"""Checking the shipped content as a whole: courses, bank, and the links between them. Pure."""

from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path

from .learning.catalog import CatalogError, Module, load_catalog
from .questions.bank import CATEGORIES, DIFFICULTIES, BankError, BankQuestion, load_bank
from .questions.similarity import near_duplicates

# A practice quiz draws from the module's tagged questions; fewer leaves nothing to vary.
MIN_TAGGED_PER_MODULE = 5

# The source documents in ../shared/seeds, by number: every shipped question names one.
SEEDS = {
    "000": "淘宝售前客服工作总结、电商客服规范(日常考核、KPI 指标考核表)",
    "001": "客服岗位职责、电话礼仪与服务用语",
    "002": "客服代表职责以及工作流程",
    "003": "电子商务客户服务培训课件(职业价值观、工作规范)",
    "004": "网络客户关系管理:售前客服流程、规格型号、平台规则、售后处理",
}


@dataclass(frozen=True)
class BankPolicy:
    """What the shipped bank must hold to draw fair monthly papers from."""

    min_questions: int = 400
    min_per_category: int = 30
    min_difficulty_share: float = 0.2


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


def check(courses: Path, bank: Path, policy: BankPolicy) -> ContentReport:
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
    report.errors.extend(metadata_check(report.questions))
    report.errors.extend(coverage_check(report.questions, policy))
    report.errors.extend(duplicate_check(report.questions))
    return report


def metadata_check(questions: list[BankQuestion]) -> list[str]:
    """A shipped question says where it is taught, where it comes from and why the key is
    right (for a written reply, what the grader looks for); imported questions may lack
    these, the shipped bank may not."""
    problems = []
    for q in questions:
        missing = [name for name, value in (("module", q.module), ("section", q.section),
                                            ("explanation", q.explanation), ("tags", q.tags),
                                            ("seed", q.seed)) if not value]
        if q.needs_grader and not q.reference:
            missing.append("reference")
        if missing:
            problems.append(f"{q.source}: {q.key}: 缺少 {', '.join(missing)}")
        elif q.seed.split()[0] not in SEEDS:
            problems.append(f"{q.source}: {q.key}: seed 应以资料编号开头({'/'.join(SEEDS)}),"
                            f"而不是 {q.seed!r}")
    return problems


def coverage_check(questions: list[BankQuestion], policy: BankPolicy) -> list[str]:
    """Enough questions in every category, and every difficulty a fair share of each."""
    if not questions:
        return []
    problems = []
    if len(questions) < policy.min_questions:
        problems.append(f"question_bank: 题库只有 {len(questions)} 道题,至少需要 "
                        f"{policy.min_questions} 道")
    for category, label in CATEGORIES.items():
        pool = [q for q in questions if q.category == category]
        if len(pool) < policy.min_per_category:
            problems.append(f"question_bank/{category}.yaml: 类别 {category}({label})只有 "
                            f"{len(pool)} 道题,至少需要 {policy.min_per_category} 道")
            continue
        if not pool:
            continue
        by_difficulty = Counter(q.difficulty for q in pool)
        for difficulty, name in DIFFICULTIES.items():
            share = by_difficulty[difficulty] / len(pool)
            if share < policy.min_difficulty_share:
                problems.append(
                    f"question_bank/{category}.yaml: 类别 {category} 的难度 {difficulty}({name})"
                    f"只占 {share:.1%}({by_difficulty[difficulty]}/{len(pool)}),"
                    f"至少需要 {policy.min_difficulty_share:.0%}")
    return problems


def duplicate_check(questions: list[BankQuestion]) -> list[str]:
    """Two questions that ask the same thing waste a paper's slot and leak each other's key."""
    by_key = {q.key: q for q in questions}
    pairs = near_duplicates({q.key: duplicate_text(q) for q in questions})
    return [f"{by_key[a].source}: {a} 与 {b}({by_key[b].source})几乎相同(相似度 {score:.2f}),"
            "请合并或改写其一" for a, b, score in pairs]


def duplicate_text(question: BankQuestion) -> str:
    chat = " ".join(turn.text for turn in question.chat)
    return f"{chat} {question.stem} {' '.join(question.answer_text)}"


def cross_check(modules: list[Module], questions: list[BankQuestion]) -> list[str]:
    """Every question's module and section exist; every module has enough to practise."""
    problems = placement_errors(modules, questions)
    tagged = Counter(q.module for q in questions if q.module)
    for module in modules:
        if tagged[module.id] < MIN_TAGGED_PER_MODULE:
            problems.append(f"{module.filename}:1: 课程 {module.id} 只有 {tagged[module.id]} 道"
                            f"练习题(至少 {MIN_TAGGED_PER_MODULE} 道,题目用 module: 标注)")
    return problems


def placement_errors(modules: list[Module], questions: list[BankQuestion]) -> list[str]:
    """A question names a module and section that exist, or none: practice quizzes and the
    review's "复习" links follow them."""
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
    return problems
