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
from .states import S

if TYPE_CHECKING:
    from .territory import TerritoryModel


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

    def hire(self, persons: PersonStore, slots: np.ndarray, firms: np.ndarray,
             durable: np.ndarray, contract_end: np.ndarray) -> None:
        """Hire persons ``slots`` into ``firms`` (arrays of equal length) on the given contracts.

        ``durable`` is a bool array; ``contract_end`` the month short contracts end (ignored for
        durable ones). Consumes the firms' vacancies.
        """
        persons.set_state(slots[durable], S.EMPLOYED_DURABLE)
        persons.set_state(slots[~durable], S.EMPLOYED_TEMP)
        persons.employer[slots] = firms
        persons.contract_end[slots] = np.where(durable, -1, contract_end)
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

    def hire(self, slot: int, *, durable: bool, months: int = 3) -> None:
        """Hire one person now, on a durable contract or a short one of ``months``."""
        if self.model.firms.vacancies[self.index] <= 0:
            raise ValueError(f"enterprise {self.index} has no open vacancy")
        self.model.firms.hire(self.model.persons, np.array([slot]), np.array([self.index]),
                              np.array([durable]), np.array([self.model.month + months]))

    def __repr__(self) -> str:
        return f"Enterprise(index={self.index}, sector={self.sector}, positions={self.positions})"


__all__ = ["NO_ORG", "Enterprise", "Firms"]
