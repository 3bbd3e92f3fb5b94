"""Typed, frozen parameters of a territory run.

The parameter tree *is* the scenario schema: a scenario YAML file mirrors it key for key
(``scenarios.loader`` validates files into :class:`TerritoryParams`). Every field states its unit.
Rates are per month unless the name says otherwise. Unknown keys are rejected.

This module is the only place that decides what is valid. Rules that involve several sections
(a sector named in ``training``, ``ptce`` or an event; an event's month against the horizon; an
event's ``set`` applied to the whole tree) are checked as soon as the sections they read are
valid, so one validation reports every problem it can, each at its own ``loc`` (``("events",
2, "demand_shock", "sector")``). Their errors have their own types (``unknown_sector``, ...) and
may carry in ``ctx`` what was ``expected`` and the valid names (``choices`` for the value,
``key_choices`` for the key), which the scenario loader shows.
"""

from __future__ import annotations

import functools
import typing
from collections.abc import Iterable, Mapping, Sequence
from typing import Annotated, Any, Literal

from pydantic import (
    BaseModel,
    ConfigDict,
    Field,
    TypeAdapter,
    ValidationError,
    ValidationInfo,
    field_validator,
    model_validator,
)
from pydantic_core import InitErrorDetails, PydanticCustomError, core_schema

Probability = Annotated[float, Field(ge=0.0, le=1.0)]
PositiveInt = Annotated[int, Field(ge=1)]

SIAE_TYPES: tuple[str, ...] = ("ACI", "EI", "ETTI", "AI")
SIAEKind = Literal["ACI", "EI", "ETTI", "AI"]


class Frozen(BaseModel):
    """Base class: immutable, strict about unknown keys."""

    model_config = ConfigDict(frozen=True, extra="forbid")


class Sector(Frozen):
    """One activity sector of the territory."""

    name: str = Field(min_length=1)
    job_share: float = Field(gt=0.0, description="share of the territory's jobs (normalised)")
    durable_hire_share: Probability = Field(
        0.25, description="share of hires on a durable contract (CDI or CDD of 6 months or more)"
    )


DEFAULT_SECTORS: tuple[Sector, ...] = (
    Sector(name="agri_environment", job_share=0.05, durable_hire_share=0.20),
    Sector(name="construction", job_share=0.08, durable_hire_share=0.30),
    Sector(name="industry", job_share=0.13, durable_hire_share=0.30),
    Sector(name="retail", job_share=0.14, durable_hire_share=0.25),
    Sector(name="hospitality_food", job_share=0.08, durable_hire_share=0.15),
    Sector(name="care_personal_services", job_share=0.17, durable_hire_share=0.25),
    Sector(name="logistics_transport", job_share=0.10, durable_hire_share=0.20),
    Sector(name="public_admin_services", job_share=0.25, durable_hire_share=0.30),
)


class Population(Frozen):
    """Initial population of working age (16 to the retirement age)."""

    persons: int = Field(20_000, ge=100, le=5_000_000, description="persons of working age")
    unemployment_rate: Probability = Field(
        0.075, description="initial ILO unemployment rate (share of the labour force)"
    )
    inactivity_rate: Probability = Field(0.27, description="initial share outside the labour force")
    long_term_share: Probability = Field(
        0.40, description="initial share of the unemployed registered 12 months or more"
    )
    temp_share_of_employed: Probability = Field(
        0.10, description="initial share of the employed on short contracts (CDD < 6 months, temp)"
    )
    self_employed_share: Probability = Field(0.06, description="initial share of self-employed")
    qualification_shares: tuple[float, float, float, float, float] = Field(
        (0.17, 0.25, 0.25, 0.13, 0.20),
        description="shares of qualification levels 0 (none) .. 4 (higher education)",
    )
    barrier_mean_unemployed: Probability = Field(
        0.35, description="mean employability-barrier score (0..1) of the unemployed"
    )
    barrier_mean_others: Probability = Field(0.12, description="mean barrier score of the others")
    rsa_share_of_unemployed: Probability = Field(
        0.30, description="share of the unemployed receiving the RSA"
    )
    hidden_skill_mean: Probability = Field(
        0.10, description="mean skill a person has but employers cannot see (0..1)"
    )

    @model_validator(mode="after")
    def _shares_sum(self) -> Population:
        total = sum(self.qualification_shares)
        if not 0.99 <= total <= 1.01:
            raise ValueError(f"qualification_shares must sum to 1, they sum to {total:.3f}")
        if self.temp_share_of_employed + self.self_employed_share >= 1.0:
            raise ValueError("temp_share_of_employed + self_employed_share must be below 1")
        return self


class Demography(Frozen):
    """Ageing, entries, retirements and labour-force participation flows (per month)."""

    retirement_age: int = Field(64, ge=55, le=70, description="years")
    entry_age_min: int = Field(16, ge=14, le=25, description="years")
    entry_age_max: int = Field(25, ge=16, le=30, description="years")
    inactive_to_unemployed: Probability = Field(0.008, description="per month")
    unemployed_to_inactive: Probability = Field(
        0.010, description="per month, at barrier score 0; doubles at barrier score 1"
    )
    employed_to_inactive: Probability = Field(0.0015, description="per month")
    entrant_inactive_share: Probability = Field(
        0.6, description="share of young entrants starting outside the labour force (studies)"
    )

    @model_validator(mode="after")
    def _ages(self) -> Demography:
        if self.entry_age_max <= self.entry_age_min:
            raise ValueError("entry_age_max must be above entry_age_min")
        if self.retirement_age <= self.entry_age_max:
            raise ValueError("retirement_age must be above entry_age_max")
        return self


class Demand(Frozen):
    """Enterprises and labour demand."""

    sectors: tuple[Sector, ...] = DEFAULT_SECTORS
    jobs_per_active: float = Field(
        0.955,
        gt=0.3,
        le=1.5,
        description=(
            "job positions in ordinary firms per person of the labour force who is not "
            "self-employed; unemployment settles near 1 - jobs_per_active * (1 - vacancy rate)"
        ),
    )
    mean_firm_size: float = Field(25.0, ge=2.0, le=5_000.0, description="positions per firm")
    growth_per_year: float = Field(
        0.0, ge=-0.2, le=0.2, description="yearly growth of positions (all sectors)"
    )

    @field_validator("sectors")
    @classmethod
    def _unique_names(cls, sectors: tuple[Sector, ...]) -> tuple[Sector, ...]:
        names = [s.name for s in sectors]
        if len(set(names)) != len(names):
            raise ValueError(f"duplicate sector names in {names}")
        return sectors


class Separations(Frozen):
    """Job ends and contracts (per month; sources: calibration/data/behaviour_parameters.csv)."""

    durable_hazard: Probability = Field(
        0.004, description="monthly hazard of a CDI older than a year ending into unemployment"
    )
    cdi_first_year_hazard: Probability = Field(
        0.0366,
        description=(
            "monthly hazard of a CDI in its first year ending: 1 - (1 - 0.361)^(1/12), "
            "cdi_broken_within_one_year (36.1 % of CDI broken within a year, Dares 2015)"
        ),
    )
    temp_mean_months: float = Field(
        1.5, ge=1.0, le=6.0,
        description="mean length of a CDD under 6 months, months: cdd_mean_duration_days 46 / 30.4",
    )
    temp_renewal: Probability = Field(
        0.78, description="probability a short contract ending is followed by another one"
    )
    temp_conversion: Probability = Field(
        0.07, description="probability a short contract ending converts to a CDI"
    )
    cdd_long_share: Probability = Field(
        0.25, description="share of CDD of 6 months or more among durable hires (assumption)"
    )
    cdd_long_mean_months: float = Field(
        12.0, ge=6.0, le=36.0,
        description="mean term of a CDD of 6 months or more, months (6 + geometric; assumption)",
    )
    cdd_long_conversion: Probability = Field(
        0.30, description="probability a CDD of 6 months or more converts to a CDI at its term "
        "(assumption)"
    )
    interim_share: Probability = Field(
        0.27,
        description=(
            "share of interim among short-contract hires: interim_share_of_salaried 3.2 / "
            "temp_contracts_share_of_employment 12 (stocks)"
        ),
    )
    part_time_share: Probability = Field(
        0.173, description="share of hires on part time: part_time_share_of_salaried 17.3 %"
    )
    self_employed_exit: Probability = Field(0.004, description="per month, into unemployment")
    business_creation: Probability = Field(
        0.004, description="per month, unemployed creating their own activity"
    )

    @model_validator(mode="after")
    def _renewal(self) -> Separations:
        if self.temp_renewal + self.temp_conversion > 1.0:
            raise ValueError("temp_renewal + temp_conversion must not exceed 1")
        return self


class Matching(Frozen):
    """Search and matching, per sector (DESIGN 4.3 phase 6)."""

    efficiency: float = Field(
        0.30, ge=0.0, le=5.0, description="matching-function scale mu in M = mu * C^a * V^(1-a)"
    )
    elasticity: float = Field(0.5, gt=0.0, lt=1.0, description="matching elasticity a")
    search_intensity: Probability = Field(
        0.60, description="share of jobseekers actively applying in a month (barrier score 0)"
    )
    weight_skill: float = Field(2.0, ge=0.0, le=10.0, description="employer score weight")
    weight_qualification: float = Field(1.0, ge=0.0, le=10.0, description="per level / 4")
    weight_barriers: float = Field(1.5, ge=0.0, le=10.0, description="penalty per barrier unit")
    noise: float = Field(0.5, ge=0.0, le=5.0, description="Gumbel noise scale of scores")
    acceptability: float = Field(
        -0.5, ge=-10.0, le=10.0, description="minimum score a firm accepts"
    )
    weight_productivity: float = Field(
        1.5, ge=0.0, le=10.0,
        description="score weight of the expected log productivity (assumption)",
    )
    productivity_sigma: float = Field(
        0.4, ge=0.0, le=2.0, description="sd of the person's log productivity (assumption)"
    )
    productivity_qualification: float = Field(
        0.08, ge=0.0, le=1.0, description="log productivity per qualification level (assumption)"
    )
    productivity_barriers: float = Field(
        0.5, ge=0.0, le=5.0, description="log productivity lost per barrier unit (assumption)"
    )
    interview_precision: Probability = Field(
        0.3, description="share of the productivity gap a firm sees at interview (assumption)"
    )
    belief_learning_rate: Probability = Field(
        0.02, description="weight of each hire's realised productivity in beliefs (assumption)"
    )
    siae_reference_precision: Probability = Field(
        0.5, description="precision of the SIAE's reference of its employees (assumption)"
    )
    immersion_precision: Probability = Field(
        0.8, description="precision of a PMSMP host's signal (assumption)"
    )
    recall_probability: Probability = Field(
        0.5,
        description=(
            "probability a former short-contract worker out of work applies when the last "
            "employer has a vacancy (assumption; rehires 0.83 of CDD hires on the baseline, "
            "rehire_share_of_cdd_hires 75 %: 0.15 would give 0.76 but more unemployment)"
        ),
    )
    recall_window_months: int = Field(
        12, ge=0, le=60, description="months after a job ended a firm still recalls its worker"
    )
    otj_search_short: Probability = Field(
        0.20, description="share of short-contract employees applying in a month (assumption)"
    )
    otj_search_durable: Probability = Field(
        0.02, description="share of durable employees applying in a month (assumption)"
    )
    siae_search_months: int = Field(
        4, ge=0, le=60, description="SIAE employees apply to jobs in the last months of a route"
    )
    fixed_job_finding_rate: Probability | None = Field(
        None,
        description=(
            "if set, each jobseeker finds a job with this monthly probability regardless of "
            "vacancies (reduced-form mode, for known-answer checks)"
        ),
    )


class SIAEType(Frozen):
    """One SIAE type (ACI, EI, ETTI, AI)."""

    structures: int = Field(ge=0, le=5_000, description="number of structures per 20,000 persons")
    posts: int = Field(ge=0, le=1_000, description="insertion posts per structure")
    route_mean_months: float = Field(ge=4.0, le=24.0, description="planned route length, months")
    skill_gain: Probability = Field(description="monthly skill gain toward 1 in its sector")
    barrier_reduction: Probability = Field(description="monthly relative barrier reduction")
    exit_to_training: Probability = Field(
        0.20, description="probability a route ending without a job goes to qualifying training"
    )
    dropout: Probability = Field(0.01, description="monthly hazard of leaving early")
    aid_per_fte_year: float = Field(ge=0.0, description="State aid (aide au poste), EUR per FTE")
    recruit_barrier_weight: float = Field(
        0.0, ge=-20.0, le=20.0,
        description=(
            "weight of the barrier score in the structure's choice among prescribed candidates "
            "(positive: the furthest from employment first; assumption, ordering from Dares: "
            "ACI and EI hire further from employment than AI and ETTI)"
        ),
    )
    move_on: Probability = Field(
        0.0,
        description=(
            "probability that a route ending at its planned end continues in a SIAE of a type "
            "nearer to employment (lower recruit_barrier_weight), on the same Pass IAE "
            "(assumption)"
        ),
    )


def _default_siae() -> dict[SIAEKind, SIAEType]:
    return {
        "ACI": SIAEType(structures=3, posts=10, route_mean_months=12, skill_gain=0.03,
                        barrier_reduction=0.05, aid_per_fte_year=23_921,
                        recruit_barrier_weight=4.0, move_on=0.10),
        "EI": SIAEType(structures=1, posts=8, route_mean_months=12, skill_gain=0.04,
                       barrier_reduction=0.03, aid_per_fte_year=12_459,
                       recruit_barrier_weight=0.0, move_on=0.05),
        "ETTI": SIAEType(structures=1, posts=8, route_mean_months=7, skill_gain=0.03,
                         barrier_reduction=0.02, aid_per_fte_year=4_781,
                         recruit_barrier_weight=-4.0, move_on=0.0),
        "AI": SIAEType(structures=1, posts=18, route_mean_months=7, skill_gain=0.02,
                       barrier_reduction=0.02, aid_per_fte_year=1_619,
                       recruit_barrier_weight=-3.0, move_on=0.05),
    }


class SIAERules(Frozen):
    """Legal rules of the CDDI and of the Pass IAE (``calibration/data/behaviour_parameters.csv``
    keys ``pass_iae_*`` and ``iae_level*``)."""

    cddi_min_months: int = Field(4, ge=1, le=12)
    cddi_max_months: int = Field(
        24, ge=4, le=60, description="Pass IAE duration before prolongations (pass_iae_duration)")
    level2_needed_aci_ei: int = Field(
        3, ge=0, le=10,
        description="level-2 criteria making one eligible to ACI and EI "
                    "(iae_level2_criteria_needed_aci_ei)")
    level2_needed_ai_etti: int = Field(
        2, ge=0, le=10,
        description="level-2 criteria making one eligible to AI and ETTI "
                    "(iae_level2_criteria_needed_ai_etti)")
    senior_age: int = Field(50, ge=40, le=70, description="age of the 50+ criterion, years")
    youth_age: int = Field(26, ge=16, le=40, description="under this age: the under-26 criterion")
    prolongation_probability: Probability = Field(
        0.5, description="a prolongation requested with a reason is granted (assumption)")
    prolongation_step_max: int = Field(
        12, ge=1, le=60, description="months per prolongation (pass_iae_prolongation_step_max)")
    prolongation_cap_disability: int = Field(
        36, ge=0, le=120,
        description="total prolongation for disability (pass_iae_prolongation_cap_rqth)")
    prolongation_cap_senior: int = Field(
        60, ge=0, le=120,
        description="total prolongation from senior_age (pass_iae_prolongation_cap_senior)")
    prolongation_cap_severe: int = Field(
        36, ge=0, le=120,
        description="total prolongation for severe difficulties, ACI and AI only "
                    "(pass_iae_prolongation_cap_severe_difficulties)")
    severe_barriers: Probability = Field(
        0.5, description="barrier score that counts as severe difficulties (assumption)")
    waiting_period_months: int = Field(
        24, ge=0, le=120,
        description="months after a Pass ends before a new one (pass_iae_waiting_period)")
    waiver_probability: Probability = Field(
        0.01, description="monthly chance a prescriber waives the waiting period (assumption)")
    exit_business_creation: Probability = Field(
        0.02,
        description="a leaver without a job creates a business (assumption; jobseekers: about "
                    "5 % a year, jobseekers_creating_per_year_share)")

    @model_validator(mode="after")
    def _order(self) -> SIAERules:
        if not self.cddi_min_months <= self.cddi_max_months:
            raise ValueError("need cddi_min_months <= cddi_max_months")
        return self


#: The prescribers of the IAE, in their fixed order (``Prescriber.kind``).
PRESCRIBER_KINDS: tuple[str, ...] = ("france_travail", "mission_locale", "departement",
                                     "cap_emploi")


class Prescription(Frozen):
    """Orientation of jobseekers to SIAE and training (DESIGN 4.3 phase 4)."""

    barrier_threshold: Probability = Field(
        0.4, description="barrier score a prescriber's diagnostic counts as one level-2 criterion")
    diagnostics_per_1000: float = Field(
        30.0, ge=0.0, le=1_000.0,
        description="IAE diagnostics a month per 1,000 jobseekers, all prescribers (assumption)")
    share_france_travail: Probability = Field(
        0.81, description="France Travail's share of the capacity "
                          "(iae_prescribed_by_pole_emploi_share)")
    share_mission_locale: Probability = Field(
        0.09, description="missions locales' share (under 26; assumption)")
    share_departement: Probability = Field(
        0.06, description="the Département's share (RSA recipients; assumption)")
    share_cap_emploi: Probability = Field(
        0.04, description="Cap emploi's share (disability; assumption)")
    eligibility_validity_months: int = Field(
        6, ge=1, le=24, description="a diagnosis stays valid this long (iae_eligibility_validity)")
    siae_fill_rate: Probability = Field(0.5, description="share of free SIAE posts filled a month")
    training_fill_rate: Probability = Field(0.5, description="share of free seats filled a month")
    training_max_qualification: int = Field(2, ge=0, le=4, description="eligible up to this level")

    @model_validator(mode="after")
    def _shares(self) -> Prescription:
        total = (self.share_france_travail + self.share_mission_locale
                 + self.share_departement + self.share_cap_emploi)
        if abs(total - 1.0) > 1e-6:
            raise ValueError(f"the prescribers' shares must sum to 1 (they sum to {total:.4f})")
        return self

    def share(self, kind: str) -> float:
        """The capacity share of prescriber ``kind`` (one of ``PRESCRIBER_KINDS``)."""
        return float(getattr(self, f"share_{kind}"))


class Programme(Frozen):
    """A training programme of a training body."""

    sector: str
    seats: int = Field(ge=0, le=100_000, description="seats per 20,000 persons")
    duration_months: int = Field(ge=1, le=36)
    qualification_gain: int = Field(1, ge=0, le=2)
    skill_gain: Probability = Field(0.3, description="skill added in its sector on completion")
    completion_rate: Probability = 0.8
    cost_per_seat: float = Field(6_000.0, ge=0.0, description="EUR per trainee")


DEFAULT_PROGRAMMES: tuple[Programme, ...] = (
    Programme(sector="care_personal_services", seats=20, duration_months=8),
    Programme(sector="construction", seats=12, duration_months=6),
    Programme(sector="logistics_transport", seats=12, duration_months=3, qualification_gain=0),
    Programme(sector="hospitality_food", seats=10, duration_months=6),
    Programme(sector="industry", seats=10, duration_months=9),
)


class Training(Frozen):
    """Training bodies: each body runs one or more programmes."""

    bodies: int = Field(2, ge=0, le=1_000, description="training bodies per 20,000 persons")
    programmes: tuple[Programme, ...] = DEFAULT_PROGRAMMES


class DemandShock(Frozen):
    """A change of job positions in one sector (or all) for some months."""

    sector: str = Field("all", description="sector name, or 'all'")
    factor: float = Field(gt=0.0, le=3.0, description="multiplier on the sector's positions")
    months: int = Field(12, ge=1, le=600, description="duration; positions then return")


class ParameterPaths:
    """``Annotated`` marker of a mapping whose keys are dotted parameter paths of
    :class:`TerritoryParams` (``Event.set``): the value of key ``matching.efficiency`` is
    validated as that field, and its errors are located at that key."""

    def __repr__(self) -> str:
        return "ParameterPaths()"


PARAMETER_PATHS = ParameterPaths()


class Event(Frozen):
    """A scheduled change, at a month of the reported horizon (1-based; burn-in excluded)."""

    at: int = Field(ge=1, description="month of the horizon when it applies")
    set: Annotated[dict[str, Any], PARAMETER_PATHS] | None = Field(
        None, description="parameter paths and new values, e.g. {'matching.efficiency': 0.2}"
    )
    demand_shock: DemandShock | None = None
    label: str = ""

    @field_validator("set")
    @classmethod
    def _settable_values(cls, changes: dict[str, Any] | None) -> dict[str, Any] | None:
        """Each path may change during a run and each value is valid for its field (rules
        involving other fields are checked on the whole tree, in TerritoryParams)."""
        if changes is None:
            return None
        problems: list[InitErrorDetails] = []
        for path, value in changes.items():
            try:
                check_settable(path)
            except ValueError as exc:
                problems.append(problem((path,), "not_settable", str(exc), value,
                                        key_choices=settable_paths()))
                continue
            try:
                _field_adapter(path).validate_python(value)
            except ValidationError as exc:
                problems += relocate(exc.errors(), (path,))
        if problems:
            raise ValidationError.from_exception_data(cls.__name__, problems)
        return changes

    @model_validator(mode="after")
    def _one_kind(self) -> Event:
        if (self.set is None) == (self.demand_shock is None):
            raise ValueError("an event needs exactly one of 'set' or 'demand_shock'")
        return self


class Lever(Frozen):
    """A PTCE lever: switched on or off, with the share of coordinator capacity it may use."""

    enabled: bool = False
    intensity: Probability = Field(
        0.2, description="share of the coordinator's monthly capacity reserved for this lever"
    )
    success: Probability = Field(
        0.5, description="probability an action succeeds at trust 0.5 (scaled by 0.5 + trust)"
    )
    cost_per_action: float = Field(1.0, ge=0.0, le=50.0, description="cases used per action")


class Bridges(Lever):
    """Passerelles: move a stalled SIAE employee to another member SIAE with a different
    activity, or fast-track them to a member firm (seed II.2, Re-Sources)."""

    stall_months: int = Field(6, ge=1, le=24, description="months in a route before it may stall")
    stall_skill: Probability = Field(
        0.6, description="a route stalls while the skill in the structure's sector is below this"
    )


class Immersions(Lever):
    """PMSMP: one month in a member firm, within its hosting capacity; the host sees real
    skills and productivity, and considers the person at its next recruitment (seed II.3,
    Resto Passerelle)."""

    hosts_per_firm: int = Field(
        1, ge=0, le=20,
        description="immersions a member firm hosts at a time (one tutor, ODD assumption)",
    )


class SharedJobs(Lever):
    """Emplois partagés / groupement d'employeurs: member firms' part-time needs pooled into
    durable jobs (seed II.1, Le Multiple, Pôle Sud Aquitain)."""

    cost_per_action: float = Field(2.0, ge=0.0, le=50.0, description="cases used per shared job")


class SkillsExchange(Lever):
    """Bourse aux compétences: reveals hidden skills and matches them to unmet needs, after
    the seed's ramp-up (seed III, six steps)."""

    diagnosis_months: int = Field(12, ge=0, le=60, description="steps 1-3: diagnosis")
    test_months: int = Field(12, ge=0, le=60, description="step 4: test groups, at test_scale")
    evaluation_months: int = Field(6, ge=0, le=60, description="step 5: evaluation")
    test_scale: Probability = Field(0.3, description="share of full reach during test groups")
    cost_per_action: float = Field(0.5, ge=0.0, le=50.0, description="cases per person diagnosed")


class CoordinatedTraining(Lever):
    """GPEC territoriale and co-training: extra seats steered to members' needs, and trainees
    placed in member firms on completion (seed II.3, III; Pôle AlpEn, Bou'Sol, Le Multiple)."""

    extra_seat_share: float = Field(
        0.5, ge=0.0, le=5.0, description="co-training seats added, as a share of existing seats"
    )


class Incubation(Lever):
    """The seven-step social-innovation process: a shared need becomes a new activity with
    some probability; new activities hire SIAE leavers (seed IV; Les Alchimistes)."""

    months_per_step: float = Field(2.0, ge=0.5, le=24.0, description="months per step (7 steps)")
    cases_per_month: float = Field(4.0, ge=0.0, le=100.0, description="cases a project needs")
    success: Probability = Field(0.5, description="probability a finished process creates")
    jobs_per_activity: int = Field(5, ge=1, le=200, description="positions of a new activity")
    sector: str | None = Field(None, description="sector of new activities (default: the pole's)")
    candidates_per_job: int = Field(
        3, ge=1, le=20,
        description="candidates the pole recommends per position of a new activity (assumption)",
    )


class FollowUp(Lever):
    """Follow-up of SIAE leavers: contact kept, fast re-placement when a job ends (seed I.1)."""

    months: int = Field(12, ge=1, le=60, description="months a leaver is followed")


class Trust(Frozen):
    """Trust network between members ('connaissance - reconnaissance - naissance', seed I.3)."""

    initial: Probability = Field(0.3, description="initial weight of each member's tie")
    gain: Probability = Field(0.05, description="tie weight gained per joint action, toward 1")
    decay: Probability = Field(0.01, description="monthly relative decay of every tie")
    vouching: float = Field(
        0.5, ge=0.0, le=5.0,
        description="drop of a member firm's acceptability threshold for a person the pole "
        "recommends, per unit of trust (assumption)",
    )


class PTCEParams(Frozen):
    """The PTCE coordinator (cellule d'animation), its members and its levers."""

    name: str = "PTCE"
    kind: Literal["sector", "place"] = Field(
        "place", description="sector pole (filière) or place pole (lieu), seed I.2"
    )
    sectors: tuple[str, ...] = Field(
        (), description="activity sectors of a sector pole (members drawn there); empty = all"
    )
    coordinator_fte: float = Field(2.0, ge=0.0, le=100.0, description="FTE per 20,000 persons")
    cases_per_fte: float = Field(20.0, ge=0.0, le=500.0, description="cases per FTE per month")
    budget_per_year: float = Field(
        110_000.0, ge=0.0, description="coordination cost at full funding, EUR per year"
    )
    funding: Probability = Field(1.0, description="funding level (0 = funding gap)")
    member_share_siae: Probability = Field(0.8, description="share of SIAE that are members")
    member_share_firms: Probability = Field(0.05, description="share of firms that are members")
    member_share_training: Probability = Field(0.5, description="share of training bodies")
    trust: Trust = Trust()
    bridges: Bridges = Bridges()
    immersions: Immersions = Immersions()
    shared_jobs: SharedJobs = SharedJobs()
    skills_exchange: SkillsExchange = SkillsExchange()
    coordinated_training: CoordinatedTraining = CoordinatedTraining()
    incubation: Incubation = Incubation()
    follow_up: FollowUp = FollowUp()

    @property
    def lever_names(self) -> tuple[str, ...]:
        return LEVERS


#: The PTCE levers, in the order they are described (DESIGN 4.4).
LEVERS: tuple[str, ...] = (
    "bridges", "immersions", "shared_jobs", "skills_exchange", "coordinated_training",
    "incubation", "follow_up",
)


class Simulation(Frozen):
    """Run length."""

    burn_in_months: int = Field(24, ge=0, le=240, description="simulated, not reported")
    months: int = Field(120, ge=1, le=1_200, description="reported horizon")
    record_spells: bool = Field(True, description="keep person-level spells in the result")


#: Driver series the scenario loader knows (scenarios/data/README.md gives their sources).
CYCLE_SERIES: tuple[str, ...] = ("national_unemployment",)


class Cycle(Frozen):
    """The business cycle as an input series: the national ILO unemployment rate, quarter by
    quarter from ``start``, moves every firm's positions (as a demand shock of all sectors
    would): ``1 - elasticity / 100 * (u - u_start)``, ``u`` interpolated month by month
    between the quarters' middle months. Burn-in months keep the start value."""

    series: Literal["national_unemployment"] = Field(
        "national_unemployment", description="driver series (scenarios/data)")
    start: str = Field(pattern=r"^\d{4}-T[1-4]$",
                       description="calendar quarter of month 1 of the horizon, e.g. 2015-T1")
    elasticity: float = Field(
        1.0, ge=0.0, le=20.0,
        description="% of positions lost per point of national unemployment above its start "
                    "value (assumption; a zone's calibration fits it)")
    values: tuple[float, ...] = Field(
        min_length=1, description="the series from `start`, one value per quarter, in % "
                                  "(filled by the scenario loader from the data file)")

    @field_validator("values")
    @classmethod
    def _percentages(cls, values: tuple[float, ...]) -> tuple[float, ...]:
        wrong = [f"{v}" for v in values if not (1.0 <= v <= 50.0)]
        if wrong:
            raise ValueError(f"a national unemployment rate in % is between 1 and 50; got "
                             f"{wrong[0]} (a share given instead of a percentage?)")
        return values


class TerritoryParams(Frozen):
    """All parameters of one run: a territory and its scenario."""

    name: str = "territory"
    description: str = ""
    zone_code: str | None = Field(None, description="INSEE zone d'emploi 2020 code")
    population: Population = Population()
    demography: Demography = Demography()
    demand: Demand = Demand()
    separations: Separations = Separations()
    matching: Matching = Matching()
    siae: dict[SIAEKind, SIAEType] = Field(default_factory=_default_siae)
    siae_rules: SIAERules = SIAERules()
    prescription: Prescription = Prescription()
    training: Training = Training()
    simulation: Simulation = Simulation()
    ptce: PTCEParams | None = Field(
        None, description="the PTCE; absent = the same territory without it"
    )
    cycle: Cycle | None = Field(
        None, description="the business cycle as an input series; absent = a steady state")
    events: tuple[Event, ...] = ()  # last: its rules read every other section

    # Rules across sections. Each runs once the sections it reads are valid (``info.data``
    # holds the fields validated so far, in the order above), so a file with other problems
    # still gets these reported.

    @field_validator("training")
    @classmethod
    def _programme_sectors(cls, training: Training, info: ValidationInfo) -> Training:
        names = _sector_names(info.data)
        if names is not None:
            _raise_if(cls, [_unknown_sector(("programmes", i, "sector"), p.sector, names)
                            for i, p in enumerate(training.programmes)
                            if p.sector not in names])
        return training

    @field_validator("ptce")
    @classmethod
    def _ptce_sectors(cls, ptce: PTCEParams | None, info: ValidationInfo) -> PTCEParams | None:
        names = _sector_names(info.data)
        if ptce is not None and names is not None:
            wrong = [_unknown_sector(("sectors", j), name, names)
                     for j, name in enumerate(ptce.sectors) if name not in names]
            sector = ptce.incubation.sector
            if sector is not None and sector not in names:
                wrong.append(_unknown_sector(("incubation", "sector"), sector, names))
            _raise_if(cls, wrong)
        return ptce

    @field_validator("events", mode="wrap")
    @classmethod
    def _events_in_context(cls, value: Any, handler: Any,
                           info: ValidationInfo) -> tuple[Event, ...]:
        """Each event on its own, then against the sectors, the horizon, the ``ptce`` section
        and the whole tree, for every event that is valid on its own."""
        own: list[dict[str, Any]] = []
        try:
            events: tuple[Event, ...] = handler(value)
        except ValidationError as exc:
            if not isinstance(value, list | tuple):
                raise
            own = list(exc.errors())
            bad = {e["loc"][0] for e in own if e["loc"]}
            events = tuple(Event.model_validate(v) for i, v in enumerate(value) if i not in bad)
            indices = [i for i in range(len(value)) if i not in bad]
        else:
            indices = list(range(len(events)))
        found = relocate(own, ())
        data = info.data
        names = _sector_names(data)
        whole = all(name in data for name in cls.model_fields if name != "events")
        for i, ev in zip(indices, events, strict=True):
            mine = _event_context_problems(i, ev, data, names)
            if not mine and whole and ev.set:
                mine = _event_in_tree_problems(i, ev, data)
            found += mine
        _raise_if(cls, found)
        return events

    @model_validator(mode="after")
    def _cycle_covers_the_horizon(self) -> TerritoryParams:
        if self.cycle is not None:
            need = -(-self.simulation.months // 3)
            have = len(self.cycle.values)
            if have < need:
                year, quarter = int(self.cycle.start[:4]), int(self.cycle.start[-1])
                last = year * 4 + quarter - 1 + have - 1
                raise ValueError(
                    f"cycle.values: the series from {self.cycle.start} has {have} quarters "
                    f"(to {last // 4}-T{last % 4 + 1}), the horizon of "
                    f"{self.simulation.months} months needs {need}")
        return self

    @property
    def sector_names(self) -> list[str]:
        return [s.name for s in self.demand.sectors]

    def scale(self) -> float:
        """Population relative to the 20,000-person reference used for structure counts."""
        return self.population.persons / 20_000


#: Sections whose values the model reads every month, so a timeline event may change them.
SETTABLE_SECTIONS: tuple[str, ...] = (
    "demography", "separations", "matching", "prescription", "ptce",
)
SETTABLE_FIELDS: tuple[str, ...] = ("demand.growth_per_year", "demand.jobs_per_active")


def check_settable(path: str) -> None:
    """Raise ValueError unless ``path`` names a parameter an event may change mid-run."""
    parts = path.split(".")
    if path in SETTABLE_FIELDS:
        return
    if parts[0] in SETTABLE_SECTIONS:
        node: Any = TerritoryParams.model_fields[parts[0]].annotation
        if parts[0] == "ptce":
            node = PTCEParams
        for i, key in enumerate(parts[1:], start=1):
            fields = getattr(node, "model_fields", None)
            if not fields or key not in fields:
                where = ".".join(parts[:i])
                raise ValueError(f"event path {path!r}: {where} has no field {key!r}")
            node = fields[key].annotation
        if getattr(node, "model_fields", None) is None:
            return
        raise ValueError(f"event path {path!r} names a section; name one of its fields")
    allowed = ", ".join([f"{s}.*" for s in SETTABLE_SECTIONS] + list(SETTABLE_FIELDS))
    raise ValueError(f"event path {path!r} cannot change during a run; allowed: {allowed}")


@functools.cache
def settable_paths() -> tuple[str, ...]:
    """Every path an event may change (the leaves :func:`check_settable` accepts)."""

    def leaves(prefix: str, model: type[BaseModel]) -> Iterable[str]:
        for name, field in model.model_fields.items():
            sub = _model_of(field.annotation)
            if sub is None:
                yield f"{prefix}.{name}"
            else:
                yield from leaves(f"{prefix}.{name}", sub)

    out = list(SETTABLE_FIELDS)
    for section in SETTABLE_SECTIONS:
        model = _model_of(TerritoryParams.model_fields[section].annotation)
        assert model is not None
        out += leaves(section, model)
    return tuple(out)


def field_annotation(path: str) -> Any:
    """The annotation of the field at dotted ``path``, with its constraints (``Annotated``);
    ``None`` if there is no such field."""
    model: type[BaseModel] | None = TerritoryParams
    annotation: Any = None
    for key in path.split("."):
        field = model.model_fields.get(key) if model is not None else None
        if field is None:
            return None
        annotation = (Annotated[field.annotation, *field.metadata] if field.metadata
                      else field.annotation)
        model = _model_of(field.annotation)
    return annotation


@functools.cache
def _field_adapter(path: str) -> TypeAdapter[Any]:
    return TypeAdapter(field_annotation(path))


def _model_of(annotation: Any) -> type[BaseModel] | None:
    """The model class of ``annotation`` (also inside ``X | None``), else ``None``."""
    for candidate in (annotation, *typing.get_args(annotation)):
        if isinstance(candidate, type) and issubclass(candidate, BaseModel):
            return candidate
    return None


# --------------------------------------------------------------------------------------------
# Errors with their own location


#: Error types of pydantic itself; any other type is one of this module's rules.
PYDANTIC_ERROR_TYPES: frozenset[str] = frozenset(typing.get_args(core_schema.ErrorType))


def problem(loc: tuple[str | int, ...], kind: str, message: str, value: Any,
            **ctx: Any) -> InitErrorDetails:
    """A line error of type ``kind`` at ``loc`` (relative to the model raising it). ``ctx``
    may hold ``expected`` (what the key accepts) and the valid names: ``choices`` for the
    value, ``key_choices`` for the key (the last part of ``loc``)."""
    return InitErrorDetails(type=PydanticCustomError(kind, message, ctx or None), loc=loc,
                            input=value)


def relocate(errors: Iterable[Mapping[str, Any]],
             prefix: tuple[str | int, ...]) -> list[InitErrorDetails]:
    """The errors of another validation (``ValidationError.errors()``), under ``prefix``."""
    out: list[InitErrorDetails] = []
    for e in errors:
        loc = (*prefix, *e["loc"])
        if e["type"] in PYDANTIC_ERROR_TYPES:
            details = InitErrorDetails(type=e["type"], loc=loc, input=e.get("input"))
            if e.get("ctx"):
                details["ctx"] = e["ctx"]
            out.append(details)
        else:
            out.append(InitErrorDetails(
                type=PydanticCustomError(e["type"], e["msg"], e.get("ctx")), loc=loc,
                input=e.get("input")))
    return out


def _raise_if(model: type[BaseModel], problems: Sequence[InitErrorDetails]) -> None:
    if problems:
        raise ValidationError.from_exception_data(model.__name__, list(problems))


def _sector_names(data: Mapping[str, Any]) -> list[str] | None:
    """The sector names, if ``demand`` is valid (else its own errors are reported)."""
    demand = data.get("demand")
    return [s.name for s in demand.sectors] if isinstance(demand, Demand) else None


def _unknown_sector(loc: tuple[str | int, ...], name: str, names: Sequence[str]
                    ) -> InitErrorDetails:
    return problem(loc, "unknown_sector", "unknown sector", name,
                   expected="one of " + ", ".join(names), choices=list(names))


def _event_context_problems(i: int, ev: Event, data: Mapping[str, Any],
                            names: list[str] | None) -> list[InitErrorDetails]:
    """An event against the sectors, the horizon and the presence of a ``ptce`` section."""
    out: list[InitErrorDetails] = []
    simulation = data.get("simulation")
    if isinstance(simulation, Simulation) and ev.at > simulation.months:
        months = simulation.months
        out.append(problem(
            (i, "at"), "after_horizon", f"month {ev.at} is after the horizon ({months} months)",
            ev.at, expected=f"a month between 1 and simulation.months ({months})"))
    shock = ev.demand_shock
    if shock is not None and names is not None and shock.sector not in (*names, "all"):
        out.append(_unknown_sector((i, "demand_shock", "sector"), shock.sector,
                                   [*names, "all"]))
    if ev.set and "ptce" in data and data["ptce"] is None:
        out += [problem((i, "set", path), "no_ptce", "the scenario has no ptce section", value)
                for path, value in ev.set.items() if path.split(".")[0] == "ptce"]
    return out


def _event_in_tree_problems(i: int, ev: Event, data: Mapping[str, Any]
                            ) -> list[InitErrorDetails]:
    """The event's ``set`` applied to the whole (valid) tree, so rules across fields apply,
    such as ``temp_renewal + temp_conversion <= 1``."""
    assert ev.set is not None
    tree = TerritoryParams.model_construct(**{**data, "events": ()}).model_dump()
    try:
        _apply(tree, dict(ev.set))
    except ValidationError as exc:
        return [problem((i, "set", *e["loc"]), "invalid_after_set",
                        "these changes would make the parameters invalid: "
                        + str(e["msg"]).removeprefix("Value error, "), ev.set)
                for e in exc.errors()]
    return []


def with_values(params: TerritoryParams, updates: dict[str, Any]) -> TerritoryParams:
    """Return a validated copy of ``params`` with dotted-path ``updates`` applied.

    ``{"matching.efficiency": 0.2}`` sets one field; the whole tree is re-validated, so an
    out-of-range value raises ``pydantic.ValidationError``.
    """
    return _apply(params.model_dump(), updates)


def _apply(data: dict[str, Any], updates: dict[str, Any]) -> TerritoryParams:
    """Validate ``data`` (a dumped TerritoryParams) after setting dotted-path ``updates``."""
    for path, value in updates.items():
        node = data
        parts = path.split(".")
        for key in parts[:-1]:
            if not isinstance(node, dict) or key not in node:
                raise KeyError(path)
            node = node[key]
        if not isinstance(node, dict) or parts[-1] not in node:
            raise KeyError(path)
        node[parts[-1]] = value
    return TerritoryParams.model_validate(data)
