"""``ptce calibrate``, ``ptce sensitivity`` and ``ptce validation``, added to the ``ptce``
command line through the ``ptce.commands`` entry point (``register``).

Exit codes: 0 success; 2 bad input (unknown zone, bad parameter or data file, bad option;
the message names the file and the key); 1 an unexpected error.
"""

from __future__ import annotations

import time
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any

import typer
from rich.console import Console

from experiments.cli.common import err, fail
from experiments.cli.common import out as stdout

if TYPE_CHECKING:
    from experiments.cli.common import SizeOptions


CALIBRATED_DIR = Path("scenarios") / "territories" / "calibrated"
REPORTS_DIR = Path("calibration") / "reports"


def _sized(base: Any, size: SizeOptions) -> Any:
    """``base`` with the --persons/--months options (a refused value exits 2 naming the
    option) and without person-level spells (calibration and sensitivity never read them)."""
    from model import with_values

    return with_values(size.apply(base), {"simulation.record_spells": False})


def register(app: typer.Typer) -> None:
    """Add ``calibrate``, ``sensitivity`` and ``validation`` to the ``ptce`` app, with the
    ``--persons`` and ``--months`` options every command that runs the model has."""
    from experiments.cli.common import with_size_options

    app.command("calibrate")(with_size_options(calibrate_command))
    app.command("sensitivity")(with_size_options(sensitivity_command))
    app.command("validation")(with_size_options(validation_command))


def _open_store(db: str | None) -> Any:
    from calibration.db import ensure_tables
    from experiments.store import StoreError, open_store

    try:
        store = open_store(db)
    except StoreError as exc:
        raise fail(str(exc)) from None
    ensure_tables(store)
    return store


def _territory_file(code: str, folder: Path | None = None) -> Path:
    """The zone's territory file (``scenarios/territories/CODE_*.yaml``); for a metropolitan
    zone without one, a territory built from the data (INSEE unemployment, the IAE mix), the
    way ``scenarios.make_territories`` builds the seed zones, written there first."""
    from scenarios.loader import PRESETS_DIR
    from scenarios.make_territories import (
        DEFAULT_DATA_DIR,
        Zone,
        read_siae_mix,
        read_unemployment,
        render,
        siae_posts,
        slugify,
    )

    folder = folder if folder is not None else PRESETS_DIR / "territories"
    matches = sorted(folder.glob(f"{code}_*.yaml"))
    if matches:
        return matches[0]
    from experiments.cli.new_pole import OVERSEAS, closest

    zones = read_unemployment(DEFAULT_DATA_DIR)
    if code not in zones or code[:2] in OVERSEAS:
        metropolitan = sorted(c for c in zones if c[:2] not in OVERSEAS)
        raise fail(f"--territory {code}: not a metropolitan zone d'emploi 2020 of the data "
                   f"({len(metropolitan)} zones); closest codes: "
                   f"{', '.join(f'{c} {zones[c][0]}' for c in closest(code, metropolitan))}")
    label, rate = zones[code]
    path = folder / f"{code}_{slugify(label)}.yaml"
    from experiments.results.outputs import write_text_atomic

    write_text_atomic(path, render(Zone(code, ""), label, rate,
                                   siae_posts(read_siae_mix(DEFAULT_DATA_DIR))))
    err.print(f"built the territory of zone {code} {label} from the data: {path}")
    return path


def calibrate_command(
    territories: Annotated[list[str], typer.Option(
        "--territory", "-t", help="ZE2020 code of a zone d'emploi, such as 7503 (any of the "
        "287 metropolitan zones; give it several times for several zones, fitted one after "
        "the other)", show_default=False)],
    params: Annotated[Path | None, typer.Option(
        "--params", help="YAML file of the parameters to calibrate and their bounds "
        "(default calibration/params/default.yaml)", show_default=False)] = None,
    trials: Annotated[int, typer.Option(help="complete trials the study should hold")] = 40,
    replications: Annotated[int, typer.Option(help="runs per trial (common seeds)")] = 2,
    workers: Annotated[int, typer.Option("--workers", "-w", help="local worker processes")] = 1,
    scheduler: Annotated[str | None, typer.Option(
        help="Dask scheduler address tcp://HOST:PORT (or 'local') to run the trials' "
             "simulations on a cluster", show_default=False)] = None,
    db: Annotated[str | None, typer.Option(
        help="results database URL (default PTCE_DB or sqlite:///runs/ptce.sqlite)",
        show_default=False)] = None,
    sampler: Annotated[str, typer.Option(help="cmaes or tpe")] = "cmaes",
    out: Annotated[Path | None, typer.Option(
        help="report folder (default calibration/reports/CODE; with several zones, OUT/CODE "
        "for each); a previous report there is replaced, any other non-empty folder is "
        "refused", show_default=False)] = None,
    territory_out: Annotated[Path, typer.Option(
        help="folder of the calibrated territory file")] = CALIBRATED_DIR,
    territories_dir: Annotated[Path | None, typer.Option(
        help="folder of the zones' territory files, where a zone without one gets one built "
             "from the data (default scenarios/territories)", show_default=False)] = None,
    year: Annotated[int, typer.Option(help="year of the unemployment-rate target")] = 2024,
    seed: Annotated[int, typer.Option(help="root seed of the replications and sampler")]
        = 20261128,
    out_of_sample: Annotated[bool, typer.Option(
        "--out-of-sample/--no-out-of-sample",
        help="after the fit, check the zone out of sample: calibrate it again on 2019 "
             "(FOLDER/fit_2019), fit its 2015-2019 unemployment path (level and response to "
             "the national cycle) and predict 2021-2024: out_of_sample.csv and .png in the "
             "report folder")] = True,
    path_only: Annotated[bool, typer.Option(
        "--path-only", help="only the out-of-sample check (no fit on --year)")] = False,
    *,
    size: SizeOptions,
) -> None:
    """Fit a territory's parameters to its statistics (method of simulated moments, Optuna).

    The study lives in the results database: the same command resumes it. Writes a report
    (Markdown + PNG) and a calibrated territory file that extends the territory's. A zone
    without a territory file gets one built from the data. With several --territory, the
    zones are fitted one after the other (each resumable); --scheduler runs the simulations
    on a Dask cluster. Then (unless --no-out-of-sample) the zone's 2015-2019 quarterly
    path is fitted and its 2021-2024 path predicted (calibration/paths.py).
    """
    codes = list(dict.fromkeys(t.strip() for t in territories if t.strip()))
    if not codes:
        raise fail("--territory: give at least one zone d'emploi code")
    from calibration.targets import TargetError, build_targets
    from experiments.cli.new_pole import OVERSEAS

    for code in codes:  # every zone checked before the first long fit starts
        if code[:2] in OVERSEAS:
            raise fail(f"--territory {code}: an overseas zone; calibration covers the 287 "
                       "metropolitan zones d'emploi (the IAE and population data are "
                       "metropolitan)")
        try:
            build_targets(code, year)
            if out_of_sample or path_only:
                from calibration.paths import FIT, PREDICT, observed

                observed(code, FIT[0], PREDICT[1])
        except TargetError as exc:
            raise fail(f"--territory {code}: {exc}") from None
    for code in codes:
        # several zones: one report folder each, OUT/CODE
        zone_out = out / code if out is not None and len(codes) > 1 else out
        if not path_only:
            _calibrate_zone(code, params=params, trials=trials, replications=replications,
                            workers=workers, scheduler=scheduler, db=db, sampler=sampler,
                            out=zone_out, territory_out=territory_out,
                            territories_dir=territories_dir, year=year, seed=seed, size=size)
        if out_of_sample or path_only:
            report_dir = zone_out or REPORTS_DIR / code
            fit_dir = report_dir / FIT_2019
            # the same fit, on the zone's 2019 rate: nothing from 2021-2024 enters it
            _calibrate_zone(code, params=params, trials=trials, replications=replications,
                            workers=workers, scheduler=scheduler, db=db, sampler=sampler,
                            out=fit_dir, territory_out=fit_dir,
                            territories_dir=territories_dir, year=PATH_FIT_YEAR, seed=seed,
                            size=size)
            _predict_zone(code, out=report_dir, territory_out=fit_dir, workers=workers,
                          size=size)


#: the out-of-sample check's own calibration: its year and its folder in the zone's report
PATH_FIT_YEAR = 2019
FIT_2019 = "fit_2019"


def _predict_zone(code: str, *, out: Path, territory_out: Path, workers: int,
                  size: Any) -> None:
    """The out-of-sample step of one zone, from its 2019 calibration in ``territory_out``:
    fit its 2015-2019 path, predict 2021-2024, write ``out_of_sample.csv`` and ``.png`` in
    ``out``, and add a section to the report there."""
    from calibration.paths import fit_path, report_section, write_out_of_sample
    from calibration.report import REPORT_FILE
    from calibration.targets import TargetError, zone_slug
    from scenarios import ScenarioError, load_scenario

    path = territory_out / f"{zone_slug(code)}.yaml"
    try:
        base = _sized(load_scenario(path), size)
    except ScenarioError as exc:
        raise fail(str(exc)) from None
    started = time.perf_counter()
    try:
        fit = fit_path(base, code, workers=workers,
                       progress=lambda text: err.print(f"{code}: {text}"))
    except TargetError as exc:
        raise fail(f"--territory {code}: {exc}") from None
    files = write_out_of_sample(fit, out, code)
    report = out / REPORT_FILE
    if report.is_file():
        text = report.read_text(encoding="utf-8")
        text = text.split("\n## Out of sample", 1)[0].rstrip("\n") + "\n"
        report.write_text(text + report_section(fit), encoding="utf-8")
    stdout.print(f"{code}: out of sample 2021-2024, median |relative error| "
                 f"{fit.median_error:.1%} (fit 2015-2019 {fit.fit_error:.1%}; level shift "
                 f"{fit.level_shift:+.3f}, cycle elasticity {fit.elasticity:g}) in "
                 f"{time.perf_counter() - started:.0f} s: {files[0]}")


def _calibrate_zone(code: str, *, params: Path | None, trials: int, replications: int,
                    workers: int, scheduler: str | None, db: str | None, sampler: str,
                    out: Path | None, territory_out: Path, territories_dir: Path | None,
                    year: int, seed: int, size: Any) -> None:
    """One zone of ``ptce calibrate``."""
    from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn

    from calibration.estimator import (
        DEFAULT_PARAMS,
        CalibrationError,
        CalibrationRunError,
        calibrate,
        load_param_specs,
        load_sampler_options,
        validation_runs,
    )
    from calibration.report import (
        REPORT_FILE,
        all_fits,
        write_calibrated_territory,
        write_report,
        write_summary,
    )
    from calibration.targets import TargetError, build_targets, zone_slug, zone_unemployment
    from experiments.execution.executors import ExecutorStartError, make_executor
    from experiments.results.outputs import OutputDirError, check_out_dir
    from scenarios import ScenarioError, load_scenario

    if sampler not in ("cmaes", "tpe"):
        raise fail(f"--sampler {sampler!r}: use cmaes or tpe")
    report_dir = out or REPORTS_DIR / code
    try:  # before the long calibration, so a bad folder costs nothing
        check_out_dir(report_dir, marker=REPORT_FILE)
    except OutputDirError as exc:
        raise typer.BadParameter(str(exc), param_hint="'--out'") from None
    try:
        targets = build_targets(code, year)
        _, zone_name = zone_unemployment(code, year)
        slug = zone_slug(code)
    except TargetError as exc:
        raise fail(str(exc)) from None
    territory_path = _territory_file(code, territories_dir)
    try:
        base = _sized(load_scenario(territory_path), size)
        specs = load_param_specs(params or DEFAULT_PARAMS, base)
        sampler_options = load_sampler_options(params or DEFAULT_PARAMS)
    except (ScenarioError, CalibrationError) as exc:
        raise fail(str(exc)) from None
    store = _open_store(db)
    scenario = f"territories/{territory_path.stem}"
    try:
        executor = make_executor(workers=workers, scheduler=scheduler)
    except ExecutorStartError as exc:
        raise fail(str(exc)) from None
    started = time.perf_counter()
    with executor, Progress(TextColumn(f"calibrating {code} {zone_name}"), BarColumn(),
                            MofNCompleteColumn(), TextColumn("best loss {task.fields[best]}"),
                            console=err) as bar:
        task = bar.add_task("trials", total=trials, best="-")

        def on_trial(done: int, total: int, loss: float, best: float) -> None:
            bar.update(task, completed=done, best=f"{best:.4g}")

        try:
            result = calibrate(store, executor, base, scenario, targets, specs, trials=trials,
                               replications=replications, sampler=sampler, seed=seed,
                               on_trial=on_trial, **sampler_options)
        except CalibrationError as exc:
            raise fail(str(exc)) from None
        except CalibrationRunError as exc:
            raise fail(str(exc), code=1) from None
    seconds = time.perf_counter() - started
    per_trial = seconds / max(1, result.trials_run)
    validation = validation_runs(result.params, replications, seed)
    fits = all_fits(result, validation)
    calibrated = territory_out / f"{slug}.yaml"
    report = write_report(result, fits, report_dir, zone_code=code, zone_name=zone_name,
                          territory_file=str(territory_path.relative_to(Path.cwd()))
                          if territory_path.is_relative_to(Path.cwd()) else str(territory_path),
                          calibrated_file=str(calibrated))
    write_calibrated_territory(result, base, territory_path, calibrated, fits, report)
    _store_calibration(store, result, fits, code, scenario, sampler, params or DEFAULT_PARAMS,
                       report, calibrated)
    if out is None:
        write_summary(store, REPORTS_DIR / "README.md")
    fitted = [f for f in fits if f.target.fitted]
    from calibration.estimator import fit_summary

    median, share = fit_summary([f.target for f in fitted], [f.simulated for f in fitted])
    stdout.print(f"{code} {zone_name}: loss {result.best_loss:.4g}, median |relative error| "
              f"{median:.1%}, {share:.0%} of targets within their uncertainty "
              f"({result.trials_completed} trials, study {result.study_name})")
    stdout.print(f"{result.trials_run} trials run in {seconds:.0f} s ({per_trial:.2f} s a "
                 f"trial, {replications} runs each)")
    stdout.print(f"report: {report}\ncalibrated territory: {calibrated}")


def _store_calibration(store: Any, result: Any, fits: Any, code: str, scenario: str,
                       sampler: str, params_file: Path, report: Path, calibrated: Path) -> int:
    from calibration.db import calibration_run_table, calibration_target_table
    from calibration.estimator import fit_summary
    from experiments.store import now

    fitted = [f for f in fits if f.target.fitted]
    median, share = fit_summary([f.target for f in fitted], [f.simulated for f in fitted])
    s = result.settings
    with store.begin() as conn:
        run_id = conn.execute(calibration_run_table.insert().values(
            study_name=result.study_name, zone_code=code, territory=scenario, sampler=sampler,
            trials=result.trials_completed, replications=s["replications"],
            persons=s["persons"], months=s["months"], seed=str(s["seed"]),
            params_file=str(params_file), best_trial=result.best_trial,
            best_loss=result.best_loss, best_params=result.best_values,
            median_abs_rel_error=median, share_within=share, report=str(report),
            calibrated_file=str(calibrated), created_at=now(),
        )).inserted_primary_key[0]
        conn.execute(calibration_target_table.insert(), [{
            "calibration_id": run_id, "name": f.target.name, "value": f.target.value,
            "uncertainty": f.target.uncertainty, "confidence": f.target.confidence,
            "source": f.target.source, "fitted": f.target.fitted, "weight": f.target.weight,
            "simulated": _finite(f.simulated), "simulated_low": _finite(f.low),
            "simulated_high": _finite(f.high), "relative_error": _finite(f.relative_error),
            "within": f.within,
        } for f in fits])
    return int(run_id)


def _finite(value: float) -> float | None:
    import math

    return float(value) if math.isfinite(value) else None


def sensitivity_command(
    scenario: Annotated[str, typer.Argument(help="scenario file or preset name")],
    outcome: Annotated[str, typer.Option(
        help="outcome name (model.OUTCOME_DOCS, or a calibration moment such as "
        "iae_per_active)")],
    samples: Annotated[int, typer.Option(
        help="Morris trajectories and Sobol base samples (a power of 2)")] = 16,
    params: Annotated[Path | None, typer.Option(
        "--params", help="YAML file of the factors and their ranges "
        "(default calibration/params/default.yaml)", show_default=False)] = None,
    db: Annotated[str | None, typer.Option(
        help="results database URL (default PTCE_DB or sqlite:///runs/ptce.sqlite)",
        show_default=False)] = None,
    workers: Annotated[int, typer.Option("--workers", "-w", help="local worker processes")] = 1,
    out: Annotated[Path, typer.Option(help="folder of the plot")] = Path("runs") / "sensitivity",
    seed: Annotated[int, typer.Option(help="seed of the samples and runs")] = 20261128,
    *,
    size: SizeOptions,
) -> None:
    """Global sensitivity of an outcome: Morris screening, then Sobol on the retained factors.

    Indices with 95 % confidence intervals are stored in the database and plotted.
    """
    from calibration.estimator import DEFAULT_PARAMS, CalibrationError, load_param_specs
    from calibration.sensitivity import SensitivityError, check_outcome, run_sensitivity
    from experiments.execution.executors import ExecutorStartError, make_executor
    from scenarios import ScenarioError, load_scenario

    if out.exists() and not out.is_dir():
        raise typer.BadParameter(f"{out} exists and is not a folder", param_hint="'--out'")
    try:
        check_outcome(outcome)
        base = _sized(load_scenario(scenario), size)
        specs = load_param_specs(params or DEFAULT_PARAMS, base)
    except (ScenarioError, CalibrationError, SensitivityError) as exc:
        raise fail(str(exc)) from None
    store = _open_store(db)
    try:
        executor = make_executor(workers=workers)
    except ExecutorStartError as exc:
        raise fail(str(exc)) from None
    with executor:
        try:
            result = run_sensitivity(store, executor, base, scenario, specs, outcome,
                                     samples=samples, seed=seed, out_dir=out)
        except SensitivityError as exc:
            raise fail(str(exc)) from None
    out_console = Console(highlight=False)
    out_console.print(f"sensitivity run {result.run_id}: retained {', '.join(result.retained)}")
    for row in result.rows:
        out_console.print(f"  {row['method']:6} {row['factor']:40} {row['index_name']:8} "
                          f"{row['value']:.4g} ± {row['conf']:.3g}")
    out_console.print(f"plot: {result.plot}")


def validation_command(
    scenarios: Annotated[list[str] | None, typer.Argument(
        help="scenario files or preset names (default: baseline)", show_default=False,
        metavar="[SCENARIO]...")] = None,
    out: Annotated[Path, typer.Option(
        help="output folder; a previous validation report there is replaced, any other "
        "non-empty folder is refused")] = Path("runs") / "validation",
    replications: Annotated[int, typer.Option(
        min=2, help="runs per scenario (common seeds)")] = 10,
    seed: Annotated[int, typer.Option(min=0, help="root seed of the replications")] = 20261128,
    lang: Annotated[str, typer.Option("--lang", help="language of validation.md: fr or en")]
        = "fr",
    *,
    size: SizeOptions,
) -> None:
    """Compare the model with published figures it is not calibrated on (Dares, INSEE,
    France Travail), and with the calibration's own targets.

    Writes validation.csv, validation.md and validation.png (target and tolerance band
    against the simulated value and its 95 % interval), all or nothing.
    """
    from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn

    from calibration.validation import ValidationError, validation_rows, write_report
    from experiments.results.outputs import OutputDirError, check_out_dir
    from scenarios import ScenarioError, load_scenario

    if lang not in ("fr", "en"):
        raise typer.BadParameter(f"{lang!r}: use fr or en", param_hint="'--lang'")
    names = scenarios or ["baseline"]
    try:
        check_out_dir(out, marker=("validation.csv", "*/validation.csv"))
    except OutputDirError as exc:
        raise typer.BadParameter(str(exc), param_hint="'--out'") from None
    loaded = []
    for name in names:
        try:
            loaded.append((name, size.apply(load_scenario(name))))
        except ScenarioError as exc:
            raise typer.BadParameter(str(exc), param_hint="'SCENARIO'") from None
    reports = []
    with Progress(TextColumn("{task.description}"), BarColumn(), MofNCompleteColumn(),
                  console=err, transient=True) as bar:
        for name, params in loaded:
            task = bar.add_task(f"validation {name}", total=replications)
            try:
                rows = validation_rows(params, replications, seed, lang,
                                       progress=lambda done, t=task: bar.update(t,
                                                                                completed=done))
            except ValidationError as exc:
                raise fail(str(exc)) from None
            reports.append((name, rows))
    sizes = [(p.population.persons, p.simulation.months) for _, p in loaded]
    try:
        files = write_report(reports, out, replications=replications, seed=seed, sizes=sizes,
                             lang=lang)
    except OSError as exc:
        raise fail(f"cannot write the validation report to {out}: {exc}") from None
    for name, rows in reports:
        held = [r for r in rows if not r.figure.used_in_calibration]
        ok = sum(r.within for r in held)
        stdout.print(f"{name}: {ok} of {len(held)} validation figures within tolerance "
                     f"({ok / len(held):.0%}); "
                     f"{sum(r.within for r in rows if r.figure.used_in_calibration)} of "
                     f"{sum(r.figure.used_in_calibration for r in rows)} calibration targets")
    stdout.print(f"wrote {', '.join(str(f) for f in files)}")
