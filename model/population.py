"""Columnar store of person state (DESIGN 3.1).

Every person is a row: a slot index into numpy arrays owned by the model. A slot is reused when a
person retires and a young person enters; the entrant gets a new ``person_id``. The
``JobSeeker`` Mesa agents (``model.persons``) are views on these arrays.
"""

from __future__ import annotations

import numpy as np

from .params import TerritoryParams
from .states import Benefit, S

NO_ORG = -1


class PersonStore:
    """Arrays of shape (n,) (or (n, n_sectors) for skills), one row per person slot.

    Time-valued fields hold absolute model months (0 = first month of burn-in).
    """

    def __init__(self, n: int, n_sectors: int) -> None:
        self.n = n
        self.n_sectors = n_sectors
        self.person_id = np.arange(n, dtype=np.int64)
        self.next_person_id = n
        self.state = np.full(n, S.INACTIVE, dtype=np.int8)
        self.months_in_state = np.zeros(n, dtype=np.int16)
        self.age_months = np.zeros(n, dtype=np.int16)
        self.qualification = np.zeros(n, dtype=np.int8)
        self.qualification_initial = np.zeros(n, dtype=np.int8)
        self.skill = np.zeros((n, n_sectors), dtype=np.float32)  # visible to employers, 0..1
        self.hidden_skill = np.zeros((n, n_sectors), dtype=np.float32)  # real but unseen
        self.barriers = np.zeros(n, dtype=np.float32)  # employability barriers, 0..1
        self.rsa = np.zeros(n, dtype=bool)  # kept equal to benefit == Benefit.RSA
        self.barrier_bits = np.zeros(n, dtype=np.uint8)  # states.Barrier flags
        self.benefit = np.zeros(n, dtype=np.int8)  # states.Benefit code
        self.registered = np.zeros(n, dtype=bool)  # on France Travail's register (A, B or C)
        self.unemployment_spell = np.zeros(n, dtype=np.int16)  # months registered
        self.iae_months = np.zeros(n, dtype=np.int16)  # CDDI months on the current Pass IAE
        # Pass IAE and prescription (model.iae): absolute months, -1 = none
        self.pass_start = np.full(n, -1, dtype=np.int32)
        self.pass_end = np.full(n, -1, dtype=np.int32)  # first month the Pass no longer covers
        self.pass_prolonged = np.zeros(n, dtype=np.int16)  # months of prolongation granted
        self.iae_routes = np.zeros(n, dtype=np.int8)  # Passes IAE issued to the person
        self.diagnosed_until = np.full(n, -1, dtype=np.int32)  # last month a diagnosis is valid
        self.prescriber = np.full(n, -1, dtype=np.int8)  # who made the diagnosis (kind code)
        self.pass_waiver = np.zeros(n, dtype=bool)  # the diagnosis waived the waiting period
        self.employer = np.full(n, NO_ORG, dtype=np.int32)  # firm index
        self.siae = np.full(n, NO_ORG, dtype=np.int32)  # SIAE structure index
        self.programme = np.full(n, NO_ORG, dtype=np.int32)  # training programme index
        self.contract_end = np.full(n, -1, dtype=np.int32)  # month a contract/route ends
        self.known_firm = np.full(n, NO_ORG, dtype=np.int32)  # a firm that has seen them work
        # career-security counters over the reported horizon
        self.obs_months = np.zeros(n, dtype=np.int16)
        self.months_employed = np.zeros(n, dtype=np.int16)
        self.months_durable = np.zeros(n, dtype=np.int16)
        self.breaks = np.zeros(n, dtype=np.int16)
        self.longest_unemployment = np.zeros(n, dtype=np.int16)
        # spell bookkeeping
        self.prev_state = self.state.copy()
        self.prev_org = np.full(n, NO_ORG, dtype=np.int32)
        self.spell_start = np.zeros(n, dtype=np.int32)

    def organisation(self) -> np.ndarray:
        """Index of each person's organisation in its kind (firm, SIAE or programme, as the
        state says), or -1. ``set_state`` keeps at most one of the three links set."""
        return np.maximum(np.maximum(self.employer, self.siae), self.programme)

    def set_state(self, slots: np.ndarray, state: int) -> None:
        """Move ``slots`` into ``state``, clearing the organisation links of the old state."""
        self.state[slots] = state
        if state not in (S.EMPLOYED_TEMP, S.EMPLOYED_DURABLE):
            self.employer[slots] = NO_ORG
        if state != S.SIAE:
            self.siae[slots] = NO_ORG
        if state != S.TRAINING:
            self.programme[slots] = NO_ORG
        if state not in (S.EMPLOYED_TEMP, S.EMPLOYED_DURABLE, S.SIAE,
                         S.TRAINING):
            self.contract_end[slots] = -1
        if state not in (S.UNEMPLOYED, S.TRAINING):
            self.unemployment_spell[slots] = 0


def _beta_with_mean(rng: np.random.Generator, mean: float, size: int) -> np.ndarray:
    mean = min(max(mean, 1e-3), 1 - 1e-3)
    a = 2.0
    b = a * (1 - mean) / mean
    return rng.beta(a, b, size=size).astype(np.float32)


def draw_persons(store: PersonStore, idx: np.ndarray, params: TerritoryParams,
                 rng: np.random.Generator, *, entrants: bool) -> None:
    """Draw personal attributes (age, qualification, skills, barriers) for ``idx``.

    Entrants are young people entering working age; otherwise ages span the working life.
    States, employers and spells are set by the caller.
    """
    k = idx.size
    if k == 0:
        return
    pop, demo = params.population, params.demography
    lo = demo.entry_age_min * 12
    hi = (demo.entry_age_max if entrants else demo.retirement_age) * 12
    store.age_months[idx] = rng.integers(lo, hi, size=k)
    q = rng.choice(5, size=k, p=np.asarray(pop.qualification_shares) /
                   sum(pop.qualification_shares))
    store.qualification[idx] = q
    store.qualification_initial[idx] = q
    shares = np.array([s.job_share for s in params.demand.sectors])
    home = rng.choice(shares.size, size=k, p=shares / shares.sum())
    skill = rng.uniform(0.0, 0.25, size=(k, shares.size)).astype(np.float32)
    skill[np.arange(k), home] = (0.25 + 0.12 * q + rng.uniform(0.0, 0.25, size=k))
    store.skill[idx] = np.clip(skill, 0.0, 1.0)
    hidden = rng.exponential(pop.hidden_skill_mean, size=(k, shares.size)).astype(np.float32)
    store.hidden_skill[idx] = np.minimum(hidden, 1.0 - store.skill[idx])
    store.barriers[idx] = _beta_with_mean(rng, pop.barrier_mean_others, k)
    store.rsa[idx] = False
    store.barrier_bits[idx] = 0
    store.benefit[idx] = 0
    store.registered[idx] = False
    store.unemployment_spell[idx] = 0
    store.iae_months[idx] = 0
    store.pass_start[idx] = -1
    store.pass_end[idx] = -1
    store.pass_prolonged[idx] = 0
    store.iae_routes[idx] = 0
    store.diagnosed_until[idx] = -1
    store.prescriber[idx] = -1
    store.pass_waiver[idx] = False
    store.employer[idx] = NO_ORG
    store.siae[idx] = NO_ORG
    store.programme[idx] = NO_ORG
    store.contract_end[idx] = -1
    store.known_firm[idx] = NO_ORG
    store.months_in_state[idx] = 0
    store.obs_months[idx] = 0
    store.months_employed[idx] = 0
    store.months_durable[idx] = 0
    store.breaks[idx] = 0
    store.longest_unemployment[idx] = 0


def set_home_sector(store: PersonStore, idx: np.ndarray, sector: np.ndarray,
                    rng: np.random.Generator) -> None:
    """Make ``sector`` the best-skilled sector of persons ``idx`` (used for the employed)."""
    q = store.qualification[idx].astype(np.float32)
    store.skill[idx, sector] = np.clip(0.35 + 0.12 * q + rng.uniform(0.0, 0.2, idx.size),
                                       0.0, 1.0)


def mark_unemployed_profile(store: PersonStore, idx: np.ndarray, params: TerritoryParams,
                            rng: np.random.Generator) -> None:
    """Give newly drawn unemployed persons the barrier and RSA profile of jobseekers."""
    pop = params.population
    store.barriers[idx] = _beta_with_mean(rng, pop.barrier_mean_unemployed, idx.size)
    p_rsa = np.clip(pop.rsa_share_of_unemployed * (0.5 + store.barriers[idx] /
                                                   max(pop.barrier_mean_unemployed, 1e-3) * 0.5),
                    0.0, 1.0)
    store.rsa[idx] = rng.random(idx.size) < p_rsa
    store.benefit[idx] = np.where(store.rsa[idx], Benefit.RSA, Benefit.NONE)
