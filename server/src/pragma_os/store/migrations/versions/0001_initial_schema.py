"""initial schema

Revision ID: 0001
Revises:
"""

import sqlalchemy as sa
from alembic import op

from pragma_os.store.types import JSONDocument, UTCDateTime

revision = "0001"
down_revision = None
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "organizations",
        sa.Column("id", sa.String(length=40), nullable=False),
        sa.Column("name", sa.String(length=63), nullable=False),
        sa.Column("created_at", UTCDateTime(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_organizations")),
        sa.UniqueConstraint("name", name=op.f("uq_organizations_name")),
    )
    op.create_table(
        "resource_changes",
        sa.Column("seq", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("organization_id", sa.String(length=40), nullable=False),
        sa.Column("resource_id", sa.String(length=400), nullable=False),
        sa.Column("provider", sa.String(length=63), nullable=False),
        sa.Column("resource", sa.String(length=253), nullable=False),
        sa.Column("name", sa.String(length=63), nullable=False),
        sa.Column("deleted", sa.Boolean(), nullable=False),
        sa.Column("changed_at", UTCDateTime(), nullable=False),
        sa.PrimaryKeyConstraint("seq", name=op.f("pk_resource_changes")),
    )
    with op.batch_alter_table("resource_changes", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_resource_changes_changed_at"), ["changed_at"], unique=False)
        batch_op.create_index(
            batch_op.f("ix_resource_changes_organization_id_seq"), ["organization_id", "seq"], unique=False
        )

    op.create_table(
        "dead_letters",
        sa.Column("pk", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("event_id", sa.String(length=40), nullable=False),
        sa.Column("organization_id", sa.String(length=40), nullable=False),
        sa.Column("provider", sa.String(length=63), nullable=False),
        sa.Column("resource_type", sa.String(length=253), nullable=False),
        sa.Column("resource_name", sa.String(length=63), nullable=False),
        sa.Column("resource_id", sa.String(length=400), nullable=False),
        sa.Column("event_type", sa.String(length=10), nullable=False),
        sa.Column("payload", JSONDocument, nullable=False),
        sa.Column("error_message", sa.Text(), nullable=False),
        sa.Column("attempt_count", sa.Integer(), nullable=False),
        sa.Column("failed_at", UTCDateTime(), nullable=False),
        sa.ForeignKeyConstraint(
            ["organization_id"],
            ["organizations.id"],
            name=op.f("fk_dead_letters_organization_id_organizations"),
        ),
        sa.PrimaryKeyConstraint("pk", name=op.f("pk_dead_letters")),
        sa.UniqueConstraint(
            "organization_id", "event_id", name=op.f("uq_dead_letters_organization_id_event_id")
        ),
    )
    with op.batch_alter_table("dead_letters", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_dead_letters_organization_id_provider"),
            ["organization_id", "provider"],
            unique=False,
        )
        batch_op.create_index(
            batch_op.f("ix_dead_letters_organization_id_resource_id"),
            ["organization_id", "resource_id"],
            unique=False,
        )

    op.create_table(
        "resource_types",
        sa.Column("pk", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("organization_id", sa.String(length=40), nullable=True),
        sa.Column("provider", sa.String(length=63), nullable=False),
        sa.Column("resource", sa.String(length=253), nullable=False),
        sa.Column("schema", JSONDocument, nullable=False),
        sa.Column("outputs_schema", JSONDocument, nullable=False),
        sa.Column("description", sa.Text(), nullable=True),
        sa.Column("tags", JSONDocument, nullable=True),
        sa.Column("created_at", UTCDateTime(), nullable=False),
        sa.Column("updated_at", UTCDateTime(), nullable=False),
        sa.ForeignKeyConstraint(
            ["organization_id"],
            ["organizations.id"],
            name=op.f("fk_resource_types_organization_id_organizations"),
        ),
        sa.PrimaryKeyConstraint("pk", name=op.f("pk_resource_types")),
        sa.UniqueConstraint(
            "organization_id",
            "provider",
            "resource",
            name=op.f("uq_resource_types_organization_id_provider_resource"),
        ),
    )
    op.create_table(
        "resources",
        sa.Column("pk", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("organization_id", sa.String(length=40), nullable=False),
        sa.Column("id", sa.String(length=400), nullable=False),
        sa.Column("provider", sa.String(length=63), nullable=False),
        sa.Column("resource", sa.String(length=253), nullable=False),
        sa.Column("name", sa.String(length=63), nullable=False),
        sa.Column("config", JSONDocument, nullable=False),
        sa.Column("resolved_config", JSONDocument, nullable=True),
        sa.Column("dependencies", JSONDocument, nullable=False),
        sa.Column("owner_references", JSONDocument, nullable=False),
        sa.Column("outputs", JSONDocument, nullable=False),
        sa.Column("error", sa.Text(), nullable=True),
        sa.Column("lifecycle_state", sa.String(length=20), nullable=False),
        sa.Column("pending_event_id", sa.String(length=40), nullable=True),
        sa.Column("provisioned", sa.Boolean(), nullable=False),
        sa.Column("tags", JSONDocument, nullable=True),
        sa.Column("generation", sa.Integer(), nullable=False),
        sa.Column("observed_generation", sa.Integer(), nullable=False),
        sa.Column("waiting_on", JSONDocument, nullable=False),
        sa.Column("deleting", sa.Boolean(), nullable=False),
        sa.Column("applied_config", JSONDocument, nullable=True),
        sa.Column("inputs_digest", sa.String(length=64), nullable=True),
        sa.Column("created_at", UTCDateTime(), nullable=False),
        sa.Column("updated_at", UTCDateTime(), nullable=False),
        sa.ForeignKeyConstraint(
            ["organization_id"], ["organizations.id"], name=op.f("fk_resources_organization_id_organizations")
        ),
        sa.PrimaryKeyConstraint("pk", name=op.f("pk_resources")),
        sa.UniqueConstraint("organization_id", "id", name=op.f("uq_resources_organization_id_id")),
    )
    with op.batch_alter_table("resources", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_resources_organization_id_provider_id"),
            ["organization_id", "provider", "id"],
            unique=False,
        )
        batch_op.create_index(
            batch_op.f("ix_resources_organization_id_provider_resource_id"),
            ["organization_id", "provider", "resource", "id"],
            unique=False,
        )

    op.create_table(
        "users",
        sa.Column("id", sa.String(length=40), nullable=False),
        sa.Column("organization_id", sa.String(length=40), nullable=False),
        sa.Column("email", sa.String(length=320), nullable=False),
        sa.Column("role", sa.String(length=20), nullable=False),
        sa.Column("created_at", UTCDateTime(), nullable=False),
        sa.ForeignKeyConstraint(
            ["organization_id"], ["organizations.id"], name=op.f("fk_users_organization_id_organizations")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_users")),
        sa.UniqueConstraint("organization_id", "email", name=op.f("uq_users_organization_id_email")),
    )
    op.create_table(
        "api_tokens",
        sa.Column("id", sa.String(length=40), nullable=False),
        sa.Column("token_hash", sa.String(length=64), nullable=False),
        sa.Column("organization_id", sa.String(length=40), nullable=False),
        sa.Column("user_id", sa.String(length=40), nullable=True),
        sa.Column("name", sa.String(length=200), nullable=False),
        sa.Column("provider_scope", sa.String(length=1000), nullable=True),
        sa.Column("created_at", UTCDateTime(), nullable=False),
        sa.Column("revoked_at", UTCDateTime(), nullable=True),
        sa.ForeignKeyConstraint(
            ["organization_id"],
            ["organizations.id"],
            name=op.f("fk_api_tokens_organization_id_organizations"),
        ),
        sa.ForeignKeyConstraint(["user_id"], ["users.id"], name=op.f("fk_api_tokens_user_id_users")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_api_tokens")),
        sa.UniqueConstraint("token_hash", name=op.f("uq_api_tokens_token_hash")),
    )
    op.create_table(
        "events",
        sa.Column("pk", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("id", sa.String(length=40), nullable=False),
        sa.Column("organization_id", sa.String(length=40), nullable=False),
        sa.Column("provider", sa.String(length=63), nullable=False),
        sa.Column("resource_pk", sa.Integer(), nullable=False),
        sa.Column("status", sa.String(length=10), nullable=False),
        sa.Column("blocked", sa.Boolean(), nullable=False),
        sa.Column("available_at", UTCDateTime(), nullable=False),
        sa.Column("attempt", sa.Integer(), nullable=False),
        sa.Column("event_type", sa.String(length=10), nullable=True),
        sa.Column("payload", JSONDocument, nullable=True),
        sa.Column("generation", sa.Integer(), nullable=True),
        sa.Column("inputs_digest", sa.String(length=64), nullable=True),
        sa.Column("lease_owner", sa.String(length=100), nullable=True),
        sa.Column("lease_expires_at", UTCDateTime(), nullable=True),
        sa.Column("last_error", sa.Text(), nullable=True),
        sa.Column("created_at", UTCDateTime(), nullable=False),
        sa.ForeignKeyConstraint(
            ["organization_id"], ["organizations.id"], name=op.f("fk_events_organization_id_organizations")
        ),
        sa.ForeignKeyConstraint(
            ["resource_pk"],
            ["resources.pk"],
            name=op.f("fk_events_resource_pk_resources"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("pk", name=op.f("pk_events")),
        sa.UniqueConstraint("id", name=op.f("uq_events_id")),
        sa.UniqueConstraint("resource_pk", name=op.f("uq_events_resource_pk")),
    )
    with op.batch_alter_table("events", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_events_organization_id_provider_status_blocked_available_at"),
            ["organization_id", "provider", "status", "blocked", "available_at"],
            unique=False,
        )
        batch_op.create_index(
            batch_op.f("ix_events_status_lease_expires_at"), ["status", "lease_expires_at"], unique=False
        )

    op.create_table(
        "resource_links",
        sa.Column("resource_pk", sa.Integer(), nullable=False),
        sa.Column("kind", sa.String(length=12), nullable=False),
        sa.Column("target_id", sa.String(length=400), nullable=False),
        sa.Column("organization_id", sa.String(length=40), nullable=False),
        sa.ForeignKeyConstraint(
            ["resource_pk"],
            ["resources.pk"],
            name=op.f("fk_resource_links_resource_pk_resources"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("resource_pk", "kind", "target_id", name=op.f("pk_resource_links")),
    )
    with op.batch_alter_table("resource_links", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_resource_links_organization_id_target_id_kind"),
            ["organization_id", "target_id", "kind"],
            unique=False,
        )

    op.create_table(
        "resource_tags",
        sa.Column("organization_id", sa.String(length=40), nullable=False),
        sa.Column("tag", sa.String(length=255), nullable=False),
        sa.Column("resource_id", sa.String(length=400), nullable=False),
        sa.Column("resource_pk", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["resource_pk"],
            ["resources.pk"],
            name=op.f("fk_resource_tags_resource_pk_resources"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("organization_id", "tag", "resource_id", name=op.f("pk_resource_tags")),
    )
    with op.batch_alter_table("resource_tags", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_resource_tags_resource_pk"), ["resource_pk"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("resource_tags", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_resource_tags_resource_pk"))

    op.drop_table("resource_tags")
    with op.batch_alter_table("resource_links", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_resource_links_organization_id_target_id_kind"))

    op.drop_table("resource_links")
    with op.batch_alter_table("events", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_events_status_lease_expires_at"))
        batch_op.drop_index(batch_op.f("ix_events_organization_id_provider_status_blocked_available_at"))

    op.drop_table("events")
    op.drop_table("api_tokens")
    op.drop_table("users")
    with op.batch_alter_table("resources", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_resources_organization_id_provider_resource_id"))
        batch_op.drop_index(batch_op.f("ix_resources_organization_id_provider_id"))

    op.drop_table("resources")
    op.drop_table("resource_types")
    with op.batch_alter_table("dead_letters", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_dead_letters_organization_id_resource_id"))
        batch_op.drop_index(batch_op.f("ix_dead_letters_organization_id_provider"))

    op.drop_table("dead_letters")
    with op.batch_alter_table("resource_changes", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_resource_changes_organization_id_seq"))
        batch_op.drop_index(batch_op.f("ix_resource_changes_changed_at"))

    op.drop_table("resource_changes")
    op.drop_table("organizations")
