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
_S11, _S27, _S30, _S31 = (np.uint64(k) for k in (11, 27, 30, 31))
_UNIT = 1.0 / 9007199254740992.0  # 2^-53


def purpose_code(name: str) -> np.uint64:
    """A stable 64-bit code for a purpose name."""
    with np.errstate(over="ignore"):
        return np.uint64(zlib.crc32(name.encode())) * _SUB


def _mix(x: np.ndarray) -> np.ndarray:
    """splitmix64 finaliser, in place on a uint64 array (array arithmetic wraps mod 2^64)."""
    x ^= x >> _S30
    x *= _M1
    x ^= x >> _S27
    x *= _M2
    x ^= x >> _S31
    return x


_MASK = (1 << 64) - 1
SMALL = 24  # below this many persons, draws are computed in Python integers


class PersonDraws:
    """Uniform draws in [0, 1) keyed on (slot, month, purpose)."""

    def __init__(self, seed: np.random.SeedSequence) -> None:
        self.key = int(seed.generate_state(1, dtype=np.uint64)[0])
        self._bases: dict[tuple[str, int], np.uint64] = {}
        self._codes: dict[str, int] = {}

    def _base(self, purpose: str, month: int) -> np.uint64:
        base = self._bases.get((purpose, month))
        if base is None:
            if len(self._bases) > 4096:
                self._bases.clear()
            code = self._codes.get(purpose)
            if code is None:
                code = self._codes[purpose] = int(purpose_code(purpose))
            value = (self.key + month * int(_MONTH) + code) & _MASK
            base = self._bases[(purpose, month)] = np.uint64(value)
        return base

    def uniform(self, purpose: str, slots: np.ndarray, month: int,
                sub: np.ndarray | int = 0) -> np.ndarray:
        """One uniform number per slot (shape of ``slots``); ``sub`` distinguishes several
        draws of the same purpose (e.g. one per sector, broadcast against ``slots``)."""
        slots = np.asarray(slots)
        if slots.size == 0:
            return np.zeros(slots.shape)
        no_sub = isinstance(sub, int) and sub == 0
        if slots.size <= SMALL and no_sub:
            return self._uniform_small(slots, int(self._base(purpose, month)))
        x = slots.astype(np.uint64)
        x *= _GOLD
        x ^= self._base(purpose, month)
        if isinstance(sub, int):
            if sub:
                x ^= np.uint64((sub * int(_SUB) + int(_GOLD)) & _MASK)
        else:
            x = x ^ (np.asarray(sub).astype(np.uint64) * _SUB + _GOLD)
        _mix(x)
        x >>= _S11
        out = x.astype(np.float64)
        out *= _UNIT
        return out

    @staticmethod
    def _uniform_small(slots: np.ndarray, base: int) -> np.ndarray:
        """The same numbers as the array path, in Python integers: numpy's per-call
        overhead dominates for a handful of persons."""
        gold, m1, m2 = int(_GOLD), int(_M1), int(_M2)
        out = []
        for s in slots.ravel().tolist():
            x = ((s * gold) & _MASK) ^ base
            x ^= x >> 30
            x = (x * m1) & _MASK
            x ^= x >> 27
            x = (x * m2) & _MASK
            x ^= x >> 31
            out.append((x >> 11) * _UNIT)
        return np.array(out).reshape(slots.shape)

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
