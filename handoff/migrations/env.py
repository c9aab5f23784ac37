"""Alembic environment: runs on the connection handoff.db.migrate passes in (or the configured URL)."""

from alembic import context

from handoff.db import make_engine
from handoff.models import Base

connection = context.config.attributes.get("connection")
if connection is None:
    with make_engine().begin() as connection:
        context.configure(connection=connection, target_metadata=Base.metadata)
        context.run_migrations()
else:
    context.configure(connection=connection, target_metadata=Base.metadata)
    context.run_migrations()
