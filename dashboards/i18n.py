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
    "run.failed": {"fr": "La simulation a échoué : {error}", "en": "The run failed: {error}"},
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
    "chart.difference": {"fr": "Effet : scénario avec le PTCE moins contrefactuel, même graine",
                         "en": "Effect: PTCE scenario minus counterfactual, same seed"},
    "chart.diff_value": {"fr": "différence (avec − sans)", "en": "difference (with − without)"},
    # navigation (tab titles)
    "nav.explore": {"fr": "Explorer", "en": "Explore"},
    "nav.compare": {"fr": "Comparer", "en": "Compare"},
    "nav.calibration": {"fr": "Calage", "en": "Calibration"},
    "nav.optimise": {"fr": "Optimiser", "en": "Optimise"},
    "nav.pole": {"fr": "Nouveau pôle", "en": "New pole"},
    "chart.decomposition": {
        "fr": "Emploi durable : effet brut sur les {treated} personnes accompagnées, "
              "déplacement sur les autres, effet net sur la zone",
        "en": "Durable jobs: gross effect on the {treated} persons the pole acted on, "
              "displacement on the others, net effect on the zone"},
    "chart.gross_durable_jobs_treated": {"fr": "effet brut (accompagnés)",
                                         "en": "gross (persons acted on)"},
    "chart.displacement_durable_jobs": {"fr": "déplacement (les autres)",
                                        "en": "displacement (the others)"},
    "chart.net_durable_jobs": {"fr": "effet net (la zone)", "en": "net (the zone)"},
    "chart.part": {"fr": "part de l'effet", "en": "part of the effect"},
    "chart.persons_durable": {"fr": "personnes en emploi durable en plus (12 derniers mois)",
                              "en": "more persons in durable jobs (last 12 months)"},
    "title.pole": {"fr": "Simulateur PTCE : créer un pôle", "en": "PTCE simulator: new pole"},
    "pole.intro": {
        "fr": "Décrivez un pôle pour n'importe quelle zone d'emploi de France métropolitaine : "
              "le scénario reprend le territoire calé de la zone s'il existe, sinon un "
              "territoire construit à partir des données INSEE ; il s'ouvre dans Explorer ou "
              "se télécharge en YAML (ptce run FICHIER).",
        "en": "Describe a pole for any metropolitan zone d'emploi: the scenario extends the "
              "zone's calibrated territory when there is one, else a territory built from "
              "the INSEE data; open it on the Explore page or download it as YAML "
              "(ptce run FILE)."},
    "pole.field.zone": {"fr": "Zone d'emploi", "en": "Zone d'emploi"},
    "pole.field.communes": {"fr": "Communes du bassin", "en": "Catchment communes"},
    "pole.field.name": {"fr": "Nom du pôle", "en": "Name of the pole"},
    "pole.field.levers": {"fr": "Leviers activés", "en": "Levers enabled"},
    "pole.field.kind": {"fr": "Type de pôle", "en": "Kind of pole"},
    "pole.kind.place": {"fr": "pôle de territoire (lieu)", "en": "place pole"},
    "pole.kind.sector": {"fr": "pôle de filière", "en": "sector pole"},
    "pole.field.staff": {"fr": "Coordination, ETP", "en": "Coordinator, FTE"},
    "pole.field.budget": {"fr": "Budget de coordination, euros par an",
                          "en": "Coordination budget, EUR a year"},
    "pole.defaults": {"fr": "Par défaut : la médiane des dix préréglages (1,5 ETP, "
                            "80 000 € par an).",
                      "en": "Default: the median of the ten presets (1.5 FTE, 80,000 EUR a "
                            "year)."},
    "pole.create": {"fr": "Créer le scénario", "en": "Create the scenario"},
    "pole.open": {"fr": "Ouvrir dans Explorer", "en": "Open on the Explore page"},
    "pole.download": {"fr": "Télécharger le scénario (YAML)",
                      "en": "Download the scenario (YAML)"},
    "pole.created": {"fr": "Scénario « {name} » prêt.", "en": "Scenario '{name}' ready."},
    "pole.staff.invalid": {"fr": "Coordination, ETP : donnez un nombre d'ETP supérieur à 0",
                           "en": "Coordinator, FTE: give a number of FTE above 0"},
    "pole.budget.invalid": {"fr": "Budget de coordination : donnez un montant supérieur à 0 €",
                            "en": "Coordination budget: give an amount above 0 EUR"},
    "pole.invalid": {"fr": "Le scénario du pôle n'est pas valide : {error}",
                     "en": "The pole's scenario is not valid: {error}"},
    "pole.summary.zone": {"fr": "Zone d'emploi {zone} {label}",
                          "en": "Zone d'emploi {zone} {label}"},
    "pole.summary.territory": {"fr": "Territoire : {file}", "en": "Territory: {file}"},
    "pole.summary.built": {"fr": "Territoire : construit à partir des données INSEE "
                                 "(pas encore de territoire calé pour cette zone)",
                           "en": "Territory: built from the INSEE data (no calibrated "
                                 "territory for this zone yet)"},
    "pole.summary.communes": {"fr": "Bassin : {n} commune(s), {names}",
                              "en": "Catchment: {n} commune(s), {names}"},
    "pole.summary.inhabitants": {"fr": " ; {n} habitants", "en": "; {n} inhabitants"},
    "pole.summary.coordination": {"fr": "Coordination : {fte} ETP, {budget} € par an",
                                  "en": "Coordination: {fte} FTE, {budget} EUR a year"},
    "pole.summary.levers": {"fr": "Leviers activés : {levers}",
                            "en": "Levers enabled: {levers}"},
    "pole.summary.none": {"fr": "aucun", "en": "none"},
    "pole.summary.catchment": {
        "fr": "Le modèle agit sur toute la zone d'emploi tant que les bassins ne sont pas "
              "modélisés ; le bassin est noté dans le fichier.",
        "en": "The model acts on the whole zone d'emploi until catchments are modelled; the "
              "catchment is noted in the file."},
    "title.compare": {"fr": "Simulateur PTCE : comparer", "en": "PTCE simulator: compare"},
    "title.calibration": {"fr": "Simulateur PTCE : calage", "en": "PTCE simulator: calibration"},
    "title.optimise": {"fr": "Simulateur PTCE : optimiser", "en": "PTCE simulator: optimise"},
    "reload": {"fr": "Recharger", "en": "Reload"},
    # scenario file (Explore)
    "yaml.card": {"fr": "Fichier de scénario (YAML)", "en": "Scenario file (YAML)"},
    "yaml.download": {"fr": "Télécharger le scénario (YAML)",
                      "en": "Download the scenario (YAML)"},
    "yaml.upload": {"fr": "Importer un scénario (YAML) : déposez le fichier ici ou cliquez",
                    "en": "Upload a scenario (YAML): drop the file here or click"},
    "yaml.upload.short": {"fr": "Importer un scénario (YAML)", "en": "Upload a scenario (YAML)"},
    "yaml.loaded": {"fr": "Scénario « {name} » importé depuis {file} : les réglages sont les "
                          "siens ; lancez la simulation.",
                    "en": "Scenario '{name}' loaded from {file}: the controls are set from "
                          "it; press Run."},
    "yaml.invalid": {"fr": "Le fichier {file} n'est pas un scénario valide, rien n'a été "
                           "changé. {count} :",
                     "en": "The file {file} is not a valid scenario; nothing was changed. "
                           "{count}:"},
    "yaml.problems": {"fr": "{n} problème", "en": "{n} problem"},
    "yaml.problems.many": {"fr": "{n} problèmes", "en": "{n} problems"},
    "yaml.range": {"fr": "{what} : {value} est hors de la plage du tableau de bord "
                         "({low} à {high})",
                   "en": "{what}: {value} is outside the dashboard's range ({low} to {high})"},
    "yaml.extends": {"fr": "extends : un fichier importé ne peut étendre qu'un préréglage "
                           "(par exemple « baseline »), pas « {value} »",
                     "en": "extends: an uploaded file can only extend a preset (such as "
                           "'baseline'), not '{value}'"},
    "yaml.encoding": {"fr": "le fichier n'est pas du texte UTF-8",
                      "en": "the file is not UTF-8 text"},
    "yaml.too_big": {"fr": "le fichier fait plus de {size} Ko, trop pour un scénario",
                     "en": "the file is larger than {size} kB, too large for a scenario"},
    "uploaded": {"fr": "fichier importé : {name}", "en": "uploaded file: {name}"},
    # report (Explore)
    "report.card": {"fr": "Rapport pour un dossier de financement",
                    "en": "Report for a funding application"},
    "report.replications": {"fr": "Réplications appariées du rapport",
                            "en": "Paired replications of the report"},
    "report.make": {"fr": "Produire le rapport", "en": "Make the report"},
    "report.busy": {"fr": "Rapport en cours : {n} paires de simulations…",
                    "en": "Making the report: {n} pairs of runs…"},
    "report.ready": {"fr": "Rapport prêt ({n} paires de simulations, {seconds} s).",
                     "en": "Report ready ({n} pairs of runs, {seconds} s)."},
    "report.download": {"fr": "Télécharger le rapport (HTML)",
                        "en": "Download the report (HTML)"},
    "report.no_ptce": {"fr": "Le rapport compare le pôle à son absence : activez « Ce "
                             "territoire a un PTCE ».",
                       "en": "The report compares the pole with its absence: switch on "
                             "'This territory has a PTCE'."},
    "report.failed": {"fr": "Le rapport n'a pas pu être produit : {error}",
                      "en": "The report could not be made: {error}"},
    # Compare page
    "cmp.no_db": {"fr": "Aucun lot de simulations à comparer : {why}. Lancez d'abord un lot, "
                        "par exemple `ptce batch baseline territories/7503_bayonne "
                        "--replications 10 --db URL`, puis le tableau de bord avec le même "
                        "`--db URL`.",
                  "en": "No stored batches to compare: {why}. Run a batch first, for example "
                        "`ptce batch baseline territories/7503_bayonne --replications 10 --db "
                        "URL`, then start the dashboard with the same `--db URL`."},
    "cmp.empty": {"fr": "La base {url} ne contient encore aucun lot : lancez `ptce batch ...` "
                        "avec ce `--db`.",
                  "en": "The database {url} holds no batch yet: run `ptce batch ...` with "
                        "this `--db`."},
    "cmp.batch": {"fr": "Lot de simulations", "en": "Batch"},
    "cmp.batch_item": {"fr": "n° {id} {name} ({ok} simulations réussies sur {runs}, {status})",
                       "en": "#{id} {name} ({ok}/{runs} runs, {status})"},
    "cmp.no_run": {"fr": "Le lot n° {id} n'a encore aucune simulation réussie.",
                   "en": "Batch #{id} has no succeeded run yet."},
    "cmp.info": {"fr": "Lot n° {id} : {scenarios} scénarios, {points} points, {reps} "
                       "réplications avec résultats.",
                 "en": "Batch #{id}: {scenarios} scenarios, {points} points, {reps} "
                       "replications with outcomes."},
    "cmp.baseline": {"fr": "Scénario de référence", "en": "Baseline scenario"},
    "cmp.series": {"fr": "Série mensuelle", "en": "Series"},
    "cmp.outcome": {"fr": "Indicateur", "en": "Outcome"},
    "cmp.table": {"fr": "Par scénario et point : moyenne et intervalle à 95 %, et différence "
                        "appariée avec « {base} » (même réplication = même graine)",
                  "en": "Per scenario and point: mean and 95 % interval, and the paired "
                        "difference against '{base}' (same replication = same seed)"},
    "cmp.bands": {"fr": "{name} : moyenne et bande à 95 % sur les réplications",
                  "en": "{name}: mean and 95 % band over replications"},
    "cmp.diff_bands": {"fr": "{name} : différence appariée avec « {base} », bande à 95 %",
                       "en": "{name}: paired difference against '{base}', 95 % band"},
    "cmp.distribution": {"fr": "{name} : valeurs des réplications",
                         "en": "{name} over replications"},
    "cmp.diff_outcome": {"fr": "{name} : différence appariée avec « {base} », intervalle à "
                               "95 %",
                         "en": "{name}: paired difference against '{base}', 95 % interval"},
    "cmp.month": {"fr": "mois", "en": "month"},
    "cmp.mean": {"fr": "moyenne", "en": "mean"},
    "cmp.lower": {"fr": "borne basse", "en": "lower"},
    "cmp.upper": {"fr": "borne haute", "en": "upper"},
    "cmp.replication": {"fr": "réplication", "en": "replication"},
    "cmp.value": {"fr": "valeur", "en": "value"},
    "cmp.no_diff": {"fr": "Pas de différence à montrer : il faut un autre scénario que la "
                          "référence et au moins deux réplications.",
                    "en": "No difference to show: it needs a scenario other than the baseline "
                          "and at least two replications."},
    "col.scenario": {"fr": "scénario", "en": "scenario"},
    "col.point": {"fr": "point du plan", "en": "design point"},
    "col.n": {"fr": "réplications", "en": "replications"},
    "col.mean": {"fr": "moyenne", "en": "mean"},
    "col.interval": {"fr": "intervalle à 95 %", "en": "95 % interval"},
    "col.diff": {"fr": "différence avec la référence", "en": "difference with the baseline"},
    "col.diff_interval": {"fr": "intervalle à 95 % de la différence",
                          "en": "95 % interval of the difference"},
    "dl.outcomes": {"fr": "Résultats (CSV)", "en": "Outcomes (CSV)"},
    "dl.effects": {"fr": "Effets appariés (CSV)", "en": "Paired effects (CSV)"},
    "dl.series": {"fr": "Série (CSV)", "en": "Series (CSV)"},
    "status.succeeded": {"fr": "terminé", "en": "succeeded"},
    "status.failed": {"fr": "en échec", "en": "failed"},
    "status.running": {"fr": "en cours", "en": "running"},
    "status.pending": {"fr": "en attente", "en": "pending"},
    # Optimise page
    "opt.source": {"fr": "Front de Pareto enregistré", "en": "Stored Pareto front"},
    "opt.folder_item": {"fr": "dossier {path}", "en": "folder {path}"},
    "opt.study_item": {"fr": "étude {name} ({n} essais)", "en": "study {name} ({n} trials)"},
    "opt.folder_input": {"fr": "Ou un dossier de sortie de ptce optimise",
                         "en": "Or an output folder of ptce optimise"},
    "opt.none": {"fr": "Aucun front de Pareto enregistré : ni dossier contenant pareto.csv "
                       "sous {root}, ni étude d'optimisation dans la base ({db}). Pour en "
                       "faire un : `ptce optimise ptce/le_phares --budget 120000 --trials 40 "
                       "--db URL` (il écrit pareto.csv dans runs/optimise/...), puis "
                       "Recharger.",
                 "en": "No stored Pareto front: no folder holding pareto.csv under {root}, no "
                       "optimisation study in the database ({db}). Make one with `ptce "
                       "optimise ptce/le_phares --budget 120000 --trials 40 --db URL` (it "
                       "writes pareto.csv into runs/optimise/...), then Reload."},
    "opt.bad": {"fr": "Ce front ne peut pas être lu : {error}",
                "en": "This front cannot be read: {error}"},
    "opt.info": {"fr": "{source} : {n} mélanges non dominés{budget} ; objectifs : "
                       "{objectives}.",
                 "en": "{source}: {n} non-dominated mixes{budget}; objectives: {objectives}."},
    "opt.budget": {"fr": " dans un budget de coordination de {budget} par an",
                   "en": " within a coordination budget of {budget} a year"},
    "opt.chart": {"fr": "Front de Pareto : mélanges de leviers non dominés (intervalles à 95 %)",
                  "en": "Pareto front: non-dominated lever mixes (95 % intervals)"},
    "opt.tried": {"fr": "mélanges essayés", "en": "mixes tried"},
    "opt.front": {"fr": "mélanges non dominés", "en": "non-dominated mixes"},
    "opt.over": {"fr": "au-delà du budget", "en": "over the budget"},
    "opt.fresh": {"fr": "les mêmes sur de nouvelles graines", "en": "the same on fresh seeds"},
    "opt.set": {"fr": "ensemble", "en": "set"},
    "opt.cost_axis": {"fr": "coût annuel de la coordination (euros par an)",
                      "en": "yearly coordination cost (euros a year)"},
    "opt.table": {"fr": "Mélanges non dominés : leviers activés (intensité), coordination et "
                        "effets contre le même territoire sans le pôle",
                  "en": "Non-dominated mixes: levers on (intensity), coordination and effects "
                        "against the same territory without the pole"},
    "ocol.trial": {"fr": "essai", "en": "trial"},
    "ocol.fte": {"fr": "coordination (ETP)", "en": "coordinator (FTE)"},
    "ocol.cost": {"fr": "coût annuel", "en": "yearly cost"},
    "ocol.levers": {"fr": "leviers activés (intensité)", "en": "levers on (intensity)"},
    "ocol.effect": {"fr": "{name} (différence avec − sans le pôle)",
                    "en": "{name} (difference with − without the pole)"},
    "ocol.interval": {"fr": "{name} : intervalle à 95 %", "en": "{name}: 95 % interval"},
    "dl.pareto": {"fr": "Front de Pareto (CSV)", "en": "Pareto front (CSV)"},
    # Calibration page
    "cal.none": {"fr": "Aucun calage n'est encore enregistré : {why}. Un calage ajuste les "
                       "paramètres d'un territoire à ses statistiques (taux de chômage de "
                       "l'Insee, taille de l'IAE, sorties de la Dares, taux de retour à "
                       "l'emploi de France Travail, taux d'emplois vacants) et enregistre les "
                       "cibles face aux valeurs simulées, avec leurs intervalles, et les "
                       "paramètres estimés.",
                 "en": "No calibration is stored yet: {why}. A calibration fits a territory's "
                       "parameters to its statistics (INSEE unemployment rate, IAE size, Dares "
                       "exit outcomes, France Travail job-finding rate, vacancy rate) and "
                       "records the targets against simulated values with intervals and the "
                       "parameter estimates."},
    "cal.no_tables": {"fr": "la base {url} n'a pas de tables de calage",
                      "en": "the database {url} has no calibration tables"},
    "cal.empty": {"fr": "la base {url} ne contient encore aucun calage",
                  "en": "the database {url} holds no calibration yet"},
    "cal.hint": {"fr": "Pour en faire un : `ptce calibrate --territory 7503 --db URL` (le code "
                       "ZE2020 d'une zone d'emploi qui a un fichier "
                       "scenarios/territories/CODE_*.yaml ; `--trials`, `--replications`, "
                       "`--persons` et `--months` règlent sa taille, voir `ptce calibrate "
                       "--help`), puis lancez le tableau de bord avec le même `--db URL` et "
                       "appuyez sur Recharger.",
                 "en": "Make one with `ptce calibrate --territory 7503 --db URL` (the ZE2020 "
                       "code of a zone d'emploi that has a file scenarios/territories/"
                       "CODE_*.yaml; `--trials`, `--replications`, `--persons` and `--months` "
                       "set its size, see `ptce calibrate --help`), then start the dashboard "
                       "with the same `--db URL` and press Reload."},
    "cal.select": {"fr": "Calage", "en": "Calibration"},
    "cal.item": {"fr": "n° {id} zone {zone} {territory}, {date} : {trials} essais, perte "
                       "{loss}, erreur relative médiane {median}, {share} dans l'incertitude",
                 "en": "#{id} zone {zone} {territory}, {date}: {trials} trials, loss {loss}, "
                       "median |rel. error| {median}, {share} within uncertainty"},
    "cal.info": {"fr": "Calage n° {id} de la zone {zone} ({territory}) : {trials} essais "
                       "({sampler}, meilleur essai {best}), {reps} réplication(s) de {persons} "
                       "personnes sur {months} mois, graine {seed} ; étude {study}.",
                 "en": "Calibration #{id} of zone {zone} ({territory}): {trials} trials "
                       "({sampler}, best trial {best}), {reps} replication(s) of {persons} "
                       "persons over {months} months, seed {seed}; study {study}."},
    "cal.fit": {"fr": "Perte {loss} ; sur les cibles ajustées, erreur relative absolue médiane "
                      "{median} et {share} dans leur incertitude. Rapport : {report} ; "
                      "territoire calé : {file}.",
                "en": "Loss {loss}; over the fitted targets, median absolute relative error "
                      "{median} and {share} within their uncertainty. Report: {report}; "
                      "calibrated territory: {file}."},
    "cal.no_target": {"fr": "Le calage n° {id} n'a aucune cible enregistrée.",
                      "en": "Calibration #{id} has no stored target."},
    "cal.oos": {"fr": "Hors échantillon : le chômage de la zone 2021-2024, prédit d'un "
                      "ajustement sur 2015-2019 (écart relatif médian {median})",
                "en": "Out of sample: the zone's 2021-2024 unemployment, predicted from a "
                      "2015-2019 fit (median relative error {median})"},
    "cal.no_oos": {"fr": "Pas de prédiction hors échantillon pour ce calage "
                         "(ptce calibrate --territory CODE --path-only).",
                   "en": "No out-of-sample prediction for this calibration "
                         "(ptce calibrate --territory CODE --path-only)."},
    "cal.estimates": {"fr": "Paramètres estimés (meilleur essai)",
                      "en": "Parameter estimates (best trial)"},
    "cal.no_estimate": {"fr": "Aucune estimation enregistrée.", "en": "No estimate stored."},
    "cal.targets": {"fr": "Cibles (les cibles ajustées entrent dans la perte, celles de "
                          "validation sont seulement comparées) et moyenne simulée à "
                          "l'estimation, avec son intervalle [bas, haut] sur les réplications",
                    "en": "Targets (fitted ones enter the loss; validation ones are only "
                          "compared) and the simulated mean at the estimate with its "
                          "[low, high] over replications"},
    "cal.fit_title": {"fr": "Cibles face aux valeurs simulées",
                      "en": "Targets against simulated values"},
    "cal.target_mark": {"fr": "cible ± incertitude", "en": "target ± uncertainty"},
    "cal.sim_mark": {"fr": "simulé [bas, haut]", "en": "simulated [low, high]"},
    "cal.validation": {"fr": "validation", "en": "validation"},
    "cal.fitted": {"fr": "ajustée", "en": "fitted"},
    "dl.targets": {"fr": "Cibles (CSV)", "en": "Targets (CSV)"},
    "dl.estimates": {"fr": "Estimations (CSV)", "en": "Estimates (CSV)"},
    "sens.none": {"fr": "Aucune analyse de sensibilité n'est enregistrée (`ptce sensitivity "
                        "SCENARIO --outcome NAME --db URL` en fait une).",
                  "en": "No sensitivity analysis is stored (`ptce sensitivity SCENARIO "
                        "--outcome NAME --db URL` makes one)."},
    "sens.title": {"fr": "Analyse de sensibilité", "en": "Sensitivity analysis"},
    "sens.item": {"fr": "n° {id} {scenario} : {outcome}, {samples} tirages, {date} ({n} "
                        "indices)",
                  "en": "#{id} {scenario}: {outcome}, {samples} samples, {date} ({n} "
                        "indices)"},
    "sens.method": {"fr": "Criblage de Morris, puis Sobol sur les facteurs retenus ({factors}).",
                    "en": "Morris screening, then Sobol on the retained factors ({factors})."},
    "sens.none_retained": {"fr": "aucun", "en": "none"},
    "sens.no_index": {"fr": "L'analyse de sensibilité n° {id} n'a aucun indice enregistré.",
                      "en": "Sensitivity analysis #{id} has no stored index."},
    "sens.chart": {"fr": "Sensibilité de « {outcome} » : indices et intervalles à 95 %",
                   "en": "Sensitivity of {outcome}: indices with 95 % intervals"},
    "sens.method_axis": {"fr": "méthode", "en": "method"},
    "sens.factor": {"fr": "facteur", "en": "factor"},
    "sens.index": {"fr": "indice", "en": "index"},
    "yes": {"fr": "oui", "en": "yes"},
    "no": {"fr": "non", "en": "no"},
    "tcol.target": {"fr": "cible", "en": "target"},
    "tcol.code": {"fr": "nom dans le modèle", "en": "name in the model"},
    "tcol.role": {"fr": "rôle", "en": "role"},
    "tcol.value": {"fr": "valeur", "en": "value"},
    "tcol.uncertainty": {"fr": "incertitude", "en": "uncertainty"},
    "tcol.confidence": {"fr": "confiance", "en": "confidence"},
    "tcol.simulated": {"fr": "simulé [bas, haut]", "en": "simulated [low, high]"},
    "tcol.error": {"fr": "erreur relative", "en": "relative error"},
    "tcol.within": {"fr": "dans l'incertitude", "en": "within"},
    "tcol.source": {"fr": "source", "en": "source"},
    "tcol.parameter": {"fr": "paramètre", "en": "parameter"},
    "tcol.estimate": {"fr": "estimation", "en": "estimate"},
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


# ------------------------------------------------------------------ Compare and Calibration

def indicator(name: str, lang: str = "fr", *, series: bool = False) -> str:
    """Any outcome (or, with ``series``, monthly series) of the model in words."""
    from dashboards import names

    return names.label(name, _lang(lang), series=series)


def value_text(name: str, value: float, lang: str = "fr") -> str:
    """A level of any outcome or series: rates in %, euros, other numbers with the decimals
    their size needs."""
    from dashboards import names

    kind = names.kind(name)
    if kind == "share":
        return french.percent(value, 2, lang=_lang(lang))
    if kind == "money":
        return french.money(value, lang=_lang(lang))
    return french.number(value, _decimals(value), lang=_lang(lang))


def diff_text(name: str, value: float, lang: str = "fr") -> str:
    """A difference of any outcome or series, signed; rates in percentage points."""
    from dashboards import names

    kind = names.kind(name)
    if kind == "share":
        return french.points(value, 2, lang=_lang(lang))
    if kind == "money":
        return french.money(value, lang=_lang(lang), sign=True)
    return french.number(value, _decimals(value), lang=_lang(lang), sign=True)


def interval_text(name: str, low: float, high: float, lang: str = "fr", *,
                  difference: bool = False) -> str:
    """A 95 % interval of a level (or a ``difference``) of ``name``."""
    fmt = diff_text if difference else value_text
    return french.interval(fmt(name, low, lang), fmt(name, high, lang), lang=_lang(lang))


def _decimals(value: float) -> int:
    try:
        size = abs(float(value))
    except (TypeError, ValueError):
        return 0
    if size != size or size >= 100:
        return 0
    return 1 if size >= 10 else 2 if size >= 0.1 else 3


def plural(key: str, n: int, lang: str = "fr") -> str:
    """``key`` (one) or ``key.many`` (several), French plural from 2, English from 2."""
    return t(key if abs(n) < 2 else f"{key}.many", lang, n=n)


def status_label(status: str, lang: str = "fr") -> str:
    key = f"status.{status}"
    return t(key, lang) if key in STRINGS else str(status)


def short_number(value: float, lang: str = "fr", digits: int = 4) -> str:
    """A number with about ``digits`` significant digits (calibration tables), French
    decimals; an empty text for a missing one."""
    import math

    try:
        x = float(value)
    except (TypeError, ValueError):
        return ""
    if not math.isfinite(x):
        return ""
    if x == 0:
        return "0"
    decimals = max(0, digits - 1 - math.floor(math.log10(abs(x))))
    text = french.number(x, min(decimals, 8), lang=_lang(lang))
    if "," in text or "." in text:  # drop trailing zeros as .4g does
        sep = "," if _lang(lang) == "fr" else "."
        whole, frac = text.rsplit(sep, 1)
        frac = frac.rstrip("0")
        text = whole + (sep + frac if frac else "")
    return text


def percent_text(value: float, decimals: int = 1, lang: str = "fr", sign: bool = False) -> str:
    try:
        x = float(value)
    except (TypeError, ValueError):
        return ""
    if x != x:
        return ""
    return french.percent(x, decimals, lang=_lang(lang), sign=sign)
