"""the history of every resource (one row per lifecycle transition), and when an event's lease began

Revision ID: 0009
Revises: 0008
"""

import sqlalchemy as sa
from alembic import op

from pragma_os.store.types import JSONDocument, UTCDateTime

revision = "0009"
down_revision = "0008"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "resource_history",
        sa.Column(
            "id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), autoincrement=True, nullable=False
        ),
        sa.Column("organization_id", sa.String(length=40), nullable=False),
        sa.Column("resource_id", sa.String(length=400), nullable=False),
        sa.Column("at", UTCDateTime(), nullable=False),
        sa.Column("cause", sa.String(length=30), nullable=False),
        sa.Column("actor", sa.String(length=400), nullable=True),
        sa.Column("caused_by", sa.String(length=400), nullable=True),
        sa.Column("from_state", sa.String(length=20), nullable=True),
        sa.Column("to_state", sa.String(length=20), nullable=True),
        sa.Column("generation", sa.Integer(), nullable=True),
        sa.Column("event_id", sa.String(length=40), nullable=True),
        sa.Column("attempt", sa.Integer(), nullable=True),
        sa.Column("duration_ms", sa.Integer(), nullable=True),
        sa.Column("error", sa.Text(), nullable=True),
        sa.Column("error_traceback", sa.Text(), nullable=True),
        sa.Column("changes", JSONDocument, nullable=True),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_resource_history")),
    )
    with op.batch_alter_table("resource_history", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_resource_history_at"), ["at"], unique=False)
        batch_op.create_index(
            batch_op.f("ix_resource_history_organization_id_resource_id_id"),
            ["organization_id", "resource_id", "id"],
            unique=False,
        )
    # Nullable: a plain ADD COLUMN on both databases, no table rewrite.
    op.add_column("events", sa.Column("leased_at", UTCDateTime(), nullable=True))


def downgrade() -> None:
    op.drop_column("events", "leased_at")
    op.drop_table("resource_history")
