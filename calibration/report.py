"""The calibration report (Markdown with PNG charts) and the calibrated territory file."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import numpy as np
import yaml

from calibration.estimator import CalibrationResult, expand_values, fit_summary
from calibration.moments import SimRun, compute_moments
from calibration.targets import Target
from experiments.results.outputs import atomic_dir, write_text_atomic

#: The file that marks a folder as a calibration report (``write_report`` may replace it).
REPORT_FILE = "report.md"


@dataclass
class TargetFit:
    """A target against its simulated value: mean and range over replications."""

    target: Target
    simulated: float
    low: float
    high: float

    @property
    def relative_error(self) -> float:
        return (self.simulated - self.target.value) / abs(self.target.value)

    @property
    def within(self) -> bool:
        return bool(np.isfinite(self.simulated)
                    and abs(self.simulated - self.target.value) <= self.target.uncertainty)


def target_fits(targets: Sequence[Target], moments: np.ndarray) -> list[TargetFit]:
    """``moments`` of shape (replications, len(targets)) -> one :class:`TargetFit` each."""
    moments = np.atleast_2d(moments)
    fits = []
    with np.errstate(all="ignore"):
        for i, t in enumerate(targets):
            col = moments[:, i][np.isfinite(moments[:, i])]
            if col.size:
                fits.append(TargetFit(t, float(col.mean()), float(col.min()), float(col.max())))
            else:
                fits.append(TargetFit(t, float("nan"), float("nan"), float("nan")))
    return fits


def all_fits(result: CalibrationResult, validation: Sequence[SimRun]) -> list[TargetFit]:
    """Fitted targets from the best trial's batch, validation ones from direct runs."""
    fits = target_fits(result.fitted, result.moments)
    others = [t for t in result.targets if not t.fitted]
    if others and validation:
        fits += target_fits(others, compute_moments([t.name for t in others], list(validation)))
    return fits


def _fmt(value: float, unit: str) -> str:
    if not np.isfinite(value):
        return "n/a"
    return f"{value:.1f}" if unit == "months" else f"{100 * value:.2f} %"


def _plot_targets(fits: Sequence[TargetFit], path: Path) -> None:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    fig, ax = plt.subplots(figsize=(8, 0.45 * len(fits) + 1.2))
    y = np.arange(len(fits))[::-1]
    for yi, f in zip(y, fits, strict=True):
        v = f.target.value
        u = f.target.uncertainty / abs(v)
        ax.errorbar(1.0, yi, xerr=u, fmt="s", color="#444444", capsize=4,
                    label="target ± uncertainty" if yi == y[0] else None)
        if np.isfinite(f.simulated):
            ax.errorbar(f.simulated / v, yi - 0.15,
                        xerr=[[(f.simulated - f.low) / v], [(f.high - f.simulated) / v]],
                        fmt="o", color="#1f77b4" if f.target.fitted else "#ff7f0e", capsize=3,
                        label=("simulated (range of replications)" if yi == y[0] else None))
    ax.set_yticks(y, [f.target.name + ("" if f.target.fitted else " (validation)")
                      for f in fits])
    ax.axvline(1.0, color="#999999", lw=0.8)
    ax.set_xlabel("value relative to the target")
    ax.legend(loc="lower right", fontsize=8)
    fig.tight_layout()
    fig.savefig(path, dpi=110)
    plt.close(fig)


def _plot_trace(trace: Sequence[tuple[int, float]], path: Path) -> None:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    numbers = [n for n, _ in trace]
    losses = np.array([v for _, v in trace])
    fig, ax = plt.subplots(figsize=(7, 3.5))
    ax.plot(numbers, losses, "o", ms=3, color="#999999", label="trial loss")
    ax.plot(numbers, np.minimum.accumulate(losses), "-", color="#1f77b4", label="best so far")
    ax.set_yscale("log")
    ax.set_xlabel("trial")
    ax.set_ylabel("MSM loss (weighted mean squared relative error)")
    ax.legend(fontsize=8)
    fig.tight_layout()
    fig.savefig(path, dpi=110)
    plt.close(fig)


def _plot_params(result: CalibrationResult, path: Path) -> None:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    specs = result.specs
    fig, ax = plt.subplots(figsize=(7, 0.45 * len(specs) + 1.2))
    y = np.arange(len(specs))[::-1]
    for yi, s in zip(y, specs, strict=True):
        ax.plot([0, 1], [yi, yi], color="#dddddd", lw=6)
        start = (result.start_values[s.name] - s.low) / (s.high - s.low)
        best = (result.best_values[s.name] - s.low) / (s.high - s.low)
        ax.plot(start, yi, "|", color="#444444", ms=14, mew=2,
                label="territory file" if yi == y[0] else None)
        ax.plot(best, yi, "o", color="#1f77b4", label="estimate" if yi == y[0] else None)
        ax.text(1.02, yi, f"{result.best_values[s.name]:.4g}", va="center", fontsize=8)
    ax.set_yticks(y, [s.name for s in specs])
    ax.set_xlim(-0.02, 1.15)
    ax.set_xlabel("position within the search bounds (0 = low, 1 = high)")
    ax.legend(fontsize=8, loc="lower right")
    fig.tight_layout()
    fig.savefig(path, dpi=110)
    plt.close(fig)


def write_report(result: CalibrationResult, fits: Sequence[TargetFit], out_dir: Path, *,
                 zone_code: str, zone_name: str, territory_file: str,
                 calibrated_file: str | None) -> Path:
    """Write ``report.md`` and its PNG charts in ``out_dir``; return the report's path.

    The folder is written all or nothing (:func:`experiments.results.outputs.atomic_dir`): it
    replaces a previous report there, which is kept if the new one cannot be written."""
    with atomic_dir(out_dir) as tmp:
        _write_report_files(result, fits, tmp, zone_code=zone_code, zone_name=zone_name,
                            territory_file=territory_file, calibrated_file=calibrated_file)
    return out_dir / REPORT_FILE


def _write_report_files(result: CalibrationResult, fits: Sequence[TargetFit], out_dir: Path, *,
                        zone_code: str, zone_name: str, territory_file: str,
                        calibrated_file: str | None) -> None:
    _plot_targets(fits, out_dir / "targets.png")
    _plot_trace(result.trace, out_dir / "loss_trace.png")
    _plot_params(result, out_dir / "parameters.png")
    fitted = [f for f in fits if f.target.fitted]
    median, share = fit_summary([f.target for f in fitted], [f.simulated for f in fitted])
    s = result.settings
    lines = [
        f"# Calibration of zone d'emploi {zone_code} {zone_name}",
        "",
        f"Territory file `{territory_file}`; study `{result.study_name}` (Optuna, "
        f"{s.get('sampler')}), {result.trials_completed} trials, {s.get('replications')} "
        f"replications per trial on common seeds (root seed {s.get('seed')}), "
        f"{s.get('persons'):,} persons, {s.get('months')} months after {s.get('burn_in')} "
        f"of burn-in. Best trial {result.best_trial} (batch {result.best_batch} of the "
        "results database).",
        "",
        f"**Fit: median absolute relative error {median:.1%} across the {len(fitted)} fitted "
        f"targets; {share:.0%} of them within their uncertainty; loss "
        f"{result.best_loss:.4g}** (start: {result.trace[0][1]:.4g}).",
        "",
        "## Targets against simulated values",
        "",
        "Simulated: mean over the replications, [min, max] of the replications. Validation "
        "targets are not in the loss: their moments need the exit log, which the batch store "
        "does not keep, so they come from direct runs of the estimate on the same seeds.",
        "",
        "| target | value | ± | confidence | weight | simulated | [min, max] | rel. error "
        "| within | source |",
        "|---|---|---|---|---|---|---|---|---|---|",
    ]
    for f in fits:
        t = f.target
        lines.append(
            f"| {t.name}{'' if t.fitted else ' (validation)'} | {_fmt(t.value, t.unit)} | "
            f"{_fmt(t.uncertainty, t.unit)} | {t.confidence} | "
            f"{t.weight if t.fitted else 0:.3g} | "
            f"{_fmt(f.simulated, t.unit)} | [{_fmt(f.low, t.unit)}, {_fmt(f.high, t.unit)}] | "
            f"{f.relative_error:+.1%} | {'yes' if f.within else 'no'} | {t.source} |"
        )
    lines += ["", "![targets](targets.png)", "", "Notes on the targets:", ""]
    lines += [f"- `{f.target.name}`: {f.target.note}" for f in fits if f.target.note]
    lines += ["", "## Parameter estimates", "",
              "Start: the parameter file's `start` value, else the territory file's value "
              "(CMA-ES is centred there).", "",
              "| parameter | bounds | start | estimate |", "|---|---|---|---|"]
    for spec in result.specs:
        lines.append(f"| {spec.name} | [{spec.low:g}, {spec.high:g}] | "
                     f"{result.start_values[spec.name]:.4g} | "
                     f"{result.best_values[spec.name]:.4g} |")
    lines += ["", "![parameters](parameters.png)", "", "## Loss trace", "",
              "![loss trace](loss_trace.png)", ""]
    if calibrated_file:
        lines += [f"Calibrated territory file: `{calibrated_file}`.", ""]
    (out_dir / REPORT_FILE).write_text("\n".join(lines), encoding="utf-8")


def _nest(updates: dict[str, Any]) -> dict[str, Any]:
    tree: dict[str, Any] = {}
    for key, value in updates.items():
        node = tree
        parts = key.split(".")
        for part in parts[:-1]:
            node = node.setdefault(part, {})
        node[parts[-1]] = value
    return tree


def write_calibrated_territory(result: CalibrationResult, base_params: Any,
                               territory_path: Path, out_path: Path, fits: Sequence[TargetFit],
                               report_path: Path | None) -> Path:
    """A YAML file that ``extends`` the territory file and sets the estimated parameters
    (written all or nothing: a previous file is kept if this one cannot be written)."""
    fitted = [f for f in fits if f.target.fitted]
    median, share = fit_summary([f.target for f in fitted], [f.simulated for f in fitted])
    import os

    extends = os.path.relpath(territory_path.resolve(), out_path.parent.resolve())
    updates = expand_values(base_params, result.best_values)
    header = [
        f"# Calibrated territory: {territory_path.name}, fitted by `ptce calibrate` on "
        f"{datetime.now(UTC):%Y-%m-%d}.",
        f"# Study {result.study_name}: {result.trials_completed} trials, "
        f"{result.settings.get('replications')} replications, "
        f"{result.settings.get('persons'):,} persons, {result.settings.get('months')} months.",
        f"# Fit: median absolute relative error {median:.1%} over {len(fitted)} targets, "
        f"{share:.0%} within their uncertainty (loss {result.best_loss:.4g}).",
    ]
    for f in fitted:
        header.append(f"#   {f.target.name}: target {f.target.value:.4g} ± "
                      f"{f.target.uncertainty:.2g}, simulated {f.simulated:.4g} "
                      f"({f.relative_error:+.1%})")
    header.append("# Estimates: " + ", ".join(f"{k} = {v:.4g}"
                                                for k, v in result.best_values.items()))
    if report_path is not None:
        header.append(f"# Report: {report_path}")
    body = yaml.safe_dump(_nest(updates), sort_keys=False, allow_unicode=True)
    return write_text_atomic(out_path, "\n".join(header) + f"\n\nextends: {extends}\n" + body)


def write_summary(store: Any, path: Path) -> Path:
    """``calibration/reports/README.md``: the latest calibration of each zone, from the
    ``calibration_run`` table, with its fit."""
    from sqlalchemy import select

    from calibration.db import calibration_run_table as t

    with store.engine.connect() as conn:
        rows = conn.execute(select(t).order_by(t.c.id)).mappings().all()
    latest = {r["zone_code"]: r for r in rows}
    lines = [
        "# Calibrated territories",
        "",
        "Made by `ptce calibrate --territory CODE` (see each `CODE/report.md`). Fit over the "
        "seven fitted targets (unemployment rate, IAE salariés per active person, mean IAE "
        "route, IAE leavers employed 6 months after exit, monthly job-finding rate, long-term "
        "share, vacancy rate); goal: median absolute relative error under 10 %.",
        "",
        "| zone | trials | replications | persons | months | loss | median abs. rel. error "
        "| share within uncertainty | report |",
        "|---|---|---|---|---|---|---|---|---|",
    ]
    for code, r in sorted(latest.items()):
        lines.append(
            f"| {r['territory'].split('/')[-1]} | {r['trials']} | {r['replications']} | "
            f"{r['persons']:,} | {r['months']} | {r['best_loss']:.4g} | "
            f"{r['median_abs_rel_error']:.1%} | {r['share_within']:.0%} | "
            f"[{code}/report.md]({code}/report.md) |")
    # hand-written notes below the marker are kept when the summary is regenerated
    notes = ""
    if path.is_file() and NOTES_MARKER in path.read_text():
        notes = path.read_text().split(NOTES_MARKER, 1)[1]
    return write_text_atomic(path, "\n".join(lines) + "\n\n" + NOTES_MARKER + (notes or "\n"))


NOTES_MARKER = "<!-- notes: kept when ptce calibrate regenerates this file -->"
