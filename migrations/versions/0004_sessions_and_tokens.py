"""Server-side web sessions, and an expiry on API tokens.

Revision ID: 0004_sessions_and_tokens
Revises: 0003_reporting_and_outreach
Create Date: 2026-12-01 06:00:00

Existing tokens get an expiry API_TOKEN_DAYS' default (90 days) from now, so none is cut off
at the upgrade but none lives forever either.
"""
from datetime import UTC, datetime, timedelta

import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = '0004_sessions_and_tokens'
down_revision = '0003_reporting_and_outreach'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('web_sessions',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('person_id', sa.Integer(), nullable=False),
    sa.Column('token_hash', sa.String(length=64), nullable=False),
    sa.Column('created_at', sa.DateTime(), nullable=False),
    sa.Column('expires_at', sa.DateTime(), nullable=False),
    sa.Column('revoked_at', sa.DateTime(), nullable=True),
    sa.Column('user_agent', sa.String(length=200), nullable=True),
    sa.ForeignKeyConstraint(['person_id'], ['people.id'], name=op.f('fk_web_sessions_person_id_people'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_web_sessions')),
    sa.UniqueConstraint('token_hash', name=op.f('uq_web_sessions_token_hash'))
    )
    with op.batch_alter_table('web_sessions', schema=None) as batch_op:
        batch_op.create_index('ix_web_sessions_person_id', ['person_id'], unique=False)

    with op.batch_alter_table('api_tokens', schema=None) as batch_op:
        batch_op.add_column(sa.Column('expires_at', sa.DateTime(), nullable=True))
    tokens = sa.table('api_tokens', sa.column('expires_at', sa.DateTime()),
                      sa.column('created_at', sa.DateTime()), sa.column('revoked_at', sa.DateTime()))
    later = (datetime.now(UTC) + timedelta(days=90)).replace(tzinfo=None)
    op.execute(tokens.update().where(tokens.c.revoked_at.is_(None)).values(expires_at=later))


def downgrade():
    with op.batch_alter_table('api_tokens', schema=None) as batch_op:
        batch_op.drop_column('expires_at')
    with op.batch_alter_table('web_sessions', schema=None) as batch_op:
        batch_op.drop_index('ix_web_sessions_person_id')
    op.drop_table('web_sessions')
