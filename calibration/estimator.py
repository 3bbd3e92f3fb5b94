"""Method of simulated moments, optimised by Optuna, simulations through the batch runner.

The loss of a parameter point is the weighted mean of squared relative errors

    L(theta) = sum_i w_i ((m_i(theta) - y_i) / y_i)^2 / sum_i w_i,
    w_i = scope_i x confidence_i / (u_i / y_i)^2,

over the fitted targets y_i (uncertainty u_i, confidence factor from
``targets.CONFIDENCE_WEIGHT``, scope_i = ``targets.NATIONAL_WEIGHT`` for a national figure
and 1 for the zone's own statistics), where m_i(theta) is the moment averaged over ``replications``
runs whose seeds are the same for every point (common random numbers: replication r uses
``SeedSequence(seed).spawn(R)[r]``). A moment a run cannot compute (NaN) counts as a relative
error of 1.

Each trial is one batch of ``experiments.batches.batch`` (one design point x R replications), so
every run is logged in the results database and replayable; a point already computed (same
parameters, same seeds) is read back rather than rerun. The Optuna study is stored in the same
database (``RDBStorage``) with ``load_if_exists``: the same command resumes it.

Note on the shared database: ``experiments.store`` keeps its schema revision in
``ptce_schema_version`` and Optuna's RDB storage in ``alembic_version``, so both live in the
same database without stepping on each other.
"""

from __future__ import annotations

import hashlib
import json
import math
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import yaml
from sqlalchemy import func, select

from calibration.moments import MOMENTS, SimRun, compute_moments, outcome_names_needed
from calibration.targets import Target
from experiments.batches.batch import create_batch, run_batch
from experiments.batches.design import Design, DesignPoint
from experiments.execution.executors import Executor
from experiments.store import (
    Store,
    design_point_table,
    outcome_table,
    run_table,
    series_table,
)
from model import TerritoryParams, with_values

PARAMS_DIR = Path(__file__).resolve().parent / "params"
DEFAULT_PARAMS = PARAMS_DIR / "default.yaml"
DEFAULT_SEED = 20261128
SIAE_TYPES = ("ACI", "EI", "ETTI", "AI")
#: Parameters that are not paths of the schema but scales of several fields.
DERIVED = {
    "siae.posts_scale": "multiplies each SIAE type's posts per structure (rounded, >= 1)",
    "siae.route_scale": "multiplies each SIAE type's route_mean_months (kept within 4..24)",
    "siae.exit_to_training": "sets every SIAE type's exit_to_training",
    "demand.jobs_per_active_shift": "added to the territory's demand.jobs_per_active",
}
#: Occupied share of the SIAE posts (fill rate and turnover), used by ``start: auto`` of
#: ``siae.posts_scale``: measured on 7503 near the default parameters' fit (0.40 % simulated
#: for 0.46 % posts per active person).
SIAE_OCCUPANCY = 0.87
#: Default initial step of CMA-ES, as a share of each parameter's range.
DEFAULT_SIGMA0 = 0.1


class CalibrationError(ValueError):
    """A calibration that cannot start: bad parameter file, bad option."""


class CalibrationRunError(RuntimeError):
    """The runs of a trial failed (the message gives the first error)."""


# --------------------------------------------------------------------------------------------
# Parameters to calibrate


@dataclass(frozen=True)
class ParamSpec:
    """One calibrated parameter: a dotted path (or a derived scale) and its search bounds."""

    name: str
    low: float
    high: float
    log: bool = False
    #: starting value (None: the territory's own value; "auto": from the targets, only for
    #: ``siae.posts_scale``)
    start: float | str | None = None


def load_param_specs(path: str | Path, base: TerritoryParams | None = None) -> list[ParamSpec]:
    """Read the parameters to calibrate from a YAML file (see ``params/default.yaml``).

    Raises :class:`CalibrationError` naming the file and the key for a missing file, an
    unknown parameter, a non-numeric bound or an empty range (low >= high).
    """
    file = Path(path)
    if not file.is_file():
        raise CalibrationError(f"{file}: parameter file not found")
    try:
        raw = yaml.safe_load(file.read_text())
    except yaml.YAMLError as exc:
        raise CalibrationError(f"{file}: not valid YAML: {exc}") from exc
    if not isinstance(raw, dict) or not isinstance(raw.get("parameters"), dict) \
            or not raw["parameters"]:
        raise CalibrationError(
            f"{file}: expected a mapping 'parameters:' of KEY: [LOW, HIGH] entries"
        )
    base = base or TerritoryParams()
    dumped = base.model_dump()
    specs = []
    for key, bounds in raw["parameters"].items():
        where = f"{file}: parameter {key!r}"
        log = False
        start: float | str | None = None
        if isinstance(bounds, dict):
            log = bool(bounds.get("log", False))
            start = bounds.get("start")
            bounds = [bounds.get("low"), bounds.get("high")]
        if not isinstance(bounds, list | tuple) or len(bounds) != 2:
            raise CalibrationError(f"{where}: expected [LOW, HIGH], got {bounds!r}")
        try:
            low, high = float(bounds[0]), float(bounds[1])
        except (TypeError, ValueError) as exc:
            raise CalibrationError(f"{where}: bounds must be numbers, got {bounds!r}") from exc
        if not (math.isfinite(low) and math.isfinite(high)) or not low < high:
            raise CalibrationError(f"{where}: empty range [{low}, {high}]; LOW must be below HIGH")
        if log and low <= 0:
            raise CalibrationError(f"{where}: a log range needs LOW > 0")
        if key not in DERIVED:
            value = _lookup(dumped, str(key))
            if value is _MISSING:
                raise CalibrationError(
                    f"{where}: unknown parameter; use a dotted path of the scenario schema "
                    f"(such as matching.efficiency) or one of {', '.join(DERIVED)}"
                )
            if not isinstance(value, int | float) or isinstance(value, bool):
                raise CalibrationError(f"{where}: not a numeric parameter (got {value!r})")
            try:
                with_values(base, {key: low})
                with_values(base, {key: high})
            except Exception as exc:
                raise CalibrationError(f"{where}: bounds outside the allowed values: {exc}") \
                    from exc
        if start is not None:
            if start == "auto":
                if key != "siae.posts_scale":
                    raise CalibrationError(f"{where}: start 'auto' is only for siae.posts_scale")
            else:
                try:
                    start = float(start)
                except (TypeError, ValueError) as exc:
                    raise CalibrationError(
                        f"{where}: start must be a number or auto, got {start!r}") from exc
                if not low <= start <= high:
                    raise CalibrationError(
                        f"{where}: start {start} outside the range [{low}, {high}]")
        specs.append(ParamSpec(str(key), low, high, log, start))
    return specs


def load_sampler_options(path: str | Path) -> dict[str, float]:
    """The optional ``cmaes:`` mapping of a parameter file (``sigma0``, a share of each range)."""
    raw = yaml.safe_load(Path(path).read_text()) or {}
    options = raw.get("cmaes") or {}
    if not isinstance(options, dict):
        raise CalibrationError(f"{path}: 'cmaes:' must be a mapping such as {{sigma0: 0.1}}")
    out = {}
    for key, value in options.items():
        if key != "sigma0":
            raise CalibrationError(f"{path}: cmaes option {key!r}: only sigma0 is known")
        try:
            out[key] = float(value)
        except (TypeError, ValueError) as exc:
            raise CalibrationError(f"{path}: cmaes.sigma0 must be a number") from exc
        if not 0 < out[key] <= 1:
            raise CalibrationError(f"{path}: cmaes.sigma0 must be in (0, 1]")
    return out


_MISSING = object()


def _lookup(data: Any, path: str) -> Any:
    for part in path.split("."):
        if not isinstance(data, dict) or part not in data:
            return _MISSING
        data = data[part]
    return data


def current_values(base: TerritoryParams, specs: Sequence[ParamSpec],
                   targets: Sequence[Target] = ()) -> dict[str, float]:
    """The starting point: each spec's ``start``, else the territory's own value (scales 1,
    shift 0, ``siae.exit_to_training`` the mean over the types), clipped to the bounds.

    ``start: auto`` of ``siae.posts_scale`` is the ratio of the ``iae_per_active`` target to
    the territory's posts per active person times :data:`SIAE_OCCUPANCY`.
    """
    dumped = base.model_dump()
    out = {}
    for spec in specs:
        if spec.start == "auto":
            value = _auto_posts_scale(base, targets)
        elif spec.start is not None:
            value = float(spec.start)
        elif spec.name == "siae.exit_to_training":
            value = float(np.mean([s.exit_to_training for s in base.siae.values()]))
        elif spec.name == "demand.jobs_per_active_shift":
            value = 0.0
        elif spec.name in DERIVED:
            value = 1.0
        else:
            value = float(_lookup(dumped, spec.name))
        out[spec.name] = min(max(value, spec.low), spec.high)
    return out


def _auto_posts_scale(base: TerritoryParams, targets: Sequence[Target]) -> float:
    target = next((t.value for t in targets if t.name == "iae_per_active"), None)
    scale = base.population.persons / 20_000
    posts = sum(s.structures * s.posts for s in base.siae.values()) * scale
    active = base.population.persons * (1 - base.population.inactivity_rate)
    if target is None or posts <= 0 or active <= 0:
        return 1.0
    return float(target / (posts / active * SIAE_OCCUPANCY))


def expand_values(base: TerritoryParams, values: Mapping[str, float]) -> dict[str, Any]:
    """Dotted-path updates of the schema for ``values`` (derived scales expanded)."""
    updates: dict[str, Any] = {}
    for key, value in values.items():
        if key == "siae.posts_scale":
            for t, siae in base.siae.items():
                updates[f"siae.{t}.posts"] = max(1, round(siae.posts * value)) if siae.posts \
                    else 0
        elif key == "siae.exit_to_training":
            for t in base.siae:
                updates[f"siae.{t}.exit_to_training"] = float(value)
        elif key == "demand.jobs_per_active_shift":
            updates["demand.jobs_per_active"] = float(base.demand.jobs_per_active + value)
        elif key == "siae.route_scale":
            for t, siae in base.siae.items():
                updates[f"siae.{t}.route_mean_months"] = round(
                    min(24.0, max(4.0, siae.route_mean_months * value)), 3)
        else:
            current = _lookup(base.model_dump(), key)
            updates[key] = round(value) if isinstance(current, int) else float(value)
    return updates


def apply_params(base: TerritoryParams, values: Mapping[str, float]) -> TerritoryParams:
    """``base`` with the calibrated ``values`` applied (validated)."""
    return with_values(base, expand_values(base, values))


# --------------------------------------------------------------------------------------------
# Loss


def relative_errors(targets: Sequence[Target], simulated: Sequence[float]) -> np.ndarray:
    """(m_i - y_i) / y_i per target, shape (len(targets),); NaN moments give 1."""
    sim = np.asarray(simulated, dtype=float)
    values = np.array([t.value for t in targets], dtype=float)
    errors = (sim - values) / np.abs(values)
    return np.where(np.isfinite(errors), errors, 1.0)


def msm_loss(targets: Sequence[Target], moments: np.ndarray) -> float:
    """The weighted mean of squared relative errors of the replication-averaged moments.

    ``moments`` has shape (replications, len(targets)) (or (len(targets),)); NaN entries of a
    replication are ignored in the average, an all-NaN column counts as error 1.
    """
    moments = np.atleast_2d(np.asarray(moments, dtype=float))
    with np.errstate(all="ignore"):
        mean = np.array([np.nanmean(c) if np.isfinite(c).any() else np.nan for c in moments.T])
    weights = np.array([t.weight for t in targets])
    errors = relative_errors(targets, mean)
    return float(np.sum(weights * errors**2) / np.sum(weights))


# --------------------------------------------------------------------------------------------
# Evaluating points through the batch runner


@dataclass
class BatchEvaluator:
    """Runs parameter points as batches of the results store and reads their moments."""

    store: Store
    executor: Executor
    base: TerritoryParams
    scenario: str
    replications: int
    seed: int = DEFAULT_SEED
    name: str = "calibration"
    progress: Callable[[int, int, int], None] | None = None
    #: outcomes and series read back (default: those the moments need)
    outcomes: Sequence[str] | None = None
    series: Sequence[str] | None = None

    def design(self, points: Sequence[Mapping[str, float]], label: str = "") -> Design:
        design_points = [
            DesignPoint(i, self.scenario, dict(values), apply_params(self.base, values),
                        label if len(points) == 1 else f"{label} {i}".strip())
            for i, values in enumerate(points)
        ]
        return Design(name=self.name, points=design_points, replications=self.replications,
                      root_seed=self.seed, spec={"calibration": self.name})

    def run(self, points: Sequence[Mapping[str, float]], label: str = "",
            ) -> tuple[int, list[list[SimRun]]]:
        """Run ``points`` (one batch); return the batch id and, per point, its runs."""
        design = self.design(points, label)
        batch_id, _ = create_batch(self.store, design)
        report = run_batch(self.store, batch_id, self.executor, progress=self.progress,
                           record_spells=False)
        if report.failed:
            first = report.failures[0]["error"] if report.failures else "see the run table"
            raise CalibrationRunError(
                f"batch {batch_id}: {report.failed} of {report.total} runs failed: {first}")
        return batch_id, read_batch_runs(self.store, batch_id, len(points), self.outcomes,
                                         self.series)


def read_batch_runs(store: Store, batch_id: int, n_points: int,
                    outcomes: Sequence[str] | None = None,
                    series: Sequence[str] | None = None) -> list[list[SimRun]]:
    """The runs of a batch as :class:`SimRun` (outcomes and series means), per point index."""
    if outcomes is None or series is None:
        need_o, need_s = outcome_names_needed(tuple(MOMENTS))
        outcomes = sorted(need_o) if outcomes is None else outcomes
        series = sorted(need_s) if series is None else series
    with store.engine.connect() as conn:
        runs = conn.execute(
            select(run_table.c.id, run_table.c.replication, design_point_table.c.point_index)
            .join(design_point_table, design_point_table.c.id == run_table.c.point_id)
            .where(run_table.c.batch_id == batch_id, run_table.c.status == "succeeded")
            .order_by(design_point_table.c.point_index, run_table.c.replication)
        ).all()
        ids = [r.id for r in runs]
        out_rows = conn.execute(
            select(outcome_table.c.run_id, outcome_table.c.name, outcome_table.c.value)
            .where(outcome_table.c.run_id.in_(ids), outcome_table.c.name.in_(list(outcomes)))
        ).all() if ids and outcomes else []
        ser_rows = conn.execute(
            select(series_table.c.run_id, series_table.c.name, func.avg(series_table.c.value))
            .where(series_table.c.run_id.in_(ids), series_table.c.name.in_(list(series)))
            .group_by(series_table.c.run_id, series_table.c.name)
        ).all() if ids and series else []
    outs: dict[int, dict[str, float]] = {i: {} for i in ids}
    for run_id, name, value in out_rows:
        outs[run_id][name] = float("nan") if value is None else float(value)
    means: dict[int, dict[str, float]] = {i: {} for i in ids}
    for run_id, name, value in ser_rows:
        means[run_id][name] = float(value)
    per_point: list[list[SimRun]] = [[] for _ in range(n_points)]
    for r in runs:
        per_point[r.point_index].append(SimRun(outcomes=outs[r.id], series_means=means[r.id]))
    return per_point


# --------------------------------------------------------------------------------------------
# The calibration


@dataclass
class CalibrationResult:
    """What :func:`calibrate` found. ``moments`` has shape (replications, len(fitted))."""

    study_name: str
    targets: list[Target]
    specs: list[ParamSpec]
    best_values: dict[str, float]
    best_loss: float
    best_trial: int
    best_batch: int | None
    moments: np.ndarray
    trace: list[tuple[int, float]]
    start_values: dict[str, float]
    params: TerritoryParams
    trials_completed: int
    settings: dict[str, Any] = field(default_factory=dict)
    #: trials run by this call (not those read back from a resumed study)
    trials_run: int = 0

    @property
    def fitted(self) -> list[Target]:
        return [t for t in self.targets if t.fitted]


def study_name_for(zone_code: str, specs: Sequence[ParamSpec], targets: Sequence[Target],
                   settings: Mapping[str, Any]) -> str:
    """A stable study name: the same command (zone, parameters, targets, settings) gives the
    same name, so a rerun resumes the study."""
    payload = json.dumps({
        "specs": [[s.name, s.low, s.high, s.log] for s in specs],
        "targets": [[t.name, t.value, t.uncertainty, t.confidence] for t in targets if t.fitted],
        "settings": dict(settings),
    }, sort_keys=True, default=str)
    return f"calibrate-{zone_code}-{hashlib.sha256(payload.encode()).hexdigest()[:10]}"


def make_sampler(kind: str, seed: int, specs: Sequence[ParamSpec],
                 x0: Mapping[str, float], sigma0: float = DEFAULT_SIGMA0) -> Any:
    """The Optuna sampler: ``cmaes`` (default) or ``tpe``.

    CMA-ES is centred on the starting point ``x0`` with an initial step ``sigma0`` (a share of
    each parameter's range: Optuna's CMA-ES works on ranges scaled to 0..1); without ``x0``
    it would start at the middle of the box whatever the territory. The starting point is also
    enqueued as the first trial, so the trace starts at its loss.
    """
    import warnings

    import optuna

    if kind == "cmaes":
        with warnings.catch_warnings():
            # x0 and sigma0 are deprecated in Optuna 4.9 (removal planned for 6.0)
            warnings.simplefilter("ignore")
            return optuna.samplers.CmaEsSampler(
                x0=dict(x0), sigma0=sigma0, seed=seed,
                popsize=max(4, 2 + len(specs) // 2 * 2), warn_independent_sampling=False)
    if kind == "tpe":
        return optuna.samplers.TPESampler(seed=seed, n_startup_trials=min(10, 2 * len(specs)))
    raise CalibrationError(f"--sampler {kind!r}: use cmaes or tpe")


def open_study(store: Store, study_name: str, sampler: Any) -> Any:
    """The Optuna study ``study_name`` in ``store``'s database (created or loaded)."""
    import optuna

    optuna.logging.set_verbosity(optuna.logging.WARNING)
    kwargs: dict[str, Any] = {}
    if store.is_sqlite:
        kwargs["connect_args"] = {"timeout": 30}
    storage = optuna.storages.RDBStorage(store.url, engine_kwargs=kwargs)
    return optuna.create_study(study_name=study_name, storage=storage, sampler=sampler,
                               direction="minimize", load_if_exists=True)


def calibrate(store: Store, executor: Executor, base: TerritoryParams, scenario: str,
              targets: Sequence[Target], specs: Sequence[ParamSpec], *, trials: int = 40,
              replications: int = 2, sampler: str = "cmaes", seed: int = DEFAULT_SEED,
              on_trial: Callable[[int, int, float, float], None] | None = None,
              stop_after: int | None = None,
              sigma0: float = DEFAULT_SIGMA0) -> CalibrationResult:
    """Minimise the MSM loss over ``specs`` until the study holds ``trials`` complete trials.

    ``base`` must already carry the calibration's population size and horizon.
    ``on_trial(done, total, loss, best)`` is called after each trial. ``stop_after`` stops
    after that many new trials of this call (a test hook simulating an interruption).
    """
    import optuna
    from optuna.trial import TrialState

    if trials < 1 or replications < 1:
        raise CalibrationError("--trials and --replications must be at least 1")
    fitted = [t for t in targets if t.fitted]
    names = [t.name for t in fitted]
    start = current_values(base, specs, targets)
    settings = {"persons": base.population.persons, "months": base.simulation.months,
                "burn_in": base.simulation.burn_in_months, "replications": replications,
                "seed": seed, "sampler": sampler, "scenario": scenario}
    if sampler == "cmaes":
        settings.update(sigma0=sigma0, start=start)
    code = base.zone_code or "territory"
    study_name = study_name_for(code, specs, targets, settings)
    study = open_study(store, study_name, make_sampler(sampler, seed, specs, start, sigma0))
    if not study.trials:
        study.enqueue_trial(start)
    evaluator = BatchEvaluator(store, executor, base, scenario, replications, seed,
                               name=study_name)

    def objective(trial: optuna.Trial) -> float:
        values = {s.name: trial.suggest_float(s.name, s.low, s.high, log=s.log) for s in specs}
        batch_id, runs = evaluator.run([values], label=f"trial {trial.number}")
        moments = compute_moments(names, runs[0])
        loss = msm_loss(fitted, moments)
        trial.set_user_attr("batch_id", batch_id)
        trial.set_user_attr("moments", np.nanmean(moments, axis=0).tolist())
        return loss

    def complete() -> int:
        return len(study.get_trials(deepcopy=False, states=(TrialState.COMPLETE,)))

    done = complete()
    new = 0
    while done < trials and (stop_after is None or new < stop_after):
        trial = study.ask()
        try:
            loss = objective(trial)
        except CalibrationRunError as exc:
            trial.set_user_attr("error", str(exc)[:2000])
            study.tell(trial, state=TrialState.FAIL)
            new += 1
            if new >= 3 * trials:
                raise
            continue
        except BaseException:
            study.tell(trial, state=TrialState.FAIL)
            raise
        study.tell(trial, loss)
        done += 1
        new += 1
        if on_trial:
            on_trial(done, trials, loss, study.best_value)
    result = _result(study, fitted, list(targets), list(specs), start, base, replications,
                     seed, evaluator, settings)
    result.trials_run = new
    return result


def _result(study: Any, fitted: list[Target], targets: list[Target], specs: list[ParamSpec],
            start: dict[str, float], base: TerritoryParams, replications: int, seed: int,
            evaluator: BatchEvaluator, settings: dict[str, Any]) -> CalibrationResult:
    from optuna.trial import TrialState

    complete = study.get_trials(deepcopy=False, states=(TrialState.COMPLETE,))
    if not complete:
        raise CalibrationRunError("no trial of the study completed")
    best = min(complete, key=lambda t: t.value)
    best_values = {s.name: float(best.params[s.name]) for s in specs}
    batch_id = best.user_attrs.get("batch_id")
    if batch_id is not None:
        runs = read_batch_runs(evaluator.store, int(batch_id), 1)[0]
    else:  # pragma: no cover - every completed trial stores its batch
        batch_id, per_point = evaluator.run([best_values], label="best")
        runs = per_point[0]
    moments = compute_moments([t.name for t in fitted], runs)
    trace = [(t.number, float(t.value)) for t in sorted(complete, key=lambda t: t.number)]
    return CalibrationResult(
        study_name=study.study_name, targets=targets, specs=specs, best_values=best_values,
        best_loss=float(best.value), best_trial=best.number,
        best_batch=int(batch_id) if batch_id is not None else None, moments=moments,
        trace=trace, start_values=start, params=apply_params(base, best_values),
        trials_completed=len(complete), settings=settings,
    )


def validation_runs(params: TerritoryParams, replications: int,
                    seed: int = DEFAULT_SEED) -> list[SimRun]:
    """Direct runs of ``params`` on the calibration's replication seeds, with their exit log
    (for the validation targets, whose moments the batch store cannot give)."""
    from calibration.moments import sim_run_from_result
    from model import simulate

    seeds = np.random.SeedSequence(seed).spawn(replications)
    quiet = with_values(params, {"simulation.record_spells": False})
    return [sim_run_from_result(simulate(quiet, s)) for s in seeds]


def fit_summary(targets: Sequence[Target], simulated: Sequence[float]) -> tuple[float, float]:
    """(median absolute relative error, share of targets within their uncertainty)."""
    sim = np.asarray(simulated, dtype=float)
    errors = np.abs(relative_errors(targets, sim))
    within = [abs(s - t.value) <= t.uncertainty if np.isfinite(s) else False
              for t, s in zip(targets, sim, strict=True)]
    return float(np.median(errors)), float(np.mean(within))
