"""Every model, imported once so the metadata (and Alembic) sees all tables."""

from .accounts.models import Team, User
from .assessment.models import Appeal, AssessmentMonth, AuditEvent, LedgerItem
from .exams.models import Answer, Attempt, Exam, Paper
from .kpi.models import KpiResult, KpiRuleSet, MonthlyMetrics
from .learning.models import ModuleProgress, ModuleRevision, PracticeAttempt
from .questions.models import ImportBatch, Question, QuestionVersion
from .reports.models import ExamResult, ExamTally, ItemTally, TeamItemTally

__all__ = [
    "Answer", "Appeal", "AssessmentMonth", "Attempt", "AuditEvent", "Exam", "ExamResult",
    "ExamTally", "ImportBatch", "ItemTally", "KpiResult", "KpiRuleSet", "LedgerItem",
    "ModuleProgress", "ModuleRevision", "MonthlyMetrics", "Paper", "PracticeAttempt", "Question",
    "QuestionVersion", "Team", "TeamItemTally", "User",
]
