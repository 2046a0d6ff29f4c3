"""Alembic environment: runs on the connection that ``pragma_os.store.migrate`` hands over."""

from alembic import context

from pragma_os.store.tables import metadata

connection = context.config.attributes.get("connection")
if connection is None:
    raise RuntimeError("Run migrations with 'pragma-os db upgrade'.")
context.configure(
    connection=connection,
    target_metadata=metadata,
    render_as_batch=connection.dialect.name == "sqlite",
)
with context.begin_transaction():
    context.run_migrations()
