"""the organization's audit: who applied, deleted, revealed, pushed, deployed

Revision ID: 0007
Revises: 0006
"""

import sqlalchemy as sa
from alembic import op

from pragma_os.store.types import JSONDocument, UTCDateTime

revision = "0007"
down_revision = "0006"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "audit_events",
        sa.Column(
            "id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), autoincrement=True, nullable=False
        ),
        sa.Column("organization_id", sa.String(length=40), nullable=False),
        sa.Column("at", UTCDateTime(), nullable=False),
        sa.Column("action", sa.String(length=40), nullable=False),
        sa.Column("target", sa.String(length=400), nullable=False),
        sa.Column("user", sa.String(length=320), nullable=True),
        sa.Column("token_name", sa.String(length=200), nullable=True),
        sa.Column("detail", JSONDocument, nullable=False),
        sa.ForeignKeyConstraint(
            ["organization_id"],
            ["organizations.id"],
            name=op.f("fk_audit_events_organization_id_organizations"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_audit_events")),
    )
    op.create_index(op.f("ix_audit_events_organization_id_id"), "audit_events", ["organization_id", "id"])
    op.create_index(op.f("ix_audit_events_at"), "audit_events", ["at"])


def downgrade() -> None:
    op.drop_index(op.f("ix_audit_events_at"), table_name="audit_events")
    op.drop_index(op.f("ix_audit_events_organization_id_id"), table_name="audit_events")
    op.drop_table("audit_events")
