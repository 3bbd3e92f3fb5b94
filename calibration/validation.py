"""Validation report: published figures the calibration does not fit, against the model.

Two lists are declared here and kept apart:

- :data:`CALIBRATION_FIGURES`: the names of the targets of :mod:`calibration.targets` (fitted,
  or entering a fitted target); the calibration may use only these.
- the validation-only figures of :data:`VALIDATION_FILE` (``data/validation_figures.csv``,
  provenance in ``data/VALIDATION_SOURCES.md``), each computed by an entry of
  :data:`INDICATORS`. No other module of ``calibration`` reads that file or names its figures
  (``tests/test_validation.py`` checks it, statically and at run time).

Each figure's simulated value is the mean over replications run on common seeds (the same
``SeedSequence(seed).spawn(n)`` as the calibration's runs), with a 95 % interval of that mean
(Student t over the replications). A figure is ``within`` when ``|simulated - target| <=
tolerance``; a figure the model cannot compute (no indicator yet, or nothing to measure in the
scenario, such as PMSMP without a PTCE) has an empty ``simulated`` and is not within.
"""

from __future__ import annotations

import csv
import io
import math
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np
import pandas as pd

from calibration.targets import DATA_DIR, TargetError, read_table

if TYPE_CHECKING:
    from model import RunResult, TerritoryParams

VALIDATION_FILE = DATA_DIR / "validation_figures.csv"
SOURCES_FILE = DATA_DIR / "VALIDATION_SOURCES.md"
#: Columns of ``validation.csv``, in order.
COLUMNS = ("figure", "source", "target", "tolerance", "simulated", "low", "high", "within",
           "used_in_calibration")
#: Targets of calibration/targets.py (``build_targets``), the only figures the calibration may
#: use. The route lengths by type are not fitted themselves but make the fitted mean.
CALIBRATION_FIGURES: tuple[str, ...] = (
    "unemployment_rate", "iae_per_active", "iae_route_length_mean", "iae_employed_6m_share",
    "job_finding_rate", "long_term_unemployed_share", "vacancy_rate", "iae_route_length_aci",
    "iae_route_length_ei", "iae_route_length_etti", "iae_route_length_ai",
)
#: Calibration targets that belong to a zone d'emploi: left out for a scenario without one.
ZONE_FIGURES = ("unemployment_rate", "iae_per_active")
#: Zone whose (national) targets stand for a scenario without ``zone_code``.
REFERENCE_ZONE = "7503"

# transition classes of model.TRANSITION_CLASSES
TEMP, DURABLE, UNEMPLOYED, INACTIVE = 0, 1, 2, 3
EMPLOYED = (TEMP, DURABLE)


class ValidationError(ValueError):
    """A validation figure file or request that cannot be used."""


@dataclass(frozen=True)
class Figure:
    """One published figure, its tolerance and where it comes from."""

    name: str
    target: float
    tolerance: float
    source: str
    used_in_calibration: bool
    unit: str = "share"
    confidence: str = ""
    reason: str = ""


@dataclass(frozen=True)
class Indicator:
    """How a figure is read from one run: ``compute(result) -> float`` (NaN: cannot tell).

    ``missing`` says, in French and English, why the value can be absent."""

    compute: Callable[[RunResult], float]
    doc: str
    missing: tuple[str, str] = ("non modélisé pour l'instant", "not modelled yet")


@dataclass(frozen=True)
class Row:
    """A figure with its simulated mean and interval over the replications."""

    figure: Figure
    simulated: float
    low: float
    high: float
    runs: int
    note: str = ""

    @property
    def within(self) -> bool:
        return math.isfinite(self.simulated) and \
            abs(self.simulated - self.figure.target) <= self.figure.tolerance + 1e-12


# --------------------------------------------------------------------------------------------
# Indicators of the validation figures, from a RunResult


def transition_rate(counts: np.ndarray, origin: Sequence[int], dest: Sequence[int]) -> float:
    """Share of the quarterly moves out of the classes ``origin`` that end in ``dest``."""
    counts = np.asarray(counts, dtype=float)
    rows = counts[list(origin), :]
    total = rows.sum()
    return float(rows[:, list(dest)].sum() / total) if total else float("nan")


def _transition(origin: Sequence[int], dest: Sequence[int]) -> Callable[[RunResult], float]:
    return lambda r: transition_rate(r.transitions, origin, dest)


def _seen_exits(r: RunResult) -> pd.DataFrame:
    exits = r.iae_exits
    return exits[exits["state_6m"].notna()] if len(exits) else exits


def _state_6m_share(state: str, siae_type: str | None = None) -> Callable[[RunResult], float]:
    def compute(r: RunResult) -> float:
        exits = _seen_exits(r)
        if siae_type is not None:
            exits = exits[exits["siae_type"] == siae_type]
        return float((exits["state_6m"] == state).mean()) if len(exits) else float("nan")

    return compute


_EMPLOYED_STATES = ("SIAE", "EMPLOYED_TEMP", "EMPLOYED_DURABLE", "SELF_EMPLOYED")


def _employed_6m(column: str, value: object) -> Callable[[RunResult], float]:
    def compute(r: RunResult) -> float:
        exits = _seen_exits(r)
        exits = exits[exits[column] == value]
        return float(exits["state_6m"].isin(_EMPLOYED_STATES).mean()) if len(exits) \
            else float("nan")

    return compute


def _returning_share(r: RunResult) -> float:
    """Share of the persons leaving a SIAE in the horizon who leave one again later."""
    exits = r.iae_exits
    if not len(exits):
        return float("nan")
    per_person = exits.groupby("person_id").size()
    return float((per_person >= 2).mean())


def _entrants_36m(situation: str) -> Callable[[RunResult], float]:
    def compute(r: RunResult) -> float:
        shares = [r.outcomes.get(f"iae_entrants_36m_{s}", 0.0)
                  for s in ("ordinary_job", "still_iae", "unemployed", "inactive")]
        if sum(shares) < 0.5:  # no entrant followed for 36 months in this run
            return float("nan")
        return float(r.outcomes[f"iae_entrants_36m_{situation}"])

    return compute


def _pmsmp(key: str) -> Callable[[RunResult], float]:
    def compute(r: RunResult) -> float:
        if not r.outcomes.get("pmsmp_participants", 0.0):
            return float("nan")
        return float(r.outcomes[key])

    return compute


def _outcome(key: str) -> Callable[[RunResult], float]:
    return lambda r: float(r.outcomes.get(key, float("nan")))


_NO_36M = ("aucun entrant suivi 36 mois : horizon trop court",
           "no entrant followed for 36 months: horizon too short")
_NO_PMSMP = ("pas d'immersion PMSMP dans ce scénario (il faut un PTCE)",
             "no PMSMP immersion in this scenario (it needs a PTCE)")

#: Validation figure name -> how the model gives it.
INDICATORS: dict[str, Indicator] = {
    "transition_unemployed_to_inactive_quarterly": Indicator(
        _transition([UNEMPLOYED], [INACTIVE]), "quarterly transitions, unemployed -> inactive"),
    "transition_inactive_to_unemployed_quarterly": Indicator(
        _transition([INACTIVE], [UNEMPLOYED]), "quarterly transitions, inactive -> unemployed"),
    "transition_unemployed_to_employed_quarterly": Indicator(
        _transition([UNEMPLOYED], EMPLOYED), "quarterly transitions, unemployed -> any job"),
    "transition_employed_to_unemployed_quarterly": Indicator(
        _transition(EMPLOYED, [UNEMPLOYED]), "quarterly transitions, any job -> unemployed"),
    "transition_employed_to_inactive_quarterly": Indicator(
        _transition(EMPLOYED, [INACTIVE]), "quarterly transitions, any job -> inactive"),
    "transition_inactive_to_employed_quarterly": Indicator(
        _transition([INACTIVE], EMPLOYED), "quarterly transitions, inactive -> any job"),
    "transition_limited_to_permanent_quarterly": Indicator(
        _transition([TEMP], [DURABLE]), "quarterly transitions, temp_job -> durable_job"),
    "transition_limited_to_unemployed_quarterly": Indicator(
        _transition([TEMP], [UNEMPLOYED]), "quarterly transitions, temp_job -> unemployed"),
    "transition_permanent_to_unemployed_quarterly": Indicator(
        _transition([DURABLE], [UNEMPLOYED]), "quarterly transitions, durable_job -> unemployed"),
    "cdd_share_of_hires": Indicator(
        _outcome("short_contract_share_of_hires"), "short_contract_share_of_hires outcome"),
    "iae_employed_6m_share_rsa": Indicator(
        _employed_6m("rsa", True), "RSA leavers (iae_exits.rsa) employed 6 months after exit"),
    "iae_employed_6m_share_non_minima": Indicator(
        _employed_6m("rsa", False), "non-RSA leavers employed 6 months after exit"),
    "iae_leavers_jobseeking_6m_share": Indicator(
        _state_6m_share("UNEMPLOYED"), "leavers UNEMPLOYED 6 months after exit"),
    "iae_leavers_training_6m_share": Indicator(
        _state_6m_share("TRAINING"), "leavers in TRAINING 6 months after exit"),
    "iae_leavers_inactive_6m_share": Indicator(
        _state_6m_share("INACTIVE"), "leavers INACTIVE 6 months after exit"),
    "iae_durable_employment_6m_share_aci": Indicator(
        _state_6m_share("EMPLOYED_DURABLE", "ACI"), "ACI leavers EMPLOYED_DURABLE at 6 months"),
    **{f"iae_employed_6m_share_{t.lower()}_panel": Indicator(
        _employed_6m("siae_type", t), f"{t} leavers employed 6 months after exit")
       for t in ("ACI", "EI", "AI", "ETTI")},
    "iae_anchored_trajectory_share": Indicator(
        _returning_share, "persons leaving a SIAE twice or more in the horizon, over leavers"),
    **{f"iae_entrants_36m_{s}_share": Indicator(
        _entrants_36m(s), f"iae_entrants_36m_{s} outcome", _NO_36M)
       for s in ("ordinary_job", "still_iae", "unemployed", "inactive")},
    "pmsmp_job_within_12m_participants_share": Indicator(
        _pmsmp("pmsmp_job_within_12m_participants"), "pmsmp_job_within_12m_participants",
        _NO_PMSMP),
    "pmsmp_job_within_12m_comparison_share": Indicator(
        _pmsmp("pmsmp_job_within_12m_comparison"), "pmsmp_job_within_12m_comparison",
        _NO_PMSMP),
    "long_term_unemployed_share_ilo": Indicator(
        _outcome("long_term_unemployed_share"), "long_term_unemployed_share outcome (register "
        "seniority, not ILO search duration)"),
}


# --------------------------------------------------------------------------------------------
# The figures


def load_validation_figures(path: Path = VALIDATION_FILE) -> list[Figure]:
    """The validation-only figures of ``path``; errors name the file, the row and column."""
    frame = read_table(path, ("figure", "target", "tolerance", "unit", "published",
                              "confidence", "source", "tolerance_reason"),
                       numeric=("target", "tolerance"))
    figures = []
    for i, row in frame.iterrows():
        name = str(row["figure"]).strip()
        if not name:
            raise ValidationError(f"{path}: data row {int(i) + 1}: empty figure name")
        if name in CALIBRATION_FIGURES:
            raise ValidationError(f"{path}: figure {name!r} is a calibration target")
        if not (math.isfinite(row["target"]) and row["tolerance"] > 0):
            raise ValidationError(f"{path}: figure {name!r}: target must be finite and "
                                  "tolerance positive")
        figures.append(Figure(name, float(row["target"]), float(row["tolerance"]),
                              str(row["source"]), False, unit=str(row["unit"]),
                              confidence=str(row["confidence"]),
                              reason=str(row["tolerance_reason"])))
    names = [f.name for f in figures]
    if len(set(names)) != len(names):
        raise ValidationError(f"{path}: a figure name appears twice")
    unknown = sorted(set(names) - set(INDICATORS))
    if unknown:
        raise ValidationError(f"{path}: no indicator for figure(s) {', '.join(unknown)}")
    return figures


def calibration_figures(params: TerritoryParams) -> list[Figure]:
    """The calibration's targets for the scenario's zone (or, without one, its national
    targets, those of any zone), as figures used in calibration."""
    from calibration.targets import build_targets

    zone = getattr(params, "zone_code", None)
    targets = build_targets(str(zone) if zone else REFERENCE_ZONE)
    if not zone:
        targets = [t for t in targets if t.name not in ZONE_FIGURES]
    return [Figure(t.name, t.value, t.uncertainty, t.source, True, unit=t.unit,
                   confidence=t.confidence, reason=t.note) for t in targets]


def _calibration_indicator(name: str) -> Callable[[RunResult], float]:
    from calibration.moments import MOMENTS, sim_run_from_result

    return lambda r: MOMENTS[name].compute(sim_run_from_result(r))


# --------------------------------------------------------------------------------------------
# Runs and evaluation


def run_replications(params: TerritoryParams, replications: int, seed: int,
                     progress: Callable[[int], None] | None = None) -> list[RunResult]:
    """``replications`` runs of ``params`` on the seeds ``SeedSequence(seed).spawn(n)``."""
    from model import simulate, with_values

    quiet = with_values(params, {"simulation.record_spells": False})
    results = []
    for i, s in enumerate(np.random.SeedSequence(seed).spawn(replications)):
        results.append(simulate(quiet, s))
        if progress is not None:
            progress(i + 1)
    return results


def summarise(values: Sequence[float]) -> tuple[float, float, float, int]:
    """(mean, low, high, n) of the finite ``values``: 95 % Student interval of the mean."""
    from experiments.results.effects import mean_interval

    finite = np.array([v for v in values if math.isfinite(v)], dtype=float)
    n = finite.size
    if n == 0:
        return float("nan"), float("nan"), float("nan"), 0
    if n < 2:
        return float(finite.mean()), float("nan"), float("nan"), 1
    return (*mean_interval(finite), n)


def evaluate(figures: Sequence[Figure], results: Sequence[RunResult],
             lang: str = "fr") -> list[Row]:
    """Each figure's simulated mean and interval over ``results``."""
    rows = []
    for figure in figures:
        if figure.used_in_calibration:
            compute = _calibration_indicator(figure.name)
            missing = ("non calculable sur ces runs", "not computable on these runs")
        else:
            indicator = INDICATORS[figure.name]
            compute, missing = indicator.compute, indicator.missing
        mean, low, high, n = summarise([compute(r) for r in results])
        note = "" if n else missing[0 if lang == "fr" else 1]
        rows.append(Row(figure, mean, low, high, n, note))
    return rows


# --------------------------------------------------------------------------------------------
# Outputs


def _num(value: float) -> str:
    return f"{value:.6g}" if math.isfinite(value) else ""


def csv_text(rows: Sequence[Row]) -> str:
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    writer.writerow(COLUMNS)
    for r in rows:
        f = r.figure
        writer.writerow([f.name, f.source, _num(f.target), _num(f.tolerance), _num(r.simulated),
                         _num(r.low), _num(r.high), str(r.within).lower(),
                         str(f.used_in_calibration).lower()])
    return buffer.getvalue()


_TEXT = {
    "fr": {
        "title": "Validation du modèle : chiffres publiés et valeurs simulées",
        "intro": ("Chaque chiffre publié (Dares, Insee, France Travail / Pôle emploi) est "
                  "comparé à la moyenne de {n} réplications du scénario `{scenario}` "
                  "({persons:,} personnes, {months} mois, graines communes issues de {seed}), "
                  "avec l'intervalle à 95 % de cette moyenne. Un chiffre est « dans la "
                  "tolérance » quand l'écart à la cible ne dépasse pas la tolérance, dont la "
                  "raison est donnée (erreur d'échantillonnage de la source, écart de "
                  "définition). Les sources sont détaillées dans "
                  "`calibration/data/VALIDATION_SOURCES.md`."),
        "held": "Chiffres de validation (non utilisés par la calibration)",
        "fitted": "Cibles de la calibration (pour mémoire)",
        "summary": ("{ok} chiffres de validation sur {n} dans la tolérance ({share:.0%}) ; "
                    "{missing} non simulés, comptés hors tolérance."),
        "head": "| chiffre | cible | tolérance | simulé | IC 95 % | dans la tolérance | note |",
        "yes": "oui", "no": "non",
        "why": "Raisons des tolérances",
        "honest": ("Le modèle n'est pas ajusté sur ces chiffres : un écart signale ce que le "
                   "modèle ne reproduit pas encore, il n'a pas été corrigé en réglant la "
                   "tolérance."),
        "chart": "Graphique : `validation.png`.",
    },
    "en": {
        "title": "Model validation: published figures against simulated values",
        "intro": ("Each published figure (Dares, INSEE, France Travail / Pôle emploi) is "
                  "compared with the mean of {n} replications of scenario `{scenario}` "
                  "({persons:,} persons, {months} months, common seeds from {seed}), with the "
                  "95 % interval of that mean. A figure is within tolerance when its distance "
                  "to the target is at most the tolerance, whose reason is given (sampling "
                  "error of the source, definitional mismatch). Sources are in "
                  "`calibration/data/VALIDATION_SOURCES.md`."),
        "held": "Validation figures (not used by the calibration)",
        "fitted": "Calibration targets (for reference)",
        "summary": ("{ok} of {n} validation figures within tolerance ({share:.0%}); "
                    "{missing} not simulated, counted as not within."),
        "head": "| figure | target | tolerance | simulated | 95 % CI | within | note |",
        "yes": "yes", "no": "no",
        "why": "Reasons for the tolerances",
        "honest": ("The model is not fitted to these figures: a gap shows what the model does "
                   "not reproduce yet; no tolerance was widened to hide it."),
        "chart": "Chart: `validation.png`.",
    },
}


def _fmt(value: float, unit: str) -> str:
    if not math.isfinite(value):
        return "–"
    return f"{value:.2f}" if "month" in unit else f"{100 * value:.1f} %"


def markdown_text(rows: Sequence[Row], *, scenario: str, replications: int, seed: int,
                  persons: int, months: int, lang: str = "fr") -> str:
    t = _TEXT[lang]
    held = [r for r in rows if not r.figure.used_in_calibration]
    ok = sum(r.within for r in held)
    lines = [f"# {t['title']}", "",
             t["intro"].format(n=replications, scenario=scenario, persons=persons,
                               months=months, seed=seed), "",
             t["summary"].format(ok=ok, n=len(held), share=ok / len(held) if held else 0.0,
                                 missing=sum(not math.isfinite(r.simulated) for r in held)),
             "", t["honest"], "", t["chart"], ""]
    for title, group in ((t["held"], held),
                         (t["fitted"], [r for r in rows if r.figure.used_in_calibration])):
        if not group:
            continue
        lines += [f"## {title}", "", t["head"], "|---|---|---|---|---|---|---|"]
        for r in group:
            f = r.figure
            ci = (f"{_fmt(r.low, f.unit)} – {_fmt(r.high, f.unit)}"
                  if math.isfinite(r.low) else "–")
            lines.append(f"| `{f.name}` | {_fmt(f.target, f.unit)} | "
                         f"{_fmt(f.tolerance, f.unit).replace(' %', ' pt')} | "
                         f"{_fmt(r.simulated, f.unit)} | {ci} | "
                         f"{t['yes'] if r.within else t['no']} | {r.note} |")
        lines.append("")
    lines += [f"## {t['why']}", ""]
    lines += [f"- `{r.figure.name}` ({r.figure.confidence}): {r.figure.reason} "
              f"— {r.figure.source}" for r in rows]
    return "\n".join(lines) + "\n"


def write_chart(rows: Sequence[Row], path: Path, title: str) -> None:
    """Each figure's target with its tolerance band and the simulated value with its
    interval; shares in one panel (percent), months in another."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    panels = [[r for r in rows if "month" not in r.figure.unit],
              [r for r in rows if "month" in r.figure.unit]]
    panels = [p for p in panels if p]
    heights = [max(1, len(p)) for p in panels]
    fig, axes = plt.subplots(len(panels), 1, figsize=(9, 0.32 * sum(heights) + 2.2),
                             gridspec_kw={"height_ratios": heights}, squeeze=False)
    for ax, group in zip(axes[:, 0], panels, strict=True):
        scale = 1.0 if "month" in group[0].figure.unit else 100.0
        for y, r in enumerate(group):
            f = r.figure
            ax.barh(y, 2 * f.tolerance * scale, left=(f.target - f.tolerance) * scale,
                    height=0.6, color="#c6dbef" if not f.used_in_calibration else "#e0e0e0")
            ax.plot([f.target * scale], [y], "|", color="#08519c", markersize=12)
            if math.isfinite(r.simulated):
                err = None
                if math.isfinite(r.low):
                    err = [[(r.simulated - r.low) * scale], [(r.high - r.simulated) * scale]]
                ax.errorbar([r.simulated * scale], [y], xerr=err, fmt="o", capsize=3,
                            color="#2ca25f" if r.within else "#de2d26")
        ax.set_yticks(range(len(group)))
        ax.set_yticklabels([r.figure.name for r in group], fontsize=7)
        ax.invert_yaxis()
        ax.set_xlabel("months" if scale == 1.0 else "%")
        ax.grid(axis="x", alpha=0.3)
    axes[0, 0].set_title(title, fontsize=10)
    fig.tight_layout()
    fig.savefig(path, dpi=110)
    plt.close(fig)


def write_report(reports: Sequence[tuple[str, list[Row]]], out_dir: Path, *,
                 replications: int, seed: int, sizes: Sequence[tuple[int, int]],
                 lang: str = "fr") -> list[Path]:
    """Write ``validation.csv``, ``validation.md`` and ``validation.png`` for each scenario
    (into ``out_dir``, or ``out_dir/SLUG`` when there are several), all or nothing."""
    from experiments.cli.common import scenario_slug
    from experiments.results.outputs import atomic_dir

    written: list[Path] = []
    with atomic_dir(out_dir) as tmp:
        for (scenario, rows), (persons, months) in zip(reports, sizes, strict=True):
            folder = tmp if len(reports) == 1 else tmp / scenario_slug(scenario)
            folder.mkdir(parents=True, exist_ok=True)
            (folder / "validation.csv").write_text(csv_text(rows), encoding="utf-8")
            (folder / "validation.md").write_text(
                markdown_text(rows, scenario=scenario, replications=replications, seed=seed,
                              persons=persons, months=months, lang=lang), encoding="utf-8")
            write_chart(rows, folder / "validation.png", f"{scenario}: target ± tolerance, "
                        f"simulated (95 % CI, {replications} runs)")
            written += [folder / n for n in ("validation.csv", "validation.md",
                                             "validation.png")]
    return [out_dir / p.relative_to(tmp) for p in written]


def validation_rows(params: TerritoryParams, replications: int, seed: int,
                    lang: str = "fr",
                    progress: Callable[[int], None] | None = None) -> list[Row]:
    """Validation-only figures first, then the calibration's, evaluated on fresh runs."""
    try:
        figures = load_validation_figures() + calibration_figures(params)
    except TargetError as exc:
        raise ValidationError(str(exc)) from exc
    results = run_replications(params, replications, seed, progress)
    return evaluate(figures, results, lang)
