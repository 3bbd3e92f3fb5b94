"""What one run returns: monthly series, end-of-run outcomes, person-level spells and careers."""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
import pandas as pd

#: Documented end-of-run outcomes (name -> meaning). ``model/ODD.md`` lists the same names.
OUTCOME_DOCS: dict[str, str] = {
    "unemployment_rate": "ILO-like unemployment rate, mean of the last 12 months (share of labour force)",
    "employment_rate": "employed (any job, SIAE included) over persons of working age, last 12 months",
    "inactivity_rate": "share of persons outside the labour force, last 12 months",
    "long_term_unemployed_share": "share of the unemployed with a spell of 12 months or more, last 12 months",
    "job_finding_rate": "monthly share of jobseekers taking a job, mean over the horizon",
    "durable_share_of_jobseeker_hires": "share of jobseekers' hires on a durable contract",
    "vacancy_rate": "open positions over (filled + open positions), mean over the horizon",
    "short_contract_share_of_hires": "share of short contracts (CDD < 6 months, temp) among hires",
    "hires_per_month": "hires by ordinary firms per month (renewals of short contracts included)",
    "iae_stock": "persons on an insertion contract (CDDI), mean over the horizon",
    "iae_entries": "entries into SIAE over the horizon",
    "iae_exits": "exits from SIAE over the horizon",
    "iae_route_length_mean": "mean route length of SIAE leavers, months",
    "iae_exit_share_durable": "share of SIAE exits into emploi durable",
    "iae_exit_share_transition": "share of SIAE exits into emploi de transition",
    "iae_exit_share_positive": "share of SIAE exits that are sorties positives (training)",
    "iae_exit_share_other": "share of other SIAE exits (unemployment, inactivity)",
    "iae_employed_6m_share": "share of SIAE leavers employed 6 months after exit",
    "training_entries": "entries into training over the horizon",
    "training_completions": "qualifying completions over the horizon",
    "career_share_months_employed": "mean over persons of the share of observed months employed",
    "career_breaks": "mean number of moves from a job into unemployment per person",
    "career_longest_unemployment": "mean over persons of the longest unemployment spell, months",
    "career_months_durable": "mean months in durable jobs per person",
    "career_qualification_gained": "mean qualification levels gained per person",
    "siae_aid_cost": "State aid to SIAE over the horizon, EUR",
    "training_cost": "cost of training entries over the horizon, EUR",
}

TRANSITION_CLASSES: tuple[str, ...] = ("temp_job", "durable_job", "unemployed", "inactive")


@dataclass
class RunResult:
    """The result of :func:`model.simulate`.

    Attributes:
        series: one row per reported month (index ``month``, 1..months), one column per
            monthly indicator (``model.indicators.SERIES_DOCS``).
        outcomes: end-of-run outcomes, names and meanings in :data:`OUTCOME_DOCS`.
        spells: person-level spells, one row per (person, state) episode, columns
            ``person_id, state, start, end, organisation`` (months of the horizon; a spell
            begun in burn-in starts at 0; ``end`` is exclusive). Empty if spells were not kept.
        careers: one row per person present at the end: career-security indicators.
        transitions: quarterly transition counts between the states of
            :data:`TRANSITION_CLASSES`, of shape (4, 4), rows = from, columns = to.
        iae_exits: one row per SIAE exit: ``siae_type, outcome, route_months, rsa, state_6m``.
        seed: the root seed entropy of the run.
    """

    series: pd.DataFrame
    outcomes: dict[str, float]
    spells: pd.DataFrame
    careers: pd.DataFrame
    transitions: np.ndarray
    iae_exits: pd.DataFrame
    seed: int | None = None
    meta: dict[str, object] = field(default_factory=dict)

    def transition_matrix(self) -> pd.DataFrame:
        """Quarterly transition probabilities (rows sum to 1), as a labelled DataFrame."""
        counts = self.transitions.astype(float)
        rows = counts.sum(axis=1, keepdims=True)
        probs = np.divide(counts, rows, out=np.zeros_like(counts), where=rows > 0)
        return pd.DataFrame(probs, index=TRANSITION_CLASSES, columns=TRANSITION_CLASSES)
