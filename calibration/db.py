"""The calibration's own tables in the results database (created if missing).

They live next to ``experiments.store``'s tables (``batch``, ``design_point``, ``run``,
``outcome``, ``series``, ``ptce_schema_version``) and Optuna's (``studies``, ``trials``,
``trial_*``, ``study_*``, ``version_info``, ``alembic_version``), with names that clash with
neither:

- ``calibration_run``: one calibration (territory, study, settings, fit, files written);
- ``calibration_target``: its targets with the simulated values at the estimate;
- ``sensitivity_run`` and ``sensitivity_index``: a sensitivity analysis and its indices with
  their confidence intervals (half-widths at 95 %).

They are created with ``MetaData.create_all`` rather than an Alembic revision so that the
experiments package, which owns the Alembic history, never depends on this one.
"""

from __future__ import annotations

from sqlalchemy import (
    JSON,
    Boolean,
    Column,
    DateTime,
    Float,
    ForeignKey,
    Integer,
    MetaData,
    String,
    Table,
    Text,
)

from experiments.store import Store

metadata = MetaData()

calibration_run_table = Table(
    "calibration_run", metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("study_name", String(200), nullable=False, index=True),
    Column("zone_code", String(10), nullable=False),
    Column("territory", Text, nullable=False),
    Column("sampler", String(20), nullable=False),
    Column("trials", Integer, nullable=False),
    Column("replications", Integer, nullable=False),
    Column("persons", Integer, nullable=False),
    Column("months", Integer, nullable=False),
    Column("seed", String(40), nullable=False),
    Column("params_file", Text, nullable=False),
    Column("best_trial", Integer, nullable=True),
    Column("best_loss", Float, nullable=True),
    Column("best_params", JSON, nullable=True),
    Column("median_abs_rel_error", Float, nullable=True),
    Column("share_within", Float, nullable=True),
    Column("report", Text, nullable=True),
    Column("calibrated_file", Text, nullable=True),
    Column("created_at", DateTime(timezone=True), nullable=False),
)

calibration_target_table = Table(
    "calibration_target", metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("calibration_id", Integer, ForeignKey("calibration_run.id", ondelete="CASCADE"),
           nullable=False, index=True),
    Column("name", String(100), nullable=False),
    Column("value", Float, nullable=False),
    Column("uncertainty", Float, nullable=False),
    Column("confidence", String(20), nullable=False),
    Column("source", Text, nullable=False),
    Column("fitted", Boolean, nullable=False),
    Column("weight", Float, nullable=False),
    Column("simulated", Float, nullable=True),
    Column("simulated_low", Float, nullable=True),
    Column("simulated_high", Float, nullable=True),
    Column("relative_error", Float, nullable=True),
    Column("within", Boolean, nullable=True),
)

sensitivity_run_table = Table(
    "sensitivity_run", metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("scenario", Text, nullable=False),
    Column("outcome", String(100), nullable=False),
    Column("samples", Integer, nullable=False),
    Column("seed", String(40), nullable=False),
    Column("factors", JSON, nullable=False),
    Column("retained", JSON, nullable=True),
    Column("batches", JSON, nullable=True),
    Column("plot", Text, nullable=True),
    Column("created_at", DateTime(timezone=True), nullable=False),
)

sensitivity_index_table = Table(
    "sensitivity_index", metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("sensitivity_id", Integer, ForeignKey("sensitivity_run.id", ondelete="CASCADE"),
           nullable=False, index=True),
    Column("method", String(20), nullable=False),   # morris | sobol
    Column("factor", String(200), nullable=False),
    Column("index_name", String(20), nullable=False),  # mu_star, sigma, S1, ST
    Column("value", Float, nullable=True),
    Column("conf", Float, nullable=True),  # half-width of the 95 % interval
)


def ensure_tables(store: Store) -> None:
    """Create the calibration tables in ``store`` if they are missing."""
    metadata.create_all(store.engine, checkfirst=True)
