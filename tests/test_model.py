"""Tests of the territory model (DESIGN 4; STYLE "What that means here", point 6).

Invariants are checked every month through ``model.add_hook``; determinism, a known-answer
test (unemployment converges to s / (s + f)), events at their month, independence of the
random streams, the SIAE exit classification, the ``JobSeeker`` views, careers, spells and the
quarterly transition matrix. Every test asserts an outcome and can fail.
"""

from __future__ import annotations

import itertools
import math
from collections.abc import Callable
from typing import Any

import numpy as np
import pandas as pd
import pandas.testing as pdt
import pytest
from conftest import SMALL, shock_territory, siae_stress_territory, small_territory
from hypothesis import given, settings
from hypothesis import strategies as st

from model import (
    PHASES,
    TRANSITION_CLASSES,
    Enterprise,
    ExitOutcome,
    JobSeeker,
    RunResult,
    State,
    TerritoryModel,
    TerritoryParams,
    build_model,
    run_model,
    simulate,
    with_values,
)
from model.siae import SIAE
from model.states import TRANSITION_CLASS, S
from model.training import TrainingBody

STATE_COLUMNS = [f"n_{s.name.lower()}" for s in State]
WAGE_STATES = (S.EMPLOYED_TEMP, S.EMPLOYED_DURABLE)

Check = Callable[[TerritoryModel], list[str]]


# --------------------------------------------------------------------------- helpers
def run_checked(params: TerritoryParams, seed: int,
                checks: dict[str, list[Check]]) -> tuple[TerritoryModel, RunResult, list[str]]:
    """Run ``params`` with ``checks`` hooked after their phases, every month (burn-in
    included). Returns the model, its result and the problems found, each tagged with the
    absolute month and the phase."""
    model = build_model(params, seed)
    problems: list[str] = []

    def hook(phase: str, check: Check) -> Callable[[], None]:
        def run() -> None:
            for msg in check(model):
                problems.append(f"month {model.month} after {phase}: {msg}")
        return run

    for phase, fns in checks.items():
        for fn in fns:
            model.add_hook(phase, hook(phase, fn))
    result = run_model(model)
    return model, result, problems


def max_prolongation(model: TerritoryModel) -> int:
    """The largest total prolongation of a Pass IAE any reason allows, months."""
    rules = model.params.siae_rules
    return max(rules.prolongation_cap_disability, rules.prolongation_cap_senior,
               rules.prolongation_cap_severe)


def cddi_limit(model: TerritoryModel) -> np.ndarray:
    """Legal CDDI limit of every person on the current Pass IAE, months: 24 plus the
    prolongations granted, never beyond the largest cap (shape (n,)). No age gives more
    automatically (the old rule gave 60 months from age 50)."""
    rules, p = model.params.siae_rules, model.persons
    return rules.cddi_max_months + np.minimum(p.pass_prolonged, max_prolongation(model))


def independent_headcount(model: TerritoryModel) -> np.ndarray:
    """Employees per firm counted from the states, not from the firms' bookkeeping."""
    p = model.persons
    wage = np.isin(p.state, WAGE_STATES)
    return np.bincount(p.employer[wage], minlength=model.firms.n)


def first(items: np.ndarray, k: int = 5) -> list[int]:
    return [int(x) for x in np.asarray(items)[:k]]


# --------------------------------------------------------------------------- invariants
def check_one_valid_state(m: TerritoryModel) -> list[str]:
    p = m.persons
    out = []
    bad = np.flatnonzero(~np.isin(p.state, [int(s) for s in State]))
    if bad.size:
        out.append(f"{bad.size} persons with an invalid state code, slots {first(bad)}")
    links = (p.employer >= 0).astype(int) + (p.siae >= 0) + (p.programme >= 0)
    two = np.flatnonzero(links > 1)
    if two.size:
        out.append(f"{two.size} persons linked to two organisations, slots {first(two)}")
    return out


def check_links_match_state(m: TerritoryModel) -> list[str]:
    p = m.persons
    out = []
    for name, link, states, n_org in (
        ("employer", p.employer, WAGE_STATES, m.firms.n),
        ("siae", p.siae, (S.SIAE,), m.structures.n),
        ("programme", p.programme, (S.TRAINING,), m.programmes.n),
    ):
        in_state = np.isin(p.state, states)
        has = link >= 0
        wrong = np.flatnonzero(in_state != has)
        if wrong.size:
            out.append(f"{name} set iff state {states} broken for {wrong.size} persons, "
                       f"slots {first(wrong)}, states {first(p.state[wrong])}")
        out_of_range = np.flatnonzero(link >= n_org)
        if out_of_range.size:
            out.append(f"{name} index beyond the {n_org} organisations")
    return out


def check_headcounts(m: TerritoryModel) -> list[str]:
    counted = m.firms.count_headcount(m.persons)
    independent = independent_headcount(m)
    out = []
    if not np.array_equal(counted, independent):
        diff = np.flatnonzero(counted != independent)
        out.append(f"count_headcount differs from an independent count at firms {first(diff)}")
    n_wage = int(np.isin(m.persons.state, WAGE_STATES).sum())
    if int(independent.sum()) != n_wage:
        out.append(f"{n_wage} wage earners but {int(independent.sum())} counted in firms")
    return out


def check_headcount_within_positions(m: TerritoryModel) -> list[str]:
    head = independent_headcount(m)
    over = np.flatnonzero(head > m.firms.positions)
    if over.size:
        return [f"{over.size} firms employ more than their positions "
                f"(by {int((head - m.firms.positions)[over].sum())} in total), firms {first(over)}"]
    return []


def check_siae_posts(m: TerritoryModel) -> list[str]:
    p = m.persons
    occupancy = np.bincount(p.siae[p.state == S.SIAE], minlength=m.structures.n)
    over = np.flatnonzero(occupancy > m.structures.posts)
    return [f"SIAE posts exceeded at structures {first(over)}"] if over.size else []


def check_training_seats(m: TerritoryModel) -> list[str]:
    p = m.persons
    occupancy = np.bincount(p.programme[p.state == S.TRAINING], minlength=m.programmes.n)
    over = np.flatnonzero(occupancy > m.programmes.seats)
    return [f"training seats exceeded at programmes {first(over)}"] if over.size else []


def check_pass_iae_months(m: TerritoryModel) -> list[str]:
    """Nobody has used more months of their Pass IAE than it lasts (24 months plus the
    prolongations granted), no prolongation exceeds the largest cap or a step's maximum
    times the steps, and a Pass lasts exactly 24 months plus its prolongations."""
    p, rules = m.persons, m.params.siae_rules
    out = []
    limit = cddi_limit(m)
    used = np.flatnonzero(p.iae_months > limit)
    if used.size:
        out.append(f"{used.size} persons used more Pass IAE months than their limit: "
                   f"iae_months {first(p.iae_months[used])} > limit {first(limit[used])}, "
                   f"states {first(p.state[used])}")
    over = np.flatnonzero(p.pass_prolonged > max_prolongation(m))
    if over.size:
        out.append(f"{over.size} Passes prolonged beyond the caps: {first(p.pass_prolonged[over])}")
    held = np.flatnonzero(p.pass_start >= 0)
    length = p.pass_end[held] - p.pass_start[held]
    wrong = held[length != rules.cddi_max_months + p.pass_prolonged[held]]
    if wrong.size:
        out.append(f"{wrong.size} Passes whose length is not 24 months plus prolongations")
    return out


def check_cddi_within_limit(m: TerritoryModel) -> list[str]:
    """No CDDI in progress has lasted, or is planned to run on, beyond the person's limit,
    and none runs past its end."""
    p = m.persons
    limit = cddi_limit(m)
    out = []
    in_siae = np.flatnonzero(p.state == S.SIAE)
    so_far = p.months_in_state[in_siae] + 1
    long = in_siae[so_far > limit[in_siae]]
    if long.size:
        out.append(f"{long.size} CDDI longer than the limit: "
                   f"{first(so_far[so_far > limit[in_siae]])}")
    left = p.contract_end[in_siae] - m.month
    planned = in_siae[left > limit[in_siae]]
    if planned.size:
        out.append(f"{planned.size} CDDI ending more than the limit from now")
    overdue = in_siae[left <= 0]
    if overdue.size:
        out.append(f"{overdue.size} persons still on a CDDI past its end")
    # no CDDI beyond the person's Pass IAE (those placed by hand in tests have none)
    beyond = in_siae[(p.pass_end[in_siae] >= 0)
                     & (p.contract_end[in_siae] > p.pass_end[in_siae])]
    if beyond.size:
        out.append(f"{beyond.size} CDDI ending after the person's Pass IAE")
    return out


def check_persons_conserved(m: TerritoryModel) -> list[str]:
    p, n = m.persons, m.params.population.persons
    out = []
    sizes = {name: getattr(p, name).shape[0] for name in
             ("state", "person_id", "employer", "siae", "programme", "age_months")}
    if set(sizes.values()) != {n}:
        out.append(f"store sizes {sizes} != {n} persons")
    if len(m.agents_by_type[JobSeeker]) != n:
        out.append(f"{len(m.agents_by_type[JobSeeker])} JobSeeker agents for {n} persons")
    if np.unique(p.person_id).size != n:
        out.append("duplicate person_id")
    return out


def check_counters_non_negative(m: TerritoryModel) -> list[str]:
    p = m.persons
    out = []
    for name in ("months_in_state", "unemployment_spell", "iae_months", "age_months"):
        neg = np.flatnonzero(getattr(p, name) < 0)
        if neg.size:
            out.append(f"{name} negative for slots {first(neg)}")
    stray = np.flatnonzero((p.unemployment_spell > 0)
                           & ~np.isin(p.state, (S.UNEMPLOYED, S.TRAINING)))
    if stray.size:
        out.append(f"unemployment spell running outside unemployment, slots {first(stray)}")
    return out


MONTHLY_INVARIANTS: dict[str, Check] = {
    "one_valid_state": check_one_valid_state,
    "links_match_state": check_links_match_state,
    "headcounts": check_headcounts,
    "siae_posts": check_siae_posts,
    "training_seats": check_training_seats,
    "pass_iae_months": check_pass_iae_months,
    "cddi_within_limit": check_cddi_within_limit,
    "persons_conserved": check_persons_conserved,
    "counters_non_negative": check_counters_non_negative,
}


@pytest.mark.parametrize("name", sorted(MONTHLY_INVARIANTS))
def test_invariant_holds_every_month(scenario: TerritoryParams, name: str) -> None:
    check = MONTHLY_INVARIANTS[name]
    # after every phase for the structural ones: nothing may break them even inside a month
    phases = [p for p in PHASES if p != "events"] if name in (
        "one_valid_state", "links_match_state", "persons_conserved") else ["bookkeeping"]
    _, _, problems = run_checked(scenario, 11, {ph: [check] for ph in phases})
    assert not problems, f"{len(problems)} violations, first: {problems[:3]}"


def test_headcount_within_positions_after_demand_and_matching(
        scenario: TerritoryParams) -> None:
    """A negative shock may leave more staff than positions until the demand phase lays the
    excess off; from then on (and after matching) no firm employs beyond its positions."""
    check = check_headcount_within_positions
    _, _, problems = run_checked(scenario, 12, {"demand": [check], "matching": [check],
                                                "bookkeeping": [check]})
    assert not problems, f"{len(problems)} violations, first: {problems[:3]}"


def test_demand_shock_scenario_really_lays_off() -> None:
    """Guard for the previous test: the shock scenario must make layoffs necessary."""
    params = shock_territory()
    excess: list[int] = []

    def before_demand() -> None:
        # after events (positions not yet recomputed): staff beyond the coming positions
        head = independent_headcount(model)
        excess.append(int(np.maximum(head - model.firms.target_positions(), 0).sum()))

    model = build_model(params, 12)
    model.add_hook("events", before_demand)
    run_model(model)
    assert max(excess) > 50


def test_series_state_counts_sum_to_population(scenario: TerritoryParams) -> None:
    result = simulate(scenario, 13)
    s = result.series
    n = scenario.population.persons
    assert (s[STATE_COLUMNS].sum(axis=1) == n).all()
    employed = s[["n_siae", "n_employed_temp", "n_employed_durable", "n_self_employed"]]
    pdt.assert_series_equal(s["labour_force"], s["n_unemployed"] + employed.sum(axis=1),
                            check_names=False)
    assert (s["unemployment_rate"].between(0, 1)).all()
    np.testing.assert_allclose(s["unemployment_rate"], s["n_unemployed"] / s["labour_force"])
    assert len(s) == scenario.simulation.months
    assert list(s.index) == list(range(1, scenario.simulation.months + 1))


# --------------------------------------------------------------------------- determinism
def assert_same_result(a: RunResult, b: RunResult) -> None:
    pdt.assert_frame_equal(a.series, b.series)
    assert a.outcomes == b.outcomes
    pdt.assert_frame_equal(a.spells, b.spells)
    pdt.assert_frame_equal(a.careers, b.careers)
    pdt.assert_frame_equal(a.iae_exits, b.iae_exits)
    np.testing.assert_array_equal(a.transitions, b.transitions)


def test_same_seed_gives_identical_results(small_params: TerritoryParams) -> None:
    assert_same_result(simulate(small_params, 2024), simulate(small_params, 2024))


def test_same_seed_sequence_gives_identical_results(small_params: TerritoryParams) -> None:
    children = np.random.SeedSequence(7).spawn(2)
    a = simulate(small_params, np.random.SeedSequence(7).spawn(2)[1])
    b = simulate(small_params, children[1])
    assert_same_result(a, b)
    c = simulate(small_params, children[0])
    assert not a.series.equals(c.series)


def test_different_seed_gives_different_results(small_params: TerritoryParams) -> None:
    a, b = simulate(small_params, 1), simulate(small_params, 2)
    assert not a.series.equals(b.series)
    assert (a.series["unemployment_rate"] != b.series["unemployment_rate"]).any()
    assert not a.careers.equals(b.careers)


@settings(max_examples=5, deadline=None)
@given(seed=st.integers(0, 2**32 - 1), persons=st.sampled_from([200, 600, 1_500]))
def test_property_determinism_and_conservation(seed: int, persons: int) -> None:
    params = small_territory({"population.persons": persons, "simulation.months": 12})
    a, b = simulate(params, seed), simulate(params, seed)
    assert_same_result(a, b)
    assert (a.series[STATE_COLUMNS].sum(axis=1) == persons).all()
    assert len(a.careers) == persons


# --------------------------------------------------------------------------- known answer
def known_answer_params(s: float, f: float, persons: int = 20_000) -> TerritoryParams:
    """A reduced-form labour market: durable jobs ending at hazard ``s``, jobseekers finding
    a (durable) job with probability ``f``, nothing else moving between the states."""
    base = TerritoryParams()
    sectors = [{**sec.model_dump(), "durable_hire_share": 1.0} for sec in base.demand.sectors]
    updates: dict[str, Any] = {
        "population.persons": persons,
        "population.unemployment_rate": 0.15,  # start away from the answer
        "population.inactivity_rate": 0.0,
        "population.temp_share_of_employed": 0.0,
        "population.self_employed_share": 0.0,
        "demography.inactive_to_unemployed": 0.0,
        "demography.unemployed_to_inactive": 0.0,
        "demography.employed_to_inactive": 0.0,
        "demography.retirement_age": 70,
        "demography.entrant_inactive_share": 1.0,  # entrants stay out of the labour force
        "demand.sectors": sectors,
        "demand.jobs_per_active": 1.4,
        "separations.durable_hazard": s,
        "separations.cdi_first_year_hazard": s,  # one hazard for every CDI
        "separations.cdd_long_share": 0.0,  # durable hires are all CDI (no term)
        "separations.business_creation": 0.0,
        "matching.fixed_job_finding_rate": f,
        "training.bodies": 0,
        "simulation.burn_in_months": 48,
        "simulation.months": 36,
    }
    for kind in ("ACI", "EI", "ETTI", "AI"):
        updates[f"siae.{kind}.structures"] = 0
    return with_values(base, updates)


@pytest.mark.parametrize(("s", "f"), [(0.01, 0.20), (0.02, 0.30), (0.005, 0.10)])
def test_unemployment_converges_to_s_over_s_plus_f(s: float, f: float) -> None:
    params = known_answer_params(s, f)
    result = simulate(params, 99)
    series = result.series
    # the reduced form really is in force: no SIAE, training, temp jobs, self-employment
    assert (series[["n_siae", "n_training", "n_employed_temp", "n_self_employed"]] == 0).all().all()
    assert (series["vacancies"] > 0).all(), "vacancies must never bind"
    assert (series["jobseeker_hires_durable"] == series["jobseeker_hires"]).all()
    # retirements shrink the labour force a little (entrants stay inactive): few of them
    assert series["labour_force"].iloc[-1] > 0.8 * params.population.persons
    expected = s / (s + f)
    lf = float(series["labour_force"].tail(24).mean())
    # binomial standard error of one month's rate; the 24-month mean is more precise still
    se = math.sqrt(expected * (1 - expected) / lf)
    observed = float(series["unemployment_rate"].tail(24).mean())
    discrete = s * (1 - f) / (s + f - s * f)
    assert abs(observed - expected) < 4 * se, (
        f"mean unemployment {observed:.4f} over the last 24 months, expected s/(s+f) = "
        f"{expected:.4f} +- {4 * se:.4f}; (a chain where those separated in a month may be "
        f"rehired the same month gives s(1-f)/(s+f-sf) = {discrete:.4f})")


@pytest.mark.parametrize(("s", "f"), [(0.01, 0.20), (0.02, 0.30)])
def test_job_finding_series_averages_f(s: float, f: float) -> None:
    series = simulate(known_answer_params(s, f), 98).series
    jobseekers = (series["jobseeker_hires"] / series["job_finding_rate"]).mean()
    se = math.sqrt(f * (1 - f) / (jobseekers * len(series)))
    assert abs(series["job_finding_rate"].mean() - f) < 4 * se + 1e-9


# --------------------------------------------------------------------------- events
def test_set_event_takes_effect_at_its_month(make_params: Any) -> None:
    # recalls of former workers bypass the matching function: switched off with it; no
    # business creation at SIAE exit: every DURABLE exit would then be a hire
    params = make_params({"siae_rules.exit_business_creation": 0.0},
                         events=[{"at": 10, "set": {"matching.efficiency": 0.0,
                                                    "matching.recall_probability": 0.0}}])
    before = params.matching.efficiency
    assert before > 0
    model = build_model(params, 5)
    seen: dict[int, float] = {}
    model.add_hook("matching",
                   lambda: seen.__setitem__(model.reported_month, model.params.matching.efficiency))
    series = run_model(model).series
    assert all(seen[m] == before for m in range(-5, 10))
    assert all(seen[m] == 0.0 for m in range(10, 37))
    assert (series.loc[1:9, "jobseeker_hires"] > 0).all()
    assert (series.loc[10:, "jobseeker_hires"] == 0).all()
    assert (series.loc[10:, "hires_durable"] == 0).all()  # SIAE employees cannot be hired
    assert (series.loc[10:, ["iae_exits_durable", "iae_exits_transition"]] == 0).all().all()


def test_demand_shock_takes_effect_at_its_month_and_ends(make_params: Any) -> None:
    params = make_params(events=[
        {"at": 10, "demand_shock": {"sector": "construction", "factor": 0.5, "months": 6}}])
    model = build_model(params, 6)
    sector = params.sector_names.index("construction")
    by_month: dict[int, np.ndarray] = {}
    heads: dict[int, int] = {}

    def record() -> None:
        firms = model.firms
        by_month[model.reported_month] = np.bincount(firms.sector, weights=firms.positions,
                                                     minlength=model.n_sectors)
        heads[model.reported_month] = int(independent_headcount(model)[
            firms.sector == sector].sum())

    model.add_hook("bookkeeping", record)
    series = run_model(model).series
    firms = model.firms
    in_sector = firms.sector == sector
    base = np.floor(firms.base_positions[in_sector] + 0.5).sum()
    shocked = np.floor(firms.base_positions[in_sector] * 0.5 + 0.5).sum()
    assert abs(shocked - 0.5 * base) <= in_sector.sum() / 2 + 1
    for m in range(1, 37):
        expected = shocked if 10 <= m < 16 else base
        assert by_month[m][sector] == expected, f"month {m}"
        others = np.delete(by_month[m], sector)
        np.testing.assert_array_equal(others, np.delete(by_month[1], sector))
    drop = base - shocked
    assert series.loc[10, "positions"] == series.loc[9, "positions"] - drop
    assert series.loc[16, "positions"] == series.loc[9, "positions"]
    assert heads[10] < 0.6 * heads[9]  # the sector lays off at the shock
    assert np.all(firms.shock == 1.0)


def test_jobs_per_active_event_changes_positions(make_params: Any) -> None:
    """``demand.jobs_per_active`` is one of the fields an event may set mid-run
    (``model.params.SETTABLE_FIELDS``): the level of positions must follow it."""
    params = make_params(events=[{"at": 10, "set": {"demand.jobs_per_active": 0.6}}])
    series = simulate(params, 7).series
    ratio = series.loc[10, "positions"] / series.loc[9, "positions"]
    assert ratio == pytest.approx(0.6 / params.demand.jobs_per_active, rel=0.02)
    assert series.loc[9, "positions"] == series.loc[1, "positions"]
    assert series.loc[36, "positions"] == series.loc[10, "positions"]


# --------------------------------------------------------------------------- streams
@pytest.mark.parametrize("phase", ["demography", "matching", "bookkeeping"])
def test_new_stream_does_not_change_results(small_params: TerritoryParams, phase: str) -> None:
    plain = simulate(small_params, 31)
    model = build_model(small_params, 31)
    model.add_hook(phase, lambda: model.stream("something_new").random(1_000))
    model.add_hook(phase, lambda: model.rng.random(10))  # Mesa's own generator too
    assert_same_result(plain, run_model(model))


def test_streams_are_named_children_of_the_seed(small_params: TerritoryParams) -> None:
    a, b = build_model(small_params, 3), build_model(small_params, 3)
    assert a.stream("matching") is a.stream("matching")
    assert a.stream("x").random() == b.stream("x").random()
    assert a.stream("x").random() != a.stream("y").random()
    assert build_model(small_params, 4).stream("x").random() != b.stream("x").random()


# --------------------------------------------------------------------------- SIAE exits
#: where a leaver may be at the end of the exit month, by exit classification
OUTCOME_STATES = {
    "DURABLE": {State.EMPLOYED_DURABLE, State.SELF_EMPLOYED},  # business creation
    "TRANSITION": {State.EMPLOYED_TEMP},
    "POSITIVE": {State.TRAINING, State.SIAE},  # qualifying training, move to another SIAE
    "OTHER": {State.UNEMPLOYED, State.INACTIVE},
}


class Snapshots:
    """Each person's state, Pass IAE months and CDDI limit at the end of every month (burn-in
    included), as arrays of shape (months, persons) indexed by absolute month and slot."""

    def __init__(self, model: TerritoryModel) -> None:
        self.burn_in = model.burn_in
        self.rows: dict[str, list[np.ndarray]] = {k: [] for k in
                                                  ("person_id", "state", "iae_months", "limit")}
        model.add_hook("bookkeeping", lambda: self.take(model))

    def take(self, model: TerritoryModel) -> None:
        p = model.persons
        for name, values in (("person_id", p.person_id), ("state", p.state),
                             ("iae_months", p.iae_months), ("limit", cddi_limit(model))):
            self.rows[name].append(values.copy())

    def array(self, name: str) -> np.ndarray:
        return np.stack(self.rows[name])

    def at(self, person_id: int, reported_month: int) -> dict[str, int] | None:
        """The person's row at the end of a reported month, or None if not of working age."""
        t = reported_month + self.burn_in - 1
        if t >= len(self.rows["state"]):
            return None
        slots = np.flatnonzero(self.rows["person_id"][t] == person_id)
        if slots.size == 0:
            return None
        return {name: int(rows[t][slots[0]]) for name, rows in self.rows.items()}

    def months_in_siae_before(self, person_id: int, reported_month: int) -> int:
        """Consecutive month ends the person spent in a SIAE just before that month."""
        t = reported_month + self.burn_in - 1
        slot = int(np.flatnonzero(self.rows["person_id"][t] == person_id)[0])
        k = 0
        while (t - k - 1 >= 0 and self.rows["person_id"][t - k - 1][slot] == person_id
               and self.rows["state"][t - k - 1][slot] == S.SIAE):
            k += 1
        return k


def run_with_snapshots(params: TerritoryParams, seed: int) -> tuple[RunResult, Snapshots]:
    model = build_model(params, seed)
    snaps = Snapshots(model)
    return run_model(model), snaps


@pytest.fixture(scope="module")
def siae_runs() -> dict[str, tuple[RunResult, Snapshots]]:
    return {"default": run_with_snapshots(small_territory(), 41),
            "siae_stress": run_with_snapshots(siae_stress_territory(), 42)}


@pytest.mark.parametrize("name", ["default", "siae_stress"])
def test_siae_exit_outcomes_are_valid_and_match_the_destination(
        siae_runs: dict[str, tuple[RunResult, Snapshots]], name: str) -> None:
    result, snaps = siae_runs[name]
    exits = result.iae_exits
    assert len(exits) > 50
    assert exits["outcome"].notna().all()
    assert set(exits["outcome"].unique()) <= {o.name for o in ExitOutcome}
    assert exits["siae_type"].notna().all()
    assert exits["month"].between(1, len(result.series)).all()
    # each exit into a job is DURABLE or TRANSITION as the contract is; training is POSITIVE
    wrong = []
    for row in exits.itertuples():
        now = snaps.at(row.person_id, row.month)
        assert now is not None
        state = State(now["state"])
        if state not in OUTCOME_STATES[row.outcome]:
            wrong.append((row.person_id, row.month, row.outcome, state.name))
    assert not wrong, f"{len(wrong)} exits classified against their destination: {wrong[:5]}"
    # the series counts the same exits
    by_month = exits.groupby(["month", "outcome"], observed=False).size().unstack(fill_value=0)
    for o in ExitOutcome:
        counted = result.series[f"iae_exits_{o.name.lower()}"]
        logged = by_month[o.name].reindex(counted.index, fill_value=0)
        np.testing.assert_array_equal(counted.to_numpy(), logged.to_numpy())


@pytest.mark.parametrize("name", ["default", "siae_stress"])
def test_siae_route_length_within_the_law(
        siae_runs: dict[str, tuple[RunResult, Snapshots]], name: str) -> None:
    """A route lasts at least a month and at most the legal limit (24 months plus the Pass's
    prolongations); ``route_months`` is the number of months the leaver spent on the CDDI
    (month ends in the SIAE before the exit month; one for a route begun and ended in the
    same month)."""
    result, snaps = siae_runs[name]
    exits = result.iae_exits
    route = exits["route_months"].to_numpy()
    limit = np.array([snaps.at(r.person_id, r.month)["limit"]  # type: ignore[index]
                      for r in exits.itertuples()])
    spent = np.array([max(snaps.months_in_siae_before(r.person_id, r.month), 1)
                      for r in exits.itertuples()])
    assert (route >= 1).all()
    assert (route <= limit).all(), f"routes beyond the limit: {route[route > limit][:10]}"
    wrong = np.flatnonzero(route != spent)
    assert wrong.size == 0, (
        f"{wrong.size} of {route.size} exits with a route length other than the months spent "
        f"in the SIAE: route_months {route[wrong][:8].tolist()} vs months spent "
        f"{spent[wrong][:8].tolist()}, outcomes {exits['outcome'].to_numpy()[wrong][:8].tolist()}")


def test_siae_routes_ending_without_a_job_last_the_minimum(
        siae_runs: dict[str, tuple[RunResult, Snapshots]]) -> None:
    """Without dropouts, a route that ends without a hire ends at its contract end, which is
    at least ``cddi_min_months`` after entry."""
    result, _ = siae_runs["siae_stress"]
    minimum = siae_stress_territory().siae_rules.cddi_min_months
    exits = result.iae_exits
    ended = exits[exits["outcome"].isin(["POSITIVE", "OTHER"])]
    assert len(ended) > 20
    assert (ended["route_months"] >= minimum).all(), ended["route_months"].min()
    assert (exits["route_months"] > 12).any()  # long routes do happen in this scenario


@pytest.mark.parametrize("name", ["default", "siae_stress"])
def test_siae_follow_up_six_months_after_exit(
        siae_runs: dict[str, tuple[RunResult, Snapshots]], name: str) -> None:
    """``state_6m`` is the leaver's state six months after the exit, for every exit whose
    sixth month falls in the horizon (the leaver still of working age)."""
    result, snaps = siae_runs[name]
    missing, wrong = [], []
    for row in result.iae_exits.itertuples():
        later = snaps.at(row.person_id, row.month + 6)
        if later is None:
            continue
        actual = State(later["state"]).name
        if pd.isna(row.state_6m):
            missing.append((row.person_id, row.month))
        elif row.state_6m != actual:
            wrong.append((row.person_id, row.month, row.state_6m, actual))
    assert not wrong, f"{len(wrong)} wrong follow-ups: {wrong[:5]}"
    assert not missing, (
        f"{len(missing)} exits (person_id, month) without their 6-month follow-up: "
        f"{missing[:5]}")


# --------------------------------------------------------------------------- JobSeeker
@pytest.fixture(scope="module")
def finished() -> tuple[TerritoryModel, RunResult]:
    model = build_model(small_territory(), 51)
    return model, run_model(model)


def test_one_jobseeker_agent_per_person(finished: tuple[TerritoryModel, RunResult]) -> None:
    model, _ = finished
    agents = model.agents_by_type[JobSeeker]
    p = model.persons
    assert len(agents) == p.n == SMALL["population.persons"]
    assert sorted(a.slot for a in agents) == list(range(p.n))
    unemployed = agents.select(lambda a: a.state == State.UNEMPLOYED)
    assert len(unemployed) == int((p.state == S.UNEMPLOYED).sum()) > 0
    assert agents.agg("barriers", np.mean) == pytest.approx(float(p.barriers.mean()), rel=1e-5)
    ids = sorted(agents.get("person_id"))
    assert ids == sorted(p.person_id.tolist())


def test_jobseeker_views_read_and_write_the_store(
        finished: tuple[TerritoryModel, RunResult]) -> None:
    model, _ = finished
    p = model.persons
    agents = list(model.agents_by_type[JobSeeker])
    for state, kind, link in ((S.EMPLOYED_DURABLE, Enterprise, p.employer),
                              (S.SIAE, SIAE, p.siae)):
        slot = int(np.flatnonzero(p.state == state)[0])
        agent = next(a for a in agents if a.slot == slot)
        assert agent.state == State(state)
        org = agent.employer
        assert isinstance(org, kind)
        assert org.index == link[slot]
        assert slot in org.employees()
    trainees = np.flatnonzero(p.state == S.TRAINING)
    if trainees.size:
        agent = next(a for a in agents if a.slot == int(trainees[0]))
        assert isinstance(agent.employer, TrainingBody)
        assert p.programme[agent.slot] in agent.employer.programmes()
    inactive = next(a for a in agents if a.state == State.INACTIVE)
    assert inactive.employer is None
    old = inactive.barriers
    inactive.barriers = 1.7
    assert p.barriers[inactive.slot] == 1.0
    inactive.barriers = old


def test_jobseeker_history_lists_its_spells(finished: tuple[TerritoryModel, RunResult]) -> None:
    model, result = finished
    months = model.params.simulation.months
    spells = result.spells
    counts = spells.groupby("person_id").size()
    checked = 0
    for agent in model.agents_by_type[JobSeeker]:
        if counts.get(agent.person_id, 0) < 3:
            continue
        history = agent.history()
        rows = spells[spells["person_id"] == agent.person_id].sort_values(["start", "end"])
        expected = [(str(r.state), int(r.start), None if r.ongoing else int(r.end),
                     int(r.organisation)) for r in rows.itertuples()]
        assert history == expected
        assert history[-1][0] == agent.state.name
        assert history[-1][2] is None
        assert all(a[2] == b[1] for a, b in itertools.pairwise(history))
        assert all(0 <= h[1] <= months for h in history)
        checked += 1
        if checked == 20:
            break
    assert checked == 20


# --------------------------------------------------------------------------- spells, careers
def test_spells_tile_each_persons_horizon(finished: tuple[TerritoryModel, RunResult]) -> None:
    _, result = finished
    months = len(result.series)
    spells = result.spells.sort_values(["person_id", "start", "end"]).reset_index(drop=True)
    same_person = spells["person_id"].eq(spells["person_id"].shift())
    gaps = same_person & spells["start"].ne(spells["end"].shift())
    assert not gaps.any(), spells[gaps | gaps.shift(-1, fill_value=False)].head(6)
    ongoing = spells[spells["ongoing"]]
    assert (ongoing["end"] == months).all()
    assert ongoing["person_id"].is_unique
    assert len(ongoing) == SMALL["population.persons"]
    assert spells["start"].between(0, months).all()
    repeat = same_person & spells["state"].eq(spells["state"].shift()) \
        & spells["organisation"].eq(spells["organisation"].shift())
    assert not repeat.any(), "a spell follows an identical one"


def test_spells_have_positive_length(finished: tuple[TerritoryModel, RunResult]) -> None:
    _, result = finished
    spells = result.spells
    empty = spells[spells["end"] <= spells["start"]]
    assert empty.empty, f"{len(empty)} spells of zero length, e.g.\n{empty.head()}"


def test_careers_are_bounded(finished: tuple[TerritoryModel, RunResult]) -> None:
    model, result = finished
    careers = result.careers
    months = model.params.simulation.months
    assert len(careers) == model.persons.n
    assert careers["person_id"].is_unique
    assert careers["share_months_employed"].between(0, 1).all()
    assert careers["months_observed"].between(1, months).all()
    assert (careers["breaks"] >= 0).all()
    assert (careers["breaks"] <= careers["months_observed"]).all()
    assert careers["qualification_gained"].between(0, 4).all()
    assert (careers["months_durable"] <= careers["months_observed"]).all()
    assert (careers["longest_unemployment"] >= 0).all()
    assert careers["share_months_employed"].mean() == pytest.approx(
        result.outcomes["career_share_months_employed"])
    # the career counters agree with the spells of persons observed over the whole horizon
    full = careers[careers["months_observed"] == months].set_index("person_id")
    spells = result.spells[result.spells["person_id"].isin(full.index)]
    employed_states = ["SIAE", "EMPLOYED_TEMP", "EMPLOYED_DURABLE", "SELF_EMPLOYED"]
    length = (spells["end"] - spells["start"]).where(spells["state"].isin(employed_states), 0)
    employed_months = length.groupby(spells["person_id"]).sum()
    np.testing.assert_allclose(
        (full["share_months_employed"] * months).sort_index().to_numpy(),
        employed_months.reindex(full.index).sort_index().to_numpy())


def test_training_qualifies_someone(make_params: Any) -> None:
    careers = simulate(make_params({"prescription.training_fill_rate": 1.0}), 8).careers
    assert (careers["qualification_gained"] > 0).any()


# --------------------------------------------------------------------------- transitions
def test_quarterly_transition_counts_and_matrix(small_params: TerritoryParams) -> None:
    model = build_model(small_params, 61)
    mine = np.zeros((4, 4), dtype=np.int64)
    compared: list[int] = []
    last: list[tuple[np.ndarray, np.ndarray]] = []

    def quarter() -> None:
        if not model.reporting or model.reported_month % 3:
            return
        p = model.persons
        cls = TRANSITION_CLASS[p.state]
        if last:
            prev_cls, prev_id = last[-1]
            same = prev_id == p.person_id
            np.add.at(mine, (prev_cls[same], cls[same]), 1)
            compared.append(int(same.sum()))
        last.append((cls.copy(), p.person_id.copy()))

    model.add_hook("bookkeeping", quarter)
    result = run_model(model)
    assert len(compared) == small_params.simulation.months // 3 - 1
    np.testing.assert_array_equal(result.transitions, mine)
    assert result.transitions.sum() == sum(compared)
    assert sum(compared) > 0.95 * len(compared) * small_params.population.persons
    matrix = result.transition_matrix()
    assert list(matrix.index) == list(TRANSITION_CLASSES)
    rows = result.transitions.sum(axis=1) > 0
    np.testing.assert_allclose(matrix.to_numpy()[rows].sum(axis=1), 1.0)
    assert (matrix.to_numpy()[~rows] == 0).all()
    # people mostly stay where they are over a quarter
    assert (np.diag(matrix.to_numpy())[rows] > 0.3).all()
