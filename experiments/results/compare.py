"""Read a batch back: per-scenario means with 95 % intervals, paired differences against a
baseline scenario on common seeds, PNG charts, and exports to CSV or Parquet.

Replication ``r`` of every scenario and design point uses the same seed (common random
numbers), so the effect of a scenario is estimated from the paired differences
``outcome(scenario, point, r) - outcome(baseline, point, r)``, whose interval is much narrower
than the difference of two independent means.
"""

from __future__ import annotations

import json
import math
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
from sqlalchemy import select

from experiments.results.outputs import atomic_dir
from experiments.store import (
    Store,
    batch_table,
    design_point_table,
    outcome_table,
    run_table,
    series_table,
)

#: Series drawn with their 95 % bands by :func:`write_charts`.
CHART_SERIES: tuple[str, ...] = ("unemployment_rate", "employment_rate",
                                 "long_term_unemployed_share", "job_finding_rate")

# Student t quantiles (0.975) for 1..30 degrees of freedom.
_T975 = (12.706, 4.303, 3.182, 2.776, 2.571, 2.447, 2.365, 2.306, 2.262, 2.228, 2.201, 2.179,
         2.160, 2.145, 2.131, 2.120, 2.110, 2.101, 2.093, 2.086, 2.080, 2.074, 2.069, 2.064,
         2.060, 2.056, 2.052, 2.048, 2.045, 2.042)


class CompareError(ValueError):
    """A comparison that cannot be made (no results, unknown baseline or outcome)."""


def t975(df: int) -> float:
    """The 97.5 % quantile of Student's t with ``df`` degrees of freedom (df >= 1)."""
    if df < 1:
        return math.nan
    return _T975[df - 1] if df <= len(_T975) else 1.96 + 2.4 / df


def mean_interval(values: np.ndarray) -> tuple[float, float, float]:
    """Mean and 95 % t-interval ``(mean, low, high)`` of a 1-D array (NaN bounds if n < 2)."""
    values = np.asarray(values, dtype=float)
    values = values[np.isfinite(values)]
    n = values.size
    if n == 0:
        return math.nan, math.nan, math.nan
    mean = float(values.mean())
    if n < 2:
        return mean, math.nan, math.nan
    half = t975(n - 1) * float(values.std(ddof=1)) / math.sqrt(n)
    return mean, mean - half, mean + half


def point_label(values: dict[str, Any]) -> str:
    """A short label of a design point's values (``-`` for none)."""
    if not values:
        return "-"
    return ", ".join(f"{'.'.join(k.split('.')[-2:])}={_short(v)}"
                     for k, v in sorted(values.items()))


def _short(value: Any) -> str:
    return f"{value:.4g}" if isinstance(value, float) else str(value)


def load_runs(store: Store, batch_id: int) -> pd.DataFrame:
    """One row per run: ``run_id, scenario, point_index, point, replication, status``."""
    with store.engine.connect() as conn:
        rows = conn.execute(
            select(run_table.c.id.label("run_id"), design_point_table.c.scenario,
                   design_point_table.c.point_index, design_point_table.c["values"],
                   design_point_table.c.label,
                   run_table.c.replication, run_table.c.status, run_table.c.seed_entropy,
                   run_table.c.spawn_key, run_table.c.worker, run_table.c.wall_time,
                   run_table.c.error_stage, run_table.c.error_type,
                   run_table.c.error_message, run_table.c.spells_path)
            .join(design_point_table, design_point_table.c.id == run_table.c.point_id)
            .where(run_table.c.batch_id == batch_id).order_by(run_table.c.id)
        ).mappings().all()
    frame = pd.DataFrame([dict(r) for r in rows])
    if frame.empty:
        return frame
    frame["point"] = [label or point_label(v)
                      for label, v in zip(frame["label"], frame["values"], strict=True)]
    frame["values"] = [json.dumps(v, sort_keys=True) for v in frame["values"]]
    frame["spawn_key"] = [json.dumps(v) for v in frame["spawn_key"]]
    return frame


def load_outcomes(store: Store, batch_id: int) -> pd.DataFrame:
    """Succeeded runs' outcomes, long: ``run_id, scenario, point, replication, name, value``."""
    runs = load_runs(store, batch_id)
    with store.engine.connect() as conn:
        rows = conn.execute(
            select(outcome_table.c.run_id, outcome_table.c.name, outcome_table.c.value)
            .join(run_table, run_table.c.id == outcome_table.c.run_id)
            .where(run_table.c.batch_id == batch_id)
        ).all()
    values = pd.DataFrame(rows, columns=["run_id", "name", "value"])
    if runs.empty or values.empty:
        return pd.DataFrame(columns=["run_id", "scenario", "point_index", "point", "replication",
                                     "name", "value"])
    keep = runs[["run_id", "scenario", "point_index", "point", "label", "values", "replication"]]
    return values.merge(keep, on="run_id")


def load_series(store: Store, batch_id: int, names: tuple[str, ...] | None = None
                ) -> pd.DataFrame:
    """Succeeded runs' monthly series, long: ``run_id, scenario, point, replication, name,
    month, value``."""
    runs = load_runs(store, batch_id)
    query = (select(series_table.c.run_id, series_table.c.name, series_table.c.month,
                    series_table.c.value)
             .join(run_table, run_table.c.id == series_table.c.run_id)
             .where(run_table.c.batch_id == batch_id))
    if names:
        query = query.where(series_table.c.name.in_(names))
    with store.engine.connect() as conn:
        rows = conn.execute(query).all()
    values = pd.DataFrame(rows, columns=["run_id", "name", "month", "value"])
    if runs.empty or values.empty:
        return values
    keep = runs[["run_id", "scenario", "point_index", "point", "values", "replication"]]
    return values.merge(keep, on="run_id")


@dataclass
class Comparison:
    """``summary``: one row per (scenario, point, outcome) with ``n, mean, low, high`` and the
    paired difference against the baseline ``diff_n, diff_mean, diff_low, diff_high``."""

    baseline: str
    outcomes: tuple[str, ...]
    summary: pd.DataFrame


def compare_batch(store: Store, batch_id: int, *, baseline: str | None = None,
                  outcomes: list[str] | tuple[str, ...] | None = None) -> Comparison:
    """Means, 95 % intervals and paired differences against ``baseline`` for a batch."""
    with store.engine.connect() as conn:
        design = conn.execute(select(batch_table.c.design)
                              .where(batch_table.c.id == batch_id)).scalar()
    data = load_outcomes(store, batch_id)
    if data.empty:
        raise CompareError(f"batch {batch_id} has no succeeded run to compare yet")
    scenarios = list(dict.fromkeys(data["scenario"]))
    labels = [str(v) for v in dict.fromkeys(data["label"]) if v]
    wanted = baseline or (design or {}).get("baseline") or scenarios[0]
    matches = [s for s in scenarios if s == wanted or Path(s).stem == Path(wanted).stem]
    by_point = not matches and wanted in labels
    if not matches and not by_point:
        raise CompareError(f"baseline {wanted!r} is neither a scenario nor a point of batch "
                           f"{batch_id}; scenarios: {', '.join(scenarios)}"
                           + (f"; points: {', '.join(labels)}" if labels else ""))
    base = wanted if by_point else matches[0]
    names = tuple(outcomes or (design or {}).get("outcomes") or sorted(set(data["name"])))
    unknown = sorted(set(names) - set(data["name"]))
    if unknown:
        raise CompareError(f"unknown outcomes {unknown}; the batch has: "
                           f"{', '.join(sorted(set(data['name'])))}")
    data = data[data["name"].isin(names)]
    # common random numbers: replication r of every scenario and point has the same seed, so a
    # run is paired with the baseline run of the same replication and the same other settings
    if by_point:
        data = data.assign(pair=data["scenario"])
        base_values = data[data["label"] == base]
    else:
        data = data.assign(pair=data["label"].fillna("") + "|" + data["values"])
        base_values = data[data["scenario"] == base]
    base_values = base_values.set_index(["pair", "replication", "name"])["value"]
    rows = []
    for (scenario, point_index, point, pair, name), group in data.groupby(
            ["scenario", "point_index", "point", "pair", "name"], sort=False):
        mean, low, high = mean_interval(group["value"].to_numpy())
        keys = pd.MultiIndex.from_arrays([[pair] * len(group), group["replication"],
                                          [name] * len(group)])
        paired = base_values.reindex(keys).to_numpy()
        diffs = group["value"].to_numpy(dtype=float) - paired.astype(float)
        diffs = diffs[np.isfinite(diffs)]
        d_mean, d_low, d_high = mean_interval(diffs)
        rows.append({"scenario": scenario, "point_index": point_index, "point": point,
                     "outcome": name, "n": int(group["value"].notna().sum()), "mean": mean,
                     "low": low, "high": high, "diff_n": int(diffs.size),
                     "diff_mean": d_mean, "diff_low": d_low, "diff_high": d_high})
    summary = pd.DataFrame(rows)
    summary["_order"] = summary["outcome"].map({n: i for i, n in enumerate(names)})
    summary = summary.sort_values(["_order", "point_index"], kind="stable").drop(
        columns="_order").reset_index(drop=True)
    return Comparison(baseline=base, outcomes=names, summary=summary)


#: Files that mark a folder as ``write_charts``'s (so that a new call may replace it).
CHART_FILES: tuple[str, ...] = ("series_*.png", "outcomes.png")
#: Files that mark a folder as ``export_batch``'s.
EXPORT_FILES: tuple[str, ...] = ("runs.csv", "runs.parquet")


def write_charts(store: Store, batch_id: int, folder: Path,
                 outcomes: tuple[str, ...] | list[str] = (),
                 series: tuple[str, ...] = CHART_SERIES) -> list[Path]:
    """PNG charts: each series' mean with its 95 % band per scenario and point
    (``series_NAME.png``), and the distribution of each outcome (``outcomes.png``).

    The folder is written all or nothing (:func:`~experiments.results.outputs.atomic_dir`):
    it replaces a previous ``folder``, which is kept if the charts cannot be written."""
    with atomic_dir(folder) as tmp:
        names = _draw_charts(store, batch_id, tmp, outcomes, series)
    return [Path(folder) / name for name in names]


def _draw_charts(store: Store, batch_id: int, folder: Path, outcomes: tuple[str, ...] | list[str],
                 series: tuple[str, ...]) -> list[str]:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    paths: list[str] = []
    frame = load_series(store, batch_id, series)
    for name in series:
        part = frame[frame["name"] == name] if not frame.empty else frame
        if part.empty:
            continue
        fig, ax = plt.subplots(figsize=(8, 4.5))
        for (scenario, point), group in part.groupby(["scenario", "point"], sort=False):
            table = group.pivot_table(index="month", columns="replication", values="value")
            stats = [mean_interval(row) for row in table.to_numpy()]
            mean = np.array([s[0] for s in stats])
            label = Path(scenario).stem + ("" if point == "-" else f" ({point})")
            (line,) = ax.plot(table.index, mean, label=label)
            low = np.array([s[1] for s in stats])
            high = np.array([s[2] for s in stats])
            if np.isfinite(low).any():
                ax.fill_between(table.index, low, high, color=line.get_color(), alpha=0.2,
                                linewidth=0)
        ax.set_xlabel("month")
        ax.set_ylabel(name)
        ax.set_title(f"batch {batch_id}: {name} (mean and 95 % band)")
        ax.legend(fontsize=7)
        fig.tight_layout()
        path = folder / f"series_{name}.png"
        fig.savefig(path, dpi=100)
        plt.close(fig)
        paths.append(path.name)
    data = load_outcomes(store, batch_id)
    names = [n for n in outcomes if n in set(data["name"])] if outcomes else []
    if names:
        fig, axes = plt.subplots(len(names), 1, figsize=(8, 2.2 * len(names)), squeeze=False)
        for ax, name in zip(axes[:, 0], names, strict=True):
            part = data[data["name"] == name]
            groups = list(part.groupby(["scenario", "point"], sort=False))
            ax.boxplot([g["value"].dropna().to_numpy() for _, g in groups],
                       orientation="horizontal")
            for i, (_, g) in enumerate(groups, start=1):
                ax.scatter(g["value"], np.full(len(g), i), s=8, alpha=0.6)
            ax.set_yticks(range(1, len(groups) + 1),
                          [Path(s).stem + ("" if p == "-" else f" ({p})") for (s, p), _ in groups],
                          fontsize=7)
            ax.set_title(name, fontsize=9)
        fig.tight_layout()
        path = folder / "outcomes.png"
        fig.savefig(path, dpi=100)
        plt.close(fig)
        paths.append(path.name)
    return paths


def export_batch(store: Store, batch_id: int, folder: Path, fmt: str = "csv") -> list[Path]:
    """Write ``design_points``, ``runs``, ``outcomes`` (wide: one column per outcome) and
    ``series`` (long) of a batch into ``folder`` as CSV or Parquet files.

    The folder is written all or nothing (:func:`~experiments.results.outputs.atomic_dir`):
    it replaces a previous ``folder``, which is kept if the files cannot be written."""
    with store.engine.connect() as conn:
        points = pd.DataFrame([dict(r) for r in conn.execute(
            select(design_point_table).where(design_point_table.c.batch_id == batch_id)
            .order_by(design_point_table.c.point_index)).mappings()])
    if not points.empty:
        points["values"] = [json.dumps(v, sort_keys=True) for v in points["values"]]
        points["params"] = [json.dumps(v, sort_keys=True) for v in points["params"]]
    runs = load_runs(store, batch_id)
    outcomes = load_outcomes(store, batch_id)
    if not outcomes.empty:
        outcomes = outcomes.pivot_table(index=["run_id", "scenario", "point_index", "point",
                                               "replication"], columns="name",
                                        values="value").reset_index()
    series = load_series(store, batch_id)
    paths = []
    with atomic_dir(folder) as tmp:
        for name, frame in (("design_points", points), ("runs", runs), ("outcomes", outcomes),
                            ("series", series)):
            _write_table(frame, tmp / f"{name}.{fmt}", fmt)
            paths.append(Path(folder) / f"{name}.{fmt}")
    return paths


def _write_table(frame: pd.DataFrame, path: Path, fmt: str) -> None:
    if fmt == "parquet":
        frame.to_parquet(path, index=False)
    else:
        frame.to_csv(path, index=False)
