"""sandbox slots: a uid of its own for each organization's pushed code

Revision ID: 0003
Revises: 0002
"""

import sqlalchemy as sa
from alembic import op

revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "sandbox_slots",
        sa.Column("slot", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("organization_id", sa.String(length=40), nullable=False),
        sa.ForeignKeyConstraint(
            ["organization_id"],
            ["organizations.id"],
            name=op.f("fk_sandbox_slots_organization_id_organizations"),
        ),
        sa.PrimaryKeyConstraint("slot", name=op.f("pk_sandbox_slots")),
        sa.UniqueConstraint("organization_id", name=op.f("uq_sandbox_slots_organization_id")),
    )


def downgrade() -> None:
    op.drop_table("sandbox_slots")
