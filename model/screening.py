"""Hiring under imperfect information: hidden productivity, employers' beliefs, signals.

Each person has a hidden productivity (``PersonStore.productivity``, a lognormal level of mean
about 1), correlated with qualification and negatively with barriers. Employers do not see it.
They see qualification, skill, barriers and the unemployment duration band of an applicant,
and any signal from an intermediary they know; they score applicants by their expected
productivity given what they see. Their prior for an applicant is a belief per sector and
duration band (:class:`Beliefs`), learnt from the realised productivity of the persons the
sector's firms hired. Because the more productive leave unemployment first (the interview
reveals part of productivity), long spells come to signal low productivity and the
long-unemployment penalty emerges in the beliefs instead of being set by hand.

:class:`Signals` is the channel of intermediaries (SIAE references, PMSMP hosts, the PTCE
levers): ``write(slots, firms, precision, source)`` records that firm f has a signal of
precision q in [0, 1] on person i; a signal of precision q lets the firm see q of the gap
between the person's true productivity and its belief.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np

from .population import NO_ORG

if TYPE_CHECKING:
    from .territory import TerritoryModel

#: lower edges of the unemployment-duration bands employers see, months (0-2, 3-5, 6-11,
#: 12-23, 24+)
DURATION_EDGES = np.array([0, 3, 6, 12, 24], dtype=np.int64)
BAND_NAMES: tuple[str, ...] = ("0-2", "3-5", "6-11", "12-23", "24+")
N_BANDS = len(BAND_NAMES)
_FIRM_BITS = 24  # a signal's key is slot << 24 | firm (firms < 16.7 million)


def duration_band(spell: np.ndarray) -> np.ndarray:
    """Band index 0..4 of unemployment spells in months (shape of ``spell``)."""
    return np.searchsorted(DURATION_EDGES, np.asarray(spell), side="right") - 1


def expected_productivity(belief: np.ndarray, true: np.ndarray,
                          precision: np.ndarray | float) -> np.ndarray:
    """What a firm expects of applicants: its belief moved by ``precision`` (0..1) of the gap to
    the true productivity (precision 1 gives the truth, 0 the belief)."""
    return belief + precision * (true - belief)


def combine(*precisions: np.ndarray | float) -> np.ndarray | float:
    """Precision of independent looks at the same gap: 1 - prod(1 - q)."""
    miss: np.ndarray | float = 1.0
    for q in precisions:
        miss = miss * (1.0 - np.asarray(q))
    return 1.0 - miss


def refresh_productivity(model: TerritoryModel) -> np.ndarray:
    """Draw the hidden productivity of persons new in their slot (initial persons, young
    entrants) and forget their predecessor's last employer; returns the slots drawn.

    log productivity = a (qualification - 2) - b (barriers - 0.2) - sigma^2 / 2 + sigma Z,
    with a = ``productivity_qualification``, b = ``productivity_barriers``, sigma =
    ``productivity_sigma`` and Z standard normal from the person draws ``productivity``
    (Box-Muller on two uniforms). It is drawn once per person, when first seen.
    """
    p, m = model.persons, model.params.matching
    slots = np.flatnonzero(p.productivity_id != p.person_id)
    if slots.size == 0:
        return slots
    u1 = model.draws.uniform("productivity", slots, model.month, 1)
    u2 = model.draws.uniform("productivity", slots, model.month, 2)
    z = np.sqrt(-2.0 * np.log1p(-u1)) * np.cos(2.0 * np.pi * u2)
    log_prod = (m.productivity_qualification * (p.qualification[slots] - 2.0)
                - m.productivity_barriers * (p.barriers[slots] - 0.2)
                - 0.5 * m.productivity_sigma ** 2 + m.productivity_sigma * z)
    p.productivity[slots] = np.exp(log_prod)
    p.productivity_id[slots] = p.person_id[slots]
    p.last_employer[slots] = NO_ORG
    return slots


class Beliefs:
    """Employers' posterior mean of productivity per sector and duration band, shape
    (n_sectors, N_BANDS), shared by the firms of a sector.

    Learning is exponential smoothing on each hire: with rate r, a cell that saw n hires of
    mean realised productivity x this month moves to mean + (1 - (1 - r)^n) (x - mean), the
    result of n successive updates toward their mean. The prior is 1 (the population mean).
    """

    def __init__(self, n_sectors: int, prior: float = 1.0) -> None:
        self.mean = np.full((n_sectors, N_BANDS), prior, dtype=np.float64)
        self.hires = np.zeros((n_sectors, N_BANDS), dtype=np.int64)

    def expected(self, sector: np.ndarray, band: np.ndarray) -> np.ndarray:
        """Belief for applicants of ``band`` in ``sector`` (arrays of equal shape)."""
        return self.mean[sector, band]

    def learn(self, sector: np.ndarray, band: np.ndarray, realised: np.ndarray,
              rate: float) -> None:
        """Update from the realised productivity of this month's hires."""
        if sector.size == 0:
            return
        cells = self.mean.size
        cell = np.asarray(sector, dtype=np.int64) * N_BANDS + band
        n = np.bincount(cell, minlength=cells)
        total = np.bincount(cell, weights=realised, minlength=cells)
        seen = n > 0
        flat = self.mean.reshape(-1)
        step = 1.0 - (1.0 - rate) ** n[seen]
        flat[seen] += step * (total[seen] / n[seen] - flat[seen])
        self.hires += n.reshape(self.hires.shape)

    def by_band(self) -> np.ndarray:
        """Mean belief per band over sectors, weighted by hires (shape (N_BANDS,))."""
        w = self.hires.astype(float)
        tot = w.sum(axis=0)
        return np.where(tot > 0, (self.mean * w).sum(axis=0) / np.maximum(tot, 1),
                        self.mean.mean(axis=0))


class Signals:
    """Per-person, per-employer signals written by intermediaries.

    Kept as sorted keys (slot << 24 | firm) with the precision, the writer's source code and
    the person_id the signal is about (a young entrant taking over a slot inherits nothing).
    A firm also knows the persons who worked for it: its current employees and those whose
    last employer it is (``last_employer``), with precision 1.
    """

    def __init__(self, model: TerritoryModel) -> None:
        self.model = model
        self.keys = np.empty(0, dtype=np.int64)
        self.precision = np.empty(0, dtype=np.float64)
        self.person_id = np.empty(0, dtype=np.int64)
        self.source = np.empty(0, dtype=np.int16)
        self.sources: list[str] = []

    def write(self, slots: np.ndarray, firms: np.ndarray, precision: np.ndarray | float,
              source: str) -> None:
        """Record a signal of ``precision`` (0..1) on persons ``slots`` for ``firms`` (arrays
        of equal length, or a scalar firm) from ``source``; a later signal on the same pair
        replaces an earlier one."""
        slots = np.asarray(slots, dtype=np.int64)
        if slots.size == 0:
            return
        q = np.broadcast_to(np.clip(np.asarray(precision, dtype=np.float64), 0.0, 1.0),
                            slots.shape)
        firms = np.broadcast_to(np.asarray(firms, dtype=np.int64), slots.shape)
        if source not in self.sources:
            self.sources.append(source)
        code = self.sources.index(source)
        keys = np.concatenate([self.keys, (slots << _FIRM_BITS) | firms])
        prec = np.concatenate([self.precision, q])
        pid = np.concatenate([self.person_id, self.model.persons.person_id[slots]])
        src = np.concatenate([self.source, np.full(slots.size, code, dtype=np.int16)])
        # keep the last write of each key
        rev = np.arange(keys.size)[::-1]
        uniq, first = np.unique(keys[rev], return_index=True)
        keep = rev[first]
        self.keys, self.precision = uniq, prec[keep]
        self.person_id, self.source = pid[keep], src[keep]

    def stored(self, slots: np.ndarray, firms: np.ndarray) -> np.ndarray:
        """Precision of the written signals on (slots[i], firms[i]); 0 where none."""
        slots = np.asarray(slots, dtype=np.int64)
        out = np.zeros(slots.size)
        if self.keys.size == 0 or slots.size == 0:
            return out
        keys = (slots << _FIRM_BITS) | np.asarray(firms, dtype=np.int64)
        pos = np.minimum(np.searchsorted(self.keys, keys), self.keys.size - 1)
        hit = (self.keys[pos] == keys) & (
            self.person_id[pos] == self.model.persons.person_id[slots])
        out[hit] = self.precision[pos[hit]]
        return out

    def read(self, slots: np.ndarray, firms: np.ndarray) -> np.ndarray:
        """Precision in [0, 1] with which each firm sees each person: the best of its written
        signals and of having employed the person (precision 1)."""
        p = self.model.persons
        slots = np.asarray(slots, dtype=np.int64)
        firms = np.asarray(firms, dtype=np.int64)
        worked = (p.last_employer[slots] == firms) | (p.employer[slots] == firms)
        return np.maximum(self.stored(slots, firms), worked.astype(np.float64))


__all__ = ["BAND_NAMES", "DURATION_EDGES", "N_BANDS", "Beliefs", "Signals", "combine",
           "duration_band", "expected_productivity", "refresh_productivity"]
