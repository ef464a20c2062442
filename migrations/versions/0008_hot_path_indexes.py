"""Indexes for the hot paths, and the reminder sweep's watermark.

Revision ID: 0008_hot_path_indexes
Revises: 0007_short_links
Create Date: 2026-12-01 09:15:00

- ``actions (due_at, id)`` and ``actions (program_id, due_at, id)``: action lists in due order
  with a keyset cursor read the first page from an index instead of sorting every action.
- ``actions (updated_at)``: the reminder sweep reconsiders only actions changed since its
  previous run.
- ``sweep_marks``: how far each periodic sweep got (its clock and its wall-clock start).
"""
import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = '0008_hot_path_indexes'
down_revision = '0007_short_links'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('sweep_marks',
    sa.Column('name', sa.String(length=40), nullable=False),
    sa.Column('swept_until', sa.DateTime(), nullable=False),
    sa.Column('started_at', sa.DateTime(), nullable=False),
    sa.PrimaryKeyConstraint('name', name=op.f('pk_sweep_marks'))
    )
    with op.batch_alter_table('actions', schema=None) as batch_op:
        batch_op.create_index('ix_actions_due_at_id', ['due_at', 'id'], unique=False)
        batch_op.create_index('ix_actions_program_id_due_at_id', ['program_id', 'due_at', 'id'],
                              unique=False)
        batch_op.create_index('ix_actions_updated_at', ['updated_at'], unique=False)


def downgrade():
    with op.batch_alter_table('actions', schema=None) as batch_op:
        batch_op.drop_index('ix_actions_updated_at')
        batch_op.drop_index('ix_actions_program_id_due_at_id')
        batch_op.drop_index('ix_actions_due_at_id')
    op.drop_table('sweep_marks')
