"""Alembic environment: uses the engine passed in ``config.attributes['engine']``."""

from __future__ import annotations

from alembic import context

from experiments.store import metadata

config = context.config
engine = config.attributes["engine"]

with engine.begin() as connection:
    context.configure(
        connection=connection,
        target_metadata=metadata,
        render_as_batch=connection.dialect.name == "sqlite",
    )
    context.run_migrations()
