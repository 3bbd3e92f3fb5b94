"""Batches: determinism across executors, failures, kill and resume, concurrent readers, bad
input. The same tests run against PostgreSQL in ``test_store_postgres.py`` (through the
``db_url`` fixture)."""

from __future__ import annotations

import functools
import os
import signal
import socket
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from sqlalchemy import func, select, text
from typer.testing import CliRunner

from experiments.batches.batch import FAIL_HOOK_ENV, create_batch, run_batch
from experiments.batches.design import DesignError, build_design, latin_hypercube, parse_set
from experiments.cli.batch import make_app
from experiments.execution.executors import DaskExecutor, LocalExecutor
from experiments.results.compare import compare_batch, export_batch, write_charts
from experiments.store import (
    batch_table,
    open_store,
    outcome_table,
    run_table,
    series_table,
)
from model import TerritoryParams, simulate

PYTHON = sys.executable
VENV_BIN = Path(sys.executable).parent
SMALL = {"population.persons": 1500, "simulation.months": 12,
         "simulation.burn_in_months": 3}
SMALL_SETS = [f"--set={k}={v}" for k, v in SMALL.items()]


@functools.cache
def series_per_run() -> int:
    """Series values one small run stores: its columns x 12 months (the model may add series)."""
    from model import with_values

    result = simulate(with_values(TerritoryParams(), SMALL), 1)
    return result.series.shape[1] * 12


@pytest.fixture
def db_url(tmp_path: Path) -> str:
    return f"sqlite:///{tmp_path}/runs/ptce.sqlite"


def small_design(scenarios=("baseline", "7503_bayonne"), efficiencies=(0.15, 0.25),
                 replications=2, **extra):
    return build_design(list(scenarios),
                        sets=[f"matching.efficiency={','.join(map(str, efficiencies))}"],
                        fixed={**SMALL, **extra}, replications=replications)


def results_by_key(store, batch_id: int) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Outcomes and series of a batch keyed by (point, replication), not by run id."""
    from experiments.store import design_point_table

    key = select(run_table.c.id, design_point_table.c.point_index, run_table.c.replication)\
        .join(design_point_table, design_point_table.c.id == run_table.c.point_id)\
        .where(run_table.c.batch_id == batch_id).subquery()
    with store.engine.connect() as conn:
        outcomes = pd.DataFrame(conn.execute(
            select(key.c.point_index, key.c.replication, outcome_table.c.name,
                   outcome_table.c.value).join(key, key.c.id == outcome_table.c.run_id)
        ).all(), columns=["point", "rep", "name", "value"])
        series = pd.DataFrame(conn.execute(
            select(key.c.point_index, key.c.replication, series_table.c.name,
                   series_table.c.month, series_table.c.value)
            .join(key, key.c.id == series_table.c.run_id)
        ).all(), columns=["point", "rep", "name", "month", "value"])
    return (outcomes.sort_values(["point", "rep", "name"]).reset_index(drop=True),
            series.sort_values(["point", "rep", "name", "month"]).reset_index(drop=True))


def count(store, table, batch_id: int | None = None, **where) -> int:
    query = select(func.count()).select_from(table)
    if table is run_table and batch_id is not None:
        query = query.where(run_table.c.batch_id == batch_id)
    elif batch_id is not None:
        query = query.join(run_table, run_table.c.id == table.c.run_id)\
            .where(run_table.c.batch_id == batch_id)
    for column, value in where.items():
        query = query.where(run_table.c[column] == value)
    with store.engine.connect() as conn:
        return int(conn.execute(query).scalar_one())


def assert_exactly_once(store, batch_id: int, runs: int) -> None:
    """Every run stored once, succeeded, with all of its outcomes and series and no more."""
    assert count(store, run_table, batch_id) == runs
    assert count(store, run_table, batch_id, status="succeeded") == runs
    n_outcomes = count(store, outcome_table, batch_id)
    assert n_outcomes % runs == 0 and n_outcomes >= runs * 20
    assert count(store, series_table, batch_id) == runs * series_per_run()
    with store.engine.connect() as conn:
        per_run = conn.execute(
            select(outcome_table.c.run_id, func.count()).join(
                run_table, run_table.c.id == outcome_table.c.run_id)
            .where(run_table.c.batch_id == batch_id).group_by(outcome_table.c.run_id)
        ).all()
    assert len(per_run) == runs and len({n for _, n in per_run}) == 1


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


class DaskCluster:
    """A real ``dask scheduler`` and two ``dask worker`` processes on 127.0.0.1."""

    def __init__(self, workers: int = 2) -> None:
        port = free_port()
        self.address = f"tcp://127.0.0.1:{port}"
        env = {**os.environ, "PYTHONUNBUFFERED": "1"}
        self.scheduler = subprocess.Popen(
            [str(VENV_BIN / "dask"), "scheduler", "--host", "127.0.0.1", "--port", str(port),
             "--no-dashboard"], env=env, start_new_session=True,
            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        self.workers = [subprocess.Popen(
            [str(VENV_BIN / "dask"), "worker", self.address, "--host", "127.0.0.1",
             "--nthreads", "1", "--nworkers", "1", "--no-dashboard", "--name", f"w{i}"],
            env=env, start_new_session=True, stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL) for i in range(workers)]
        from distributed import Client

        deadline = time.monotonic() + 60
        while True:
            try:
                with Client(self.address, timeout=5) as client:
                    client.wait_for_workers(workers, timeout=max(1, deadline - time.monotonic()))
                    break
            except (OSError, TimeoutError):
                if time.monotonic() > deadline:
                    self.close()
                    raise
                time.sleep(0.5)

    def kill_worker(self, index: int) -> None:
        os.killpg(self.workers[index].pid, signal.SIGKILL)
        self.workers[index].wait()

    def close(self) -> None:
        for proc in [*self.workers, self.scheduler]:
            if proc.poll() is None:
                try:
                    os.killpg(proc.pid, signal.SIGKILL)
                except ProcessLookupError:
                    pass
                proc.wait()


@pytest.fixture(scope="module")
def dask_cluster() -> Iterator[DaskCluster]:
    cluster = DaskCluster(2)
    yield cluster
    cluster.close()


def cli(args: list[str], env: dict[str, str] | None = None):
    runner = CliRunner()
    return runner.invoke(make_app(), args, env={"COLUMNS": "250", **(env or {})})


def cli_subprocess(args: list[str], cwd: Path, env: dict[str, str] | None = None,
                   ) -> subprocess.Popen:
    return subprocess.Popen([PYTHON, "-m", "experiments.cli.batch", *args], cwd=cwd,
                            env={**os.environ, "COLUMNS": "250", **(env or {})},
                            start_new_session=True, stdout=subprocess.PIPE,
                            stderr=subprocess.PIPE, text=True)


# --------------------------------------------------------------------------------- design


def test_parse_set_and_lhs():
    assert parse_set("matching.efficiency=0.1, 0.2") == ("matching.efficiency", [0.1, 0.2])
    for bad in ("matching.efficiency", "=0.1", "matching.efficiency=", "a..b=1",
                "matching.efficiency=0.1,,0.2"):
        with pytest.raises(DesignError):
            parse_set(bad)
    points = latin_hypercube({"a": (0.0, 1.0), "b": (10.0, 20.0)}, 5, 1)
    strata = sorted(int(p["a"] * 5) for p in points)
    assert strata == [0, 1, 2, 3, 4]  # one point per stratum
    assert points == latin_hypercube({"a": (0.0, 1.0), "b": (10.0, 20.0)}, 5, 1)


def test_design_uses_common_seeds_and_grid():
    design = small_design(replications=3)
    assert len(design.points) == 4
    assert [p.values for p in design.points[:2]] == [{"matching.efficiency": 0.15},
                                                       {"matching.efficiency": 0.25}]
    seeds = design.seeds()
    assert [s.spawn_key for s in seeds] == [(0,), (1,), (2,)]
    assert design.signature() == small_design(replications=3).signature()
    assert design.signature() != small_design(replications=2).signature()


def test_named_experiments_load():
    from experiments.batches.design import load_experiment

    territories = load_experiment("territories")
    assert len(territories.points) == 9 and territories.baseline == "baseline"
    shock = load_experiment("demand_shock", replications=2)
    assert len(shock.points) == 4 and shock.replications == 2
    assert any(p.params.events for p in shock.points)
    levers = load_experiment("levers_alone")
    assert [p.label for p in levers.points][:2] == ["no PTCE", "bridges alone"]
    assert levers.points[0].params.ptce is None and levers.baseline == "no PTCE"
    alone = levers.points[1].params.ptce
    assert alone.bridges.enabled and not alone.immersions.enabled
    gap = load_experiment("funding_gap")
    assert [len(p.params.events) for p in gap.points] == [1, 4, 2]


def test_latin_hypercube_rounds_integer_parameters():
    design = build_design(["baseline"], lhs=["population.persons=1000:3000",
                                             "matching.efficiency=0.1:0.3"], samples=4)
    assert len(design.points) == 4
    persons = [p.values["population.persons"] for p in design.points]
    assert all(isinstance(n, int) and 1000 <= n <= 3000 for n in persons)
    assert sorted((n - 1000) // 500 for n in persons) == [0, 1, 2, 3]


# --------------------------------------------------------------------------------- store


def test_store_is_migrated_and_in_wal_mode(db_url):
    from experiments.store import SCHEMA_REVISION
    from experiments.store.migrations import current_revision

    store = open_store(db_url)
    assert current_revision(store.engine) == SCHEMA_REVISION
    if store.is_sqlite:
        with store.engine.connect() as conn:
            assert conn.execute(text("PRAGMA journal_mode")).scalar() == "wal"
    open_store(db_url).close()  # reopening an up-to-date store is a no-op


# --------------------------------------------------------------------------------- runs


def test_identical_results_with_1_and_2_workers_and_dask(db_url, dask_cluster):
    store = open_store(db_url)
    design = small_design()
    batches = []
    for executor in (LocalExecutor(1), LocalExecutor(2), DaskExecutor(dask_cluster.address),
                     DaskExecutor(None, workers=2)):
        batch_id, _ = create_batch(store, design, new=True)
        with executor:
            report = run_batch(store, batch_id, executor)
        assert report.succeeded == 8 and report.failed == 0, report
        batches.append(batch_id)
    reference = results_by_key(store, batches[0])
    assert len(reference[0]) > 0 and len(reference[1]) == 8 * series_per_run()
    for other in batches[1:]:
        outcomes, series = results_by_key(store, other)
        pd.testing.assert_frame_equal(outcomes, reference[0], check_exact=True)
        pd.testing.assert_frame_equal(series, reference[1], check_exact=True)
    # two scenarios, same seeds (common random numbers) but different territories
    outcomes = reference[0]
    assert not outcomes[outcomes.point == 0]["value"].equals(
        outcomes[outcomes.point == 2]["value"].reset_index(drop=True))


def test_a_single_run_can_be_replayed_from_the_store(db_url):
    store = open_store(db_url)
    batch_id, _ = create_batch(store, small_design(scenarios=("baseline",), replications=2))
    with LocalExecutor(1) as executor:
        run_batch(store, batch_id, executor)
    from experiments.store import design_point_table

    with store.engine.connect() as conn:
        row = conn.execute(
            select(run_table.c.id, run_table.c.seed_entropy, run_table.c.spawn_key,
                   run_table.c.spells_path, design_point_table.c.params)
            .join(design_point_table, design_point_table.c.id == run_table.c.point_id)
            .where(run_table.c.batch_id == batch_id).order_by(run_table.c.id.desc())
        ).first()
        stored = dict(conn.execute(select(outcome_table.c.name, outcome_table.c.value)
                                   .where(outcome_table.c.run_id == row.id)).all())
    seed = np.random.SeedSequence(int(row.seed_entropy), spawn_key=tuple(row.spawn_key))
    replay = simulate(TerritoryParams.model_validate(row.params), seed)
    for name, value in replay.outcomes.items():
        if np.isfinite(value):
            assert stored[name] == value, name
    spells = pd.read_parquet(row.spells_path)
    assert len(spells) == len(replay.spells)


def test_failing_run_is_recorded_with_traceback_and_others_succeed(db_url, monkeypatch):
    store = open_store(db_url)
    batch_id, _ = create_batch(store, small_design(scenarios=("baseline",), replications=3))
    monkeypatch.setenv(FAIL_HOOK_ENV, "simulate:matching.efficiency=0.25")
    with LocalExecutor(2) as executor:
        report = run_batch(store, batch_id, executor)
    assert (report.succeeded, report.failed, report.status) == (3, 3, "failed")
    with store.engine.connect() as conn:
        failed = conn.execute(select(run_table).where(and_status(batch_id, "failed"))).all()
    assert len(failed) == 3
    for run in failed:
        assert run.error_stage == "simulate"
        assert "InjectedFailure" in run.error_type
        assert "Traceback (most recent call last)" in run.traceback
        assert "_maybe_fail" in run.traceback
    shown = cli(["runs", "show", str(batch_id), "--run", str(failed[0].id), "--db", db_url])
    assert shown.exit_code == 0 and "failed at stage simulate" in shown.output
    assert "Traceback (most recent call last)" in shown.output
    # failed runs have no outcome rows
    with store.engine.connect() as conn:
        orphan = conn.execute(select(func.count()).select_from(outcome_table).join(
            run_table, run_table.c.id == outcome_table.c.run_id)
            .where(run_table.c.status != "succeeded")).scalar_one()
    assert orphan == 0
    # resuming without the fault redoes only the failed runs
    monkeypatch.delenv(FAIL_HOOK_ENV)
    with LocalExecutor(1) as executor:
        report = run_batch(store, batch_id, executor)
    assert (report.ran, report.already_done, report.status) == (3, 3, "succeeded")
    assert_exactly_once(store, batch_id, 6)


def and_status(batch_id: int, status: str):
    return (run_table.c.batch_id == batch_id) & (run_table.c.status == status)


def _wait_for_stored(store, batch_id_hint: int | None, at_least: int, proc, timeout=120) -> int:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        assert proc.poll() is None, f"batch ended before it could be killed: {proc.stderr.read()}"
        try:
            n = count(store, run_table, batch_id_hint, status="succeeded")
        except Exception:
            n = 0
        if n >= at_least:
            return n
        time.sleep(0.05)
    raise AssertionError("no run was stored in time")


def test_batch_killed_with_sigkill_then_resumed_has_every_run_once(db_url, tmp_path):
    runs = 40
    args = ["batch", "baseline", *SMALL_SETS, "-n", str(runs), "-w", "2", "--db", db_url,
            "--quiet"]
    proc = cli_subprocess(args, cwd=tmp_path)
    store = open_store(db_url)
    try:
        stored = _wait_for_stored(store, None, 2, proc)
    finally:
        os.killpg(proc.pid, signal.SIGKILL)  # coordinator and its worker processes
        proc.wait()
    with store.engine.connect() as conn:
        batch_id, status = conn.execute(select(batch_table.c.id, batch_table.c.status)).one()
    assert status == "running"  # killed: nobody could record the end
    done_at_kill = count(store, run_table, batch_id, status="succeeded")
    assert stored <= done_at_kill < runs, "the kill came too late to test anything"
    with store.engine.connect() as conn:
        left = conn.execute(select(run_table.c.heartbeat, run_table.c.started_at)
                            .where(run_table.c.status == "running")).all()
    assert left, "no run was left running by the kill"
    assert all(beat is not None and started is not None for beat, started in left)
    if store.is_sqlite:
        with store.engine.connect() as conn:
            assert conn.execute(text("PRAGMA integrity_check")).scalar() == "ok"
    # the same command again resumes the batch
    proc = cli_subprocess(args, cwd=tmp_path)
    stdout, stderr = proc.communicate(timeout=300)
    assert proc.returncode == 0, stderr
    assert f"resuming existing batch {batch_id}" in stderr
    assert f"{runs - done_at_kill} run now" in stdout.replace("\n", " ")
    assert_exactly_once(store, batch_id, runs)
    with store.engine.connect() as conn:
        assert conn.execute(select(func.count()).select_from(batch_table)).scalar_one() == 1
        assert conn.execute(select(batch_table.c.status)).scalar_one() == "succeeded"
        if store.is_sqlite:
            assert conn.execute(text("PRAGMA integrity_check")).scalar() == "ok"
    # and once more: nothing left to do
    result = cli(["batch", "--resume", str(batch_id), "--db", db_url, "--quiet"])
    assert result.exit_code == 0, result.output
    assert "0 run now" in result.output
    assert_exactly_once(store, batch_id, runs)


def test_dask_worker_killed_mid_batch_loses_and_duplicates_nothing(db_url):
    cluster = DaskCluster(2)
    try:
        store = open_store(db_url)
        runs = 30
        batch_id, _ = create_batch(store, small_design(
            scenarios=("baseline",), efficiencies=(0.2,), replications=runs,
            **{"population.persons": 3000, "simulation.months": 12}))
        killed = threading.Event()
        lost: list[str] = []

        executor = DaskExecutor(cluster.address)
        client = executor._client  # one client per process: distributed's sync() wants that

        def killer() -> None:
            reader = open_store(db_url, migrate=False)
            address = next(a for a, w in client.scheduler_info()["workers"].items()
                           if w["name"] == "w1")
            # kill worker w1 while it holds a run, once some results are stored
            while True:
                busy = client.processing([address]).get(address, ())
                if busy and count(reader, run_table, batch_id, status="succeeded") >= 2:
                    break
                time.sleep(0.02)
            lost.extend(busy)
            cluster.kill_worker(1)
            killed.set()

        thread = threading.Thread(target=killer, daemon=True)
        thread.start()
        with executor:
            report = run_batch(store, batch_id, executor, flush_seconds=0.2)
        thread.join(timeout=10)
        assert killed.is_set()
        assert report.succeeded == runs and report.failed == 0
        assert_exactly_once(store, batch_id, runs)
        assert lost, "worker w1 held no run when it was killed"
    finally:
        cluster.close()


def test_local_worker_killed_mid_batch_loses_and_duplicates_nothing(db_url):
    store = open_store(db_url)
    runs = 16
    batch_id, _ = create_batch(store, small_design(scenarios=("baseline",), efficiencies=(0.2,),
                                                   replications=runs))
    executor = LocalExecutor(2)
    killed: list[int] = []

    def killer() -> None:
        reader = open_store(db_url, migrate=False)
        while count(reader, run_table, batch_id, status="succeeded") < 2:
            time.sleep(0.02)
        pid = next(iter(executor._pool._processes))  # one worker of the current pool
        os.kill(pid, signal.SIGKILL)
        killed.append(pid)

    thread = threading.Thread(target=killer, daemon=True)
    thread.start()
    with executor:
        report = run_batch(store, batch_id, executor, flush_seconds=0.2)
    thread.join(timeout=10)
    assert killed
    assert report.succeeded == runs and report.failed == 0
    assert_exactly_once(store, batch_id, runs)


def test_reader_can_query_while_a_batch_writes(db_url, tmp_path):
    runs = 30
    store = open_store(db_url)  # create the schema first, as the dashboard would find it
    proc = cli_subprocess(["batch", "baseline", *SMALL_SETS, "-n", str(runs), "-w", "2",
                           "--db", db_url, "--quiet"], cwd=tmp_path)
    seen: list[int] = []
    slowest = 0.0
    try:
        while proc.poll() is None:
            started = time.perf_counter()
            with store.engine.connect() as conn:
                n = conn.execute(select(func.count()).select_from(run_table)
                                 .where(run_table.c.status == "succeeded")).scalar_one()
                conn.execute(select(func.count()).select_from(series_table)).scalar_one()
            slowest = max(slowest, time.perf_counter() - started)
            seen.append(int(n))
            time.sleep(0.02)
    finally:
        if proc.poll() is None:
            os.killpg(proc.pid, signal.SIGKILL)
        _, stderr = proc.communicate()
    assert proc.returncode == 0, stderr
    assert any(0 < n < runs for n in seen), "the reader never saw the batch in progress"
    assert seen == sorted(seen)
    assert slowest < 2.0


def test_compare_against_a_named_point(db_url):
    store = open_store(db_url)
    design = build_design(
        ["ptce/pole_sud_aquitain"], fixed=SMALL, replications=2, baseline="no PTCE",
        points=[{"label": "no PTCE", "set": {"ptce": None}},
                {"label": "all levers", "set": {f"ptce.{lever}.enabled": True for lever in (
                    "bridges", "immersions", "shared_jobs", "skills_exchange",
                    "coordinated_training", "incubation", "follow_up")}}])
    batch_id, _ = create_batch(store, design)
    with LocalExecutor(2) as executor:
        assert run_batch(store, batch_id, executor).succeeded == 4
    summary = compare_batch(store, batch_id).summary
    assert list(dict.fromkeys(summary["point"])) == ["no PTCE", "all levers"]
    base = summary[summary["point"] == "no PTCE"]
    assert (base["diff_mean"] == 0).all() and (summary["diff_n"] == 2).all()


def test_a_live_coordinator_blocks_a_second_one(db_url):
    from experiments.batches.batch import BatchError

    store = open_store(db_url)
    batch_id, _ = create_batch(store, small_design(scenarios=("baseline",), replications=1))
    sleeper = subprocess.Popen(["sleep", "60"])
    try:
        with store.begin() as conn:
            conn.execute(batch_table.update().values(
                status="running", coordinator=f"{socket.gethostname()}:{sleeper.pid}"))
        with LocalExecutor(1) as executor, pytest.raises(BatchError, match="being run by"):
            run_batch(store, batch_id, executor)
    finally:
        sleeper.kill()
        sleeper.wait()
    with LocalExecutor(1) as executor:  # its coordinator is dead: resumable
        assert run_batch(store, batch_id, executor).status == "succeeded"


def test_compare_and_export(db_url, tmp_path, monkeypatch):
    """The paired difference is computed from the per-seed differences: its mean and its
    t interval (half-width t(0.975, n - 1) x std of the differences / sqrt(n)) are recomputed
    here from the stored outcomes, the runs matched by their stored seed, not by position. On
    one territory with a small change of parameter, whose runs share their initial state and
    luck through the seed, the paired interval of the stock outcomes is less than half the
    unpaired one (Welch's, from the same stored values). The ``compare`` table is read on a
    wide console, so the check does not depend on the terminal's width (a console narrowed by
    COLUMNS at import time cut the names and the test failed under pytest-xdist).

    Catches: runs paired by row order or with the wrong replication (the difference of means
    stays the same for equal samples, the interval does not); an interval from the two
    samples' spreads instead of the differences'; a wrong t quantile; replications of two
    scenarios that do not share their seeds; charts and exports missing runs."""
    import json
    import math

    from rich.console import Console
    from scipy import stats

    import experiments.cli.batch as batch_cli
    from experiments.store import design_point_table

    store = open_store(db_url)
    batch_id, _ = create_batch(store, small_design(replications=3))
    close_id, _ = create_batch(store, build_design(
        ["baseline"], points=[{"label": "eff 0.20", "set": {"matching.efficiency": 0.20}},
                              {"label": "eff 0.205", "set": {"matching.efficiency": 0.205}}],
        fixed=SMALL, replications=4))
    with LocalExecutor(2) as executor:
        run_batch(store, batch_id, executor)
        run_batch(store, close_id, executor)

    def stored(batch: int) -> pd.DataFrame:
        """Outcomes as stored, with each run's design point and seed."""
        query = (select(design_point_table.c.scenario, design_point_table.c.point_index,
                        design_point_table.c.label,
                        design_point_table.c["values"].label("point_values"),
                        run_table.c.seed_entropy, run_table.c.spawn_key,
                        outcome_table.c.name, outcome_table.c.value)
                 .join(run_table, run_table.c.point_id == design_point_table.c.id)
                 .join(outcome_table, outcome_table.c.run_id == run_table.c.id)
                 .where(run_table.c.batch_id == batch))
        with store.engine.connect() as conn:
            rows = conn.execute(query).mappings().all()
        return pd.DataFrame([{
            "scenario": r["scenario"], "point_index": r["point_index"], "label": r["label"],
            "values": json.dumps(r["point_values"], sort_keys=True),
            "seed": f"{r['seed_entropy']}/{json.dumps(r['spawn_key'])}",
            "name": r["name"], "value": r["value"]} for r in rows])

    comparison = compare_batch(store, batch_id, baseline="baseline")
    summary = comparison.summary
    assert set(summary["scenario"]) == {"baseline", "7503_bayonne"}
    base = summary[summary["scenario"] == "baseline"]
    assert (base["diff_mean"] == 0).all() and (base["n"] == 3).all()
    other = summary[summary["scenario"] == "7503_bayonne"]
    assert (other["diff_n"] == 3).all()
    assert (other["low"] <= other["mean"]).all() and (other["mean"] <= other["high"]).all()
    # every scenario and point ran on the same three seeds
    runs = stored(batch_id)
    seeds = runs.groupby(["scenario", "values"])["seed"].agg(frozenset)
    assert len(seeds) == 4 and seeds.nunique() == 1 and len(seeds.iloc[0]) == 3
    by_seed = runs.pivot_table(index=["values", "name", "seed"], columns="scenario",
                               values="value")
    values_of = runs.drop_duplicates(["scenario", "point_index"]).set_index(
        ["scenario", "point_index"])["values"]
    t2 = stats.t.ppf(0.975, 2)
    for row in other.itertuples():
        pairs = by_seed.loc[(values_of[(row.scenario, row.point_index)], row.outcome)]
        diff = (pairs["7503_bayonne"] - pairs["baseline"]).to_numpy()
        half = t2 * diff.std(ddof=1) / math.sqrt(diff.size)
        assert row.diff_mean == pytest.approx(diff.mean(), rel=1e-9, abs=1e-12)
        assert (row.diff_high - row.diff_mean, row.diff_mean - row.diff_low) == pytest.approx(
            (half, half), rel=1e-3, abs=1e-12), row.outcome

    # one territory, a small change: pairing on the seed narrows the interval
    close = compare_batch(store, close_id, baseline="eff 0.20").summary
    runs = stored(close_id)
    for outcome in ("employment_rate", "career_share_months_employed"):
        row = close[(close["point"] == "eff 0.205") & (close["outcome"] == outcome)].iloc[0]
        mine = runs[runs["name"] == outcome].pivot(index="seed", columns="label", values="value")
        diff = (mine["eff 0.205"] - mine["eff 0.20"]).to_numpy()
        paired = stats.t.ppf(0.975, 3) * diff.std(ddof=1) / 2
        assert (row.diff_high - row.diff_low) / 2 == pytest.approx(paired, rel=1e-3)
        unpaired = stats.t.ppf(0.975, 6) * math.sqrt(
            (mine["eff 0.205"].var(ddof=1) + mine["eff 0.20"].var(ddof=1)) / 4)
        assert paired < unpaired / 2, (outcome, paired, unpaired)

    charts = write_charts(store, batch_id, tmp_path / "charts", outcomes=comparison.outcomes)
    assert {p.name for p in charts} >= {"series_unemployment_rate.png", "outcomes.png"}
    assert all(p.stat().st_size > 5000 for p in charts)
    files = export_batch(store, batch_id, tmp_path / "export", "csv")
    outcomes = pd.read_csv(tmp_path / "export" / "outcomes.csv")
    assert len(outcomes) == 12 and "unemployment_rate" in outcomes.columns
    assert len(files) == 4
    # the CLI's console is made at import, when COLUMNS may be narrow: give it a wide one
    monkeypatch.setattr(batch_cli, "out", Console(width=250, highlight=False))
    result = cli(["compare", str(batch_id), "--db", db_url, "--charts",
                  str(tmp_path / "c2")])
    assert result.exit_code == 0, result.output
    assert "unemployment_rate" in result.output and "7503_bayonne" in result.output
    for row in other.itertuples():
        assert f"[{row.diff_low:+.4f}, {row.diff_high:+.4f}]" in result.output
    assert {p.name for p in (tmp_path / "c2").iterdir()} == {p.name for p in charts}
    result = cli(["export", str(batch_id), "--format", "parquet", "--db", db_url, "--out",
                  str(tmp_path / "e2")])
    assert result.exit_code == 0, result.output
    assert len(pd.read_parquet(tmp_path / "e2" / "series.parquet")) == 12 * series_per_run()
    for args in (["runs", "list"], ["runs", "show", str(batch_id)],
                 ["runs", "show", str(batch_id), "--run", "1"]):
        result = cli([*args, "--db", db_url])
        assert result.exit_code == 0, result.output


# --------------------------------------------------------------------------------- bad input


def _no_batch_written(db_url: str) -> bool:
    if db_url.startswith("sqlite:///"):
        path = Path(db_url.removeprefix("sqlite:///"))
        if not path.exists():
            return True
    store = open_store(db_url)
    with store.engine.connect() as conn:
        return conn.execute(select(func.count()).select_from(batch_table)).scalar_one() == 0


@pytest.mark.parametrize(("args", "message"), [
    (["no_such_scenario.yaml"], "no such file or preset"),
    (["baseline", "--set", "matching.efficiency"], "expected KEY=V1,V2"),
    (["baseline", "--set", "matching.efficency=0.1"], "no such parameter"),
    (["baseline", "--set", "matching.efficiency=abc"], "invalid value"),
    (["baseline", "--set", "matching.efficiency=0.1,,0.2"], "comma-separated"),
    (["--experiment", "no_such_experiment"], "experiment file"),
    (["--resume", "999"], "no batch 999"),
    (["baseline", "--scheduler", "tcp://127.0.0.1:1"], "cannot reach the Dask scheduler"),
])
def test_bad_batch_input_exits_2_and_writes_nothing(db_url, args, message):
    result = cli(["batch", *args, "--db", db_url, "--quiet"])
    assert result.exit_code == 2, result.output
    assert message in result.output
    assert "Traceback" not in result.output
    assert _no_batch_written(db_url)


@pytest.mark.parametrize("command", [["runs", "show", "999"], ["compare", "999"],
                                     ["export", "999"]])
def test_unknown_batch_id_exits_2(db_url, command):
    result = cli([*command, "--db", db_url])
    assert result.exit_code == 2, result.output
    assert "no batch 999" in result.output


def test_unreachable_or_unwritable_database_exits_2(tmp_path):
    blocker = tmp_path / "a_file"
    blocker.write_text("not a folder")
    for url, message in [
        ("postgresql+psycopg://postgres@127.0.0.1:1/test", "cannot open database"),
        (f"sqlite:///{blocker}/runs/ptce.sqlite", "cannot create the folder"),
        ("sqlite:////proc/ptce.sqlite", "cannot"),
        ("not a url", "is not a URL"),
    ]:
        result = cli(["batch", "baseline", *SMALL_SETS, "--db", url, "--quiet"])
        assert result.exit_code == 2, (url, result.output)
        assert message in result.output, (url, result.output)
        assert "Traceback" not in result.output
    # PTCE_DB is used when --db is not given
    result = cli(["runs", "list"], env={"PTCE_DB": f"sqlite:///{blocker}/x.sqlite"})
    assert result.exit_code == 2 and "a_file" in result.output


def test_default_database_is_runs_ptce_sqlite(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    monkeypatch.delenv("PTCE_DB", raising=False)
    result = cli(["batch", "baseline", *SMALL_SETS])  # with the progress bar
    assert result.exit_code == 0, result.output
    assert "1/1 runs" in result.output
    assert (tmp_path / "runs" / "ptce.sqlite").exists()
    assert any((tmp_path / "runs" / "ptce_artifacts" / "batch_1").glob("*.parquet"))
