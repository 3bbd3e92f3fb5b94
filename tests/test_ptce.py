"""The PTCE coordinator and its levers, against the same territory without the PTCE."""

from __future__ import annotations

import math
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from scipy import stats

from experiments.results.effects import counterfactual, paired_differences, paired_effects
from model import TerritoryParams, build_model, run_model, simulate, with_values
from model.params import LEVERS
from model.ptce.pmsmp import PMSMPTracker
from model.states import S
from scenarios import list_presets, load_scenario

REPLICATIONS = 4


def strong_pole(**levers: dict) -> TerritoryParams:
    """A small territory with a well-staffed pole whose members are numerous, so that each
    lever's effect stands out of the noise in a few replications."""
    return TerritoryParams.model_validate({
        "population": {"persons": 6000},
        "simulation": {"months": 48, "burn_in_months": 12},
        "ptce": {"coordinator_fte": 8, "member_share_firms": 0.3, "member_share_siae": 1.0,
                 "member_share_training": 1.0,
                 "skills_exchange": {"diagnosis_months": 0, "test_months": 0,
                                     "evaluation_months": 0},
                 **levers},
    })


def lever_alone(name: str, **extra: object) -> TerritoryParams:
    return strong_pole(**{name: {"enabled": True, "intensity": 1.0, **extra}})


def significantly_positive(diff: pd.Series) -> bool:
    """The one-sided paired t test rejects 'no effect' at 5 %, and every pair agrees."""
    t = diff.mean() / (diff.std(ddof=1) / math.sqrt(diff.size))
    p = 1 - stats.t.cdf(t, diff.size - 1)
    return bool(p < 0.05 and (diff > 0).all())


# each lever, alone, moves its own outcome in the expected direction ------------------------
LEVER_OUTCOMES = [
    ("bridges", "iae_exit_share_durable", +1),
    ("immersions", "long_term_unemployed_share", -1),
    ("shared_jobs", "durable_employment", +1),
    ("skills_exchange", "job_finding_rate", +1),
    ("coordinated_training", "career_qualification_gained", +1),
    ("follow_up", "iae_employed_6m_share", +1),
]


@pytest.mark.parametrize(("lever", "outcome", "sign"), LEVER_OUTCOMES)
def test_each_lever_moves_its_outcome(lever: str, outcome: str, sign: int) -> None:
    diff = paired_differences(lever_alone(lever), replications=REPLICATIONS, seed=11)
    assert significantly_positive(sign * diff[outcome]), diff[outcome].tolist()


def test_incubation_creates_activities_and_jobs() -> None:
    params = lever_alone("incubation", months_per_step=1.0, jobs_per_activity=40)
    diff = paired_differences(params, replications=REPLICATIONS, seed=5)
    assert (diff["ptce_activities_incubated"] >= 1).all()
    assert (diff["ptce_jobs_created"] == 40 * diff["ptce_activities_incubated"]).all()
    assert significantly_positive(-diff["unemployment_rate"]), diff["unemployment_rate"].tolist()


def test_immersion_participants_find_jobs_more_than_matched_comparisons() -> None:
    params = lever_alone("immersions")
    shares = [simulate(params, seed).outcomes for seed in range(REPLICATIONS)]
    gap = pd.Series([o["pmsmp_job_within_12m_participants"]
                     - o["pmsmp_job_within_12m_comparison"] for o in shares])
    assert all(o["pmsmp_participants"] > 100 for o in shares)
    assert significantly_positive(gap), gap.tolist()


# bit-identity and capacity ------------------------------------------------------------------
def test_all_levers_off_equals_no_ptce_bit_for_bit() -> None:
    params = strong_pole()  # a pole with members and a trust network, but no lever on
    with_pole = simulate(params, 3)
    without = simulate(counterfactual(params), 3)
    labour = [c for c in with_pole.series.columns if not c.startswith("ptce_")]
    pd.testing.assert_frame_equal(with_pole.series[labour], without.series[labour])
    pd.testing.assert_frame_equal(with_pole.spells, without.spells)
    pd.testing.assert_frame_equal(with_pole.careers, without.careers)
    for name, value in without.outcomes.items():
        if not name.startswith(("ptce_", "pmsmp_")):
            assert with_pole.outcomes[name] == value, name


def test_switching_one_lever_leaves_the_counterfactual_streams_alone() -> None:
    """The levers draw from their own streams: before the PTCE starts (burn-in), a run with
    every lever on is identical to the territory without it."""
    on = strong_pole(**{n: {"enabled": True} for n in LEVERS})
    a, b = build_model(on, 9), build_model(counterfactual(on), 9)
    for _ in range(on.simulation.burn_in_months):
        a.step()
        b.step()
    np.testing.assert_array_equal(a.persons.state, b.persons.state)
    np.testing.assert_array_equal(a.persons.skill, b.persons.skill)


def _monthly_cases(params: TerritoryParams, seed: int = 1) -> pd.DataFrame:
    return simulate(params, seed).series[["ptce_capacity", "ptce_cases_used",
                                           "ptce_immersions", "ptce_bridges_siae",
                                           "ptce_bridges_firm", "ptce_shared_jobs"]]


def test_capacity_binds_every_month() -> None:
    params = with_values(strong_pole(**{n: {"enabled": True} for n in LEVERS}),
                         {"ptce.coordinator_fte": 3.0})
    s = _monthly_cases(params)
    fte = 3.0 * params.scale() * params.ptce.cases_per_fte  # type: ignore[union-attr]
    assert np.allclose(s["ptce_capacity"], fte)
    # a month may use what earlier months left (at most one action per lever), never more
    assert (s["ptce_cases_used"].cumsum() <= s["ptce_capacity"].cumsum() + 1e-9).all()
    most_costly = max(params.ptce.incubation.cases_per_month,  # type: ignore[union-attr]
                      *(getattr(params.ptce, n).cost_per_action for n in LEVERS))
    assert (s["ptce_cases_used"] <= s["ptce_capacity"] + len(LEVERS) * most_costly).all()
    assert s["ptce_cases_used"].sum() > 0
    # immersions cost one case each and get their share of the capacity, plus at most one
    # carried-over case, and never more than their share over the run
    share = params.ptce.immersions.intensity / max(  # type: ignore[union-attr]
        1.0, sum(getattr(params.ptce, n).intensity for n in LEVERS))
    assert (s["ptce_immersions"] <= np.floor(fte * share + 1 + 1e-9)).all()
    assert (s["ptce_immersions"].cumsum() <= fte * share * np.arange(1, len(s) + 1) + 1e-9).all()


@given(fte=st.floats(0.1, 4.0), cases=st.floats(1.0, 60.0))
@settings(max_examples=5, deadline=None)
def test_actions_never_exceed_capacity(fte: float, cases: float) -> None:
    params = with_values(strong_pole(**{n: {"enabled": True} for n in LEVERS}),
                         {"ptce.coordinator_fte": fte, "ptce.cases_per_fte": cases,
                          "population.persons": 2000, "simulation.months": 12,
                          "simulation.burn_in_months": 3})
    s = _monthly_cases(params)
    assert (s["ptce_cases_used"].cumsum() <= s["ptce_capacity"].cumsum() + 1e-9).all()


def test_no_action_during_a_funding_gap() -> None:
    params = strong_pole(**{n: {"enabled": True} for n in LEVERS})
    params = TerritoryParams.model_validate({**params.model_dump(), "events": [
        {"at": 10, "set": {"ptce.funding": 0.0}}, {"at": 25, "set": {"ptce.funding": 1.0}}]})
    s = simulate(params, 2).series
    gap = s.loc[10:24]
    assert (gap["ptce_capacity"] == 0).all()
    assert (gap["ptce_cases_used"] == 0).all()
    assert (gap["ptce_coordination_cost"] == 0).all()
    acts = [c for c in s.columns if c.startswith("ptce_") and c not in
            ("ptce_trust", "ptce_network_density", "ptce_training_seats_added")]
    assert (gap[acts] == 0).all().all()
    assert s.loc[1:9, "ptce_cases_used"].sum() > 0 and s.loc[25:, "ptce_cases_used"].sum() > 0


def test_trust_grows_with_joint_actions_and_decays_without() -> None:
    active = simulate(lever_alone("bridges"), 4).series["ptce_trust"]
    idle = simulate(strong_pole(), 4).series["ptce_trust"]
    assert idle.is_monotonic_decreasing and idle.iloc[-1] < idle.iloc[0]
    assert active.iloc[-1] > idle.iloc[-1]


def test_skills_exchange_follows_the_seed_ramp_up() -> None:
    params = with_values(lever_alone("skills_exchange"), {
        "ptce.skills_exchange.diagnosis_months": 12, "ptce.skills_exchange.test_months": 12,
        "ptce.skills_exchange.evaluation_months": 6})
    s = simulate(params, 1).series
    assert (s.loc[1:12, "ptce_skills_revealed"] == 0).all()
    assert s.loc[1:12, "ptce_cases_used"].sum() > 0  # diagnosis uses coordination time
    test_phase = s.loc[13:30, "ptce_skills_revealed"].mean()
    deployed = s.loc[31:, "ptce_skills_revealed"].mean()
    assert 0 < test_phase < deployed


# PMSMP comparison group: observables only -----------------------------------------------------
def test_pmsmp_comparisons_share_the_participants_observable_cell() -> None:
    model = build_model(lever_alone("immersions"), 6)
    run_model(model)
    tracker = model.coordinator.pmsmp  # type: ignore[union-attr]
    assert (tracker.group == 1).sum() > 100
    for start in np.unique(tracker.start_month)[:10]:
        rows = tracker.start_month == start
        part = np.sort(tracker.cell[rows & (tracker.group == 1)])
        comp = np.sort(tracker.cell[rows & (tracker.group == 0)])
        assert np.isin(comp, part).all()
    assert (tracker.group == 0).sum() >= 0.8 * (tracker.group == 1).sum()


def test_pmsmp_matching_ignores_what_is_not_observed() -> None:
    """Hidden skills, RSA status and sector skills are not observables: changing them in the
    pool does not change who is chosen as a comparison."""
    model = build_model(TerritoryParams.model_validate(
        {"population": {"persons": 3000}, "ptce": {}}), 2)
    p = model.persons
    eligible = np.flatnonzero(p.state == S.UNEMPLOYED)
    participants, pool = eligible[:20], eligible[20:]
    keys = model.draw("ptce.immersions", pool)

    def chosen() -> np.ndarray:
        tracker = PMSMPTracker(model)
        tracker.start(participants, pool, keys)
        return tracker.slot[tracker.group == 0]

    before = chosen()
    p.hidden_skill[:] = np.random.default_rng(0).random(p.hidden_skill.shape)
    p.rsa[:] = ~p.rsa
    p.skill[:] = p.skill[:, ::-1]
    after = chosen()
    np.testing.assert_array_equal(before, after)
    assert before.size > 0
    # an observable does matter: with other qualifications, other comparisons are chosen
    p.qualification[pool] = (p.qualification[pool] + 1) % 5
    assert not np.array_equal(chosen(), before)


# presets and effects ----------------------------------------------------------------------------
PTCE_PRESETS = [n for n in list_presets() if n.startswith("ptce/")]


def test_the_seed_ptce_are_all_presets() -> None:
    assert len(PTCE_PRESETS) == 10


@pytest.mark.parametrize("name", PTCE_PRESETS)
def test_every_ptce_preset_loads_and_runs(name: str) -> None:
    params = load_scenario(name)
    assert params.ptce is not None
    assert params.zone_code is not None or name == "ptce/le_multiple"  # zone not in the seed
    assert any(getattr(params.ptce, n).enabled for n in LEVERS)
    assert len(params.description) > 200  # cites the seed's passages
    small = with_values(params, {"population.persons": 2000, "simulation.burn_in_months": 3})
    result = simulate(small, 1)
    assert result.outcomes["ptce_cases_used"] > 0
    assert np.isfinite(list(result.outcomes.values())).all()


def test_le_phares_funding_gap_stops_coordination() -> None:
    params = with_values(load_scenario("ptce/le_phares"), {"population.persons": 2000})
    s = simulate(params, 1).series
    assert (s.loc[13:34, "ptce_cases_used"] == 0).all()
    assert s.loc[35:, "ptce_cases_used"].sum() > 0


def test_paired_effects_table_and_chart(tmp_path: Path) -> None:
    from experiments.results.effects import plot_effects

    params = with_values(lever_alone("shared_jobs"), {"simulation.months": 24})
    result = paired_effects(params, replications=3, seed=1)
    row = result.table.loc["durable_employment"]
    assert row["ci_low"] <= row["effect_mean"] <= row["ci_high"]
    assert row["effect_mean"] == pytest.approx(row["with_ptce"] - row["without"])
    assert result.cost > 0
    assert result.cost_per_durable_job == pytest.approx(result.cost / row["effect_mean"])
    png = plot_effects(result, tmp_path / "effects.png")
    assert png.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
