"""What a PTCE adds: paired effects against the same territory without it (DESIGN 3.2).

Each replication runs the scenario and its counterfactual (the scenario with its ``ptce``
section removed, and the events that act on the PTCE dropped) on the same seed, so the two
share their random draws everywhere but in the PTCE's own streams (common random numbers).
Effects are the mean paired differences with 95 % t intervals. The gain in durable jobs is
also split, person by person, into the gross effect on the persons the pole acted on and the
displacement on everyone else (:func:`decompose`).
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass, field
from multiprocessing import get_context
from pathlib import Path

import numpy as np
import pandas as pd
from scipy import stats

from model import RunResult, TerritoryParams, simulate

#: Effect name -> (outcome it is computed from, label, +1 if more is better / -1 if less is).
EFFECTS: dict[str, tuple[str, str, int]] = {
    "durable_exits": ("iae_exits_durable", "SIAE exits into durable employment", +1),
    "durable_employment": ("durable_employment", "persons in durable jobs (last 12 months)", +1),
    "months_employed_per_person": ("career_months_employed", "months employed per person", +1),
    "long_term_unemployed_share": ("long_term_unemployed_share", "long-term unemployed share",
                                   -1),
    "unemployment_rate": ("unemployment_rate", "unemployment rate", -1),
    "breaks_per_person": ("career_breaks", "breaks into unemployment per person", -1),
    "qualification_gained": ("career_qualification_gained", "qualification levels gained", +1),
    "jobs_created": ("ptce_jobs_created", "jobs created by new activities", +1),
}


def counterfactual(params: TerritoryParams) -> TerritoryParams:
    """The same territory and timeline without the PTCE."""
    events = tuple(ev for ev in params.events
                   if not (ev.set and any(k.startswith("ptce.") for k in ev.set)))
    return params.model_copy(update={"ptce": None, "events": events})


def _outcomes(result: RunResult, months: int) -> dict[str, float]:
    out = dict(result.outcomes)
    out["career_months_employed"] = out["career_share_months_employed"] * months
    return out


#: The decomposition of the gain in durable jobs (:func:`decompose`), in this order.
DECOMPOSITION: tuple[str, ...] = ("gross_durable_jobs_treated", "displacement_durable_jobs",
                                  "net_durable_jobs")
#: States counted as durable jobs (the outcome ``durable_employment``).
DURABLE_STATES: tuple[str, ...] = ("EMPLOYED_DURABLE", "SELF_EMPLOYED")
#: Months at the end of the horizon over which durable jobs are counted.
WINDOW = 12


def durable_months(result: RunResult, months: int, window: int = WINDOW) -> pd.Series:
    """Months each person spent in a durable job (CDI, CDD of 6 months or more, own
    activity) over the last ``window`` months of the horizon, from the run's spells, indexed
    by ``person_id`` (persons with none are absent). Summed over persons and divided by
    ``window`` it is ``durable_employment``, the mean number of persons in durable jobs."""
    spells = result.spells
    if spells.empty and result.outcomes.get("durable_employment", 0.0) > 0:
        raise ValueError("the run kept no spells (simulation.record_spells is off): the "
                         "gross and net effects need them")
    durable = spells[spells["state"].isin(DURABLE_STATES)]
    start = np.maximum(durable["start"].to_numpy(), months - window)
    end = np.minimum(durable["end"].to_numpy(), months)
    overlap = np.maximum(end - start, 0)
    return pd.Series(overlap, index=durable["person_id"].to_numpy()).groupby(level=0).sum()


def situation_at(result: RunResult, person_ids: np.ndarray, months: np.ndarray
                 ) -> np.ndarray:
    """Each person's situation ("STATE|organisation") during month ``months[i]`` of the
    horizon, from the run's spells; "" where the person had no spell then."""
    spells = result.spells
    out = np.full(len(person_ids), "", dtype=object)
    if spells.empty or len(person_ids) == 0:
        return out
    asked = pd.DataFrame({"person_id": np.asarray(person_ids), "month": np.asarray(months),
                          "row": np.arange(len(person_ids))})
    joined = asked.merge(spells[spells["person_id"].isin(asked["person_id"])], on="person_id")
    hit = joined[(joined["start"] <= joined["month"]) & (joined["month"] < joined["end"])]
    out[hit["row"].to_numpy()] = (hit["state"].astype(str) + "|"
                                  + hit["organisation"].astype(str)).to_numpy()
    return out


def decompose(with_ptce: RunResult, without: RunResult, months: int,
              window: int = WINDOW) -> dict[str, float]:
    """Gross, displacement and net effect on durable jobs of one pair of runs on a common
    seed, person by person (persons keep their ids across the pair: same seats, same draws).

    ``gross_durable_jobs_treated``: persons the pole acted on (``meta["ptce_treated"]``)
    against their own counterfactual selves, counting those who were in the same situation
    (state and organisation) in both runs the month before the pole first acted on them. A
    treated person whose situation already differed had been moved by the pole's effect on
    others before it acted on them (the pole picks jobseekers, and the jobseekers of the run
    with the pole include those its beneficiaries displaced): their difference is counted
    with everyone else's in ``displacement_durable_jobs``, whose jobs the treated may have
    taken (or, through new jobs, left); ``net_durable_jobs``: the zone, their sum, equal to
    the paired difference of ``durable_employment``. Each is in persons in durable jobs, mean
    of the last ``window`` months; ``treated_persons`` and ``treated_comparable`` count the
    treated and those of the gross effect."""
    treated = np.asarray(with_ptce.meta.get("ptce_treated", np.empty(0, np.int64)))
    first = np.asarray(with_ptce.meta.get("ptce_treated_month",
                                          np.zeros(treated.size, np.int64)))
    before = np.maximum(first - 1, 0)
    same = situation_at(with_ptce, treated, before) == situation_at(without, treated, before)
    comparable = treated[same]
    a = durable_months(with_ptce, months, window)
    b = durable_months(without, months, window)
    diff = a.sub(b, fill_value=0).astype(float) / window
    gross = float(diff[diff.index.isin(comparable)].sum())
    net = float(diff.sum())
    return {"treated_persons": float(treated.size),
            "treated_comparable": float(comparable.size),
            "gross_durable_jobs_treated": gross,
            "displacement_durable_jobs": net - gross, "net_durable_jobs": net}


def _with_spells(params: TerritoryParams) -> TerritoryParams:
    """``params`` keeping person-level spells, which the decomposition reads."""
    if params.simulation.record_spells:
        return params
    return params.model_copy(update={"simulation": params.simulation.model_copy(
        update={"record_spells": True})})


def _pair(args: tuple[TerritoryParams, TerritoryParams, np.random.SeedSequence]
          ) -> tuple[dict[str, float], dict[str, float], pd.DataFrame, pd.DataFrame]:
    with_ptce, without, seed = (*(_with_spells(x) for x in args[:2]), args[2])
    a = simulate(with_ptce, seed)
    b = simulate(without, seed)
    months = with_ptce.simulation.months
    out_a, out_b = _outcomes(a, months), _outcomes(b, months)
    # the decomposition is a property of the pair: carried on the PTCE arm, zero on the other
    parts = decompose(a, b, months)
    out_a.update(parts)
    out_b.update(dict.fromkeys(parts, 0.0))
    return out_a, out_b, a.series, b.series


@dataclass
class EffectResult:
    """Paired effects of a PTCE scenario.

    Attributes:
        table: one row per effect: ``with_ptce``, ``without``, ``effect`` (mean paired
            difference), ``ci_low``, ``ci_high`` (95 %), ``label``.
        cost: coordination cost over the horizon (mean over replications), EUR.
        cost_per_durable_job: cost over the net gain in persons in durable jobs
            (``net_durable_jobs``), or NaN when the gain is not positive.
        series_with, series_without: monthly series averaged over replications.
        runs: per-replication outcomes, columns ``replication, arm, <outcome>...``.
    """

    scenario: str
    replications: int
    table: pd.DataFrame
    cost: float
    cost_per_durable_job: float
    series_with: pd.DataFrame
    series_without: pd.DataFrame
    runs: pd.DataFrame = field(repr=False)


def _run_pairs(params: TerritoryParams, replications: int, seed: int, workers: int,
               progress: Callable[[int, int], None] | None
               ) -> list[tuple[dict[str, float], dict[str, float], pd.DataFrame, pd.DataFrame]]:
    without = counterfactual(params)
    seeds = np.random.SeedSequence(seed).spawn(replications)
    jobs = [(params, without, s) for s in seeds]
    results = []
    if workers <= 1:
        for i, job in enumerate(jobs):
            results.append(_pair(job))
            if progress:
                progress(i + 1, replications)
    else:
        with ProcessPoolExecutor(workers, mp_context=get_context("spawn")) as pool:
            for i, res in enumerate(pool.map(_pair, jobs)):
                results.append(res)
                if progress:
                    progress(i + 1, replications)
    return results


def _runs_frame(results: list[tuple[dict[str, float], dict[str, float], pd.DataFrame,
                                    pd.DataFrame]]) -> pd.DataFrame:
    rows = []
    for i, (a, b, _, _) in enumerate(results):
        rows.append({"replication": i, "arm": "with_ptce", **a})
        rows.append({"replication": i, "arm": "without", **b})
    return pd.DataFrame(rows)


def paired_differences(params: TerritoryParams, replications: int = 4, seed: int = 0,
                       workers: int = 1) -> pd.DataFrame:
    """Per-replication differences (with PTCE minus without) of every outcome, one row per
    replication: the raw material of :func:`paired_effects`, for any outcome."""
    runs = _runs_frame(_run_pairs(params, replications, seed, workers, None))
    with_ = runs[runs["arm"] == "with_ptce"].set_index("replication").drop(columns="arm")
    wo = runs[runs["arm"] == "without"].set_index("replication").drop(columns="arm")
    return with_ - wo


def mean_interval(values: Sequence[float] | np.ndarray | pd.Series
                  ) -> tuple[float, float, float]:
    """Mean of ``values`` and its 95 % Student t interval: ``(mean, low, high)``; the interval
    of paired differences on common seeds when ``values`` are those differences."""
    values = np.asarray(values, dtype=float)
    n = values.size
    mean = float(values.mean())
    half = float(stats.t.ppf(0.975, n - 1) * values.std(ddof=1) / math.sqrt(n))
    return mean, mean - half, mean + half


def paired_effects(params: TerritoryParams, replications: int = 10, seed: int = 0,
                   workers: int = 1,
                   progress: Callable[[int, int], None] | None = None) -> EffectResult:
    """Run ``replications`` pairs (PTCE, counterfactual) on common seeds and compare them."""
    if params.ptce is None:
        raise ValueError(f"scenario {params.name!r} has no ptce section: nothing to compare")
    if replications < 2:
        raise ValueError("replications must be at least 2 for an interval")
    results = _run_pairs(params, replications, seed, workers, progress)
    runs = _runs_frame(results)
    with_ = runs[runs["arm"] == "with_ptce"].set_index("replication")
    wo = runs[runs["arm"] == "without"].set_index("replication")
    table = []
    for name, (col, label, better) in EFFECTS.items():
        mean, low, high = mean_interval(with_[col] - wo[col])
        table.append({"effect": name, "label": label, "with_ptce": with_[col].mean(),
                      "without": wo[col].mean(), "effect_mean": mean,
                      "ci_low": low, "ci_high": high, "better": better})
    frame = pd.DataFrame(table).set_index("effect")
    cost = float(with_["ptce_coordination_cost"].mean())
    # the net gain in durable jobs (equal to the paired difference of durable_employment)
    extra = float((with_["net_durable_jobs"] - wo["net_durable_jobs"]).mean())
    per_job = cost / extra if extra > 0 else float("nan")
    series_with = sum(r[2] for r in results) / replications  # type: ignore[assignment]
    series_without = sum(r[3] for r in results) / replications  # type: ignore[assignment]
    return EffectResult(scenario=params.name, replications=replications, table=frame,
                        cost=cost, cost_per_durable_job=float(per_job),
                        series_with=series_with, series_without=series_without, runs=runs)


def plot_effects(result: EffectResult, path: Path) -> Path:
    """A PNG: relative effects with 95 % intervals, and durable employment over time."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    fig, (ax1, ax3, ax2) = plt.subplots(1, 3, figsize=(18, 5),
                                        gridspec_kw={"width_ratios": [1.2, 0.7, 1]})
    frame = result.table
    base = frame["without"].replace(0, np.nan).abs()
    rel = 100 * frame["effect_mean"] / base
    lo = 100 * frame["ci_low"] / base
    hi = 100 * frame["ci_high"] / base
    shown = rel.dropna()
    y = np.arange(len(shown))
    # green where the territory gains (more of a good, less of a bad), orange where it loses
    colors = ["#2a9d8f" if v * frame.loc[i, "better"] >= 0 else "#e76f51"
              for i, v in shown.items()]
    ax1.barh(y, shown, color=colors)
    ax1.errorbar(shown, y, xerr=[shown - lo[shown.index], hi[shown.index] - shown],
                 fmt="none", ecolor="#264653", capsize=3)
    ax1.set_yticks(y, [frame.loc[i, "label"] for i in shown.index])
    ax1.axvline(0, color="#444444", lw=0.8)
    ax1.set_xlabel("effect, % of the territory without the PTCE (95 % interval); "
                   "green = better")
    ax1.invert_yaxis()
    # gross, displacement and net side by side, each with its 95 % interval
    runs = result.runs
    with_ = runs[runs["arm"] == "with_ptce"].set_index("replication")
    wo = runs[runs["arm"] == "without"].set_index("replication")
    parts = [mean_interval(with_[k] - wo[k]) for k in DECOMPOSITION]
    means = np.array([m for m, _, _ in parts])
    ax3.bar(np.arange(3), means, color=["#2a9d8f", "#e76f51", "#264653"], width=0.6)
    ax3.errorbar(np.arange(3), means, yerr=[[m - lo for m, lo, _ in parts],
                                           [hi - m for m, _, hi in parts]],
                 fmt="none", ecolor="#1d2a33", capsize=4)
    ax3.axhline(0, color="#444444", lw=0.8)
    ax3.set_xticks(np.arange(3), ["gross\n(acted on)", "displacement\n(the others)",
                                  "net\n(the zone)"])
    ax3.set_ylabel("additional persons in durable jobs (last 12 months)")
    ax3.set_title("Gross, displacement and net (95 % intervals)")
    sw, so = result.series_with, result.series_without
    durable_w = sw["n_employed_durable"] + sw["n_self_employed"]
    durable_o = so["n_employed_durable"] + so["n_self_employed"]
    ax2.plot(sw.index, durable_w - durable_o, color="#2a9d8f")
    gap = sw["ptce_capacity"] <= 0  # months without coordination (funding gaps)
    if gap.any():
        ax2.fill_between(sw.index, 0, 1, where=gap.to_numpy(), color="#e9c46a", alpha=0.35,
                         transform=ax2.get_xaxis_transform(), label="no coordination funding")
        ax2.legend(loc="upper left")
    ax2.axhline(0, color="#444444", lw=0.8)
    ax2.set_xlabel("month")
    ax2.set_ylabel("additional persons in durable jobs")
    ax2.set_title("PTCE minus counterfactual (mean of replications)")
    cost = ("n/a" if math.isnan(result.cost_per_durable_job)
            else f"{result.cost_per_durable_job:,.0f} EUR")
    fig.suptitle(f"{result.scenario}: what the PTCE adds ({result.replications} paired "
                 f"replications; cost per net durable job {cost})")
    fig.tight_layout()
    fig.savefig(path, dpi=110)
    plt.close(fig)
    return path
