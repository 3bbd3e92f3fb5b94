"""Rules of ``model/territory.py`` one phase at a time, on a model of a few hundred persons
whose state is forced by hand and whose probabilities are set to 0 or 1, so that each rule has
a known answer. Fast: these tests are the mutation-testing subset (tests/mutation/)."""

from __future__ import annotations

from typing import Any

import numpy as np
import pytest

from model import TerritoryModel, TerritoryParams, with_values
from model.enterprises import Enterprise
from model.population import NO_ORG
from model.siae import SIAE
from model.states import ExitOutcome, K, S
from model.territory import MONTHLY_COUNTERS, PHASES, _stochastic_round, _top_k
from model.training import TrainingBody

WAGE = (S.EMPLOYED_TEMP, S.EMPLOYED_DURABLE)
MONTHLY = MONTHLY_COUNTERS


def tiny(updates: dict[str, Any] | None = None, persons: int = 400, burn_in: int = 0,
         months: int = 12, seed: int = 3) -> TerritoryModel:
    """A model of ``persons`` persons, not stepped yet."""
    values = {"population.persons": persons, "simulation.burn_in_months": burn_in,
              "simulation.months": months, **(updates or {})}
    m = TerritoryModel(with_values(TerritoryParams(), values), seed=seed)
    m.monthly = dict.fromkeys(MONTHLY, 0.0)
    return m


def force(m: TerritoryModel, slots: np.ndarray, state: int) -> None:
    """Put ``slots`` in ``state`` with no organisation, as at the start of the month."""
    p = m.persons
    p.set_state(slots, state)
    p.prev_state[slots] = state


def no_flows() -> dict[str, Any]:
    """Demography and separations switched off."""
    return {"demography.inactive_to_unemployed": 0.0, "demography.unemployed_to_inactive": 0.0,
            "demography.employed_to_inactive": 0.0, "separations.durable_hazard": 0.0,
            "separations.cdi_first_year_hazard": 0.0,
            "separations.self_employed_exit": 0.0, "separations.business_creation": 0.0}


# ------------------------------------------------------------------ helpers of the module
def test_top_k_known_answers() -> None:
    """Catches a wrong bound or sign in ``_top_k`` (smallest keys, k off by one, k <= 0
    returning something)."""
    keys = np.array([5.0, 1.0, 9.0, 3.0, 7.0])
    assert _top_k(keys, 0).size == 0
    assert _top_k(keys, -2).size == 0
    assert _top_k(keys, 0).dtype == np.int64
    assert sorted(_top_k(keys, 1).tolist()) == [2]
    assert sorted(_top_k(keys, 2).tolist()) == [2, 4]
    assert sorted(_top_k(keys, 4).tolist()) == [0, 2, 3, 4]
    assert _top_k(keys, 5).tolist() == [0, 1, 2, 3, 4]
    assert _top_k(keys, 9).tolist() == [0, 1, 2, 3, 4]


def test_stochastic_round_keeps_integers_and_the_mean() -> None:
    """Catches rounding that drifts (floor only, ceil only, a wrong comparison): integers are
    kept, the fraction of 2.25 rounds up a quarter of the time, and values stay in {2, 3}."""
    rng = np.random.default_rng(0)
    assert _stochastic_round(np.array([0.0, 1.0, 4.0]), rng).tolist() == [0, 1, 4]
    x = _stochastic_round(np.full(40_000, 2.25), rng)
    assert x.dtype == np.int64
    assert set(np.unique(x).tolist()) == {2, 3}
    assert abs(x.mean() - 2.25) < 0.01


# ------------------------------------------------------------------ infrastructure
def test_add_hook_rejects_unknown_phase_and_runs_after_its_phase() -> None:
    """Catches hooks run before their phase, on the wrong phase, or unknown phases accepted."""
    m = tiny()
    with pytest.raises(ValueError, match="unknown phase"):
        m.add_hook("nope", lambda: None)
    seen: list[tuple[str, int]] = []
    for phase in PHASES:
        m.add_hook(phase, lambda ph=phase: seen.append((ph, m.month)))
    m.step()
    m.step()
    assert seen == [(ph, 0) for ph in PHASES] + [(ph, 1) for ph in PHASES]
    assert m.month == 2


def test_reported_month_and_reporting_follow_the_burn_in() -> None:
    """Catches an off-by-one in ``reported_month`` or ``reporting``."""
    m = tiny(burn_in=3)
    assert m.burn_in == 3
    assert (m.reported_month, m.reporting) == (-2, False)
    m.month = 2
    assert (m.reported_month, m.reporting) == (0, False)
    m.month = 3
    assert (m.reported_month, m.reporting) == (1, True)


def test_streams_are_cached_per_month_and_distinct_by_name() -> None:
    """Catches a stream not cached within a month, or shared between mechanisms/months."""
    m = tiny()
    a = m.stream("x")
    assert m.stream("x") is a
    first = a.random()
    other = m.stream("y").random()
    assert first != other
    m._streams.clear()
    assert m.stream("x").random() == first  # same name, same month: same draws
    m._streams.clear()
    m.month = 1
    assert m.stream("x").random() != first


def test_cddi_months_allowed_known_answers() -> None:
    """Catches the Pass IAE read wrongly (the rule replaced the automatic 60 months from age
    50): months to the end of a valid Pass; 24 with no Pass or after the waiting period; 0
    inside the waiting period, whatever the age."""
    m = tiny()
    m.month = 40
    p = m.persons
    p.age_months[:5] = [30 * 12, 55 * 12, 55 * 12, 30 * 12, 30 * 12]
    p.pass_end[:5] = [50, 41, 30, -1, 16]  # valid, valid (last month), waiting, none, waited
    assert m.cddi_months_allowed(np.arange(5)).tolist() == [10, 1, 0, 24, 24]


def test_organisation_of_names_the_right_agent() -> None:
    """Catches a link read from the wrong column (employer, SIAE, programme)."""
    m = tiny()
    p = m.persons
    force(m, np.arange(4), S.UNEMPLOYED)
    m.firms.hire(p, np.array([0]), np.array([2]), np.array([K.CDI], dtype=np.int8), np.array([0]),
                 np.array([1.0]), m.month)
    m.structures.hire(p, np.array([1]), np.array([1]), np.array([9]))
    m.programmes.enrol(p, np.array([2]), np.array([3]), 0)
    firm = m.organisation_of(0)
    assert isinstance(firm, Enterprise) and firm.index == 2
    siae = m.organisation_of(1)
    assert isinstance(siae, SIAE) and siae.index == 1
    body = m.organisation_of(2)
    assert isinstance(body, TrainingBody)
    assert body.index == int(m.programmes.body[3])
    assert m.organisation_of(3) is None
    new = m.add_enterprise(0)
    assert isinstance(new, Enterprise) and new.index == 0


# ------------------------------------------------------------------ initial state
def test_initial_state_shares() -> None:
    """Catches the initial draws putting the wrong numbers in each state."""
    m = tiny({"population.inactivity_rate": 0.25, "population.unemployment_rate": 0.1,
              "population.self_employed_share": 0.1, "population.long_term_share": 1.0},
             persons=1000)
    p, n = m.persons, 1000
    counts = np.bincount(p.state, minlength=7)
    assert counts[S.INACTIVE] == 250
    active = n - 250
    employed = active - 75
    assert counts[S.SELF_EMPLOYED] == round(0.1 * employed)
    assert counts[S.UNEMPLOYED] >= 75  # plus workers beyond the positions
    wage = np.isin(p.state, WAGE)
    assert wage.sum() == counts[S.EMPLOYED_TEMP] + counts[S.EMPLOYED_DURABLE]
    assert np.all(p.employer[wage] >= 0) and np.all(p.employer[~wage] == NO_ORG)
    assert m.firms.headcount.sum() == wage.sum()
    assert np.all(m.firms.headcount <= m.firms.positions)
    temp = p.state == S.EMPLOYED_TEMP
    assert np.all(p.contract_end[temp] >= 1)
    assert np.all(p.contract_end[p.contract == K.CDI] == -1)
    assert np.all(p.contract_end[p.contract == K.CDD_LONG] >= 1)
    durable = p.state == S.EMPLOYED_DURABLE
    assert np.all(np.isin(p.contract[durable], (K.CDI, K.CDD_LONG)))
    assert np.all(np.isin(p.contract[temp], (K.CDD_SHORT, K.INTERIM)))
    assert np.all(p.contract[~wage] == K.NONE)
    unemployed = p.state == S.UNEMPLOYED
    spells = p.unemployment_spell[unemployed]
    assert spells.min() >= 12 and spells.max() <= 48  # long_term_share = 1
    assert np.array_equal(p.prev_state, p.state)
    assert np.array_equal(p.prev_org, p.organisation())
    assert np.array_equal(m.firms.vacancies, m.firms.positions - m.firms.headcount)


def test_initial_spells_short_without_long_term() -> None:
    """Catches the long-term share applied the wrong way round."""
    m = tiny({"population.long_term_share": 0.0})
    spells = m.persons.unemployment_spell[m.persons.state == S.UNEMPLOYED]
    assert spells.size and spells.max() < 12


# ------------------------------------------------------------------ events
def test_demand_shock_multiplies_then_restores(make_params: Any = None) -> None:
    """Catches a shock applied at the wrong month, to the wrong sector, not undone, or undone
    at the wrong month."""
    events = [{"at": 2, "demand_shock": {"sector": "construction", "factor": 0.5,
                                         "months": 3}},
              {"at": 3, "demand_shock": {"sector": "all", "factor": 0.8, "months": 1}}]
    m = tiny({"events": events}, burn_in=1)
    c = m.sector_names.index("construction")
    others = [s for s in range(m.n_sectors) if s != c]
    seen = []
    for month in range(7):
        m.month = month
        m.events()
        seen.append(m.firms.shock.copy())
    # reported month = month (burn-in 1): the first shock at month 2, ends at month 5
    assert seen[1][c] == 1.0
    assert seen[2][c] == 0.5 and np.all(seen[2][others] == 1.0)
    assert seen[3][c] == pytest.approx(0.4) and np.allclose(seen[3][others], 0.8)
    assert seen[4][c] == pytest.approx(0.5) and np.allclose(seen[4][others], 1.0)
    assert np.allclose(seen[5], 1.0) and np.allclose(seen[6], 1.0)
    assert m._pending_shock_ends == []


def test_set_event_changes_parameters_at_its_month() -> None:
    """Catches a ``set`` event applied at the wrong month or not at all."""
    m = tiny({"events": [{"at": 2, "set": {"matching.efficiency": 0.123}}]})
    m.month = 0
    m.events()
    assert m.params.matching.efficiency != 0.123
    m.month = 1
    m.events()
    assert m.params.matching.efficiency == 0.123


# ------------------------------------------------------------------ demography
def test_demography_flows_at_probability_one() -> None:
    """Catches flows between the wrong states: all inactive become jobseekers, SIAE and
    trainees stay, every person ages one month."""
    m = tiny({**no_flows(), "demography.inactive_to_unemployed": 1.0})
    p = m.persons
    p.age_months[:] = 30 * 12
    force(m, np.arange(0, 10), S.INACTIVE)
    m.structures.hire(p, np.arange(10, 12), np.array([0, 0]), np.array([20, 20]))
    before = p.state.copy()
    m.demography()
    assert np.all(p.age_months == 30 * 12 + 1)
    assert np.all(p.state[before == S.INACTIVE] == S.UNEMPLOYED)
    assert np.array_equal(p.state[before != S.INACTIVE], before[before != S.INACTIVE])


def test_demography_unemployed_and_employed_leave_at_probability_one() -> None:
    """Catches the wrong states sent to inactivity (SIAE and training must stay)."""
    m = tiny({**no_flows(), "demography.unemployed_to_inactive": 1.0,
              "demography.employed_to_inactive": 1.0})
    p = m.persons
    p.age_months[:] = 30 * 12
    m.structures.hire(p, np.arange(0, 3), np.zeros(3, dtype=np.int64), np.full(3, 20))
    m.programmes.enrol(p, np.arange(3, 5), np.zeros(2, dtype=np.int64), 0)
    before = p.state.copy()
    m.demography()
    leave = np.isin(before, (S.UNEMPLOYED, *WAGE, S.SELF_EMPLOYED))
    assert leave.sum() > 0
    assert np.all(p.state[leave] == S.INACTIVE)
    assert np.array_equal(p.state[~leave], before[~leave])
    assert np.all(p.employer[leave] == NO_ORG)


def test_demography_nobody_moves_at_probability_zero() -> None:
    """Catches a flow that happens with probability zero (e.g. ``<`` turned to ``<=``
    against a draw of exactly 0 is rare; a flipped comparison is not)."""
    m = tiny(no_flows())
    p = m.persons
    p.age_months[:] = 30 * 12
    before = p.state.copy()
    m.demography()
    assert np.array_equal(p.state, before)


def test_retirement_replaces_the_person() -> None:
    """Catches retirees kept, entrants without a new id, or entrants with an old spell."""
    m = tiny({**no_flows(), "demography.entrant_inactive_share": 0.0})
    p, demo = m.persons, m.params.demography
    p.age_months[:] = 30 * 12
    p.age_months[[5, 9]] = demo.retirement_age * 12 - 1
    p.age_months[7] = demo.retirement_age * 12 - 2
    m.month = 4
    first_new = p.next_person_id
    m.demography()
    assert p.person_id[[5, 9]].tolist() == [first_new, first_new + 1]
    assert p.next_person_id == first_new + 2
    assert p.person_id[7] == 7
    assert np.all(p.state[[5, 9]] == S.UNEMPLOYED)
    assert np.all(p.age_months[[5, 9]] <= demo.entry_age_max * 12 + 12)
    assert np.all(p.age_months[[5, 9]] >= demo.entry_age_min * 12)
    assert np.all(p.spell_start[[5, 9]] == 4)
    assert np.all(p.prev_org[[5, 9]] == NO_ORG)
    assert np.all(p.prev_state[[5, 9]] == p.state[[5, 9]])


def test_entrants_inactive_at_share_one() -> None:
    """Catches the entrant inactive share applied the wrong way."""
    m = tiny({**no_flows(), "demography.entrant_inactive_share": 1.0})
    p = m.persons
    p.age_months[:] = 30 * 12
    p.age_months[:4] = m.params.demography.retirement_age * 12
    m.demography()
    assert np.all(p.state[:4] == S.INACTIVE)


# ------------------------------------------------------------------ demand
def test_demand_growth_compounds_monthly() -> None:
    """Catches a wrong monthly growth factor (12 months of demand give the yearly growth)."""
    m = tiny({"demand.growth_per_year": 0.12})
    for _ in range(12):
        m.demand()
    assert m.firms.growth == pytest.approx(1.12)
    assert m.firms.level == pytest.approx(1.0)


def test_demand_lays_off_exactly_the_excess() -> None:
    """Catches layoffs that miss the excess, overshoot it, or hit firms not over positions."""
    m = tiny(persons=1000)
    p, firms = m.persons, m.firms
    firms.shock[:] = 0.5
    firms.shock[0] = 1.0
    firms.count_headcount(p)
    before = firms.headcount.copy()
    target = firms.target_positions()
    excess = np.maximum(before - target, 0)
    assert excess.sum() > 0
    m.demand()
    firms.count_headcount(p)
    assert np.array_equal(firms.headcount, before - excess)
    assert m.monthly["separations_to_unemployment"] == excess.sum()
    assert np.all(firms.headcount <= firms.positions)
    assert np.array_equal(firms.vacancies, firms.positions - firms.headcount)


# ------------------------------------------------------------------ separations
def sep(**values: float) -> dict[str, Any]:
    out = no_flows()
    out.update({f"separations.{k}": v for k, v in values.items()})
    return out


def test_durable_and_self_employed_end_at_probability_one() -> None:
    """Catches separations of the wrong states, or uncounted ones. CDI end at their hazard
    (``durable_hazard`` after the first year, ``cdi_first_year_hazard`` in it); a CDD of 6
    months or more does not end before its term."""
    m = tiny(sep(durable_hazard=1.0, cdi_first_year_hazard=1.0, self_employed_exit=1.0))
    m.monthly = dict.fromkeys(MONTHLY, 0.0)
    p = m.persons
    p.contract_end[(p.state == S.EMPLOYED_TEMP) | (p.contract == K.CDD_LONG)] = 99
    assert np.any(p.contract == K.CDD_LONG) and np.any(p.contract == K.CDI)
    p.contract_start[np.flatnonzero(p.contract == K.CDI)[::2]] = 0  # half in their first year
    before = p.state.copy()
    cdi = p.contract == K.CDI
    m.separations()
    gone = cdi | (before == S.SELF_EMPLOYED)
    assert np.all(p.state[gone] == S.UNEMPLOYED)
    assert np.array_equal(p.state[~gone], before[~gone])
    assert m.monthly["separations_to_unemployment"] == gone.sum()


def test_business_creation_at_probability_one() -> None:
    """Catches creators drawn from the wrong state."""
    m = tiny(sep(business_creation=1.0))
    m.monthly = dict.fromkeys(MONTHLY, 0.0)
    p = m.persons
    p.contract_end[p.state == S.EMPLOYED_TEMP] = 99
    before = p.state.copy()
    m.separations()
    assert np.all(p.state[before == S.UNEMPLOYED] == S.SELF_EMPLOYED)
    assert np.array_equal(p.state[before != S.UNEMPLOYED], before[before != S.UNEMPLOYED])
    assert m.monthly["separations_to_unemployment"] == 0


@pytest.mark.parametrize(("conversion", "renewal", "expect"),
                         [(1.0, 0.0, S.EMPLOYED_DURABLE), (0.0, 1.0, S.EMPLOYED_TEMP),
                          (0.0, 0.0, S.UNEMPLOYED)])
def test_short_contracts_due_convert_renew_or_end(conversion: float, renewal: float,
                                                  expect: int) -> None:
    """Catches the conversion/renewal/end split done on the wrong draws or bounds, contracts
    not yet due touched, or renewals that end in the past."""
    m = tiny(sep(temp_conversion=conversion, temp_renewal=renewal))
    m.monthly = dict.fromkeys(MONTHLY, 0.0)
    p = m.persons
    m.month = 5
    temp = np.flatnonzero(p.state == S.EMPLOYED_TEMP)
    due, later = temp[::2], temp[1::2]
    p.contract_end[due] = 5
    p.contract_end[due[:3]] = 2  # overdue counts as due
    p.contract_end[later] = 6
    p.contract_end[p.contract == K.CDD_LONG] = 99  # longer CDD are not under test here
    m.separations()
    assert np.all(p.state[due] == expect)
    assert np.all(p.state[later] == S.EMPLOYED_TEMP)
    assert np.all(p.contract_end[later] == 6)
    if expect == S.EMPLOYED_DURABLE:
        assert np.all(p.contract_end[due] == -1)
    if expect == S.EMPLOYED_TEMP:
        assert np.all(p.contract_end[due] > 5)
        assert m.monthly["hires_temp"] == due.size
    else:
        assert m.monthly["hires_temp"] == 0
    assert m.monthly["separations_to_unemployment"] == (due.size if expect == S.UNEMPLOYED
                                                        else 0)


# ------------------------------------------------------------------ prescription
def prescription_model(unemployment: float = 0.1, **values: Any) -> TerritoryModel:
    upd = {**no_flows(), "prescription.training_fill_rate": 0.0,
           "population.unemployment_rate": unemployment}
    upd.update({k if "." in k else f"prescription.{k}": v for k, v in values.items()})
    m = tiny(upd, persons=2000)
    m.monthly = dict.fromkeys(("iae_entries", "training_entries", "training_cost"), 0.0)
    return m


def ineligible_profile(m: TerritoryModel, slots: np.ndarray) -> None:
    """No criterion at all: 30 years old, qualified, a short spell, low barriers, no benefit."""
    p = m.persons
    p.age_months[slots] = 30 * 12
    p.qualification[slots] = 3
    p.unemployment_spell[slots] = 3
    p.barriers[slots] = 0.1
    p.barrier_bits[slots] = 0
    p.rsa[slots] = False
    p.benefit[slots] = 0


def test_prescription_fills_every_free_post_with_eligible_persons() -> None:
    """Catches eligibility read wrongly (level-1 criteria, a valid Pass, the waiting period),
    posts left free at fill rate 1, persons without Pass months for a minimal CDDI hired, or
    routes outside the legal bounds (the Pass's end)."""
    m = prescription_model(siae_fill_rate=1.0, diagnostics_per_1000=1000.0,
                           **{"siae_rules.waiver_probability": 0.0})
    p, rules = m.persons, m.params.siae_rules
    m.month = 30
    unemployed = np.flatnonzero(p.state == S.UNEMPLOYED)
    ineligible_profile(m, unemployed)
    rsa, long_, holders = unemployed[:40], unemployed[40:80], unemployed[80:85]
    waiting, short_pass = unemployed[85:95], unemployed[95:100]
    p.rsa[rsa] = True
    p.unemployment_spell[long_] = 24
    p.pass_end[holders] = 30 + rules.cddi_min_months  # exactly the minimal CDDI left
    p.pass_end[short_pass] = 30 + rules.cddi_min_months - 1
    p.rsa[waiting] = True
    p.pass_end[waiting] = 30 - rules.waiting_period_months + 1  # one month of waiting left
    free = int(m.structures.free_posts(p).sum())
    assert 0 < free < 85
    m.prescription()
    hired = np.flatnonzero(p.state == S.SIAE)
    assert hired.size == free
    assert m.monthly["iae_entries"] == free
    assert np.all(np.isin(hired, np.concatenate([rsa, long_, holders])))
    assert np.all(m.structures.free_posts(p) == 0)
    route = p.contract_end[hired] - 30
    assert np.all(route >= rules.cddi_min_months)
    assert np.all(p.contract_end[hired] <= p.pass_end[hired])
    assert np.concatenate(m.recorder.entries.chunks["slot"]).size == free


def test_prescription_aci_takes_the_furthest_from_employment() -> None:
    """Catches the SIAE's own preference ignored or reversed: with every jobseeker eligible,
    the mean barriers of entrants are ordered ACI > EI > ETTI and AI."""
    m = prescription_model(0.4, siae_fill_rate=1.0, diagnostics_per_1000=1000.0,
                           **{"siae_rules.level2_needed_aci_ei": 0,
                              "siae_rules.level2_needed_ai_etti": 0,
                              **{f"siae.{t}.posts": 30 for t in ("ACI", "EI", "ETTI", "AI")}})
    p = m.persons
    m.prescription()
    hired = np.flatnonzero(p.state == S.SIAE)
    assert hired.size == 120
    kind = m.structures.type[p.siae[hired]]
    mean = [p.barriers[hired[kind == k]].mean() for k in range(4)]
    assert mean[0] > mean[1] > max(mean[2], mean[3])


def test_prescription_diagnoses_the_most_in_need() -> None:
    """Catches the prescribers' priority ignoring barriers: with few diagnostics and a wide
    gap, those with barriers near 1 are diagnosed before those near 0."""
    m = prescription_model(0.3, siae_fill_rate=0.0, diagnostics_per_1000=100.0,
                           **{"siae_rules.level2_needed_aci_ei": 0,
                              "siae_rules.level2_needed_ai_etti": 0})
    p = m.persons
    unemployed = np.flatnonzero(p.state == S.UNEMPLOYED)
    p.barriers[unemployed] = 0.0
    p.unemployment_spell[unemployed] = 0
    top = unemployed[: unemployed.size // 2]
    p.barriers[top] = 1.0
    m.prescription()
    diagnosed = np.flatnonzero(p.diagnosed_until >= 0)
    hired = np.flatnonzero(p.state == S.SIAE)
    assert diagnosed.size + hired.size > 0
    assert np.isin(np.concatenate([diagnosed, hired]), top).mean() > 0.75  # 0.5 if ignored


def test_prescription_nobody_at_fill_rate_zero_or_when_ineligible() -> None:
    """Catches hires at fill rate 0, or of persons meeting no criterion; the posts sought but
    left empty are counted as unfilled."""
    m = prescription_model(siae_fill_rate=0.0)
    m.prescription()
    assert not (m.persons.state == S.SIAE).any()
    m = prescription_model(siae_fill_rate=1.0, diagnostics_per_1000=1000.0)
    p = m.persons
    ineligible_profile(m, np.arange(p.n))
    free = int(m.structures.free_posts(p).sum())
    m.prescription()
    assert not (p.state == S.SIAE).any()
    assert m.monthly["iae_entries"] == 0
    assert m.monthly["iae_unfilled_posts"] == free > 0


def test_prescription_training_takes_low_qualifications_only() -> None:
    """Catches training eligibility on the wrong side of the qualification bound, or seats
    left free at fill rate 1."""
    m = prescription_model(siae_fill_rate=0.0, training_fill_rate=1.0,
                           training_max_qualification=1)
    p = m.persons
    free = int(m.programmes.free_seats(p).sum())
    m.prescription()
    trainees = np.flatnonzero(p.state == S.TRAINING)
    eligible = (p.state == S.UNEMPLOYED) | (p.state == S.TRAINING)
    assert trainees.size == min(free, int((eligible & (p.qualification <= 1)).sum()))
    assert np.all(p.qualification[trainees] <= 1)
    assert m.monthly["training_entries"] == trainees.size
    cost = m.programmes.cost_per_seat[p.programme[trainees]].sum()
    assert m.monthly["training_cost"] == pytest.approx(cost)
    assert np.all(p.contract_end[trainees] == m.programmes.duration[p.programme[trainees]])


# ------------------------------------------------------------------ support
def test_support_graduates_those_due() -> None:
    """Catches trainees finishing early, completions miscounted, or graduates not reported."""
    m = tiny({"demography.inactive_to_unemployed": 0.0}, persons=1000)
    m.monthly = {"training_completions": 0.0}
    p = m.persons
    slots = np.flatnonzero(p.state == S.UNEMPLOYED)[:6]
    m.programmes.enrol(p, slots, np.zeros(6, dtype=np.int64), 0)
    p.contract_end[slots[:4]] = 3
    p.contract_end[slots[4:]] = 4
    m.month = 3
    m.support()
    assert np.all(p.state[slots[:4]] == S.UNEMPLOYED)
    assert np.all(p.state[slots[4:]] == S.TRAINING)
    done_slots, progs = m.graduates
    assert np.all(np.isin(done_slots, slots[:4]))
    assert m.monthly["training_completions"] == done_slots.size
    assert np.all(progs == 0)


# ------------------------------------------------------------------ matching and hires
def test_fixed_rate_one_hires_every_searcher_into_vacancies() -> None:
    """Catches same-month rehires (prev_state check), finders beyond vacancies, or the
    jobseeker count taken before the filter."""
    m = tiny({"matching.fixed_job_finding_rate": 1.0}, persons=1000)
    m.monthly = dict.fromkeys(MONTHLY, 0.0)
    p = m.persons
    unemployed = np.flatnonzero(p.state == S.UNEMPLOYED)
    fresh = unemployed[:5]
    p.prev_state[fresh] = S.EMPLOYED_TEMP
    vac = int(m.firms.vacancies.sum())
    searching = unemployed.size - 5
    m.matching()
    assert m.monthly["jobseekers"] == searching
    hired = min(vac, searching)
    assert m.monthly["jobseeker_hires"] == hired
    assert np.all(p.state[fresh] == S.UNEMPLOYED)
    assert (p.state[unemployed] != S.UNEMPLOYED).sum() == hired
    assert m.monthly["hires_temp"] + m.monthly["hires_durable"] == hired


def test_fixed_rate_zero_hires_nobody() -> None:
    """Catches hires when the fixed rate is zero."""
    m = tiny({"matching.fixed_job_finding_rate": 0.0})
    m.monthly = dict.fromkeys(MONTHLY, 0.0)
    before = m.persons.state.copy()
    m.matching()
    assert np.array_equal(m.persons.state, before)


def matching_model(**values: Any) -> TerritoryModel:
    """A model for one matching phase; on-the-job search and recalls off unless given."""
    values = {"otj_search_short": 0.0, "otj_search_durable": 0.0, "recall_probability": 0.0,
              **values}
    m = tiny({f"matching.{k}": v for k, v in values.items()}, persons=2000)
    m.monthly = dict.fromkeys(MONTHLY, 0.0)
    return m


def test_matching_hires_within_vacancies_and_only_searchers() -> None:
    """Catches hires beyond a firm's vacancies, of non-searchers, or counts that disagree."""
    m = matching_model(efficiency=5.0, acceptability=-10.0, search_intensity=1.0)
    p = m.persons
    p.barriers[:] = 0.0
    vac = m.firms.vacancies.copy()
    before = p.state.copy()
    m.matching()
    moved = np.flatnonzero(p.state != before)
    assert moved.size > 0
    assert np.all(np.isin(before[moved], (S.UNEMPLOYED, S.SIAE)))
    assert np.all(np.isin(p.state[moved], WAGE))
    m.firms.count_headcount(p)
    per_firm = np.bincount(p.employer[moved], minlength=m.firms.n)
    assert np.all(per_firm <= vac)
    assert m.monthly["jobseeker_hires"] == (before[moved] == S.UNEMPLOYED).sum()
    assert m.monthly["jobseekers"] == (before == S.UNEMPLOYED).sum()


def test_matching_nobody_without_search_or_acceptable_scores() -> None:
    """Catches hires of persons who do not search, or whose score is below acceptability."""
    m = matching_model(search_intensity=0.0, siae_search_months=0)
    before = m.persons.state.copy()
    m.matching()
    assert np.array_equal(m.persons.state, before)
    m = matching_model(search_intensity=1.0, acceptability=10.0)
    before = m.persons.state.copy()
    m.matching()
    assert np.array_equal(m.persons.state, before)


def test_matching_picks_the_best_scores() -> None:
    """Catches the employers' choice ignoring skill (or preferring low skill): with noise 0
    and a few vacancies, high-skill candidates are hired before low-skill ones."""
    m = matching_model(noise=0.0, acceptability=-10.0, search_intensity=1.0,
                       efficiency=0.3, weight_barriers=0.0, weight_productivity=0.0,
                       weight_qualification=0.0)
    p = m.persons
    unemployed = np.flatnonzero(p.state == S.UNEMPLOYED)
    p.barriers[unemployed] = 0.0
    p.skill[unemployed] = 0.0
    good = unemployed[::2]
    p.skill[good] = 1.0
    m.matching()
    hired = unemployed[p.state[unemployed] != S.UNEMPLOYED]
    assert hired.size > 0
    # each firm chooses among its own applicants: high skill first there; across firms a
    # firm that received only low-skill applicants hires one of them
    assert np.isin(hired, good).mean() > 0.8
    pool = m.applicant_pool
    taken = np.zeros(pool.slots.size, dtype=bool)
    taken[pool.chosen()] = True
    for f in np.unique(pool.firm[taken]):
        mine = pool.firm == f
        if np.any(mine & ~taken):
            assert pool.score[mine & taken].min() >= pool.score[mine & ~taken].max()


@pytest.mark.parametrize("boost", [0.0, 1000.0])
def test_hire_contract_follows_boost_and_counts(boost: float) -> None:
    """Catches the durable draw ignoring ``durable_boost``, miscounted hires, or SIAE leavers
    not logged with their outcome (DURABLE for durable hires, TRANSITION otherwise)."""
    m = tiny(persons=1000)
    m.monthly = dict.fromkeys(MONTHLY, 0.0)
    p = m.persons
    m.month = 2
    js = np.flatnonzero(p.state == S.UNEMPLOYED)[:4]
    siae = np.flatnonzero(p.state == S.UNEMPLOYED)[4:7]
    m.structures.hire(p, siae, np.zeros(3, dtype=np.int64), np.full(3, 30))
    slots = np.concatenate([js, siae])
    firms = np.flatnonzero(m.firms.vacancies > 0)[:1].repeat(slots.size)
    m.hire(slots, firms, durable_boost=boost)
    want = S.EMPLOYED_DURABLE if boost else S.EMPLOYED_TEMP
    assert np.all(p.state[slots] == want)
    assert np.all(p.employer[slots] == firms)
    n = slots.size
    assert m.monthly["hires_durable"] == (n if boost else 0)
    assert m.monthly["hires_temp"] == (0 if boost else n)
    assert m.monthly["jobseeker_hires"] == 4
    assert m.monthly["jobseeker_hires_durable"] == (4 if boost else 0)
    r = m.recorder
    assert r.n_exits == 3
    want_out = ExitOutcome.DURABLE if boost else ExitOutcome.TRANSITION
    assert np.all(r._exits["outcome"][:3] == want_out)
    if not boost:
        assert np.all(p.contract_end[slots] > 2)
    m.hire(np.empty(0, dtype=np.int64), np.empty(0, dtype=np.int64))
    assert m.monthly["jobseeker_hires"] == 4


# ------------------------------------------------------------------ SIAE exits
def siae_model(exit_to_training: float, dropout: float = 0.0) -> TerritoryModel:
    upd: dict[str, Any] = {}
    for kind in ("ACI", "EI", "ETTI", "AI"):
        upd[f"siae.{kind}.exit_to_training"] = exit_to_training
        upd[f"siae.{kind}.dropout"] = dropout
    m = tiny(upd, persons=1000)
    m.monthly = {"training_cost": 0.0, "training_entries": 0.0}
    return m


def test_routes_end_at_their_limit_into_unemployment() -> None:
    """Catches routes ending before their end month, or leavers not unemployed/logged OTHER."""
    m = siae_model(exit_to_training=0.0)
    p = m.persons
    slots = np.flatnonzero(p.state == S.UNEMPLOYED)[:6]
    m.structures.hire(p, slots, np.zeros(6, dtype=np.int64), np.array([3, 3, 2, 4, 4, 9]))
    m.month = 3
    m.siae_exits()
    assert np.all(p.state[slots[:3]] == S.UNEMPLOYED)
    assert np.all(p.state[slots[3:]] == S.SIAE)
    r = m.recorder
    assert r.n_exits == 3
    assert np.all(r._exits["outcome"][:3] == ExitOutcome.OTHER)
    assert sorted(r._exits["slot"][:3].tolist()) == sorted(slots[:3].tolist())
    assert m.monthly["training_entries"] == 0


def test_dropout_one_ends_every_route() -> None:
    """Catches the dropout hazard ignored."""
    m = siae_model(exit_to_training=0.0, dropout=1.0)
    p = m.persons
    slots = np.flatnonzero(p.state == S.UNEMPLOYED)[:5]
    m.structures.hire(p, slots, np.zeros(5, dtype=np.int64), np.full(5, 30))
    m.siae_exits()
    assert np.all(p.state[slots] == S.UNEMPLOYED)


def test_exits_to_training_need_a_free_seat() -> None:
    """Catches positive exits without a seat, or leavers with a seat not trained."""
    m = siae_model(exit_to_training=1.0)
    p = m.persons
    seats = int(m.programmes.free_seats(p).sum())
    k = seats + 3
    slots = np.flatnonzero(p.state == S.UNEMPLOYED)[:k]
    m.structures.hire(p, slots, np.arange(k) % m.structures.n, np.zeros(k, dtype=np.int64))
    m.siae_exits()
    trained = p.state[slots] == S.TRAINING
    assert trained.sum() == seats
    assert np.all(p.state[slots[~trained]] == S.UNEMPLOYED)
    out = m.recorder._exits["outcome"][: m.recorder.n_exits]
    assert (out == ExitOutcome.POSITIVE).sum() == seats
    assert (out == ExitOutcome.OTHER).sum() == 3
    assert m.monthly["training_entries"] == seats
    assert m.monthly["training_cost"] > 0


# ------------------------------------------------------------------ bookkeeping
def test_bookkeeping_counters_known_answers() -> None:
    """Catches wrong spell, Pass IAE, months-in-state or career counters."""
    m = tiny(burn_in=0)
    p = m.persons
    s = np.arange(6)
    force(m, s, S.UNEMPLOYED)
    p.unemployment_spell[s] = 5
    p.set_state(s[1:2], S.TRAINING)
    p.unemployment_spell[1] = 5
    p.set_state(s[2:3], S.SIAE)
    p.set_state(s[3:4], S.EMPLOYED_DURABLE)
    p.set_state(s[4:5], S.SELF_EMPLOYED)
    p.set_state(s[5:6], S.EMPLOYED_TEMP)
    p.prev_state[s] = [S.UNEMPLOYED, S.UNEMPLOYED, S.SIAE, S.UNEMPLOYED, S.UNEMPLOYED,
                       S.EMPLOYED_TEMP]
    p.months_in_state[s] = 7
    p.iae_months[s] = 2
    p.longest_unemployment[s] = 3
    p.obs_months[s] = p.months_employed[s] = p.months_durable[s] = p.breaks[s] = 0
    m.bookkeeping()
    assert p.unemployment_spell[s].tolist() == [6, 5, 0, 0, 0, 0]
    assert p.iae_months[s].tolist() == [2, 2, 3, 2, 2, 2]
    assert p.months_in_state[s].tolist() == [8, 0, 8, 0, 0, 8]
    assert np.all(p.obs_months[s] == 1)
    assert p.months_employed[s].tolist() == [0, 0, 1, 1, 1, 1]
    assert p.months_durable[s].tolist() == [0, 0, 0, 1, 1, 0]
    assert p.longest_unemployment[s].tolist() == [6, 5, 3, 3, 3, 3]
    p.prev_state[s] = [S.EMPLOYED_TEMP, S.SIAE, S.INACTIVE, S.TRAINING, S.SIAE,
                       S.EMPLOYED_DURABLE]
    p.set_state(s, S.UNEMPLOYED)
    m.bookkeeping()
    assert p.breaks[s].tolist() == [1, 1, 0, 0, 1, 1]  # a CDDI is a job


def test_bookkeeping_during_burn_in_leaves_careers() -> None:
    """Catches career counters updated during the burn-in."""
    m = tiny(burn_in=2)
    p = m.persons
    m.bookkeeping()
    assert not p.obs_months.any() and not p.months_employed.any()


def test_step_resets_the_month_and_records() -> None:
    """Catches a step that does not reset the monthly counters or advance the month."""
    m = tiny(burn_in=0)
    m.step()
    assert m.month == 1
    assert m.monthly["jobseekers"] > 0
    s = m.recorder.series
    total = sum(s[f"n_{k}"][0] for k in ("unemployed", "inactive", "training", "siae",
                                         "employed_temp", "employed_durable",
                                         "self_employed"))
    assert total == m.persons.n
