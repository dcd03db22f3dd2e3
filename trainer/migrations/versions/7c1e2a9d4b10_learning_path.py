"""learning path: section progress, module revisions, practice, certification sittings

Revision ID: 7c1e2a9d4b10
Revises: 423abf944d20
Create Date: 2026-11-22 23:00:00

"""
import sqlalchemy as sa
from alembic import op

revision = '7c1e2a9d4b10'
down_revision = '423abf944d20'
branch_labels = None
depends_on = None


def _papers_unique_name():
    # The first migration left the constraint unnamed: PostgreSQL named it itself; on SQLite
    # batch mode names it through the naming convention below.
    if op.get_bind().dialect.name == 'postgresql':
        return 'papers_exam_id_user_id_key'
    return 'uq_papers_exam_id'


NAMING = {'uq': 'uq_%(table_name)s_%(column_0_name)s'}


def upgrade():
    with op.batch_alter_table('questions', schema=None) as batch_op:
        batch_op.add_column(sa.Column('module', sa.String(length=64), nullable=True))
        batch_op.add_column(sa.Column('section', sa.String(length=64), nullable=True))
        batch_op.create_index(batch_op.f('ix_questions_module'), ['module'], unique=False)

    with op.batch_alter_table('papers', schema=None, naming_convention=NAMING) as batch_op:
        batch_op.add_column(sa.Column('sitting', sa.Integer(), nullable=False,
                                      server_default='1'))
        batch_op.drop_constraint(_papers_unique_name(), type_='unique')
        batch_op.create_unique_constraint('uq_papers_exam_user_sitting',
                                          ['exam_id', 'user_id', 'sitting'])

    op.create_table('module_revisions',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('module_id', sa.String(length=64), nullable=False),
    sa.Column('version', sa.Integer(), nullable=False),
    sa.Column('title', sa.String(length=128), nullable=False),
    sa.Column('sections', sa.JSON(), nullable=False),
    sa.Column('created_at', sa.DateTime(), nullable=False),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('module_id', 'version')
    )
    op.create_table('practice_attempts',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('user_id', sa.Integer(), nullable=False),
    sa.Column('module_id', sa.String(length=64), nullable=False),
    sa.Column('items', sa.JSON(), nullable=False),
    sa.Column('checked', sa.JSON(), nullable=False),
    sa.Column('correct', sa.Integer(), nullable=True),
    sa.Column('score', sa.Double(), nullable=True),
    sa.Column('created_at', sa.DateTime(), nullable=False),
    sa.Column('submitted_at', sa.DateTime(), nullable=True),
    sa.ForeignKeyConstraint(['user_id'], ['users.id'], ),
    sa.PrimaryKeyConstraint('id')
    )
    with op.batch_alter_table('practice_attempts', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_practice_attempts_user_id'), ['user_id'],
                              unique=False)

    # module_progress changes shape (a module id instead of a slug, progress by section);
    # a module marked done before counts as read and its quiz as passed.
    op.create_table('module_progress_new',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('user_id', sa.Integer(), nullable=False),
    sa.Column('module_id', sa.String(length=64), nullable=False),
    sa.Column('sections_reached', sa.JSON(), nullable=False),
    sa.Column('last_section', sa.String(length=64), nullable=True),
    sa.Column('read_at', sa.DateTime(), nullable=True),
    sa.Column('quiz_passed_at', sa.DateTime(), nullable=True),
    sa.Column('best_quiz_score', sa.Double(), nullable=True),
    sa.Column('completed_at', sa.DateTime(), nullable=True),
    sa.Column('completed_version', sa.Integer(), nullable=True),
    sa.Column('updated_at', sa.DateTime(), nullable=False),
    sa.ForeignKeyConstraint(['user_id'], ['users.id'], ),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('user_id', 'module_id')
    )
    op.execute(
        "INSERT INTO module_progress_new (user_id, module_id, sections_reached, read_at, "
        "quiz_passed_at, completed_at, completed_version, updated_at) "
        "SELECT user_id, module_slug, '[]', completed_at, completed_at, completed_at, 1, "
        "completed_at FROM module_progress"
    )
    op.drop_table('module_progress')
    op.rename_table('module_progress_new', 'module_progress')


def downgrade():
    op.create_table('module_progress_old',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('user_id', sa.Integer(), nullable=False),
    sa.Column('module_slug', sa.String(length=64), nullable=False),
    sa.Column('completed_at', sa.DateTime(), nullable=False),
    sa.ForeignKeyConstraint(['user_id'], ['users.id'], ),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('user_id', 'module_slug')
    )
    op.execute(
        "INSERT INTO module_progress_old (user_id, module_slug, completed_at) "
        "SELECT user_id, module_id, completed_at FROM module_progress "
        "WHERE completed_at IS NOT NULL"
    )
    op.drop_table('module_progress')
    op.rename_table('module_progress_old', 'module_progress')
    with op.batch_alter_table('practice_attempts', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_practice_attempts_user_id'))
    op.drop_table('practice_attempts')
    op.drop_table('module_revisions')
    with op.batch_alter_table('papers', schema=None) as batch_op:
        batch_op.drop_constraint('uq_papers_exam_user_sitting', type_='unique')
        batch_op.create_unique_constraint('papers_exam_id_user_id_key', ['exam_id', 'user_id'])
        batch_op.drop_column('sitting')
    with op.batch_alter_table('questions', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_questions_module'))
        batch_op.drop_column('section')
        batch_op.drop_column('module')
