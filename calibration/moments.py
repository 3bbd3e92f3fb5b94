"""Simulated counterparts of the calibration targets, each defined once, by target name.

A moment is a function of one run's results: its end-of-run ``outcomes`` (names in
``model.OUTCOME_DOCS``), the means of some monthly series over the horizon (names in
``model.SERIES_DOCS``) and, when the run was made in this process, its ``iae_exits`` table.
Runs made through the batch store have no ``iae_exits`` (the store keeps outcomes and series
only), so moments that need it (:attr:`Moment.needs_exits`) are validation moments computed on
a direct run of the estimate, not fitted ones.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field

import numpy as np
import pandas as pd


@dataclass(frozen=True)
class SimRun:
    """What a moment can read from one run.

    ``series_means`` maps a series name to its mean over the reported months;
    ``iae_exits`` is the run's exit log (one row per SIAE exit) or None.
    """

    outcomes: Mapping[str, float]
    series_means: Mapping[str, float] = field(default_factory=dict)
    iae_exits: pd.DataFrame | None = None


@dataclass(frozen=True)
class Moment:
    """A simulated counterpart: ``compute(run) -> float`` (NaN when the run cannot tell)."""

    name: str
    compute: Callable[[SimRun], float]
    doc: str
    outcomes: tuple[str, ...] = ()
    series: tuple[str, ...] = ()
    needs_exits: bool = False


def _outcome(name: str) -> Callable[[SimRun], float]:
    def compute(run: SimRun) -> float:
        value = run.outcomes.get(name)
        return float("nan") if value is None else float(value)

    return compute


def _iae_per_active(run: SimRun) -> float:
    """Persons on a CDDI per person of the labour force (both means over the horizon)."""
    stock = run.outcomes.get("iae_stock")
    labour_force = run.series_means.get("labour_force")
    if stock is None or not labour_force:
        return float("nan")
    return float(stock) / float(labour_force)


def _route_length(siae_type: str) -> Callable[[SimRun], float]:
    def compute(run: SimRun) -> float:
        exits = run.iae_exits
        if exits is None or exits.empty:
            return float("nan")
        months = exits.loc[exits["siae_type"] == siae_type, "route_months"]
        return float(np.mean(months)) if len(months) else float("nan")

    return compute


#: Target name -> its simulated counterpart.
MOMENTS: dict[str, Moment] = {
    m.name: m
    for m in (
        Moment("unemployment_rate", _outcome("unemployment_rate"),
               "unemployment_rate outcome (share of labour force, last 12 months)",
               outcomes=("unemployment_rate",)),
        Moment("iae_per_active", _iae_per_active,
               "iae_stock outcome over the mean of the labour_force series (horizon means)",
               outcomes=("iae_stock",), series=("labour_force",)),
        Moment("iae_route_length_mean", _outcome("iae_route_length_mean"),
               "iae_route_length_mean outcome (months, SIAE leavers of the horizon)",
               outcomes=("iae_route_length_mean",)),
        Moment("iae_employed_6m_share", _outcome("iae_employed_6m_share"),
               "iae_employed_6m_share outcome (share of leavers employed 6 months after exit)",
               outcomes=("iae_employed_6m_share",)),
        Moment("job_finding_rate", _outcome("job_finding_rate"),
               "job_finding_rate outcome (monthly share of jobseekers taking a job)",
               outcomes=("job_finding_rate",)),
        Moment("long_term_unemployed_share", _outcome("long_term_unemployed_share"),
               "long_term_unemployed_share outcome (spell of 12+ months, last 12 months)",
               outcomes=("long_term_unemployed_share",)),
        Moment("vacancy_rate", _outcome("vacancy_rate"),
               "vacancy_rate outcome (open over filled + open positions, horizon mean)",
               outcomes=("vacancy_rate",)),
        *(Moment(f"iae_route_length_{t.lower()}", _route_length(t),
                 f"mean route_months of the {t} rows of iae_exits (months)", needs_exits=True)
          for t in ("ACI", "EI", "ETTI", "AI")),
    )
}


def outcome_names_needed(names: list[str] | tuple[str, ...]) -> tuple[set[str], set[str]]:
    """The outcomes and series the moments ``names`` read."""
    outcomes: set[str] = set()
    series: set[str] = set()
    for name in names:
        outcomes.update(MOMENTS[name].outcomes)
        series.update(MOMENTS[name].series)
    return outcomes, series


def sim_run_from_result(result: object) -> SimRun:
    """A :class:`SimRun` from a ``model.RunResult`` made in this process."""
    series: pd.DataFrame = result.series  # type: ignore[attr-defined]
    return SimRun(
        outcomes={k: float(v) for k, v in result.outcomes.items()},  # type: ignore[attr-defined]
        series_means={str(c): float(series[c].mean()) for c in series.columns},
        iae_exits=result.iae_exits,  # type: ignore[attr-defined]
    )


def compute_moments(names: list[str] | tuple[str, ...], runs: list[SimRun]) -> np.ndarray:
    """Moments ``names`` of each run, array of shape (len(runs), len(names))."""
    return np.array([[MOMENTS[n].compute(r) for n in names] for r in runs], dtype=float)
