"""Actions keep why and when they were cancelled, so a cancellation can be explained and undone.

Revision ID: 0005_cancel_reason
Revises: 0004_sessions_and_tokens
Create Date: 2026-12-01 09:10:00

Actions cancelled before this revision keep NULL in both: no reason was asked for then.
"""
import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = '0005_cancel_reason'
down_revision = '0004_sessions_and_tokens'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('actions', schema=None) as batch_op:
        batch_op.add_column(sa.Column('cancel_reason', sa.String(length=500), nullable=True))
        batch_op.add_column(sa.Column('cancelled_at', sa.DateTime(), nullable=True))


def downgrade():
    with op.batch_alter_table('actions', schema=None) as batch_op:
        batch_op.drop_column('cancelled_at')
        batch_op.drop_column('cancel_reason')
