"""exam engine: named blueprints, exam audience, attempts and review policy, an exam seed,
flags on attempts, marking of written replies

Revision ID: c7e91a3f5d22
Revises: b4d8e1f20a37
Create Date: 2026-11-23 15:00:00

"""
import sqlalchemy as sa
from alembic import op

revision = 'c7e91a3f5d22'
down_revision = 'b4d8e1f20a37'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('exam_blueprints',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('name', sa.String(length=64), nullable=False),
    sa.Column('spec', sa.JSON(), nullable=False),
    sa.Column('updated_by_id', sa.Integer(), nullable=True),
    sa.Column('updated_at', sa.DateTime(), nullable=False),
    sa.ForeignKeyConstraint(['updated_by_id'], ['users.id'], ),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('name')
    )
    op.create_table('exam_teams',
    sa.Column('exam_id', sa.Integer(), nullable=False),
    sa.Column('team_id', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['exam_id'], ['exams.id'], ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['team_id'], ['teams.id'], ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('exam_id', 'team_id')
    )
    # Exams set before this had every certified agent, one attempt, and showed the key at
    # once; they keep doing so.
    with op.batch_alter_table('exams', schema=None) as batch_op:
        batch_op.add_column(sa.Column('seed', sa.Integer(), nullable=False, server_default='0'))
        batch_op.add_column(sa.Column('facility', sa.JSON(), nullable=False,
                                      server_default='{}'))
        batch_op.add_column(sa.Column('audience', sa.String(length=8), nullable=False,
                                      server_default='all'))
        batch_op.add_column(sa.Column('attempts_allowed', sa.Integer(), nullable=False,
                                      server_default='1'))
        batch_op.add_column(sa.Column('review_policy', sa.String(length=16), nullable=False,
                                      server_default='immediate'))
    with op.batch_alter_table('attempts', schema=None) as batch_op:
        batch_op.add_column(sa.Column('flags', sa.JSON(), nullable=False, server_default='[]'))
    with op.batch_alter_table('answers', schema=None) as batch_op:
        batch_op.add_column(sa.Column('marked_by_id', sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column('marked_at', sa.DateTime(), nullable=True))
        batch_op.add_column(sa.Column('comment', sa.Text(), nullable=False, server_default=''))
        batch_op.create_foreign_key('fk_answers_marked_by_id_users', 'users',
                                    ['marked_by_id'], ['id'])


def downgrade():
    with op.batch_alter_table('answers', schema=None) as batch_op:
        batch_op.drop_constraint('fk_answers_marked_by_id_users', type_='foreignkey')
        batch_op.drop_column('comment')
        batch_op.drop_column('marked_at')
        batch_op.drop_column('marked_by_id')
    with op.batch_alter_table('attempts', schema=None) as batch_op:
        batch_op.drop_column('flags')
    with op.batch_alter_table('exams', schema=None) as batch_op:
        batch_op.drop_column('review_policy')
        batch_op.drop_column('attempts_allowed')
        batch_op.drop_column('audience')
        batch_op.drop_column('facility')
        batch_op.drop_column('seed')
    op.drop_table('exam_teams')
    op.drop_table('exam_blueprints')
