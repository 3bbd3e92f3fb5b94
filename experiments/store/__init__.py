"""The results store: SQLAlchemy 2 tables for batches, design points, runs and their results.

One SQLite file by default (WAL mode, so readers such as the dashboard can query while a batch
writes), PostgreSQL by URL (``postgresql+psycopg://user@host/db``). The schema is created and
upgraded by the Alembic migrations of ``experiments/store/migrations`` whenever a store is opened.

Only the coordinating process of a batch writes (:mod:`experiments.batches.batch`); workers return
their results to it. Person-level spells are not put in SQL: they go to one Parquet file per
run in the artifact directory, referenced from ``run.spells_path``.

Tables (DESIGN.md section 5):

- ``batch``: design (JSON), root seed, replications, code version and git sha, status, timing,
  coordinator and heartbeat;
- ``design_point``: one (scenario, parameter values) of a batch, with the full parameters;
- ``run``: one replication of a design point: seed entropy and spawn key, status
  (pending/running/succeeded/failed), worker, heartbeat, error stage and traceback, wall time;
  unique per (batch, point, replication);
- ``outcome`` (run, name, value) and ``series`` (run, name, month, value).
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from sqlalchemy import (
    JSON,
    Column,
    DateTime,
    Engine,
    Float,
    ForeignKey,
    Index,
    Integer,
    MetaData,
    String,
    Table,
    Text,
    UniqueConstraint,
    create_engine,
    event,
    text,
)
from sqlalchemy.engine import Connection, make_url
from sqlalchemy.exc import ArgumentError, OperationalError, SQLAlchemyError

#: Used when neither ``--db`` nor the ``PTCE_DB`` environment variable is given.
DEFAULT_DB = "sqlite:///runs/ptce.sqlite"
#: The Alembic revision this code expects (``experiments/store/migrations/versions``).
SCHEMA_REVISION = "0001"

RUN_STATUSES = ("pending", "running", "succeeded", "failed")

metadata = MetaData()

batch_table = Table(
    "batch", metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("name", String(200), nullable=False, default=""),
    Column("signature", String(64), nullable=False, index=True),
    Column("design", JSON, nullable=False),
    Column("root_seed", String(80), nullable=False),
    Column("replications", Integer, nullable=False),
    Column("code_version", String(40), nullable=False, default=""),
    Column("git_sha", String(40), nullable=True),
    Column("status", String(16), nullable=False, default="pending"),
    Column("executor", String(200), nullable=True),
    Column("coordinator", String(200), nullable=True),
    Column("heartbeat", DateTime(timezone=True), nullable=True),
    Column("created_at", DateTime(timezone=True), nullable=False),
    Column("started_at", DateTime(timezone=True), nullable=True),
    Column("finished_at", DateTime(timezone=True), nullable=True),
    Column("artifact_dir", Text, nullable=True),
)

design_point_table = Table(
    "design_point", metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("batch_id", Integer, ForeignKey("batch.id", ondelete="CASCADE"), nullable=False),
    Column("point_index", Integer, nullable=False),
    Column("scenario", String(300), nullable=False),
    Column("label", String(200), nullable=True),
    Column("values", JSON, nullable=False),
    Column("params", JSON, nullable=False),
    UniqueConstraint("batch_id", "point_index", name="uq_design_point"),
)

run_table = Table(
    "run", metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("batch_id", Integer, ForeignKey("batch.id", ondelete="CASCADE"), nullable=False),
    Column("point_id", Integer, ForeignKey("design_point.id", ondelete="CASCADE"),
           nullable=False),
    Column("replication", Integer, nullable=False),
    Column("seed_entropy", String(80), nullable=False),
    Column("spawn_key", JSON, nullable=False),
    Column("status", String(16), nullable=False, default="pending"),
    Column("attempts", Integer, nullable=False, default=0),
    Column("worker", String(200), nullable=True),
    Column("heartbeat", DateTime(timezone=True), nullable=True),
    Column("started_at", DateTime(timezone=True), nullable=True),
    Column("finished_at", DateTime(timezone=True), nullable=True),
    Column("wall_time", Float, nullable=True),
    Column("error_stage", String(40), nullable=True),
    Column("error_type", String(200), nullable=True),
    Column("error_message", Text, nullable=True),
    Column("traceback", Text, nullable=True),
    Column("spells_path", Text, nullable=True),
    Column("transitions", JSON, nullable=True),
    UniqueConstraint("batch_id", "point_id", "replication", name="uq_run"),
    Index("ix_run_batch_status", "batch_id", "status"),
)

outcome_table = Table(
    "outcome", metadata,
    Column("run_id", Integer, ForeignKey("run.id", ondelete="CASCADE"), primary_key=True),
    Column("name", String(100), primary_key=True),
    Column("value", Float, nullable=True),
    sqlite_with_rowid=False,
)

series_table = Table(
    "series", metadata,
    Column("run_id", Integer, ForeignKey("run.id", ondelete="CASCADE"), primary_key=True),
    Column("name", String(100), primary_key=True),
    Column("month", Integer, primary_key=True),
    Column("value", Float, nullable=True),
    # stored once, in key order, instead of a rowid table plus a key index (SQLite only)
    sqlite_with_rowid=False,
)


class StoreError(Exception):
    """The database cannot be opened or used; the message says which and why."""


def now() -> datetime:
    """The current time, timezone-aware (UTC)."""
    return datetime.now(UTC)


def resolve_db_url(db: str | None = None) -> str:
    """``db``, else the ``PTCE_DB`` environment variable, else :data:`DEFAULT_DB`."""
    return db or os.environ.get("PTCE_DB") or DEFAULT_DB


@dataclass
class Store:
    """An open results store: an engine whose schema is at :data:`SCHEMA_REVISION`."""

    url: str
    engine: Engine

    @property
    def is_sqlite(self) -> bool:
        return self.engine.dialect.name == "sqlite"

    @property
    def sqlite_path(self) -> Path | None:
        """The SQLite file, or None for another database."""
        if not self.is_sqlite:
            return None
        database = make_url(self.url).database
        return Path(database) if database and database != ":memory:" else None

    def default_artifact_dir(self) -> Path:
        """Where run artifacts go unless configured: next to the SQLite file, else ``runs/``."""
        configured = os.environ.get("PTCE_ARTIFACTS")
        if configured:
            return Path(configured)
        path = self.sqlite_path
        if path is not None:
            return path.parent / f"{path.stem}_artifacts"
        return Path("runs") / "artifacts"

    @contextmanager
    def begin(self) -> Iterator[Connection]:
        """A connection inside one transaction (committed on success)."""
        with self.engine.begin() as conn:
            yield conn

    def close(self) -> None:
        self.engine.dispose()


def open_store(db: str | None = None, *, migrate: bool = True) -> Store:
    """Open (and create or upgrade, with ``migrate``) the store at ``db`` (see
    :func:`resolve_db_url`).

    Raises :class:`StoreError` with a message naming the URL when the URL is malformed, the
    SQLite file cannot be created or written, or the server does not answer.
    """
    url_text = resolve_db_url(db)
    try:
        url = make_url(url_text)
    except ArgumentError as exc:
        raise StoreError(
            f"database URL {url_text!r} is not a URL; expected e.g. sqlite:///runs/ptce.sqlite "
            "or postgresql+psycopg://user@host:5432/dbname"
        ) from exc
    kwargs: dict[str, Any] = {}
    if url.get_backend_name() == "sqlite":
        _prepare_sqlite_path(url_text, url.database)
        kwargs["connect_args"] = {"timeout": 30}
    elif url.get_backend_name() == "postgresql":
        kwargs["connect_args"] = {"connect_timeout": 5}
        kwargs["pool_pre_ping"] = True
    try:
        engine = create_engine(url, **kwargs)
    except (ArgumentError, ImportError, SQLAlchemyError) as exc:
        raise StoreError(f"cannot use database {_safe(url_text)}: {exc}") from exc
    if engine.dialect.name == "sqlite":
        event.listen(engine, "connect", _sqlite_pragmas)
    store = Store(url=url_text, engine=engine)
    try:
        with engine.connect() as conn:
            conn.execute(text("SELECT 1"))
        if migrate:
            from experiments.store.migrations import upgrade

            upgrade(engine)
    except OperationalError as exc:
        engine.dispose()
        reason = str(exc.orig) if exc.orig is not None else str(exc)
        raise StoreError(
            f"cannot open database {_safe(url_text)}: {reason.strip().splitlines()[0]}"
        ) from exc
    except SQLAlchemyError as exc:
        engine.dispose()
        raise StoreError(f"cannot open database {_safe(url_text)}: {exc}") from exc
    return store


def _prepare_sqlite_path(url_text: str, database: str | None) -> None:
    if not database or database == ":memory:":
        return
    path = Path(database)
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise StoreError(
            f"cannot create the folder {str(path.parent)!r} for SQLite database {url_text!r}: "
            f"{exc.strerror or exc}"
        ) from exc
    if path.exists():
        if not os.access(path, os.R_OK | os.W_OK):
            raise StoreError(f"SQLite database {str(path)!r} is not writable")
    if not os.access(path.parent, os.W_OK):
        raise StoreError(
            f"cannot write SQLite database {str(path)!r}: folder {str(path.parent)!r} is not "
            "writable (SQLite needs to create its journal files there)"
        )


def _sqlite_pragmas(dbapi_connection: Any, _record: Any) -> None:
    cursor = dbapi_connection.cursor()
    # WAL lets readers (dashboard, `ptce runs list`) query while the coordinator writes.
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA synchronous=NORMAL")
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.execute("PRAGMA busy_timeout=30000")
    cursor.close()


def _safe(url_text: str) -> str:
    """The URL with any password hidden."""
    try:
        return make_url(url_text).render_as_string(hide_password=True)
    except ArgumentError:
        return url_text
