"""the W3C traceparent of the apply that queued an event, handed to the worker with its lease

Revision ID: 0010
Revises: 0009
"""

import sqlalchemy as sa
from alembic import op

revision = "0010"
down_revision = "0009"
branch_labels = None
depends_on = None


def upgrade() -> None:
    # Nullable: a plain ADD COLUMN on both databases, no table rewrite; untraced events have none.
    op.add_column("events", sa.Column("traceparent", sa.String(100), nullable=True))


def downgrade() -> None:
    op.drop_column("events", "traceparent")
