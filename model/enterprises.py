"""Ordinary enterprises: a columnar firm table and one ``Enterprise`` Mesa agent per firm.

Labour demand is positions per firm; vacancies are positions not filled. Monthly verbs act on
all firms at once (a Python loop runs over sectors only); the agent's own verbs act on one firm.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import mesa
import numpy as np

from .params import TerritoryParams
from .population import NO_ORG, PersonStore
from .states import CONTRACT_STATE, K, S

if TYPE_CHECKING:
    from .territory import TerritoryModel


class Workforce(PersonStore):
    """The person store with the job columns of firm employees.

    ``contract`` (int8, :class:`~model.states.Contract`), ``hours`` (float32, full-time
    equivalent fraction in (0, 1] while employed, else 0), ``contract_start`` (int32, month
    the current contract began), ``last_employer`` (int32, the firm a short contract last
    ended with, or -1), ``productivity`` (float32, hidden, see :mod:`model.screening`) and
    ``productivity_id`` (int64, the person_id it was drawn for).
    """

    def __init__(self, n: int, n_sectors: int) -> None:
        super().__init__(n, n_sectors)
        self.contract = np.zeros(n, dtype=np.int8)
        self.hours = np.zeros(n, dtype=np.float32)
        self.contract_start = np.full(n, -1, dtype=np.int32)
        self.last_employer = np.full(n, NO_ORG, dtype=np.int32)
        self.productivity = np.ones(n, dtype=np.float32)
        self.productivity_id = np.full(n, -1, dtype=np.int64)

    def set_state(self, slots: np.ndarray, state: int) -> None:
        """As :meth:`PersonStore.set_state`; leaving firm employment clears the contract and
        hours, and a short contract left records its firm as ``last_employer``."""
        if state not in (S.EMPLOYED_TEMP, S.EMPLOYED_DURABLE):
            slots = np.asarray(slots)
            short = slots[(self.state[slots] == S.EMPLOYED_TEMP) & (self.employer[slots] >= 0)]
            self.last_employer[short] = self.employer[short]
            self.contract[slots] = K.NONE
            self.hours[slots] = 0.0
            self.contract_start[slots] = -1
        super().set_state(slots, state)


class Firms:
    """Arrays of shape (n_firms,): sector, base positions, current positions, vacancies."""

    def __init__(self, params: TerritoryParams, labour_force: int,
                 rng: np.random.Generator) -> None:
        shares = np.array([s.job_share for s in params.demand.sectors], dtype=float)
        shares /= shares.sum()
        total = params.demand.jobs_per_active * labour_force
        n_firms = max(shares.size, round(total / params.demand.mean_firm_size))
        sector = np.concatenate([np.arange(shares.size),
                                 rng.choice(shares.size, n_firms - shares.size, p=shares)])
        size = rng.lognormal(0.0, 1.0, n_firms)
        per_sector = np.bincount(sector, weights=size, minlength=shares.size)
        self.sector = sector.astype(np.int16)
        self.base_positions = (size / per_sector[sector] * shares[sector] * total)
        self.durable_share = np.array([s.durable_hire_share for s in params.demand.sectors])
        self.n = n_firms
        self.n_sectors = shares.size
        self.shock = np.ones(shares.size)  # multiplier per sector from demand shocks
        self.jobs_per_active = params.demand.jobs_per_active  # value the base was built with
        self.level = 1.0  # current jobs_per_active relative to the initial one
        self.growth = 1.0  # cumulated growth factor
        self.member = np.zeros(n_firms, dtype=bool)  # PTCE membership (set by the PTCE)
        self.positions = self.target_positions()
        self.headcount = np.zeros(n_firms, dtype=np.int64)
        self.vacancies = np.zeros(n_firms, dtype=np.int64)

    def target_positions(self) -> np.ndarray:
        """Integer positions per firm under current growth and shocks."""
        raw = self.base_positions * (self.growth * self.level) * self.shock[self.sector]
        return np.floor(raw + 0.5).astype(np.int64)

    def count_headcount(self, persons: PersonStore) -> np.ndarray:
        """Employees per firm, from the person store (shape (n_firms,))."""
        self.headcount = np.bincount(persons.employer + 1, minlength=self.n + 1)[1:]
        return self.headcount

    def post_vacancies(self, persons: PersonStore) -> np.ndarray:
        """Open every unfilled position as a vacancy; returns vacancies per firm."""
        self.positions = self.target_positions()
        self.count_headcount(persons)
        self.vacancies = np.maximum(self.positions - self.headcount, 0)
        return self.vacancies

    def hire(self, persons: Workforce, slots: np.ndarray, firms: np.ndarray,
             contract: np.ndarray, contract_end: np.ndarray, hours: np.ndarray,
             month: int) -> None:
        """Hire persons ``slots`` into ``firms`` (arrays of equal length) on ``contract``
        codes ending at ``contract_end`` (-1 for a CDI) with ``hours`` (FTE fraction).

        The state follows the contract (CDI, CDD_LONG durable; CDD_SHORT, INTERIM temp). An
        employee of another firm moves job to job: that firm's headcount drops. Consumes the
        firms' vacancies.
        """
        state = CONTRACT_STATE[contract]
        old = persons.employer[slots]
        moving = old >= 0
        np.subtract.at(self.headcount, old[moving], 1)
        persons.set_state(slots[state == S.EMPLOYED_DURABLE], S.EMPLOYED_DURABLE)
        persons.set_state(slots[state == S.EMPLOYED_TEMP], S.EMPLOYED_TEMP)
        persons.employer[slots] = firms
        persons.contract[slots] = contract
        persons.hours[slots] = hours
        persons.contract_start[slots] = month
        persons.contract_end[slots] = np.where(contract == K.CDI, -1, contract_end)
        persons.known_firm[slots] = firms
        np.subtract.at(self.vacancies, firms, 1)
        np.add.at(self.headcount, firms, 1)

    def add_firm(self, sector: int, positions: int, *, member: bool) -> int:
        """Create a firm (a new activity) with ``positions`` positions; returns its index."""
        self.sector = np.append(self.sector, np.int16(sector))
        self.base_positions = np.append(self.base_positions,
                                        positions / (self.growth * self.level))
        self.member = np.append(self.member, member)
        self.headcount = np.append(self.headcount, 0)
        self.vacancies = np.append(self.vacancies, 0)
        self.n += 1
        self.positions = self.target_positions()
        self.vacancies[-1] = max(int(self.positions[-1]), 0)
        return self.n - 1

    def vacancy_slots(self, rng: np.random.Generator) -> np.ndarray:
        """Firm index repeated once per open vacancy, in random order."""
        return rng.permutation(np.repeat(np.arange(self.n), self.vacancies))


class ApplicantPool:
    """This month's applicants, built once by the matching phase and read by each firm.

    Arrays of shape (n_applicants,) sorted by firm, then acceptable before unacceptable,
    known applicants (recalled former workers and persons recommended to the firm,
    ``model/referrals.py``) before the others, and by descending score: ``slots``, ``firm``,
    ``score``, ``acceptable``, ``recalled`` (known). Per firm (plain lists, read by
    ``Enterprise.recruit``): the first position of its applicants, its acceptable known and
    acceptable other applicants, its vacancies and its ``quota`` (its share of the sector's
    matches this month).
    """

    def __init__(self, slots: np.ndarray, firm: np.ndarray, score: np.ndarray,
                 acceptable: np.ndarray, recalled: np.ndarray, quota: np.ndarray,
                 vacancies: np.ndarray) -> None:
        order = np.lexsort((-score, ~recalled, ~acceptable, firm))
        self.slots, self.firm, self.score = slots[order], firm[order], score[order]
        self.acceptable, self.recalled = acceptable[order], recalled[order]
        n_firms = vacancies.size
        self.start: list[int] = np.searchsorted(self.firm, np.arange(n_firms + 1)).tolist()
        rec = self.acceptable & self.recalled
        self.n_recalled: list[int] = np.bincount(self.firm[rec], minlength=n_firms).tolist()
        oth = self.acceptable & ~self.recalled
        self.n_others: list[int] = np.bincount(self.firm[oth], minlength=n_firms).tolist()
        self.quota: list[int] = np.asarray(quota).tolist()
        self.vacancies: list[int] = np.asarray(vacancies).tolist()
        self._from: list[int] = []
        self._count: list[int] = []

    @classmethod
    def empty(cls) -> ApplicantPool:
        none = np.empty(0, dtype=np.int64)
        return cls(none, none, np.empty(0), none.astype(bool), none.astype(bool), none, none)

    def choose(self, first: int, count: int) -> None:
        """Record that a firm hires the ``count`` applicants from position ``first``."""
        if count > 0:
            self._from.append(first)
            self._count.append(count)

    def chosen(self) -> np.ndarray:
        """Positions chosen by all firms, in the order the firms chose."""
        if not self._count:
            return np.empty(0, dtype=np.int64)
        count = np.array(self._count)
        starts = np.repeat(np.array(self._from) - np.cumsum(count) + count, count)
        return starts + np.arange(count.sum())


class Enterprise(mesa.Agent):
    """An ordinary firm: a view on row ``index`` of the model's :class:`Firms`."""

    model: TerritoryModel

    def __init__(self, model: TerritoryModel, index: int) -> None:
        super().__init__(model)
        self.index = int(index)

    @property
    def sector(self) -> str:
        return self.model.sector_names[int(self.model.firms.sector[self.index])]

    @property
    def positions(self) -> int:
        return int(self.model.firms.positions[self.index])

    @property
    def vacancies(self) -> int:
        return int(self.model.firms.vacancies[self.index])

    @property
    def ptce_member(self) -> bool:
        return bool(self.model.firms.member[self.index])

    def employees(self) -> np.ndarray:
        """Slots of the persons working here."""
        return np.flatnonzero(self.model.persons.employer == self.index)

    def recruit(self) -> None:
        """Choose this month's hires among the applicants the matching phase routed here.

        The firm first takes its acceptable known applicants (recalled former workers and
        persons recommended to it), up to its vacancies, then the best acceptable other
        applicants up to its share of the sector's matches (the pool holds them ranked, so
        the choice is two slices).
        """
        pool, i = self.model.applicant_pool, self.index
        if i + 1 >= len(pool.start) or pool.start[i] == pool.start[i + 1]:
            return
        free = pool.vacancies[i]
        n_recall = min(pool.n_recalled[i], free)
        n_other = min(pool.n_others[i], pool.quota[i], free - n_recall)
        first = pool.start[i]
        pool.choose(first, n_recall)
        pool.choose(first + pool.n_recalled[i], n_other)

    def __repr__(self) -> str:
        return f"Enterprise(index={self.index}, sector={self.sector}, positions={self.positions})"


__all__ = ["NO_ORG", "Enterprise", "Firms", "Workforce"]
