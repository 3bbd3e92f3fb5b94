"""Initial schema: batch, design_point, run, outcome, series.

Revision ID: 0001
Revises:
Create Date: 2026-11-28
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0001"
down_revision = None
branch_labels = None
depends_on = None

TZ = sa.DateTime(timezone=True)


def upgrade() -> None:
    op.create_table(
        "batch",
        sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
        sa.Column("name", sa.String(200), nullable=False),
        sa.Column("signature", sa.String(64), nullable=False),
        sa.Column("design", sa.JSON, nullable=False),
        sa.Column("root_seed", sa.String(80), nullable=False),
        sa.Column("replications", sa.Integer, nullable=False),
        sa.Column("code_version", sa.String(40), nullable=False),
        sa.Column("git_sha", sa.String(40), nullable=True),
        sa.Column("status", sa.String(16), nullable=False),
        sa.Column("executor", sa.String(200), nullable=True),
        sa.Column("coordinator", sa.String(200), nullable=True),
        sa.Column("heartbeat", TZ, nullable=True),
        sa.Column("created_at", TZ, nullable=False),
        sa.Column("started_at", TZ, nullable=True),
        sa.Column("finished_at", TZ, nullable=True),
        sa.Column("artifact_dir", sa.Text, nullable=True),
    )
    op.create_index("ix_batch_signature", "batch", ["signature"])
    op.create_table(
        "design_point",
        sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
        sa.Column("batch_id", sa.Integer, sa.ForeignKey("batch.id", ondelete="CASCADE"),
                  nullable=False),
        sa.Column("point_index", sa.Integer, nullable=False),
        sa.Column("scenario", sa.String(300), nullable=False),
        sa.Column("label", sa.String(200), nullable=True),
        sa.Column("values", sa.JSON, nullable=False),
        sa.Column("params", sa.JSON, nullable=False),
        sa.UniqueConstraint("batch_id", "point_index", name="uq_design_point"),
    )
    op.create_table(
        "run",
        sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
        sa.Column("batch_id", sa.Integer, sa.ForeignKey("batch.id", ondelete="CASCADE"),
                  nullable=False),
        sa.Column("point_id", sa.Integer,
                  sa.ForeignKey("design_point.id", ondelete="CASCADE"), nullable=False),
        sa.Column("replication", sa.Integer, nullable=False),
        sa.Column("seed_entropy", sa.String(80), nullable=False),
        sa.Column("spawn_key", sa.JSON, nullable=False),
        sa.Column("status", sa.String(16), nullable=False),
        sa.Column("attempts", sa.Integer, nullable=False),
        sa.Column("worker", sa.String(200), nullable=True),
        sa.Column("heartbeat", TZ, nullable=True),
        sa.Column("started_at", TZ, nullable=True),
        sa.Column("finished_at", TZ, nullable=True),
        sa.Column("wall_time", sa.Float, nullable=True),
        sa.Column("error_stage", sa.String(40), nullable=True),
        sa.Column("error_type", sa.String(200), nullable=True),
        sa.Column("error_message", sa.Text, nullable=True),
        sa.Column("traceback", sa.Text, nullable=True),
        sa.Column("spells_path", sa.Text, nullable=True),
        sa.Column("transitions", sa.JSON, nullable=True),
        sa.UniqueConstraint("batch_id", "point_id", "replication", name="uq_run"),
    )
    op.create_index("ix_run_batch_status", "run", ["batch_id", "status"])
    op.create_table(
        "outcome",
        sa.Column("run_id", sa.Integer, sa.ForeignKey("run.id", ondelete="CASCADE"),
                  primary_key=True),
        sa.Column("name", sa.String(100), primary_key=True),
        sa.Column("value", sa.Float, nullable=True),
        sqlite_with_rowid=False,
    )
    op.create_table(
        "series",
        sa.Column("run_id", sa.Integer, sa.ForeignKey("run.id", ondelete="CASCADE"),
                  primary_key=True),
        sa.Column("name", sa.String(100), primary_key=True),
        sa.Column("month", sa.Integer, primary_key=True),
        sa.Column("value", sa.Float, nullable=True),
        sqlite_with_rowid=False,
    )


def downgrade() -> None:
    for table in ("series", "outcome", "run", "design_point", "batch"):
        op.drop_table(table)
