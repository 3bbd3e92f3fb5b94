"""``ptce batch``, ``ptce runs list|show``, ``ptce compare`` and ``ptce export``.

Register them on the main app with ``batch_cli.register(app)``; ``python -m
experiments.cli.batch`` runs them on their own.

Exit codes: 0 success (every run succeeded); 1 the batch finished with failed runs or an
unexpected error; 2 bad input (unknown scenario or experiment file, malformed ``--set``,
unreachable or unwritable database, unknown batch id), in which case nothing is written.
The database is ``--db URL``, else the ``PTCE_DB`` environment variable, else
``sqlite:///runs/ptce.sqlite``.
"""

from __future__ import annotations

import json
from dataclasses import replace
from enum import StrEnum
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any

import typer
from rich.progress import (
    BarColumn,
    MofNCompleteColumn,
    Progress,
    TextColumn,
    TimeElapsedColumn,
    TimeRemainingColumn,
)
from rich.table import Table
from rich.text import Text

from experiments.cli.common import err, fail, out

if TYPE_CHECKING:
    from experiments.cli.common import SizeOptions


DbOption = Annotated[str | None, typer.Option(
    "--db", help="database URL (default: $PTCE_DB, else sqlite:///runs/ptce.sqlite)",
    show_default=False)]


class ExportFormat(StrEnum):
    csv = "csv"
    parquet = "parquet"


def _open(db: str | None) -> Any:
    from experiments.store import StoreError, open_store

    try:
        return open_store(db)
    except StoreError as exc:
        raise fail(str(exc)) from None


def _batch_row(store: Any, batch_id: int) -> dict[str, Any]:
    from experiments.batches.batch import BatchError, get_batch

    try:
        return get_batch(store, batch_id)
    except BatchError as exc:
        raise fail(str(exc)) from None


# --------------------------------------------------------------------------------- batch


def batch(
    scenarios: Annotated[list[str] | None, typer.Argument(
        help="scenario files or preset names (baseline, territories/7503_bayonne, ...)",
        show_default=False)] = None,
    replications: Annotated[int | None, typer.Option(
        "--replications", "-n", help="replications per design point (default 1, or the "
        "experiment file's)", show_default=False)] = None,
    set_values: Annotated[list[str] | None, typer.Option(
        "--set", help="KEY=V1,V2,...: a grid factor; several --set make a cartesian product",
        show_default=False)] = None,
    lhs: Annotated[list[str] | None, typer.Option(
        "--lhs", help="KEY=LOW:HIGH: a Latin-hypercube factor", show_default=False)] = None,
    samples: Annotated[int, typer.Option(help="Latin-hypercube points")] = 10,
    experiment: Annotated[str | None, typer.Option(
        "--experiment", "-e", help="experiment YAML file, or the name of one in experiments/",
        show_default=False)] = None,
    workers: Annotated[int, typer.Option("--workers", "-w", help="local worker processes")] = 1,
    scheduler: Annotated[str | None, typer.Option(
        help="Dask scheduler address tcp://HOST:PORT, or 'local' for a local Dask cluster",
        show_default=False)] = None,
    db: DbOption = None,
    seed: Annotated[int | None, typer.Option(
        help="root seed of the replications (default 20261128 or the experiment's)",
        show_default=False)] = None,
    resume: Annotated[int | None, typer.Option(
        help="resume batch ID: run only what has not succeeded", show_default=False)] = None,
    new: Annotated[bool, typer.Option(
        "--new", help="start a new batch even if the same one exists")] = False,
    force: Annotated[bool, typer.Option(
        "--force", help="resume even if another coordinator's heartbeat is recent")] = False,
    spells: Annotated[bool, typer.Option(help="store person-level spells (Parquet)")] = True,
    quiet: Annotated[bool, typer.Option("--quiet", "-q", help="no progress bar")] = False,
    *,
    size: SizeOptions,
) -> None:
    """Run scenarios x parameter points x replications and store everything in SQL.

    --persons and --months apply to every design point, over the scenario and the
    experiment file's `set`/`months`; a factor or point setting the same parameter is refused.
    Re-running the same command (or --resume ID) runs only the runs that have not succeeded.
    """
    from experiments.batches.batch import BatchError, create_batch, run_batch
    from experiments.batches.design import DesignError, build_design, load_experiment
    from experiments.execution.executors import ExecutorStartError, make_executor
    from scenarios import ScenarioError

    design = None
    if resume is None:
        try:
            if experiment:
                design = load_experiment(experiment, replications=replications,
                                         extra_scenarios=scenarios or [],
                                         sets=set_values or [], root_seed=seed)
            else:
                if not scenarios:
                    raise fail("give one or more scenarios, --experiment FILE or --resume ID")
                kwargs: dict[str, Any] = {} if seed is None else {"root_seed": seed}
                design = build_design(scenarios, sets=set_values or [], lhs=lhs or [],
                                      samples=samples if lhs else 0,
                                      replications=replications or 1, **kwargs)
        except (DesignError, ScenarioError) as exc:
            raise fail(str(exc)) from None
        design = _sized_design(design, size)
    elif scenarios or experiment or set_values or lhs or size.updates():
        raise fail("--resume ID takes no scenarios, --experiment, --set, --lhs, --persons or "
                    "--months")

    store = _open(db)
    if resume is not None:
        _batch_row(store, resume)
    try:
        executor = make_executor(workers=workers, scheduler=scheduler)
    except ExecutorStartError as exc:
        raise fail(str(exc)) from None
    with executor:
        if design is not None:
            batch_id, existed = create_batch(store, design, new=new)
            runs = len(design.points) * design.replications
            verb = "resuming existing" if existed else "created"
            err.print(f"{verb} batch {batch_id}: {len(design.points)} design points x "
                      f"{design.replications} replications = {runs} runs on "
                      f"{executor.description}; database {store.url}")
        else:
            batch_id = resume
            err.print(f"resuming batch {batch_id} on {executor.description}")
        try:
            report = _run_with_progress(store, batch_id, executor, force=force, spells=spells,
                                        quiet=quiet, run_batch=run_batch)
        except BatchError as exc:
            raise fail(str(exc)) from None
    out.print(f"batch {report.batch_id}: {report.succeeded}/{report.total} runs succeeded, "
              f"{report.failed} failed ({report.ran} run now, {report.already_done} done "
              f"before) in {report.wall_seconds:.1f} s; SQL writes {report.sql_seconds:.2f} s")
    for failure in report.failures[:10]:
        out.print(Text(f"  run {failure['run_id']} failed at {failure['stage']}: "
                       f"{failure['error']}"))
    if report.failed:
        out.print(f"see `ptce runs show {report.batch_id} --run RUN_ID` for a traceback; "
                  f"`ptce batch --resume {report.batch_id}` redoes the failed runs")
        raise typer.Exit(1)


def _sized_design(design: Any, size: SizeOptions) -> Any:
    """``design`` with --persons/--months set on every point (exit 2 naming the option if a
    point's parameters refuse the value, or if a factor or point varies the same parameter)."""
    updates = size.updates()
    if not updates:
        return design
    for point in design.points:
        for path in updates:
            if path in point.values:
                what = f"point {point.label!r}" if point.label else "a --set/--lhs factor"
                raise typer.BadParameter(
                    f"{what} also sets {path}; give it in one place only",
                    param_hint=f"'{size.option_of(path)}'")
    design.points = [replace(p, params=size.apply(p.params)) for p in design.points]
    design.spec["size"] = updates
    return design


def _run_with_progress(store: Any, batch_id: int, executor: Any, *, force: bool, spells: bool,
                       quiet: bool, run_batch: Any) -> Any:
    if quiet:
        return run_batch(store, batch_id, executor, force=force, record_spells=spells)
    columns = (TextColumn("[bold]batch {task.fields[batch]}"), BarColumn(),
               MofNCompleteColumn(), TextColumn("runs, {task.fields[failed]} failed"),
               TimeElapsedColumn(), TextColumn("ETA"), TimeRemainingColumn())
    with Progress(*columns, console=err, transient=False) as bar:
        task = bar.add_task("runs", total=None, batch=batch_id, failed=0)

        def progress(done: int, failed: int, total: int) -> None:
            bar.update(task, completed=done, total=total, failed=failed)

        return run_batch(store, batch_id, executor, force=force, record_spells=spells,
                         progress=progress)


# --------------------------------------------------------------------------------- runs

runs_app = typer.Typer(help="List batches and inspect their runs.", no_args_is_help=True)


@runs_app.command("list")
def runs_list(db: DbOption = None,
              limit: Annotated[int, typer.Option(help="most recent batches")] = 20) -> None:
    """Batches in the database, most recent first, with their runs by status."""
    from sqlalchemy import func, select

    from experiments.store import batch_table, run_table

    store = _open(db)
    with store.engine.connect() as conn:
        batches = conn.execute(select(batch_table).order_by(batch_table.c.id.desc())
                               .limit(limit)).mappings().all()
        counts: dict[int, dict[str, int]] = {}
        for batch_id, status, n in conn.execute(
                select(run_table.c.batch_id, run_table.c.status, func.count())
                .group_by(run_table.c.batch_id, run_table.c.status)):
            counts.setdefault(batch_id, {})[status] = n
    table = Table("id", "name", "status", "succeeded", "failed", "other", "total", "created",
                  "git")
    for b in batches:
        c = counts.get(b["id"], {})
        total = sum(c.values())
        other = total - c.get("succeeded", 0) - c.get("failed", 0)
        table.add_row(str(b["id"]), b["name"], b["status"], str(c.get("succeeded", 0)),
                      str(c.get("failed", 0)), str(other), str(total),
                      str(b["created_at"])[:19], (b["git_sha"] or "")[:12])
    out.print(table)


@runs_app.command("show")
def runs_show(batch_id: Annotated[int, typer.Argument(help="batch id")],
              run: Annotated[int | None, typer.Option(help="one run's details",
                                                      show_default=False)] = None,
              db: DbOption = None) -> None:
    """A batch's design and runs, or one run (seed, parameters, outcomes, traceback)."""
    from sqlalchemy import select

    from experiments.store import design_point_table, outcome_table, run_table

    store = _open(db)
    b = _batch_row(store, batch_id)
    with store.engine.connect() as conn:
        rows = conn.execute(
            select(run_table, design_point_table.c.scenario, design_point_table.c["values"],
                   design_point_table.c.point_index)
            .join(design_point_table, design_point_table.c.id == run_table.c.point_id)
            .where(run_table.c.batch_id == batch_id).order_by(run_table.c.id)
        ).mappings().all()
        if run is not None:
            outcomes = dict(conn.execute(select(outcome_table.c.name, outcome_table.c.value)
                                         .where(outcome_table.c.run_id == run)).all())
    if run is not None:
        match = [r for r in rows if r["id"] == run]
        if not match:
            raise fail(f"batch {batch_id} has no run {run} (runs {rows[0]['id']}.."
                        f"{rows[-1]['id']})" if rows else f"batch {batch_id} has no runs")
        r = match[0]
        out.print(f"run {r['id']} of batch {batch_id}: {r['status']}  scenario {r['scenario']}  "
                  f"point {r['point_index']} {json.dumps(r['values'])}  replication "
                  f"{r['replication']}")
        out.print(f"seed: SeedSequence({r['seed_entropy']}, spawn_key={tuple(r['spawn_key'])})"
                  f"  worker {r['worker']}  wall {r['wall_time'] or 0:.2f} s  attempts "
                  f"{r['attempts']}")
        if r["spells_path"]:
            out.print(f"spells: {r['spells_path']}")
        for name, value in sorted(outcomes.items()):
            out.print(f"  {name:40s} {value}")
        if r["status"] == "failed":
            out.print(Text(f"failed at stage {r['error_stage']}: {r['error_type']}: "
                           f"{r['error_message']}\n{r['traceback']}"))
        return
    out.print(f"batch {batch_id} {b['name']!r}: {b['status']}; root seed {b['root_seed']}, "
              f"{b['replications']} replications; executor {b['executor']}; version "
              f"{b['code_version']} git {b['git_sha']}")
    out.print(f"design: {json.dumps(b['design'])}")
    table = Table("run", "scenario", "point", "values", "rep", "status", "worker", "wall s",
                  "error")
    for r in rows:
        error = f"{r['error_stage']}: {r['error_type']}" if r["status"] == "failed" else ""
        table.add_row(str(r["id"]), r["scenario"], str(r["point_index"]),
                      json.dumps(r["values"]), str(r["replication"]), r["status"],
                      r["worker"] or "", f"{r['wall_time']:.2f}" if r["wall_time"] else "",
                      error)
    out.print(table)


# --------------------------------------------------------------------------------- compare


def compare(
    batch_id: Annotated[int, typer.Argument(help="batch id")],
    baseline: Annotated[str | None, typer.Option(
        help="scenario to difference against (default: the batch's baseline)",
        show_default=False)] = None,
    outcome: Annotated[list[str] | None, typer.Option(
        "--outcome", help="outcomes to show (default: the batch's main outcomes)",
        show_default=False)] = None,
    charts: Annotated[Path | None, typer.Option(
        help="folder for the PNG charts (default runs/compare_batch_ID); previous charts "
        "there are replaced, any other non-empty folder is refused", show_default=False)] = None,
    db: DbOption = None,
) -> None:
    """Mean and 95 % interval of the main outcomes per scenario and design point, the paired
    difference against the baseline (same seeds), and PNG charts."""
    from experiments.results.compare import CHART_FILES, CompareError, compare_batch, write_charts

    folder = charts or Path("runs") / f"compare_batch_{batch_id}"
    _check_folder(folder, CHART_FILES, "--charts")
    store = _open(db)
    _batch_row(store, batch_id)
    try:
        result = compare_batch(store, batch_id, baseline=baseline, outcomes=outcome)
    except CompareError as exc:
        raise fail(str(exc)) from None
    table = Table("scenario", "point", "outcome", "n", "mean", "95 % interval",
                  f"diff vs {Path(result.baseline).stem}", "95 % interval (paired)")
    for row in result.summary.itertuples(index=False):
        diff = "" if row.diff_n == 0 else f"{row.diff_mean:+.4f}"
        diff_ci = "" if row.diff_n < 2 else f"[{row.diff_low:+.4f}, {row.diff_high:+.4f}]"
        ci = "" if row.n < 2 else f"[{row.low:.4f}, {row.high:.4f}]"
        table.add_row(Path(row.scenario).stem, row.point, row.outcome, str(row.n),
                      f"{row.mean:.4f}", ci, diff, diff_ci)
    out.print(table)
    try:
        paths = write_charts(store, batch_id, folder, outcomes=result.outcomes)
    except OSError as exc:
        raise fail(f"cannot write charts to {str(folder)!r}: {exc.strerror or exc}") from None
    for path in paths:
        out.print(f"chart: {path}")


# --------------------------------------------------------------------------------- export


def export(
    batch_id: Annotated[int, typer.Argument(help="batch id")],
    fmt: Annotated[ExportFormat, typer.Option("--format", help="file format")] = ExportFormat.csv,
    out_dir: Annotated[Path | None, typer.Option(
        "--out", help="folder (default runs/export_batch_ID); a previous export there is "
        "replaced, any other non-empty folder is refused", show_default=False)] = None,
    db: DbOption = None,
) -> None:
    """Write a batch's design points, runs, outcomes and series as CSV or Parquet files.

    The folder is written all or nothing: a failed export leaves the previous one in place."""
    from experiments.results.compare import EXPORT_FILES, export_batch

    folder = out_dir or Path("runs") / f"export_batch_{batch_id}"
    _check_folder(folder, EXPORT_FILES, "--out")
    store = _open(db)
    _batch_row(store, batch_id)
    try:
        paths = export_batch(store, batch_id, folder, fmt.value)
    except OSError as exc:
        raise fail(f"cannot write to {str(folder)!r}: {exc.strerror or exc}") from None
    for path in paths:
        out.print(f"wrote {path}")


def _check_folder(folder: Path, markers: tuple[str, ...], option: str) -> None:
    """Exit 2 naming ``option`` unless ``folder`` may be (re)placed by this command's files."""
    from experiments.results.outputs import OutputDirError, check_out_dir

    try:
        check_out_dir(folder, marker=markers)
    except OutputDirError as exc:
        raise typer.BadParameter(str(exc), param_hint=f"'{option}'") from None


def register(app: typer.Typer) -> None:
    """Add ``batch``, ``runs`` (list, show), ``compare`` and ``export`` to ``app``."""
    from experiments.cli.common import with_size_options

    app.command("batch")(with_size_options(batch))
    app.add_typer(runs_app, name="runs")
    app.command("compare")(compare)
    app.command("export")(export)


def make_app() -> typer.Typer:
    """A stand-alone app with the batch commands (``python -m experiments.cli.batch``)."""
    app = typer.Typer(name="ptce", no_args_is_help=True, add_completion=False,
                      pretty_exceptions_show_locals=False)
    register(app)
    return app


if __name__ == "__main__":
    make_app()()
