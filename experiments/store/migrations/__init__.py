"""Alembic migrations of the results store, run programmatically when a store is opened.

:func:`upgrade` brings a database (new or old) to the head revision. To add a revision, write a
file in ``versions/`` whose ``down_revision`` is the current head and update
``experiments.store.SCHEMA_REVISION`` and the tables there.
"""

from __future__ import annotations

from pathlib import Path

from alembic import command
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from sqlalchemy import Engine

MIGRATIONS_DIR = Path(__file__).resolve().parent


def alembic_config(engine: Engine) -> Config:
    """An Alembic configuration for ``engine``, without any ``alembic.ini`` file."""
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS_DIR))
    config.attributes["engine"] = engine
    return config


#: Our schema revision's table (Optuna, sharing the database, uses Alembic's default one).
VERSION_TABLE = "ptce_schema_version"


def current_revision(engine: Engine) -> str | None:
    """The revision the database is at (None for an empty database)."""
    with engine.connect() as conn:
        return MigrationContext.configure(
            conn, opts={"version_table": VERSION_TABLE}).get_current_revision()


def upgrade(engine: Engine, revision: str = "head") -> None:
    """Create or upgrade the schema of ``engine``'s database to ``revision``."""
    from experiments.store import SCHEMA_REVISION

    if current_revision(engine) == SCHEMA_REVISION and revision == "head":
        return
    command.upgrade(alembic_config(engine), revision)
