"""tracebacks of failed handlers (resources and dead letters), and where a resource's retries stand

Revision ID: 0006
Revises: 0005
"""

import sqlalchemy as sa
from alembic import op

from pragma_os.store.types import JSONDocument

revision = "0006"
down_revision = "0005"
branch_labels = None
depends_on = None


def upgrade() -> None:
    # Nullable columns: a plain ADD COLUMN on both databases, no table rewrite.
    op.add_column("resources", sa.Column("error_traceback", sa.Text(), nullable=True))
    op.add_column("resources", sa.Column("retry", JSONDocument, nullable=True))
    op.add_column("dead_letters", sa.Column("error_traceback", sa.Text(), nullable=True))


def downgrade() -> None:
    op.drop_column("dead_letters", "error_traceback")
    op.drop_column("resources", "retry")
    op.drop_column("resources", "error_traceback")
