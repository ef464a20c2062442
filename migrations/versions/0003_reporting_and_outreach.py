"""Dashboard: which kelurahan reported (indicator_rollups.reported), indicator consistency rules,
when the rollups last changed (rollup_marks), outreach targets of programs.

Existing rollup rows get their ``reported`` counts from the kelurahan rows (a kelurahan row
exists exactly when its count was recorded); the seeded KTPA/TPPO indicators get their rules.

Revision ID: 0003_reporting_and_outreach
Revises: 0002_dead_letters_leases
Create Date: 2026-12-01 06:39:12.952010

"""
import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = '0003_reporting_and_outreach'
down_revision = '0002_dead_letters_leases'
branch_labels = None
depends_on = None

KELURAHAN = "(SELECT code FROM regions WHERE level = 'kelurahan')"
FILL_REPORTED = (
    f"UPDATE indicator_rollups SET reported = 1 WHERE region_code IN {KELURAHAN}",
    ("UPDATE indicator_rollups SET reported = (SELECT COUNT(*) FROM indicator_rollups k "
     f"WHERE k.region_code IN {KELURAHAN} AND k.indicator_id = indicator_rollups.indicator_id "
     "AND k.year = indicator_rollups.year AND k.month = indicator_rollups.month "
     "AND (indicator_rollups.region_code = 'ID' "
     "OR k.region_code LIKE indicator_rollups.region_code || '.%')) "
     f"WHERE region_code NOT IN {KELURAHAN}"),
    ("UPDATE indicators SET sum_of = '[\"ktpa_women\", \"ktpa_children\"]' "
     "WHERE code = 'ktpa_victims' AND sum_of IS NULL"),
    ("UPDATE indicators SET within_code = 'ktpa_victims' "
     "WHERE code = 'tppo_victims' AND within_code IS NULL"),
)


def upgrade():
    op.create_table('rollup_marks',
    sa.Column('name', sa.String(length=20), nullable=False),
    sa.Column('at', sa.DateTime(), nullable=False),
    sa.PrimaryKeyConstraint('name', name=op.f('pk_rollup_marks'))
    )
    op.create_table('outreach_targets',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('program_id', sa.Integer(), nullable=False),
    sa.Column('region_code', sa.String(length=16), nullable=False),
    sa.Column('network_id', sa.Integer(), nullable=True),
    sa.Column('people', sa.Integer(), nullable=False),
    sa.Column('updated_at', sa.DateTime(), nullable=False),
    sa.CheckConstraint('people > 0', name=op.f('ck_outreach_targets_people_positive')),
    sa.ForeignKeyConstraint(['network_id'], ['networks.id'], name=op.f('fk_outreach_targets_network_id_networks'), ondelete='RESTRICT'),
    sa.ForeignKeyConstraint(['program_id'], ['programs.id'], name=op.f('fk_outreach_targets_program_id_programs'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['region_code'], ['regions.code'], name=op.f('fk_outreach_targets_region_code_regions'), ondelete='RESTRICT'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_outreach_targets'))
    )
    with op.batch_alter_table('outreach_targets', schema=None) as batch_op:
        batch_op.create_index('uq_outreach_targets_all_networks', ['program_id', 'region_code'], unique=True, sqlite_where=sa.text('network_id IS NULL'), postgresql_where=sa.text('network_id IS NULL'))
        batch_op.create_index('uq_outreach_targets_network', ['program_id', 'region_code', 'network_id'], unique=True, sqlite_where=sa.text('network_id IS NOT NULL'), postgresql_where=sa.text('network_id IS NOT NULL'))

    with op.batch_alter_table('indicator_rollups', schema=None) as batch_op:
        batch_op.add_column(sa.Column('reported', sa.Integer(), server_default='0', nullable=False))

    with op.batch_alter_table('indicator_rollups_staging', schema=None) as batch_op:
        batch_op.add_column(sa.Column('reported', sa.Integer(), server_default='0', nullable=False))

    with op.batch_alter_table('indicators', schema=None) as batch_op:
        batch_op.add_column(sa.Column('sum_of', sa.JSON(), nullable=True))
        batch_op.add_column(sa.Column('within_code', sa.String(length=40), nullable=True))

    for statement in FILL_REPORTED:
        op.execute(statement)


def downgrade():
    with op.batch_alter_table('indicators', schema=None) as batch_op:
        batch_op.drop_column('within_code')
        batch_op.drop_column('sum_of')

    with op.batch_alter_table('indicator_rollups_staging', schema=None) as batch_op:
        batch_op.drop_column('reported')

    with op.batch_alter_table('indicator_rollups', schema=None) as batch_op:
        batch_op.drop_column('reported')

    with op.batch_alter_table('outreach_targets', schema=None) as batch_op:
        batch_op.drop_index('uq_outreach_targets_network', sqlite_where=sa.text('network_id IS NOT NULL'), postgresql_where=sa.text('network_id IS NOT NULL'))
        batch_op.drop_index('uq_outreach_targets_all_networks', sqlite_where=sa.text('network_id IS NULL'), postgresql_where=sa.text('network_id IS NULL'))

    op.drop_table('outreach_targets')
    op.drop_table('rollup_marks')
