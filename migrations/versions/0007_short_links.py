"""Short links: the random key a message's link carries, bound to a person, an action and a purpose.

Revision ID: 0007_short_links
Revises: 0006_program_reopen
Create Date: 2026-12-01 09:10:00

Links sent before this revision are signed tokens; they keep working until they expire
(``coordinator.messages.links`` reads both), so nothing needs converting.
"""
import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = '0007_short_links'
down_revision = '0006_program_reopen'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('short_links',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('key', sa.String(length=16), nullable=False),
    sa.Column('person_id', sa.Integer(), nullable=False),
    sa.Column('action_id', sa.Integer(), nullable=False),
    sa.Column('purpose', sa.String(length=12), nullable=False),
    sa.Column('created_at', sa.DateTime(), nullable=False),
    sa.Column('expires_at', sa.DateTime(), nullable=False),
    sa.Column('revoked_at', sa.DateTime(), nullable=True),
    sa.CheckConstraint("purpose IN ('do', 'follow_up', 'assign')", name=op.f('ck_short_links_purpose_known')),
    sa.ForeignKeyConstraint(['action_id'], ['actions.id'], name=op.f('fk_short_links_action_id_actions'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['person_id'], ['people.id'], name=op.f('fk_short_links_person_id_people'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_short_links')),
    sa.UniqueConstraint('key', name=op.f('uq_short_links_key'))
    )
    with op.batch_alter_table('short_links', schema=None) as batch_op:
        batch_op.create_index('ix_short_links_action_id', ['action_id'], unique=False)
        batch_op.create_index('ix_short_links_expires_at', ['expires_at'], unique=False)
        batch_op.create_index('ix_short_links_person_id_action_id', ['person_id', 'action_id', 'purpose'], unique=False)


def downgrade():
    with op.batch_alter_table('short_links', schema=None) as batch_op:
        batch_op.drop_index('ix_short_links_person_id_action_id')
        batch_op.drop_index('ix_short_links_expires_at')
        batch_op.drop_index('ix_short_links_action_id')
    op.drop_table('short_links')
