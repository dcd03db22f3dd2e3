"""question bank: six types, classification metadata, who wrote a version, import batches,
partial credit on answers

Revision ID: b4d8e1f20a37
Revises: 7c1e2a9d4b10
Create Date: 2026-11-23 12:00:00

"""
import sqlalchemy as sa
from alembic import op

revision = 'b4d8e1f20a37'
down_revision = '7c1e2a9d4b10'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('question_imports',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('filename', sa.String(length=255), nullable=False),
    sa.Column('fmt', sa.String(length=8), nullable=False),
    sa.Column('category', sa.String(length=32), nullable=True),
    sa.Column('content', sa.LargeBinary(), nullable=False),
    sa.Column('report', sa.JSON(), nullable=False),
    sa.Column('created_by_id', sa.Integer(), nullable=True),
    sa.Column('created_at', sa.DateTime(), nullable=False),
    sa.Column('imported_at', sa.DateTime(), nullable=True),
    sa.ForeignKeyConstraint(['created_by_id'], ['users.id'], ),
    sa.PrimaryKeyConstraint('id')
    )
    # Existing versions were all plain-text, all-or-nothing, written by the shipped bank.
    with op.batch_alter_table('question_versions', schema=None) as batch_op:
        batch_op.add_column(sa.Column('stem_format', sa.String(length=8), nullable=False,
                                      server_default='plain'))
        batch_op.add_column(sa.Column('scoring', sa.String(length=16), nullable=False,
                                      server_default='all_or_nothing'))
        batch_op.add_column(sa.Column('chat', sa.JSON(), nullable=False, server_default='[]'))
        batch_op.add_column(sa.Column('reference', sa.Text(), nullable=False, server_default=''))
        batch_op.add_column(sa.Column('created_by_id', sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column('note', sa.String(length=255), nullable=False,
                                      server_default=''))
        batch_op.create_foreign_key('fk_question_versions_created_by', 'users',
                                    ['created_by_id'], ['id'])

    # The share of the question's points; answers graded before partial credit had 0 or 1.
    with op.batch_alter_table('answers', schema=None) as batch_op:
        batch_op.add_column(sa.Column('credit', sa.Double(), nullable=True))
    op.execute("UPDATE answers SET credit = CASE WHEN is_correct THEN 1.0 ELSE 0.0 END "
               "WHERE is_correct IS NOT NULL")

    # source_digest stays empty: the next `content sync` compares and fills it.
    with op.batch_alter_table('questions', schema=None) as batch_op:
        batch_op.add_column(sa.Column('seed', sa.String(length=128), nullable=False,
                                      server_default=''))
        batch_op.add_column(sa.Column('tags', sa.JSON(), nullable=False, server_default='[]'))
        batch_op.add_column(sa.Column('active_from', sa.Date(), nullable=True))
        batch_op.add_column(sa.Column('active_until', sa.Date(), nullable=True))
        batch_op.add_column(sa.Column('source_digest', sa.String(length=64), nullable=True))


def downgrade():
    with op.batch_alter_table('answers', schema=None) as batch_op:
        batch_op.drop_column('credit')

    with op.batch_alter_table('questions', schema=None) as batch_op:
        batch_op.drop_column('source_digest')
        batch_op.drop_column('active_until')
        batch_op.drop_column('active_from')
        batch_op.drop_column('tags')
        batch_op.drop_column('seed')

    with op.batch_alter_table('question_versions', schema=None) as batch_op:
        batch_op.drop_constraint('fk_question_versions_created_by', type_='foreignkey')
        batch_op.drop_column('note')
        batch_op.drop_column('created_by_id')
        batch_op.drop_column('reference')
        batch_op.drop_column('chat')
        batch_op.drop_column('scoring')
        batch_op.drop_column('stem_format')

    op.drop_table('question_imports')
