"""Recommendations of persons to employers: the channel through which intermediaries act on
hiring without deciding it.

An intermediary (a PTCE lever: a bridge, the end of an immersion, the skills exchange, a
training body, a follow-up) recommends a person to a firm. The next matching phase reads the
recommendations once: each person still available (a jobseeker or an SIAE employee, the same
person as when recommended) applies to that firm as a known applicant, considered before the
applicants it does not know, like a recalled former worker. The firm hires only if it has a
vacancy and judges the person acceptable from its score (``TerritoryModel.score``, which reads
what the intermediary told it through ``model.signals``), at a threshold lowered by the trust
its pole has earned (``relief``); a recommendation that is not taken
up is dropped. Each recommendation names the monthly counter that counts its hires.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np

from .states import S

if TYPE_CHECKING:
    from .territory import TerritoryModel

#: states in which a recommended person can still be hired
AVAILABLE = (S.UNEMPLOYED, S.SIAE)


class Referrals:
    """Pending recommendations: slot, person id, firm and counter code, one row per person
    (a later recommendation of the same person replaces an earlier one)."""

    def __init__(self, model: TerritoryModel) -> None:
        self.model = model
        self.slot = np.empty(0, dtype=np.int64)
        self.person_id = np.empty(0, dtype=np.int64)
        self.firm = np.empty(0, dtype=np.int64)
        self.counter = np.empty(0, dtype=np.int16)
        self.counters: list[str] = []
        #: how much lower a member firm's acceptability threshold is for the persons
        #: recommended to it (the pole's vouching times its members' trust, set monthly by
        #: the coordinator; 0 without a pole)
        self.relief = 0.0

    def __len__(self) -> int:
        return int(self.slot.size)

    def write(self, slots: np.ndarray, firms: np.ndarray | int, counter: str) -> None:
        """Recommend persons ``slots`` to ``firms`` (an array of the same length or one
        firm); their hires will be added to the monthly counter ``counter``."""
        slots = np.asarray(slots, dtype=np.int64)
        if slots.size == 0:
            return
        firms = np.broadcast_to(np.asarray(firms, dtype=np.int64), slots.shape)
        if counter not in self.counters:
            self.counters.append(counter)
        code = self.counters.index(counter)
        slot = np.concatenate([self.slot, slots])
        pid = np.concatenate([self.person_id, self.model.persons.person_id[slots]])
        firm = np.concatenate([self.firm, firms])
        cnt = np.concatenate([self.counter, np.full(slots.size, code, dtype=np.int16)])
        rev = np.arange(slot.size)[::-1]  # keep the last recommendation of each person
        _, first = np.unique(slot[rev], return_index=True)
        keep = np.sort(rev[first])
        self.slot, self.person_id = slot[keep], pid[keep]
        self.firm, self.counter = firm[keep], cnt[keep]

    def take(self) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """The recommendations the matching phase reads this month, removed from the store:
        (slots, firms, counter codes) of the persons still there and available, recommended
        to a firm with an open vacancy."""
        m, p = self.model, self.model.persons
        slot, firm, counter = self.slot, self.firm, self.counter
        live = (p.person_id[slot] == self.person_id) & np.isin(p.state[slot], AVAILABLE)
        live &= m.firms.vacancies[firm] > 0
        self.slot, self.person_id = self.slot[:0], self.person_id[:0]
        self.firm, self.counter = self.firm[:0], self.counter[:0]
        return slot[live], firm[live], counter[live]

    def count_hires(self, codes: np.ndarray) -> None:
        """Add the hires of recommended persons (their counter ``codes``) to the month's
        counters."""
        monthly = self.model.monthly
        counts = np.bincount(codes.astype(np.int64), minlength=len(self.counters))
        for code, name in enumerate(self.counters):
            monthly[name] = monthly.get(name, 0.0) + float(counts[code])


__all__ = ["AVAILABLE", "Referrals"]
