"""Every model, imported once so the metadata (and Alembic) sees all tables."""

from .accounts.models import Team, User
from .assessment.models import AuditEvent, LedgerItem
from .exams.models import Answer, Attempt, Exam, Paper
from .kpi.models import MonthlyMetrics
from .learning.models import ModuleProgress, ModuleRevision, PracticeAttempt
from .questions.models import ImportBatch, Question, QuestionVersion

__all__ = [
    "Answer", "Attempt", "AuditEvent", "Exam", "ImportBatch", "LedgerItem", "ModuleProgress",
    "ModuleRevision", "MonthlyMetrics", "Paper", "PracticeAttempt", "Question", "QuestionVersion",
    "Team", "User",
]
