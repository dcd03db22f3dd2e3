"""exam day: grading finds an agent's results of an exam by (exam, agent)

The index on exam_id alone made every grading read all of the exam's results; the composite
one serves the queries by exam as well, so it replaces it.

Revision ID: f1b3d5e7a9c2
Revises: e5a7c9d1f3b2
Create Date: 2026-11-30 10:00:00

"""
from alembic import op

revision = 'f1b3d5e7a9c2'
down_revision = 'e5a7c9d1f3b2'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('exam_results', schema=None) as batch_op:
        batch_op.create_index('ix_exam_results_exam_user', ['exam_id', 'user_id'], unique=False)
        batch_op.drop_index('ix_exam_results_exam_id')


def downgrade():
    with op.batch_alter_table('exam_results', schema=None) as batch_op:
        batch_op.create_index('ix_exam_results_exam_id', ['exam_id'], unique=False)
        batch_op.drop_index('ix_exam_results_exam_user')
