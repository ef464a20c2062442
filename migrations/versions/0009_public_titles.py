"""A neutral public title on programs and actions, separate from the staff title.

Revision ID: 0009_public_titles
Revises: 0008_hot_path_indexes
Create Date: 2026-12-01 09:00:00

Messages and cadre pages show the public title, never the staff one (which may name the case).
Existing rows never get their staff title copied: a program gets a neutral title from its
category, an action "Kegiatan <network>" (its cadre network) or else its program's public title.
"""
import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = '0009_public_titles'
down_revision = '0008_hot_path_indexes'
branch_labels = None
depends_on = None

NEUTRAL = 'Kegiatan gugus tugas'
BY_CATEGORY = {
    'prevention': 'Kegiatan sosialisasi',
    'coordination': 'Rapat koordinasi',
    'sop': 'Penyusunan SOP',
    'handling': NEUTRAL,
}


def upgrade():
    for table in ('programs', 'actions'):
        with op.batch_alter_table(table, schema=None) as batch_op:
            batch_op.add_column(sa.Column('public_title', sa.String(length=200),
                                          server_default=NEUTRAL, nullable=False))
    programs = sa.table('programs', sa.column('category', sa.String),
                        sa.column('public_title', sa.String))
    for category, title in BY_CATEGORY.items():
        op.execute(programs.update().where(programs.c.category == category)
                   .values(public_title=title))
    op.execute(sa.text(
        "UPDATE actions SET public_title = COALESCE("
        " (SELECT substr('Kegiatan ' || networks.name, 1, 200) FROM networks"
        "  WHERE networks.id = actions.network_id),"
        " (SELECT programs.public_title FROM programs WHERE programs.id = actions.program_id),"
        " :neutral)"
    ).bindparams(neutral=NEUTRAL))


def downgrade():
    for table in ('actions', 'programs'):
        with op.batch_alter_table(table, schema=None) as batch_op:
            batch_op.drop_column('public_title')
