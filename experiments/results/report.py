"""The decision-support report of a PTCE scenario (``ptce report``), in French or English.

For PTCE coordinators preparing a funding application and for the evaluators of State services
and Régions: what the pole is, what the model assumes and from where, what the pole adds
against the same territory without it (paired replications, 95 % intervals), when, and what
the figures do not say. Files written into one folder, all or nothing:

==========================  ===========================================================
``report.html``             self-contained page: charts embedded as base64 PNG, styles
                            inline, no script, no external address of any kind
``report.md``               the same text in Markdown, charts as the PNG files beside it
``effects.csv``             the effect table; the report's headline figures are its values
``runs.csv``                per-replication outcomes of both arms
``effect_over_time.png``    the pole's effect month by month, with the timeline's events
``effects.png``             each effect with its 95 % interval
``decomposition.png``       gross effect, displacement and net effect side by side
==========================  ===========================================================

The report is built as a short list of blocks (headings, paragraphs, tables, figures) rendered
twice, to HTML and to Markdown, so that the two copies say the same thing.
"""

from __future__ import annotations

import base64
import datetime as dt
import html
import io
import math
import re
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np
import pandas as pd
import yaml
from scipy import stats

from experiments.results import french as fr
from experiments.results.effects import DECOMPOSITION, EffectResult, mean_interval
from experiments.results.french import LABELS, Lang

if TYPE_CHECKING:
    from model import TerritoryParams

REPORT_FILES: tuple[str, ...] = ("report.html", "report.md", "effects.csv", "runs.csv",
                                 "effect_over_time.png", "effects.png", "decomposition.png")

#: Rows the report adds to :func:`paired_effects`' table: name -> (outcomes summed, better).
EXTRA_EFFECTS: dict[str, tuple[tuple[str, ...], int]] = {
    "months_durable_per_person": (("career_months_durable",), +1),
    "longest_unemployment": (("career_longest_unemployment",), -1),
    "coordination_cost": (("ptce_coordination_cost",), -1),
    "public_cost_mobilised": (("siae_aid_cost", "training_cost"), -1),
}

#: Headline figures, in the order shown.
HEADLINES: tuple[str, ...] = ("net_durable_jobs", "gross_durable_jobs_treated",
                              "displacement_durable_jobs", "jobs_created", "unemployment_rate",
                              "months_employed_per_person", "coordination_cost",
                              "cost_per_net_durable_job")

#: Month 1 of the PTCE presets is January 2015, the start of the community's work
#: (scenarios/ptce/README.md).
PTCE_PRESETS_START = (2015, 1)

MONTHS_FR = ("janvier", "février", "mars", "avril", "mai", "juin", "juillet", "août",
             "septembre", "octobre", "novembre", "décembre")
MONTHS_EN = ("January", "February", "March", "April", "May", "June", "July", "August",
             "September", "October", "November", "December")

#: Sections of the source document (COORACE 2015-2018), key -> (French title, English).
SEED_SECTIONS: dict[str, tuple[str, str]] = {
    "Introduction": ("Introduction : les enjeux de la coopération économique territoriale et "
                     "les onze pôles de la communauté",
                     "Introduction: territorial economic cooperation and the eleven poles"),
    "I": ("I. Une dynamique territorialisée de création d'emplois et de sécurisation des "
          "parcours", "I. A territorial dynamic of job creation and career security"),
    "I.1": ("I.1. Les finalités : à quoi sert un PTCE Emploi et Sécurisation des Parcours ?",
            "I.1. Aims: what a PTCE for employment and career security is for"),
    "I.2": ("I.2. Les formes de coopération", "I.2. Forms of cooperation"),
    "I.3": ("I.3. Les relations au territoire", "I.3. Relations with the territory"),
    "II": ("II. Des actions complémentaires pour l'emploi et la sécurisation des parcours",
           "II. Complementary actions for employment and career security"),
    "II.1": ("II.1. La création d'emplois stables et de nouvelles formes d'organisation du "
             "travail", "II.1. Stable jobs and new forms of work organisation"),
    "II.2": ("II.2. La sécurisation et l'enrichissement des parcours entre les structures du "
             "PTCE", "II.2. Secured routes and transitions between the pole's structures"),
    "II.3": ("II.3. La formation et la qualification au service de tous",
             "II.3. Training and qualification for all"),
    "III": ("III. Le rôle des PTCE pour une gestion territoriale des emplois et des "
            "compétences", "III. The poles' role in territorial jobs and skills forecasting"),
    "IV": ("IV. Les plus-values des PTCE à mesurer", "IV. The added values of PTCE to measure"),
    "annex": ("Annexes : fiches expériences", "Annexes: experience sheets"),
}


# ------------------------------------------------------------------------ the effect table

def effect_table(result: EffectResult, lang: Lang = "fr") -> pd.DataFrame:
    """The effect table (``effects.csv`` of ``ptce effect`` and ``ptce report``), one row per
    outcome, index ``outcome``; columns ``label``, ``unit`` (words in ``lang``), ``mean``,
    ``low``, ``high`` (the paired difference and its 95 % interval), ``with_ptce``,
    ``without`` (the two arms' means; empty for the rows that are not a difference of two
    levels) and ``better`` (+1 more is better, -1 less is).

    Rows: :func:`paired_effects`' effects; the decomposition of the gain in durable jobs into
    ``gross_durable_jobs_treated``, ``displacement_durable_jobs`` and ``net_durable_jobs``
    (:func:`experiments.results.effects.decompose`), and ``jobs_reallocated`` (durable jobs
    the treated gained that the others lost: ``-displacement`` clipped to ``[0, gross]`` in
    each replication); careers; ``coordination_cost`` and ``public_cost_mobilised`` (SIAE aid
    and training, counted apart); ``cost_per_net_durable_job`` (the coordination cost over
    the net gain, its interval from the gain's; undefined when the gain is not positive).
    """
    rows = []

    def add(name: str, mean: float, low: float, high: float, better: int,
            with_ptce: float = math.nan, without: float = math.nan) -> None:
        label = LABELS[name]
        rows.append({"outcome": name, "label": label.text(lang), "unit": label.unit(lang),
                     "mean": mean, "low": low, "high": high, "with_ptce": with_ptce,
                     "without": without, "better": better})

    for name, row in result.table.iterrows():
        add(str(name), float(row["effect_mean"]), float(row["ci_low"]), float(row["ci_high"]),
            int(row["better"]), float(row["with_ptce"]), float(row["without"]))
    runs = result.runs
    with_ = runs[runs["arm"] == "with_ptce"].set_index("replication")
    wo = runs[runs["arm"] == "without"].set_index("replication")
    for name in DECOMPOSITION:
        add(name, *mean_interval(with_[name] - wo[name]), +1)
    gross = with_["gross_durable_jobs_treated"] - wo["gross_durable_jobs_treated"]
    moved = -(with_["displacement_durable_jobs"] - wo["displacement_durable_jobs"])
    add("jobs_reallocated", *mean_interval(np.clip(moved, 0.0, np.maximum(gross, 0.0))), -1)
    for name, (cols, better) in EXTRA_EFFECTS.items():
        a = sum(with_[c].fillna(0.0) for c in cols)
        b = sum(wo[c].fillna(0.0) for c in cols)
        add(name, *mean_interval(a - b), better, float(a.mean()), float(b.mean()))
    cost = float(with_["ptce_coordination_cost"].mean())
    _, net_low, net_high = mean_interval(with_["net_durable_jobs"] - wo["net_durable_jobs"])
    per_job = result.cost_per_durable_job
    add("cost_per_net_durable_job", per_job,
        cost / net_high if math.isfinite(per_job) and net_high > 0 else math.nan,
        cost / net_low if math.isfinite(per_job) and net_low > 0 else math.nan, -1)
    return pd.DataFrame(rows).set_index("outcome")


# ------------------------------------------------------------------- what the scenario says

@dataclass
class ScenarioInfo:
    """Where a scenario comes from: its file, the files it extends, its territory."""

    file: Path
    chain: list[Path]
    zone_code: str | None
    zone_name: str | None
    territory_file: Path | None
    territory_description: str
    calibrated: bool
    calibrated_file: Path | None  # the zone's calibrated file, used or not
    #: (median absolute relative error, targets, share within their uncertainty) read from
    #: that file's header, if given
    calibration_fit: tuple[float, int, float] | None
    ptce_preset: bool  # a file of scenarios/ptce (month 1 = January 2015)


def scenario_info(file: Path, params: TerritoryParams) -> ScenarioInfo:
    """Follow ``extends`` from ``file``: the territory file (the first one giving a zone
    code), whether a calibrated territory (scenarios/territories/calibrated/) is used."""
    from scenarios import PRESETS_DIR, resolve_scenario

    calibrated_dir = (PRESETS_DIR / "territories" / "calibrated").resolve()
    chain: list[Path] = []
    layers: list[dict] = []
    path = Path(file).resolve()
    while path not in chain:
        chain.append(path)
        data = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
        layers.append(data)
        parent = data.get("extends")
        if not isinstance(parent, str):
            break
        path = resolve_scenario(parent, relative_to=path.parent).resolve()
    territory = next((i for i, d in enumerate(layers) if d.get("zone_code")), None)
    calibrated = any(p.parent == calibrated_dir for p in chain)
    cal_file: Path | None = next((p for p in chain if p.parent == calibrated_dir), None)
    if cal_file is None and params.zone_code:
        found = sorted(calibrated_dir.glob(f"{params.zone_code}_*.yaml"))
        cal_file = found[0] if found else None
    fit: tuple[float, int, float] | None = None
    if cal_file is not None:
        m = re.search(r"^#\s*Fit: median absolute relative error ([\d.]+)% over (\d+) "
                      r"targets, (\d+)% within", cal_file.read_text(encoding="utf-8"), re.M)
        fit = (float(m.group(1)) / 100, int(m.group(2)), float(m.group(3)) / 100) if m else None
    return ScenarioInfo(
        file=Path(file).resolve(), chain=chain, zone_code=params.zone_code,
        zone_name=str(layers[territory].get("name")) if territory is not None else None,
        territory_file=chain[territory] if territory is not None else None,
        territory_description=(str(layers[territory].get("description", "")).strip()
                               if territory is not None else ""),
        calibrated=calibrated, calibrated_file=cal_file, calibration_fit=fit,
        ptce_preset=Path(file).resolve().parent == (PRESETS_DIR / "ptce").resolve())


_ROMAN = re.compile(r"(?<![\w.])(IV|III|II|I)(?:\.(\d))?(?!\w)")
_ANNEX = re.compile(r"annex(?:es)?((?:\s*(?:,|and)?\s*\"[^\"]+\")*)", re.I)


#: The experience sheets of the source document's annexes.
SEED_SHEETS: tuple[str, ...] = ("Groupe de travail Insertion", "Les Alchimistes",
                                "Gouvernance participative",
                                "Formations qualifiantes dans la filière énergie",
                                "Evolutions des emplois par l'ESS")


def cited_sections(description: str) -> list[str]:
    """Keys of :data:`SEED_SECTIONS` (or ``annex:NAME``) cited in parentheses in a preset's
    description, in the order of first citation: ``"... (II.2) ..."`` -> ``["II.2"]``; a
    bare ``(annex)`` right after the name of a sheet (``Les Alchimistes (annex)``) cites it."""
    keys: list[str] = []
    for paren in re.finditer(r"\(([^()]*)\)", description):
        group = paren.group(1)
        if group.strip().lower() in ("annex", "annexes"):
            before = description[max(0, paren.start() - 60):paren.start()].rstrip()
            sheet = next((n for n in SEED_SHEETS if before.endswith(n)), None)
            if sheet is not None:
                group = f'annex "{sheet}"'
        found: list[tuple[int, str]] = []
        if re.search(r"\bIntroduction\b", group):
            found.append((group.index("Introduction"), "Introduction"))
        for m in _ROMAN.finditer(group):
            found.append((m.start(), m.group(1) + (f".{m.group(2)}" if m.group(2) else "")))
        for m in _ANNEX.finditer(group):
            names = re.findall(r"\"([^\"]+)\"", m.group(1))
            # a sheet's name sorts at its own place, after the word "annex"
            found += ([(m.start(1) + m.group(1).index(f'"{n}"'), f"annex:{n}") for n in names]
                      or [(m.start(), "annex")])
        keys += [k for _, k in sorted(found) if k not in keys]
    if any(k.startswith("annex:") for k in keys):  # a named sheet says more than "annex"
        keys = [k for k in keys if k != "annex"]
    return list(dict.fromkeys(keys))


def section_title(key: str, lang: Lang) -> str:
    if key.startswith("annex:"):
        name = key.split(":", 1)[1]
        return (f"Annexe, fiche expérience « {name} »" if lang == "fr"
                else f"Annex, experience sheet \u201c{name}\u201d")
    pair = SEED_SECTIONS.get(key)
    return (pair[0] if lang == "fr" else pair[1]) if pair else key


def seed_quotes(description: str) -> list[str]:
    """Passages of the source document quoted in a description (five words or more)."""
    return [q for q in re.findall(r"\"([^\"]+)\"", description) if len(q.split()) >= 5]


# ---------------------------------------------------------------------------- blocks

@dataclass
class Heading:
    level: int
    text: str


@dataclass
class Para:
    text: str
    quote: bool = False


@dataclass
class Items:
    items: list[str]


@dataclass
class Table:
    header: list[str]
    rows: list[list[str]]
    numeric: set[int] = field(default_factory=set)  # right-aligned columns


@dataclass
class Figure:
    name: str
    alt: str
    caption: str


@dataclass
class Headline:
    effect: str
    label: str
    value: str
    low: str | None
    high: str | None
    bounds_unit: str = ""  # after the bracket: "[−0,52 ; +0,25] point de pourcentage"
    note: str = ""


@dataclass
class Headlines:
    items: list[Headline]


Block = Heading | Para | Items | Table | Figure | Headlines


# ----------------------------------------------------------------------------- report

@dataclass
class Report:
    """A built report: its two texts, its effect table and its pictures (PNG bytes)."""

    title: str
    lang: Lang
    blocks: list[Block]
    table: pd.DataFrame
    runs: pd.DataFrame
    pictures: dict[str, bytes]

    @property
    def html(self) -> str:
        return render_html(self)

    @property
    def markdown(self) -> str:
        return render_markdown(self)


class _Text:
    """The report's sentences in one language."""

    def __init__(self, lang: Lang) -> None:
        self.lang = lang

    def __call__(self, fr_text: str, en_text: str) -> str:
        # French puts a no-break space before "%" (the numbers' own already have one)
        return fr_text.replace(" %", fr.NBSP + "%") if self.lang == "fr" else en_text


def month_name(month: int, lang: Lang) -> str:
    """Calendar month of horizon month ``month`` for the PTCE presets (1 = January 2015)."""
    y0, m0 = PTCE_PRESETS_START
    k = m0 - 1 + month - 1
    names = MONTHS_FR if lang == "fr" else MONTHS_EN
    return f"{names[k % 12]} {y0 + k // 12}"


def _gap_spans(mask: np.ndarray, months: np.ndarray) -> list[tuple[int, int]]:
    """Runs of consecutive True months: [(first, last), ...]."""
    spans: list[tuple[int, int]] = []
    start = None
    for i, on in enumerate(mask):
        if on and start is None:
            start = i
        if not on and start is not None:
            spans.append((int(months[start]), int(months[i - 1])))
            start = None
    if start is not None:
        spans.append((int(months[start]), int(months[-1])))
    return spans


def event_effect(ev, lang: Lang) -> str:  # ev: a model.params.Event
    """What an event changes, in words (empty when the report has no words for it)."""
    t = _Text(lang)
    parts: list[str] = []
    if ev.demand_shock is not None:
        s = ev.demand_shock
        parts.append(t(f"demande du secteur « {fr.words(fr.SECTOR_LABELS, s.sector, lang)} » "
                       f"multipliée par {fr.number(s.factor, 2, lang=lang)} pendant "
                       f"{s.months} mois",
                       f"demand of the sector \u201c{fr.words(fr.SECTOR_LABELS, s.sector, lang)}"
                       f"\u201d multiplied by {fr.number(s.factor, 2, lang=lang)} for "
                       f"{s.months} months"))
    for path, value in (ev.set or {}).items():
        bits = path.split(".")
        if path == "ptce.funding":
            parts.append(t(f"financement de la coordination à {fr.percent(value, 0)}",
                           f"coordination funding at {fr.percent(value, 0, lang='en')}"))
        elif path == "ptce.budget_per_year":
            parts.append(t(f"budget de coordination : {fr.money(value)} par an",
                           f"coordination budget: {fr.money(value, lang='en')} a year"))
        elif path == "ptce.coordinator_fte":
            parts.append(t(f"coordination : {fr.number(value, 1)} ETP pour "
                           f"{fr.number(20_000)} personnes",
                           f"coordination: {fr.number(value, 1, lang='en')} FTE per 20,000 "
                           "persons"))
        elif len(bits) == 3 and bits[0] == "ptce" and bits[1] in fr.LEVER_LABELS:
            lever = fr.words(fr.LEVER_LABELS, bits[1], lang)
            if bits[2] == "enabled":
                parts.append(t(f"levier « {lever} » {'activé' if value else 'désactivé'}",
                               f"lever \u201c{lever}\u201d {'on' if value else 'off'}"))
            elif bits[2] in ("success", "intensity"):
                what = t("probabilité de succès" if bits[2] == "success" else "intensité",
                         "success probability" if bits[2] == "success" else "intensity")
                parts.append(t(f"{what} du levier « {lever} » : {fr.percent(value, 0)}",
                               f"{what} of the lever \u201c{lever}\u201d: "
                               f"{fr.percent(value, 0, lang='en')}"))
    return "; ".join(parts)


def build_report(params: TerritoryParams, scenario_file: Path, result: EffectResult, *,
                 lang: Lang = "fr", seed: int = 1, command: str = "",
                 today: dt.date | None = None) -> Report:
    """Assemble the report of ``result`` (the paired effects of ``params``)."""
    from experiments import package_version

    t = _Text(lang)
    ptce = params.ptce
    assert ptce is not None, "a report needs a scenario with a ptce section"
    info = scenario_info(scenario_file, params)
    table = effect_table(result, lang)
    n = result.replications
    persons = params.population.persons
    months = params.simulation.months
    num = lambda v, d=0, **k: fr.number(v, d, lang=lang, **k)  # noqa: E731
    pct = lambda v, d=0: fr.percent(v, d, lang=lang)  # noqa: E731
    eur = lambda v: fr.money(v, lang=lang)  # noqa: E731
    when = (lambda m: f"{t('mois', 'month')} {m} ({month_name(m, lang)})") if info.ptce_preset \
        else (lambda m: f"{t('mois', 'month')} {m}")
    blocks: list[Block] = []
    add = blocks.append
    title = t(f"{ptce.name} : ce que le pôle apporte à son territoire",
              f"{ptce.name}: what the pole adds to its territory")
    today = today or dt.date.today()
    add(Para(t(f"Rapport de simulation du {today.day} {MONTHS_FR[today.month - 1]} "
               f"{today.year}, ptce-sim {package_version()}. Scénario {_rel(info.file)}, "
               f"graine {seed}, {n} réplications appariées, territoire simulé de "
               f"{num(persons)} personnes en âge de travailler sur {months} mois.",
               f"Simulation report of {today.isoformat()}, ptce-sim {package_version()}. "
               f"Scenario {_rel(info.file)}, seed {seed}, {n} paired replications, simulated "
               f"territory of {num(persons)} persons of working age over {months} months.")))

    # ---- headline figures
    add(Heading(2, t("Chiffres clés", "Key figures")))
    add(Para(t("Écart entre le territoire avec le pôle et le même territoire sans le pôle, "
               f"moyenne de {n} réplications appariées, avec son intervalle de confiance à "
               "95 %. Les mêmes valeurs figurent dans effects.csv.",
               "Difference between the territory with the pole and the same territory "
               f"without it, mean of {n} paired replications, with its 95 % confidence "
               "interval. The same values are in effects.csv.")))
    heads = []
    for name in HEADLINES:
        row = table.loc[name]
        if name == "cost_per_net_durable_job":
            gain = table.loc["net_durable_jobs"]
            note = (t("non défini : pas de gain en emploi durable",
                      "not defined: no gain in durable jobs")
                    if not math.isfinite(row["mean"]) else
                    t("incertain : l'intervalle du gain en emploi durable contient 0",
                      "uncertain: the interval of the gain in durable jobs includes 0")
                    if gain["low"] <= 0 else "")
            heads.append(Headline(name, row["label"], fr.level(name, row["mean"], lang),
                                  None, None, note=note))
            continue
        if name == "coordination_cost":
            heads.append(Headline(name, row["label"],
                                  fr.level(name, row["mean"], lang), None, None,
                                  note=t(f"sur {months} mois", f"over {months} months")))
            continue
        low, high, unit = fr.interval_bounds(name, row["low"], row["high"], lang)
        heads.append(Headline(name, row["label"], fr.difference(name, row["mean"], lang),
                              low, high, unit, row["unit"]))
    add(Headlines(heads))

    # ---- the pole and its territory
    add(Heading(2, t("Le pôle et son territoire", "The pole and its territory")))
    zone = (f"{info.zone_code} {info.zone_name}" if info.zone_code
            else t("aucune (territoire générique aux moyennes nationales)",
                   "none (generic territory with national averages)"))
    scale = params.scale()
    n_siae = _siae_structures(params)
    lever_rows = []
    off = []
    for lever in ptce.lever_names:
        spec = getattr(ptce, lever)
        label = fr.words(fr.LEVER_LABELS, lever, lang)
        if not spec.enabled:
            off.append(label)
            continue
        extra = ""
        if lever == "incubation":
            sector = fr.words(fr.SECTOR_LABELS, spec.sector or "all", lang)
            extra = t(f"{spec.jobs_per_activity} emplois par activité créée, secteur {sector}",
                      f"{spec.jobs_per_activity} jobs per activity created, sector {sector}")
        elif lever == "follow_up":
            extra = t(f"suivi pendant {spec.months} mois", f"followed for {spec.months} months")
        elif lever == "immersions":
            extra = t(f"{spec.hosts_per_firm} immersion(s) à la fois par entreprise membre",
                      f"{spec.hosts_per_firm} immersion(s) at a time per member firm")
        lever_rows.append([label, pct(spec.intensity), pct(spec.success), extra])
    kind = fr.words(fr.KIND_LABELS, ptce.kind, lang)
    if ptce.sectors:
        kind += " : " + ", ".join(fr.words(fr.SECTOR_LABELS, s, lang) for s in ptce.sectors)
    add(Table([t("Caractéristique", "Item"), t("Valeur", "Value")], [
        [t("Pôle", "Pole"), f"{ptce.name}, {kind}"],
        [t("Zone d'emploi", "Zone d'emploi (employment area)"), zone],
        [t("Membres", "Members"),
         t(f"{pct(ptce.member_share_siae)} des SIAE du territoire ({n_siae} SIAE simulées), "
           f"{pct(ptce.member_share_firms)} des entreprises, "
           f"{pct(ptce.member_share_training)} des organismes de formation",
           f"{pct(ptce.member_share_siae)} of the territory's SIAE ({n_siae} SIAE simulated), "
           f"{pct(ptce.member_share_firms)} of the firms, "
           f"{pct(ptce.member_share_training)} of the training bodies")],
        [t("Coordination", "Coordination"),
         t(f"{num(ptce.coordinator_fte, 1)} ETP pour {num(20_000)} personnes, soit "
           f"{num(ptce.coordinator_fte * scale, 2)} ETP pour les {num(persons)} personnes "
           f"simulées ; {num(ptce.cases_per_fte)} actions par ETP et par mois",
           f"{num(ptce.coordinator_fte, 1)} FTE per 20,000 persons, that is "
           f"{num(ptce.coordinator_fte * scale, 2)} FTE for the {num(persons)} persons "
           f"simulated; {num(ptce.cases_per_fte)} actions per FTE a month")],
        [t("Budget de coordination", "Coordination budget"),
         t(f"{eur(ptce.budget_per_year)} par an à plein financement ; "
           f"{eur(table.loc['coordination_cost', 'with_ptce'])} sur les {months} mois simulés",
           f"{eur(ptce.budget_per_year)} a year at full funding; "
           f"{eur(table.loc['coordination_cost', 'with_ptce'])} over the {months} months "
           "simulated")],
        [t("Territoire simulé", "Simulated territory"),
         t(f"{num(persons)} personnes en âge de travailler, taux de chômage initial "
           f"{pct(params.population.unemployment_rate, 1)}, {params.simulation.burn_in_months}"
           f" mois de mise en route non comptés puis {months} mois observés",
           f"{num(persons)} persons of working age, initial unemployment rate "
           f"{pct(params.population.unemployment_rate, 1)}, "
           f"{params.simulation.burn_in_months} months of burn-in not counted, then "
           f"{months} months observed")],
    ]))
    add(Heading(3, t("Leviers activés", "Levers on")))
    add(Table([t("Levier", "Lever"),
               t("Intensité (part de la capacité de coordination)",
                 "Intensity (share of the coordination capacity)"),
               t("Probabilité de succès d'une action", "Success probability of an action"),
               t("Précisions", "Details")], lever_rows, numeric={1, 2}))
    if off:
        add(Para(t("Leviers non utilisés : ", "Levers not used: ") + ", ".join(off) + "."))
    runs = result.runs
    with_ = runs[runs["arm"] == "with_ptce"]
    acts = [[fr.words(fr.ACTIVITY_LABELS, k, lang), num(with_[k].mean(), 1)]
            for k in fr.ACTIVITY_LABELS if k in with_ and with_[k].mean() > 0]
    if acts:
        add(Heading(3, t("Ce que le pôle a fait", "What the pole did")))
        add(Para(t(f"Actions du pôle sur les {months} mois, moyenne des réplications.",
                   f"The pole's actions over the {months} months, mean of the replications.")))
        add(Table([t("Action", "Action"), t("Nombre", "Number")], acts, numeric={1}))

    # ---- assumptions and sources
    add(Heading(2, t("Ce que le modèle suppose, et d'où", "What the model assumes, and from "
                                                          "where")))
    add(Para(t("Chaque réplication simule le territoire avec le pôle, puis le même territoire "
               "sans lui (le pôle et les événements qui agissent sur lui retirés), sur les "
               "mêmes tirages aléatoires : l'écart entre les deux est celui du pôle. Le modèle "
               "est décrit dans model/ODD.md.",
               "Each replication simulates the territory with the pole, then the same "
               "territory without it (the pole and the events acting on it removed), on the "
               "same random draws: the difference between the two is the pole's. The model "
               "is described in model/ODD.md.")))
    add(Heading(3, t("Le document source", "The source document")))
    add(Para(t("Les leviers et leurs intensités viennent du document de capitalisation de la "
               "communauté « Emploi et Sécurisation des Parcours » (COORACE, La contribution "
               "des PTCE à la création d'emplois et la sécurisation des parcours, 2015-2018). "
               "Les intensités et probabilités de succès sont des jugements tirés des récits du "
               "document, pas des estimations.",
               "The levers and their intensities come from the capitalisation report of the "
               "community \u201cEmploi et Sécurisation des Parcours\u201d (COORACE, La "
               "contribution des PTCE à la création d'emplois et la sécurisation des parcours, "
               "2015-2018). Intensities and success probabilities are judgements drawn from "
               "the document's accounts, not estimates.")))
    sections = cited_sections(params.description)
    if sections:
        add(Para(t("Sections du document citées par le scénario :",
                   "Sections of the document the scenario cites:")))
        add(Items([section_title(k, lang) for k in sections]))
    quotes = seed_quotes(params.description)
    if quotes:
        add(Para(t("Passages cités :", "Passages quoted:")))
        add(Items([f"« {q} »" if lang == "fr" else f"\u201c{q}\u201d" for q in quotes]))
    if params.description:
        add(Para(t("Description du scénario (texte du fichier, en anglais) :",
                   "Description of the scenario (text of the file):")))
        add(Para(params.description.strip(), quote=True))
    add(Heading(3, t("Données du territoire", "Territory data")))
    if info.territory_file is not None:
        add(Para(t(f"Fichier du territoire : {_rel(info.territory_file)}. Sources qu'il cite "
                   "(texte du fichier, en anglais) :",
                   f"Territory file: {_rel(info.territory_file)}. Sources it cites:")))
        add(Para(info.territory_description, quote=True))
    else:
        add(Para(t("Le scénario ne désigne pas de zone d'emploi : il tourne sur le territoire "
                   "générique du modèle, aux moyennes nationales (scenarios/baseline.yaml).",
                   "The scenario names no zone d'emploi: it runs on the model's generic "
                   "territory with national averages (scenarios/baseline.yaml).")))
    fit = ""
    if info.calibration_fit is not None:
        error, targets, within = info.calibration_fit
        fit = t(f" : erreur relative médiane de {pct(error, 1)} sur {targets} statistiques "
                f"de la zone, {pct(within)} dans leur marge d'incertitude",
                f": median relative error {pct(error, 1)} over {targets} statistics of the "
                f"zone, {pct(within)} within their uncertainty")
    if info.calibrated:
        add(Para(t(f"Territoire calibré : {_rel(info.calibrated_file)}, ajusté aux "
                   f"statistiques de la zone{fit}.",
                   f"Calibrated territory: {_rel(info.calibrated_file)}, fitted to the zone's "
                   f"statistics{fit}.")))
    elif info.calibrated_file is not None:
        add(Para(t("Territoire non calibré : le scénario part du fichier de territoire de "
                   "premier dimensionnement (moyennes nationales, taux de chômage de la zone), "
                   f"pas de sa version calibrée {_rel(info.calibrated_file)}{fit}.",
                   "Territory not calibrated: the scenario starts from the first-sizing "
                   "territory file (national averages, the zone's unemployment rate), not "
                   f"from its calibrated version {_rel(info.calibrated_file)}{fit}.")))
    else:
        add(Para(t("Territoire non calibré : aucun fichier calibré n'existe pour ce "
                   "territoire (scenarios/territories/calibrated/).",
                   "Territory not calibrated: no calibrated file exists for this territory "
                   "(scenarios/territories/calibrated/).")))

    # ---- effects
    add(Heading(2, t("Effets du pôle", "Effects of the pole")))
    add(Para(t(f"Moyennes de {n} réplications appariées ; écart = avec le pôle moins sans le "
               "pôle ; intervalle de confiance à 95 % (loi de Student sur les écarts "
               "appariés). Les écarts de taux sont en points de pourcentage.",
               f"Means of {n} paired replications; difference = with the pole minus without; "
               "95 % confidence interval (Student t on the paired differences). Differences "
               "of rates are in percentage points.")))
    effect_rows = []
    for name, row in table.iterrows():
        if name == "cost_per_net_durable_job":
            continue
        label = str(row["label"]) + (f" ({row['unit']})" if row["unit"] else "")
        known = str(name) in LABELS
        show_level = (lambda v, nm=str(name): fr.level(nm, v, lang)) if known else \
            (lambda v: fr.number(v, 2, lang=lang))
        show_diff = (lambda v, nm=str(name): fr.difference(nm, v, lang)) if known else \
            (lambda v: fr.number(v, 2, lang=lang, sign=True))
        span = (fr.difference_interval(str(name), row["low"], row["high"], lang)
                if known else fr.interval(show_diff(row["low"]), show_diff(row["high"]),
                                          lang=lang))
        # the decomposition rows are differences only: no level of either arm (a dash)
        effect_rows.append([label, _arm(row["with_ptce"], show_level),
                            _arm(row["without"], show_level),
                            show_diff(row["mean"]), span,
                            _reading(row, str(name), lang)])
    add(Table([t("Indicateur", "Indicator"), t("Avec le pôle", "With the pole"),
               t("Sans le pôle", "Without"), t("Écart", "Difference"),
               t("Intervalle à 95 %", "95 % interval"), t("Lecture", "Reading")],
              effect_rows, numeric={1, 2, 3, 4}))
    per_job = table.loc["cost_per_net_durable_job", "mean"]
    add(Para(t("Coût par emploi durable net : coût de la coordination divisé par l'effet net "
               "sur la zone (personnes en plus en emploi durable), "
               + (f"soit {eur(per_job)}." if math.isfinite(per_job) else
                  "non défini ici car l'effet net n'est pas positif."),
               "Cost per net durable job: coordination cost divided by the net effect on the "
               "zone (additional persons in durable jobs), "
               + (f"that is {eur(per_job)}." if math.isfinite(per_job) else
                  "not defined here as the net effect is not positive."))))
    add(Figure("effects.png", t("Effets du pôle et intervalles à 95 %",
                                "Effects of the pole with 95 % intervals"),
               t("Chaque effet avec son intervalle à 95 % ; vert : favorable, orange : "
                 "défavorable, gris : l'intervalle contient 0. Les écarts identiques dans "
                 "toutes les réplications (coût de la coordination, effet nul) ne figurent "
                 "que dans le tableau.",
                 "Each effect with its 95 % interval; green: favourable, orange: "
                 "unfavourable, grey: the interval includes 0. Differences equal in every "
                 "replication (coordination cost, zero effects) are in the table only.")))

    gross, moved, net = (table.loc[k] for k in DECOMPOSITION)
    treated = float(result.runs.loc[result.runs["arm"] == "with_ptce",
                                    "treated_persons"].mean())
    add(Heading(3, t("Effet brut, déplacement et effet net",
                     "Gross effect, displacement and net effect")))
    add(Para(t(
        f"Le pôle a agi sur {num(treated)} personnes en moyenne (une action de la "
        "coordination au moins : passerelle, immersion, emploi partagé, bourse aux "
        "compétences, recommandation après formation, candidature à une activité incubée, "
        "suivi ; le pôle recommande, l'employeur décide). "
        "Chaque personne est comparée à elle-même dans le territoire sans le pôle (même "
        "graine). L'effet brut est le gain en emploi durable de ces personnes, parmi celles "
        "qui étaient dans la même situation dans les deux territoires le mois précédant la "
        "première action "
        f"({fr.difference('gross_durable_jobs_treated', gross['mean'], lang)}) ; le "
        "déplacement est ce que les autres y perdent ou y gagnent, par exemple des postes "
        f"pris par les personnes accompagnées "
        f"({fr.difference('displacement_durable_jobs', moved['mean'], lang)}) ; l'effet net "
        f"sur la zone est leur somme "
        f"({fr.difference('net_durable_jobs', net['mean'], lang)}), en personnes en emploi "
        "durable, moyenne des 12 derniers mois.",
        f"The pole acted on {num(treated)} persons on average (at least one action of the "
        "coordination: bridge, immersion, shared job, skills exchange, recommendation after "
        "training, candidacy for an incubated activity, follow-up; the pole recommends, the "
        "employer decides). Each person is compared with "
        "themself in the territory without the pole (same seed). The gross effect is these "
        "persons' gain in durable jobs, among those who were in the same situation in both "
        "territories the month before its first action "
        f"({fr.difference('gross_durable_jobs_treated', gross['mean'], lang)}); the "
        "displacement is what everyone else loses or gains, such as positions taken by the "
        f"persons the pole helped "
        f"({fr.difference('displacement_durable_jobs', moved['mean'], lang)}); the net "
        f"effect on the zone is their sum "
        f"({fr.difference('net_durable_jobs', net['mean'], lang)}), in persons in durable "
        "jobs, mean of the last 12 months.")))
    add(Figure("decomposition.png", t("Effet brut, déplacement et effet net",
                                      "Gross effect, displacement and net effect"),
               t("Personnes en emploi durable en plus (moyenne des 12 derniers mois), avec "
                 "l'intervalle à 95 % de chaque barre.",
                 "Additional persons in durable jobs (mean of the last 12 months), with each "
                 "bar's 95 % interval.")))
    # ---- the source document's figures
    seed_rows = _seed_figure_rows(info, result, months, lang)
    if seed_rows:
        add(Heading(2, t("Comparaison avec les chiffres du document source",
                         "Comparison with the source document's figures")))
        add(Para(t(f"Ce que le document rapporte pour ce pôle, face à la simulation (moyenne "
                   f"des {n} réplications avec le pôle, sur {months} mois ; le document couvre "
                   "2015-2018). Ces chiffres servent de validation de vraisemblance : le modèle "
                   "n'est jamais ajusté sur eux (scenarios/ptce/seed_figures.yaml).",
                   f"What the document reports for this pole, against the simulation (mean of "
                   f"the {n} replications with the pole, over {months} months; the document "
                   "covers 2015-2018). These figures are face validation: the model is never "
                   "fitted to them (scenarios/ptce/seed_figures.yaml).")))
        add(Table([t("Chiffre du document", "Document's figure"), t("Section", "Section"),
                   t("Période", "Period"), t("Document", "Document"),
                   t("Simulé", "Simulated"), t("Rapport", "Ratio")], seed_rows,
                  numeric={3, 4, 5}))

    # ---- timeline
    add(Heading(2, t("Chronologie", "Timeline")))
    sw = result.series_with
    gaps = _gap_spans((sw["ptce_capacity"] <= 0).to_numpy(), sw.index.to_numpy()) \
        if "ptce_capacity" in sw else []
    if gaps:
        add(Para(t("Mois sans financement de la coordination : ", "Months without coordination "
                                                                "funding: ")
                 + ", ".join(t(f"du {when(a)} au {when(b)}", f"from {when(a)} to {when(b)}")
                             for a, b in gaps) + "."))
    event_rows = []
    for i, ev in enumerate(sorted(params.events, key=lambda e: e.at), start=1):
        both = not (ev.set and any(k.startswith("ptce.") for k in ev.set))
        inside = ev.at <= months
        event_rows.append([str(i), when(ev.at), ev.label or "", event_effect(ev, lang),
                           (t("les deux territoires", "both territories") if both
                            else t("le territoire avec le pôle", "the territory with the pole"))
                           + ("" if inside else t(" (après l'horizon simulé)",
                                                   " (after the simulated horizon)"))])
    if event_rows:
        add(Table(["n°" if lang == "fr" else "no.", t("Quand", "When"),
                   t("Événement (libellé du scénario)", "Event (scenario's label)"),
                   t("Ce qui change", "What changes"), t("S'applique à", "Applies to")],
                  event_rows))
    else:
        add(Para(t("Le scénario ne prévoit aucun événement.", "The scenario has no events.")))
    add(Figure("effect_over_time.png",
               t("Effet du pôle mois par mois", "Effect of the pole month by month"),
               t("En haut : personnes en emploi durable en plus avec le pôle ; en bas : écart "
                 "de taux de chômage en points de pourcentage ; moyenne des réplications. "
                 "Lignes verticales : événements numérotés comme dans le tableau ; zone "
                 "jaune : coordination sans financement.",
                 "Top: additional persons in durable jobs with the pole; bottom: difference "
                 "of unemployment rate in percentage points; mean of the replications. "
                 "Vertical lines: events numbered as in the table; yellow: coordination "
                 "without funding.")))

    # ---- limits
    add(Heading(2, t("Limites", "Limits")))
    t_crit = float(stats.t.ppf(0.975, n - 1))
    limits = [
        t("L'effet brut compte les personnes sur lesquelles la coordination a agi (une "
          "action au moins) et qui étaient alors dans la même situation que sans le pôle ; "
          "le déplacement regroupe tout le reste, y compris les effets "
          "indirects (places libérées en SIAE, candidats évincés, personnes que le pôle a "
          "aidées après qu'un autre bénéficiaire a pris leur emploi). Les entreprises n'ont pas "
          "encore d'économie propre dans le modèle : les emplois des activités incubées "
          "s'ajoutent à ceux des entreprises existantes sans leur prendre de marché, ce qui "
          "surestime l'effet net de l'incubation.",
          "The gross effect counts the persons the coordination acted on (at least one "
          "action) who were then in the same situation as without the pole; the "
          "displacement gathers everything else, indirect effects included "
          "(posts freed in SIAE, candidates crowded out, persons the pole helped after "
          "another beneficiary took their job). Firms have no economy of their own "
          "in the model yet: the jobs of incubated activities add to those of existing firms "
          "without taking their market, which overstates the net effect of incubation."),
        t(f"Le territoire est un échantillon représentatif de {num(persons)} personnes, pas "
          "la population réelle de la zone : les nombres de personnes, de sorties et "
          "d'emplois sont ceux de l'échantillon. L'équipe de coordination et les structures "
          "sont mises à l'échelle de l'échantillon, mais pas le budget de coordination, en "
          "euros réels : le coût par emploi durable supplémentaire ne se compare qu'entre "
          "simulations de même taille.",
          f"The territory is a representative sample of {num(persons)} persons, not the "
          "zone's real population: numbers of persons, exits and jobs are the sample's. The "
          "coordination team and the structures are scaled to the sample, the coordination "
          "budget, in real euros, is not: the cost per additional durable job compares only "
          "between simulations of the same size."),
        (t(f"{n} réplications seulement : avec si peu de répétitions l'intervalle est large "
           f"(facteur de Student {num(t_crit, 1)}) ; dix réplications ou plus donnent des "
           "intervalles utilisables. ",
           f"Only {n} replications: with so few the interval is wide (Student factor "
           f"{num(t_crit, 1)}); ten replications or more give usable intervals. ")
         if n < 10 else "")
        + t("Les intervalles ne reflètent que l'aléa de la simulation, pas l'incertitude sur "
            "les paramètres du modèle.",
            "The intervals reflect only the simulation's randomness, not the uncertainty of "
            "the model's parameters."),
        t("Les intensités des leviers et leurs probabilités de succès sont des jugements "
          "tirés du document source, non des estimations.",
          "The lever intensities and success probabilities are judgements drawn from the "
          "source document, not estimates."),
        t("Coûts comptés : la coordination du pôle, les aides aux postes d'insertion des SIAE "
          "et le coût des formations. Ne sont comptés ni le temps des membres, ni les "
          "allocations ou minima sociaux évités.",
          "Costs counted: the pole's coordination, the State aid to SIAE insertion posts and "
          "the cost of training. Neither the members' time nor avoided benefits are "
          "counted."),
    ]
    if not info.calibrated:
        limits.append(t("Le territoire n'est pas calibré (voir « Données du territoire ») : "
                        "ses flux du marché du travail sont des moyennes nationales.",
                        "The territory is not calibrated (see \u201cTerritory data\u201d): "
                        "its labour-market flows are national averages."))
    if info.ptce_preset:
        limits.append(t("Le mois 1 de l'horizon est lu comme janvier 2015, début des travaux "
                        "de la communauté, pour placer les événements datés du document.",
                        "Month 1 of the horizon is read as January 2015, when the community's "
                        "work began, to place the document's dated events."))
    add(Items(limits))

    # ---- reproduce
    add(Heading(2, t("Reproduire ce rapport", "Reproduce this report")))
    add(Para(command or f"ptce report {_rel(info.file)} --replications {n} --seed {seed}"))

    pictures = {"effect_over_time.png": plot_over_time(result, params, lang),
                "effects.png": plot_intervals(table, lang),
                "decomposition.png": plot_decomposition(table, lang)}
    return Report(title=title, lang=lang, blocks=blocks, table=table, runs=result.runs,
                  pictures=pictures)


def _siae_structures(params: TerritoryParams) -> int:
    """SIAE of the simulated territory, counted by the model's own sizing rule."""
    from model.siae import Structures

    return Structures(params, np.random.default_rng(0)).n  # the count draws nothing


def _seed_figure_rows(info: ScenarioInfo, result: EffectResult, months: int,
                      lang: Lang) -> list[list[str]]:
    """Rows of the comparison with the figures the source document gives for this preset:
    the passage and what it counts, its section and period, its value, the simulated mean of
    the outcome over the replications with the pole, their ratio (or why it is not modelled)."""
    from scenarios import PRESETS_DIR
    from scenarios.seed_figures import figures_for

    t = _Text(lang)
    ptce_dir = (PRESETS_DIR / "ptce").resolve()
    preset = next((f"ptce/{p.stem}" for p in info.chain if p.parent == ptce_dir), None)
    if preset is None:
        return []
    runs = result.runs[result.runs["arm"] == "with_ptce"]
    rows = []
    for fig in figures_for(preset):
        quote = f"« {fig.quote} » ({fig.unit})" if lang == "fr" else \
            f"\u201c{fig.quote}\u201d ({fig.unit})"
        seed = fr.number(fig.seed_value, 0, lang=lang)
        if fig.outcome is None or fig.outcome not in runs:
            rows.append([quote, fig.section, fig.period, seed,
                         t("non modélisé", "not modelled"), fig.not_modelled])
            continue
        simulated = float(runs[fig.outcome].mean())
        ratio = simulated / fig.seed_value if fig.seed_value else math.nan
        rows.append([quote, fig.section, fig.period, seed, fr.number(simulated, 1, lang=lang),
                     f"{fr.number(ratio, 1, lang=lang)} " + t("fois", "times")])
    return rows


def _arm(value: float, show: Callable[[float], str]) -> str:
    """A level of one arm, or a dash for the rows that are differences only."""
    return show(value) if math.isfinite(value) else "\u2014"


def _reading(row: pd.Series, name: str, lang: Lang) -> str:
    t = _Text(lang)
    if name in EXTRA_EFFECTS and name.endswith(("cost", "spending")):
        return t("coût", "cost")
    low, high = row["low"], row["high"]
    if not (math.isfinite(low) and math.isfinite(high)):
        return ""
    if low == high == row["mean"] == 0:
        return t("nul dans chaque réplication", "zero in every replication")
    if low <= 0 <= high:
        return t("incertain (l'intervalle contient 0)", "uncertain (the interval includes 0)")
    good = row["mean"] * row["better"] > 0
    return t("favorable", "favourable") if good else t("défavorable", "unfavourable")


def _rel(path: Path | None) -> str:
    """A path relative to the working directory when inside it (as the user typed it)."""
    if path is None:
        return ""
    try:
        return Path(path).resolve().relative_to(Path.cwd().resolve()).as_posix()
    except ValueError:
        return Path(path).as_posix()


# ----------------------------------------------------------------------------- charts

def _ticks(lang: Lang) -> Callable:
    """A matplotlib tick formatter in ``lang``'s number format, with the decimals the tick
    spacing needs."""
    from matplotlib.ticker import Formatter

    class Ticks(Formatter):
        decimals = 2

        def format_ticks(self, values: list[float]) -> list[str]:
            locs = [v for v in values if math.isfinite(v)] or [0.0]
            size = max(abs(v) for v in locs) or 1.0
            self.decimals = next((d for d in range(7)
                                  if all(abs(round(v, d) - v) <= 1e-9 * size for v in locs)), 6)
            return [self(v) for v in values]

        def __call__(self, x: float, pos: int | None = None) -> str:
            return fr.number(x, self.decimals, lang=lang)

    return Ticks()


def _png(fig) -> bytes:  # fig: a matplotlib Figure
    import matplotlib.pyplot as plt

    buf = io.BytesIO()
    fig.savefig(buf, format="png", dpi=110, metadata={"Software": None})
    plt.close(fig)
    return buf.getvalue()


def plot_over_time(result: EffectResult, params: TerritoryParams, lang: Lang) -> bytes:
    """PNG: additional persons in durable jobs and the unemployment-rate difference (points)
    month by month, events as numbered vertical lines, funding gaps shaded."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    t = _Text(lang)
    sw, so = result.series_with, result.series_without
    months = sw.index.to_numpy()
    durable = (sw["n_employed_durable"] + sw["n_self_employed"]
               - so["n_employed_durable"] - so["n_self_employed"])
    unemployment = 100 * (sw["unemployment_rate"] - so["unemployment_rate"])
    fig, (top, low) = plt.subplots(2, 1, figsize=(11, 6.5), sharex=True, layout="constrained")
    top.plot(months, durable, color="#2a9d8f", lw=2)
    top.set_ylabel(t("personnes en plus\nen emploi durable", "additional persons\nin durable "
                                                            "jobs"))
    low.plot(months, unemployment, color="#b2182b", lw=2)
    low.set_ylabel(t("écart de taux de chômage\n(points de pourcentage)",
                     "unemployment rate difference\n(percentage points)"))
    low.set_xlabel(t("mois de l'horizon simulé", "month of the simulated horizon"))
    gap = (sw["ptce_capacity"] <= 0).to_numpy() if "ptce_capacity" in sw else None
    for ax in (top, low):
        ax.axhline(0, color="#444444", lw=0.8)
        ax.grid(alpha=0.3)
        ax.yaxis.set_major_formatter(_ticks(lang))
        if gap is not None and gap.any():
            ax.fill_between(months, 0, 1, where=gap, color="#e9c46a", alpha=0.35,
                            transform=ax.get_xaxis_transform(), step="mid",
                            label=t("coordination sans financement",
                                    "coordination without funding"))
    numbers: dict[int, list[int]] = {}  # month -> numbers of its events (as in the table)
    for i, ev in enumerate(sorted(params.events, key=lambda e: e.at), start=1):
        if ev.at <= months.max():
            numbers.setdefault(ev.at, []).append(i)
    for at, which in numbers.items():
        for ax in (top, low):
            ax.axvline(at, color="#264653", lw=1, ls="--", alpha=0.8)
        top.annotate(", ".join(map(str, which)), (at, 1.0), xycoords=("data", "axes fraction"),
                     xytext=(3, -12), textcoords="offset points", fontsize=9,
                     color="#264653", fontweight="bold")
    if gap is not None and gap.any():
        top.legend(loc="lower right", frameon=False)
    low.xaxis.set_major_formatter(_ticks(lang))
    low.set_xlim(months.min(), months.max())
    top.set_title(t(f"{result.scenario} : avec le pôle moins sans le pôle (moyenne de "
                    f"{result.replications} réplications)",
                    f"{result.scenario}: with the pole minus without (mean of "
                    f"{result.replications} replications)"))
    return _png(fig)


def plot_decomposition(table: pd.DataFrame, lang: Lang) -> bytes:
    """PNG: gross effect, displacement and net effect on durable jobs side by side, each bar
    with its 95 % interval."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    names = {"gross_durable_jobs_treated": ("Effet brut\n(personnes accompagnées)",
                                            "Gross effect\n(persons acted on)"),
             "displacement_durable_jobs": ("Déplacement\n(les autres)",
                                           "Displacement\n(everyone else)"),
             "net_durable_jobs": ("Effet net\n(la zone)", "Net effect\n(the zone)")}
    rows = [table.loc[k] for k in DECOMPOSITION]
    mean = np.array([r["mean"] for r in rows])
    low = np.array([r["low"] for r in rows])
    high = np.array([r["high"] for r in rows])
    fig, ax = plt.subplots(figsize=(7.5, 4.2), layout="constrained")
    x = np.arange(3)
    colours = ["#2a9d8f", "#e76f51", "#264653"]
    ax.bar(x, mean, color=colours, width=0.6)
    ok = np.isfinite(low) & np.isfinite(high)
    ax.errorbar(x[ok], mean[ok], yerr=[mean[ok] - low[ok], high[ok] - mean[ok]], fmt="none",
                ecolor="#1d2a33", capsize=5)
    ax.axhline(0, color="#444444", lw=0.8)
    ax.set_xticks(x, [names[k][0 if lang == "fr" else 1] for k in DECOMPOSITION])
    ax.yaxis.set_major_formatter(_ticks(lang))
    ax.set_ylabel("personnes en emploi durable en plus" if lang == "fr"
                  else "additional persons in durable jobs")
    for side in ("right", "top"):
        ax.spines[side].set_visible(False)
    return _png(fig)


def plot_intervals(table: pd.DataFrame, lang: Lang) -> bytes:
    """PNG: one small panel per effect (its own unit) with the mean and 95 % interval."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    # an interval of zero width (a cost fixed by the budget, an effect zero in every
    # replication) has nothing to show here; the table gives it
    rows = [(str(k), r) for k, r in table.iterrows()
            if math.isfinite(r["low"]) and math.isfinite(r["high"])
            and r["high"] - r["low"] > 1e-9 * max(1.0, abs(r["mean"]))]
    fig, axes = plt.subplots(max(len(rows), 1), 1, figsize=(9, 0.95 * max(len(rows), 1) + 0.6),
                             layout="constrained", squeeze=False)
    if not rows:
        axes[0, 0].set_axis_off()
        axes[0, 0].text(0.5, 0.5, "aucun écart variable entre réplications" if lang == "fr"
                        else "no difference varies between replications", ha="center")
    for ax, (name, r) in zip(axes[:, 0], rows, strict=True):
        scale = 100.0 if name in LABELS and LABELS[name].kind == "share" else 1.0
        mean, low, high = (scale * r[c] for c in ("mean", "low", "high"))
        if low <= 0 <= high:
            colour = "#8d99ae"
        else:
            colour = "#2a9d8f" if r["mean"] * r["better"] > 0 else "#e76f51"
        ax.plot([low, high], [0, 0], color=colour, lw=3, solid_capstyle="butt")
        ax.plot([mean], [0], "o", color=colour, ms=8)
        ax.axvline(0, color="#444444", lw=0.8)
        span = max(abs(low), abs(high), 1e-9)
        ax.set_xlim(min(low, 0) - 0.08 * span, max(high, 0) + 0.08 * span)
        ax.set_yticks([])
        ax.xaxis.set_major_formatter(_ticks(lang))
        unit = (("points de pourcentage" if lang == "fr" else "percentage points")
                if scale == 100.0 else r["unit"])
        ax.set_title(f"{r['label']} ({unit})" if unit else r["label"], fontsize=9.5,
                     loc="left")
        for side in ("left", "right", "top"):
            ax.spines[side].set_visible(False)
    return _png(fig)


# -------------------------------------------------------------------------- renderers

_CSS = """
body { font-family: system-ui, -apple-system, "Segoe UI", Roboto, "Helvetica Neue", Arial,
       sans-serif; color: #1d2a33; max-width: 62rem; margin: 2rem auto; padding: 0 1rem;
       line-height: 1.5; }
h1 { font-size: 1.8rem; margin-bottom: .2rem; }
h2 { border-bottom: 2px solid #2a9d8f; padding-bottom: .2rem; margin-top: 2.2rem; }
table { border-collapse: collapse; width: 100%; margin: .8rem 0; font-size: .92rem; }
th, td { border: 1px solid #d5dde3; padding: .35rem .5rem; text-align: left;
         vertical-align: top; }
th { background: #eef3f6; }
td.num { text-align: right; white-space: nowrap; }
blockquote { border-left: 4px solid #d5dde3; margin: .6rem 0; padding: .2rem .9rem;
             color: #4a5a66; font-size: .92rem; }
figure { margin: 1rem 0; }
figure img { max-width: 100%; height: auto; border: 1px solid #e3e8ec; }
figcaption { font-size: .88rem; color: #4a5a66; }
.headlines { display: grid; grid-template-columns: repeat(auto-fill, minmax(18rem, 1fr));
             gap: .8rem; margin: 1rem 0; }
.headline { border: 1px solid #d5dde3; border-radius: .5rem; padding: .7rem .9rem;
            background: #f8fbfc; }
.headline .figure { font-size: 1.5rem; font-weight: 700; color: #1f6f66; display: block; }
.headline .ci, .headline .note { font-size: .88rem; color: #4a5a66; }
.headline .label { font-weight: 600; display: block; }
@media print { body { margin: 0; max-width: none; } h2 { break-after: avoid; }
               figure, table, .headline { break-inside: avoid; } }
"""


def _e(text: str) -> str:
    return html.escape(text, quote=True)


def render_html(report: Report) -> str:
    """The self-contained HTML page: pictures as data: URIs, no external address."""
    out = ["<!DOCTYPE html>", f'<html lang="{report.lang}">', "<head>",
           '<meta charset="utf-8">',
           '<meta name="viewport" content="width=device-width, initial-scale=1">',
           f"<title>{_e(report.title)}</title>", f"<style>{_CSS}</style>", "</head>",
           "<body>", f"<h1>{_e(report.title)}</h1>"]
    for block in report.blocks:
        if isinstance(block, Heading):
            out.append(f"<h{block.level}>{_e(block.text)}</h{block.level}>")
        elif isinstance(block, Para):
            out.append(f"<blockquote><p>{_e(block.text)}</p></blockquote>" if block.quote
                       else f"<p>{_e(block.text)}</p>")
        elif isinstance(block, Items):
            out.append("<ul>" + "".join(f"<li>{_e(i)}</li>" for i in block.items) + "</ul>")
        elif isinstance(block, Table):
            head = "".join(f"<th>{_e(h)}</th>" for h in block.header)
            body = "".join(
                "<tr>" + "".join(f'<td class="num">{_e(c)}</td>' if j in block.numeric
                                 else f"<td>{_e(c)}</td>" for j, c in enumerate(row)) + "</tr>"
                for row in block.rows)
            out.append(f"<table><thead><tr>{head}</tr></thead><tbody>{body}</tbody></table>")
        elif isinstance(block, Figure):
            data = base64.b64encode(report.pictures[block.name]).decode("ascii")
            out.append(f'<figure><img alt="{_e(block.alt)}" '
                       f'src="data:image/png;base64,{data}">'
                       f"<figcaption>{_e(block.caption)}</figcaption></figure>")
        elif isinstance(block, Headlines):
            out.append('<div class="headlines">')
            for h in block.items:
                ci = ""
                if h.low is not None and h.high is not None:
                    tag = "IC à 95\u00a0% " if report.lang == "fr" else "95\u00a0% CI "
                    ci = (f'<span class="ci">{_e(tag)}'
                          f'[<span data-field="low">{_e(h.low)}</span>'
                          f'{_e(" ; " if report.lang == "fr" else ", ")}'
                          f'<span data-field="high">{_e(h.high)}</span>]'
                          f'{_e((fr.NBSP + h.bounds_unit) if h.bounds_unit else "")}</span> ')
                note = f'<span class="note">{_e(h.note)}</span>' if h.note else ""
                out.append(f'<div class="headline" data-effect="{_e(h.effect)}">'
                           f'<span class="label">{_e(h.label)}</span>'
                           f'<span class="figure" data-field="mean">{_e(h.value)}</span>'
                           f"{ci}{note}</div>")
            out.append("</div>")
    out += ["</body>", "</html>", ""]
    return "\n".join(out)


def _md_cell(text: str) -> str:
    return text.replace("|", "\\|").replace("\n", " ")


def render_markdown(report: Report) -> str:
    """The same report in Markdown; pictures are the PNG files of the folder."""
    out = [f"# {report.title}", ""]
    fr_ = report.lang == "fr"
    for block in report.blocks:
        if isinstance(block, Heading):
            out += ["#" * block.level + " " + block.text, ""]
        elif isinstance(block, Para):
            out += [("> " + block.text) if block.quote else block.text, ""]
        elif isinstance(block, Items):
            out += [f"- {i}" for i in block.items] + [""]
        elif isinstance(block, Table):
            out.append("| " + " | ".join(_md_cell(h) for h in block.header) + " |")
            out.append("|" + "|".join("---:" if j in block.numeric else "---"
                                      for j in range(len(block.header))) + "|")
            out += ["| " + " | ".join(_md_cell(c) for c in row) + " |" for row in block.rows]
            out.append("")
        elif isinstance(block, Figure):
            out += [f"![{block.alt}]({block.name})", "", f"*{block.caption}*", ""]
        elif isinstance(block, Headlines):
            for h in block.items:
                ci = ""
                if h.low is not None and h.high is not None:
                    ci = ((" (IC à 95 % " if fr_ else " (95 % CI ")
                          + fr.interval(h.low, h.high, lang=report.lang)
                          + (fr.NBSP + h.bounds_unit if h.bounds_unit else "") + ")")
                note = f", {h.note}" if h.note else ""
                out.append(f"- **{h.label}** : {h.value}{ci}{note}" if fr_ else
                           f"- **{h.label}**: {h.value}{ci}{note}")
            out.append("")
    return "\n".join(out)


# ----------------------------------------------------------------------------- writing

def write_report(report: Report, out_dir: Path) -> list[Path]:
    """Write the report's files (:data:`REPORT_FILES`) into ``out_dir``, all or nothing (a
    previous report there is replaced); return their paths."""
    from experiments.results.outputs import atomic_dir

    out_dir = Path(out_dir)
    with atomic_dir(out_dir) as tmp:
        (tmp / "report.html").write_text(report.html, encoding="utf-8")
        (tmp / "report.md").write_text(report.markdown, encoding="utf-8")
        report.table.to_csv(tmp / "effects.csv")
        report.runs.to_csv(tmp / "runs.csv", index=False)
        for name, data in report.pictures.items():
            (tmp / name).write_bytes(data)
    return [out_dir / name for name in REPORT_FILES]
