"""Batch throughput with 1 and 2 local workers, and the share of time spent writing to SQL.

``python -m experiments.bench.batch`` (or :func:`bench_batch` from ``ptce bench``). Targets on
the 2-core machine: 2 workers at least 1.7 times the throughput of 1 worker, and SQL writes
under 10 % of the batch time with every monthly series stored.

Each configuration gets a fresh SQLite store in a temporary folder; the worker pool is started
and warmed (model imported in every worker) before the clock starts, and its start-up time is
printed separately.
"""

from __future__ import annotations

import os
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

from sqlalchemy import func, select

from experiments.batches.batch import BatchReport, create_batch, run_batch
from experiments.batches.design import build_design
from experiments.execution.executors import LocalExecutor
from experiments.store import open_store, run_table


@dataclass
class BatchBench:
    """One configuration's figures; times in seconds."""

    workers: int
    runs: int
    startup_seconds: float
    report: BatchReport
    mean_run_seconds: float = 0.0

    @property
    def runs_per_second(self) -> float:
        return self.runs / self.report.wall_seconds

    @property
    def sql_share(self) -> float:
        return self.report.sql_seconds / self.report.wall_seconds


def _one(workers: int, runs: int, persons: int, months: int, burn_in: int,
         folder: Path) -> BatchBench:
    design = build_design(
        ["baseline"], replications=runs,
        fixed={"population.persons": persons, "simulation.months": months,
               "simulation.burn_in_months": burn_in},
    )
    store = open_store(f"sqlite:///{folder}/bench_{workers}.sqlite")
    batch_id, _ = create_batch(store, design, new=True)
    started = time.perf_counter()
    with LocalExecutor(workers) as executor:
        for i in range(2 * workers):  # start every worker process before timing
            executor.submit(-1 - i, os.getpid, None)
        while executor.in_flight():
            executor.wait(timeout=1.0)
        startup = time.perf_counter() - started
        report = run_batch(store, batch_id, executor)
    with store.engine.connect() as conn:
        mean_run = conn.execute(select(func.avg(run_table.c.wall_time))
                                .where(run_table.c.batch_id == batch_id)).scalar_one()
    store.close()
    return BatchBench(workers, runs, startup, report, float(mean_run or 0.0))


def bench_batch(runs: int = 12, persons: int = 20_000, months: int = 120, burn_in: int = 24,
                workers: tuple[int, ...] = (1, 2), echo: bool = True) -> list[BatchBench]:
    """Time a batch of ``runs`` baseline runs (``persons``, ``months`` reported months) with
    each number of ``workers``; print throughput, speed-up and the SQL share."""
    results = []
    with tempfile.TemporaryDirectory(prefix="ptce_batch_bench_") as tmp:
        for n in workers:
            results.append(_one(n, runs, persons, months, burn_in, Path(tmp)))
    if echo:
        print(f"batch benchmark: {runs} runs of {persons:,} persons x {months} months "
              f"(+{burn_in} burn-in), series stored monthly, spells as Parquet; "
              f"{os.cpu_count()} CPUs; load average {os.getloadavg()[0]:.1f}")
        base = results[0].runs_per_second
        for r in results:
            rep = r.report
            print(f"  {r.workers} worker{'s' if r.workers > 1 else ' '}: {rep.wall_seconds:6.1f} s "
                  f"({r.runs_per_second:.2f} runs/s, x{r.runs_per_second / base:.2f}); "
                  f"SQL writes {rep.sql_seconds:.2f} s = {100 * r.sql_share:.1f} % of the batch; "
                  f"Parquet {rep.artifact_seconds:.2f} s; pool start {r.startup_seconds:.1f} s; "
                  f"one run takes {r.mean_run_seconds:.2f} s in its worker")
        if len(results) > 1:
            speedup = results[1].runs_per_second / base
            verdict = "meets" if speedup >= 1.7 else "misses"
            print(f"  speed-up {speedup:.2f} with {results[1].workers} workers ({verdict} the "
                  "1.7 target)")
            slowdown = results[1].mean_run_seconds / max(results[0].mean_run_seconds, 1e-9)
            if slowdown > 1.3:
                print(f"  each run took {slowdown:.1f}x longer with {results[1].workers} workers: "
                      "the cores are shared with other processes (see the load average)")
        worst = max(r.sql_share for r in results)
        print(f"  SQL share at most {100 * worst:.1f} % "
              f"({'meets' if worst < 0.10 else 'misses'} the 10 % target)")
    return results


if __name__ == "__main__":
    bench_batch()
