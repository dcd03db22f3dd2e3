"""Every model, imported once so the metadata (and Alembic) sees all tables."""

from .accounts.models import Team, User
from .assessment.models import AuditEvent, LedgerItem
from .exams.models import Answer, Attempt, Exam, Paper
from .kpi.models import MonthlyMetrics
from .learning.models import ModuleProgress
from .questions.models import Question, QuestionVersion

__all__ = [
    "Answer", "Attempt", "AuditEvent", "Exam", "LedgerItem", "ModuleProgress", "MonthlyMetrics",
    "Paper", "Question", "QuestionVersion", "Team", "User",
]
