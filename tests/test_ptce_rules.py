"""``model/ptce/``: the coordinator's capacity, budgets, trust network, the PMSMP tracker and
the levers' rules, on a model of a few hundred persons with forced states and success
probabilities of 1, so each rule has a known answer. Fast: part of the mutation-testing subset
(tests/mutation/)."""

from __future__ import annotations

from typing import Any

import numpy as np
import pytest

from model import TerritoryModel, TerritoryParams
from model.params import LEVERS, with_values
from model.ptce.coordinator import HUB
from model.ptce.levers import _pick, _positions
from model.ptce.pmsmp import WINDOW
from model.states import S
from model.territory import MONTHLY_COUNTERS

MONTHLY = MONTHLY_COUNTERS


def pole(ptce: dict[str, Any] | None = None, persons: int = 2000, burn_in: int = 0,
         months: int = 24, **levers: dict[str, Any]) -> TerritoryModel:
    """A model with a PTCE whose ``levers`` are on with success 1 (unless given)."""
    spec: dict[str, Any] = {"member_share_firms": 1.0, "member_share_siae": 1.0,
                            "trust": {"initial": 0.5},  # success probabilities unscaled
                            "member_share_training": 1.0, **(ptce or {})}
    for name, values in levers.items():
        spec[name] = {"enabled": True, "intensity": 1.0, "success": 1.0, **values}
    params = TerritoryParams.model_validate({
        "population": {"persons": persons},
        "simulation": {"months": months, "burn_in_months": burn_in}, "ptce": spec})
    m = TerritoryModel(params, seed=2)
    m.monthly = dict.fromkeys(MONTHLY, 0.0)
    return m


def budget(m: TerritoryModel, lever: str, cases: float) -> None:
    co = m.coordinator
    assert co is not None
    co.budget[lever] = cases
    co.used[lever] = 0.0


# ------------------------------------------------------------------ helpers
def test_pick_and_positions_known_answers() -> None:
    """Catches ``_pick`` returning too many or too few, or ``_positions`` misplacing."""
    m = pole()
    cand = np.arange(10, 30)
    assert _pick(m, "x", cand, 25).tolist() == cand.tolist()
    assert _pick(m, "x", cand, 20).tolist() == cand.tolist()
    assert _pick(m, "x", cand, 0).size == 0
    assert _pick(m, "x", cand, -1).size == 0
    got = _pick(m, "x", cand, 5)
    assert got.size == 5 and np.unique(got).size == 5 and np.isin(got, cand).all()
    keys = m.draw("x", cand)
    assert sorted(got.tolist()) == sorted(cand[np.argsort(keys)[:5]].tolist())
    slots = np.array([7, 3, 9, 1])
    assert _positions(slots, np.array([9, 1, 7])).tolist() == [2, 3, 0]


# ------------------------------------------------------------------ coordinator
def test_members_drawn_by_share_and_sector() -> None:
    """Catches membership ignoring the shares or the pole's sectors, or members without a
    tie to the coordinator at the initial trust."""
    m = pole()
    co = m.coordinator
    assert co is not None
    assert m.firms.member.all() and m.structures.member.all() and co.training_member.all()
    members = m.firms.n + m.structures.n + max(m.programmes.n_bodies, 1)
    assert co.network.degree(HUB) == members
    assert co.trust() == pytest.approx(m.params.ptce.trust.initial)
    assert co.member_programmes.all()
    assert co.density() == 0.0
    m = pole({"member_share_firms": 0.0, "member_share_siae": 0.0,
              "member_share_training": 0.0})
    co = m.coordinator
    assert not m.firms.member.any() and not m.structures.member.any()
    assert co.trust() == 0.0 and co.network.number_of_nodes() == 1
    m = pole({"sectors": ["construction"]})
    c = m.sector_names.index("construction")
    assert np.array_equal(m.firms.member, m.firms.sector == c)
    assert "PTCE" in repr(m.coordinator)


def test_capacity_known_answer() -> None:
    """Catches a capacity not scaled by FTE, territory size, cases per FTE or funding."""
    m = pole({"coordinator_fte": 2.0, "cases_per_fte": 20.0, "funding": 0.5}, persons=4000)
    assert m.coordinator.capacity() == pytest.approx(2.0 * 0.2 * 20.0 * 0.5)


def test_start_month_shares_capacity_by_intensity() -> None:
    """Catches a budget split not proportional to intensity, totals under 1 inflated, the
    month's capacity and cost not recorded, or budgets given during the burn-in."""
    m = pole({"coordinator_fte": 2.0, "cases_per_fte": 20.0, "budget_per_year": 12_000.0,
              "funding": 0.5}, persons=4000, burn_in=1,
             bridges={"intensity": 0.6}, immersions={"intensity": 0.2})
    co = m.coordinator
    co.start_month()
    assert all(v == 0.0 for v in co.budget.values())
    m.month = 1
    m.monthly = {}
    co.start_month()
    cap = 4.0
    assert co.budget["bridges"] == pytest.approx(cap * 0.6)
    assert co.budget["immersions"] == pytest.approx(cap * 0.2)
    assert co.budget["shared_jobs"] == 0.0
    assert m.monthly["ptce_capacity"] == pytest.approx(cap)
    assert m.monthly["ptce_coordination_cost"] == pytest.approx(12_000 / 12 * 0.5)
    m = pole(persons=2000, bridges={"intensity": 1.0}, immersions={"intensity": 1.0})
    m.coordinator.start_month()
    cap = m.coordinator.capacity()
    assert m.coordinator.budget["bridges"] == pytest.approx(cap / 2)


def test_unspent_cases_carry_over_up_to_one_action() -> None:
    """Catches carry-over above one action's cost, negative carry-over, or carry-over into
    an unfunded month."""
    m = pole({"coordinator_fte": 0.5, "cases_per_fte": 2.0}, persons=2000,
             shared_jobs={"intensity": 1.0, "cost_per_action": 3.0})
    co = m.coordinator
    cap = co.capacity()  # 0.5 * 0.1 * 2 = 0.1
    co.budget["shared_jobs"], co.used["shared_jobs"] = 10.0, 1.0
    co.start_month()
    assert co.budget["shared_jobs"] == pytest.approx(cap + 3.0)
    co.budget["shared_jobs"], co.used["shared_jobs"] = 1.0, 2.0  # overspent: no carry
    co.start_month()
    assert co.budget["shared_jobs"] == pytest.approx(cap)
    co.budget["shared_jobs"], co.used["shared_jobs"] = 0.5, 0.0
    co.start_month()
    assert co.budget["shared_jobs"] == pytest.approx(cap + 0.5)
    m = pole({"funding": 0.0}, shared_jobs={"intensity": 1.0})
    co = m.coordinator
    co.budget["shared_jobs"] = 5.0
    co.start_month()
    assert co.budget["shared_jobs"] == 0.0


def test_spend_known_answers() -> None:
    """Catches spending beyond the budget, rounding up, or cases used not counted."""
    m = pole()
    co = m.coordinator
    m.monthly = {}
    budget(m, "bridges", 10.0)
    assert co.spend("bridges", 5, 3.0) == 3
    assert co.used["bridges"] == pytest.approx(9.0)
    assert co.spend("bridges", 5, 3.0) == 0
    assert co.spend("bridges", 2, 1.0) == 1
    assert co.spend("bridges", 7, 0.0) == 7
    assert m.monthly["ptce_cases_used"] == pytest.approx(10.0)
    budget(m, "bridges", 0.9)
    co.used["bridges"] = 2.0
    assert co.spend("bridges", 3, 1.0) == 0
    budget(m, "bridges", 3.0)
    assert co.spend("bridges", 5, 1.0) == 3  # 3 / 1 exactly, no float loss


def test_success_probability_scales_with_trust() -> None:
    """Catches a success probability not scaled by (0.5 + trust) or not capped at 1."""
    m = pole()
    co = m.coordinator
    co._trust = 0.5
    assert co.success_probability(0.4) == pytest.approx(0.4)
    co._trust = 0.3
    assert co.success_probability(0.5) == pytest.approx(0.4)
    co._trust = 1.0
    assert co.success_probability(0.9) == 1.0


def test_joint_actions_strengthen_ties_once_and_ties_decay() -> None:
    """Catches ties strengthened once per action instead of once a month, the hub ties left
    out, the gain not toward 1, or the decay not applied."""
    m = pole({"trust": {"initial": 0.5, "gain": 0.5, "decay": 0.1},
              "member_share_training": 0.0})
    co = m.coordinator
    co.joint_actions("firm", np.array([0, 0, 0]), "siae", np.array([1, 1, 1]))
    co.joint_actions("firm", np.empty(0, dtype=np.int64), "siae", np.empty(0, dtype=np.int64))
    co.joint_actions("firm", np.array([2]), "firm", np.array([2]))  # self pair: hub only
    assert len(co._joint) == 2
    n_before = co._n_ties
    m.monthly = {}
    co.end_month()
    assert co._n_ties == n_before + 1
    g = co.weighted_network()
    assert g[("firm", 0)][("siae", 1)]["weight"] == pytest.approx(0.5 * 0.9)
    assert g[HUB][("firm", 0)]["weight"] == pytest.approx(0.75 * 0.9)
    assert g[HUB][("siae", 1)]["weight"] == pytest.approx(0.75 * 0.9)
    assert g[HUB][("firm", 2)]["weight"] == pytest.approx(0.75 * 0.9)
    assert g[HUB][("firm", 1)]["weight"] == pytest.approx(0.5 * 0.9)
    k = co.network.number_of_nodes() - 1
    assert co.density() == pytest.approx(1 / (k * (k - 1) / 2))
    assert m.monthly["ptce_network_density"] == pytest.approx(co.density())
    hub_weights = [d["weight"] for _, _, d in g.edges(HUB, data=True)]
    assert m.monthly["ptce_trust"] == pytest.approx(np.mean(hub_weights))
    assert co._joint == []


def test_end_month_and_guarded_levers_wait_for_the_horizon() -> None:
    """Catches trust decaying, or levers acting, during the burn-in."""
    m = pole(burn_in=2, shared_jobs={})
    co = m.coordinator
    w = co._weights[: co._n_ties].copy()
    co.end_month()
    assert np.array_equal(co._weights[: co._n_ties], w)
    calls: list[int] = []
    run = co._guarded(co.levers["shared_jobs"], lambda: calls.append(m.month))
    run()
    m.month = 2
    run()
    off = co._guarded(co.levers["bridges"], lambda: calls.append(-1))
    off()
    assert calls == [2]


def test_many_ties_grow_the_weight_array() -> None:
    """Catches ties lost when the weight array grows."""
    m = pole(persons=4000)
    co = m.coordinator
    n = co._n_ties
    for j in range(40):
        co._tie(("firm", j), ("firm", j + 1), 0.2)
    assert co._n_ties == n + 40
    assert co._tie(("firm", 1), ("firm", 0)) == n  # same tie either way round
    assert np.allclose(co._weights[n: n + 40], 0.2)
    assert not co._hub_tie[n: n + 40].any() and co._hub_tie[:n].all()
    co.add_member_firm(10_000)
    assert co._weights[co._n_ties - 1] == pytest.approx(m.params.ptce.trust.initial)


# ------------------------------------------------------------------ PMSMP tracker
def test_pmsmp_cells_known_answer() -> None:
    """Catches a wrong band boundary in the observable cells (barriers in quarters, spells at
    6/12/24 months, ages at 26/50)."""
    m = pole()
    p, t = m.persons, m.coordinator.pmsmp
    s = np.arange(4)
    p.state[s] = [S.UNEMPLOYED, S.SIAE, S.UNEMPLOYED, S.UNEMPLOYED]
    p.qualification[s] = [0, 4, 2, 1]
    p.barriers[s] = [0.0, 1.0, 0.25, 0.74]
    p.unemployment_spell[s] = [5, 6, 24, 12]
    p.age_months[s] = [25 * 12 + 11, 26 * 12, 50 * 12, 49 * 12]

    def cell(state: int, qual: int, barrier: int, spell: int, age: int) -> int:
        return (((state * 5 + qual) * 4 + barrier) * 4 + spell) * 3 + age

    assert t.observables(s).tolist() == [cell(0, 0, 0, 0, 0), cell(3, 4, 3, 1, 1),
                                         cell(0, 2, 1, 3, 2), cell(0, 1, 2, 2, 1)]


def test_pmsmp_pairs_within_cells_and_follows_up() -> None:
    """Catches comparisons from another cell, more comparisons than the cell holds, jobs
    counted after the window or for replaced persons, and the summary's shares."""
    m = pole()
    p, t = m.persons, m.coordinator.pmsmp
    p.state[:20] = S.UNEMPLOYED
    p.qualification[:20] = 1
    p.barriers[:20] = 0.1
    p.unemployment_spell[:20] = 3
    p.age_months[:20] = 30 * 12
    p.qualification[[1, 12, 13]] = 3  # participant 1 and pool 12, 13 in another cell
    p.qualification[2] = 4  # participant 2: nobody in its cell
    participants = np.array([0, 1, 2, 3])
    pool = np.array([10, 11, 12, 13, 14])
    keys = np.array([0.9, 0.1, 0.5, 0.2, 0.3])
    m.month = 5
    t.start(participants, pool, keys)
    part = t.slot[t.group == 1]
    comp = t.slot[t.group == 0]
    assert sorted(part.tolist()) == [0, 1, 2, 3]
    assert sorted(comp.tolist()) == [11, 13, 14]  # smallest keys first within each cell
    assert np.all(t.start_month == 5)
    by_slot = dict(zip(t.slot.tolist(), t.cell.tolist(), strict=True))
    assert by_slot[13] == by_slot[1] and by_slot[11] == by_slot[0] == by_slot[3]
    # jobs: participant 0 and comparison 11 find jobs within the window
    p.state[0] = S.EMPLOYED_TEMP
    p.state[11] = S.SELF_EMPLOYED
    p.state[3] = S.EMPLOYED_DURABLE
    p.person_id[3] = 999  # replaced: does not count
    m.month = 6
    t.observe()
    p.state[1] = S.EMPLOYED_DURABLE
    m.month = 5 + WINDOW + 1  # past the window: not counted
    t.observe()
    found = dict(zip(t.slot.tolist(), t.found_job.tolist(), strict=True))
    assert found == {0: True, 1: False, 2: False, 3: False, 11: True, 13: False, 14: False}
    m.month = 5 + WINDOW
    assert t.summary()["pmsmp_job_within_12m_participants"] == 0.0  # window not complete
    m.month = 5 + WINDOW + 1
    s = t.summary()
    assert s["pmsmp_participants"] == 4 and s["pmsmp_matched_comparisons"] == 3
    assert s["pmsmp_job_within_12m_participants"] == pytest.approx(0.25)
    assert s["pmsmp_job_within_12m_comparison"] == pytest.approx(1 / 3)


# ------------------------------------------------------------------ levers
def test_shared_jobs_turn_ending_member_contracts_durable() -> None:
    """Catches contracts not yet ending pooled, non-member firms pooled, or the budget
    ignored."""
    m = pole(shared_jobs={"cost_per_action": 1.0})
    p, co = m.persons, m.coordinator
    temp = np.flatnonzero(p.state == S.EMPLOYED_TEMP)
    m.firms.member[:] = True
    m.firms.member[p.employer[temp[-1]]] = False
    member_temp = temp[m.firms.member[p.employer[temp]]]
    due, later = member_temp[:6], member_temp[6:10]
    p.contract_end[temp] = 50
    p.contract_end[due] = 0
    p.contract_end[temp[-1]] = 0
    budget(m, "shared_jobs", 4.0)
    m.monthly = {}
    co.levers["shared_jobs"].pool_jobs()
    durable = p.state[due] == S.EMPLOYED_DURABLE
    assert durable.sum() == 4
    assert np.all(p.contract_end[due[durable]] == -1)
    assert np.all(p.state[later] == S.EMPLOYED_TEMP)
    if not m.firms.member[p.employer[temp[-1]]]:
        assert p.state[temp[-1]] == S.EMPLOYED_TEMP
    assert m.monthly["ptce_shared_jobs"] == 4


def test_skills_exchange_reach_ramps_up() -> None:
    """Catches the ramp-up table's bounds (nothing during diagnosis, test scale during tests
    and evaluation, full reach after)."""
    m = pole(burn_in=0, skills_exchange={"diagnosis_months": 2, "test_months": 2,
                                         "evaluation_months": 1, "test_scale": 0.3})
    lever = m.coordinator.levers["skills_exchange"]
    reach = []
    for month in range(7):
        m.month = month
        reach.append(lever.reach())
    assert reach == [0.0, 0.0, 0.3, 0.3, 0.3, 1.0, 1.0]


def test_skills_exchange_reveals_and_counts_matches() -> None:
    """Catches hidden skills not added (or not capped at 1), revealed persons revealed again,
    or hires of revealed persons not counted."""
    m = pole(skills_exchange={"diagnosis_months": 0, "test_months": 0,
                              "evaluation_months": 0, "cost_per_action": 1.0})
    p, co = m.persons, m.coordinator
    lever = co.levers["skills_exchange"]
    m.firms.vacancies[:] = 0
    unemployed = np.flatnonzero(p.state == S.UNEMPLOYED)
    p.skill[unemployed] = 0.5
    p.hidden_skill[unemployed] = 0.2
    p.hidden_skill[unemployed[0]] = 0.9
    budget(m, "skills_exchange", 10.0)
    m.month = 1
    m.monthly = {}
    lever.reveal_skills()
    ok = lever.revealed_slot
    assert ok.size == 10 and m.monthly["ptce_skills_revealed"] == 10
    if unemployed[0] in ok:
        assert np.all(p.skill[unemployed[0]] == 1.0)  # 0.5 + 0.9, capped at 1
    rest = ok[ok != unemployed[0]]
    assert np.allclose(p.skill[rest], 0.7)
    assert np.all(p.hidden_skill[ok] == 0.0)
    budget(m, "skills_exchange", 1000.0)
    lever.reveal_skills()
    assert np.unique(lever.revealed_slot).size == lever.revealed_slot.size
    # two revealed persons are hired this month, one leaves the territory
    s = lever.revealed_slot
    p.prev_state[s] = S.UNEMPLOYED
    p.state[s[:2]] = S.EMPLOYED_TEMP
    p.person_id[s[2]] = 10**6
    n = s.size
    lever.count_matches()
    assert m.monthly["ptce_skills_matched"] == 2
    assert lever.revealed_slot.size == n - 3
    assert not lever.revealed[s[:3]].any() and lever.revealed[s[3:]].all()


EMPLOYED = (S.EMPLOYED_TEMP, S.EMPLOYED_DURABLE)


def referred(m: TerritoryModel) -> dict[int, int]:
    """The model's pending recommendations, person slot -> firm."""
    return dict(zip(m.referrals.slot.tolist(), m.referrals.firm.tolist(), strict=True))


def only_referrals_apply(m: TerritoryModel) -> TerritoryModel:
    """The same model with nobody searching, recalled or near a route's end: at the next
    matching only the recommended persons apply."""
    m.params = with_values(m.params, {
        "matching.search_intensity": 0.0, "matching.otj_search_short": 0.0,
        "matching.otj_search_durable": 0.0, "matching.recall_probability": 0.0,
        "matching.siae_search_months": 0})
    m.persons.contract_end[m.persons.state == S.SIAE] = m.month + 12
    return m


def test_skills_exchange_recommends_revealed_to_member_vacancies() -> None:
    """Catches revealed persons hired by the lever itself, or recommended to firms that are
    not members, of another sector, or beyond their vacancies."""
    m = pole(skills_exchange={"diagnosis_months": 0, "test_months": 0,
                              "evaluation_months": 0, "cost_per_action": 1.0})
    p, co = m.persons, m.coordinator
    budget(m, "skills_exchange", 20.0)
    m.monthly = dict.fromkeys(MONTHLY, 0.0)
    vac = m.firms.vacancies.copy()
    before = p.state.copy()
    co.levers["skills_exchange"].reveal_skills()
    assert np.array_equal(p.state, before)  # nobody is hired by the lever
    rec = referred(m)
    slots, firms = np.array(list(rec)), np.array(list(rec.values()))
    assert slots.size > 0 and np.isin(slots, co.levers["skills_exchange"].revealed_slot).all()
    assert m.firms.member[firms].all()
    assert np.array_equal(m.firms.sector[firms], np.argmax(p.skill[slots], axis=1))
    assert np.all(np.bincount(firms, minlength=m.firms.n) <= vac)
    assert m.monthly["ptce_referrals"] == slots.size


def test_refer_to_member_firms_one_seat_each_by_sector() -> None:
    """Catches recommendations to non-member firms, to another sector, beyond vacancies, or
    a state changed by the lever."""
    m = pole(bridges={})
    p, firms = m.persons, m.firms
    lever = m.coordinator.levers["bridges"]
    firms.member[:] = False
    f = int(np.flatnonzero(firms.sector == 2)[0])
    firms.member[f] = True
    firms.vacancies[:] = 0
    firms.vacancies[f] = 2
    slots = np.flatnonzero(p.state == S.UNEMPLOYED)[:5]
    sectors = np.array([2, 2, 2, 1, 0])
    before = p.state.copy()
    got, to = lever.refer_to_member_firms(slots, sectors, "ptce_bridges_firm")
    assert got.size == 2 and np.isin(got, slots[:3]).all() and np.all(to == f)
    assert referred(m) == dict.fromkeys(got.tolist(), f)
    assert np.array_equal(p.state, before)
    assert lever.refer_to_member_firms(slots[3:], sectors[3:], "x")[0].size == 0
    assert lever.refer_to_member_firms(slots[:0], sectors[:0], "x")[0].size == 0


def test_recommended_persons_are_hired_only_if_the_firm_accepts_them() -> None:
    """Catches a recommendation that hires without a vacancy or below the firm's threshold,
    a trust relief that does not lower the threshold, a recommended person applying twice,
    a recommendation kept after the matching, or hires not counted in its counter."""
    results = {}
    for relief in (0.0, 100.0):
        m = only_referrals_apply(pole(bridges={}))
        p, firms = m.persons, m.firms
        f, g = (int(i) for i in np.flatnonzero(firms.sector == 1)[:2])
        firms.vacancies[:] = 0
        firms.vacancies[f] = 3
        who = np.flatnonzero(p.state == S.UNEMPLOYED)[:6]
        p.skill[who] = 0.9
        p.barriers[who] = 0.0
        p.barriers[who[2]] = 10.0  # scores far below any threshold without relief
        m.referrals.relief = relief
        m.referrals.write(who[:3], f, "ptce_bridges_firm")
        m.referrals.write(who[3:5], g, "ptce_follow_up_replacements")  # g has no vacancy
        m.referrals.write(who[5:], f, "ptce_immersion_hires")
        p.person_id[who[5]] += 10**7  # the slot now holds someone else: dropped
        m.monthly = dict.fromkeys(MONTHLY, 0.0)
        m.matching()
        hired = who[np.isin(p.state[who], EMPLOYED)]
        assert np.all(p.employer[hired] == f)
        assert len(m.referrals) == 0
        assert m.monthly["ptce_bridges_firm"] == hired.size
        assert m.monthly["ptce_follow_up_replacements"] == 0
        assert m.monthly["ptce_immersion_hires"] == 0
        results[relief] = set(hired.tolist())
    assert results[0.0] == set(who[:2].tolist())
    assert results[100.0] == set(who[:3].tolist())


def stalled_model(free_firm_seat: bool) -> tuple[TerritoryModel, np.ndarray]:
    m = pole(bridges={"stall_months": 3, "stall_skill": 0.6, "cost_per_action": 1.0})
    p, st = m.persons, m.structures
    m.month = 2
    unemployed = np.flatnonzero(p.state == S.UNEMPLOYED)
    stalled, fresh, skilled = unemployed[:3], unemployed[3:5], unemployed[5:7]
    who = np.concatenate([stalled, fresh, skilled])
    aci = np.flatnonzero(st.type == 0)[:1].repeat(who.size)
    st.hire(p, who, aci, np.full(who.size, 20))
    p.months_in_state[who] = 3
    p.months_in_state[fresh] = 2
    p.skill[who] = 0.1
    p.skill[skilled, st.sector[aci[0]]] = 0.6
    p.iae_months[who] = 0
    p.age_months[who] = 30 * 12
    if not free_firm_seat:
        m.firms.vacancies[:] = 0
    budget(m, "bridges", 100.0)
    m.monthly = dict.fromkeys(MONTHLY, 0.0)
    return m, stalled


def test_bridges_recommend_stalled_routes_to_member_firms() -> None:
    """Catches routes recommended before they stall (months or skill), to firms that are not
    of the person's best sector, or bridges that hire by themselves."""
    m, stalled = stalled_model(free_firm_seat=True)
    p = m.persons
    before = p.state.copy()
    m.coordinator.levers["bridges"].broker_bridges()
    assert np.array_equal(p.state, before)
    rec = referred(m)
    assert sorted(rec) == sorted(stalled.tolist())
    firms = np.array([rec[int(s)] for s in stalled])
    assert np.array_equal(m.firms.sector[firms], np.argmax(p.skill[stalled], axis=1))
    only_referrals_apply(m)
    p.barriers[stalled] = 0.0
    p.skill[stalled] = 0.9
    m.matching()
    hired = stalled[np.isin(p.state[stalled], EMPLOYED)]
    assert hired.size > 0 and m.monthly["ptce_bridges_firm"] == hired.size
    assert np.array_equal(p.employer[hired], firms[np.isin(stalled, hired)])


def test_bridges_move_stalled_routes_to_another_activity() -> None:
    """Catches bridges to a SIAE of the same activity, beyond its free posts, or routes that
    lose their Pass IAE limit."""
    m, stalled = stalled_model(free_firm_seat=False)
    p, st = m.persons, m.structures
    origin = st.sector[p.siae[stalled[0]]]
    m.coordinator.levers["bridges"].broker_bridges()
    assert np.all(p.state[stalled] == S.SIAE)
    assert np.all(st.sector[p.siae[stalled]] != origin)
    assert m.monthly["ptce_bridges_siae"] == 3
    assert np.all(p.contract_end[stalled] == 2 + 18 + 6)
    assert np.all(st.free_posts(p) >= 0)
    assert np.all(np.bincount(p.siae[p.state == S.SIAE], minlength=st.n) <= st.posts)


def test_immersions_reveal_skills_recommend_and_track() -> None:
    """Catches immersions of ineligible persons, hosts that are not members or beyond their
    hosting capacity, skills not revealed in the host's sector, a host's hire without the
    matching, or participants not recorded."""
    m = pole({"member_share_firms": 0.3}, immersions={"cost_per_action": 1.0,
                                                      "hosts_per_firm": 2})
    p, co, firms = m.persons, m.coordinator, m.firms
    co._trust = 0.5
    p.hidden_skill[:] = 0.2
    p.skill[:] = 0.3
    n_members = int(firms.member.sum())
    budget(m, "immersions", 10.0 * n_members)  # cases for more than the hosting capacity
    m.monthly = dict.fromkeys(MONTHLY, 0.0)
    before = p.state.copy()
    co.levers["immersions"].place_immersions()
    part = co.pmsmp.slot[co.pmsmp.group == 1]
    assert part.size == 2 * n_members == m.monthly["ptce_immersions"]
    assert np.all(np.isin(before[part], (S.UNEMPLOYED, S.SIAE)))
    assert np.array_equal(p.state, before)
    host = p.known_firm[part]
    assert firms.member[host].all()
    assert np.all(np.bincount(host, minlength=firms.n) <= 2)
    hs = firms.sector[host]
    assert np.allclose(p.skill[part, hs], 0.5) and np.all(p.hidden_skill[part, hs] == 0)
    assert referred(m) == dict(zip(part.tolist(), host.tolist(), strict=True))
    assert np.allclose(m.signals.read(part, host), m.params.matching.immersion_precision)
    comps = co.pmsmp.slot[co.pmsmp.group == 0]
    assert comps.size > 0 and not np.isin(comps, part).any()


def test_immersions_nothing_without_member_firms_hosts_or_budget() -> None:
    """Catches immersions without a member firm, without hosting capacity or without cases."""
    m = pole({"member_share_firms": 0.0}, immersions={})
    budget(m, "immersions", 50.0)
    m.coordinator.levers["immersions"].place_immersions()
    assert m.coordinator.pmsmp.slot.size == 0
    m = pole(immersions={})
    budget(m, "immersions", 0.0)
    m.coordinator.levers["immersions"].place_immersions()
    assert m.coordinator.pmsmp.slot.size == 0
    m = pole(immersions={"hosts_per_firm": 0})
    budget(m, "immersions", 50.0)
    m.coordinator.levers["immersions"].place_immersions()
    assert m.coordinator.pmsmp.slot.size == 0 and len(m.referrals) == 0


def test_coordinated_training_adds_seats_and_idles_back() -> None:
    """Catches extra seats beyond the funded target, seats for non-member programmes, or
    seats kept when the lever idles."""
    m = pole(coordinated_training={"extra_seat_share": 0.5, "cost_per_action": 1.0})
    co, prog = m.coordinator, m.programmes
    lever = co.levers["coordinated_training"]
    base = prog.seats.copy()
    target = np.floor(base * 0.5).astype(np.int64)
    budget(m, "coordinated_training", 10_000.0)
    m.monthly = {}
    lever.steer_seats()
    assert np.array_equal(prog.seats, base + target)
    assert m.monthly["ptce_training_seats_added"] == target.sum()
    budget(m, "coordinated_training", 0.0)
    lever.steer_seats()
    assert np.array_equal(prog.seats, base)
    lever.idle()
    assert np.array_equal(prog.seats, base)
    co.training_member[:] = False
    prog.seats[:] = 0
    lever.steer_seats()
    assert np.all(prog.seats == 0)  # no member programme: nothing steered


def test_coordinated_training_recommends_graduates_in_their_sector() -> None:
    """Catches graduates recommended outside their programme's sector or while no longer
    jobseekers, or placed by the lever itself."""
    m = pole(coordinated_training={})
    p, co, prog = m.persons, m.coordinator, m.programmes
    lever = co.levers["coordinated_training"]
    grads = np.flatnonzero(p.state == S.UNEMPLOYED)[:4]
    programmes = np.array([0, 0, 1, 2])
    p.state[grads[3]] = S.INACTIVE
    m.graduates = (grads, programmes)
    budget(m, "coordinated_training", 100.0)
    m.monthly = dict.fromkeys(MONTHLY, 0.0)
    before = p.state.copy()
    lever.place_graduates()
    assert np.array_equal(p.state, before)
    rec = referred(m)
    assert 0 < len(rec) and set(rec) <= set(grads[:3].tolist())
    sectors = dict(zip(grads.tolist(), prog.sector[programmes].tolist(), strict=True))
    assert all(m.firms.sector[f] == sectors[s] for s, f in rec.items())
    assert m.firms.member[list(rec.values())].all()


def test_incubation_creates_a_member_activity_after_its_steps() -> None:
    """Catches an activity created before the seven steps, a project that advances without
    cases, candidates that are not first SIAE employees near their route's end, or an
    activity staffed without its own recruitment."""
    m = pole(incubation={"months_per_step": 1.0, "cases_per_month": 1.0,
                         "jobs_per_activity": 3, "sector": "construction"})
    p, co = m.persons, m.coordinator
    lever = co.levers["incubation"]
    m.monthly = dict.fromkeys(MONTHLY, 0.0)
    near = np.flatnonzero(p.state == S.UNEMPLOYED)[:2]
    m.structures.hire(p, near, np.zeros(2, dtype=np.int64), np.full(2, 3))
    n_firms = m.firms.n
    budget(m, "incubation", 0.0)
    lever.incubate()
    assert lever.progress == 0.0
    for step in range(7):
        budget(m, "incubation", 1.0)
        lever.incubate()
        if step < 6:
            assert lever.progress == step + 1 and m.firms.n == n_firms
    assert lever.progress == 0.0
    assert m.firms.n == n_firms + 1 and m.firms.member[-1]
    assert m.firms.sector[-1] == m.sector_names.index("construction")
    assert m.monthly["ptce_activities_incubated"] == 1
    assert m.monthly["ptce_jobs_created"] == 3
    assert not np.isin(p.employer, [n_firms]).any()  # the activity recruits by itself
    rec = referred(m)
    assert len(rec) == 3 * 3 and set(near.tolist()) <= set(rec)
    assert set(rec.values()) == {n_firms}
    assert ("firm", n_firms) in co.network
    only_referrals_apply(m)
    p.barriers[list(rec)] = 0.0
    m.matching()
    staff = np.flatnonzero(p.employer == n_firms)
    assert 0 < staff.size <= 3 and np.isin(staff, list(rec)).all()
    assert m.monthly["ptce_incubation_hires"] == staff.size


def test_follow_up_replaces_followed_leavers() -> None:
    """Catches leavers of non-member SIAE followed, follow-ups that never end, or followed
    jobseekers not recommended to member firms."""
    m = pole(follow_up={"months": 2, "cost_per_action": 1.0})
    p, co = m.persons, m.coordinator
    lever = co.levers["follow_up"]
    m.structures.member[1:] = False
    leavers = np.flatnonzero(p.state == S.UNEMPLOYED)[:4]
    m.structures.hire(p, leavers, np.array([0, 0, 0, 1]), np.full(4, 1))
    m.month = 1
    m.recorder.log_siae_exits(leavers, np.full(4, 3))
    p.set_state(leavers, S.UNEMPLOYED)
    lever.register_leavers()
    assert sorted(lever.slot.tolist()) == sorted(leavers[:3].tolist())
    assert np.all(lever.until == 3)
    lever.register_leavers()  # a new exit of the same persons restarts, not duplicates
    assert lever.slot.size == 3
    m.month = 4  # past the follow-up
    budget(m, "follow_up", 10.0)
    m.monthly = dict.fromkeys(MONTHLY, 0.0)
    lever.replace_leavers()
    assert lever.slot.size == 0
    assert np.all(p.state[leavers] == S.UNEMPLOYED)
    m.month = 1
    lever.register_leavers()
    m.month = 2
    lever.replace_leavers()
    assert np.all(p.state[leavers] == S.UNEMPLOYED)  # recommended, not placed
    rec = referred(m)
    assert 0 < len(rec) and set(rec) <= set(leavers[:3].tolist())
    assert m.firms.member[list(rec.values())].all()


def test_all_levers_run_a_small_horizon_within_budget() -> None:
    """Catches levers spending more cases than the capacity, or series left unrecorded."""
    spec = {name: {} for name in LEVERS}
    m = pole(persons=1000, months=6, **spec)
    for _ in range(6):
        m.step()
    s = m.recorder.series
    assert np.all(s["ptce_cases_used"] <= s["ptce_capacity"] + max(
        lv.action_cost for lv in m.coordinator.levers.values()) * len(LEVERS) + 1e-9)
    assert np.all(s["ptce_capacity"] == pytest.approx(m.coordinator.capacity()))
    assert np.all((s["ptce_trust"] > 0) & (s["ptce_trust"] <= 1))


@pytest.mark.parametrize("name", LEVERS)
def test_no_lever_hires_anyone_by_itself(name: str) -> None:
    """Each lever's hooks, called on a running pole with ample cases, never move a person
    who is out of work or in an SIAE into an ordinary job: only a firm's own recruitment at
    the matching does (the issue's "no placement by decree"). Catches a lever that calls
    ``TerritoryModel.hire`` or sets a job state itself."""
    m = pole(persons=1500, months=12, incubation={"months_per_step": 0.5},
             **{n: {} for n in LEVERS if n != "incubation"})
    for _ in range(3):
        m.step()
    m.monthly = dict.fromkeys(MONTHLY, 0.0)
    m.referrals.take()  # last month's immersions' recommendations are read: none pending
    lever = m.coordinator.levers[name]
    budget(m, name, 1000.0)
    lever.progress = 100.0 if name == "incubation" else 0.0
    out_of_work = np.isin(m.persons.state, (S.UNEMPLOYED, S.SIAE, S.INACTIVE, S.TRAINING))
    for _phase, fn in lever.hooks():
        fn()
    now_employed = np.isin(m.persons.state, EMPLOYED)
    assert not (out_of_work & now_employed).any()
    assert m.monthly.get("ptce_referrals", 0) == len(m.referrals)
    if name in ("immersions", "incubation"):  # they act at once on such a pole
        assert len(m.referrals) > 0
