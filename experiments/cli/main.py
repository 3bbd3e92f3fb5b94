"""The ``ptce`` command line: run a scenario, validate scenario files, list presets, benchmark.

Exit codes: 0 success; 2 a bad scenario file or a bad option value (the message says which
file, key or option, and nothing is written); 1 an unexpected error.
"""

import math
import os
import sys
from enum import StrEnum
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any

import typer
from rich.table import Table
from rich.text import Text

from experiments.cli.common import (
    SizeOptions,
    err,
    fail,
    out,
    paired_effects_with_progress,
    scenario_slug,
    with_size_options,
)

if TYPE_CHECKING:
    from model import RunResult, TerritoryParams

app = typer.Typer(
    name="ptce",
    help=(
        "Agent-based simulator of a territorial labour market with SIAE, enterprises and "
        "training bodies, and the PTCE that coordinates them.\n\n"
        "Start with:  ptce run baseline   (see `ptce presets` for the other scenarios)."
    ),
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_show_locals=False,
    rich_markup_mode="markdown",
)


class TableFormat(StrEnum):
    csv = "csv"
    parquet = "parquet"


# --------------------------------------------------------------------------------- run


def _load_sized(scenario: str, size: SizeOptions) -> "TerritoryParams":
    """Load a scenario and apply --persons/--months, or exit 2 naming what is wrong."""
    from scenarios import ScenarioError, load_scenario

    try:
        params = load_scenario(scenario)
    except ScenarioError as exc:
        raise fail(str(exc)) from None
    return size.apply(params)


#: Outcomes shown in the run summary, by group: (name, how to show the value, unit).
SUMMARY: tuple[tuple[str, tuple[tuple[str, str, str], ...]], ...] = (
    ("Labour market (last 12 months, or horizon mean)", (
        ("unemployment_rate", "pct", "% of labour force"),
        ("long_term_unemployed_share", "pct", "% of unemployed"),
        ("employment_rate", "pct", "% of working age"),
        ("job_finding_rate", "pct", "% per month"),
        ("vacancy_rate", "pct", "% of positions"),
        ("short_contract_share_of_hires", "pct", "% of hires"),
    )),
    ("Insertion (IAE)", (
        ("iae_stock", "num1", "persons"),
        ("iae_entries", "num0", "over the horizon"),
        ("iae_route_length_mean", "num1", "months"),
        ("iae_exit_share_durable", "pct", "% of exits"),
        ("iae_exit_share_transition", "pct", "% of exits"),
        ("iae_exit_share_positive", "pct", "% of exits"),
        ("iae_exit_share_other", "pct", "% of exits"),
        ("iae_employed_6m_share", "pct", "% of leavers"),
    )),
    ("Career security (mean over persons)", (
        ("career_share_months_employed", "pct", "% of months"),
        ("career_breaks", "num2", "breaks into unemployment"),
        ("career_longest_unemployment", "num1", "months"),
        ("career_months_durable", "num1", "months"),
        ("career_qualification_gained", "num3", "levels"),
    )),
)


def _show(value: float, how: str) -> str:
    if not math.isfinite(value):
        return "n/a"
    if how == "pct":
        return f"{100 * value:.1f}"
    return f"{value:,.{int(how[-1])}f}"


def summary_table(outcomes: dict[str, float], title: str) -> Table:
    """The run summary: the main outcomes, grouped, with their units."""
    table = Table(title=title, title_justify="left", show_lines=False)
    table.add_column("outcome (outcomes.json name)", no_wrap=True)
    table.add_column("value", justify="right", no_wrap=True)
    table.add_column("unit")
    for group, rows in SUMMARY:
        table.add_row(Text(group, style="bold cyan"), "", "")
        for name, how, unit in rows:
            if name in outcomes:
                table.add_row(f"  {name}", _show(outcomes[name], how), unit)
    return table


def _simulate_with_progress(params: "TerritoryParams", seed: int) -> "RunResult":
    from rich.progress import (
        BarColumn,
        MofNCompleteColumn,
        Progress,
        TextColumn,
        TimeElapsedColumn,
        TimeRemainingColumn,
    )

    from model import simulate

    sim = params.simulation
    total = sim.burn_in_months + sim.months
    columns = (TextColumn("{task.description}"), BarColumn(), MofNCompleteColumn(),
               TextColumn("months"), TimeElapsedColumn(), TimeRemainingColumn())
    with Progress(*columns, console=err, transient=True) as progress:
        task = progress.add_task(f"burn-in ({sim.burn_in_months} months)", total=total)

        def advance(done: int, total_months: int) -> None:
            phase = "burn-in" if done < sim.burn_in_months else "simulating"
            progress.update(task, completed=done, total=total_months, description=phase)

        return simulate(params, seed, progress=advance)


@app.command()
@with_size_options
def run(
    scenario: Annotated[str, typer.Argument(
        help="Scenario: a YAML file, or a preset name (`baseline`, `7503_bayonne`, a zone "
             "code such as `7503`; see `ptce presets`).", show_default=False,
        metavar="SCENARIO")],
    seed: Annotated[int, typer.Option(
        min=0, help="Root seed; the same scenario and seed give identical results.")] = 1,
    out_dir: Annotated[Path | None, typer.Option(
        "--out", help="Output directory (default: runs/SCENARIO-seedN). A previous run "
                      "there is replaced; any other non-empty directory is refused.",
        show_default=False, file_okay=False)] = None,
    fmt: Annotated[TableFormat, typer.Option(
        "--format", help="Format of the monthly series.", case_sensitive=False)
    ] = TableFormat.csv,
    spells_fmt: Annotated[TableFormat, typer.Option(
        "--spells-format", help="Format of the person-level spells (large: Parquet is "
                                "compact).", case_sensitive=False)] = TableFormat.parquet,
    *,
    size: SizeOptions,
) -> None:
    """Run one scenario; print a summary and write its outputs.

    Writes, into the output directory: series.csv (or .parquet: one row per month, columns
    documented in model.SERIES_DOCS), outcomes.json (end-of-run outcomes named as in
    model.OUTCOME_DOCS, under "outcomes", with the scenario, seed, months, persons and
    version), spells.parquet (or .csv), careers.csv, iae_exits.csv, transition_matrix.csv
    and stocks.png. Files are written to a temporary directory and moved into place: a
    failure leaves nothing behind, and a previous run there is kept until the new one is in
    place.
    """

    from experiments import package_version
    from experiments.results.outputs import OutputDirError, check_out_dir, write_run
    from scenarios import resolve_scenario

    params = _load_sized(scenario, size)
    scenario_file = resolve_scenario(scenario)

    name = scenario_slug(str(scenario_file))
    target = out_dir if out_dir is not None else Path("runs") / f"{name}-seed{seed}"
    try:
        check_out_dir(target)
    except OutputDirError as exc:
        raise typer.BadParameter(str(exc), param_hint="'--out'") from None

    sim = params.simulation
    err.print(f"Running [bold]{params.name}[/] ({scenario_file}): "
              f"{params.population.persons:,} persons, {sim.burn_in_months} burn-in + "
              f"{sim.months} months, seed {seed}")
    result = _simulate_with_progress(params, seed)

    meta: dict[str, Any] = {
        "scenario": params.name, "scenario_file": str(scenario_file), "seed": seed,
        "months": sim.months, "burn_in_months": sim.burn_in_months,
        "persons": params.population.persons, "version": package_version(),
    }
    title = f"{params.name}: stocks over time (seed {seed}, {params.population.persons:,} persons)"
    try:
        files = write_run(result, target, meta=meta, fmt=fmt.value,
                          spells_fmt=spells_fmt.value, title=title)
    except OSError as exc:
        hint = "" if out_dir is not None else " (choose another directory with --out)"
        raise fail(f"cannot write the outputs to {target}: {exc}{hint}") from None

    out.print(summary_table(result.outcomes,
                            f"{params.name}, seed {seed}, {sim.months} months"))
    out.print(f"Wrote {len(files)} files to {target}{os.sep}: "
              + ", ".join(f.name for f in files))


# ---------------------------------------------------------------------------- validate


@app.command()
def validate(
    files: Annotated[list[str], typer.Argument(
        help="Scenario files (or preset names) to check.", show_default=False,
        metavar="FILE")],
) -> None:
    """Check scenario files without running them: print OK or every problem of each file.

    Exits with code 2 if any file is bad.
    """
    from scenarios import validate_files

    bad = 0
    for f in files:
        errors = validate_files([f])
        if errors:
            bad += 1
            out.print(Text("BAD ", style="bold red") + Text(str(errors[0])), soft_wrap=True)
        else:
            out.print(Text("OK  ", style="bold green") + Text(f), soft_wrap=True)
    if bad:
        err.print(f"{bad} of {len(files)} file{'s' if len(files) > 1 else ''} "
                  f"{'have' if bad > 1 else 'has'} problems")
        raise typer.Exit(2)


# ----------------------------------------------------------------------------- presets


@app.command()
def presets() -> None:
    """List the preset scenarios with their size and the first line of their description."""
    from scenarios import ScenarioError, list_presets, load_scenario

    table = Table(title="Preset scenarios (use the name, or its last part, with `ptce run`)",
                  title_justify="left")
    table.add_column("name", no_wrap=True)
    table.add_column("zone", no_wrap=True)
    table.add_column("persons", justify="right", no_wrap=True)
    table.add_column("description")
    for name in list_presets():
        try:
            p = load_scenario(name)
        except ScenarioError as exc:
            table.add_row(name, "", "", Text(f"INVALID: {exc}", style="red"))
            continue
        table.add_row(name, p.zone_code or "-", f"{p.population.persons:,}",
                      _first_sentence(p.description))
    out.print(table)


def _first_sentence(text: str) -> str:
    """The first line of ``text``, cut after its first sentence (YAML folds long lines)."""
    lines = text.strip().splitlines()
    first = lines[0] if lines else ""
    end = first.find(". ")
    return first[: end + 1] if end >= 0 else first


# ------------------------------------------------------------------------------- bench


def _parse_sizes(text: str, option: str, *, allow_empty: bool = False) -> list[int]:
    """Parse ``"20000,100k,1M"`` into ints (``k`` = thousand, ``M`` = million, ``_`` ok)."""
    if not text.strip() or text.strip().lower() == "none":
        if allow_empty:
            return []
        raise typer.BadParameter("give at least one size", param_hint=f"'{option}'")
    sizes = []
    for part in text.split(","):
        item = part.strip().replace("_", "")
        factor = 1
        if item[-1:] in ("k", "K"):
            item, factor = item[:-1], 1_000
        elif item[-1:] in ("m", "M"):
            item, factor = item[:-1], 1_000_000
        try:
            value = float(item) * factor
        except ValueError:
            raise typer.BadParameter(
                f"{part.strip()!r} is not a number of persons (e.g. 20000, 100k, 1M)",
                param_hint=f"'{option}'") from None
        if value < 1 or value != int(value):
            raise typer.BadParameter(f"{part.strip()!r} must be a positive whole number",
                                     param_hint=f"'{option}'")
        sizes.append(int(value))
    return sizes


@app.command()
def bench(
    sizes: Annotated[str, typer.Option(
        help="Comma-separated population sizes of the full model (k and M suffixes ok).")
    ] = "20000,100000,1000000",
    months: Annotated[int, typer.Option(
        min=1, help="Reported months per run (the scenario's burn-in is added).")] = 120,
    reference_sizes: Annotated[str, typer.Option(
        help="Sizes of the per-agent Mesa reference ('none' to skip; 1M would take long).")
    ] = "20000,100000",
    scenario: Annotated[str, typer.Option(
        help="Scenario of the full model (file or preset name).")] = "baseline",
    seed: Annotated[int, typer.Option(min=0, help="Root seed of every run.")] = 1,
    ptce: Annotated[bool, typer.Option(
        help="Also measure the same sizes with a PTCE whose levers are all on.")] = True,
    batch_runs: Annotated[int, typer.Option(
        min=0, help="Runs of the batch benchmark (1 and 2 local workers, SQLite); 0 skips "
                    "it.")] = 12,
    json_file: Annotated[Path | None, typer.Option(
        "--json", help="Also save the figures to this JSON file.", dir_okay=False,
        show_default=False)] = None,
) -> None:
    """Benchmark the full model against a minimal per-agent Mesa reference.

    For each size, in a fresh process: wall time of simulate (build + run), time of the
    stepping alone, person-steps per second for both, and peak memory (ru_maxrss). The
    per-agent reference is timed in the same run, and the issue's targets are checked.
    """
    import json

    from pydantic import ValidationError

    from experiments.bench.model import PTCE_SCENARIO, BenchError, render, run_bench
    from model import with_values
    from scenarios import ScenarioError, load_scenario

    full_sizes = _parse_sizes(sizes, "--sizes")
    ref_sizes = _parse_sizes(reference_sizes, "--reference-sizes", allow_empty=True)
    try:
        params = load_scenario(scenario)
    except ScenarioError as exc:
        raise fail(str(exc)) from None
    try:
        with_values(params, {"simulation.months": months})
    except ValidationError as exc:
        raise typer.BadParameter(f"{months}: {exc.errors()[0]['msg']}",
                                 param_hint="'--months'") from None
    for n in full_sizes:
        try:
            with_values(params, {"population.persons": n})
        except ValidationError as exc:
            raise typer.BadParameter(f"{n}: {exc.errors()[0]['msg']}",
                                     param_hint="'--sizes'") from None
    if json_file is not None:
        parent = json_file.resolve().parent
        if not parent.is_dir() or not os.access(parent, os.W_OK):
            raise typer.BadParameter(f"cannot write {json_file}: {parent} is not a writable "
                                     "directory", param_hint="'--json'")

    with err.status("starting") as status:
        def on_start(kind: str, persons: int) -> None:
            if kind == "batch":
                status.update(f"timing a batch of {persons} runs with 1 and 2 workers")
                return
            label = {"full": "full model", "ptce": "full model with a PTCE"}.get(
                kind, "per-agent reference")
            status.update(f"measuring the {label} at {persons:,} persons (fresh process)")
        try:
            report = run_bench(full_sizes, months, ref_sizes, scenario=scenario, seed=seed,
                               ptce_scenario=PTCE_SCENARIO if ptce else None,
                               batch_runs=batch_runs, on_start=on_start)
        except BenchError as exc:
            raise fail(str(exc), code=1) from None
    render(report, out)
    if json_file is not None:
        from experiments.results.outputs import write_text_atomic

        try:
            write_text_atomic(json_file, json.dumps(report.to_json(), indent=2) + "\n")
        except OSError as exc:
            raise fail(f"cannot write {json_file}: {exc}") from None
        out.print(f"Saved the figures to {json_file}")


# ------------------------------------------------------------------------------ effect


@app.command()
@with_size_options
def effect(
    scenario: Annotated[str, typer.Argument(
        help="A scenario with a `ptce` section: a YAML file or a preset (`ptce/le_phares`; "
             "see `ptce presets`).", show_default=False, metavar="SCENARIO")],
    replications: Annotated[int, typer.Option(
        min=2, help="Paired replications (PTCE and counterfactual on the same seed).")] = 10,
    seed: Annotated[int, typer.Option(min=0, help="Root seed of the replications.")] = 1,
    workers: Annotated[int, typer.Option(min=1, help="Local worker processes.")] = 1,
    out_dir: Annotated[Path | None, typer.Option(
        "--out", help="Output directory (default: runs/SCENARIO-effect-seedN). A previous "
                      "effect there is replaced; any other non-empty directory is refused.",
        show_default=False, file_okay=False)] = None,
    *,
    size: SizeOptions,
) -> None:
    """What the PTCE adds: paired effects against the same territory without it.

    Each replication runs the scenario and its counterfactual (the `ptce` section and the
    events acting on it removed) on the same seed: common random numbers, so the difference
    is the PTCE's. Prints effects with 95 % intervals, the gain in durable jobs split into
    the gross effect on the persons the pole acted on, the displacement on everyone else and
    the net effect on the zone, and the cost per net durable job; writes effects.csv
    (outcome, label, unit, mean, low, high, with_ptce, without, better), runs.csv and
    effects.png.
    """
    from experiments.results.effects import DECOMPOSITION, plot_effects
    from experiments.results.outputs import OutputDirError, atomic_dir, check_out_dir
    from experiments.results.report import effect_table
    from scenarios import resolve_scenario

    params = _load_sized(scenario, size)
    if params.ptce is None:
        raise fail(f"{resolve_scenario(scenario)}: the scenario has no `ptce` section, so "
                    "there is no PTCE to compare with its absence (see the presets ptce/...)")
    name = scenario_slug(str(resolve_scenario(scenario)))
    target = out_dir if out_dir is not None else Path("runs") / f"{name}-effect-seed{seed}"
    try:
        check_out_dir(target, marker="effects.csv")
    except OutputDirError as exc:
        raise typer.BadParameter(str(exc), param_hint="'--out'") from None
    err.print(f"Measuring [bold]{params.name}[/]: {replications} pairs of runs, "
              f"{params.population.persons:,} persons, {params.simulation.months} months")
    result = paired_effects_with_progress(params, replications, seed, workers)
    table = Table(title=f"{params.name}: effect of the PTCE ({replications} paired runs, "
                        f"seed {seed})", title_justify="left")
    for col in ("effect", "with PTCE", "without", "difference", "95 % interval"):
        table.add_column(col, justify="left" if col == "effect" else "right")
    for _, row in result.table.iterrows():
        table.add_row(row["label"], f"{row['with_ptce']:,.4g}", f"{row['without']:,.4g}",
                      f"{row['effect_mean']:+,.4g}",
                      f"[{row['ci_low']:+,.4g}, {row['ci_high']:+,.4g}]")
    out.print(table)
    gain = result.table.loc["durable_employment"]  # equal to the net effect on durable jobs
    per_job = ("not defined (no net gain in durable jobs)"
               if math.isnan(result.cost_per_durable_job)
               else f"{result.cost_per_durable_job:,.0f} EUR"
               + (" (uncertain: the gain's 95 % interval includes 0)"
                  if gain["ci_low"] <= 0 else ""))
    effects = effect_table(result, "en")
    parts = ", ".join(f"{effects.loc[k, 'label'].lower()} {effects.loc[k, 'mean']:+,.1f} "
                      f"[{effects.loc[k, 'low']:+,.1f}, {effects.loc[k, 'high']:+,.1f}]"
                      for k in DECOMPOSITION)
    out.print(f"Durable jobs (persons, mean of the last 12 months): {parts}")
    out.print(f"Coordination cost over the horizon: {result.cost:,.0f} EUR; "
              f"cost per net durable job: {per_job}")
    try:
        with atomic_dir(target) as tmp:
            effects.to_csv(tmp / "effects.csv")
            result.runs.to_csv(tmp / "runs.csv", index=False)
            plot_effects(result, tmp / "effects.png")
    except OSError as exc:
        raise fail(f"cannot write the outputs to {target}: {exc}") from None
    out.print(f"Wrote effects.csv, runs.csv, effects.png to {target}{os.sep}")


# ------------------------------------------------------------------------------ plugins


def _register_plugins(app: typer.Typer) -> None:
    """Add the commands of the packages that build on this one (the dashboard, calibration),
    declared as ``ptce.commands`` entry points, so that this package never imports them."""
    from importlib.metadata import entry_points

    for ep in sorted(entry_points(group="ptce.commands"), key=lambda e: e.name):
        try:
            register = ep.load()
        except ImportError as exc:  # a partial install: the other commands still work
            err.print(f"ptce: the {ep.name!r} commands are unavailable ({exc}); "
                      "reinstall with ./setup.sh")
            continue
        register(app)


_register_plugins(app)


def main() -> None:
    """Console-script entry point (``ptce``)."""
    app(prog_name="ptce")


if __name__ == "__main__":
    sys.exit(main())
