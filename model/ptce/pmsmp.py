"""PMSMP participants and their comparison group, matched inside the model on observables.

At an immersion's start month each participant is paired with a non-participant who was
eligible the same month and shares the same observable cell: state, qualification, barrier
band, unemployment-spell band and age band. Both are then followed for 12 months: did they
take an ordinary job (short, durable or own activity)?
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np

from ..states import S

if TYPE_CHECKING:
    from ..territory import TerritoryModel

WINDOW = 12  # months
POOL_FACTOR = 20  # comparison candidates drawn per participant
PMSMP_OUTCOMES = ("pmsmp_participants", "pmsmp_matched_comparisons",
                  "pmsmp_job_within_12m_participants", "pmsmp_job_within_12m_comparison")


class PMSMPTracker:
    """Rows of participants (group 1) and matched comparisons (group 0)."""

    def __init__(self, model: TerritoryModel) -> None:
        self.model = model
        self.person_id = np.empty(0, dtype=np.int64)
        self.slot = np.empty(0, dtype=np.int64)
        self.start_month = np.empty(0, dtype=np.int32)
        self.group = np.empty(0, dtype=np.int8)
        self.cell = np.empty(0, dtype=np.int64)
        self.found_job = np.empty(0, dtype=bool)

    def observables(self, slots: np.ndarray) -> np.ndarray:
        """Cell code of each person from observables only, shape (len(slots),)."""
        p = self.model.persons
        barrier_band = np.minimum((p.barriers[slots] * 4).astype(np.int64), 3)
        spell = p.unemployment_spell[slots]
        spell_band = np.searchsorted(np.array([6, 12, 24]), spell, side="right")
        age = p.age_months[slots] // 12
        age_band = np.searchsorted(np.array([26, 50]), age, side="right")
        state = p.state[slots].astype(np.int64)
        qual = p.qualification[slots].astype(np.int64)
        return ((((state * 5 + qual) * 4 + barrier_band) * 4 + spell_band) * 3 + age_band)

    def start(self, participants: np.ndarray, pool: np.ndarray, keys: np.ndarray) -> None:
        """Record ``participants`` and pair each with a same-cell non-participant of
        ``pool`` (persons eligible the same month, in random order given by ``keys``)."""
        pcell = self.observables(participants)
        ccell = self.observables(pool)
        order = np.lexsort((keys, ccell))
        pool, ccell = pool[order], ccell[order]
        porder = np.argsort(pcell, kind="stable")
        participants, pcell = participants[porder], pcell[porder]
        rank = np.arange(pcell.size) - np.searchsorted(pcell, pcell)  # rank within its cell
        first = np.searchsorted(ccell, pcell)
        last = np.searchsorted(ccell, pcell, side="right")
        has = first + rank < last
        comparison = pool[(first + rank)[has]]
        self._append(participants, 1, pcell)
        self._append(comparison, 0, pcell[has])

    def _append(self, slots: np.ndarray, group: int, cell: np.ndarray) -> None:
        p, month = self.model.persons, self.model.month
        self.person_id = np.concatenate([self.person_id, p.person_id[slots]])
        self.slot = np.concatenate([self.slot, slots])
        self.start_month = np.concatenate(
            [self.start_month, np.full(slots.size, month, dtype=np.int32)])
        self.group = np.concatenate([self.group, np.full(slots.size, group, dtype=np.int8)])
        self.cell = np.concatenate([self.cell, cell])
        self.found_job = np.concatenate([self.found_job, np.zeros(slots.size, dtype=bool)])

    def observe(self) -> None:
        """Mark who holds an ordinary job this month, within 12 months of their start."""
        if self.slot.size == 0:
            return
        p, month = self.model.persons, self.model.month
        # rows are appended month by month, so those still in their window are a suffix
        first = int(np.searchsorted(self.start_month, month - WINDOW))
        slot = self.slot[first:]
        live = p.person_id[slot] == self.person_id[first:]
        state = p.state[slot]
        job = (state == S.EMPLOYED_TEMP) | (state == S.EMPLOYED_DURABLE) | (
            state == S.SELF_EMPLOYED)
        self.found_job[first:] |= live & job

    def summary(self) -> dict[str, float]:
        """Shares with an ordinary job within 12 months, over rows whose window is complete."""
        done = (self.model.month - 1 - self.start_month) >= WINDOW
        part = done & (self.group == 1)
        comp = done & (self.group == 0)
        return {
            "pmsmp_participants": float((self.group == 1).sum()),
            "pmsmp_matched_comparisons": float((self.group == 0).sum()),
            "pmsmp_job_within_12m_participants": (
                float(self.found_job[part].mean()) if part.any() else 0.0),
            "pmsmp_job_within_12m_comparison": (
                float(self.found_job[comp].mean()) if comp.any() else 0.0),
        }
