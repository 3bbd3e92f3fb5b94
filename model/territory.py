"""``TerritoryModel``: the monthly labour market of a zone d'emploi (DESIGN 4.3).

One step is one month. ``step()`` runs the named phases in a fixed order; each phase is a
vectorised rule over the person store, driven by the organisations' verbs. Extensions (the PTCE
levers) plug in through :meth:`TerritoryModel.add_hook`, which runs a callable after a phase.
"""

from __future__ import annotations

import zlib
from collections.abc import Callable

import mesa
import numpy as np

from . import iae
from .enterprises import ApplicantPool, Enterprise, Firms, Workforce
from .indicators import Recorder
from .params import PRESCRIBER_KINDS, TerritoryParams, with_values
from .persons import JobSeeker
from .population import (
    NO_ORG,
    draw_persons,
    mark_unemployed_profile,
    set_home_sector,
)
from .prescribers import Prescriber
from .ptce import PTCECoordinator
from .referrals import Referrals
from .rng import PersonDraws
from .screening import Beliefs, Signals, combine, duration_band, refresh_productivity
from .siae import SIAE, Structures
from .states import CONTRACT_STATE, ExitOutcome, K, S
from .training import Programmes, TrainingBody

#: The monthly phases, in the order ``step()`` runs them.
PHASES: tuple[str, ...] = (
    "events",
    "demography",
    "demand",
    "separations",
    "prescription",
    "support",
    "matching",
    "siae_exits",
    "bookkeeping",
)


#: the month's counters, reset at the start of ``step()`` (series of the same names)
MONTHLY_COUNTERS: tuple[str, ...] = (
    "hires_temp", "hires_durable", "jobseeker_hires", "jobseeker_hires_durable", "jobseekers",
    "iae_entries", "training_entries", "training_completions", "separations_to_unemployment",
    "training_cost", "hires_cdi", "hires_cdd_long", "hires_cdd_short", "hires_interim",
    "rehires", "rehires_cdd", "job_to_job", "iae_diagnostics", "iae_unfilled_posts",
    "iae_prolongations", "iae_moves")

#: part-timers' hours: cumulative shares of the four bands and their FTE fraction
#: (part_time_hours_distribution, Dares 2023)
_PART_TIME_CUMULATIVE = np.cumsum([0.242, 0.155, 0.252])
_PART_TIME_HOURS = np.array([0.35, 0.5, 0.65, 0.85], dtype=np.float32)


def _stochastic_round(x: np.ndarray, rng: np.random.Generator) -> np.ndarray:
    base = np.floor(x)
    return (base + (rng.random(x.shape) < (x - base))).astype(np.int64)


def _top_k(keys: np.ndarray, k: int) -> np.ndarray:
    """Positions of the ``k`` largest keys (unordered)."""
    if k <= 0:
        return np.empty(0, dtype=np.int64)
    if k >= keys.size:
        return np.arange(keys.size)
    return np.argpartition(-keys, k - 1)[:k]


class TerritoryModel(mesa.Model):
    """A territory's labour market with its persons, enterprises, SIAE and training bodies.

    Args:
        params: the validated parameters of the territory and scenario.
        seed: root seed (int or ``numpy.random.SeedSequence``). Each mechanism draws from its
            own child stream (:meth:`stream`), so adding a mechanism does not reshuffle the
            draws of the others.
    """

    def __init__(self, params: TerritoryParams,
                 seed: int | np.random.SeedSequence | None = None) -> None:
        root = seed if isinstance(seed, np.random.SeedSequence) else np.random.SeedSequence(seed)
        self.seed_sequence = root
        super().__init__(rng=np.random.default_rng(root.spawn(1)[0]))
        self.params = params
        self.month = 0  # absolute month index; 0 = first month of burn-in
        self._streams: dict[str, np.random.Generator] = {}
        self.draws = PersonDraws(root)
        self._hooks: dict[str, list[Callable[[], None]]] = {p: [] for p in PHASES}
        self._pending_shock_ends: list[tuple[int, list[int], float]] = []
        self._cycle = 1.0  # the business cycle's multiplier now applied to firms.shock
        self.graduates: tuple[np.ndarray, np.ndarray] = (np.empty(0, np.int64),
                                                         np.empty(0, np.int32))
        self.sector_names = params.sector_names
        self.n_sectors = len(self.sector_names)
        rng = self.stream("init")

        self.persons: Workforce = Workforce(params.population.persons, self.n_sectors)
        self.beliefs = Beliefs(self.n_sectors)
        self.signals = Signals(self)
        self.referrals = Referrals(self)
        self.applicant_pool = ApplicantPool.empty()
        self._init_persons_and_firms(rng)
        self.structures = Structures(params, rng)
        self.programmes = Programmes(params)
        self.recorder = Recorder(self)
        self.monthly: dict[str, float] = {}

        JobSeeker.create_seats(self, self.persons.n)
        Enterprise.create_agents(self, self.firms.n, index=list(range(self.firms.n)))
        SIAE.create_agents(self, self.structures.n, index=list(range(self.structures.n)))
        TrainingBody.create_agents(self, self.programmes.n_bodies,
                                   index=list(range(self.programmes.n_bodies)))
        for kind in PRESCRIBER_KINDS:
            Prescriber(self, kind)
        #: this month's IAE candidates and the leavers offered to move on (model.iae)
        self.iae_pool = iae.RecruitPool.empty(self.structures.n)
        self.iae_moves = iae.RecruitPool.empty(self.structures.n)
        self.iae_move_dest = np.empty(0, dtype=np.int64)
        #: Passes IAE issued: arrays (5, k) of person_id, month, previous pass_end, waiver,
        #: prescriber code, one per month with issues
        self.pass_log: list[np.ndarray] = []
        self.coordinator: PTCECoordinator | None = (
            PTCECoordinator(self) if params.ptce is not None else None)

    # ------------------------------------------------------------------ infrastructure
    def stream(self, name: str) -> np.random.Generator:
        """The random stream of mechanism ``name`` for this month, a child of the run's root
        seed: draws of one mechanism or month never shift those of another."""
        gen = self._streams.get(name)
        if gen is None:
            key = zlib.crc32(name.encode())
            ss = np.random.SeedSequence(self.seed_sequence.entropy,
                                        spawn_key=(*self.seed_sequence.spawn_key, 1, key,
                                                   self.month))
            gen = self._streams[name] = np.random.default_rng(ss)
        return gen

    def draw(self, purpose: str, slots: np.ndarray, sub: np.ndarray | int = 0) -> np.ndarray:
        """Uniform numbers for persons ``slots`` this month (see :class:`PersonDraws`)."""
        return self.draws.uniform(purpose, slots, self.month, sub)

    def add_hook(self, phase: str, fn: Callable[[], None]) -> None:
        """Run ``fn()`` right after ``phase`` every month (for levers and extensions)."""
        if phase not in self._hooks:
            raise ValueError(f"unknown phase {phase!r}; phases are {PHASES}")
        self._hooks[phase].append(fn)

    @property
    def burn_in(self) -> int:
        return self.params.simulation.burn_in_months

    @property
    def reported_month(self) -> int:
        """Month of the reported horizon (1-based); 0 or less during burn-in."""
        return self.month - self.burn_in + 1

    @property
    def reporting(self) -> bool:
        return self.month >= self.burn_in

    def organisation_of(self, slot: int) -> mesa.Agent | None:
        """The agent (Enterprise, SIAE or TrainingBody) person ``slot`` is with, if any."""
        p = self.persons
        if p.employer[slot] != NO_ORG:
            return list(self.agents_by_type[Enterprise])[int(p.employer[slot])]
        if p.siae[slot] != NO_ORG:
            return list(self.agents_by_type[SIAE])[int(p.siae[slot])]
        if p.programme[slot] != NO_ORG:
            body = int(self.programmes.body[p.programme[slot]])
            return list(self.agents_by_type[TrainingBody])[body]
        return None

    def add_enterprise(self, index: int) -> Enterprise:
        """The Mesa agent of firm ``index`` just added to the firm table."""
        return Enterprise(self, index)

    def spells_of(self, person_id: int) -> list[tuple[str, int, int | None, int]]:
        return self.recorder.spells_of(person_id)

    def cddi_months_allowed(self, slots: np.ndarray | int) -> np.ndarray:
        """Months of CDDI still allowed to each person: to the end of their valid Pass IAE,
        else a new Pass's 24 months unless inside the waiting period (``iae``)."""
        return iae.cddi_months_allowed(self, slots)

    # ------------------------------------------------------------------ initial state
    def _init_persons_and_firms(self, rng: np.random.Generator) -> None:
        params, p = self.params, self.persons
        pop = params.population
        n = p.n
        all_idx = np.arange(n)
        draw_persons(p, all_idx, params, rng, entrants=False)
        order = rng.permutation(n)
        n_inactive = round(pop.inactivity_rate * n)
        active = order[n_inactive:]
        p.set_state(order[:n_inactive], S.INACTIVE)
        n_unemp = round(pop.unemployment_rate * active.size)
        unemployed = active[:n_unemp]
        employed = active[n_unemp:]
        n_self = round(pop.self_employed_share * employed.size)
        self.firms = Firms(params, active.size - n_self, rng)
        self_emp, wage = employed[:n_self], employed[n_self:]
        p.set_state(self_emp, S.SELF_EMPLOYED)
        seats = rng.permutation(np.repeat(np.arange(self.firms.n), self.firms.positions))
        hired = wage[: seats.size]
        p.set_state(wage[seats.size:], S.UNEMPLOYED)  # more workers than positions
        firms = seats[: hired.size]
        temp = rng.random(hired.size) < pop.temp_share_of_employed
        mean = params.separations.temp_mean_months
        ends = rng.integers(1, int(2 * mean) + 1, size=hired.size)
        self._init_contracts(hired, firms, temp, ends)
        set_home_sector(p, hired, self.firms.sector[firms], rng)
        unemployed = np.concatenate([unemployed, wage[seats.size:]])
        p.set_state(unemployed, S.UNEMPLOYED)
        mark_unemployed_profile(p, unemployed, params, rng)
        long_term = rng.random(unemployed.size) < pop.long_term_share
        p.unemployment_spell[unemployed] = np.where(
            long_term, rng.integers(12, 49, unemployed.size), rng.integers(0, 12, unemployed.size))
        self.firms.post_vacancies(p)
        p.prev_state[:] = p.state
        p.prev_org[:] = p.organisation()

    def _init_contracts(self, hired: np.ndarray, firms: np.ndarray, temp: np.ndarray,
                        ends: np.ndarray) -> None:
        """Contracts of the initially employed: temp ones CDD_SHORT or INTERIM (ending at
        ``ends``), durable ones CDI (begun five years ago) or CDD_LONG (ending in 1..12
        months), split and given hours as hires are (person draws at month 0)."""
        sep = self.params.separations
        v = self.draw("contract_kind", hired)
        contract = np.where(temp, np.where(v < sep.interim_share, K.INTERIM, K.CDD_SHORT),
                            np.where(v < sep.cdd_long_share, K.CDD_LONG, K.CDI)).astype(np.int8)
        end = np.where(contract == K.INTERIM, 1, ends)
        end = np.where(contract == K.CDD_LONG, 1 + (self.draw("contract_length", hired)
                                                     * 12).astype(np.int64), end)
        self.firms.hire(self.persons, hired, firms, contract, end, self._draw_hours(hired),
                        self.month)
        self.persons.contract_start[hired[contract == K.CDI]] = -60
        refresh_productivity(self)

    # ------------------------------------------------------------------ the month
    def step(self) -> None:
        """One month: the phases of :data:`PHASES` in order."""
        self.monthly = dict.fromkeys(MONTHLY_COUNTERS, 0.0)
        self._streams.clear()
        for phase in PHASES:
            getattr(self, phase)()
            for hook in self._hooks[phase]:
                hook()
        self.recorder.record_month()
        self.month += 1

    def events(self) -> None:
        """Apply the scenario's timeline events scheduled for this month."""
        for ev in self.params.events:
            if ev.at != self.reported_month:
                continue
            if ev.set:
                sim = self.params.simulation
                self.params = with_values(self.params, dict(ev.set))
                assert self.params.simulation == sim
            if ev.demand_shock:
                shock = ev.demand_shock
                sectors = (range(self.n_sectors) if shock.sector == "all"
                           else [self.sector_names.index(shock.sector)])
                for s in sectors:
                    self.firms.shock[s] *= shock.factor
                self._pending_shock_ends.append((self.month + shock.months, list(sectors),
                                                 shock.factor))
        for end in [e for e in self._pending_shock_ends if e[0] == self.month]:
            for s in end[1]:
                self.firms.shock[s] /= end[2]
            self._pending_shock_ends.remove(end)
        factor = self.cycle_factor()
        if factor != self._cycle:
            self.firms.shock *= factor / self._cycle
            self._cycle = factor

    def cycle_factor(self, month: int | None = None) -> float:
        """The business cycle's multiplier on positions at reported month ``month`` (this
        month by default): 1 without a cycle and during burn-in (section 7.1 of ODD.md)."""
        cycle = self.params.cycle
        r = self.reported_month if month is None else month
        if cycle is None or r < 1:
            return 1.0
        # quarter q (0-based) is centred on reported month 3q + 2; hold the ends
        t = (r - 2) / 3.0
        values = cycle.values
        q = min(max(int(np.floor(t)), 0), len(values) - 1)
        frac = min(max(t - q, 0.0), 1.0) if q + 1 < len(values) else 0.0
        u = values[q] + frac * (values[min(q + 1, len(values) - 1)] - values[q])
        return max(1.0 - cycle.elasticity / 100.0 * (u - values[0]), 0.05)

    def demography(self) -> None:
        """Ageing, retirement and replacement by young entrants, participation flows."""
        rng, p, demo = self.stream("demography"), self.persons, self.params.demography
        p.age_months += 1
        retiring = np.flatnonzero(p.age_months >= demo.retirement_age * 12)
        if retiring.size:
            self.recorder.close_spells(retiring)
            self._replace_persons(retiring, rng)
        state = p.state.copy()
        u = rng.random(p.n, dtype=np.float32)  # full population: aligned by slot
        to_active = (state == S.INACTIVE) & (u < demo.inactive_to_unemployed)
        to_inactive = (state == S.UNEMPLOYED) & (
            u < demo.unemployed_to_inactive * (1.0 + p.barriers))
        leave_job = ((state == S.EMPLOYED_TEMP) | (state == S.EMPLOYED_DURABLE)
                     | (state == S.SELF_EMPLOYED)) & (u < demo.employed_to_inactive)
        newly = np.flatnonzero(to_active)
        p.set_state(newly, S.UNEMPLOYED)
        p.set_state(np.flatnonzero(to_inactive | leave_job), S.INACTIVE)

    def _replace_persons(self, slots: np.ndarray, rng: np.random.Generator) -> None:
        """Retire the persons in ``slots`` and put young entrants in their place.

        The entrant takes over the slot and its ``JobSeeker`` agent (a seat in the working-age
        population) under a new ``person_id``; person-level outputs are keyed on person_id.
        """
        p, params = self.persons, self.params
        new_ids = np.arange(p.next_person_id, p.next_person_id + slots.size)
        p.next_person_id += slots.size
        p.person_id[slots] = new_ids
        draw_persons(p, slots, params, rng, entrants=True)
        inactive = self.draw("entrant_inactive", slots) < params.demography.entrant_inactive_share
        p.set_state(slots[inactive], S.INACTIVE)
        p.set_state(slots[~inactive], S.UNEMPLOYED)
        mark_unemployed_profile(p, slots[~inactive], params, rng)
        p.prev_state[slots] = p.state[slots]
        p.prev_org[slots] = NO_ORG
        p.spell_start[slots] = self.month

    def demand(self) -> None:
        """Firms post vacancies for their unfilled positions; negative shocks lay off."""
        firms, p = self.firms, self.persons
        demand = self.params.demand
        firms.growth *= (1.0 + demand.growth_per_year) ** (1.0 / 12.0)
        firms.level = demand.jobs_per_active / firms.jobs_per_active
        firms.post_vacancies(p)
        excess = firms.headcount - firms.positions
        if np.any(excess > 0):
            # each firm over its positions lays off exactly its excess, at random
            working = np.flatnonzero(p.employer >= 0)
            f = p.employer[working]
            over = excess[f] > 0
            working, f = working[over], f[over]
            order = np.lexsort((self.draw("layoff", working), f))
            working, f = working[order], f[order]
            rank = np.arange(f.size) - np.searchsorted(f, f)
            laid_off = working[rank < excess[f]]
            p.set_state(laid_off, S.UNEMPLOYED)
            self.monthly["separations_to_unemployment"] += laid_off.size
            firms.post_vacancies(p)

    def separations(self) -> None:
        """Contracts end by kind: CDI at a hazard (higher in the first year), CDD at their
        term (converted to a CDI or ended), short CDD and interim renewed, converted or
        ended; own activities end and jobseekers create theirs."""
        rng, p, sep = self.stream("separations"), self.persons, self.params.separations
        refresh_productivity(self)
        month = self.month
        state, contract = p.state.copy(), p.contract.copy()
        u = rng.random(p.n, dtype=np.float32)
        first_year = month - p.contract_start < 12
        cdi_end = (contract == K.CDI) & (
            u < np.where(first_year, sep.cdi_first_year_hazard, sep.durable_hazard))
        self_end = (state == S.SELF_EMPLOYED) & (u < sep.self_employed_exit)
        creators = np.flatnonzero((state == S.UNEMPLOYED) & (u < sep.business_creation))
        long_due = np.flatnonzero((contract == K.CDD_LONG) & (p.contract_end <= month))
        to_cdi = long_due[self.draw("cdd_long_end", long_due) < sep.cdd_long_conversion]
        long_end = long_due[~np.isin(long_due, to_cdi, kind="sort")]
        temp_due = np.flatnonzero(((contract == K.CDD_SHORT) | (contract == K.INTERIM))
                                  & (p.contract_end <= month))
        v = self.draw("temp_end", temp_due)
        convert = temp_due[v < sep.temp_conversion]
        renew = temp_due[(v >= sep.temp_conversion) & (v < sep.temp_conversion + sep.temp_renewal)]
        end = temp_due[v >= sep.temp_conversion + sep.temp_renewal]
        self.convert_to_cdi(np.concatenate([to_cdi, convert]))
        interim = p.contract[renew] == K.INTERIM
        length = self.draws.geometric("renewal_length", renew, month, sep.temp_mean_months)
        p.contract_end[renew] = month + np.where(interim, 1, length)
        p.contract_start[renew] = month
        n_interim = int(interim.sum())
        self.monthly["hires_temp"] += renew.size
        self.monthly["hires_interim"] += n_interim
        self.monthly["hires_cdd_short"] += renew.size - n_interim
        self.monthly["rehires"] += renew.size
        self.monthly["rehires_cdd"] += renew.size - n_interim
        to_unemp = np.concatenate([np.flatnonzero(cdi_end | self_end), long_end, end])
        p.set_state(to_unemp, S.UNEMPLOYED)
        self.monthly["separations_to_unemployment"] += to_unemp.size
        p.set_state(creators, S.SELF_EMPLOYED)

    def convert_to_cdi(self, slots: np.ndarray) -> None:
        """Turn the contracts of firm employees ``slots`` into CDI with the same firm (a
        conversion, not a hire)."""
        p = self.persons
        p.state[slots] = S.EMPLOYED_DURABLE
        p.contract[slots] = K.CDI
        p.contract_end[slots] = -1
        p.contract_start[slots] = self.month

    def prescription(self) -> None:
        """Prescribers diagnose jobseekers; each SIAE recruits its public; training seats are
        filled (``iae.prescription``)."""
        iae.prescription(self)

    def support(self) -> None:
        """SIAE accompany their employees; training programmes that end qualify people."""
        iae.support(self)

    def matching(self) -> None:
        """Jobseekers, SIAE employees near the end of their route and some employees apply to
        vacancies; firms recall their former short-contract workers and choose the best
        acceptable applicants by expected productivity (``Enterprise.recruit``)."""
        rng, p, m = self.stream("matching"), self.persons, self.params.matching
        firms = self.firms
        state = p.state
        unemployed = np.flatnonzero(state == S.UNEMPLOYED)
        self.monthly["jobseekers"] = float(unemployed.size)
        # recommended persons apply to the firm they were recommended to, and only there
        ref_slots, ref_firms, ref_codes = self.referrals.take()
        if m.fixed_job_finding_rate is not None:
            self._fixed_rate_matching(unemployed, m.fixed_job_finding_rate, rng)
            return
        searching = unemployed[self.draw("search", unemployed) <
                               m.search_intensity * (1.0 - 0.5 * p.barriers[unemployed])]
        in_siae = np.flatnonzero((state == S.SIAE)
                                 & (p.contract_end - self.month <= m.siae_search_months))
        # on-the-job search: short-contract employees, and a few durable ones
        employed = np.flatnonzero((state == S.EMPLOYED_TEMP) | (state == S.EMPLOYED_DURABLE))
        otj = employed[self.draw("otj_search", employed) < np.where(
            state[employed] == S.EMPLOYED_TEMP, m.otj_search_short, m.otj_search_durable)]
        # recall: former short-contract workers out of work, when the firm has a vacancy
        former = unemployed[(p.last_employer[unemployed] >= 0)
                            & (p.unemployment_spell[unemployed] <= m.recall_window_months)]
        former = former[firms.vacancies[p.last_employer[former]] > 0]
        recalled = former[self.draw("recall", former) < m.recall_probability]
        recalled = recalled[~np.isin(recalled, ref_slots, kind="sort")]
        cand = np.concatenate([searching, in_siae, otj])
        cand = cand[~np.isin(cand, np.concatenate([recalled, ref_slots]), kind="sort")]
        vac_sector = np.bincount(firms.sector, weights=firms.vacancies, minlength=self.n_sectors)
        if (cand.size == 0 and recalled.size == 0 and ref_slots.size == 0) or (
                vac_sector.sum() == 0):
            return
        # each candidate targets one sector, with odds proportional to the sector's vacancies
        # times exp(2 * own skill): one uniform per candidate, inverted on the cumulative odds
        odds = np.cumsum(np.exp(2.0 * p.skill[cand]) * vac_sector.astype(np.float32), axis=1)
        u = self.draw("target_sector", cand) * odds[:, -1] if cand.size else np.empty(0)
        target = np.minimum((odds <= u[:, None]).sum(axis=1), self.n_sectors - 1)
        applicants = np.bincount(target, minlength=self.n_sectors)
        flow = (m.efficiency * applicants.astype(float) ** m.elasticity
                * vac_sector ** (1.0 - m.elasticity))
        n_match = _stochastic_round(np.minimum(flow, np.minimum(vac_sector, applicants)), rng)
        # the sector's matches go to its vacancies in random order: each firm's quota
        seats = firms.vacancy_slots(rng)
        seat_sector = firms.sector[seats]
        order = np.argsort(seat_sector, kind="stable")
        seats, seat_sector = seats[order], seat_sector[order]
        rank = np.arange(seats.size) - np.searchsorted(seat_sector, seat_sector)
        quota = np.bincount(seats[rank < n_match[seat_sector]], minlength=firms.n)
        # each candidate applies to one firm of its sector with a quota, in proportion to it
        hiring = np.flatnonzero(quota > 0)
        hiring = hiring[np.argsort(firms.sector[hiring], kind="stable")]
        cum = np.cumsum(quota[hiring])
        total = np.bincount(firms.sector[hiring], weights=quota[hiring],
                            minlength=self.n_sectors)
        before = np.concatenate([[0.0], np.cumsum(total)[:-1]])
        routed = total[target] > 0
        cand, target = cand[routed], target[routed]
        x = before[target] + self.draw("apply_firm", cand) * total[target]
        firm_of = hiring[np.minimum(np.searchsorted(cum, x, side="right"), hiring.size - 1)]
        own = p.employer[cand] == firm_of
        cand, firm_of = cand[~own], firm_of[~own]
        # known applicants (recalled former workers, then recommended persons) come first
        slots = np.concatenate([recalled, ref_slots, cand])
        to = np.concatenate([p.last_employer[recalled], ref_firms, firm_of]).astype(np.int64)
        known = np.concatenate([np.ones(recalled.size + ref_slots.size, bool),
                                np.zeros(cand.size, bool)])
        score = self.score(slots, to)
        # a member firm accepts a person its pole vouches for at a lower threshold
        threshold = np.full(slots.size, m.acceptability)
        threshold[recalled.size: recalled.size + ref_slots.size] -= (
            self.referrals.relief * firms.member[ref_firms])
        self.applicant_pool = ApplicantPool(slots, to, score, score >= threshold,
                                            known, quota, firms.vacancies)
        # each applicant is in one firm's pool, so the firms' order does not matter
        self.agents_by_type[Enterprise].do("recruit")
        chosen = self.applicant_pool.chosen()
        slots, to = self.applicant_pool.slots[chosen], self.applicant_pool.firm[chosen]
        contract, end, hours = self.draw_contracts(slots, to)
        # durable employees searching on the job only take a durable offer
        declines = (state[slots] == S.EMPLOYED_DURABLE) & (
            CONTRACT_STATE[contract] == S.EMPLOYED_TEMP)
        keep = ~declines
        self.hire(slots[keep], to[keep], contracts=(contract[keep], end[keep], hours[keep]))
        if ref_slots.size:
            order = np.argsort(ref_slots)
            hired = slots[keep]
            at = np.minimum(np.searchsorted(ref_slots[order], hired), ref_slots.size - 1)
            was_referred = ref_slots[order][at] == hired
            self.referrals.count_hires(ref_codes[order][at[was_referred]])

    def score(self, slots: np.ndarray, firms: np.ndarray) -> np.ndarray:
        """Each firm's score of its applicants: visible skill in its sector, qualification and
        barriers, and its expected productivity of them (its sector's belief for their
        duration band, moved toward the truth by what the interview, its own signals and a
        SIAE reference reveal), plus Gumbel noise (person draw ``score``)."""
        p, m = self.persons, self.params.matching
        sector = self.firms.sector[firms].astype(np.int64)
        belief = self.beliefs.expected(sector, duration_band(p.unemployment_spell[slots]))
        siae_ref = np.where(p.state[slots] == S.SIAE, m.siae_reference_precision, 0.0)
        seen = combine(m.interview_precision, self.signals.read(slots, firms), siae_ref)
        expected = belief + seen * (p.productivity[slots] - belief)
        return (m.weight_skill * p.skill[slots, sector]
                + m.weight_qualification * p.qualification[slots] / 4.0
                - m.weight_barriers * p.barriers[slots]
                + m.weight_productivity * (expected - 1.0)
                + m.noise * self.draws.gumbel("score", slots, self.month))

    def _fixed_rate_matching(self, unemployed: np.ndarray, rate: float,
                             rng: np.random.Generator) -> None:
        """Reduced form: each jobseeker finds a job with probability ``rate``, in any firm with
        an open vacancy (known-answer mode)."""
        # only those unemployed since the start of the month search (no same-month rehire)
        searching = unemployed[self.persons.prev_state[unemployed] == S.UNEMPLOYED]
        self.monthly["jobseekers"] = float(searching.size)
        finders = searching[self.draw("fixed_rate", searching) < rate]
        seats = rng.permutation(np.repeat(np.arange(self.firms.n), self.firms.vacancies))
        finders = finders[: seats.size]
        self.hire(finders, seats[: finders.size])

    def _draw_hours(self, slots: np.ndarray) -> np.ndarray:
        """FTE fraction of new contracts: part time with probability ``part_time_share``, at
        the part-timers' hours distribution (part_time_hours_distribution: 24.2 % under half
        time, 15.5 % half time, 25.2 % 50-80 %, 35.1 % 80 % or more; 0.35, 0.5, 0.65, 0.85
        FTE), else full time (person draw ``hours``)."""
        share = self.params.separations.part_time_share
        u = self.draw("hours", slots)
        part = u < share
        w = np.where(part, u / max(share, 1e-12), 1.0)
        level = np.searchsorted(_PART_TIME_CUMULATIVE, w, side="right")
        return np.where(part, _PART_TIME_HOURS[np.minimum(level, 3)], 1.0).astype(np.float32)

    def draw_contracts(self, slots: np.ndarray, firms: np.ndarray, durable_boost: float = 1.0
                       ) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """Contracts of hires of ``slots`` by ``firms`` from the sector mix: durable (CDI or
        CDD_LONG) with the sector's ``durable_hire_share`` times ``durable_boost`` (person draw
        ``contract``), split by ``cdd_long_share``, else INTERIM or CDD_SHORT by
        ``interim_share`` (person draw ``contract_kind``). Returns (contract codes, end
        months, hours)."""
        sep = self.params.separations
        durable = self.draw("contract", slots) < (
            durable_boost * self.firms.durable_share[self.firms.sector[firms]])
        v = self.draw("contract_kind", slots)
        contract = np.where(durable, np.where(v < sep.cdd_long_share, K.CDD_LONG, K.CDI),
                            np.where(v < sep.interim_share, K.INTERIM, K.CDD_SHORT))
        short = self.draws.geometric("contract_length", slots, self.month, sep.temp_mean_months)
        long = 5 + self.draws.geometric("contract_length", slots, self.month,
                                        sep.cdd_long_mean_months - 5.0)
        months = np.select([contract == K.CDD_LONG, contract == K.INTERIM], [long, 1], short)
        return contract.astype(np.int8), self.month + months, self._draw_hours(slots)

    def hire(self, slots: np.ndarray, firms: np.ndarray, durable_boost: float = 1.0,
             contracts: tuple[np.ndarray, np.ndarray, np.ndarray] | None = None) -> None:
        """Hire ``slots`` into ``firms`` on ``contracts`` (codes, end months, hours), drawn
        from each firm's sector mix when not given (:meth:`draw_contracts`); classify the SIAE
        exits this makes, teach the sector's beliefs the hires' realised productivity, and
        count the month's hires."""
        if slots.size == 0:
            return
        p = self.persons
        contract, end, hours = (contracts if contracts is not None
                                else self.draw_contracts(slots, firms, durable_boost))
        durable = CONTRACT_STATE[contract] == S.EMPLOYED_DURABLE
        from_state = p.state[slots].copy()
        band = duration_band(p.unemployment_spell[slots])
        rehire = p.last_employer[slots] == firms
        was_siae = from_state == S.SIAE
        if was_siae.any():
            leaving = slots[was_siae]
            outcome = np.where(durable[was_siae], ExitOutcome.DURABLE, ExitOutcome.TRANSITION)
            self.recorder.log_siae_exits(leaving, outcome)
        self.firms.hire(p, slots, firms, contract, end, hours, self.month)
        self.beliefs.learn(self.firms.sector[firms].astype(np.int64), band,
                           p.productivity[slots].astype(np.float64),
                           self.params.matching.belief_learning_rate)
        mo = self.monthly
        mo["hires_durable"] += int(durable.sum())
        mo["hires_temp"] += int((~durable).sum())
        for key, code in (("hires_cdi", K.CDI), ("hires_cdd_long", K.CDD_LONG),
                          ("hires_cdd_short", K.CDD_SHORT), ("hires_interim", K.INTERIM)):
            mo[key] += int(np.count_nonzero(contract == code))
        cdd = (contract == K.CDD_SHORT) | (contract == K.CDD_LONG)
        mo["rehires"] += int(rehire.sum())
        mo["rehires_cdd"] += int((rehire & cdd).sum())
        mo["job_to_job"] += int(np.count_nonzero((from_state == S.EMPLOYED_TEMP)
                                                 | (from_state == S.EMPLOYED_DURABLE)))
        js = from_state == S.UNEMPLOYED
        mo["jobseeker_hires"] += int(js.sum())
        mo["jobseeker_hires_durable"] += int((js & durable).sum())

    def siae_exits(self) -> None:
        """Routes end (after any Pass prolongation) or stop early; each exit is classified
        (``iae.siae_exits``)."""
        iae.siae_exits(self)

    def bookkeeping(self) -> None:
        """Spell lengths, career counters, spells, and the month's indicators."""
        p = self.persons
        unemp = p.state == S.UNEMPLOYED
        kept = unemp | (p.state == S.TRAINING)
        p.unemployment_spell = np.where(unemp, p.unemployment_spell + 1,
                                        np.where(kept, p.unemployment_spell, 0)).astype(np.int16)
        p.iae_months += p.state == S.SIAE  # a Pass IAE month for each month ended on a CDDI
        same = p.state == p.prev_state
        p.months_in_state = np.where(same, p.months_in_state + 1, 0).astype(np.int16)
        if self.reporting:
            p.obs_months += 1
            p.months_employed += p.state >= S.SIAE  # codes 3..6 are the employed states
            p.months_durable += ((p.state == S.EMPLOYED_DURABLE)
                                 | (p.state == S.SELF_EMPLOYED))
            p.breaks += (p.prev_state >= S.SIAE) & unemp
            np.maximum(p.longest_unemployment, p.unemployment_spell, out=p.longest_unemployment)

