"""IAE prescribers and the Pass IAE eligibility criteria.

A prescriber (France Travail, a mission locale, the Département, Cap emploi) diagnoses
jobseekers of its public each month within its capacity and validates their eligibility to the
IAE. The criteria are those of the arrêté of 1 September 2021 as the inclusion platform applies
them (``calibration/data/behaviour_parameters.csv``: ``iae_level1_criteria``,
``iae_level2_criteria_needed_*``, ``iae_criteria_list_platform``): one level-1 criterion
suffices; otherwise a number of level-2 criteria that depends on the SIAE type.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import mesa
import numpy as np

from .params import PRESCRIBER_KINDS, SIAE_TYPES, SIAERules
from .population import PersonStore
from .states import SIAE_TYPE_CODES, Barrier, Benefit, S

if TYPE_CHECKING:
    from .territory import TerritoryModel

#: barrier kinds that are level-2 criteria (HEALTH, a recognised disability, is level 1 here)
LEVEL2_BARRIERS: tuple[Barrier, ...] = (Barrier.MOBILITY, Barrier.HOUSING, Barrier.FAMILY,
                                        Barrier.BASIC_SKILLS)
#: SIAE types that need ``level2_needed_aci_ei`` criteria (the others ``level2_needed_ai_etti``)
STRICT_TYPES: frozenset[int] = frozenset({SIAE_TYPE_CODES["ACI"], SIAE_TYPE_CODES["EI"]})


def level1(p: PersonStore, slots: np.ndarray) -> np.ndarray:
    """Level-1 criteria (any one suffices): RSA, ASS, disability (the HEALTH barrier, standing
    for AAH), registered 24 months or more. Shape (len(slots),), bool."""
    benefit = p.benefit[slots]
    return ((benefit == Benefit.RSA) | (benefit == Benefit.ASS) | p.rsa[slots]
            | ((p.barrier_bits[slots] & Barrier.HEALTH) != 0)
            | (p.unemployment_spell[slots] >= 24))


def level2_count(p: PersonStore, slots: np.ndarray, rules: SIAERules,
                 barrier_threshold: float) -> np.ndarray:
    """Number of level-2 criteria of each person, shape (len(slots),): under 26, 50 or over,
    qualification at most CAP/BEP (level <= 1), registered 12 to 23 months, each barrier kind of
    :data:`LEVEL2_BARRIERS`, and social difficulties seen by the diagnostic (barrier score >=
    ``barrier_threshold``)."""
    age = p.age_months[slots]
    spell = p.unemployment_spell[slots]
    bits = p.barrier_bits[slots]
    n = ((age < rules.youth_age * 12).astype(np.int8)
         + (age >= rules.senior_age * 12)
         + (p.qualification[slots] <= 1)
         + ((spell >= 12) & (spell < 24))
         + (p.barriers[slots] >= barrier_threshold))
    for kind in LEVEL2_BARRIERS:
        n = n + ((bits & kind) != 0)
    return n.astype(np.int8)


def eligible(p: PersonStore, slots: np.ndarray, siae_type: int, rules: SIAERules,
             barrier_threshold: float) -> np.ndarray:
    """Pass IAE eligibility of ``slots`` for SIAE type code ``siae_type``, shape (len(slots),)."""
    needed = (rules.level2_needed_aci_ei if siae_type in STRICT_TYPES
              else rules.level2_needed_ai_etti)
    return level1(p, slots) | (level2_count(p, slots, rules, barrier_threshold) >= needed)


def eligible_any(p: PersonStore, slots: np.ndarray, rules: SIAERules,
                 barrier_threshold: float) -> np.ndarray:
    """Eligible for at least one SIAE type, shape (len(slots),)."""
    needed = min(rules.level2_needed_aci_ei, rules.level2_needed_ai_etti)
    return level1(p, slots) | (level2_count(p, slots, rules, barrier_threshold) >= needed)


def new_pass_allowed(model: TerritoryModel,
                     slots: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Whether a new Pass IAE may be issued to ``slots`` (persons without a valid Pass), and
    whether that takes a waiver, both shape (len(slots),): never had one, or the last ended
    ``waiting_period_months`` ago or more (the délai de carence); inside the waiting period,
    a prescriber waives it if the person draw ``pass_waiver`` is below
    ``waiver_probability``."""
    p, rules = model.persons, model.params.siae_rules
    ended = p.pass_end[slots]
    free = (ended < 0) | (model.month >= ended + rules.waiting_period_months)
    waiver = ~free & (model.draw("pass_waiver", slots) < rules.waiver_probability)
    return free | waiver, waiver


class Prescriber(mesa.Agent):
    """One prescriber of the IAE. ``kind`` is one of :data:`PRESCRIBER_KINDS`.

    Its public: France Travail every jobseeker, a mission locale those under 26, the
    Département RSA recipients, Cap emploi persons with a health barrier (disability).
    ``capacity`` is its diagnostics this month, set by the prescription phase from the number
    of jobseekers; ``diagnosed`` counts those it made.
    """

    model: TerritoryModel

    def __init__(self, model: TerritoryModel, kind: str) -> None:
        super().__init__(model)
        if kind not in PRESCRIBER_KINDS:
            raise ValueError(f"unknown prescriber {kind!r}; prescribers are {PRESCRIBER_KINDS}")
        self.kind = kind
        self.code = PRESCRIBER_KINDS.index(kind)
        self.capacity = 0
        self.diagnosed = 0

    def public(self, slots: np.ndarray) -> np.ndarray:
        """Which of ``slots`` this prescriber follows, shape (len(slots),), bool."""
        p = self.model.persons
        if self.kind == "mission_locale":
            return p.age_months[slots] < self.model.params.siae_rules.youth_age * 12
        if self.kind == "departement":
            return p.rsa[slots] | (p.benefit[slots] == Benefit.RSA)
        if self.kind == "cap_emploi":
            return (p.barrier_bits[slots] & Barrier.HEALTH) != 0
        return np.ones(slots.size, dtype=bool)

    def eligible(self, slots: np.ndarray, siae_type: str) -> np.ndarray:
        """Pass IAE eligibility of ``slots`` for ``siae_type`` ("ACI", "EI", "ETTI", "AI")."""
        if siae_type not in SIAE_TYPES:
            raise ValueError(f"unknown SIAE type {siae_type!r}; types are {SIAE_TYPES}")
        m = self.model
        return eligible(m.persons, np.asarray(slots), SIAE_TYPE_CODES[siae_type],
                        m.params.siae_rules, m.params.prescription.barrier_threshold)

    def diagnose(self) -> None:
        """This month's diagnostics: among the jobseekers of its public who have neither a
        valid diagnosis nor a valid Pass, may get a new Pass (outside the waiting period, or
        with a waiver) and are eligible to at least one SIAE type, the ``capacity`` with the
        highest need (barriers and registration length, with Gumbel noise) get a diagnosis
        valid ``eligibility_validity_months``."""
        m, p = self.model, self.model.persons
        self.diagnosed = 0
        if self.capacity <= 0:
            return
        pr, rules = m.params.prescription, m.params.siae_rules
        slots = np.flatnonzero((p.state == S.UNEMPLOYED) & (p.diagnosed_until < m.month)
                               & (p.pass_end <= m.month))
        slots = slots[self.public(slots)]
        allowed, waiver = new_pass_allowed(m, slots)
        slots, waiver = slots[allowed], waiver[allowed]
        ok = eligible_any(p, slots, rules, pr.barrier_threshold)
        slots, waiver = slots[ok], waiver[ok]
        if slots.size == 0:
            return
        need = (2.0 * p.barriers[slots] + np.minimum(p.unemployment_spell[slots], 36) / 12.0
                + m.draws.gumbel("diagnosis_priority", slots, m.month))
        k = min(self.capacity, slots.size)
        chosen = np.argpartition(-need, k - 1)[:k] if k < slots.size else np.arange(slots.size)
        who = slots[chosen]
        p.diagnosed_until[who] = m.month + pr.eligibility_validity_months - 1
        p.prescriber[who] = self.code
        p.pass_waiver[who] = waiver[chosen]
        self.diagnosed = int(who.size)

    def __repr__(self) -> str:
        return f"Prescriber(kind={self.kind}, capacity={self.capacity})"


__all__ = ["PRESCRIBER_KINDS", "Prescriber", "eligible", "eligible_any", "level1",
           "level2_count", "new_pass_allowed"]
