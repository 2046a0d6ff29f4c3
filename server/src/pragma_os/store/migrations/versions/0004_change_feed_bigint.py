"""change feed positions are 64-bit on PostgreSQL (SQLite's integers are already)

Revision ID: 0004
Revises: 0003
"""

import sqlalchemy as sa
from alembic import op

revision = "0004"
down_revision = "0003"
branch_labels = None
depends_on = None


def upgrade() -> None:
    if op.get_bind().dialect.name != "postgresql":
        return
    op.alter_column("resource_changes", "seq", type_=sa.BigInteger(), existing_nullable=False)
    op.execute("ALTER SEQUENCE resource_changes_seq_seq AS bigint")


def downgrade() -> None:
    if op.get_bind().dialect.name != "postgresql":
        return
    op.execute("ALTER SEQUENCE resource_changes_seq_seq AS integer")
    op.alter_column("resource_changes", "seq", type_=sa.Integer(), existing_nullable=False)
