"""What one run returns: monthly series, end-of-run outcomes, person-level spells and careers."""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
import pandas as pd

#: Documented end-of-run outcomes (name -> meaning). ``model/ODD.md`` lists the same names.
OUTCOME_DOCS: dict[str, str] = {
    "unemployment_rate": "unemployed over labour force, mean of the last 12 months",
    "employment_rate": "employed (SIAE included) over persons of working age, last 12 months",
    "inactivity_rate": "share of persons outside the labour force, last 12 months",
    "long_term_unemployed_share": "share of the unemployed with a 12+ month spell, last 12 months",
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
    "iae_exits_durable": "SIAE exits into emploi durable over the horizon",
    **{f"iae_employed_6m_share_{g}": f"share of {label} leavers employed 6 months after exit"
       for g, label in (("aci", "ACI"), ("ei", "EI"), ("etti", "ETTI"), ("ai", "AI"),
                        ("rsa", "RSA-recipient"), ("non_rsa", "non-RSA"))},
    **{f"iae_entrants_36m_{s}": f"share of IAE entrants in situation '{s}' 36 months after entry"
       for s in ("ordinary_job", "still_iae", "unemployed", "inactive")},
    "durable_employment": "persons in durable jobs or own activity, mean of the last 12 months",
    "ptce_bridges_siae": "bridges between member SIAE over the horizon",
    "ptce_bridges_firm": "hires by member firms of SIAE employees the pole recommended, over "
                         "the horizon",
    "ptce_immersions": "PMSMP immersions in member firms over the horizon",
    "ptce_immersion_hires": "hires by the hosts of persons they hosted on an immersion, over "
                            "the horizon",
    "ptce_shared_jobs": "durable shared jobs made over the horizon",
    "ptce_skills_revealed": "persons whose hidden skills were revealed",
    "ptce_skills_matched": "hires of persons whose skills were revealed",
    "ptce_training_seats_added": "co-training seats funded, mean per month",
    "ptce_training_placements": "hires of completers by the member firms they were "
                                "recommended to",
    "ptce_activities_incubated": "new activities created by incubation",
    "ptce_jobs_created": "positions of the new activities",
    "ptce_follow_up_replacements": "hires of followed leavers by the member firms they were "
                                   "recommended to",
    "ptce_coordination_cost": "coordination cost over the horizon, EUR",
    "ptce_cases_used": "coordination cases used over the horizon",
    "ptce_capacity": "coordination cases available over the horizon",
    "ptce_trust": "members' trust in the pole (mean weight of their ties to it) at the end",
    "ptce_network_density": "density of ties between members at the end",
    "pmsmp_participants": "PMSMP participants",
    "pmsmp_matched_comparisons": "non-participants matched to participants on observables",
    "pmsmp_job_within_12m_participants": "share of participants in a job within 12 months",
    "pmsmp_job_within_12m_comparison": "same share for their matched comparisons",
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
        iae_exits: one row per SIAE exit: ``person_id, month, siae_type, outcome, route_months,
            rsa, state_6m``.
        seed: the root seed entropy of the run.
        meta: sizes of the run (persons, firms, siae, programmes), the seed's spawn key, and
            with a PTCE its ``trust_network`` (networkx graph, tie ``weight`` 0..1).
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
