"""French words for every outcome and monthly series of the model (the Compare page's menus,
charts and tables), with how their values are written.

English words are the model's own documentation (:data:`model.OUTCOME_DOCS`,
:data:`model.SERIES_DOCS`); a name missing here falls back to them, then to the name with
spaces (never a ``snake_case`` identifier on screen).
"""

from __future__ import annotations

from typing import Literal

Kind = Literal["share", "money", "count"]

_IAE_KINDS = ("ACI", "EI", "ETTI", "AI")

#: Outcome name -> French words (end-of-run outcomes, :data:`model.OUTCOME_DOCS`).
OUTCOMES_FR: dict[str, str] = {
    "unemployment_rate": "taux de chômage (12 derniers mois)",
    "employment_rate": "taux d'emploi (12 derniers mois)",
    "inactivity_rate": "part des inactifs (12 derniers mois)",
    "long_term_unemployed_share": "part des chômeurs de longue durée (12 derniers mois)",
    "job_finding_rate": "taux de retour à l'emploi par mois",
    "durable_share_of_jobseeker_hires": "part des embauches de chômeurs en contrat durable",
    "vacancy_rate": "taux d'emplois vacants",
    "short_contract_share_of_hires": "part des contrats courts dans les embauches",
    "hires_per_month": "embauches des entreprises par mois",
    "iae_stock": "personnes en contrat d'insertion (CDDI), moyenne",
    "iae_entries": "entrées en SIAE sur la période",
    "iae_exits": "sorties de SIAE sur la période",
    "iae_route_length_mean": "durée moyenne des parcours en SIAE (mois)",
    "iae_exit_share_durable": "part des sorties de SIAE vers l'emploi durable",
    "iae_exit_share_transition": "part des sorties de SIAE vers l'emploi de transition",
    "iae_exit_share_positive": "part des sorties positives de SIAE (formation)",
    "iae_exit_share_other": "part des autres sorties de SIAE",
    "iae_employed_6m_share": "part des sortants de SIAE en emploi 6 mois après",
    "training_entries": "entrées en formation sur la période",
    "training_completions": "formations qualifiantes achevées sur la période",
    "career_share_months_employed": "part des mois passés en emploi, par personne",
    "career_breaks": "ruptures vers le chômage par personne",
    "career_longest_unemployment": "plus long épisode de chômage par personne (mois)",
    "career_months_durable": "mois en emploi durable par personne",
    "career_qualification_gained": "niveaux de qualification gagnés par personne",
    "siae_aid_cost": "aides de l'État aux SIAE sur la période (euros)",
    "iae_exits_durable": "sorties de SIAE vers l'emploi durable sur la période",
    "iae_employed_6m_share_rsa": "part des sortants de SIAE au RSA en emploi 6 mois après",
    "iae_employed_6m_share_non_rsa": ("part des sortants de SIAE hors RSA en emploi "
                                      "6 mois après"),
    "iae_entrants_36m_ordinary_job": "part des entrants en IAE en emploi ordinaire à 36 mois",
    "iae_entrants_36m_still_iae": "part des entrants en IAE encore en IAE à 36 mois",
    "iae_entrants_36m_unemployed": "part des entrants en IAE au chômage à 36 mois",
    "iae_entrants_36m_inactive": "part des entrants en IAE inactifs à 36 mois",
    "durable_employment": "personnes en emploi durable (12 derniers mois)",
    "ptce_bridges_siae": "passerelles entre SIAE membres",
    "ptce_bridges_firm": "embauches par une entreprise membre de salariés de SIAE recommandés",
    "ptce_immersions": "immersions (PMSMP) dans les entreprises membres",
    "ptce_immersion_hires": "embauches par l'hôte après une immersion",
    "ptce_shared_jobs": "emplois partagés durables créés",
    "ptce_skills_revealed": "personnes dont les compétences ont été révélées",
    "ptce_skills_matched": "embauches après révélation des compétences",
    "ptce_training_seats_added": "places de formation co-financées par mois",
    "ptce_training_placements": "embauches de stagiaires recommandés aux entreprises membres",
    "ptce_activities_incubated": "activités créées par l'incubation",
    "ptce_jobs_created": "emplois créés par les nouvelles activités",
    "ptce_follow_up_replacements": ("embauches de sortants suivis recommandés à une "
                                    "entreprise membre"),
    "ptce_coordination_cost": "coût de la coordination sur la période (euros)",
    "ptce_cases_used": "accompagnements de coordination utilisés",
    "ptce_capacity": "accompagnements de coordination disponibles",
    "ptce_trust": "confiance des membres envers le pôle (fin de période)",
    "ptce_network_density": "densité des liens entre membres (fin de période)",
    "pmsmp_participants": "participants aux PMSMP",
    "pmsmp_matched_comparisons": "non-participants appariés aux participants",
    "pmsmp_job_within_12m_participants": "part des participants en emploi dans les 12 mois",
    "pmsmp_job_within_12m_comparison": "même part pour leurs témoins appariés",
    "training_cost": "coût des entrées en formation sur la période (euros)",
    "iae_per_active": "postes d'insertion pour un actif",
    **{f"iae_route_length_{k.lower()}": f"durée moyenne des parcours en {k} (mois)"
       for k in _IAE_KINDS},
    **{f"iae_employed_6m_share_{k.lower()}": f"part des sortants d'{k} en emploi 6 mois après"
       for k in _IAE_KINDS},
}

#: Monthly series name -> French words (:data:`model.SERIES_DOCS`).
SERIES_FR: dict[str, str] = {
    "n_unemployed": "personnes au chômage",
    "n_inactive": "personnes inactives",
    "n_training": "personnes en formation",
    "n_siae": "personnes en SIAE (CDDI)",
    "n_employed_temp": "personnes en contrat court",
    "n_employed_durable": "personnes en emploi durable",
    "n_self_employed": "personnes indépendantes",
    "labour_force": "population active",
    "unemployment_rate": "taux de chômage",
    "employment_rate": "taux d'emploi",
    "inactivity_rate": "part des inactifs",
    "long_term_unemployed_share": "part des chômeurs de longue durée",
    "job_finding_rate": "taux de retour à l'emploi",
    "jobseeker_hires": "embauches de chômeurs",
    "jobseeker_hires_durable": "embauches de chômeurs en contrat durable",
    "positions": "postes dans les entreprises",
    "vacancies": "postes vacants",
    "vacancy_rate": "taux d'emplois vacants",
    "hires_temp": "embauches en contrat court",
    "hires_durable": "embauches en contrat durable",
    "hires_cdi": "embauches en CDI",
    "hires_cdd_long": "embauches en CDD de 6 mois ou plus",
    "hires_cdd_short": "embauches en CDD de moins de 6 mois",
    "hires_interim": "missions d'intérim commencées",
    "rehires": "réembauches par le dernier employeur",
    "rehires_cdd": "réembauches en CDD par le dernier employeur",
    "job_to_job": "passages directs d'un emploi à un autre",
    "fte_employment": "emploi salarié en équivalent temps plein",
    "part_time_share": "part des salariés à temps partiel",
    "separations_to_unemployment": "fins d'emploi vers le chômage",
    "iae_entries": "entrées en SIAE",
    "iae_diagnostics": "diagnostics IAE des prescripteurs",
    "iae_unfilled_posts": "postes d'insertion restés vacants",
    "iae_prolongations": "prolongations de PASS IAE",
    "iae_moves": "passages vers une autre SIAE",
    "iae_exits_durable": "sorties de SIAE vers l'emploi durable",
    "iae_exits_transition": "sorties de SIAE vers l'emploi de transition",
    "iae_exits_positive": "sorties positives de SIAE",
    "iae_exits_other": "autres sorties de SIAE",
    "training_entries": "entrées en formation",
    "training_completions": "formations qualifiantes achevées",
    "training_cost": "coût des entrées en formation (euros)",
    "siae_aid_cost": "aides de l'État aux SIAE (euros)",
    "ptce_capacity": "accompagnements de coordination disponibles",
    "ptce_cases_used": "accompagnements de coordination utilisés",
    "ptce_coordination_cost": "coût de la coordination (euros)",
    "ptce_trust": "confiance des membres envers le pôle",
    "ptce_network_density": "densité des liens entre membres",
    "ptce_bridges_siae": "passerelles entre SIAE membres",
    "ptce_bridges_firm": "embauches par une entreprise membre de salariés de SIAE recommandés",
    "ptce_immersions": "immersions (PMSMP) commencées",
    "ptce_immersion_hires": "embauches par l'hôte après une immersion",
    "ptce_shared_jobs": "emplois partagés durables créés",
    "ptce_skills_revealed": "personnes dont les compétences ont été révélées",
    "ptce_skills_matched": "embauches après révélation des compétences",
    "ptce_training_seats_added": "places de formation co-financées",
    "ptce_training_placements": "embauches de stagiaires recommandés aux entreprises membres",
    "ptce_activities_incubated": "activités créées par l'incubation",
    "ptce_jobs_created": "emplois créés par les nouvelles activités",
    "ptce_follow_up_replacements": "sortants suivis embauchés sur recommandation",
    "ptce_referrals": "personnes recommandées par le pôle à une entreprise",
    "ptce_skills_referral_hires": ("embauches de personnes recommandées par la bourse aux "
                                   "compétences"),
    "ptce_incubation_hires": "embauches par une nouvelle activité parmi les candidats recommandés",
    **{f"iae_{k.lower()}": f"personnes en CDDI dans un {k}" for k in _IAE_KINDS},
}

#: Shares that do not say so in their name.
_SHARES = {"ptce_trust", "ptce_network_density"}


def kind(name: str) -> Kind:
    """How a value of ``name`` is written: a ``share`` (percent, differences in percentage
    points), ``money`` (euros) or a ``count`` (a plain number)."""
    if name.endswith(("_rate", "_share")) or "_share_" in name or name in _SHARES \
            or name.startswith(("iae_entrants_36m_", "pmsmp_job_within")):
        return "share"
    if name.endswith("_cost"):
        return "money"
    return "count"


def english(name: str) -> str:
    """The model's documentation of ``name`` (an outcome first, then a series)."""
    from model import OUTCOME_DOCS, SERIES_DOCS

    text = OUTCOME_DOCS.get(name) or SERIES_DOCS.get(name)
    return text if text else name.replace("_", " ")


def label(name: str, lang: str = "fr", *, series: bool = False) -> str:
    """``name`` in words: a monthly series when ``series``, else an outcome."""
    if lang == "en":
        if series:
            from model import SERIES_DOCS

            return SERIES_DOCS.get(name) or english(name)
        return english(name)
    table = (SERIES_FR, OUTCOMES_FR) if series else (OUTCOMES_FR, SERIES_FR)
    return table[0].get(name) or table[1].get(name) or name.replace("_", " ")
