"""Global sensitivity analysis with SALib: Morris screening, then Sobol on the retained factors.

:func:`morris_screen` and :func:`sobol_indices` are plain functions of a SALib ``problem`` and
a vectorised function ``f(X) -> Y`` (X of shape (n, d), Y of shape (n,)), so that a toy
function (Ishigami) and the model go through the same code. For the model,
:func:`run_sensitivity` evaluates each design as one batch of the results store (one point per
sample row, one replication, the same seed for every row), then stores the indices with their
95 % confidence half-widths in ``sensitivity_index`` and plots them.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from calibration.estimator import DERIVED, BatchEvaluator, ParamSpec
from calibration.moments import MOMENTS, SimRun

#: Factors whose Morris mu* is at least this share of the largest are kept for Sobol.
RETAIN_SHARE = 0.1


class SensitivityError(ValueError):
    """A sensitivity analysis that cannot run (unknown outcome, too few factors)."""


def check_outcome(name: str) -> None:
    """Raise :class:`SensitivityError` unless ``name`` is a stored outcome or a moment."""
    from model import OUTCOME_DOCS

    if name not in OUTCOME_DOCS and name not in MOMENTS:
        import difflib

        close = difflib.get_close_matches(name, [*OUTCOME_DOCS, *MOMENTS], n=1)
        hint = f"; did you mean {close[0]!r}?" if close else ""
        raise SensitivityError(f"--outcome {name!r}: not an outcome of model.OUTCOME_DOCS "
                               f"nor a calibration moment{hint}")


def problem_of(specs: Sequence[ParamSpec]) -> dict[str, Any]:
    """The SALib problem of the factors ``specs``."""
    return {"num_vars": len(specs), "names": [s.name for s in specs],
            "bounds": [[s.low, s.high] for s in specs]}


def morris_screen(problem: dict[str, Any], f: Callable[[np.ndarray], np.ndarray],
                  trajectories: int, seed: int, levels: int = 4) -> dict[str, np.ndarray]:
    """Morris elementary effects: ``mu_star``, ``mu_star_conf``, ``sigma`` per factor."""
    from SALib.analyze import morris as morris_analyze
    from SALib.sample import morris as morris_sample

    x = morris_sample.sample(problem, trajectories, num_levels=levels, seed=seed)
    y = np.asarray(f(x), dtype=float)
    res = morris_analyze.analyze(problem, x, y, num_levels=levels, seed=seed,
                                 num_resamples=200)
    return {k: np.asarray(res[k], dtype=float) for k in ("mu_star", "mu_star_conf", "sigma")}


def sobol_indices(problem: dict[str, Any], f: Callable[[np.ndarray], np.ndarray], n: int,
                  seed: int) -> dict[str, np.ndarray]:
    """First-order and total Sobol indices (``S1``, ``S1_conf``, ``ST``, ``ST_conf``);
    ``n`` base samples (a power of 2), n x (d + 2) evaluations."""
    from SALib.analyze import sobol as sobol_analyze
    from SALib.sample import sobol as sobol_sample

    x = sobol_sample.sample(problem, n, calc_second_order=False, seed=seed)
    y = np.asarray(f(x), dtype=float)
    res = sobol_analyze.analyze(problem, y, calc_second_order=False, seed=seed,
                                num_resamples=200)
    return {k: np.asarray(res[k], dtype=float) for k in ("S1", "S1_conf", "ST", "ST_conf")}


def ishigami(x: np.ndarray, a: float = 7.0, b: float = 0.1) -> np.ndarray:
    """The Ishigami function on [-pi, pi]^3, x of shape (n, 3)."""
    return np.sin(x[:, 0]) + a * np.sin(x[:, 1]) ** 2 + b * x[:, 2] ** 4 * np.sin(x[:, 0])


def ishigami_indices(a: float = 7.0, b: float = 0.1) -> tuple[np.ndarray, np.ndarray]:
    """Analytic first-order and total indices of the Ishigami function."""
    v1 = 0.5 * (1 + b * np.pi**4 / 5) ** 2
    v2 = a**2 / 8
    v13 = b**2 * np.pi**8 * (1 / 18 - 1 / 50)
    v = v1 + v2 + v13
    return np.array([v1 / v, v2 / v, 0.0]), np.array([(v1 + v13) / v, v2 / v, v13 / v])


@dataclass
class SensitivityResult:
    run_id: int
    retained: list[str]
    rows: list[dict[str, Any]] = field(default_factory=list)
    plot: Path | None = None


def _model_function(evaluator: BatchEvaluator, specs: Sequence[ParamSpec], outcome: str,
                    batches: list[int]) -> Callable[[np.ndarray], np.ndarray]:
    def f(x: np.ndarray) -> np.ndarray:
        points = [{s.name: float(v) for s, v in zip(specs, row, strict=True)} for row in x]
        batch_id, runs = evaluator.run(points, label="sensitivity")
        batches.append(batch_id)
        return np.array([_value(outcome, r[0]) if r else np.nan for r in runs])

    return f


def _value(outcome: str, run: SimRun) -> float:
    if outcome in MOMENTS:
        return MOMENTS[outcome].compute(run)
    return float(run.outcomes.get(outcome, np.nan))


def run_sensitivity(store: Any, executor: Any, base: Any, scenario: str,
                    specs: Sequence[ParamSpec], outcome: str, *, samples: int = 16,
                    seed: int = 20261128, out_dir: Path | None = None) -> SensitivityResult:
    """Morris on all ``specs`` (``samples`` trajectories), then Sobol on the factors whose mu*
    is at least :data:`RETAIN_SHARE` of the largest (at least two), stored and plotted."""
    from calibration.db import ensure_tables, sensitivity_index_table, sensitivity_run_table
    from experiments.store import now

    check_outcome(outcome)
    if len(specs) < 2:
        raise SensitivityError("a sensitivity analysis needs at least two factors")
    if samples < 2:
        raise SensitivityError("--samples must be at least 2")
    ensure_tables(store)
    evaluator = BatchEvaluator(store, executor, base, scenario, 1, seed,
                               name=f"sensitivity {scenario} {outcome}")
    from model import OUTCOME_DOCS

    # the outcome may be any stored one
    evaluator.outcomes = list(OUTCOME_DOCS)
    evaluator.series = ["labour_force"]
    batches: list[int] = []
    f = _model_function(evaluator, specs, outcome, batches)
    problem = problem_of(specs)
    morris = morris_screen(problem, f, samples, seed)
    mu = np.nan_to_num(morris["mu_star"])
    order = np.argsort(-mu)
    keep = [i for i in order if mu[i] >= RETAIN_SHARE * mu.max()] or list(order)
    if len(keep) < 2:
        keep = list(order[:2])
    kept = [specs[i] for i in sorted(keep)]
    n = 1 << max(1, int(np.ceil(np.log2(samples))))
    sobol = sobol_indices(problem_of(kept), _model_function(evaluator, kept, outcome,
                                                            batches), n, seed)
    rows: list[dict[str, Any]] = []
    for i, s in enumerate(specs):
        rows.append({"method": "morris", "factor": s.name, "index_name": "mu_star",
                     "value": float(morris["mu_star"][i]),
                     "conf": float(morris["mu_star_conf"][i])})
        rows.append({"method": "morris", "factor": s.name, "index_name": "sigma",
                     "value": float(morris["sigma"][i]), "conf": float("nan")})
    for i, s in enumerate(kept):
        for name in ("S1", "ST"):
            rows.append({"method": "sobol", "factor": s.name, "index_name": name,
                         "value": float(sobol[name][i]), "conf": float(sobol[f"{name}_conf"][i])})
    plot = None
    if out_dir is not None:
        from experiments.results.outputs import atomic_file

        plot = out_dir / f"sensitivity_{outcome}.png"
        with atomic_file(plot) as tmp:  # a previous plot is kept if this one fails
            _plot(rows, outcome, tmp)
    with store.begin() as conn:
        run_id = conn.execute(sensitivity_run_table.insert().values(
            scenario=scenario, outcome=outcome, samples=samples, seed=str(seed),
            factors=[[s.name, s.low, s.high] for s in specs],
            retained=[s.name for s in kept], batches=batches,
            plot=str(plot) if plot else None, created_at=now(),
        )).inserted_primary_key[0]
        conn.execute(sensitivity_index_table.insert(), [
            {**r, "sensitivity_id": run_id,
             "value": r["value"] if np.isfinite(r["value"]) else None,
             "conf": r["conf"] if np.isfinite(r["conf"]) else None} for r in rows])
    return SensitivityResult(int(run_id), [s.name for s in kept], rows, plot)


def _plot(rows: list[dict[str, Any]], outcome: str, path: Path) -> None:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    fig, axes = plt.subplots(1, 2, figsize=(11, 4))
    mor = [r for r in rows if r["method"] == "morris" and r["index_name"] == "mu_star"]
    axes[0].barh([r["factor"] for r in mor], [r["value"] for r in mor],
                 xerr=[np.nan_to_num(r["conf"]) for r in mor], color="#1f77b4", capsize=3)
    axes[0].set_title(f"Morris mu* of {outcome} (95 % CI)")
    sob = [r for r in rows if r["method"] == "sobol"]
    factors = list(dict.fromkeys(r["factor"] for r in sob))
    y = np.arange(len(factors))
    for offset, name, colour in ((-0.2, "S1", "#1f77b4"), (0.2, "ST", "#ff7f0e")):
        vals = [next(r for r in sob if r["factor"] == f and r["index_name"] == name)
                for f in factors]
        axes[1].barh(y + offset, [v["value"] for v in vals], height=0.4, label=name,
                     xerr=[np.nan_to_num(v["conf"]) for v in vals], color=colour, capsize=3)
    axes[1].set_yticks(y, factors)
    axes[1].set_title("Sobol indices on the retained factors (95 % CI)")
    axes[1].legend()
    fig.tight_layout()
    fig.savefig(path, dpi=110)
    plt.close(fig)


__all__ = ["DERIVED", "SensitivityError", "check_outcome", "ishigami", "ishigami_indices",
           "morris_screen", "run_sensitivity", "sobol_indices"]
