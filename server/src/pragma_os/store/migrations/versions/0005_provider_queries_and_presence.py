"""provider queries and worker presence in the database, so that any replica can relay them

Revision ID: 0005
Revises: 0004
"""

import sqlalchemy as sa
from alembic import op

from pragma_os.store.types import JSONDocument, UTCDateTime

revision = "0005"
down_revision = "0004"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "provider_queries",
        sa.Column("query_id", sa.String(length=40), nullable=False),
        sa.Column("organization_id", sa.String(length=40), nullable=False),
        sa.Column("provider", sa.String(length=63), nullable=False),
        sa.Column("body", JSONDocument, nullable=False),
        sa.Column("expires_at", UTCDateTime(), nullable=False),
        sa.Column("taken_by", sa.String(length=100), nullable=True),
        sa.Column("answered_at", UTCDateTime(), nullable=True),
        sa.Column("answer", JSONDocument, nullable=True),
        sa.Column("error", sa.Text(), nullable=True),
        sa.PrimaryKeyConstraint("query_id", name=op.f("pk_provider_queries")),
    )
    op.create_index(
        op.f("ix_provider_queries_organization_id_provider_expires_at"),
        "provider_queries",
        ["organization_id", "provider", "expires_at"],
    )
    op.create_index(op.f("ix_provider_queries_expires_at"), "provider_queries", ["expires_at"])
    op.create_table(
        "worker_presence",
        sa.Column("organization_id", sa.String(length=40), nullable=False),
        sa.Column("provider", sa.String(length=63), nullable=False),
        sa.Column("worker_id", sa.String(length=100), nullable=False),
        sa.Column("expires_at", UTCDateTime(), nullable=False),
        sa.PrimaryKeyConstraint("organization_id", "provider", "worker_id", name=op.f("pk_worker_presence")),
    )


def downgrade() -> None:
    op.drop_table("worker_presence")
    op.drop_index(op.f("ix_provider_queries_expires_at"), table_name="provider_queries")
    op.drop_index(
        op.f("ix_provider_queries_organization_id_provider_expires_at"), table_name="provider_queries"
    )
    op.drop_table("provider_queries")
