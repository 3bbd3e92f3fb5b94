"""``ptce optimise``: the Pareto set of PTCE lever mixes for a coordination budget.

Registered on the main app through the ``ptce.commands`` entry point ``optimise``. The search
itself is :mod:`experiments.results.optimise`. Exit codes: 0 success; 2 bad input (unknown
scenario or one without a ``ptce`` section, a budget below one coordinator FTE, an unknown
objective, fewer than 1 trial or 2 replications, an unusable output folder or database), in
which case nothing is written; 1 an unexpected error.
"""

from __future__ import annotations

import shlex
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer
from rich.table import Table

from experiments.cli.common import err, fail, load_pole, out, scenario_slug

if TYPE_CHECKING:
    from experiments.cli.common import SizeOptions


def optimise(
    scenario: Annotated[str, typer.Argument(
        help="A scenario with a `ptce` section: a YAML file or a preset (`ptce/le_phares`).",
        show_default=False, metavar="SCENARIO")],
    budget: Annotated[float, typer.Option(
        "--budget", help="Yearly coordination budget, EUR; mixes costing more are "
                         "infeasible. At least one coordinator FTE.", show_default=False)],
    trials: Annotated[int, typer.Option(
        "--trials", help="Complete trials the study should hold (a rerun runs only the "
                         "missing ones).")] = 40,
    objectives: Annotated[list[str] | None, typer.Option(
        "--objectives", help="Effects to optimise (names of the paired effect table, "
                             "comma-separated or repeated). Default: durable_employment, "
                             "months_employed_per_person.", show_default=False)] = None,
    replications: Annotated[int, typer.Option(
        "--replications", help="Paired replications per trial (the same seeds for all).")] = 4,
    seed: Annotated[int, typer.Option(min=0, help="Root seed of the replications and of "
                                                  "the sampler.")] = 1,
    *,
    size: SizeOptions,
    out_dir: Annotated[Path | None, typer.Option(
        "--out", help="Output folder (default: runs/optimise/SCENARIO-budgetB-seedS). A "
                      "previous result there is replaced; another non-empty folder is refused.",
        show_default=False, file_okay=False)] = None,
    db: Annotated[str | None, typer.Option(
        "--db", help="Database URL of the study (default: $PTCE_DB, else "
                     "sqlite:///runs/ptce.sqlite).", show_default=False)] = None,
    fresh_seeds: Annotated[int | None, typer.Option(
        "--fresh-seeds", help="Fresh seeds on which the best mixes (at most 5 of the front) "
                              "are re-evaluated; default 2 x replications; 0: none.",
        show_default=False)] = None,
) -> None:
    """Search the levers (each on or off, its intensity) and the coordinator FTE that do most
    for net durable jobs and career security within a yearly coordination budget.

    Multi-objective search (Optuna NSGA-II, seeded), every trial on the same seeds as the same
    territory without the pole. The study is kept in the results database: the same command
    resumes it. Writes pareto.csv (the non-dominated mixes within the budget, each objective's
    mean and 95 % interval), pareto.png, pareto_fresh.csv (the best mixes on fresh seeds),
    trials.csv and optimise.json.
    """
    from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn

    from experiments.results import optimise as opt
    from experiments.results.outputs import OutputDirError, check_out_dir

    try:
        names = opt.check_objectives(objectives or list(opt.DEFAULT_OBJECTIVES))
        if trials < 1:
            raise opt.OptimiseError(f"{trials}: at least 1 trial", "--trials")
        if replications < 2:
            raise opt.OptimiseError(f"{replications}: at least 2 replications",
                                    "--replications")
        if fresh_seeds is not None and (fresh_seeds < 0 or fresh_seeds == 1):
            raise opt.OptimiseError(f"{fresh_seeds}: 0 (no re-evaluation) or at least 2",
                                    "--fresh-seeds")
    except opt.OptimiseError as exc:
        raise typer.BadParameter(str(exc), param_hint=f"'{exc.param}'") from None
    params, file = load_pole(scenario, size, "it has no levers to optimise")
    try:
        opt.check_budget(budget, params)
    except opt.OptimiseError as exc:
        raise typer.BadParameter(str(exc), param_hint="'--budget'") from None
    stem = scenario_slug(file)
    target = out_dir if out_dir is not None else (
        Path("runs") / "optimise" / f"{stem}-budget{budget:.0f}-seed{seed}")
    try:
        check_out_dir(target, marker="pareto.csv")
    except OutputDirError as exc:
        raise typer.BadParameter(str(exc), param_hint="'--out'") from None

    from experiments.store import StoreError, open_store

    try:
        store = open_store(db)
    except StoreError as exc:
        raise fail(f"--db: {exc}") from None
    url = store.url
    store.engine.dispose()

    err.print(f"Optimising [bold]{params.name}[/] for {budget:,.0f} EUR a year: {trials} "
              f"trials x {replications} paired replications, {params.population.persons:,} "
              f"persons, {params.simulation.months} months; objectives {', '.join(names)}")
    columns = (TextColumn("trials"), BarColumn(), MofNCompleteColumn())
    with Progress(*columns, console=err, transient=True) as progress:
        task = progress.add_task("trials", total=trials)
        result = opt.optimise(
            params, scenario=stem, budget=budget, url=url, objectives=names, trials=trials,
            replications=replications, seed=seed, fresh=fresh_seeds,
            on_trial=lambda done, total: progress.update(task, completed=done, total=total))

    command = ["ptce", "optimise", scenario, "--budget", f"{budget:g}", "--trials",
               str(trials), "--objectives", ",".join(names), "--replications",
               str(replications), "--seed", str(seed)]
    for path, value in size.updates().items():
        command += [size.option_of(path), str(value)]
    if fresh_seeds is not None:
        command += ["--fresh-seeds", str(fresh_seeds)]
    manifest = {"command": shlex.join(command), "scenario": str(file),
                "persons": params.population.persons, "months": params.simulation.months,
                "replications": replications, "seed": seed}
    try:
        files = opt.write_outputs(result, target, title=params.name, manifest=manifest)
    except OSError as exc:
        raise fail(f"cannot write to {target}: {exc}") from None

    table = Table(title=f"Non-dominated mixes within {budget:,.0f} EUR a year "
                        f"({len(result.pareto)} of {result.trials} trials)")
    table.add_column("trial", justify="right")
    table.add_column("FTE", justify="right")
    table.add_column("EUR/year", justify="right")
    table.add_column("levers on (intensity)")
    for name in names:
        table.add_column(name, justify="right")
    from model.params import LEVERS

    for _, row in result.pareto.iterrows():
        on = ", ".join(f"{lv} {row[f'{lv}_intensity']:.2f}" for lv in LEVERS if row[lv])
        table.add_row(str(row["trial"]), f"{row['coordinator_fte']:.1f}",
                      f"{row['yearly_cost']:,.0f}", on or "none",
                      *(f"{row[f'{n}_mean']:+.3g} [{row[f'{n}_ci_low']:+.3g}, "
                        f"{row[f'{n}_ci_high']:+.3g}]" for n in names))
    out.print(table)
    out.print(f"Study {result.study_name}: {result.trials} trials ({result.trials_run} run now)")
    out.print(f"Wrote {', '.join(f.name for f in files)} to {target}/")


def register(app: typer.Typer) -> None:
    """Add ``optimise`` to the ``ptce`` command line, with ``--persons`` and ``--months``."""
    from experiments.cli.common import with_size_options

    app.command("optimise")(with_size_options(optimise))
