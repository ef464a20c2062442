"""Reopening a closed program: when it was closed, and which actions its closing cancelled.

Revision ID: 0006_program_reopen
Revises: 0005_cancel_reason
Create Date: 2026-12-01 09:00:00

Programs closed before this revision keep ``closed_at`` NULL: nothing recorded which of their
actions the closing cancelled, so they cannot be reopened (restoring a guess would reopen
actions cancelled one by one, on purpose).
"""
import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = '0006_program_reopen'
down_revision = '0005_cancel_reason'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('programs', schema=None) as batch_op:
        batch_op.add_column(sa.Column('closed_at', sa.DateTime(), nullable=True))
    op.create_table('program_closed_actions',
    sa.Column('action_id', sa.Integer(), nullable=False),
    sa.Column('closed_at', sa.DateTime(), nullable=False),
    sa.Column('program_id', sa.Integer(), nullable=False),
    sa.Column('restored_at', sa.DateTime(), nullable=True),
    sa.ForeignKeyConstraint(['action_id'], ['actions.id'], name=op.f('fk_program_closed_actions_action_id_actions'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['program_id'], ['programs.id'], name=op.f('fk_program_closed_actions_program_id_programs'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('action_id', 'closed_at', name=op.f('pk_program_closed_actions'))
    )
    with op.batch_alter_table('program_closed_actions', schema=None) as batch_op:
        batch_op.create_index('ix_program_closed_actions_program', ['program_id', 'closed_at'], unique=False)


def downgrade():
    with op.batch_alter_table('program_closed_actions', schema=None) as batch_op:
        batch_op.drop_index('ix_program_closed_actions_program')
    op.drop_table('program_closed_actions')
    with op.batch_alter_table('programs', schema=None) as batch_op:
        batch_op.drop_column('closed_at')
