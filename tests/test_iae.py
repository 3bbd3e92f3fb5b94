"""The IAE institutions: prescribers, Pass IAE eligibility and rules, each SIAE recruiting its
public, exits classified the Dares way (``model/iae.py``, ``model/prescribers.py``)."""

from __future__ import annotations

from collections import defaultdict
from pathlib import Path
from typing import Any

import numpy as np
import pytest
from conftest import siae_stress_territory, small_territory
from hypothesis import given, settings
from hypothesis import strategies as st
from pydantic import ValidationError
from test_territory_rules import ineligible_profile

from model import iae
from model.params import PRESCRIBER_KINDS, SIAE_TYPES, TerritoryParams, with_values
from model.prescribers import Prescriber, level2_count
from model.simulate import build_model, run_model
from model.states import Barrier, Benefit, ExitOutcome, S
from model.territory import TerritoryModel
from scenarios.loader import load_scenario

BASELINE = Path(__file__).resolve().parents[1] / "scenarios" / "baseline.yaml"
ACI, EI, ETTI, AI = (SIAE_TYPES.index(t) for t in ("ACI", "EI", "ETTI", "AI"))


def tiny(updates: dict[str, Any] | None = None, persons: int = 2000) -> TerritoryModel:
    """A model of ``persons`` persons, not stepped yet, whose month counters start at 0 (so its
    phases can be called one by one)."""
    values = {"population.persons": persons, "simulation.burn_in_months": 0,
              "simulation.months": 12, **(updates or {})}
    m = build_model(small_territory(values), 5)
    m.monthly = defaultdict(float)
    return m




def prescriber(m: TerritoryModel, kind: str) -> Prescriber:
    return next(a for a in m.agents_by_type[Prescriber] if a.kind == kind)


# ------------------------------------------------------------------ eligibility
def test_eligibility_known_answers() -> None:
    """Catches a level-1 criterion missed, a level-2 count off by one, or the thresholds by
    type swapped (3 criteria for ACI and EI, 2 for AI and ETTI)."""
    m = tiny()
    p = m.persons
    slots = np.arange(9)
    ineligible_profile(m, slots)
    p.rsa[0] = True
    p.benefit[0] = Benefit.RSA  # level 1
    p.age_months[1] = 20 * 12
    p.qualification[1] = 0  # two level-2 criteria: under 26, no qualification
    p.age_months[2] = 20 * 12
    p.qualification[2] = 0
    p.barrier_bits[2] = Barrier.MOBILITY  # a third
    p.barrier_bits[3] = Barrier.HEALTH  # level 1 (disability)
    p.unemployment_spell[4] = 24  # level 1 (registered 24 months)
    p.benefit[5] = Benefit.ASS  # level 1
    p.unemployment_spell[6] = 12  # one level-2 criterion (DELD)
    p.barrier_bits[7] = Barrier.HOUSING | Barrier.FAMILY  # two level-2 criteria
    p.age_months[8] = 55 * 12
    p.barriers[8] = 0.9  # 50+ and social difficulties: two
    ft = prescriber(m, "france_travail")
    got = {t: ft.eligible(slots, t).tolist() for t in SIAE_TYPES}
    strict = [True, False, True, True, True, True, False, False, False]
    loose = [True, True, True, True, True, True, False, True, True]
    assert got == {"ACI": strict, "EI": strict, "ETTI": loose, "AI": loose}
    assert level2_count(p, slots, m.params.siae_rules, 0.4).tolist() == [
        0, 2, 3, 0, 0, 0, 1, 2, 2]
    with pytest.raises(ValueError, match="unknown SIAE type"):
        ft.eligible(slots, "GEIQ")
    with pytest.raises(ValueError, match="unknown prescriber"):
        Prescriber(m, "mairie")


def test_prescribers_publics() -> None:
    """Catches a prescriber following the wrong public (mission locale: under 26; Département:
    RSA; Cap emploi: disability; France Travail: everyone)."""
    m = tiny()
    p = m.persons
    slots = np.arange(4)
    ineligible_profile(m, slots)
    p.age_months[1] = 22 * 12
    p.rsa[2] = True
    p.barrier_bits[3] = Barrier.HEALTH
    publics = {a.kind: a.public(slots).tolist() for a in m.agents_by_type[Prescriber]}
    assert publics == {"france_travail": [True] * 4,
                       "mission_locale": [False, True, False, False],
                       "departement": [False, False, True, False],
                       "cap_emploi": [False, False, False, True]}
    assert [a.kind for a in m.agents_by_type[Prescriber]] == list(PRESCRIBER_KINDS)
    assert "cap_emploi" in repr(prescriber(m, "cap_emploi"))


def test_parameters_validated() -> None:
    """Catches shares of prescribers that need not sum to 1, or a minimal CDDI above the
    Pass."""
    with pytest.raises(ValidationError, match="sum to 1"):
        with_values(TerritoryParams(), {"prescription.share_france_travail": 0.5})
    with pytest.raises(ValidationError, match="cddi_min_months <= cddi_max_months"):
        with_values(TerritoryParams(), {"siae_rules.cddi_min_months": 12,
                                        "siae_rules.cddi_max_months": 6})


# ------------------------------------------------------------------ prescribers over a run
def test_prescribers_never_exceed_capacity_and_diagnose_their_public() -> None:
    """Catches a prescriber diagnosing more than its capacity, a capacity off its share of
    diagnostics per 1,000 jobseekers, or a diagnosis outside its public or of someone
    ineligible or in a waiting period."""
    params = small_territory({"simulation.burn_in_months": 6, "simulation.months": 24})
    m = build_model(params, 11)
    problems: list[str] = []
    seen = {"diagnosed": 0}
    jobseekers: dict[int, int] = {}

    def count_jobseekers() -> None:
        jobseekers[m.month] = int(np.count_nonzero(m.persons.state == S.UNEMPLOYED))

    def check() -> None:
        p, pr = m.persons, m.params.prescription
        total = pr.diagnostics_per_1000 * jobseekers[m.month] / 1000
        for a in m.agents_by_type[Prescriber]:
            if a.diagnosed > a.capacity:
                problems.append(f"{a.kind} diagnosed {a.diagnosed} > capacity {a.capacity}")
            if abs(a.capacity - total * pr.share(a.kind)) >= 1:
                problems.append(f"{a.kind} capacity {a.capacity} vs {total * pr.share(a.kind)}")
            new = np.flatnonzero((p.diagnosed_until == m.month + pr.eligibility_validity_months
                                  - 1) & (p.prescriber == a.code))
            hired_now = np.flatnonzero((p.state == S.SIAE) & (p.pass_start == m.month)
                                       & (p.prescriber == a.code))
            who = np.concatenate([new, hired_now])
            if not a.public(who[p.state[who] == S.UNEMPLOYED]).all():
                problems.append(f"{a.kind} diagnosed outside its public")
            seen["diagnosed"] += a.diagnosed

    m.add_hook("separations", count_jobseekers)
    m.add_hook("prescription", check)
    run_model(m)
    assert not problems, problems[:5]
    assert seen["diagnosed"] > 100


# ------------------------------------------------------------------ each SIAE its public
@pytest.fixture(scope="module")
def baseline_run() -> dict[str, Any]:
    """The baseline scenario, with every entrant's barriers, type and RSA flag at entry."""
    m = build_model(load_scenario(BASELINE), 1)
    rec: dict[str, list[np.ndarray]] = {"barriers": [], "type": [], "rsa": []}

    def entrants() -> None:
        p = m.persons
        new = np.flatnonzero((p.state == S.SIAE) & (p.prev_state != S.SIAE))
        rec["barriers"].append(p.barriers[new].copy())
        rec["type"].append(m.structures.type[p.siae[new]])
        rec["rsa"].append(p.rsa[new].copy())

    m.add_hook("prescription", entrants)
    result = run_model(m)
    return {"model": m, "result": result,
            **{k: np.concatenate(v) for k, v in rec.items()}}


def test_entrants_barriers_ordered_by_type_on_the_baseline(baseline_run: dict[str, Any]) -> None:
    """Catches SIAE that ignore their type's preference: the mean barriers of entrants are
    ordered ACI > EI > AI and ETTI on the baseline; RSA recipients are most common in ACI."""
    barriers, kind, rsa = baseline_run["barriers"], baseline_run["type"], baseline_run["rsa"]
    mean = {t: barriers[kind == SIAE_TYPES.index(t)].mean() for t in SIAE_TYPES}
    assert all((kind == c).sum() > 50 for c in range(4))
    assert mean["ACI"] > mean["EI"] > max(mean["AI"], mean["ETTI"])
    assert rsa[kind == ACI].mean() > rsa[kind != ACI].mean()


def test_baseline_prescriptions_by_prescriber(baseline_run: dict[str, Any]) -> None:
    """Catches the prescribers' shares ignored: France Travail's diagnoses lead to most
    Passes (81 % of the capacity), and every Pass names a prescriber."""
    m = baseline_run["model"]
    by = iae.entries_by_prescriber(m)
    total = sum(by.values())
    assert total == sum(log.shape[1] for log in m.pass_log) > 500
    assert 0.7 < by["france_travail"] / total < 0.9
    assert by["mission_locale"] > 0 and by["departement"] > 0
    assert baseline_run["result"].series["iae_diagnostics"].sum() >= total


def test_no_passes_without_runs() -> None:
    """``entries_by_prescriber`` of a model that issued no Pass is all zeros."""
    assert iae.entries_by_prescriber(tiny()) == dict.fromkeys(PRESCRIBER_KINDS, 0)


def test_starved_siae_report_unfilled_posts() -> None:
    """Catches the warning missing: with no diagnostics, posts sought stay unfilled and are
    counted every reported month, and nobody enters."""
    params = small_territory({"prescription.diagnostics_per_1000": 0.0,
                              "prescription.siae_fill_rate": 1.0,
                              "simulation.burn_in_months": 0, "simulation.months": 6})
    series = run_model(build_model(params, 2)).series
    assert (series["iae_unfilled_posts"] > 0).all()
    assert (series["iae_entries"] == 0).all()
    assert (series["iae_diagnostics"] == 0).all()


# ------------------------------------------------------------------ the Pass IAE
def pass_problems(m: TerritoryModel) -> list[str]:
    """Every CDDI within its person's Pass; a Pass lasts 24 months plus its prolongations,
    within the largest cap and steps."""
    p, rules = m.persons, m.params.siae_rules
    out = []
    in_siae = np.flatnonzero(p.state == S.SIAE)
    if (p.pass_end[in_siae] < 0).any():
        out.append("a CDDI without a Pass")
    if (p.contract_end[in_siae] > p.pass_end[in_siae]).any():
        out.append("a CDDI ending after its Pass")
    if (p.pass_end[in_siae] < m.month).any():
        out.append("a CDDI on an expired Pass")
    cap = max(rules.prolongation_cap_disability, rules.prolongation_cap_senior,
              rules.prolongation_cap_severe)
    if (p.pass_prolonged > cap).any():
        out.append("a prolongation beyond the caps")
    held = p.pass_start >= 0
    if (p.pass_end[held] - p.pass_start[held]
            != rules.cddi_max_months + p.pass_prolonged[held]).any():
        out.append("a Pass whose length is not 24 months plus its prolongations")
    if (p.iae_months > rules.cddi_max_months + p.pass_prolonged).any():
        out.append("more CDDI months than the Pass allows")
    return out


def run_checked(params: TerritoryParams, seed: int) -> tuple[TerritoryModel, list[str]]:
    m = build_model(params, seed)
    problems: list[str] = []
    for phase in ("prescription", "support", "matching", "siae_exits", "bookkeeping"):
        m.add_hook(phase, lambda ph=phase: problems.extend(
            f"month {m.month} after {ph}: {e}" for e in pass_problems(m)))
    run_model(m)
    return m, problems


@settings(max_examples=4, deadline=None)
@given(seed=st.integers(0, 2**32 - 1))
def test_no_cddi_beyond_the_pass_every_month(seed: int) -> None:
    """Catches a route drawn past the Pass, a prolongation past its cap, or a CDDI on an
    expired Pass, every month of a run where long routes hit the Pass often."""
    params = with_values(siae_stress_territory(), {"simulation.months": 36})
    m, problems = run_checked(params, seed)
    assert not problems, problems[:5]
    assert m.persons.pass_start.max() >= 0


def test_prolongations_happen_with_reasons_only() -> None:
    """Catches prolongations granted automatically at 50 or without a reason: in a run where
    every route reaches the end of its Pass, some Passes are prolonged, each by steps of at
    most 12 months and within its reason's cap."""
    params = with_values(siae_stress_territory(), {
        "siae_rules.prolongation_probability": 1.0, "simulation.months": 36,
        **{f"siae.{t}.route_mean_months": 24.0 for t in SIAE_TYPES}})
    m, problems = run_checked(params, 3)
    assert not problems, problems[:5]
    p = m.persons
    prolonged = np.flatnonzero(p.pass_prolonged > 0)
    assert prolonged.size > 0
    assert (p.pass_prolonged[prolonged] % 12 == 0).mean() > 0.5  # mostly full steps


def test_prolongation_caps_and_steps_known_answers() -> None:
    """Catches a cap taken from the wrong reason (disability 36, 50+ 60, severe difficulties
    36 in ACI and AI only), a step over 12 months or over the cap left, or a refusal ignored."""
    m = tiny({"siae_rules.prolongation_probability": 1.0})
    p, st_ = m.persons, m.structures
    m.month = 30
    slots = np.arange(6)
    ineligible_profile(m, slots)
    aci = int(np.flatnonzero(st_.type == ACI)[0])
    ei = int(np.flatnonzero(st_.type == EI)[0])
    where = np.array([aci, aci, ei, ei, aci, aci])
    p.barriers[[0, 2]] = 0.9  # severe difficulties: counts in ACI, not in EI
    p.age_months[3] = 52 * 12  # senior
    p.barrier_bits[4] = Barrier.HEALTH  # disability
    p.barriers[5] = 0.9
    st_.hire(p, slots, where, np.full(6, 30))
    p.pass_start[slots] = 6
    p.pass_end[slots] = 30
    p.pass_prolonged[slots] = 0
    p.pass_prolonged[5] = 30  # six months of cap left
    p.pass_start[5] = 6 - 30
    assert iae.prolongation_cap(m, slots).tolist() == [36, 0, 0, 60, 36, 36]
    iae.prolong(m, slots)
    assert p.pass_prolonged[slots].tolist() == [12, 0, 0, 12, 12, 36]
    assert p.pass_end[slots].tolist() == [42, 30, 30, 42, 42, 36]
    assert p.contract_end[slots].tolist() == [42, 30, 30, 42, 42, 36]
    refused = tiny({"siae_rules.prolongation_probability": 0.0})
    refused.month = 30
    ineligible_profile(refused, slots)
    refused.structures.hire(refused.persons, slots, where, np.full(6, 30))
    refused.persons.pass_end[slots] = 30
    refused.persons.barrier_bits[slots] = Barrier.HEALTH
    iae.prolong(refused, slots)
    assert (refused.persons.pass_prolonged[slots] == 0).all()


def test_no_new_pass_inside_the_waiting_period_without_a_waiver() -> None:
    """Catches a new Pass issued inside the délai de carence: over runs where people return
    to insertion, every Pass after a first one starts at least 24 months (here 6) after the
    last ended, or carries a waiver; without waivers none is issued early; re-entry occurs."""
    for waiver, seed in ((0.1, 4), (0.0, 5)):
        params = with_values(siae_stress_territory(),
                             {"siae_rules.waiver_probability": waiver})
        m = build_model(params, seed)
        run_model(m)
        log = np.concatenate(m.pass_log, axis=1)
        _, month, previous, waived, _ = log
        again = previous >= 0
        wait = m.params.siae_rules.waiting_period_months
        early = again & (month < previous + wait)
        assert again.sum() > 10  # re-entries after a Pass ended
        assert (waived[early] == 1).all()
        assert (early.sum() > 0) == (waiver > 0)
        assert (m.persons.iae_routes >= 2).any()


def test_waiting_period_blocks_diagnosis_and_allows_after() -> None:
    """Catches the waiting period read the wrong way round: inside it a prescriber does not
    diagnose (without waiver); once over, the same person is diagnosed."""
    m = tiny({"prescription.diagnostics_per_1000": 1000.0,
              "siae_rules.waiver_probability": 0.0, "prescription.siae_fill_rate": 0.0})
    p = m.persons
    m.month = 40
    un = np.flatnonzero(p.state == S.UNEMPLOYED)
    ineligible_profile(m, un)
    p.rsa[un[:4]] = True
    p.pass_end[un[:2]] = 40 - 23  # one month of waiting left
    p.pass_end[un[2:4]] = 40 - 24  # waited
    m.prescription()
    assert (p.diagnosed_until[un[:2]] < 0).all()
    assert (p.diagnosed_until[un[2:4]] == 40 + 5).all()
    assert (p.diagnosed_until[un[4:]] < 0).all()  # no criterion, no diagnosis


# ------------------------------------------------------------------ exits
def siae_leavers(updates: dict[str, Any], k: int = 6,
                 kind: int = ACI) -> tuple[TerritoryModel, np.ndarray]:
    """A tiny model whose first ``k`` unemployed entered a structure of ``kind`` (through
    ``iae.enter``, with a Pass) 10 months ago and whose routes end now."""
    m = tiny({"siae_rules.exit_business_creation": 0.0, **updates})
    p = m.persons
    m.month = 10
    un = np.flatnonzero(p.state == S.UNEMPLOYED)[:k]
    ineligible_profile(m, un)
    m.month = 0
    where = np.full(k, int(np.flatnonzero(m.structures.type == kind)[0]))
    iae.enter(m, un, where)
    m.month = 10
    p.contract_end[un] = 10
    p.months_in_state[un] = 9
    p.prev_state[un] = S.SIAE
    return m, un


def test_moves_to_another_siae_are_positive_exits() -> None:
    """Catches a move logged as another outcome, made to a type further from employment, past
    the Pass, beyond free posts, or counted as a new IAE entry."""
    m, slots = siae_leavers({"siae.ACI.move_on": 1.0})
    p, st_ = m.persons, m.structures
    entries = m.monthly["iae_entries"]
    m.monthly["iae_moves"] = 0.0
    m.siae_exits()
    rows = slice(0, m.recorder.n_exits)
    assert (m.recorder._exits["outcome"][rows] == ExitOutcome.POSITIVE).all()
    moved = slots[p.state[slots] == S.SIAE]
    assert moved.size == m.monthly["iae_moves"] > 0
    assert set(st_.type[p.siae[moved]].tolist()) <= {EI, ETTI, AI}
    assert (p.contract_end[moved] <= p.pass_end[moved]).all()
    assert (p.contract_end[moved] - 10 >= m.params.siae_rules.cddi_min_months).all()
    assert (st_.count_occupancy(p) <= st_.posts).all()
    assert m.monthly["iae_entries"] == entries
    not_moved = slots[p.state[slots] != S.SIAE]
    assert (p.state[not_moved] != S.SIAE).all()


def test_nobody_moves_from_etti_or_with_too_little_pass() -> None:
    """Catches moves from the type nearest to employment (no type is nearer) or with fewer
    than ``cddi_min_months`` of Pass left."""
    m, slots = siae_leavers({"siae.ETTI.move_on": 1.0}, kind=ETTI)
    m.siae_exits()
    assert (m.persons.state[slots] != S.SIAE).all()
    m, slots = siae_leavers({"siae.ACI.move_on": 1.0})
    m.persons.pass_end[slots] = 10 + m.params.siae_rules.cddi_min_months - 1
    m.persons.contract_end[slots] = 10
    m.siae_exits()
    assert (m.persons.state[slots] != S.SIAE).all()


def test_business_creation_is_a_durable_exit() -> None:
    """Catches a business creation at exit classified other than DURABLE or not making the
    leaver self-employed."""
    m, slots = siae_leavers({"siae_rules.exit_business_creation": 1.0})
    m.siae_exits()
    assert (m.persons.state[slots] == S.SELF_EMPLOYED).all()
    rows = slice(0, m.recorder.n_exits)
    assert (m.recorder._exits["outcome"][rows] == ExitOutcome.DURABLE).all()


def test_re_entry_on_a_valid_pass_after_a_failed_exit() -> None:
    """Catches a Pass holder back in unemployment left out of the pool, or given a new Pass:
    the holder is rehired on the same Pass, bounded by its end."""
    m = tiny({"prescription.siae_fill_rate": 1.0, "prescription.diagnostics_per_1000": 0.0})
    p = m.persons
    m.month = 12
    holder = np.flatnonzero(p.state == S.UNEMPLOYED)[:1]
    p.pass_start[holder] = 2
    p.pass_end[holder] = 26
    p.iae_routes[holder] = 1
    m.prescription()
    assert p.state[holder[0]] == S.SIAE
    assert p.pass_start[holder[0]] == 2 and p.iae_routes[holder[0]] == 1
    assert p.contract_end[holder[0]] <= 26
    assert m.pass_log == []


def test_baseline_exit_mix_and_moves(baseline_run: dict[str, Any]) -> None:
    """Catches an outcome that never occurs on the baseline (business creations and moves make
    DURABLE and POSITIVE exits besides hires and training)."""
    result = baseline_run["result"]
    outcomes = set(result.iae_exits["outcome"].astype(str))
    assert outcomes == {o.name for o in ExitOutcome}
    assert result.series["iae_moves"].sum() > 0


# ------------------------------------------------------------------ determinism
def test_same_seed_same_passes_other_seed_other() -> None:
    """Catches randomness outside the model's seeded draws (e.g. an unseeded shuffle of the
    prescribers or SIAE): same seed, identical series and Passes; other seed, different."""
    params = small_territory({"simulation.burn_in_months": 6, "simulation.months": 24})

    def run(seed: int) -> tuple[Any, np.ndarray]:
        m = build_model(params, seed)
        series = run_model(m).series
        return series, np.concatenate(m.pass_log, axis=1)

    (s1, l1), (s2, l2), (_, l3) = run(7), run(7), run(8)
    assert s1.equals(s2)
    np.testing.assert_array_equal(l1, l2)
    assert not (l1.shape == l3.shape and np.array_equal(l1, l3))
