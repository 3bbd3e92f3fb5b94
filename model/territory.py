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

from .enterprises import Enterprise, Firms
from .indicators import Recorder
from .params import TerritoryParams, with_values
from .persons import JobSeeker
from .population import (
    NO_ORG,
    PersonStore,
    draw_persons,
    mark_unemployed_profile,
    set_home_sector,
)
from .ptce import PTCECoordinator
from .rng import PersonDraws
from .siae import SIAE, Structures
from .states import ExitOutcome, S
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

        self.persons = PersonStore(params.population.persons, self.n_sectors)
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
        """Months of CDDI still allowed to each person: 24 (60 from age 50) minus months used."""
        rules = self.params.siae_rules
        p = self.persons
        limit = np.where(p.age_months[slots] >= rules.derogation_age * 12,
                         rules.cddi_derogation_months, rules.cddi_max_months)
        return limit - p.iae_months[slots]

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
        self.firms.hire(p, hired, firms, ~temp, ends)
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

    # ------------------------------------------------------------------ the month
    def step(self) -> None:
        """One month: the phases of :data:`PHASES` in order."""
        self.monthly = dict.fromkeys(
            ("hires_temp", "hires_durable", "jobseeker_hires", "jobseeker_hires_durable",
             "jobseekers", "iae_entries", "training_entries", "training_completions",
             "separations_to_unemployment", "training_cost"), 0.0)
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
        """Durable jobs end at a low hazard; short contracts end, are renewed or converted."""
        rng, p, sep = self.stream("separations"), self.persons, self.params.separations
        state = p.state.copy()
        u = rng.random(p.n, dtype=np.float32)
        durable_end = (state == S.EMPLOYED_DURABLE) & (u < sep.durable_hazard)
        self_end = (state == S.SELF_EMPLOYED) & (u < sep.self_employed_exit)
        creators = np.flatnonzero((state == S.UNEMPLOYED) & (u < sep.business_creation))
        temp_due = np.flatnonzero((state == S.EMPLOYED_TEMP) & (p.contract_end <= self.month))
        v = self.draw("temp_end", temp_due)
        convert = temp_due[v < sep.temp_conversion]
        renew = temp_due[(v >= sep.temp_conversion) & (v < sep.temp_conversion + sep.temp_renewal)]
        end = temp_due[v >= sep.temp_conversion + sep.temp_renewal]
        p.state[convert] = S.EMPLOYED_DURABLE
        p.contract_end[convert] = -1
        p.contract_end[renew] = self.month + self.draws.geometric(
            "renewal_length", renew, self.month, sep.temp_mean_months)
        self.monthly["hires_temp"] += renew.size
        to_unemp = np.concatenate([np.flatnonzero(durable_end | self_end), end])
        p.set_state(to_unemp, S.UNEMPLOYED)
        self.monthly["separations_to_unemployment"] += to_unemp.size
        p.set_state(creators, S.SELF_EMPLOYED)

    def prescription(self) -> None:
        """Prescribers orient eligible jobseekers to free SIAE posts and training seats."""
        rng, p, pr = self.stream("prescription"), self.persons, self.params.prescription
        rules = self.params.siae_rules
        unemployed = np.flatnonzero(p.state == S.UNEMPLOYED)
        # SIAE: barriers or long spells, with Pass IAE months left for a minimal CDDI
        free = self.structures.free_posts(p)
        n_fill = rng.binomial(free, pr.siae_fill_rate)
        if n_fill.sum() > 0 and unemployed.size:
            allowed = self.cddi_months_allowed(unemployed)
            ok = ((p.barriers[unemployed] >= pr.barrier_threshold)
                  | (p.unemployment_spell[unemployed] >= pr.spell_threshold_months))
            ok &= allowed >= rules.cddi_min_months
            eligible = unemployed[ok]
            # priority to the furthest from employment, with noise (Gumbel top-k)
            keys = 3.0 * p.barriers[eligible] + self.draws.gumbel(
                "siae_priority", eligible, self.month)
            chosen = eligible[_top_k(keys, int(n_fill.sum()))]
            # the strongest support (ACI first) goes to the highest barriers
            chosen = chosen[np.argsort(-p.barriers[chosen], kind="stable")]
            posts = np.repeat(np.arange(self.structures.n), n_fill)
            posts = posts[np.argsort(self.structures.type[posts], kind="stable")][: chosen.size]
            # planned route: Erlang(4) around the type's mean (a sum of four exponentials)
            erlang = sum(self.draws.exponential("route", chosen, self.month, k)
                         for k in range(1, 5))
            route = erlang * self.structures.by_type("route_mean_months")[posts] / 4.0
            route = np.clip(np.rint(route), rules.cddi_min_months,
                            self.cddi_months_allowed(chosen)).astype(np.int64)
            self.structures.hire(p, chosen, posts, self.month + route)
            self.recorder.log_iae_entries(chosen)
            self.monthly["iae_entries"] += chosen.size
            unemployed = np.flatnonzero(p.state == S.UNEMPLOYED)
        # training: low qualification
        seats = self.programmes.free_seats(p)
        n_seat = rng.binomial(seats, pr.training_fill_rate)
        if n_seat.sum() > 0 and unemployed.size:
            eligible = unemployed[p.qualification[unemployed] <= pr.training_max_qualification]
            keys = self.draw("training_priority", eligible)
            chosen = eligible[_top_k(keys, int(n_seat.sum()))]
            progs = rng.permutation(np.repeat(np.arange(self.programmes.n), n_seat))
            self.monthly["training_cost"] += self.programmes.enrol(
                p, chosen, progs[: chosen.size], self.month)
            self.monthly["training_entries"] += chosen.size

    def support(self) -> None:
        """SIAE accompany their employees; training programmes that end qualify people."""
        p = self.persons
        self.structures.accompany(p)
        finishing = np.flatnonzero((p.state == S.TRAINING) & (p.contract_end <= self.month))
        programmes = p.programme[finishing]
        done = np.zeros(finishing.size, dtype=bool)
        if finishing.size:
            done = self.programmes.graduate(p, finishing, self.draw("completion", finishing))
            self.monthly["training_completions"] += int(done.sum())
        #: this month's completers and their programmes (for extensions)
        self.graduates = (finishing[done], programmes[done])

    def matching(self) -> None:
        """Jobseekers and SIAE employees apply to vacancies; firms hire the best acceptable."""
        rng, p, m = self.stream("matching"), self.persons, self.params.matching
        firms = self.firms
        state = p.state
        unemployed = np.flatnonzero(state == S.UNEMPLOYED)
        self.monthly["jobseekers"] = float(unemployed.size)
        if m.fixed_job_finding_rate is not None:
            self._fixed_rate_matching(unemployed, m.fixed_job_finding_rate, rng)
            return
        searching = unemployed[self.draw("search", unemployed) <
                               m.search_intensity * (1.0 - 0.5 * p.barriers[unemployed])]
        in_siae = np.flatnonzero((state == S.SIAE)
                                 & (p.contract_end - self.month <= m.siae_search_months))
        cand = np.concatenate([searching, in_siae])
        vac_sector = np.bincount(firms.sector, weights=firms.vacancies, minlength=self.n_sectors)
        if cand.size == 0 or vac_sector.sum() == 0:
            return
        # each candidate targets one sector, with odds proportional to the sector's vacancies
        # times exp(2 * own skill): one uniform per candidate, inverted on the cumulative odds
        odds = np.cumsum(np.exp(2.0 * p.skill[cand]) * vac_sector.astype(np.float32), axis=1)
        u = self.draw("target_sector", cand) * odds[:, -1]
        target = np.minimum((odds <= u[:, None]).sum(axis=1), self.n_sectors - 1)
        # employers' score of each candidate in the sector they target, with Gumbel noise
        score = (m.weight_skill * p.skill[cand, target]
                 + m.weight_qualification * p.qualification[cand] / 4.0
                 - m.weight_barriers * p.barriers[cand]
                 - m.long_unemployment_penalty * self._unknown_long_term(cand, target)
                 + np.where(state[cand] == S.SIAE, m.siae_bonus, 0.0)
                 + m.noise * self.draws.gumbel("score", cand, self.month))
        acceptable = score >= m.acceptability
        seats = firms.vacancy_slots(rng)
        seat_sector = firms.sector[seats]
        applicants = np.bincount(target, minlength=self.n_sectors)
        flow = (m.efficiency * applicants.astype(float) ** m.elasticity
                * vac_sector ** (1.0 - m.elasticity))
        n_match = _stochastic_round(np.minimum(flow, np.minimum(vac_sector, applicants)), rng)
        hired: list[np.ndarray] = []
        hired_at: list[np.ndarray] = []
        for s in np.flatnonzero(n_match > 0):
            pos = np.flatnonzero((target == s) & acceptable)
            best = pos[_top_k(score[pos], int(n_match[s]))]
            hired.append(cand[best])
            hired_at.append(seats[seat_sector == s][: best.size])
        if hired:
            self.hire(np.concatenate(hired), np.concatenate(hired_at))

    def _unknown_long_term(self, slots: np.ndarray, sector: np.ndarray | int) -> np.ndarray:
        """Long-term jobseekers not known by any firm of ``sector`` (a firm that has seen a
        person work waives the long-unemployment penalty)."""
        known = self.persons.known_firm[slots]
        knows = (known >= 0) & (self.firms.sector[np.maximum(known, 0)] == sector)
        return (self.persons.unemployment_spell[slots] >= 12) & ~knows

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

    def hire(self, slots: np.ndarray, firms: np.ndarray, durable_boost: float = 1.0) -> None:
        """Hire ``slots`` into ``firms`` on contracts drawn from each firm's sector mix
        (durable with the sector's probability times ``durable_boost``; the contract comes
        from the persons' own draws), classifying the SIAE exits this makes and counting the
        month's hires."""
        if slots.size == 0:
            return
        p = self.persons
        durable = self.draw("contract", slots) < (
            durable_boost * self.firms.durable_share[self.firms.sector[firms]])
        months = self.draws.geometric("contract_length", slots, self.month,
                                      self.params.separations.temp_mean_months)
        from_state = p.state[slots].copy()
        was_siae = from_state == S.SIAE
        if was_siae.any():
            leaving = slots[was_siae]
            outcome = np.where(durable[was_siae], ExitOutcome.DURABLE, ExitOutcome.TRANSITION)
            self.recorder.log_siae_exits(leaving, outcome)
        self.firms.hire(p, slots, firms, durable, self.month + months)
        self.monthly["hires_durable"] += int(durable.sum())
        self.monthly["hires_temp"] += int((~durable).sum())
        js = from_state == S.UNEMPLOYED
        self.monthly["jobseeker_hires"] += int(js.sum())
        self.monthly["jobseeker_hires_durable"] += int((js & durable).sum())

    def siae_exits(self) -> None:
        """Routes end at the contract limit or by early departure; each exit is classified."""
        rng, p, st = self.stream("siae_exits"), self.persons, self.structures
        in_siae = np.flatnonzero(p.state == S.SIAE)
        if in_siae.size == 0:
            return
        s = p.siae[in_siae]
        due = (p.contract_end[in_siae] <= self.month) | (
            self.draw("dropout", in_siae) < st.by_type("dropout")[s])
        leaving = in_siae[due]
        if leaving.size == 0:
            return
        s = p.siae[leaving]
        to_training = self.draw("exit_to_training", leaving) < st.by_type("exit_to_training")[s]
        outcome = np.where(to_training, ExitOutcome.POSITIVE, ExitOutcome.OTHER)
        # sorties positives need a free training seat
        trainees = leaving[to_training]
        seats = self.programmes.free_seats(p)
        progs = rng.permutation(np.repeat(np.arange(self.programmes.n), seats))
        trainees, no_seat = trainees[: progs.size], trainees[progs.size:]
        outcome[np.isin(leaving, no_seat)] = ExitOutcome.OTHER
        self.recorder.log_siae_exits(leaving, outcome)
        others = leaving[outcome == ExitOutcome.OTHER]
        p.set_state(others, S.UNEMPLOYED)
        self.monthly["training_cost"] += self.programmes.enrol(
            p, trainees, progs[: trainees.size], self.month)
        self.monthly["training_entries"] += trainees.size

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

