"""``model/indicators.py``: the Recorder on a model of a few hundred persons whose state is
forced by hand, so each monthly series, spell, exit record and outcome has an answer computed
here by hand. Fast: part of the mutation-testing subset (tests/mutation/)."""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd
import pytest

from model import TerritoryModel, TerritoryParams, with_values
from model.indicators import ENTRANT_SITUATIONS, SERIES_DOCS, Recorder, _Growable
from model.params import SIAE_TYPES
from model.ptce.pmsmp import PMSMP_OUTCOMES
from model.result import OUTCOME_DOCS
from model.states import ExitOutcome, K, S, State


def tiny(updates: dict[str, Any] | None = None, persons: int = 200, burn_in: int = 0,
         months: int = 12) -> TerritoryModel:
    values = {"population.persons": persons, "simulation.burn_in_months": burn_in,
              "simulation.months": months, **(updates or {})}
    m = TerritoryModel(with_values(TerritoryParams(), values), seed=5)
    m.monthly = {"jobseekers": 0.0, "jobseeker_hires": 0.0}
    return m


def set_states(m: TerritoryModel, states: list[int]) -> None:
    """Give the first persons ``states`` (no organisations) and everyone else INACTIVE."""
    p = m.persons
    p.set_state(np.arange(p.n), S.INACTIVE)
    p.state[: len(states)] = states
    p.prev_state[:] = p.state
    p.prev_org[:] = p.organisation()


# ------------------------------------------------------------------ _Growable
def test_growable_concatenates_chunks_in_order() -> None:
    """Catches lost chunks, columns swapped, or an empty frame not empty."""
    g = _Growable(("a", "b"))
    assert g.frame().shape == (0, 2)
    g.append(a=np.array([1, 2]), b=np.array([3, 4]), c=np.array([9, 9]))
    g.append(a=np.array([5]), b=np.array([6]))
    f = g.frame()
    assert list(f.columns) == ["a", "b"]
    assert f["a"].tolist() == [1, 2, 5] and f["b"].tolist() == [3, 4, 6]


# ------------------------------------------------------------------ monthly series
def test_record_month_state_counts_and_rates_known_answers() -> None:
    """Catches a wrong numerator or denominator in the monthly rates (labour force includes
    the SIAE and self-employed, not trainees nor inactive; rates over the population)."""
    m = tiny(persons=200)
    p = m.persons
    states = ([S.UNEMPLOYED] * 20 + [S.TRAINING] * 5 + [S.SELF_EMPLOYED] * 10
              + [S.EMPLOYED_TEMP] * 0)
    set_states(m, states)
    p.unemployment_spell[:20] = 0
    p.unemployment_spell[:5] = 12
    p.unemployment_spell[5:8] = 11
    m.structures.hire(p, np.arange(60, 64), np.array([0, 0, 1, 3]), np.full(4, 10))
    m.monthly = {"jobseekers": 40.0, "jobseeker_hires": 10.0, "hires_temp": 3.0,
                 "ptce_capacity": 7.0}
    m.firms.post_vacancies(p)
    m.recorder.record_month()
    s = {k: v[0] for k, v in m.recorder.series.items()}
    assert s["n_unemployed"] == 20 and s["n_training"] == 5 and s["n_siae"] == 4
    assert s["n_self_employed"] == 10 and s["n_inactive"] == 200 - 39
    assert s["labour_force"] == 34
    assert s["unemployment_rate"] == pytest.approx(20 / 34)
    assert s["employment_rate"] == pytest.approx(14 / 200)
    assert s["inactivity_rate"] == pytest.approx(161 / 200)
    assert s["long_term_unemployed_share"] == pytest.approx(5 / 20)
    assert s["job_finding_rate"] == pytest.approx(0.25)
    assert s["jobseeker_hires"] == 10 and s["hires_temp"] == 3 and s["hires_durable"] == 0
    assert s["ptce_capacity"] == 7
    assert s["iae_aci"] == 2 and s["iae_ei"] == 1 and s["iae_etti"] == 0 and s["iae_ai"] == 1
    aid = {t: m.params.siae[t].aid_per_fte_year for t in SIAE_TYPES}
    assert s["siae_aid_cost"] == pytest.approx((2 * aid["ACI"] + aid["EI"] + aid["AI"]) / 12)
    assert s["positions"] == m.firms.positions.sum()
    assert s["vacancies"] == m.firms.positions.sum()  # nobody works in a firm
    assert s["vacancy_rate"] == pytest.approx(1.0)


def test_record_month_zero_denominators_give_zero() -> None:
    """Catches a division by zero (or a non-zero default) when nobody is active or searching."""
    m = tiny(persons=100)
    set_states(m, [])
    m.firms.positions[:] = 0
    m.firms.base_positions[:] = 0.0
    m.firms.vacancies[:] = 0
    m.recorder.record_month()
    s = m.recorder.series
    for key in ("unemployment_rate", "long_term_unemployed_share", "job_finding_rate",
                "vacancy_rate", "employment_rate"):
        assert s[key][0] == 0.0, key
    assert s["inactivity_rate"][0] == 1.0


def test_record_month_vacancy_rate_with_filled_positions() -> None:
    """Catches a vacancy rate over positions only, or over filled positions only."""
    m = tiny(persons=200)
    p = m.persons
    set_states(m, [S.UNEMPLOYED] * 6)
    f = int(np.argmax(m.firms.positions))
    m.firms.hire(p, np.arange(3), np.full(3, f), np.full(3, K.CDI, dtype=np.int8), np.zeros(3),
                 np.ones(3), m.month)
    m.firms.vacancies[:] = 0
    m.firms.vacancies[f] = 1
    m.recorder.record_month()
    assert m.recorder.series["vacancies"][0] == 1
    assert m.recorder.series["vacancy_rate"][0] == pytest.approx(1 / 4)


def test_record_month_nothing_reported_in_burn_in_and_months_indexed() -> None:
    """Catches series written during the burn-in, or at the wrong row."""
    m = tiny(persons=100, burn_in=2, months=3)
    set_states(m, [S.UNEMPLOYED] * 10)
    for month in range(4):
        m.month = month
        if month == 3:
            set_states(m, [S.UNEMPLOYED] * 7)
        m.recorder.record_month()
    s = m.recorder.series["n_unemployed"]
    assert s.tolist() == [10.0, 7.0, 0.0]


def test_exit_counts_of_this_month_only() -> None:
    """Catches exits of earlier months counted again."""
    m = tiny(persons=200)
    p = m.persons
    set_states(m, [S.UNEMPLOYED] * 5)
    m.structures.hire(p, np.arange(5), np.zeros(5, dtype=np.int64), np.full(5, 10))
    r = m.recorder
    m.month = 0
    r.log_siae_exits(np.arange(2), np.array([ExitOutcome.DURABLE, ExitOutcome.OTHER]))
    m.month = 1
    r.log_siae_exits(np.arange(2, 5), np.array([ExitOutcome.POSITIVE] * 2
                                               + [ExitOutcome.OTHER]))
    r.record_month()
    s = r.series
    assert s["iae_exits_positive"][1] == 2 and s["iae_exits_other"][1] == 1
    assert s["iae_exits_durable"][1] == 0
    slots, structures = r.exits_this_month()
    assert slots.tolist() == [2, 3, 4] and structures.tolist() == [0, 0, 0]


# ------------------------------------------------------------------ SIAE exit log
def test_exit_log_grows_and_keeps_rows() -> None:
    """Catches rows lost or overwritten when the log grows past its first 256 rows, or the
    route length and RSA flag recorded wrongly."""
    m = tiny(persons=400)
    p = m.persons
    set_states(m, [S.UNEMPLOYED] * 300)
    slots = np.arange(300)
    m.structures.hire(p, slots, slots % m.structures.n, np.full(300, 10))
    p.prev_state[:150] = S.SIAE
    p.months_in_state[:300] = 4
    p.rsa[:300] = False
    p.rsa[::3] = True
    r = m.recorder
    r.log_siae_exits(np.empty(0, dtype=np.int64), np.empty(0, dtype=np.int64))
    assert r.n_exits == 0
    for chunk in (slots[:200], slots[200:]):
        r.log_siae_exits(chunk, np.full(chunk.size, ExitOutcome.OTHER))
    assert r.n_exits == 300
    e = r._exits
    assert e["slot"][:300].tolist() == slots.tolist()
    assert e["person_id"][:300].tolist() == p.person_id[:300].tolist()
    assert e["structure"][:300].tolist() == (slots % m.structures.n).tolist()
    assert e["siae_type"][:300].tolist() == m.structures.type[slots % m.structures.n].tolist()
    assert np.all(e["route_months"][:150] == 5) and np.all(e["route_months"][150:300] == 1)
    assert e["rsa"][:300].tolist() == p.rsa[:300].astype(int).tolist()
    assert np.all(r._state_6m[:300] == -1)


def test_follow_up_six_months_after_exit() -> None:
    """Catches the follow-up at the wrong month, or recorded for a slot taken over by an
    entrant."""
    m = tiny(persons=200)
    p = m.persons
    set_states(m, [S.UNEMPLOYED] * 4)
    m.structures.hire(p, np.arange(4), np.zeros(4, dtype=np.int64), np.full(4, 10))
    r = m.recorder
    m.month = 2
    r.log_siae_exits(np.arange(4), np.full(4, ExitOutcome.OTHER))
    set_states(m, [S.EMPLOYED_DURABLE, S.UNEMPLOYED, S.INACTIVE, S.SELF_EMPLOYED])
    p.person_id[3] = 999  # slot 3 now holds someone else
    for month in (3, 7):
        m.month = month
        r._follow_up()
        assert np.all(r._state_6m[:4] == -1)
    m.month = 8
    r._follow_up()
    assert r._state_6m[:4].tolist() == [S.EMPLOYED_DURABLE, S.UNEMPLOYED, S.INACTIVE, -1]


def test_entrants_observed_36_months_after_entry() -> None:
    """Catches entrants observed at the wrong month, a wrong situation class, or entrants
    replaced since counted."""
    m = tiny(persons=200)
    p = m.persons
    set_states(m, [S.UNEMPLOYED] * 5)
    m.structures.hire(p, np.arange(5), np.zeros(5, dtype=np.int64), np.full(5, 10))
    r = m.recorder
    m.month = 1
    r.log_iae_entries(np.arange(5))
    r.log_iae_entries(np.empty(0, dtype=np.int64))
    assert len(r._entry_checks) == 1
    set_states(m, [S.EMPLOYED_TEMP, S.SIAE, S.UNEMPLOYED, S.INACTIVE, S.TRAINING])
    p.person_id[4] = 555
    m.month = 36
    r._observe_entrants()
    assert r._entries_36m == []
    m.month = 37
    r._observe_entrants()
    person, situation = r._entries_36m[0]
    assert person.tolist() == [0, 1, 2, 3, 4]
    names = [ENTRANT_SITUATIONS[c] if c >= 0 else None for c in situation]
    assert names == ["ordinary_job", "still_iae", "unemployed", "inactive", None]
    f = r.entries.frame()
    assert f["month"].tolist() == [1] * 5 and f["slot"].tolist() == [0, 1, 2, 3, 4]


# ------------------------------------------------------------------ transitions and spells
def test_quarterly_transitions_known_matrix() -> None:
    """Catches a transposed matrix, a wrong class map, or replaced persons counted."""
    m = tiny(persons=100)
    p = m.persons
    set_states(m, [S.EMPLOYED_TEMP, S.EMPLOYED_DURABLE, S.UNEMPLOYED, S.INACTIVE, S.SIAE])
    r = m.recorder
    r._quarterly_transitions()
    assert r.transitions.sum() == 0
    set_states(m, [S.EMPLOYED_DURABLE, S.EMPLOYED_DURABLE, S.TRAINING, S.UNEMPLOYED,
                   S.SELF_EMPLOYED])
    p.person_id[1] = 777
    r._quarterly_transitions()
    t = r.transitions
    assert t.sum() == 99  # one slot changed hands
    assert t[0, 1] == 2  # temp job and SIAE -> durable (incl. self-employed)
    assert t[2, 2] == 1  # unemployed -> training (counted with unemployed)
    assert t[3, 2] == 1  # inactive -> unemployed
    assert t[3, 3] == 95


def test_quarterly_transitions_every_third_reported_month() -> None:
    """Catches transitions taken on the wrong months."""
    m = tiny(persons=100, burn_in=1, months=9)
    set_states(m, [S.UNEMPLOYED] * 10)
    for month in range(8):
        m.month = month
        if month == 4:
            set_states(m, [S.EMPLOYED_TEMP] * 10)
        m.recorder.record_month()
    # snapshots at reported months 3 and 6 (absolute 3 and 6)
    assert m.recorder.transitions[2, 0] == 10
    assert m.recorder.transitions.sum() == 100


def test_close_spells_known_rows() -> None:
    """Catches spells closed during the burn-in, of same-month entrants, or with start/end
    not shifted by the burn-in."""
    m = tiny(persons=100, burn_in=2)
    p = m.persons
    r = m.recorder
    p.spell_start[:3] = [0, 3, 5]
    p.prev_state[:3] = [S.UNEMPLOYED, S.SIAE, S.TRAINING]
    p.prev_org[:3] = [-1, 4, 2]
    m.month = 2
    r.close_spells(np.arange(3))
    assert r.spells.frame().empty
    m.month = 5
    r.close_spells(np.arange(3))
    r.close_spells(np.empty(0, dtype=np.int64))
    f = r.spells.frame()
    assert f["person_id"].tolist() == [0, 1]
    assert f["start"].tolist() == [0, 1] and f["end"].tolist() == [3, 3]
    assert f["state"].tolist() == [S.UNEMPLOYED, S.SIAE]
    assert f["organisation"].tolist() == [-1, 4]
    r.close_spells(np.arange(1), end=6)
    assert r.spells.frame()["end"].tolist()[-1] == 4


def test_record_month_opens_spells_on_changes_and_spells_of() -> None:
    """Catches changes of organisation alone not opening a spell, or ``spells_of`` losing the
    open spell."""
    m = tiny(persons=100)
    p = m.persons
    set_states(m, [S.UNEMPLOYED, S.UNEMPLOYED])
    m.month = 1
    m.structures.hire(p, np.array([0]), np.array([0]), np.array([9]))
    m.recorder.record_month()
    assert p.spell_start[0] == 1 and p.spell_start[1] == 0
    m.month = 2
    p.siae[0] = 1  # same state, another structure
    m.recorder.record_month()
    assert p.spell_start[0] == 2
    spells = m.spells_of(int(p.person_id[0]))
    assert spells == [("UNEMPLOYED", 0, 1, -1), ("SIAE", 1, 2, 0), ("SIAE", 2, None, 1)]
    assert m.spells_of(10_000) == []


def test_no_spells_kept_when_switched_off() -> None:
    """Catches spells recorded despite ``record_spells = False``."""
    m = tiny({"simulation.record_spells": False}, persons=100)
    m.month = 3
    m.recorder.close_spells(np.arange(5))
    assert m.recorder.spells.frame().empty
    assert m.recorder.result().spells.empty


# ------------------------------------------------------------------ end of run
def filled_model() -> TerritoryModel:
    """A model of 100 persons, 12 reported months, with series, careers and exits set by
    hand (not stepped)."""
    m = tiny(persons=100, months=12, burn_in=2)
    r, p = m.recorder, m.persons
    s = r.series
    for key in s:
        s[key][:] = 0.0
    s["unemployment_rate"][:] = np.arange(12) / 100  # mean 0.055
    s["employment_rate"][:] = 0.6
    s["inactivity_rate"][:] = 0.3
    s["long_term_unemployed_share"][:] = 0.4
    s["job_finding_rate"][:] = np.r_[np.zeros(6), np.full(6, 0.2)]
    s["jobseeker_hires"][:] = 4
    s["jobseeker_hires_durable"][:] = 1
    s["hires_temp"][:] = 3
    s["hires_durable"][:] = 1
    s["vacancy_rate"][:] = 0.05
    s["iae_aci"][:] = 2
    s["iae_ei"][:] = 1
    s["iae_entries"][:] = 0.5
    s["training_entries"][:] = 1
    s["training_completions"][:] = 2
    s["siae_aid_cost"][:] = 10
    s["training_cost"][:] = 100
    s["n_employed_durable"][:] = 30
    s["n_self_employed"][:] = 5
    s["ptce_cases_used"][:] = 2
    s["ptce_training_seats_added"][:] = np.arange(12)
    s["ptce_trust"][:] = np.linspace(0.3, 0.6, 12)
    s["ptce_network_density"][-1] = 0.25
    p.obs_months[:] = 0
    p.obs_months[:4] = [10, 10, 5, 4]
    p.months_employed[:4] = [5, 10, 0, 4]
    p.months_durable[:4] = [2, 0, 0, 4]
    p.breaks[:4] = [1, 2, 0, 1]
    p.longest_unemployment[:4] = [3, 0, 5, 0]
    p.qualification_initial[:4] = [1, 1, 2, 0]
    p.qualification[:4] = [2, 1, 4, 0]
    p.rsa[:4] = [True, False, False, True]
    # exits: one in the burn-in (not reported), three reported
    set_states(m, [S.UNEMPLOYED] * 4)
    m.structures.hire(p, np.arange(4), np.array([0, 0, 3, 3]), np.full(4, 10))
    p.months_in_state[:4] = [5, 3, 9, 1]
    p.prev_state[:4] = S.SIAE
    m.month = 1
    r.log_siae_exits(np.array([3]), np.array([ExitOutcome.OTHER]))
    m.month = 4
    r.log_siae_exits(np.array([0, 1, 2]), np.array([ExitOutcome.DURABLE,
                                                    ExitOutcome.OTHER, ExitOutcome.OTHER]))
    r._state_6m[1:4] = [S.EMPLOYED_DURABLE, S.UNEMPLOYED, -1]
    r._entries_36m = [np.array([[1, 2, 3, 4], [0, 0, 2, -1]])]
    m.month = 14
    return m


def test_result_outcomes_known_answers() -> None:
    """Catches wrong windows (last 12 months), sums instead of means, wrong ratios or shares
    in the run's outcomes."""
    res = filled_model().recorder.result()
    o = res.outcomes
    assert set(OUTCOME_DOCS) <= set(o)
    assert o["unemployment_rate"] == pytest.approx(0.055)
    assert o["employment_rate"] == pytest.approx(0.6)
    assert o["inactivity_rate"] == pytest.approx(0.3)
    assert o["long_term_unemployed_share"] == pytest.approx(0.4)
    assert o["job_finding_rate"] == pytest.approx(0.1)
    assert o["durable_share_of_jobseeker_hires"] == pytest.approx(0.25)
    assert o["vacancy_rate"] == pytest.approx(0.05)
    assert o["short_contract_share_of_hires"] == pytest.approx(0.75)
    assert o["hires_per_month"] == pytest.approx(4.0)
    assert o["iae_stock"] == pytest.approx(3.0)
    assert o["iae_entries"] == pytest.approx(6.0)
    assert o["iae_exits"] == 3
    assert o["iae_route_length_mean"] == pytest.approx((6 + 4 + 10) / 3)
    assert o["iae_employed_6m_share"] == pytest.approx(0.5)
    assert o["training_entries"] == 12 and o["training_completions"] == 24
    assert o["career_share_months_employed"] == pytest.approx((0.5 + 1 + 0 + 1) / 4)
    assert o["career_breaks"] == pytest.approx(1.0)
    assert o["career_longest_unemployment"] == pytest.approx(2.0)
    assert o["career_months_durable"] == pytest.approx(1.5)
    assert o["career_qualification_gained"] == pytest.approx(0.75)
    assert o["siae_aid_cost"] == 120 and o["training_cost"] == 1200
    assert o["iae_exit_share_durable"] == pytest.approx(1 / 3)
    assert o["iae_exit_share_other"] == pytest.approx(2 / 3)
    assert o["iae_exit_share_positive"] == 0.0
    assert o["iae_exits_durable"] == 1
    # validation outcomes: exits of type ACI (code 0) are rows 0 and 1; AI (3) is row 2
    assert o["iae_employed_6m_share_aci"] == pytest.approx(0.5)
    assert o["iae_employed_6m_share_ai"] == 0.0  # not observed
    assert o["iae_employed_6m_share_ei"] == 0.0
    rsa = res.iae_exits["rsa"].tolist()
    assert rsa == [True, False, False]
    assert o["iae_employed_6m_share_rsa"] == 1.0  # person 0: durable job at 6 months
    assert o["iae_employed_6m_share_non_rsa"] == 0.0  # person 1 unemployed, 2 not seen
    # entrants: three observed (one replaced), two in a job, one unemployed
    assert o["iae_entrants_36m_ordinary_job"] == pytest.approx(2 / 3)
    assert o["iae_entrants_36m_unemployed"] == pytest.approx(1 / 3)
    assert o["iae_entrants_36m_still_iae"] == 0.0
    assert o["durable_employment"] == pytest.approx(35.0)
    assert o["ptce_cases_used"] == 24
    assert o["ptce_training_seats_added"] == pytest.approx(5.5)
    assert o["ptce_trust"] == pytest.approx(0.6)
    assert o["ptce_network_density"] == pytest.approx(0.25)
    for key in PMSMP_OUTCOMES:
        assert o[key] == 0.0


def test_result_frames_known_rows() -> None:
    """Catches careers of unobserved persons, exits of the burn-in reported, months not
    shifted by the burn-in, or the six-month states mislabelled."""
    res = filled_model().recorder.result()
    c = res.careers
    assert c["person_id"].tolist() == [0, 1, 2, 3]
    assert c["share_months_employed"].tolist() == [0.5, 1.0, 0.0, 1.0]
    assert c["qualification_gained"].tolist() == [1, 0, 2, 0]
    assert c["months_observed"].tolist() == [10, 10, 5, 4]
    assert c["rsa"].tolist() == [True, False, False, True]
    e = res.iae_exits
    assert e["person_id"].tolist() == [0, 1, 2]
    assert e["month"].tolist() == [3, 3, 3]
    assert e["siae_type"].tolist() == ["ACI", "ACI", "AI"]
    assert e["outcome"].tolist() == ["DURABLE", "OTHER", "OTHER"]
    assert e["route_months"].tolist() == [6, 4, 10]
    six = e["state_6m"].tolist()
    assert six[0] == "EMPLOYED_DURABLE" and six[1] == "UNEMPLOYED" and pd.isna(six[2])
    assert list(res.series.index) == list(range(1, 13))
    assert res.series.index.name == "month"
    assert res.meta["persons"] == 100 and res.meta["siae"] == filled_model().structures.n
    assert "trust_network" not in res.meta
    assert res.transitions.shape == (4, 4)


def test_result_ongoing_spells_close_the_horizon() -> None:
    """Catches open spells missing, mislabelled, or ending before the horizon."""
    m = tiny(persons=100, months=6, burn_in=2)
    set_states(m, [S.UNEMPLOYED] * 3)
    m.persons.spell_start[:] = 0
    m.persons.spell_start[:3] = 5
    sp = m.recorder.result().spells
    assert len(sp) == 100 and sp["ongoing"].all()
    assert sp["end"].eq(6).all()
    assert sp["start"].iloc[:3].tolist() == [3, 3, 3] and sp["start"].iloc[3] == 0
    assert sp["state"].iloc[0] == "UNEMPLOYED" and sp["state"].iloc[5] == "INACTIVE"
    assert list(sp["state"].cat.categories) == [s.name for s in State]


def test_empty_run_outcomes_are_zero() -> None:
    """Catches divisions by zero when there are no hires, exits or entrants."""
    m = tiny(persons=100, months=12)
    for key in m.recorder.series:
        m.recorder.series[key][:] = 0.0
    m.persons.obs_months[:] = 1
    o = m.recorder.result().outcomes
    for key in ("durable_share_of_jobseeker_hires", "short_contract_share_of_hires",
                "iae_route_length_mean", "iae_employed_6m_share", "iae_exits",
                "iae_exit_share_durable", "iae_entrants_36m_ordinary_job",
                "iae_employed_6m_share_aci"):
        assert o[key] == 0.0, key


def test_series_docs_cover_every_recorded_series() -> None:
    """Catches a series recorded without documentation, or documented and never recorded."""
    m = tiny(persons=100)
    assert set(m.recorder.series) == set(SERIES_DOCS)
    assert isinstance(m.recorder, Recorder)
