"""The dashboard's pole builder: the form behind ``ptce new-pole``.

The page's choices go through :func:`experiments.cli.new_pole.plan_pole`, the same checks and
the same scenario as the command line; the files are written in a temporary folder, loaded by
the model's own validation, and the result is the whole parameter tree as YAML
(:func:`dashboards.scenario_file.to_yaml`), a single file that ``ptce run`` and the Explore
page's upload both read, with no path to the server's files. A refused pole raises
:class:`BuildError` in the interface's language; nothing is kept.
"""

from __future__ import annotations

import tempfile
from dataclasses import dataclass
from functools import cache
from pathlib import Path

from dashboards import i18n, scenario_file
from experiments.cli import new_pole
from experiments.results import french
from model import TerritoryParams
from scenarios import ScenarioError, load_scenario


class BuildError(ValueError):
    """A pole the data refuse, said in the interface's language."""


@dataclass(frozen=True)
class BuiltPole:
    """A pole scenario ready to download (``yaml_text``) or to open on the Explore page."""

    params: TerritoryParams
    yaml_text: str
    filename: str
    summary: list[str]


@cache
def zones() -> dict[str, str]:
    """Zone code -> its INSEE name, the 287 metropolitan zones d'emploi 2020 of the data."""
    return {code: label for code, (label, _) in sorted(new_pole.metropolitan_zones().items())}


@cache
def _communes() -> dict[str, new_pole.Commune]:
    return new_pole.read_communes()


def communes_of(zone: str) -> dict[str, str]:
    """Commune code -> "code name" for the communes of ``zone``, the most populous first
    (the towns a pole is usually built around come at the top of the list)."""
    rows = [c for c in _communes().values() if c.zone == zone]
    rows.sort(key=lambda c: (-(c.population or 0), c.name or "~", c.code))
    return {c.code: f"{c.code} {c.name or ''}".strip() for c in rows}


def zone_menu() -> dict[str, str]:
    """``"7503 Bayonne"`` -> ``"7503"``, the zone selector's entries."""
    return {f"{code} {label}": code for code, label in zones().items()}


def lever_menu(lang: str = "fr") -> dict[str, str]:
    """Words of each lever -> its parameter name, in the model's order."""
    from model.params import LEVERS

    return {french.words(french.LEVER_LABELS, lever, "fr" if lang == "fr" else "en"): lever
            for lever in LEVERS}


def build(*, zone: str, communes: list[str], name: str, kind: str = "place",
          staff: float | None = None, budget: float | None = None,
          levers: list[str] | tuple[str, ...] = new_pole.DEFAULT_LEVERS,
          lang: str = "fr") -> BuiltPole:
    """The pole scenario of the form's choices, or :class:`BuildError` saying why not."""
    if staff is not None and staff <= 0:
        raise BuildError(i18n.t("pole.staff.invalid", lang))
    if budget is not None and budget <= 0:
        raise BuildError(i18n.t("pole.budget.invalid", lang))
    with tempfile.TemporaryDirectory(prefix="ptce-pole-") as folder:
        target = Path(folder) / "pole.yaml"
        try:
            plan = new_pole.plan_pole(zone=zone, communes=communes, name=name, kind=kind,
                                      staff=staff, budget=budget, levers=levers,
                                      target=target)
        except new_pole.PoleInputError as exc:
            raise BuildError(_option_words(exc, lang)) from None
        if plan.new_territory is not None:
            plan.new_territory[0].write_text(plan.new_territory[1], encoding="utf-8")
        target.write_text(plan.text, encoding="utf-8")
        try:
            params = load_scenario(target)
        except ScenarioError as exc:  # a defect of the builder, said rather than shown raw
            raise BuildError(i18n.t("pole.invalid", lang, error=exc)) from None
    catchment = [c.code for c in plan.communes]
    # the catchment is not a model parameter yet: kept as a comment, as the command line does
    text = scenario_file.to_yaml(
        params, source=f"{plan.name} ({plan.zone} {plan.label})",
        origin="made by the dashboard's pole builder (ptce new-pole)",
        notes=(f"catchment: {', '.join(catchment)}",
               "The model does not yet simulate a catchment: it acts on the whole zone."))
    population = [c.population for c in plan.communes]
    inhabitants = (i18n.number(sum(p for p in population if p is not None), 0, lang)
                   if all(p is not None for p in population) else None)
    lever_words = {v: k for k, v in lever_menu(lang).items()}
    summary = [
        i18n.t("pole.summary.zone", lang, zone=plan.zone, label=plan.label),
        i18n.t("pole.summary.territory", lang, file=plan.territory.name)
        if plan.new_territory is None else i18n.t("pole.summary.built", lang),
        i18n.t("pole.summary.communes", lang, n=len(catchment),
               names=", ".join(f"{c.code} {c.name or ''}".strip() for c in plan.communes))
        + (i18n.t("pole.summary.inhabitants", lang, n=inhabitants) if inhabitants else ""),
        i18n.t("pole.summary.coordination", lang, fte=i18n.number(plan.fte, 1, lang),
               budget=i18n.number(plan.budget, 0, lang)),
        i18n.t("pole.summary.levers", lang,
               levers=", ".join(lever_words[x] for x in plan.levers)
               or i18n.t("pole.summary.none", lang)),
        i18n.t("pole.summary.catchment", lang),
    ]
    slug = f"{plan.zone}_{new_pole.slugify_name(plan.name)}.yaml"
    return BuiltPole(params, text, slug, summary)


def _option_words(exc: new_pole.PoleInputError, lang: str) -> str:
    """The refusal with the form's field named instead of the command's option."""
    field = i18n.t(f"pole.field.{exc.option.removeprefix('--')}", lang)
    detail = exc.fr if lang == "fr" else exc.en
    return f"{field} : {detail.removeprefix(': ')}" if lang == "fr" else \
        f"{field}: {detail.removeprefix(': ')}"
