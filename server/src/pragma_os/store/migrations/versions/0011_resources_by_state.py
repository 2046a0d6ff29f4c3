"""an index on resources by organization, lifecycle state and id: the console's state filter

Revision ID: 0011
Revises: 0010
"""

from alembic import op

revision = "0011"
down_revision = "0010"
branch_labels = None
depends_on = None

INDEX = "ix_resources_organization_id_lifecycle_state_id"


def upgrade() -> None:
    # A page of one state's resources in id order reads only that page, at any table size.
    op.create_index(INDEX, "resources", ["organization_id", "lifecycle_state", "id"], unique=False)


def downgrade() -> None:
    op.drop_index(INDEX, table_name="resources")
