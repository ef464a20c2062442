"""dead letters, handled events, uncertain sends, idempotent API requests

Events record when every handler processed them (``handled_at``) and how often the relay
published them (``deliveries``); notifications record since when a send is uncertain;
``dead_letters`` keeps work that failed past its retries; ``idempotent_requests`` keeps the
first answer to an API request sent with an ``Idempotency-Key``.

Revision ID: 0002_dead_letters_leases
Revises: 0001_initial_schema
"""
import sqlalchemy as sa
from alembic import op

revision = "0002_dead_letters_leases"
down_revision = "0001_initial_schema"
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table("events", schema=None) as batch_op:
        batch_op.add_column(sa.Column("handled_at", sa.DateTime(), nullable=True))
        batch_op.add_column(
            sa.Column("deliveries", sa.Integer(), server_default="0", nullable=False)
        )
        batch_op.create_index(
            "ix_events_unhandled", ["published_at"], unique=False,
            sqlite_where=sa.text("handled_at IS NULL"),
            postgresql_where=sa.text("handled_at IS NULL"),
        )
    # Events relayed before this revision were handled under the old rule: do not replay them.
    op.execute("UPDATE events SET handled_at = published_at, deliveries = 1 "
               "WHERE published_at IS NOT NULL")
    with op.batch_alter_table("notifications", schema=None) as batch_op:
        batch_op.add_column(sa.Column("uncertain_since", sa.DateTime(), nullable=True))

    op.create_table(
        "dead_letters",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("key", sa.String(length=64), nullable=False),
        sa.Column("task_name", sa.String(length=100), nullable=False),
        sa.Column("args", sa.JSON(), nullable=False),
        sa.Column("event_id", sa.Integer(), nullable=True),
        sa.Column("error", sa.Text(), nullable=False),
        sa.Column("failures", sa.Integer(), server_default="1", nullable=False),
        sa.Column("status", sa.String(length=10), server_default="dead", nullable=False),
        sa.Column("first_failed_at", sa.DateTime(), nullable=False),
        sa.Column("last_failed_at", sa.DateTime(), nullable=False),
        sa.Column("retried_at", sa.DateTime(), nullable=True),
        sa.Column("retried_by_id", sa.Integer(), nullable=True),
        sa.ForeignKeyConstraint(["event_id"], ["events.id"],
                                name=op.f("fk_dead_letters_event_id_events"), ondelete="CASCADE"),
        sa.ForeignKeyConstraint(["retried_by_id"], ["people.id"],
                                name=op.f("fk_dead_letters_retried_by_id_people"),
                                ondelete="SET NULL"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_dead_letters")),
        sa.UniqueConstraint("key", name=op.f("uq_dead_letters_key")),
    )
    with op.batch_alter_table("dead_letters", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_dead_letters_event_id"), ["event_id"], unique=False)
        batch_op.create_index(
            "ix_dead_letters_open", ["last_failed_at"], unique=False,
            sqlite_where=sa.text("status = 'dead'"), postgresql_where=sa.text("status = 'dead'"),
        )

    op.create_table(
        "idempotent_requests",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("person_id", sa.Integer(), nullable=False),
        sa.Column("endpoint", sa.String(length=120), nullable=False),
        sa.Column("key", sa.String(length=100), nullable=False),
        sa.Column("fingerprint", sa.String(length=64), nullable=False),
        sa.Column("status_code", sa.Integer(), nullable=False),
        sa.Column("body", sa.JSON(), nullable=False),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.ForeignKeyConstraint(["person_id"], ["people.id"],
                                name=op.f("fk_idempotent_requests_person_id_people"),
                                ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_idempotent_requests")),
        sa.UniqueConstraint("person_id", "endpoint", "key",
                            name=op.f("uq_idempotent_requests_person_id_endpoint_key")),
    )


def downgrade():
    op.drop_table("idempotent_requests")
    with op.batch_alter_table("dead_letters", schema=None) as batch_op:
        batch_op.drop_index("ix_dead_letters_open")
        batch_op.drop_index(batch_op.f("ix_dead_letters_event_id"))
    op.drop_table("dead_letters")
    with op.batch_alter_table("notifications", schema=None) as batch_op:
        batch_op.drop_column("uncertain_since")
    with op.batch_alter_table("events", schema=None) as batch_op:
        batch_op.drop_index("ix_events_unhandled")
        batch_op.drop_column("deliveries")
        batch_op.drop_column("handled_at")
