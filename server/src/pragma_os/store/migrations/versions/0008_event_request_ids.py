"""the request id of the apply that queued an event, handed to the worker with its lease

Revision ID: 0008
Revises: 0007
"""

import sqlalchemy as sa
from alembic import op

revision = "0008"
down_revision = "0007"
branch_labels = None
depends_on = None


def upgrade() -> None:
    # Nullable: a plain ADD COLUMN on both databases, no table rewrite; older events have none.
    op.add_column("events", sa.Column("request_id", sa.String(200), nullable=True))


def downgrade() -> None:
    op.drop_column("events", "request_id")
