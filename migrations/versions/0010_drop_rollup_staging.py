"""Drop the rollup staging tables: the recompute compares expected and live rows in one
statement under a snapshot (coordinator/rollups/expected.py) and never writes scratch rows.

Revision ID: 0010_drop_rollup_staging
Revises: 0009_public_titles
Create Date: 2026-12-01 16:30:00
"""
import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = '0010_drop_rollup_staging'
down_revision = '0009_public_titles'
branch_labels = None
depends_on = None


def upgrade():
    op.drop_table('program_rollups_staging')
    op.drop_table('indicator_rollups_staging')


def downgrade():
    op.create_table('indicator_rollups_staging',
    sa.Column('indicator_id', sa.Integer(), nullable=False),
    sa.Column('region_code', sa.String(length=16), nullable=False),
    sa.Column('year', sa.Integer(), nullable=False),
    sa.Column('month', sa.Integer(), nullable=False),
    sa.Column('count', sa.Integer(), nullable=False),
    sa.Column('reported', sa.Integer(), server_default='0', nullable=False),
    sa.PrimaryKeyConstraint('indicator_id', 'region_code', 'year', 'month', name=op.f('pk_indicator_rollups_staging'))
    )
    op.create_table('program_rollups_staging',
    sa.Column('program_id', sa.Integer(), nullable=False),
    sa.Column('region_code', sa.String(length=16), nullable=False),
    sa.Column('network_key', sa.Integer(), nullable=False),
    sa.Column('total', sa.Integer(), nullable=False),
    sa.Column('open', sa.Integer(), nullable=False),
    sa.Column('done', sa.Integer(), nullable=False),
    sa.Column('done_on_time', sa.Integer(), nullable=False),
    sa.Column('overdue', sa.Integer(), nullable=False),
    sa.Column('cancelled', sa.Integer(), nullable=False),
    sa.Column('people_reached', sa.Integer(), nullable=False),
    sa.PrimaryKeyConstraint('program_id', 'region_code', 'network_key', name=op.f('pk_program_rollups_staging'))
    )
