"""providers and builds

Revision ID: 0002
Revises: 0001
"""

import sqlalchemy as sa
from alembic import op

from pragma_os.store.types import JSONDocument, UTCDateTime

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "builds",
        sa.Column("pk", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("organization_id", sa.String(length=40), nullable=False),
        sa.Column("provider_id", sa.String(length=63), nullable=False),
        sa.Column("version", sa.String(length=20), nullable=False),
        sa.Column("status", sa.String(length=10), nullable=False),
        sa.Column("error_message", sa.Text(), nullable=True),
        sa.Column("package", sa.String(length=255), nullable=True),
        sa.Column("resource_types", JSONDocument, nullable=True),
        sa.Column("created_at", UTCDateTime(), nullable=False),
        sa.Column("finished_at", UTCDateTime(), nullable=True),
        sa.ForeignKeyConstraint(
            ["organization_id"], ["organizations.id"], name=op.f("fk_builds_organization_id_organizations")
        ),
        sa.PrimaryKeyConstraint("pk", name=op.f("pk_builds")),
        sa.UniqueConstraint(
            "organization_id",
            "provider_id",
            "version",
            name=op.f("uq_builds_organization_id_provider_id_version"),
        ),
    )
    with op.batch_alter_table("builds", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_builds_status"), ["status"], unique=False)

    op.create_table(
        "providers",
        sa.Column("pk", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("organization_id", sa.String(length=40), nullable=False),
        sa.Column("provider_id", sa.String(length=63), nullable=False),
        sa.Column("deployed_version", sa.String(length=20), nullable=True),
        sa.Column("target_version", sa.String(length=20), nullable=True),
        sa.Column("deployment_status", sa.String(length=12), nullable=True),
        sa.Column("deployment_error", sa.Text(), nullable=True),
        sa.Column("created_at", UTCDateTime(), nullable=False),
        sa.Column("updated_at", UTCDateTime(), nullable=False),
        sa.ForeignKeyConstraint(
            ["organization_id"], ["organizations.id"], name=op.f("fk_providers_organization_id_organizations")
        ),
        sa.PrimaryKeyConstraint("pk", name=op.f("pk_providers")),
        sa.UniqueConstraint(
            "organization_id", "provider_id", name=op.f("uq_providers_organization_id_provider_id")
        ),
    )


def downgrade() -> None:
    op.drop_table("providers")
    with op.batch_alter_table("builds", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_builds_status"))

    op.drop_table("builds")
