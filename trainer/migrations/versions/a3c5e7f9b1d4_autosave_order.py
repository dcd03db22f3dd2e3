"""exam day: an attempt remembers which browser saved last and that save's number

An autosave the browser gave up on can reach the server after a newer one; the pair lets
the server refuse it instead of overwriting the newer answers.

Revision ID: a3c5e7f9b1d4
Revises: f1b3d5e7a9c2
Create Date: 2026-12-05 09:00:00

"""
import sqlalchemy as sa
from alembic import op

revision = 'a3c5e7f9b1d4'
down_revision = 'f1b3d5e7a9c2'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('attempts', schema=None) as batch_op:
        batch_op.add_column(sa.Column('autosave_client', sa.String(length=64), nullable=True))
        batch_op.add_column(sa.Column('autosave_stamp', sa.BigInteger(), nullable=True))


def downgrade():
    with op.batch_alter_table('attempts', schema=None) as batch_op:
        batch_op.drop_column('autosave_stamp')
        batch_op.drop_column('autosave_client')
