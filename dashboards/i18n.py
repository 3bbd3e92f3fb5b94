"""The dashboard's words in French (the default) and English, in one table.

Every visible label, title, axis, legend, button and message of the Explore page comes from
:data:`STRINGS` (``key -> {"fr": ..., "en": ...}``) through :func:`t`; numbers are written with
:mod:`experiments.results.french` (comma decimals and narrow spaces in French, differences of
rates in *points de pourcentage*). Indicator names are never shown as ``snake_case``.
"""

from __future__ import annotations

from typing import Any

from experiments.results import french
from experiments.results.french import Lang

#: Language -> its name in the switch.
LANGUAGE_NAMES: dict[str, str] = {"fr": "Français", "en": "English"}

STRINGS: dict[str, dict[str, str]] = {
    # app bar and pages
    "language": {"fr": "Langue", "en": "Language"},
    "title.explore": {"fr": "Simulateur PTCE : explorer", "en": "PTCE simulator: explore"},
    "card.territory": {"fr": "Territoire", "en": "Territory"},
    "preset": {"fr": "Territoire ou préréglage PTCE", "en": "Territory or PTCE preset"},
    "persons": {"fr": "Personnes", "en": "Persons"},
    "months": {"fr": "Mois (horizon)", "en": "Months (horizon)"},
    "seed": {"fr": "Graine aléatoire", "en": "Seed"},
    "training_seats": {"fr": "Places de formation (× préréglage)",
                       "en": "Training seats (x preset)"},
    "shock": {"fr": "Choc de demande", "en": "Demand shock"},
    "shock.sector": {"fr": "Secteur", "en": "Sector"},
    "shock.none": {"fr": "aucun choc", "en": "no shock"},
    "shock.month": {"fr": "Mois du choc", "en": "Shock month"},
    "shock.factor": {"fr": "Facteur sur les postes", "en": "Positions factor"},
    "shock.months": {"fr": "Durée du choc (mois)", "en": "Shock duration (months)"},
    "ptce.on": {"fr": "Ce territoire a un PTCE", "en": "This territory has a PTCE"},
    "ptce.hint": {
        "fr": "Activez pour régler la coordination et ses leviers ; la simulation porte alors "
              "aussi sur le même territoire sans le PTCE, avec la même graine.",
        "en": "Switch on to set the coordinator and its levers; the run then also simulates "
              "the same territory without the PTCE, on the same seed."},
    "run": {"fr": "Lancer la simulation", "en": "Run"},
    "invalid": {"fr": "Ces réglages ne sont pas valides : {error}",
                "en": "These settings are not valid: {error}"},
    "running": {"fr": "Simulation du préréglage « {preset} » en cours…",
                "en": "Simulating preset '{preset}'…"},
    "run.info": {"fr": "{name} : {persons} personnes, {months} mois, graine {seed} ; {what} "
                       "en {seconds} s.",
                 "en": "{name}: {persons} persons, {months} months, seed {seed}; {what} "
                       "in {seconds} s."},
    "run.both": {"fr": "scénario et contrefactuel simulés",
                 "en": "scenario and counterfactual simulated"},
    "run.one": {"fr": "une simulation", "en": "one run simulated"},
    "no_trust": {"fr": "Réseau de confiance : non affiché (cette simulation n'a pas de PTCE).",
                 "en": "Trust network: not shown (this run has no PTCE)."},
    # summary table
    "col.outcome": {"fr": "indicateur", "en": "outcome"},
    "col.run": {"fr": "simulation", "en": "run"},
    "col.without": {"fr": "sans le PTCE", "en": "without PTCE"},
    "col.difference": {"fr": "différence (avec − sans)", "en": "difference (with − without)"},
    "col.unit": {"fr": "unité", "en": "unit"},
    # control groups
    "group.Labour market": {"fr": "Marché du travail", "en": "Labour market"},
    "group.SIAE posts by type": {"fr": "Postes d'insertion des SIAE par type",
                                 "en": "SIAE posts by type"},
    "group.Coordinator": {"fr": "Coordination", "en": "Coordinator"},
    "group.Members": {"fr": "Membres", "en": "Members"},
    "group.Levers": {"fr": "Leviers", "en": "Levers"},
    # controls (by parameter path; English is the descriptor's label)
    "ctl.matching.efficiency": {"fr": "Efficacité de l'appariement (mu)"},
    "ctl.siae.posts": {"fr": "{kind} : postes d'insertion par structure"},
    "ctl.ptce.coordinator_fte": {"fr": "Coordination, ETP (pour 20 000 personnes)"},
    "ctl.ptce.budget_per_year": {"fr": "Budget de coordination, euros par an"},
    "ctl.ptce.funding": {"fr": "Niveau de financement (0 = financement manquant)"},
    "ctl.ptce.member_share_firms": {"fr": "Part des entreprises membres"},
    "ctl.ptce.member_share_siae": {"fr": "Part des SIAE membres"},
    "ctl.intensity": {"fr": "intensité (part de la capacité)"},
    # charts
    "chart.stocks": {"fr": "Effectifs par situation au fil du temps", "en": "Stocks over time"},
    "chart.month": {"fr": "mois de l'horizon", "en": "month of the horizon"},
    "chart.persons": {"fr": "personnes", "en": "persons"},
    "chart.state": {"fr": "situation", "en": "state"},
    "chart.versus": {"fr": "Scénario avec le PTCE et contrefactuel sans le PTCE",
                     "en": "PTCE scenario vs counterfactual"},
    "chart.scenario": {"fr": "scénario", "en": "scenario"},
    "chart.value": {"fr": "valeur", "en": "value"},
    "chart.indicator": {"fr": "indicateur", "en": "indicator"},
    "chart.with": {"fr": "avec le PTCE", "en": "with the PTCE"},
    "chart.without": {"fr": "contrefactuel (sans le PTCE)", "en": "counterfactual (no PTCE)"},
    "chart.run": {"fr": "simulation", "en": "run"},
    "chart.exits": {"fr": "Sorties d'IAE par type de structure",
                    "en": "IAE exit outcomes by structure type"},
    "chart.structure": {"fr": "type de structure", "en": "structure type"},
    "chart.exit_share": {"fr": "part des sorties", "en": "share of exits"},
    "chart.exit_count": {"fr": "sorties", "en": "exits"},
    "chart.exit_outcome": {"fr": "type de sortie", "en": "exit outcome"},
    "chart.careers": {"fr": "Sécurisation des parcours : répartition des personnes",
                      "en": "Career security: distribution over persons"},
    "chart.from": {"fr": "de", "en": "from"},
    "chart.to": {"fr": "à", "en": "to"},
    "chart.beveridge": {"fr": "Courbe de Beveridge", "en": "Beveridge curve"},
    "chart.unemployment_rate": {"fr": "taux de chômage", "en": "unemployment rate"},
    "chart.vacancy_rate": {"fr": "taux d'emplois vacants", "en": "vacancy rate"},
    "chart.trust": {"fr": "Réseau de confiance entre membres du PTCE",
                    "en": "Trust network between PTCE members"},
    "chart.member": {"fr": "membre", "en": "member"},
    "chart.kind": {"fr": "type de membre", "en": "member kind"},
    "chart.degree": {"fr": "nombre de liens", "en": "number of links"},
}

#: Person states of the stocks chart (series column -> words).
STATES: dict[str, dict[str, str]] = {
    "n_employed_durable": {"fr": "emploi durable", "en": "durable job"},
    "n_employed_temp": {"fr": "contrat court", "en": "short contract"},
    "n_self_employed": {"fr": "indépendant", "en": "self-employed"},
    "n_siae": {"fr": "SIAE (CDDI)", "en": "SIAE (CDDI)"},
    "n_training": {"fr": "formation", "en": "training"},
    "n_unemployed": {"fr": "chômage", "en": "unemployed"},
    "n_inactive": {"fr": "inactivité", "en": "inactive"},
}
#: Exit outcome categories (Dares "sortie dynamique").
EXIT_OUTCOMES: dict[str, dict[str, str]] = {
    "DURABLE": {"fr": "emploi durable", "en": "durable job"},
    "TRANSITION": {"fr": "emploi de transition", "en": "transition job"},
    "POSITIVE": {"fr": "sortie positive", "en": "positive exit"},
    "OTHER": {"fr": "autre sortie", "en": "other exit"},
}
#: Series compared with the counterfactual.
EFFECT_SERIES: dict[str, dict[str, str]] = {
    "n_employed_durable": {"fr": "personnes en emploi durable",
                           "en": "persons in a durable job"},
    "unemployment_rate": {"fr": "taux de chômage", "en": "unemployment rate"},
    "long_term_unemployed_share": {"fr": "part des chômeurs de longue durée",
                                   "en": "long-term share of the unemployed"},
}
#: Career-security indicators (``RunResult.careers`` column -> words).
CAREER_INDICATORS: dict[str, dict[str, str]] = {
    "share_months_employed": {"fr": "part des mois en emploi",
                              "en": "share of months employed"},
    "breaks": {"fr": "ruptures vers le chômage", "en": "breaks into unemployment"},
    "longest_unemployment": {"fr": "plus long épisode de chômage (mois)",
                             "en": "longest unemployment spell (months)"},
    "months_durable": {"fr": "mois en emploi durable", "en": "months in durable jobs"},
    "qualification_gained": {"fr": "niveaux de qualification gagnés",
                             "en": "qualification levels gained"},
}

#: Summary outcomes not in :data:`experiments.results.french.LABELS`.
_OUTCOMES: dict[str, french.Label] = {
    "job_finding_rate": french.Label(
        "Taux de retour à l'emploi", "Job-finding rate", "share",
        "des chômeurs, par mois", "of the unemployed, per month", 2),
    "vacancy_rate": french.Label(
        "Taux d'emplois vacants", "Vacancy rate", "share", "des postes", "of positions", 2),
    "iae_exit_share_durable": french.Label(
        "Part des sorties d'IAE vers l'emploi durable",
        "Share of IAE exits into durable jobs", "share", "des sorties", "of exits", 1),
    "career_share_months_employed": french.Label(
        "Part des mois passés en emploi", "Share of months employed", "share",
        "moyenne par personne", "mean per person", 1),
    "career_longest_unemployment": french.Label(
        "Plus long épisode de chômage", "Longest unemployment spell", "months",
        "mois, moyenne par personne", "months, mean per person", 1),
}


def _lang(lang: str) -> Lang:
    return "en" if lang == "en" else "fr"


def t(key: str, lang: str = "fr", **values: Any) -> str:
    """The words of ``key`` in ``lang``, with ``values`` filled in (a missing English entry
    falls back to French; a missing key is an error: it would show a raw name)."""
    entry = STRINGS[key]
    text = entry.get(_lang(lang)) or entry["fr"]
    return text.format(**values) if values else text


def words(table: dict[str, dict[str, str]], name: str, lang: str = "fr") -> str:
    """The words of ``name`` in one of the tables above."""
    return table[name][_lang(lang)]


def _label(name: str) -> french.Label:
    return _OUTCOMES.get(name) or french.LABELS[name]


def outcome_label(name: str, lang: str = "fr") -> str:
    return _label(name).text(_lang(lang))


def outcome_unit(name: str, lang: str = "fr") -> str:
    label = _label(name)
    unit = label.unit(_lang(lang))
    if label.kind == "share":
        unit = ("en %, " if lang != "en" else "in %, ") + unit
    return unit


def fmt_level(name: str, value: float, lang: str = "fr") -> str:
    """A value of outcome ``name`` the way a reader writes it (percentages for rates)."""
    label = _label(name)
    if label.kind == "share":
        return french.percent(value, label.decimals, lang=_lang(lang))
    return french.number(value, label.decimals, lang=_lang(lang))


def fmt_difference(name: str, value: float, lang: str = "fr") -> str:
    """A difference of outcome ``name``: signed, rates in percentage points."""
    label = _label(name)
    if label.kind == "share":
        return french.points(value, label.decimals, lang=_lang(lang))
    return french.number(value, label.decimals, lang=_lang(lang), sign=True)


def number(value: float, decimals: int = 0, lang: str = "fr") -> str:
    return french.number(value, decimals, lang=_lang(lang))


def control_label(path: str, english: str, lang: str = "fr") -> str:
    """The label of the Explore control setting ``path`` (``english`` is its descriptor's)."""
    if lang == "en":
        return english
    parts = path.split(".")
    if parts[0] == "siae" and parts[-1] == "posts":
        return t("ctl.siae.posts", kind=parts[1])
    if parts[0] == "ptce" and len(parts) == 3 and parts[2] == "enabled":
        return french.words(french.LEVER_LABELS, parts[1], "fr")
    if parts[-1] == "intensity":
        return t("ctl.intensity")
    return t(f"ctl.{path}")


def group_label(group: str, lang: str = "fr") -> str:
    return t(f"group.{group}", lang)


def sector_label(name: str, lang: str = "fr") -> str:
    """A sector of the shock selector in words (``none`` is no shock)."""
    if name == "none":
        return t("shock.none", lang)
    return french.words(french.SECTOR_LABELS, name, _lang(lang))


def vega_locale(lang: str) -> dict[str, Any] | None:
    """The Vega number locale for ``lang`` (comma decimals, narrow-space thousands, a space
    before %), None for English (Vega's default)."""
    if lang == "en":
        return None
    return {"decimal": ",", "thousands": french.THIN, "grouping": [3],
            "currency": ["", french.NBSP + "€"], "percent": french.NBSP + "%",
            "minus": french.MINUS}
