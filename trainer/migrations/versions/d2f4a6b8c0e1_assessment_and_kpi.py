"""daily assessment and KPI: item details and demerits, published months, appeals, exact
monthly metrics under the import template's names, versioned KPI rules

Revision ID: d2f4a6b8c0e1
Revises: c7e91a3f5d22
Create Date: 2026-11-23 10:00:00

"""
import sqlalchemy as sa
from alembic import op

from trainer.database import ExactDecimal

revision = 'd2f4a6b8c0e1'
down_revision = 'c7e91a3f5d22'
branch_labels = None
depends_on = None

RENAMED = {'im_received': 'customers_received', 'im_replied': 'customers_replied',
           'response_seconds': 'avg_response_seconds', 'followup_yuan': 'followup_amount'}
EXACT = ('sales_actual', 'sales_plan', 'im_paid_sales', 'avg_response_seconds',
         'followup_amount')


def upgrade():
    # Items recorded before this were exam items or class A/B deductions; the catalogue
    # class of old rows is settled below from their codes.
    with op.batch_alter_table('ledger_items', schema=None) as batch_op:
        batch_op.add_column(sa.Column('item_class', sa.String(length=16), nullable=False,
                                      server_default='A'))
        batch_op.add_column(sa.Column('occurred_on', sa.Date(), nullable=True))
        batch_op.add_column(sa.Column('evidence', sa.String(length=500), nullable=False,
                                      server_default=''))
        batch_op.add_column(sa.Column('demerit', sa.Boolean(), nullable=False,
                                      server_default=sa.false()))
    op.execute("UPDATE ledger_items SET item_class = 'exam' "
               "WHERE code IN ('exam_below_pass', 'exam_perfect')")
    op.execute("UPDATE ledger_items SET item_class = 'plus' WHERE points > 0 "
               "AND code NOT IN ('exam_below_pass', 'exam_perfect')")
    with op.batch_alter_table('ledger_items', schema=None) as batch_op:
        batch_op.alter_column('item_class', server_default=None)
        batch_op.alter_column('evidence', server_default=None)
        batch_op.alter_column('demerit', server_default=None)

    op.create_table('assessment_months',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('month', sa.String(length=7), nullable=False),
    sa.Column('published_at', sa.DateTime(), nullable=False),
    sa.Column('published_by_id', sa.Integer(), nullable=True),
    sa.Column('appeal_hours', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['published_by_id'], ['users.id'], ),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('month')
    )
    op.create_table('appeals',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('item_id', sa.Integer(), nullable=False),
    sa.Column('user_id', sa.Integer(), nullable=False),
    sa.Column('text', sa.Text(), nullable=False),
    sa.Column('filed_at', sa.DateTime(), nullable=False),
    sa.Column('status', sa.String(length=16), nullable=False),
    sa.Column('decided_by_id', sa.Integer(), nullable=True),
    sa.Column('decided_at', sa.DateTime(), nullable=True),
    sa.Column('decision', sa.String(length=500), nullable=False),
    sa.Column('points_before', sa.Integer(), nullable=True),
    sa.Column('points_after', sa.Integer(), nullable=True),
    sa.ForeignKeyConstraint(['decided_by_id'], ['users.id'], ),
    sa.ForeignKeyConstraint(['item_id'], ['ledger_items.id'], ),
    sa.ForeignKeyConstraint(['user_id'], ['users.id'], ),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('item_id')
    )
    with op.batch_alter_table('appeals', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_appeals_status'), ['status'], unique=False)
        batch_op.create_index(batch_op.f('ix_appeals_user_id'), ['user_id'], unique=False)

    op.create_table('kpi_rule_sets',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('effective_from', sa.String(length=7), nullable=False),
    sa.Column('spec', sa.JSON(), nullable=False),
    sa.Column('note', sa.String(length=255), nullable=False),
    sa.Column('created_by_id', sa.Integer(), nullable=True),
    sa.Column('created_at', sa.DateTime(), nullable=False),
    sa.ForeignKeyConstraint(['created_by_id'], ['users.id'], ),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('effective_from')
    )

    with op.batch_alter_table('monthly_metrics', schema=None) as batch_op:
        for old, new in RENAMED.items():
            batch_op.alter_column(old, new_column_name=new)
    # Floats become exact decimals (text on SQLite: a float's repr is its exact text).
    with op.batch_alter_table('monthly_metrics', schema=None) as batch_op:
        for name in EXACT:
            batch_op.alter_column(name, type_=ExactDecimal(), existing_nullable=False)
        batch_op.add_column(sa.Column('personal_revenue', ExactDecimal(), nullable=False,
                                      server_default='0'))
        batch_op.add_column(sa.Column('promotion', sa.Boolean(), nullable=False,
                                      server_default=sa.false()))
        batch_op.add_column(sa.Column('imported_at', sa.DateTime(), nullable=False,
                                      server_default=sa.func.current_timestamp()))
        batch_op.add_column(sa.Column('imported_by_id', sa.Integer(), nullable=True))
        batch_op.create_foreign_key('fk_monthly_metrics_imported_by', 'users',
                                    ['imported_by_id'], ['id'])
    with op.batch_alter_table('monthly_metrics', schema=None) as batch_op:
        batch_op.alter_column('personal_revenue', server_default=None)
        batch_op.alter_column('promotion', server_default=None)
        batch_op.alter_column('imported_at', server_default=None)


def downgrade():
    with op.batch_alter_table('monthly_metrics', schema=None) as batch_op:
        batch_op.drop_constraint('fk_monthly_metrics_imported_by', type_='foreignkey')
        batch_op.drop_column('imported_by_id')
        batch_op.drop_column('imported_at')
        batch_op.drop_column('promotion')
        batch_op.drop_column('personal_revenue')
        for name in EXACT:
            batch_op.alter_column(name, type_=sa.Double(), existing_nullable=False,
                                  postgresql_using=f'{name}::double precision')
    with op.batch_alter_table('monthly_metrics', schema=None) as batch_op:
        for old, new in RENAMED.items():
            batch_op.alter_column(new, new_column_name=old)
    op.drop_table('kpi_rule_sets')
    with op.batch_alter_table('appeals', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_appeals_user_id'))
        batch_op.drop_index(batch_op.f('ix_appeals_status'))
    op.drop_table('appeals')
    op.drop_table('assessment_months')
    with op.batch_alter_table('ledger_items', schema=None) as batch_op:
        batch_op.drop_column('demerit')
        batch_op.drop_column('evidence')
        batch_op.drop_column('occurred_on')
        batch_op.drop_column('item_class')
