"""dashboard summaries: graded attempts, per exam and team, per question version (whole
department and per team), and published KPI outcomes

Existing graded attempts are summarized by `flask init-db` (or `flask reports rebuild`),
which the release steps run after the schema upgrade.

Revision ID: e5a7c9d1f3b2
Revises: d2f4a6b8c0e1
Create Date: 2026-11-23 17:12:58

"""
import sqlalchemy as sa
from alembic import op

from trainer.database import ExactDecimal

revision = 'e5a7c9d1f3b2'
down_revision = 'd2f4a6b8c0e1'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('kpi_results',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('month', sa.String(length=7), nullable=False),
    sa.Column('user_id', sa.Integer(), nullable=False),
    sa.Column('team_id', sa.Integer(), nullable=False),
    sa.Column('assessment_score', sa.Integer(), nullable=False),
    sa.Column('kpi', ExactDecimal(), nullable=True),
    sa.Column('grade', sa.String(length=16), nullable=True),
    sa.Column('bonus', ExactDecimal(), nullable=True),
    sa.Column('commission', ExactDecimal(), nullable=True),
    sa.Column('elimination', sa.Boolean(), nullable=False),
    sa.Column('stored_at', sa.DateTime(), nullable=False),
    sa.ForeignKeyConstraint(['user_id'], ['users.id'], ),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('user_id', 'month')
    )
    with op.batch_alter_table('kpi_results', schema=None) as batch_op:
        batch_op.create_index('ix_kpi_results_month_team', ['month', 'team_id'], unique=False)

    op.create_table('exam_tallies',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('exam_id', sa.Integer(), nullable=False),
    sa.Column('team_id', sa.Integer(), nullable=False),
    sa.Column('kind', sa.String(length=16), nullable=False),
    sa.Column('month', sa.String(length=7), nullable=False),
    sa.Column('sat', sa.Integer(), nullable=False),
    sa.Column('passed', sa.Integer(), nullable=False),
    sa.Column('score_sum', sa.Double(), nullable=False),
    sa.Column('attempts', sa.Integer(), nullable=False),
    sa.Column('questions_sum', sa.Integer(), nullable=False),
    sa.Column('earned_sum', sa.Double(), nullable=False),
    sa.Column('earned_sq_sum', sa.Double(), nullable=False),
    sa.ForeignKeyConstraint(['exam_id'], ['exams.id'], ),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('exam_id', 'month', 'team_id')
    )
    with op.batch_alter_table('exam_tallies', schema=None) as batch_op:
        batch_op.create_index('ix_exam_tallies_kind_month', ['kind', 'month'], unique=False)

    op.create_table('item_tallies',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('exam_id', sa.Integer(), nullable=False),
    sa.Column('version_id', sa.Integer(), nullable=False),
    sa.Column('question_id', sa.Integer(), nullable=False),
    sa.Column('kind', sa.String(length=16), nullable=False),
    sa.Column('month', sa.String(length=7), nullable=False),
    sa.Column('answers', sa.Integer(), nullable=False),
    sa.Column('correct', sa.Integer(), nullable=False),
    sa.Column('omitted', sa.Integer(), nullable=False),
    sa.Column('credit_sum', sa.Double(), nullable=False),
    sa.Column('credit_sq_sum', sa.Double(), nullable=False),
    sa.Column('total_sum', sa.Double(), nullable=False),
    sa.Column('total_sq_sum', sa.Double(), nullable=False),
    sa.Column('cross_sum', sa.Double(), nullable=False),
    sa.Column('chosen', sa.JSON(), nullable=False),
    sa.ForeignKeyConstraint(['exam_id'], ['exams.id'], ),
    sa.ForeignKeyConstraint(['question_id'], ['questions.id'], ),
    sa.ForeignKeyConstraint(['version_id'], ['question_versions.id'], ),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('exam_id', 'month', 'version_id')
    )
    with op.batch_alter_table('item_tallies', schema=None) as batch_op:
        batch_op.create_index('ix_item_tallies_kind_month', ['kind', 'month'], unique=False)

    op.create_table('team_item_tallies',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('team_id', sa.Integer(), nullable=False),
    sa.Column('exam_id', sa.Integer(), nullable=False),
    sa.Column('version_id', sa.Integer(), nullable=False),
    sa.Column('question_id', sa.Integer(), nullable=False),
    sa.Column('kind', sa.String(length=16), nullable=False),
    sa.Column('month', sa.String(length=7), nullable=False),
    sa.Column('answers', sa.Integer(), nullable=False),
    sa.Column('correct', sa.Integer(), nullable=False),
    sa.Column('omitted', sa.Integer(), nullable=False),
    sa.Column('credit_sum', sa.Double(), nullable=False),
    sa.Column('credit_sq_sum', sa.Double(), nullable=False),
    sa.Column('total_sum', sa.Double(), nullable=False),
    sa.Column('total_sq_sum', sa.Double(), nullable=False),
    sa.Column('cross_sum', sa.Double(), nullable=False),
    sa.Column('chosen', sa.JSON(), nullable=False),
    sa.ForeignKeyConstraint(['exam_id'], ['exams.id'], ),
    sa.ForeignKeyConstraint(['question_id'], ['questions.id'], ),
    sa.ForeignKeyConstraint(['version_id'], ['question_versions.id'], ),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('exam_id', 'month', 'version_id', 'team_id')
    )
    with op.batch_alter_table('team_item_tallies', schema=None) as batch_op:
        batch_op.create_index('ix_team_item_tallies_team_kind_month', ['team_id', 'kind', 'month'], unique=False)

    op.create_table('exam_results',
    sa.Column('attempt_id', sa.Integer(), nullable=False),
    sa.Column('exam_id', sa.Integer(), nullable=False),
    sa.Column('user_id', sa.Integer(), nullable=False),
    sa.Column('team_id', sa.Integer(), nullable=False),
    sa.Column('kind', sa.String(length=16), nullable=False),
    sa.Column('month', sa.String(length=7), nullable=False),
    sa.Column('score', sa.Double(), nullable=False),
    sa.Column('passed', sa.Boolean(), nullable=False),
    sa.Column('counted', sa.Boolean(), nullable=False),
    sa.Column('questions', sa.Integer(), nullable=False),
    sa.Column('earned', sa.Double(), nullable=False),
    sa.Column('categories', sa.JSON(), nullable=False),
    sa.Column('responses', sa.JSON(), nullable=False),
    sa.Column('graded_at', sa.DateTime(), nullable=False),
    sa.ForeignKeyConstraint(['attempt_id'], ['attempts.id'], ),
    sa.ForeignKeyConstraint(['exam_id'], ['exams.id'], ),
    sa.ForeignKeyConstraint(['user_id'], ['users.id'], ),
    sa.PrimaryKeyConstraint('attempt_id')
    )
    with op.batch_alter_table('exam_results', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_exam_results_exam_id'), ['exam_id'], unique=False)
        batch_op.create_index('ix_exam_results_kind_month_team', ['kind', 'month', 'team_id'], unique=False)
        batch_op.create_index('ix_exam_results_user_kind_month', ['user_id', 'kind', 'month'], unique=False)



def downgrade():
    with op.batch_alter_table('exam_results', schema=None) as batch_op:
        batch_op.drop_index('ix_exam_results_user_kind_month')
        batch_op.drop_index('ix_exam_results_kind_month_team')
        batch_op.drop_index(batch_op.f('ix_exam_results_exam_id'))

    op.drop_table('exam_results')
    with op.batch_alter_table('team_item_tallies', schema=None) as batch_op:
        batch_op.drop_index('ix_team_item_tallies_team_kind_month')

    op.drop_table('team_item_tallies')
    with op.batch_alter_table('item_tallies', schema=None) as batch_op:
        batch_op.drop_index('ix_item_tallies_kind_month')

    op.drop_table('item_tallies')
    with op.batch_alter_table('exam_tallies', schema=None) as batch_op:
        batch_op.drop_index('ix_exam_tallies_kind_month')

    op.drop_table('exam_tallies')
    with op.batch_alter_table('kpi_results', schema=None) as batch_op:
        batch_op.drop_index('ix_kpi_results_month_team')

    op.drop_table('kpi_results')
