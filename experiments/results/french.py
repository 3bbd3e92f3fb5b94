"""Numbers and labels for readers in French (the default) or English.

French typography: a comma for decimals, a narrow no-break space (U+202F) between thousands,
a no-break space (U+00A0) before ``%`` and ``€``, the minus sign U+2212, and a difference of two
rates in *points de pourcentage*, never in ``%``::

    >>> number(1234.5, 1)
    '1\u202f234,5'
    >>> percent(0.125)
    '12,5\u00a0%'
    >>> points(0.008)
    '+0,8\u00a0point de pourcentage'
    >>> money(150_000)
    '150\u202f000\u00a0€'

Rounding is to the nearest, halves away from zero, on the decimal value a reader would write
(``2.675`` gives ``2,68``, although the binary float is slightly below it). A value that
rounds to zero carries no sign. Not-a-number gives ``n.d.`` (``n/a`` in English).

Labels: :data:`LABELS` maps each effect and outcome name of the reports to its French and
English words and unit, so that no report shows a ``snake_case`` name.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal
from typing import Literal

Lang = Literal["fr", "en"]
LANGS: tuple[Lang, ...] = ("fr", "en")

THIN = "\u202f"  # narrow no-break space: French thousands separator
NBSP = "\u00a0"  # no-break space: before % and € in French
MINUS = "\u2212"


def _check(lang: str) -> None:
    if lang not in LANGS:
        raise ValueError(f"unknown language {lang!r}: expected one of {', '.join(LANGS)}")


def _rounded(value: float, decimals: int) -> Decimal:
    return Decimal(repr(float(value))).quantize(Decimal(1).scaleb(-decimals),
                                                rounding=ROUND_HALF_UP)


def number(value: float, decimals: int = 0, *, lang: Lang = "fr", sign: bool = False) -> str:
    """``value`` with ``decimals`` decimals, thousands grouped; ``sign`` adds ``+`` to a
    positive value (differences)."""
    _check(lang)
    if value is None or not math.isfinite(float(value)):
        return "n.d." if lang == "fr" else "n/a"
    exact = _rounded(value, decimals)
    negative = exact < 0
    digits = f"{abs(exact):.{decimals}f}"
    whole, _, frac = digits.partition(".")
    groups = []
    while len(whole) > 3:
        groups.insert(0, whole[-3:])
        whole = whole[:-3]
    groups.insert(0, whole)
    text = (THIN if lang == "fr" else ",").join(groups)
    if frac:
        text += ("," if lang == "fr" else ".") + frac
    if exact == 0:
        return text
    if negative:
        return MINUS + text
    return ("+" + text) if sign else text


def percent(share: float, decimals: int = 1, *, lang: Lang = "fr", sign: bool = False) -> str:
    """A share (0..1) as a percentage: ``0.125`` -> ``12,5 %`` (``12.5%`` in English)."""
    text = number(100 * share if _finite(share) else share, decimals, lang=lang, sign=sign)
    if not _finite(share):
        return text
    return text + (NBSP + "%" if lang == "fr" else "%")


def points(diff: float, decimals: int = 1, *, lang: Lang = "fr") -> str:
    """A difference of two shares in percentage points, always signed:
    ``0.008`` -> ``+0,8 point de pourcentage``; French plural from 2, English unless 1."""
    text = number(100 * diff if _finite(diff) else diff, decimals, lang=lang, sign=True)
    if not _finite(diff):
        return text
    size = abs(_rounded(100 * diff, decimals))
    if lang == "fr":
        unit = "points de pourcentage" if size >= 2 else "point de pourcentage"
    else:
        unit = "percentage point" if size == 1 else "percentage points"
    return text + NBSP + unit


def money(value: float, decimals: int = 0, *, lang: Lang = "fr", sign: bool = False) -> str:
    """Euros: ``150000`` -> ``150 000 €`` (``€150,000`` in English)."""
    text = number(value, decimals, lang=lang, sign=sign)
    if not _finite(value):
        return text
    if lang == "fr":
        return text + NBSP + "€"
    if text[0] in "+" + MINUS:
        return text[0] + "€" + text[1:]
    return "€" + text


def interval(low: str, high: str, *, lang: Lang = "fr") -> str:
    """An interval of two formatted bounds: ``[−1,2 ; +3,4]`` (``[−1.2, +3.4]``)."""
    return f"[{low}{NBSP};{NBSP}{high}]" if lang == "fr" else f"[{low}, {high}]"


def _finite(value: float | None) -> bool:
    return value is not None and math.isfinite(float(value))


# ------------------------------------------------------------------------------ labels

Kind = Literal["count", "share", "months", "ratio", "money"]


@dataclass(frozen=True)
class Label:
    """Words for one indicator. ``kind`` says how values are shown: ``count`` (persons,
    jobs: 1 decimal, the mean of replications), ``share`` (a rate: % for a level, points for
    a difference), ``months``, ``ratio`` (per person), ``money`` (EUR)."""

    fr: str
    en: str
    kind: Kind
    unit_fr: str = ""
    unit_en: str = ""
    decimals: int = 1

    def text(self, lang: Lang) -> str:
        return self.fr if lang == "fr" else self.en

    def unit(self, lang: Lang) -> str:
        return self.unit_fr if lang == "fr" else self.unit_en


#: Effect and outcome name -> words (experiments.results.effects.EFFECTS and the rows the
#: report adds).
LABELS: dict[str, Label] = {
    "durable_exits": Label(
        "Sorties de SIAE vers l'emploi durable", "SIAE exits into durable employment",
        "count", "sorties sur la période", "exits over the horizon"),
    "durable_employment": Label(
        "Personnes en emploi durable", "Persons in durable jobs", "count",
        "personnes, moyenne des 12 derniers mois", "persons, mean of the last 12 months"),
    "months_employed_per_person": Label(
        "Mois en emploi par personne", "Months employed per person", "months",
        "mois sur la période", "months over the horizon", 2),
    "months_durable_per_person": Label(
        "Mois en emploi durable par personne", "Months in durable jobs per person", "months",
        "mois sur la période", "months over the horizon", 2),
    "longest_unemployment": Label(
        "Plus long épisode de chômage", "Longest unemployment spell", "months",
        "mois, moyenne par personne", "months, mean per person", 2),
    "long_term_unemployed_share": Label(
        "Part des chômeurs de longue durée", "Long-term unemployed share", "share",
        "parmi les chômeurs, 12 mois ou plus", "of the unemployed, 12 months or more", 2),
    "unemployment_rate": Label(
        "Taux de chômage", "Unemployment rate", "share",
        "de la population active", "of the labour force", 2),
    "breaks_per_person": Label(
        "Ruptures vers le chômage par personne", "Breaks into unemployment per person",
        "ratio", "passages d'un emploi au chômage", "moves from a job into unemployment", 3),
    "qualification_gained": Label(
        "Niveaux de qualification gagnés par personne", "Qualification levels gained per person",
        "ratio", "niveaux", "levels", 3),
    "jobs_created": Label(
        "Emplois créés par les nouvelles activités", "Jobs created by new activities", "count",
        "postes des activités incubées", "positions of incubated activities"),
    "coordination_cost": Label(
        "Coût de la coordination", "Coordination cost", "money",
        "euros sur la période", "euros over the horizon", 0),
    "public_cost_mobilised": Label(
        "Argent public mobilisé (aides aux SIAE, formations)",
        "Public money mobilised (SIAE aid, training)", "money",
        "euros sur la période, en plus de la coordination",
        "euros over the horizon, besides the coordination", 0),
    "cost_per_net_durable_job": Label(
        "Coût par emploi durable net", "Cost per net durable job", "money",
        "euros de coordination par personne en plus en emploi durable dans la zone",
        "euros of coordination per additional person in a durable job in the zone", 0),
    "gross_durable_jobs_treated": Label(
        "Effet brut sur les personnes accompagnées",
        "Gross effect on the persons the pole acted on", "count",
        "personnes en emploi durable en plus parmi elles, moyenne des 12 derniers mois",
        "more persons in durable jobs among them, mean of the last 12 months"),
    "displacement_durable_jobs": Label(
        "Déplacement sur les autres personnes", "Displacement on everyone else", "count",
        "personnes en emploi durable en plus (négatif : en moins) parmi les autres",
        "more (negative: fewer) persons in durable jobs among the others"),
    "net_durable_jobs": Label(
        "Effet net sur la zone", "Net effect on the zone", "count",
        "personnes en emploi durable en plus dans la zone, moyenne des 12 derniers mois",
        "more persons in durable jobs in the zone, mean of the last 12 months"),
    "jobs_reallocated": Label(
        "Emplois durables réattribués", "Durable jobs reallocated", "count",
        "gagnés par les personnes accompagnées et perdus par les autres",
        "gained by the persons the pole acted on and lost by the others"),
}

#: What the pole did (outcomes of the run with the PTCE), in words.
ACTIVITY_LABELS: dict[str, tuple[str, str]] = {
    "ptce_bridges_siae": ("Passerelles entre SIAE membres", "Bridges between member SIAE"),
    "ptce_bridges_firm": ("Salariés de SIAE recommandés et embauchés par une entreprise membre",
                          "SIAE employees recommended and hired by a member firm"),
    "ptce_immersions": ("Immersions (PMSMP) dans les entreprises membres",
                        "Immersions (PMSMP) in member firms"),
    "ptce_immersion_hires": ("Embauches par l'hôte après une immersion",
                             "Hires by the host after an immersion"),
    "ptce_shared_jobs": ("Emplois partagés créés", "Shared jobs made"),
    "ptce_skills_revealed": ("Personnes dont les compétences ont été révélées",
                             "Persons whose skills were revealed"),
    "ptce_skills_matched": ("Embauches après révélation des compétences",
                            "Hires after skills were revealed"),
    "ptce_training_placements": ("Stagiaires recommandés et embauchés par une entreprise membre",
                                 "Trainees recommended and hired by a member firm"),
    "ptce_activities_incubated": ("Activités créées par l'incubation",
                                  "Activities created by incubation"),
    "ptce_follow_up_replacements": ("Sortants suivis recommandés et embauchés",
                                    "Followed leavers recommended and hired"),
}

#: Lever name -> (French, English).
LEVER_LABELS: dict[str, tuple[str, str]] = {
    "bridges": ("Passerelles entre structures membres", "Bridges between member structures"),
    "immersions": ("Immersions en entreprise (PMSMP)", "Immersions in firms (PMSMP)"),
    "shared_jobs": ("Emplois partagés (groupement d'employeurs)",
                    "Shared jobs (employers' group)"),
    "skills_exchange": ("Bourse aux compétences", "Skills exchange"),
    "coordinated_training": ("Formations coordonnées (GPEC territoriale)",
                             "Coordinated training (territorial GPEC)"),
    "incubation": ("Incubation de nouvelles activités", "Incubation of new activities"),
    "follow_up": ("Suivi des sortants de SIAE", "Follow-up of SIAE leavers"),
}

#: Sector name -> (French, English).
SECTOR_LABELS: dict[str, tuple[str, str]] = {
    "agri_environment": ("agriculture et environnement", "agriculture and environment"),
    "construction": ("bâtiment et travaux publics", "construction"),
    "industry": ("industrie", "industry"),
    "retail": ("commerce", "retail"),
    "hospitality_food": ("hôtellerie, restauration et alimentation",
                         "hospitality and food"),
    "care_personal_services": ("soin et services à la personne", "care and personal services"),
    "logistics_transport": ("logistique et transport", "logistics and transport"),
    "public_admin_services": ("administration et services publics",
                              "public administration and services"),
    "all": ("tous les secteurs", "all sectors"),
}

#: Pole kind -> (French, English).
KIND_LABELS: dict[str, tuple[str, str]] = {
    "place": ("pôle de lieu (ancré sur un territoire)", "place pole (rooted in a territory)"),
    "sector": ("pôle de filière", "sector pole"),
}


def words(mapping: dict[str, tuple[str, str]], name: str, lang: Lang) -> str:
    """The words for ``name`` in ``mapping``, or ``name`` with spaces for underscores."""
    pair = mapping.get(name)
    if pair is None:
        return name.replace("_", " ")
    return pair[0] if lang == "fr" else pair[1]


def level(name: str, value: float, lang: Lang = "fr") -> str:
    """A value of indicator ``name`` (a level, not a difference), in words and units."""
    label = LABELS[name]
    if label.kind == "share":
        return percent(value, 1, lang=lang)
    if label.kind == "money":
        return money(value, label.decimals, lang=lang)
    return number(value, label.decimals, lang=lang)


def difference(name: str, value: float, lang: Lang = "fr") -> str:
    """A difference (with minus without) of indicator ``name``, signed; rates in points."""
    label = LABELS[name]
    if label.kind == "share":
        return points(value, label.decimals, lang=lang)
    if label.kind == "money":
        return money(value, label.decimals, lang=lang, sign=True)
    return number(value, label.decimals, lang=lang, sign=True)


def interval_bounds(name: str, low: float, high: float, lang: Lang = "fr"
                    ) -> tuple[str, str, str]:
    """The two bounds of a difference's interval and the unit written once after them:
    rates give bare numbers of points and ``point(s) de pourcentage``; money keeps its ``€``
    on each bound; other kinds have no unit."""
    label = LABELS[name]
    if label.kind != "share":
        return difference(name, low, lang), difference(name, high, lang), ""
    lo = number(100 * low, label.decimals, lang=lang, sign=True)
    hi = number(100 * high, label.decimals, lang=lang, sign=True)
    sizes = [abs(_rounded(100 * v, label.decimals)) for v in (low, high) if _finite(v)]
    if lang == "fr":
        unit = ("points de pourcentage" if any(s >= 2 for s in sizes)
                else "point de pourcentage")
    else:
        unit = "percentage point" if sizes and all(s == 1 for s in sizes) else \
            "percentage points"
    return lo, hi, unit


def difference_interval(name: str, low: float, high: float, lang: Lang = "fr") -> str:
    """The 95 % interval of a difference of ``name``: ``[−0,52 ; +0,25] point de
    pourcentage``, ``[−4,9 ; +7,9]``, ``[−160 846 € ; +147 663 €]``."""
    lo, hi, unit = interval_bounds(name, low, high, lang)
    return interval(lo, hi, lang=lang) + (NBSP + unit if unit else "")
