"""Training bodies and their programmes (sector, seats, duration, qualification gain)."""

from __future__ import annotations

from typing import TYPE_CHECKING

import mesa
import numpy as np

from .params import TerritoryParams
from .population import PersonStore
from .states import S

if TYPE_CHECKING:
    from .territory import TerritoryModel


class Programmes:
    """Arrays of shape (n_programmes,); programme ``i`` is run by body ``body[i]``."""

    def __init__(self, params: TerritoryParams) -> None:
        names = params.sector_names
        progs = params.training.programmes
        n_bodies = max(1, round(params.training.bodies * params.scale())) if progs else 0
        if params.training.bodies == 0:
            progs, n_bodies = (), 0
        self.n = len(progs)
        self.n_bodies = n_bodies
        self.body = np.arange(self.n, dtype=np.int32) % max(n_bodies, 1)
        self.sector = np.array([names.index(p.sector) for p in progs], dtype=np.int16)
        self.seats = np.array([round(p.seats * params.scale()) for p in progs], dtype=np.int64)
        self.duration = np.array([p.duration_months for p in progs], dtype=np.int64)
        self.qualification_gain = np.array([p.qualification_gain for p in progs], dtype=np.int8)
        self.skill_gain = np.array([p.skill_gain for p in progs], dtype=np.float32)
        self.completion_rate = np.array([p.completion_rate for p in progs])
        self.cost_per_seat = np.array([p.cost_per_seat for p in progs])
        self.occupancy = np.zeros(self.n, dtype=np.int64)

    def free_seats(self, persons: PersonStore) -> np.ndarray:
        trainees = persons.programme[persons.state == S.TRAINING]
        self.occupancy = np.bincount(trainees, minlength=self.n)
        return np.maximum(self.seats - self.occupancy, 0)

    def enrol(self, persons: PersonStore, slots: np.ndarray, programmes: np.ndarray,
              month: int) -> float:
        """Start ``slots`` on ``programmes``; they finish after each programme's duration.
        Returns the cost of these entries, EUR."""
        persons.set_state(slots, S.TRAINING)
        persons.programme[slots] = programmes
        persons.contract_end[slots] = month + self.duration[programmes]
        np.add.at(self.occupancy, programmes, 1)
        return float(self.cost_per_seat[programmes].sum())

    def graduate(self, persons: PersonStore, slots: np.ndarray,
                 uniform: np.ndarray) -> np.ndarray:
        """End the training of ``slots``: those whose ``uniform`` draw is below the completion
        rate gain qualification and sector skill. All return to job search. Returns the
        boolean mask of completions."""
        prog = persons.programme[slots]
        done = uniform < self.completion_rate[prog]
        ok, pr = slots[done], prog[done]
        persons.qualification[ok] = np.minimum(
            persons.qualification[ok] + self.qualification_gain[pr], 4)
        sec = self.sector[pr]
        cur = persons.skill[ok, sec]
        persons.skill[ok, sec] = cur + self.skill_gain[pr] * (1.0 - cur)
        persons.set_state(slots, S.UNEMPLOYED)
        return done


class TrainingBody(mesa.Agent):
    """A training body (organisme de formation) running some programmes."""

    model: TerritoryModel

    def __init__(self, model: TerritoryModel, index: int) -> None:
        super().__init__(model)
        self.index = int(index)

    def programmes(self) -> np.ndarray:
        """Indices of this body's programmes."""
        return np.flatnonzero(self.model.programmes.body == self.index)

    def trainees(self) -> np.ndarray:
        return np.flatnonzero(np.isin(self.model.persons.programme, self.programmes()))

    def __repr__(self) -> str:
        return f"TrainingBody(index={self.index}, programmes={self.programmes().tolist()})"
