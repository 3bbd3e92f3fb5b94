"""A zone's unemployment path: fitted on 2015-2019, predicted out of sample for 2021-2024.

A calibrated territory reproduces a level (the 2024 rate). Its path comes from the business
cycle as an input series (the ``cycle`` section: national ILO unemployment quarter by
quarter, ``model/params.py`` Cycle). Two parameters tie the zone to that driver: its level
(``demand.jobs_per_active`` shifted by ``level_shift``) and its response to the national
cycle (``cycle.elasticity``). :func:`fit_path` chooses both on a grid, from the zone's
quarterly INSEE rates of 2015-2019 only (20 quarters; common seeds); :func:`predict` then
runs the fitted zone from 2015-T1 to 2024-T4 and compares its quarterly rates with the
zone's 2021-2024 rates, which the fit never saw. 2020 (the lockdowns' break in the ILO
measure) is neither fitted nor scored.

Bands are the lowest and highest quarterly rate over the prediction's replications.
"""

from __future__ import annotations

import csv
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from functools import cache
from itertools import product
from pathlib import Path

import numpy as np
import pandas as pd

from model import TerritoryParams, simulate
from model.params import with_values
from scenarios.cycle import quarter_index, quarter_label, read_series

from .targets import DATA_DIR, TargetError

QUARTERLY_FILE = "insee_tcl_ze2020_quarterly.csv"
START = "2015-T1"  # month 1 of the horizon
FIT = ("2015-T1", "2019-T4")
PREDICT = ("2021-T1", "2024-T4")
END = PREDICT[1]
#: months simulated before 2015-T1, at the driver's 2015-T1 value: the initial population
#: takes several years to reach the territory's stationary state (with 24 months, the
#: remaining drift alone mimics the 2015-2017 decline)
PATH_BURN_IN = 120
#: grid of the fit: level shifts (added to demand.jobs_per_active) and cycle elasticities
LEVEL_SHIFTS: tuple[float, ...] = tuple(round(-0.15 + 0.015 * i, 3) for i in range(12))
ELASTICITIES: tuple[float, ...] = (0.0, 1.0, 2.0, 3.0, 4.0, 6.0)
OUT_OF_SAMPLE_FILE = "out_of_sample.csv"
PATH_FIT_FILE = "path_fit.json"  # the fitted level shift and elasticity, beside the CSV
OUT_OF_SAMPLE_COLUMNS = ("moment", "period", "observed", "simulated", "low", "high",
                         "abs_rel_error")


@cache
def zone_quarterly(code: str, data_dir: Path = DATA_DIR) -> dict[int, float]:
    """The zone's INSEE localised unemployment rate, in %, by quarter index
    (``scenarios.cycle.quarter_index``). Raises :class:`TargetError` naming the file for an
    unknown zone or a file that is not the expected table."""
    path = data_dir / QUARTERLY_FILE
    if not path.is_file():
        raise TargetError(f"{path}: data file not found")
    with open(path, encoding="utf-8-sig", newline="") as f:
        rows = list(csv.reader(f, delimiter=";"))
    header = next((r for r in rows if r and r[0].strip() == "ZE2020"), None)
    if header is None:
        raise TargetError(f"{path}: no header row starting with ZE2020")
    quarters = [(i, quarter_index(h.strip())) for i, h in enumerate(header)
                if h.strip()[:4].isdigit()]
    row = next((r for r in rows if r and r[0].strip() == code), None)
    if row is None:
        raise TargetError(f"{path}: no zone d'emploi {code!r}")
    out: dict[int, float] = {}
    for i, q in quarters:
        text = row[i].strip().replace(",", ".") if i < len(row) else ""
        try:
            out[q] = float(text)
        except ValueError:
            raise TargetError(f"{path}: zone {code}, quarter {quarter_label(q)}: "
                              f"{row[i] if i < len(row) else ''!r} is not a rate") from None
    return out


def _quarters(first: str, last: str) -> list[int]:
    return list(range(quarter_index(first), quarter_index(last) + 1))


def observed(code: str, first: str, last: str) -> np.ndarray:
    """The zone's rates (as shares) over the quarters ``first``..``last``."""
    data = zone_quarterly(code)
    missing = [quarter_label(q) for q in _quarters(first, last) if q not in data]
    if missing:
        raise TargetError(f"zone {code}: no INSEE rate for {', '.join(missing)}")
    return np.array([data[q] / 100.0 for q in _quarters(first, last)])


def path_params(base: TerritoryParams, level_shift: float = 0.0,
                elasticity: float = 1.0) -> TerritoryParams:
    """``base`` run from 2015-T1 to 2024-T4 under the national cycle, its level shifted, after
    :data:`PATH_BURN_IN` months of burn-in."""
    series = read_series("national_unemployment")
    quarters = _quarters(START, END)
    values = [series[q] for q in quarters]
    months = 3 * len(quarters)
    data = base.model_dump()
    data["cycle"] = {"series": "national_unemployment", "start": START,
                     "elasticity": elasticity, "values": values}
    data["simulation"]["months"] = months
    data["simulation"]["burn_in_months"] = PATH_BURN_IN
    data["simulation"]["record_spells"] = False
    params = TerritoryParams.model_validate(data)
    jobs = base.demand.jobs_per_active + level_shift
    return with_values(params, {"demand.jobs_per_active": jobs})


def quarterly_rates(series: pd.DataFrame) -> np.ndarray:
    """Quarterly means of the monthly unemployment rate (months 1-3, 4-6, ...)."""
    rate = series["unemployment_rate"].to_numpy()
    return rate[: rate.size // 3 * 3].reshape(-1, 3).mean(axis=1)


def _run(args: tuple[TerritoryParams, np.random.SeedSequence]) -> np.ndarray:
    params, seed = args
    return quarterly_rates(simulate(params, seed).series)


def _runs(points: Sequence[TerritoryParams], replications: int, seed: int, workers: int
          ) -> list[np.ndarray]:
    """Quarterly rates of each point, shape (replications, quarters) each; the same seeds
    for every point (common random numbers)."""
    seeds = np.random.SeedSequence(seed).spawn(replications)
    jobs = [(p, s) for p in points for s in seeds]
    if workers > 1:
        from concurrent.futures import ProcessPoolExecutor

        with ProcessPoolExecutor(workers) as pool:
            rates = list(pool.map(_run, jobs))
    else:
        rates = [_run(j) for j in jobs]
    return [np.array(rates[i * replications:(i + 1) * replications])
            for i in range(len(points))]


def _slice(first: str, last: str) -> slice:
    start = quarter_index(START)
    return slice(quarter_index(first) - start, quarter_index(last) - start + 1)


@dataclass(frozen=True)
class PathFit:
    """The fitted path parameters and the out-of-sample table."""

    level_shift: float
    elasticity: float
    fit_error: float  # median |relative error| over the fitted quarters
    table: pd.DataFrame  # OUT_OF_SAMPLE_COLUMNS, one row per predicted quarter
    quarters: list[str]  # every simulated quarter, 2015-T1..2024-T4
    observed: np.ndarray  # the zone's rates over ``quarters``
    simulated: np.ndarray  # (replications, quarters) of the prediction

    @property
    def median_error(self) -> float:
        return float(self.table["abs_rel_error"].median())


def fit_path(base: TerritoryParams, code: str, *, replications: int = 1, seed: int = 1,
             workers: int = 1, predict_replications: int = 4,
             progress: Callable[[str], None] | None = None) -> PathFit:
    """Fit ``level_shift`` and ``cycle.elasticity`` on the zone's 2015-2019 quarters (least
    squares of relative errors, on :data:`LEVEL_SHIFTS` x :data:`ELASTICITIES`), then
    predict 2021-2024 with ``predict_replications`` fresh seeds."""
    fit_obs = observed(code, *FIT)
    grid = list(product(LEVEL_SHIFTS, ELASTICITIES))
    if progress:
        progress(f"fitting the 2015-2019 path on {len(grid)} points x {replications} runs")
    rates = _runs([path_params(base, s, e) for s, e in grid], replications, seed, workers)
    fit = _slice(*FIT)
    losses = [float(np.mean(((r.mean(axis=0)[fit] - fit_obs) / fit_obs) ** 2)) for r in rates]
    best = int(np.argmin(losses))
    shift, elasticity = grid[best]
    fit_error = float(np.median(np.abs(rates[best].mean(axis=0)[fit] - fit_obs) / fit_obs))
    if progress:
        progress(f"predicting 2021-2024 with {predict_replications} runs")
    sim = _runs([path_params(base, shift, elasticity)], predict_replications, seed + 1,
                workers)[0]
    pred = _slice(*PREDICT)
    labels = [quarter_label(q) for q in _quarters(*PREDICT)]
    obs = observed(code, *PREDICT)
    mean = sim.mean(axis=0)[pred]
    table = pd.DataFrame({
        "moment": "unemployment_rate", "period": labels, "observed": obs,
        "simulated": mean, "low": sim.min(axis=0)[pred], "high": sim.max(axis=0)[pred],
        "abs_rel_error": np.abs(mean - obs) / obs,
    }, columns=list(OUT_OF_SAMPLE_COLUMNS))
    every = _quarters(START, END)
    data = zone_quarterly(code)
    return PathFit(shift, elasticity, fit_error, table, [quarter_label(q) for q in every],
                   np.array([data.get(q, np.nan) / 100.0 for q in every]), sim)


def write_out_of_sample(fit: PathFit, folder: Path, zone: str) -> list[Path]:
    """``out_of_sample.csv``, ``path_fit.json`` (the fitted level shift and elasticity) and
    ``out_of_sample.png`` (observed against simulated path, with the band, the fitted and the
    predicted windows) in ``folder``."""
    import matplotlib

    matplotlib.use("Agg")
    import json

    import matplotlib.pyplot as plt

    folder.mkdir(parents=True, exist_ok=True)
    csv_path = folder / OUT_OF_SAMPLE_FILE
    fit.table.to_csv(csv_path, index=False, float_format="%.6g")
    (folder / PATH_FIT_FILE).write_text(json.dumps({
        "level_shift": fit.level_shift, "elasticity": fit.elasticity,
        "fit_error_2015_2019": fit.fit_error, "median_error_2021_2024": fit.median_error},
        indent=1) + "\n", encoding="utf-8")
    x = np.arange(len(fit.quarters))
    fig, ax = plt.subplots(figsize=(9, 4))
    fit_sl, pred_sl = _slice(*FIT), _slice(*PREDICT)
    ax.axvspan(fit_sl.start - 0.5, fit_sl.stop - 0.5, color="#e8f1ef", label="fitted (2015-2019)")
    ax.axvspan(pred_sl.start - 0.5, pred_sl.stop - 0.5, color="#fbeee6",
               label="predicted (2021-2024)")
    ax.fill_between(x, fit.simulated.min(axis=0) * 100, fit.simulated.max(axis=0) * 100,
                    color="#2a9d8f", alpha=0.3, linewidth=0)
    ax.plot(x, fit.simulated.mean(axis=0) * 100, color="#2a9d8f", label="simulated")
    ax.plot(x, fit.observed * 100, color="#264653", marker="o", markersize=3,
            linestyle="none", label="INSEE")
    ticks = [i for i, q in enumerate(fit.quarters) if q.endswith("T1")]
    ax.set_xticks(ticks, [fit.quarters[i][:4] for i in ticks])
    ax.set_ylabel("unemployment rate, %")
    ax.set_title(f"{zone}: unemployment path, out of sample 2021-2024 (median error "
                 f"{fit.median_error:.1%})")
    ax.legend(loc="upper right", fontsize=8)
    fig.tight_layout()
    png = folder / "out_of_sample.png"
    fig.savefig(png, dpi=110)
    plt.close(fig)
    return [csv_path, png]


def report_section(fit: PathFit) -> str:
    """Markdown section of the calibration report on the path and its prediction."""
    rows = "\n".join(f"| {r.period} | {r.observed:.2%} | {r.simulated:.2%} | "
                     f"[{r.low:.2%}, {r.high:.2%}] | {r.abs_rel_error:.1%} |"
                     for r in fit.table.itertuples())
    return (
        "\n## Out of sample: the 2021-2024 path\n\n"
        f"Run from {START} to {END} under the national cycle (`cycle` section), the zone's "
        "level (`demand.jobs_per_active` shifted by "
        f"{fit.level_shift:+.3f}) and its response to the national rate (`cycle.elasticity` "
        f"= {fit.elasticity:g}) were chosen on the 2015-2019 quarters only (median error "
        f"{fit.fit_error:.1%}); 2021-2024 is predicted (median error "
        f"{fit.median_error:.1%}, band: lowest and highest of the runs). 2020 is not "
        "scored.\n\n![Out of sample](out_of_sample.png)\n\n"
        "| quarter | INSEE | simulated | band | error |\n|---|---|---|---|---|\n"
        f"{rows}\n")


__all__ = ["ELASTICITIES", "FIT", "LEVEL_SHIFTS", "OUT_OF_SAMPLE_COLUMNS", "PREDICT",
           "PathFit", "fit_path", "observed", "path_params", "quarterly_rates",
           "report_section", "write_out_of_sample", "zone_quarterly"]
