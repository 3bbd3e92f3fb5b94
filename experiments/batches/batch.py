"""The batch coordinator: create or resume a batch, dispatch its runs, store their results.

Only this process writes to the database, in transactions that group the results of many runs
(every ``flush_seconds`` or ``flush_runs``). A run's row goes ``pending -> running`` when it is
dispatched and ``running -> succeeded|failed`` in the same transaction that writes its outcomes
and series, so a batch killed at any moment leaves each run either finished with all its
results or not finished; resuming (``ptce batch --resume ID``, or the same command again)
redoes exactly the runs that are not ``succeeded``. The unique key (batch, point, replication)
and a guarded update (``WHERE status != 'succeeded'``) make a duplicate impossible even if a
result arrives twice.

While it runs, the coordinator refreshes ``batch.heartbeat`` and the heartbeat of the runs in
flight every ``heartbeat_seconds``; a batch whose coordinator is gone (dead process on this
host, or no heartbeat for ``stale_seconds`` from another host) may be resumed by anyone.
"""

from __future__ import annotations

import json
import math
import os
import socket
import subprocess
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
from sqlalchemy import and_, func, select, update

from experiments.batches.design import Design
from experiments.execution.executors import Executor, ExecutorError
from experiments.execution.runner import RunPayload, RunTask, execute_run
from experiments.store import (
    Store,
    batch_table,
    design_point_table,
    now,
    outcome_table,
    run_table,
    series_table,
)

#: ``PTCE_TEST_FAIL="STAGE:KEY=VALUE"`` makes the runs of points with that value fail at STAGE
#: (a test hook that leaves ``model/`` untouched).
FAIL_HOOK_ENV = "PTCE_TEST_FAIL"

Progress = Callable[[int, int, int], None]  # (done, failed, total)


class BatchError(Exception):
    """A batch that cannot be created or resumed (unknown id, still running elsewhere)."""


@dataclass
class BatchReport:
    """What :func:`run_batch` did. Times in seconds; ``sql_seconds`` counts database writes."""

    batch_id: int
    total: int
    succeeded: int
    failed: int
    already_done: int
    ran: int
    wall_seconds: float
    sql_seconds: float
    artifact_seconds: float
    status: str
    executor: str = ""
    failures: list[dict[str, Any]] = field(default_factory=list)


# --------------------------------------------------------------------------------------------
# Creating and finding batches


def git_sha() -> str | None:
    """The git commit of the source tree (with ``-dirty`` when modified), or None."""
    here = Path(__file__).resolve().parent
    try:
        sha = subprocess.run(["git", "rev-parse", "HEAD"], cwd=here, capture_output=True,
                             text=True, timeout=5, check=True).stdout.strip()
        dirty = subprocess.run(["git", "status", "--porcelain", "--untracked-files=no"],
                               cwd=here, capture_output=True, text=True, timeout=5).stdout
    except (OSError, subprocess.SubprocessError):
        return None
    return (sha[:33] + "-dirty") if dirty.strip() else sha


def create_batch(store: Store, design: Design, *, new: bool = False,
                 artifact_dir: Path | None = None) -> tuple[int, bool]:
    """The batch of ``design``: an existing one with the same signature (unless ``new``), or a
    new one with its design points and pending runs, written in one transaction.

    Returns ``(batch_id, existed)``.
    """
    from experiments import package_version

    signature = design.signature()
    with store.begin() as conn:
        if not new:
            existing = conn.execute(
                select(batch_table.c.id).where(batch_table.c.signature == signature)
                .order_by(batch_table.c.id.desc()).limit(1)
            ).scalar()
            if existing is not None:
                return int(existing), True
        batch_id = conn.execute(batch_table.insert().values(
            name=design.name,
            signature=signature,
            design={
                "name": design.name,
                "scenarios": sorted({p.scenario for p in design.points}),
                "baseline": design.baseline,
                "outcomes": list(design.outcomes),
                "points": len(design.points),
                **design.spec,
            },
            root_seed=str(design.root_seed),
            replications=design.replications,
            code_version=package_version(),
            git_sha=git_sha(),
            status="pending",
            created_at=now(),
            artifact_dir=str((artifact_dir or store.default_artifact_dir()).resolve()),
        )).inserted_primary_key[0]
        conn.execute(design_point_table.insert(), [
            {"batch_id": batch_id, "point_index": p.index, "scenario": p.scenario,
             "label": p.label or None,
             "values": json.loads(json.dumps(p.values, default=str)),
             "params": p.params.model_dump(mode="json")}
            for p in design.points
        ])
        point_ids = dict(conn.execute(
            select(design_point_table.c.point_index, design_point_table.c.id)
            .where(design_point_table.c.batch_id == batch_id)
        ).all())
        seeds = design.seeds()
        conn.execute(run_table.insert(), [
            {"batch_id": batch_id, "point_id": point_ids[p.index], "replication": r,
             "seed_entropy": str(seed.entropy), "spawn_key": list(seed.spawn_key),
             "status": "pending", "attempts": 0}
            for p in design.points for r, seed in enumerate(seeds)
        ])
    return int(batch_id), False


def get_batch(store: Store, batch_id: int) -> dict[str, Any]:
    """The batch row as a dict; :class:`BatchError` naming the known ids if there is none."""
    with store.engine.connect() as conn:
        row = conn.execute(select(batch_table).where(batch_table.c.id == batch_id)).mappings()\
            .first()
        if row is None:
            ids = conn.execute(select(batch_table.c.id).order_by(batch_table.c.id.desc())
                               .limit(10)).scalars().all()
    if row is None:
        known = ", ".join(str(i) for i in ids) if ids else "none: the database has no batch"
        raise BatchError(f"no batch {batch_id} in this database (latest ids: {known})")
    return dict(row)


def run_counts(store: Store, batch_id: int) -> dict[str, int]:
    """Runs of the batch by status."""
    with store.engine.connect() as conn:
        rows = conn.execute(
            select(run_table.c.status, func.count()).where(run_table.c.batch_id == batch_id)
            .group_by(run_table.c.status)
        ).all()
    return {status: int(n) for status, n in rows}


# --------------------------------------------------------------------------------------------
# Running


def run_batch(store: Store, batch_id: int, executor: Executor, *,
              progress: Progress | None = None, flush_seconds: float = 1.0,
              flush_runs: int = 32, heartbeat_seconds: float = 5.0,
              stale_seconds: float = 60.0, force: bool = False,
              record_spells: bool = True) -> BatchReport:
    """Run every run of ``batch_id`` that has not succeeded, on ``executor``."""
    start = time.perf_counter()
    batch = get_batch(store, batch_id)
    _check_not_running_elsewhere(batch, stale_seconds, force)
    me = f"{socket.gethostname()}:{os.getpid()}"
    artifact_dir = Path(batch["artifact_dir"] or store.default_artifact_dir()) \
        / f"batch_{batch_id}"
    fail_hook = _parse_fail_hook(os.environ.get(FAIL_HOOK_ENV))

    with store.begin() as conn:
        # runs left running by a dead coordinator, and failed ones, are redone
        conn.execute(update(run_table).where(and_(
            run_table.c.batch_id == batch_id, run_table.c.status != "succeeded"
        )).values(status="pending", worker=None, heartbeat=None))
        conn.execute(update(batch_table).where(batch_table.c.id == batch_id).values(
            status="running", coordinator=me, executor=executor.description,
            heartbeat=now(), started_at=batch["started_at"] or now(), finished_at=None))
        todo_rows = conn.execute(
            select(run_table.c.id, run_table.c.seed_entropy, run_table.c.spawn_key,
                   design_point_table.c.params, design_point_table.c["values"])
            .join(design_point_table, design_point_table.c.id == run_table.c.point_id)
            .where(and_(run_table.c.batch_id == batch_id, run_table.c.status == "pending"))
            .order_by(run_table.c.id)
        ).all()
        total = conn.execute(select(func.count()).where(run_table.c.batch_id == batch_id))\
            .scalar_one()

    tasks = [RunTask(run_id=row.id, params=row.params, entropy=int(row.seed_entropy),
                     spawn_key=tuple(row.spawn_key), record_spells=record_spells,
                     fail_stage=_fail_stage(fail_hook, row._mapping["values"]))
             for row in todo_rows]
    already = total - len(tasks)
    writer = _Writer(store, batch_id, artifact_dir)
    queue = list(reversed(tasks))
    in_flight: set[int] = set()
    done = failed = 0
    failures: list[dict[str, Any]] = []
    last_flush = last_beat = time.monotonic()
    if progress:
        progress(already, 0, total)
    try:
        while queue or executor.in_flight():
            while queue and executor.in_flight() < executor.capacity:
                task = queue.pop()
                executor.submit(task.run_id, execute_run, task)
                writer.dispatched.append(task.run_id)
                in_flight.add(task.run_id)
            for run_id, result in executor.wait(timeout=0.5):
                in_flight.discard(run_id)
                if isinstance(result, ExecutorError):
                    result = RunPayload(run_id=run_id, status="failed", worker="", wall_time=0.0,
                                        error_stage="executor", error_type="ExecutorError",
                                        error_message=str(result), traceback=str(result))
                writer.results.append(result)
                if result.status == "succeeded":
                    done += 1
                else:
                    failed += 1
                    failures.append({"run_id": run_id, "stage": result.error_stage,
                                     "error": f"{result.error_type}: {result.error_message}"})
                if progress:
                    progress(already + done + failed, failed, total)
            clock = time.monotonic()
            beat = clock - last_beat >= heartbeat_seconds
            if beat or len(writer.results) >= flush_runs or (
                    clock - last_flush >= flush_seconds and (writer.results or writer.dispatched)):
                writer.flush(heartbeat_runs=in_flight if beat else ())
                last_flush = clock
                if beat:
                    last_beat = clock
        writer.flush()
    except BaseException:
        # keep what finished; the rest stays pending/running and is redone on resume
        try:
            writer.flush()
            _set_batch_status(store, batch_id, "failed")
        finally:
            raise
    counts = run_counts(store, batch_id)
    status = "succeeded" if counts.get("succeeded", 0) == total else "failed"
    _set_batch_status(store, batch_id, status, finished=True)
    return BatchReport(
        batch_id=batch_id, total=total, succeeded=counts.get("succeeded", 0),
        failed=counts.get("failed", 0), already_done=already, ran=done + failed,
        wall_seconds=time.perf_counter() - start, sql_seconds=writer.sql_seconds,
        artifact_seconds=writer.artifact_seconds, status=status,
        executor=executor.description, failures=failures,
    )


class _Writer:
    """Buffers dispatches and results, and writes them in one transaction per flush."""

    def __init__(self, store: Store, batch_id: int, artifact_dir: Path) -> None:
        self.store = store
        self.batch_id = batch_id
        self.artifact_dir = artifact_dir
        self.dispatched: list[int] = []
        self.results: list[RunPayload] = []
        self.sql_seconds = 0.0
        self.artifact_seconds = 0.0

    def flush(self, heartbeat_runs: Sequence[int] | set[int] = ()) -> None:
        if not (self.dispatched or self.results or heartbeat_runs):
            return
        started = time.perf_counter()
        spells_paths = {p.run_id: self._write_spells(p) for p in self.results
                        if p.status == "succeeded" and p.spells is not None}
        self.artifact_seconds += time.perf_counter() - started
        started = time.perf_counter()
        stamp = now()
        finished_ids = {p.run_id for p in self.results}
        with self.store.begin() as conn:
            dispatched = [i for i in self.dispatched if i not in finished_ids]
            if dispatched:
                conn.execute(update(run_table).where(and_(
                    run_table.c.id.in_(dispatched), run_table.c.status == "pending"
                )).values(status="running", started_at=stamp, heartbeat=stamp,
                          attempts=run_table.c.attempts + 1))
            beating = [i for i in heartbeat_runs if i not in finished_ids]
            if beating:
                conn.execute(update(run_table).where(run_table.c.id.in_(beating))
                             .values(heartbeat=stamp))
            outcome_rows: list[tuple[int, str, float | None]] = []
            series_rows: list[tuple[int, str, int, float | None]] = []
            for p in self.results:
                values: dict[str, Any] = {
                    "status": p.status, "worker": p.worker, "wall_time": p.wall_time,
                    "finished_at": stamp, "heartbeat": stamp,
                    "error_stage": p.error_stage, "error_type": p.error_type,
                    "error_message": p.error_message, "traceback": p.traceback,
                    "spells_path": spells_paths.get(p.run_id), "transitions": p.transitions,
                }
                if p.run_id in self.dispatched:
                    values.update(started_at=stamp, attempts=run_table.c.attempts + 1)
                written = conn.execute(update(run_table).where(and_(
                    run_table.c.id == p.run_id, run_table.c.status != "succeeded"
                )).values(**values)).rowcount
                if written != 1 or p.status != "succeeded":
                    continue
                outcome_rows += [(p.run_id, k, _finite(v)) for k, v in p.outcomes.items()]
                if p.series is not None:
                    series_rows += _series_rows(p.run_id, p.series)
            if outcome_rows:
                _insert_many(conn, outcome_table, ("run_id", "name", "value"), outcome_rows)
            if series_rows:
                _insert_many(conn, series_table, ("run_id", "name", "month", "value"),
                             series_rows)
            conn.execute(update(batch_table).where(batch_table.c.id == self.batch_id)
                         .values(heartbeat=stamp))
        self.dispatched.clear()
        self.results.clear()
        self.sql_seconds += time.perf_counter() - started

    def _write_spells(self, payload: RunPayload) -> str:
        self.artifact_dir.mkdir(parents=True, exist_ok=True)
        path = self.artifact_dir / f"run_{payload.run_id}_spells.parquet"
        tmp = path.with_name(f".{path.name}.{os.getpid()}.tmp")
        assert payload.spells is not None
        payload.spells.to_parquet(tmp, index=False)
        os.replace(tmp, path)
        return str(path)


def _series_rows(run_id: int, series: pd.DataFrame) -> list[tuple[int, str, int, float | None]]:
    """``(run_id, name, month, value)`` tuples, column by column (NaN and inf as NULL)."""
    values = series.to_numpy(dtype=float, na_value=np.nan).T  # (columns, months)
    cells = values.ravel().tolist()
    if not np.isfinite(values).all():
        cells = [v if math.isfinite(v) else None for v in cells]
    names = np.repeat(np.asarray([str(c) for c in series.columns], dtype=object),
                      len(series.index)).tolist()
    months = np.tile(np.asarray(series.index, dtype=np.int64), len(series.columns)).tolist()
    return list(zip([run_id] * len(cells), names, months, cells, strict=True))


def _insert_many(conn: Any, table: Any, columns: tuple[str, ...], rows: list[tuple]) -> None:
    """A plain DBAPI ``executemany``: about half the CPU of a Core insert of dicts, which
    matters because the coordinator shares the machine with the workers."""
    mark = "?" if conn.dialect.paramstyle == "qmark" else "%s"
    sql = (f"INSERT INTO {table.name} ({', '.join(columns)}) "
           f"VALUES ({', '.join([mark] * len(columns))})")
    conn.exec_driver_sql(sql, rows)


def _finite(value: float) -> float | None:
    value = float(value)
    return value if math.isfinite(value) else None


def _set_batch_status(store: Store, batch_id: int, status: str, finished: bool = False) -> None:
    values: dict[str, Any] = {"status": status, "heartbeat": now()}
    if finished:
        values["finished_at"] = now()
    with store.begin() as conn:
        conn.execute(update(batch_table).where(batch_table.c.id == batch_id).values(**values))


def _check_not_running_elsewhere(batch: dict[str, Any], stale_seconds: float,
                                 force: bool) -> None:
    if force or batch["status"] != "running" or not batch["coordinator"]:
        return
    host, _, pid_text = str(batch["coordinator"]).rpartition(":")
    if host == socket.gethostname() and pid_text.isdigit():
        pid = int(pid_text)
        if pid == os.getpid() or not _alive(pid):
            return
        raise BatchError(
            f"batch {batch['id']} is being run by process {pid} on this machine; wait for it, "
            "or stop it first"
        )
    beat: datetime | None = batch["heartbeat"]
    if beat is not None:
        if beat.tzinfo is None:
            beat = beat.replace(tzinfo=now().tzinfo)
        age = (now() - beat).total_seconds()
        if age < stale_seconds:
            raise BatchError(
                f"batch {batch['id']} is being run by {batch['coordinator']} (heartbeat "
                f"{age:.0f} s ago); resume it after {stale_seconds:.0f} s without heartbeat, "
                "or use --force"
            )


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    try:  # a zombie is dead for our purpose
        with open(f"/proc/{pid}/stat") as stat:
            return stat.read().split(") ")[-1][:1] != "Z"
    except OSError:
        return True


def _parse_fail_hook(text: str | None) -> tuple[str, str, Any] | None:
    if not text:
        return None
    import yaml

    stage, _, condition = text.partition(":")
    key, _, value = condition.partition("=")
    return stage, key, yaml.safe_load(value)


def _fail_stage(hook: tuple[str, str, Any] | None, values: dict[str, Any]) -> str | None:
    if hook is None:
        return None
    stage, key, value = hook
    return stage if key in values and values[key] == value else None
