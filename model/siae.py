"""SIAE (structures d'insertion par l'activité économique): ACI, EI, ETTI, AI.

A columnar table of structures (type, activity sector, posts, support) and one ``SIAE`` Mesa
agent per structure. Each agent recruits its own public among the prescribed candidates
(``SIAE.recruit``); the table's ``hire`` is the one low-level writer of a CDDI, and
accompaniment is vectorised over all structures at once.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import mesa
import numpy as np

from .params import SIAE_TYPES, TerritoryParams
from .population import NO_ORG, PersonStore
from .states import S

if TYPE_CHECKING:
    from .territory import TerritoryModel

#: Preferred activity sectors of each SIAE type (first one present in the territory is used;
#: otherwise a sector is drawn by job share).
TYPE_SECTORS: dict[str, tuple[str, ...]] = {
    "ACI": ("agri_environment", "construction", "public_admin_services"),
    "EI": ("industry", "construction", "retail"),
    "ETTI": ("construction", "logistics_transport", "industry"),
    "AI": ("care_personal_services", "public_admin_services"),
}


class Structures:
    """Arrays of shape (n_structures,) describing every SIAE of the territory."""

    def __init__(self, params: TerritoryParams, rng: np.random.Generator) -> None:
        names = params.sector_names
        shares = np.array([s.job_share for s in params.demand.sectors], dtype=float)
        shares /= shares.sum()
        types, sectors, posts = [], [], []
        for code, name in enumerate(SIAE_TYPES):
            spec = params.siae.get(name)  # type: ignore[call-overload]
            if spec is None or spec.posts == 0:
                continue
            n = round(spec.structures * params.scale())
            if spec.structures > 0:
                n = max(n, 1)
            preferred = [names.index(s) for s in TYPE_SECTORS[name] if s in names]
            for i in range(n):
                if preferred:
                    sectors.append(preferred[i % len(preferred)])
                else:
                    sectors.append(int(rng.choice(shares.size, p=shares)))
                types.append(code)
                posts.append(spec.posts)
        self.n = len(types)
        self.type = np.array(types, dtype=np.int8)
        self.sector = np.array(sectors, dtype=np.int16)
        self.posts = np.array(posts, dtype=np.int64)
        self.member = np.zeros(self.n, dtype=bool)  # PTCE membership
        specs = [params.siae.get(t) for t in SIAE_TYPES]  # type: ignore[call-overload]
        self._by_type = {
            field: np.array([getattr(s, field) if s else 0.0 for s in specs])
            for field in ("route_mean_months", "skill_gain", "barrier_reduction",
                          "exit_to_training", "dropout", "aid_per_fte_year",
                          "recruit_barrier_weight", "move_on")
        }
        self.occupancy = np.zeros(self.n, dtype=np.int64)

    def by_type(self, field: str) -> np.ndarray:
        """A per-type parameter spread over structures, shape (n_structures,)."""
        return self._by_type[field][self.type]

    def count_occupancy(self, persons: PersonStore) -> np.ndarray:
        employees = persons.siae[persons.state == S.SIAE]
        self.occupancy = np.bincount(employees, minlength=self.n)
        return self.occupancy

    def free_posts(self, persons: PersonStore) -> np.ndarray:
        return np.maximum(self.posts - self.count_occupancy(persons), 0)

    def hire(self, persons: PersonStore, slots: np.ndarray, structures: np.ndarray,
             route_end: np.ndarray) -> None:
        """Hire ``slots`` on a CDDI in ``structures`` until month ``route_end``."""
        persons.set_state(slots, S.SIAE)
        persons.siae[slots] = structures
        persons.contract_end[slots] = route_end
        np.add.at(self.occupancy, structures, 1)

    def accompany(self, persons: PersonStore) -> np.ndarray:
        """One month of support for every SIAE employee: skills up in the structure's sector,
        barriers down. Returns the slots supported. (Pass IAE months are charged at the end
        of the month, for those still on a CDDI.)"""
        slots = np.flatnonzero(persons.state == S.SIAE)
        st = persons.siae[slots]
        sec = self.sector[st]
        gain = self.by_type("skill_gain")[st].astype(np.float32)
        cur = persons.skill[slots, sec]
        persons.skill[slots, sec] = cur + gain * (1.0 - cur)
        red = self.by_type("barrier_reduction")[st].astype(np.float32)
        persons.barriers[slots] *= 1.0 - red
        return slots


class SIAE(mesa.Agent):
    """One work-integration structure: a view on row ``index`` of :class:`Structures`."""

    model: TerritoryModel

    def __init__(self, model: TerritoryModel, index: int) -> None:
        super().__init__(model)
        self.index = int(index)

    @property
    def siae_type(self) -> str:
        return SIAE_TYPES[int(self.model.structures.type[self.index])]

    @property
    def sector(self) -> str:
        return self.model.sector_names[int(self.model.structures.sector[self.index])]

    @property
    def posts(self) -> int:
        """Insertion posts (ETP conventionnés)."""
        return int(self.model.structures.posts[self.index])

    @property
    def ptce_member(self) -> bool:
        return bool(self.model.structures.member[self.index])

    def employees(self) -> np.ndarray:
        """Slots of the persons on a CDDI here."""
        return np.flatnonzero(self.model.persons.siae == self.index)

    def recruit(self) -> None:
        """Fill this month's posts to fill from the prescribed candidates its type may hire
        (``model.iae_pool``): the structure's own preference on the barrier score
        (``recruit_barrier_weight``: ACI the furthest from employment, AI and ETTI the
        nearest), with noise. The hire goes through the model's one entry path
        (:func:`model.iae.enter`: Pass IAE, route, entry log)."""
        from . import iae

        pool = self.model.iae_pool
        chosen = iae.choose(self.model, self.index, pool, int(pool.to_fill[self.index]))
        iae.enter(self.model, pool.slots[chosen], np.full(chosen.size, self.index))

    def take_moves(self) -> None:
        """Take, within its free posts, leavers of other SIAE offered to move on here
        (``model.iae_moves``), by the same preference as :meth:`recruit`; the move itself is
        made by the ``siae_exits`` phase."""
        from . import iae

        pool = self.model.iae_moves
        chosen = iae.choose(self.model, self.index, pool, int(pool.to_fill[self.index]),
                            moving=True)
        pool.to_fill[self.index] -= chosen.size
        self.model.iae_move_dest[chosen] = self.index

    def __repr__(self) -> str:
        return f"SIAE(index={self.index}, type={self.siae_type}, posts={self.posts})"


__all__ = ["NO_ORG", "SIAE", "Structures"]
