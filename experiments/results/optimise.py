"""The mix of PTCE levers that does most for a coordination budget (multi-objective search).

A *mix* is, for each lever of :data:`model.params.LEVERS`, whether it is on and its intensity
(a grid of 0.05 to 1 by 0.05), and the coordinator's FTE (``coordinator_fte``, FTE per 20,000
persons, by steps of 0.1 from 0.5). Its yearly coordination cost is FTE x the cost of one FTE,
the scenario's own ``budget_per_year / coordinator_fte`` (110,000 / 2 = 55,000 EUR a year by
default; an assumption: the model counts no other cost of the pole), and the mix is run with
``budget_per_year`` set to that cost. A mix whose yearly cost exceeds the budget is
*infeasible*: it is passed to Optuna's NSGA-II as a constraint (``Trial.set_constraint``,
violation = cost - budget, feasible at 0 or less), not as a penalty, so a feasible mix always
beats an infeasible one and the objective values stay the simulated effects (infeasible mixes
are simulated too). The FTE range goes up to 1.25 x what the budget
pays, so the search sees the edge of the budget.

Objectives are effects of :data:`experiments.results.effects.EFFECTS` (the paired difference,
the pole minus the same territory without it on the same seed), maximised when more is better
and minimised otherwise. By default ``durable_employment`` (additional persons in durable jobs
or own activity, mean of the last 12 months: the net durable jobs) and
``months_employed_per_person`` (career security). Every trial is evaluated on the same seeds,
``SeedSequence(seed).spawn(R)`` (common random numbers, the seeds of
:func:`~experiments.results.effects.paired_effects` with the same ``seed``), so the runs
without the pole are the same for every trial and computed once. The best mixes are then
re-evaluated on K fresh seeds, children ``R .. R + K - 1`` of the same root, disjoint from the
search seeds.
"""

from __future__ import annotations

import hashlib
import json
import math
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from experiments.results import effects
from model import TerritoryParams, simulate, with_values
from model.params import LEVERS

#: The default objectives: net durable jobs and career security.
DEFAULT_OBJECTIVES: tuple[str, ...] = ("durable_employment", "months_employed_per_person")
#: Axis labels of the figure, in French, with their units.
FRENCH_AXES: dict[str, str] = {
    "durable_exits": "sorties de SIAE vers l'emploi durable supplémentaires (personnes)",
    "durable_employment": "emplois durables nets supplémentaires (personnes, moyenne des "
                          "12 derniers mois)",
    "months_employed_per_person": "mois en emploi par personne (écart, mois sur la période)",
    "long_term_unemployed_share": "part des chômeurs de longue durée (écart, part)",
    "unemployment_rate": "taux de chômage (écart, part de la population active)",
    "breaks_per_person": "ruptures vers le chômage par personne (écart, nombre)",
    "qualification_gained": "niveaux de qualification gagnés par personne (écart, niveaux)",
    "jobs_created": "emplois créés par les nouvelles activités (postes)",
}
FTE_MIN = 0.5
FTE_STEP = 0.1
FTE_MAX = 100.0  # the bound of PTCEParams.coordinator_fte
INTENSITY_MIN, INTENSITY_MAX, INTENSITY_STEP = 0.05, 1.0, 0.05
#: Fallback cost of one FTE (PTCEParams defaults: 110,000 EUR a year for 2 FTE).
DEFAULT_COST_PER_FTE = 55_000.0
#: NSGA-II population (the first generation is drawn at random).
POPULATION = 20
#: At most this many mixes of the front are re-evaluated on fresh seeds.
MAX_FRESH = 5


class OptimiseError(ValueError):
    """Bad input; ``param`` names the argument or option at fault (``--budget``)."""

    def __init__(self, message: str, param: str) -> None:
        super().__init__(message)
        self.param = param


def check_objectives(names: Iterable[str]) -> tuple[str, ...]:
    """The objective names, deduplicated in order; an unknown or missing name raises."""
    wanted = [n.strip() for item in names for n in item.split(",") if n.strip()]
    if not wanted:
        raise OptimiseError(f"no objective given; valid: {', '.join(effects.EFFECTS)}",
                            "--objectives")
    unknown = [n for n in wanted if n not in effects.EFFECTS]
    if unknown:
        raise OptimiseError(f"unknown objective {', '.join(map(repr, unknown))}; valid: "
                            f"{', '.join(effects.EFFECTS)}", "--objectives")
    return tuple(dict.fromkeys(wanted))


def cost_per_fte(params: TerritoryParams) -> float:
    """Yearly coordination cost of one FTE: the scenario's budget over its FTE."""
    p = params.ptce
    if p is None or p.coordinator_fte <= 0 or p.budget_per_year <= 0:
        return DEFAULT_COST_PER_FTE
    return p.budget_per_year / p.coordinator_fte


def fte_bounds(budget: float, unit_cost: float) -> tuple[float, float]:
    """The searched FTE range: from :data:`FTE_MIN` to 1.25 x what the budget pays."""
    high = math.ceil(1.25 * budget / unit_cost / FTE_STEP) * FTE_STEP
    return FTE_MIN, round(min(FTE_MAX, max(high, FTE_MIN + FTE_STEP)), 1)


def check_budget(budget: float, params: TerritoryParams) -> None:
    unit = cost_per_fte(params)
    if not math.isfinite(budget) or budget < unit:
        raise OptimiseError(
            f"{budget:,.0f} EUR a year does not pay one coordinator FTE ({unit:,.0f} EUR a "
            "year: the scenario's budget_per_year over its coordinator_fte)", "--budget")


@dataclass(frozen=True)
class Mix:
    """A mix of levers: FTE, and for each lever (on, intensity); intensity None when off."""

    fte: float
    levers: tuple[tuple[str, bool, float | None], ...]

    @classmethod
    def from_params(cls, values: dict[str, Any]) -> Mix:
        levers = tuple((name, bool(values[f"{name}.enabled"]),
                        round(float(values[f"{name}.intensity"]), 2)
                        if values[f"{name}.enabled"] else None) for name in LEVERS)
        return cls(fte=round(float(values["coordinator_fte"]), 1), levers=levers)

    def cost(self, unit_cost: float) -> float:
        return self.fte * unit_cost

    def columns(self) -> dict[str, Any]:
        out: dict[str, Any] = {"coordinator_fte": self.fte}
        for name, on, intensity in self.levers:
            out[name] = on
            out[f"{name}_intensity"] = intensity if on else float("nan")
        return out

    def apply(self, params: TerritoryParams, unit_cost: float) -> TerritoryParams:
        """``params`` with this mix; events that would set the searched fields are dropped
        from those fields (the mix holds for the whole horizon)."""
        searched = self.paths()
        events = []
        for ev in params.events:
            if ev.set and any(k in searched for k in ev.set):
                kept = {k: v for k, v in ev.set.items() if k not in searched}
                if not kept:
                    continue
                ev = ev.model_copy(update={"set": kept})
            events.append(ev)
        base = params.model_copy(update={"events": tuple(events)})
        updates: dict[str, Any] = {"ptce.coordinator_fte": self.fte,
                                   "ptce.budget_per_year": self.cost(unit_cost)}
        for name, on, intensity in self.levers:
            updates[f"ptce.{name}.enabled"] = on
            if on:
                updates[f"ptce.{name}.intensity"] = intensity
        return with_values(base, updates)

    @staticmethod
    def paths() -> set[str]:
        return ({"ptce.coordinator_fte", "ptce.budget_per_year"}
                | {f"ptce.{n}.{f}" for n in LEVERS for f in ("enabled", "intensity")})


def search_seeds(seed: int, replications: int) -> list[np.random.SeedSequence]:
    """The seeds every trial is run on (those of ``paired_effects(..., seed=seed)``)."""
    return np.random.SeedSequence(seed).spawn(replications)


def fresh_seeds(seed: int, replications: int, k: int) -> list[np.random.SeedSequence]:
    """K seeds disjoint from :func:`search_seeds`: children R .. R + K - 1 of the same root."""
    return np.random.SeedSequence(seed).spawn(replications + k)[replications:]


def _key(seed: np.random.SeedSequence) -> tuple[Any, ...]:
    return (seed.entropy, tuple(seed.spawn_key))


class Evaluator:
    """Paired effects of mixes on given seeds; the runs without the pole are kept per seed
    (they do not depend on the mix)."""

    def __init__(self, params: TerritoryParams, objectives: Sequence[str]) -> None:
        self.params = params
        self.objectives = tuple(objectives)
        self.without = effects.counterfactual(params)
        self._cache: dict[tuple[Any, ...], dict[str, float]] = {}
        #: every seed a simulation ran on, as (entropy, spawn key), in order (for audits)
        self.seeds_used: list[tuple[Any, ...]] = []

    def _run(self, params: TerritoryParams, seed: np.random.SeedSequence) -> dict[str, float]:
        self.seeds_used.append(_key(seed))
        # a copy: simulate may spawn children from it
        fresh = np.random.SeedSequence(seed.entropy, spawn_key=seed.spawn_key)
        return effects._outcomes(simulate(params, fresh), params.simulation.months)

    def _baseline(self, seed: np.random.SeedSequence) -> dict[str, float]:
        key = _key(seed)
        if key not in self._cache:
            self._cache[key] = self._run(self.without, seed)
        return self._cache[key]

    def evaluate(self, params: TerritoryParams, seeds: Sequence[np.random.SeedSequence]
                 ) -> dict[str, tuple[float, float, float]]:
        """objective -> (mean paired difference, 95 % t interval low, high)."""
        rows = [(self._run(params, s), self._baseline(s)) for s in seeds]
        out = {}
        for name in self.objectives:
            col = effects.EFFECTS[name][0]
            out[name] = effects.mean_interval([a[col] - b[col] for a, b in rows])
        return out


def directions(objectives: Sequence[str]) -> list[str]:
    return ["maximize" if effects.EFFECTS[n][2] > 0 else "minimize" for n in objectives]


def study_name_for(scenario: str, params: TerritoryParams, budget: float,
                   objectives: Sequence[str], seed: int, replications: int) -> str:
    """Scenario, budget, objectives and seed in words; a hash of the parameters (the scenario
    file's content, --persons, --months) and replications, so that a changed scenario or size
    starts a new study rather than mixing trials."""
    digest = hashlib.sha256(json.dumps(
        {"params": params.model_dump(mode="json"), "replications": replications},
        sort_keys=True).encode()).hexdigest()[:10]
    return (f"optimise-{scenario}-budget{budget:.0f}-{'+'.join(objectives)}-seed{seed}-"
            f"{digest}")


def make_sampler(seed: int, done: int) -> Any:
    """NSGA-II seeded by the root seed and the trials already in the study, so a resumed
    study neither repeats its first trials nor depends on anything but its history."""
    import optuna

    state = int(np.random.SeedSequence([seed, done]).generate_state(1)[0])
    return optuna.samplers.NSGAIISampler(population_size=POPULATION, seed=state)


def open_study(url: str, name: str, objectives: Sequence[str], sampler: Any) -> Any:
    import optuna

    optuna.logging.set_verbosity(optuna.logging.WARNING)
    kwargs: dict[str, Any] = {}
    if url.startswith("sqlite"):
        kwargs["connect_args"] = {"timeout": 30}
    storage = optuna.storages.RDBStorage(url, engine_kwargs=kwargs)
    return optuna.create_study(study_name=name, storage=storage, sampler=sampler,
                               directions=directions(objectives), load_if_exists=True)


def complete_trials(study: Any) -> list[Any]:
    import optuna

    return [t for t in study.get_trials(deepcopy=False)
            if t.state == optuna.trial.TrialState.COMPLETE]


def suggest(trial: Any, low: float, high: float) -> Mix:
    values: dict[str, Any] = {"coordinator_fte": trial.suggest_float(
        "coordinator_fte", low, high, step=FTE_STEP)}
    for name in LEVERS:
        values[f"{name}.enabled"] = trial.suggest_categorical(f"{name}.enabled", [True, False])
        values[f"{name}.intensity"] = trial.suggest_float(
            f"{name}.intensity", INTENSITY_MIN, INTENSITY_MAX, step=INTENSITY_STEP)
    return Mix.from_params(values)


def dominates(a: Sequence[float], b: Sequence[float], signs: Sequence[int]) -> bool:
    """``a`` at least as good as ``b`` on every objective and better on one (signs +1 when
    more is better)."""
    pairs = [(s * x, s * y) for x, y, s in zip(a, b, signs, strict=True)]
    return all(x >= y for x, y in pairs) and any(x > y for x, y in pairs)


def pareto_front(trials: Sequence[Any], signs: Sequence[int]) -> list[Any]:
    """The feasible trials no feasible trial dominates, one per mix (the first), in order."""
    feasible = [t for t in trials if t.user_attrs["cost"] <= t.user_attrs["budget"]]
    front, seen = [], set()
    for t in feasible:
        if any(dominates(o.values, t.values, signs) for o in feasible):
            continue
        mix = Mix.from_params(t.params)
        if mix not in seen:
            seen.add(mix)
            front.append(t)
    return front


def pick_spread(rows: pd.DataFrame, first: str, n: int) -> pd.DataFrame:
    """At most ``n`` rows spread along the front (both ends kept), sorted on ``first``."""
    if len(rows) <= n:
        return rows
    idx = sorted({round(i) for i in np.linspace(0, len(rows) - 1, n)})
    return rows.iloc[idx]


@dataclass
class OptimiseResult:
    study_name: str
    objectives: tuple[str, ...]
    budget: float
    unit_cost: float
    trials: int
    trials_run: int
    pareto: pd.DataFrame
    fresh: pd.DataFrame | None
    search_seeds: list[list[int]]
    fresh_seed_keys: list[list[int]]
    all_trials: pd.DataFrame = field(repr=False)


def _row(mix: Mix, cost: float, values: dict[str, tuple[float, float, float]],
         objectives: Sequence[str], trial: int) -> dict[str, Any]:
    row: dict[str, Any] = {"trial": trial, **mix.columns(), "yearly_cost": round(cost, 2)}
    for name in objectives:
        mean, low, high = values[name]
        row[f"{name}_mean"], row[f"{name}_ci_low"], row[f"{name}_ci_high"] = mean, low, high
    return row


def optimise(params: TerritoryParams, *, scenario: str, budget: float, url: str,
             objectives: Sequence[str] = DEFAULT_OBJECTIVES, trials: int = 40,
             replications: int = 4, seed: int = 1, fresh: int | None = None,
             on_trial: Callable[[int, int], None] | None = None,
             evaluator: Evaluator | None = None) -> OptimiseResult:
    """Run (or resume) the study until it holds ``trials`` complete trials, then take its
    feasible front and re-evaluate at most :data:`MAX_FRESH` of its mixes on ``fresh`` new
    seeds (default 2 x ``replications``; 0: none). ``on_trial(done, total)`` after each."""
    if params.ptce is None:
        raise OptimiseError(f"scenario {params.name!r} has no ptce section", "SCENARIO")
    objectives = check_objectives(objectives)
    if trials < 1:
        raise OptimiseError(f"{trials}: at least 1 trial", "--trials")
    if replications < 2:
        raise OptimiseError(f"{replications}: at least 2 replications", "--replications")
    k = 2 * replications if fresh is None else fresh
    if k == 1 or k < 0:
        raise OptimiseError(f"{k}: 0 (no re-evaluation) or at least 2", "--fresh-seeds")
    check_budget(budget, params)
    unit = cost_per_fte(params)
    low, high = fte_bounds(budget, unit)
    evaluator = evaluator or Evaluator(params, objectives)
    seeds = search_seeds(seed, replications)
    name = study_name_for(scenario, params, budget, objectives, seed, replications)

    import optuna

    study = open_study(url, name, objectives, make_sampler(seed, 0))
    done = len(complete_trials(study))
    study.sampler = make_sampler(seed, done)
    study.set_user_attr("settings", {"scenario": scenario, "budget": budget, "seed": seed,
                                     "replications": replications, "cost_per_fte": unit,
                                     "objectives": list(objectives), "fte_range": [low, high]})

    def objective(trial: optuna.Trial) -> list[float]:
        mix = suggest(trial, low, high)
        cost = mix.cost(unit)
        trial.set_user_attr("cost", cost)
        trial.set_user_attr("budget", budget)
        trial.set_constraint("over_budget_eur", cost - budget)  # feasible when <= 0
        values = evaluator.evaluate(mix.apply(params, unit), seeds)
        for n in objectives:
            trial.set_user_attr(f"{n}_ci", [values[n][1], values[n][2]])
        return [values[n][0] for n in objectives]

    missing = max(0, trials - done)
    finished = done

    def callback(_study: Any, _trial: Any) -> None:
        nonlocal finished
        finished += 1
        if on_trial:
            on_trial(finished, trials)

    if on_trial:
        on_trial(done, trials)
    if missing:
        study.optimize(objective, n_trials=missing, callbacks=[callback])

    complete = complete_trials(study)
    signs = [effects.EFFECTS[n][2] for n in objectives]

    def stats_of(t: Any) -> dict[str, tuple[float, float, float]]:
        return {n: (v, *t.user_attrs[f"{n}_ci"]) for n, v in zip(objectives, t.values,
                                                                   strict=True)}

    front = pareto_front(complete, signs)
    rows = [_row(Mix.from_params(t.params), t.user_attrs["cost"], stats_of(t), objectives,
                 t.number) for t in front]
    first = f"{objectives[0]}_mean"
    pareto = pd.DataFrame(rows)
    pareto = pareto.sort_values(first, ascending=signs[0] < 0, kind="stable").reset_index(
        drop=True)
    everything = pd.DataFrame([
        {**_row(Mix.from_params(t.params), t.user_attrs["cost"], stats_of(t), objectives,
                t.number), "feasible": t.user_attrs["cost"] <= budget} for t in complete])

    fresh_frame = None
    new_seeds = fresh_seeds(seed, replications, k) if k else []
    if k:
        chosen = pick_spread(pareto, first, MAX_FRESH)
        by_number = {t.number: t for t in front}
        fresh_rows = []
        for number in chosen["trial"]:
            mix = Mix.from_params(by_number[int(number)].params)
            values = evaluator.evaluate(mix.apply(params, unit), new_seeds)
            fresh_rows.append(_row(mix, mix.cost(unit), values, objectives, int(number)))
        fresh_frame = pd.DataFrame(fresh_rows)
    return OptimiseResult(
        study_name=name, objectives=tuple(objectives), budget=budget, unit_cost=unit,
        trials=len(complete), trials_run=finished - done, pareto=pareto, fresh=fresh_frame,
        search_seeds=[list(s.spawn_key) for s in seeds],
        fresh_seed_keys=[list(s.spawn_key) for s in new_seeds], all_trials=everything)


def _euros(value: float) -> str:
    return f"{value:,.0f}".replace(",", "\u202f") + " €"


def plot_front(result: OptimiseResult, path: Path, title: str) -> Path:
    """The front: the first two objectives on the axes (one objective: cost and objective),
    every trial in grey, infeasible ones crossed, the front with 95 % intervals and, when
    present, the same mixes re-evaluated on fresh seeds."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    objs = result.objectives
    if len(objs) >= 2:
        x, y = objs[0], objs[1]
        xlabel, ylabel = FRENCH_AXES[x], FRENCH_AXES[y]
    else:
        x, y = None, objs[0]
        xlabel, ylabel = "coût annuel de la coordination (euros par an)", FRENCH_AXES[y]

    def xs(frame: pd.DataFrame, suffix: str = "mean") -> pd.Series:
        return frame["yearly_cost"] if x is None else frame[f"{x}_{suffix}"]

    fig, ax = plt.subplots(figsize=(9, 6.5))
    every = result.all_trials
    ok = every[every["feasible"]]
    over = every[~every["feasible"]]
    ax.scatter(xs(ok), ok[f"{y}_mean"], color="#bbbbbb", s=18, label="mélanges essayés")
    if len(over):
        ax.scatter(xs(over), over[f"{y}_mean"], color="#e76f51", marker="x", s=18,
                   label="au-delà du budget")

    def draw(frame: pd.DataFrame, color: str, marker: str, label: str) -> None:
        px, py = xs(frame), frame[f"{y}_mean"]
        yerr = [py - frame[f"{y}_ci_low"], frame[f"{y}_ci_high"] - py]
        xerr = None if x is None else [px - frame[f"{x}_ci_low"], frame[f"{x}_ci_high"] - px]
        ax.errorbar(px, py, xerr=xerr, yerr=yerr, fmt=marker, color=color, ecolor=color,
                    capsize=3, alpha=0.9, label=label)

    draw(result.pareto, "#2a9d8f", "o", "mélanges non dominés (recherche, IC 95 %)")
    if result.fresh is not None and len(result.fresh):
        draw(result.fresh, "#264653", "s", "les mêmes sur de nouvelles graines (IC 95 %)")
        # a dotted line from each mix's search estimate to its fresh-seed estimate
        pairs = result.fresh.merge(result.pareto, on="trial", suffixes=("_f", "_s"))
        for _, r in pairs.iterrows():
            x0 = r["yearly_cost_s"] if x is None else r[f"{x}_mean_s"]
            x1 = r["yearly_cost_f"] if x is None else r[f"{x}_mean_f"]
            ax.plot([x0, x1], [r[f"{y}_mean_s"], r[f"{y}_mean_f"]], ls=":", color="#264653",
                    lw=0.8)
    ax.axhline(0, color="#444444", lw=0.6)
    if x is not None:
        ax.axvline(0, color="#444444", lw=0.6)
    ax.set_xlabel(xlabel)
    ax.set_ylabel(ylabel)
    ax.set_title(f"{title} : budget de coordination {_euros(result.budget)} par an, "
                 f"{result.trials} essais", fontsize=10)
    ax.legend(fontsize=8, loc="best")
    fig.tight_layout()
    fig.savefig(path, dpi=110)
    plt.close(fig)
    return path


def write_outputs(result: OptimiseResult, target: Path, *, title: str,
                  manifest: dict[str, Any]) -> list[Path]:
    """pareto.csv, pareto.png, pareto_fresh.csv (if re-evaluated), trials.csv and
    optimise.json, written all or nothing into ``target``."""
    from experiments.results.outputs import atomic_dir

    names = ["pareto.csv", "pareto.png"]
    with atomic_dir(target) as tmp:
        result.pareto.to_csv(tmp / "pareto.csv", index=False)
        plot_front(result, tmp / "pareto.png", title)
        if result.fresh is not None:
            result.fresh.to_csv(tmp / "pareto_fresh.csv", index=False)
            names.append("pareto_fresh.csv")
        result.all_trials.to_csv(tmp / "trials.csv", index=False)
        info = {**manifest, "study": result.study_name, "objectives": list(result.objectives),
                "budget": result.budget, "cost_per_fte": result.unit_cost,
                "trials": result.trials, "trials_run": result.trials_run,
                "search_seeds": result.search_seeds, "fresh_seeds": result.fresh_seed_keys,
                "constraint": "yearly_cost <= budget (Optuna constraint over_budget_eur)"}
        (tmp / "optimise.json").write_text(json.dumps(info, indent=2, default=str) + "\n",
                                           encoding="utf-8")
        names += ["trials.csv", "optimise.json"]
    return [Path(target) / n for n in names]
