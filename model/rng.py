"""Randomness: per-person draws that stay aligned across scenarios (common random numbers).

Two kinds of draws, both derived from the run's root ``SeedSequence``:

* :class:`PersonDraws` gives each person slot, month and purpose its own uniform number, by
  hashing (slot, month, purpose, key) with the splitmix64 finaliser. The draw a person gets
  does not depend on who else is drawn, so when a PTCE changes one person's path, everybody
  else keeps the same luck: the PTCE scenario and its counterfactual differ only where the
  PTCE acted.
* ``TerritoryModel.stream(name)``: a numpy ``Generator`` per mechanism and month, for draws
  about organisations (which firm gets a vacancy filled, which post a newcomer takes).
"""

from __future__ import annotations

import zlib

import numpy as np

_M1 = np.uint64(0xBF58476D1CE4E5B9)
_M2 = np.uint64(0x94D049BB133111EB)
_GOLD = np.uint64(0x9E3779B97F4A7C15)
_MONTH = np.uint64(0xD1B54A32D192ED03)
_SUB = np.uint64(0x8CB92BA72F3D8DD7)


def purpose_code(name: str) -> np.uint64:
    """A stable 64-bit code for a purpose name."""
    with np.errstate(over="ignore"):
        return np.uint64(zlib.crc32(name.encode())) * _SUB


def _mix(x: np.ndarray) -> np.ndarray:
    x = x ^ (x >> np.uint64(30))
    x = x * _M1
    x = x ^ (x >> np.uint64(27))
    x = x * _M2
    return x ^ (x >> np.uint64(31))


class PersonDraws:
    """Uniform draws in [0, 1) keyed on (slot, month, purpose)."""

    def __init__(self, seed: np.random.SeedSequence) -> None:
        self.key = np.uint64(seed.generate_state(1, dtype=np.uint64)[0])
        self._codes: dict[str, np.uint64] = {}

    def uniform(self, purpose: str, slots: np.ndarray, month: int,
                sub: np.ndarray | int = 0) -> np.ndarray:
        """One uniform number per slot (shape of ``slots``); ``sub`` distinguishes several
        draws of the same purpose (e.g. one per sector, broadcast against ``slots``)."""
        code = self._codes.get(purpose)
        if code is None:
            code = self._codes[purpose] = purpose_code(purpose)
        with np.errstate(over="ignore"):
            x = np.asarray(slots).astype(np.uint64) * _GOLD
            x = x ^ (self.key + np.uint64(month) * _MONTH + code)
            if not (np.isscalar(sub) and sub == 0):
                x = x ^ (np.asarray(sub).astype(np.uint64) * _SUB + _GOLD)
            x = _mix(x)
        return (x >> np.uint64(11)).astype(np.float64) * (1.0 / 9007199254740992.0)

    def gumbel(self, purpose: str, slots: np.ndarray, month: int,
               sub: np.ndarray | int = 0) -> np.ndarray:
        u = self.uniform(purpose, slots, month, sub)
        return -np.log(-np.log(np.maximum(u, 1e-300)))

    def exponential(self, purpose: str, slots: np.ndarray, month: int,
                    sub: np.ndarray | int = 0) -> np.ndarray:
        return -np.log1p(-self.uniform(purpose, slots, month, sub))

    def geometric(self, purpose: str, slots: np.ndarray, month: int, mean: float) -> np.ndarray:
        """Geometric numbers >= 1 with the given mean."""
        if mean <= 1.0:
            return np.ones(np.shape(slots), dtype=np.int64)
        u = self.uniform(purpose, slots, month)
        return 1 + np.floor(np.log1p(-u) / np.log1p(-1.0 / mean)).astype(np.int64)
