"""Alembic environment: uses the engine passed in ``config.attributes['engine']``."""

from __future__ import annotations

from alembic import context

from experiments.store import metadata
from experiments.store.migrations import VERSION_TABLE

config = context.config
engine = config.attributes["engine"]

with engine.begin() as connection:
    context.configure(
        connection=connection,
        target_metadata=metadata,
        render_as_batch=connection.dialect.name == "sqlite",
        # our own version table: Optuna's storage (calibration) keeps its schema revision in
        # the default `alembic_version` of the same database
        version_table=VERSION_TABLE,
    )
    context.run_migrations()
