"""``ptce new-pole``: write a PTCE scenario YAML for any metropolitan zone d'emploi 2020.

Registered on the main app through the ``ptce.commands`` entry point ``new-pole``. The scenario
``extends`` the zone's calibrated territory (scenarios/territories/calibrated/) when there is
one, else its generated territory (scenarios/territories/), else a territory built from the
data by :mod:`scenarios.make_territories`, written next to the pole file. The catchment (the
communes, INSEE codes, checked against calibration/data/commune_to_ze2020.csv) is written as a
comment: the model acts on the whole zone until catchments are modelled. Exit codes: 0 success;
2 bad input (unknown zone or commune, a commune of another zone, an unknown lever, an existing
file without ``--force``), in which case nothing is written.
"""

from __future__ import annotations

import csv
import os
import statistics
from dataclasses import dataclass
from enum import StrEnum
from pathlib import Path
from typing import Annotated

import typer

from experiments.cli.common import fail, out

_ROOT = Path(__file__).resolve().parents[2]
#: The commune to zone d'emploi 2020 table (INSEE, via the project's data copy).
COMMUNES_CSV = _ROOT / "calibration" / "data" / "commune_to_ze2020.csv"
#: INSEE legal populations by commune (the shared data folder next to the project).
_POPULATIONS = "insee_populations_legales_2023_communes.csv"
POPULATION_FILES = (_ROOT / "calibration" / "data" / _POPULATIONS,
                    _ROOT.parent / "shared" / "data" / _POPULATIONS)
#: Region codes of the overseas zones (Guadeloupe, Martinique, Guyane, La Réunion, Mayotte).
OVERSEAS = ("01", "02", "03", "04", "06")
#: Communes split into arrondissements municipaux in the population file: code -> prefix.
ARRONDISSEMENTS = {"75056": ("751", "Paris"), "13055": ("132", "Marseille"),
                   "69123": ("6938", "Lyon")}
DEFAULT_LEVERS = ("bridges", "immersions")


class Kind(StrEnum):
    sector = "sector"
    place = "place"


class Language(StrEnum):
    fr = "fr"
    en = "en"


@dataclass(frozen=True)
class Commune:
    code: str
    zone: str
    name: str | None = None
    population: int | None = None


def closest(code: str, candidates: list[str], n: int = 5) -> list[str]:
    """The ``n`` codes of ``candidates`` nearest to ``code``: longest common prefix first,
    then nearest in number."""
    def key(candidate: str) -> tuple[int, int, str]:
        prefix = next((i for i, (a, b) in enumerate(zip(code, candidate, strict=False))
                       if a != b), min(len(code), len(candidate)))
        gap = abs(int(candidate) - int(code)) if candidate.isdigit() and code.isdigit() else 0
        return (-prefix, gap, candidate)

    return sorted(candidates, key=key)[:n]


def metropolitan_zones() -> dict[str, tuple[str, float]]:
    """Zone code -> (INSEE label, 2024 unemployment rate in %) of the metropolitan zones."""
    from scenarios.make_territories import DEFAULT_DATA_DIR, read_unemployment

    return {code: value for code, value in read_unemployment(DEFAULT_DATA_DIR).items()
            if code[:2] not in OVERSEAS}


def read_communes() -> dict[str, Commune]:
    """Commune code -> its zone, with its name and population when the data has them."""
    names: dict[str, tuple[str, int]] = {}
    for file in POPULATION_FILES:
        if file.is_file():
            with open(file, encoding="utf-8", newline="") as f:
                for row in csv.DictReader(f, delimiter=";"):
                    names[row["COM"]] = (row["Commune"], int(row["PMUN"]))
            break
    for code, (prefix, name) in ARRONDISSEMENTS.items():
        parts = [p for c, (_, p) in names.items() if c.startswith(prefix) and c != code]
        if parts:
            names[code] = (name, sum(parts))
    communes: dict[str, Commune] = {}
    with open(COMMUNES_CSV, encoding="utf-8-sig", newline="") as f:
        for row in csv.DictReader(f):
            code, zone = row["codgeo"].strip(), row["ze2020"].strip()
            if not zone.isdigit():
                continue
            name, population = names.get(code, (None, None))
            communes[code] = Commune(code, zone, name, population)
    return communes


def preset_medians() -> tuple[float, float]:
    """Median coordinator FTE and yearly budget of the PTCE presets (scenarios/ptce)."""
    from scenarios import list_presets, load_scenario

    poles = [load_scenario(p).ptce for p in list_presets() if p.startswith("ptce/")]
    poles = [p for p in poles if p is not None]
    return (statistics.median(p.coordinator_fte for p in poles),
            statistics.median(p.budget_per_year for p in poles))


def territory_file(zone: str) -> Path | None:
    """The calibrated territory of ``zone``, else its generated one, else ``None``."""
    from scenarios.loader import PRESETS_DIR

    for folder in (PRESETS_DIR / "territories" / "calibrated", PRESETS_DIR / "territories"):
        found = sorted(folder.glob(f"{zone}_*.yaml"))
        if found:
            return found[0]
    return None


def slugify_name(name: str) -> str:
    """A file-friendly form of a pole's name (``pole`` when nothing is left)."""
    from scenarios.make_territories import slugify

    return slugify(name) or "pole"


def _thousands(value: float) -> str:
    """``80000`` -> ``'80 000'`` (French grouping, a space)."""
    return f"{value:,.0f}".replace(",", " ")


def _quote(text: str) -> str:
    return '"' + text.replace("\\", "\\\\").replace('"', '\\"') + '"'


def render_pole(*, name: str, zone: str, label: str, extends: str, kind: str, fte: float,
                budget: float, levers: tuple[str, ...], communes: list[Commune],
                shares: dict[str, float]) -> str:
    """The YAML text of the pole scenario."""
    import textwrap

    listed = [f"#   {c.code} {c.name or '(name not in the data)'}"
              + (f", {_thousands(c.population)} inhabitants" if c.population else "")
              for c in communes]
    pops = [c.population for c in communes]
    total = (f"{_thousands(sum(pops))} inhabitants (INSEE populations légales "
             "2023, population municipale)") if pops and all(p is not None for p in pops) \
        else "unknown (not every commune is in the population data)"
    description = textwrap.fill(
        f"{name}, a {kind} pole in the zone d'emploi {zone} {label}; its catchment is "
        f"{len(communes)} commune(s) (listed in the comment above). The model acts on the "
        f"whole zone until catchments are modelled. Coordinator and budget: "
        f"{fte:g} FTE, {_thousands(budget)} EUR a year; levers: {', '.join(levers) or 'none'}.",
        width=96, initial_indent="  ", subsequent_indent="  ")
    share_lines = "".join(f"  {key}: {value:g}\n" for key, value in shares.items())
    lever_lines = "".join(f"  {lever}: {{enabled: true}}\n" for lever in levers)
    return (
        f"# {name} (zone d'emploi {zone} {label})\n"
        f"# Written by `ptce new-pole`.\n"
        f"# catchment: {', '.join(c.code for c in communes)}\n"
        + "\n".join(listed) + "\n"
        f"# catchment population: {total}\n"
        f"# The model does not yet simulate a catchment: it acts on the whole zone d'emploi.\n"
        f"extends: {extends}\n"
        f"name: {_quote(name)}\n"
        f"description: >-\n{description}\n"
        f"ptce:\n"
        f"  name: {_quote(name)}\n"
        f"  kind: {kind}\n"
        f"  coordinator_fte: {fte:g}\n"
        f"  budget_per_year: {budget:g}\n"
        f"{share_lines}{lever_lines}"
    )


def new_pole(
    zone: Annotated[str, typer.Option(
        "--zone", help="Zone d'emploi 2020 code (INSEE, 4 digits, e.g. 7503), metropolitan.",
        show_default=False)],
    communes: Annotated[str, typer.Option(
        "--communes", help="Communes of the catchment, INSEE codes separated by commas; each "
                           "must belong to the zone.", show_default=False)],
    name: Annotated[str, typer.Option("--name", help="Name of the pole.", show_default=False)],
    kind: Annotated[Kind, typer.Option(
        "--kind", help="sector pole (filière) or place pole (lieu).")] = Kind.place,
    staff: Annotated[float | None, typer.Option(
        "--staff", min=0.0, max=100.0, show_default=False,
        help="Coordinator FTE (ptce.coordinator_fte; default: the median of the ten presets "
             "in scenarios/ptce, 1.5).")] = None,
    budget: Annotated[float | None, typer.Option(
        "--budget", min=0.0, show_default=False,
        help="Coordination budget, EUR a year (ptce.budget_per_year; default: the median of "
             "the ten presets, 80000).")] = None,
    levers: Annotated[str, typer.Option(
        "--levers", help="Levers enabled, separated by commas (the others are off).")
    ] = ",".join(DEFAULT_LEVERS),
    share_siae: Annotated[float | None, typer.Option(
        "--member-share-siae", min=0.0, max=1.0, show_default=False,
        help="Share of SIAE that are members (default: the model's).")] = None,
    share_firms: Annotated[float | None, typer.Option(
        "--member-share-firms", min=0.0, max=1.0, show_default=False,
        help="Share of firms that are members (default: the model's).")] = None,
    out_file: Annotated[Path | None, typer.Option(
        "--out", help="File to write (default: ZONE_NAME.yaml in the current folder).",
        show_default=False, dir_okay=False)] = None,
    force: Annotated[bool, typer.Option("--force", help="Replace an existing file.")] = False,
    lang: Annotated[Language, typer.Option(
        "--lang", help="Language of the summary: fr or en.", case_sensitive=False)
    ] = Language.fr,
) -> None:
    """Write a PTCE scenario for a zone d'emploi and the communes of its catchment.

    The scenario extends the zone's calibrated territory when there is one, else its
    generated territory, else a territory built from the data (written next to the file).
    The communes are written as a comment: the model acts on the whole zone until catchments
    are modelled. Run it with `ptce run FILE`.
    """
    try:
        plan = plan_pole(zone=zone, communes=communes.split(","), name=name, kind=kind.value,
                         staff=staff, budget=budget, levers=levers.split(","),
                         share_siae=share_siae, share_firms=share_firms, target=out_file)
    except PoleInputError as exc:
        raise fail(exc.message("en")) from None
    if plan.target.exists() and not force:
        raise fail(f"--out {plan.target}: the file exists; use --force to replace it")
    _write(plan.target, plan.text, plan.new_territory)
    _summary(plan.target, lang.value, plan.name, plan.zone, plan.label, plan.territory,
             plan.new_territory is not None, plan.communes, plan.fte, plan.budget, plan.levers)


class PoleInputError(ValueError):
    """A pole the data do not allow: ``option`` names the input, ``en`` and ``fr`` say what
    is wrong and what is expected (the command line speaks English, the dashboard the
    interface's language)."""

    def __init__(self, option: str, en: str, fr: str) -> None:
        super().__init__(f"{option} {en}")
        self.option, self.en, self.fr = option, en, fr

    def message(self, lang: str = "en") -> str:
        return f"{self.option} {self.fr if lang == 'fr' else self.en}"


@dataclass(frozen=True)
class PolePlan:
    """What ``ptce new-pole`` (or the dashboard's form) writes: the pole's YAML ``text`` for
    ``target``, and the territory it extends (``new_territory``: the file to write beside it
    when the zone has no territory yet, else ``None``)."""

    target: Path
    text: str
    territory: Path
    new_territory: tuple[Path, str] | None
    name: str
    zone: str
    label: str
    communes: list[Commune]
    fte: float
    budget: float
    levers: tuple[str, ...]


def plan_pole(*, zone: str, communes: list[str], name: str, kind: str = "place",
              staff: float | None = None, budget: float | None = None,
              levers: list[str] | tuple[str, ...] = DEFAULT_LEVERS,
              share_siae: float | None = None, share_firms: float | None = None,
              target: Path | None = None) -> PolePlan:
    """Check a pole against the data and compose its scenario, writing nothing.

    Raises :class:`PoleInputError` for an unknown zone or commune, a commune of another zone,
    an unknown lever or an empty name, naming the closest valid codes or the valid levers.
    """
    from model.params import LEVERS
    from scenarios.make_territories import Zone, read_siae_mix, render, siae_posts, slugify

    zones = metropolitan_zones()
    zone = zone.strip()
    if zone not in zones:
        near = ", ".join(f"{c} {zones[c][0]}" for c in closest(zone, sorted(zones)))
        raise PoleInputError(
            "--zone", f"{zone}: not a metropolitan zone d'emploi 2020 of the data "
                      f"({len(zones)} zones); closest codes: {near}",
            f"{zone} : ce n'est pas une zone d'emploi 2020 de France métropolitaine des "
            f"données ({len(zones)} zones) ; codes les plus proches : {near}")
    label, rate = zones[zone]
    table = read_communes()
    codes = [c.strip().upper() for c in communes if c.strip()]
    if not codes:
        raise PoleInputError("--communes", "give at least one INSEE commune code",
                             ": donnez au moins un code commune INSEE")
    chosen: list[Commune] = []
    in_zone = sorted(c for c, v in table.items() if v.zone == zone)
    for code in dict.fromkeys(codes):
        commune = table.get(code)
        near = ", ".join(closest(code, in_zone))
        if commune is None:
            raise PoleInputError(
                "--communes", f"{code} is not a commune code of the data "
                              f"({COMMUNES_CSV.name}); closest codes in zone {zone}: {near}",
                f"{code} n'est pas un code commune des données ({COMMUNES_CSV.name}) ; "
                f"codes les plus proches dans la zone {zone} : {near}")
        if commune.zone != zone:
            other = zones.get(commune.zone, ("(overseas or without 2024 data)", 0.0))[0]
            raise PoleInputError(
                "--communes", f"{code} {commune.name or ''} belongs to zone {commune.zone} "
                              f"{other}, not to {zone} {label}; closest codes in zone "
                              f"{zone}: {near}",
                f"{code} {commune.name or ''} appartient à la zone {commune.zone} {other}, "
                f"pas à la zone {zone} {label} ; codes les plus proches dans la zone "
                f"{zone} : {near}")
        chosen.append(commune)
    chosen_levers = tuple(dict.fromkeys(x.strip() for x in levers if x.strip()))
    unknown = [x for x in chosen_levers if x not in LEVERS]
    if unknown:
        raise PoleInputError(
            "--levers", f"unknown lever(s) {', '.join(unknown)}; valid levers: "
                        f"{', '.join(LEVERS)}",
            f"levier(s) inconnu(s) {', '.join(unknown)} ; leviers valides : "
            f"{', '.join(LEVERS)}")
    if not name.strip():
        raise PoleInputError("--name", "give the pole a name", ": donnez un nom au pôle")
    name = name.strip()
    if target is None:
        target = Path(f"{zone}_{slugify_name(name)}.yaml")
    median_fte, median_budget = (None, None) if staff is not None and budget is not None \
        else preset_medians()
    fte = staff if staff is not None else median_fte
    cost = budget if budget is not None else median_budget
    shares = {k: v for k, v in (("member_share_siae", share_siae),
                                ("member_share_firms", share_firms)) if v is not None}

    territory = territory_file(zone)
    new_territory: tuple[Path, str] | None = None
    if territory is None:
        territory = target.parent / f"{zone}_{slugify(label)}.yaml"
        if not territory.exists():
            from scenarios.make_territories import DEFAULT_DATA_DIR

            posts = siae_posts(read_siae_mix(DEFAULT_DATA_DIR))
            new_territory = (territory, render(Zone(zone, name), label, rate, posts))
    # relative inside the project (as the presets are), absolute from elsewhere
    inside = target.resolve().is_relative_to(_ROOT)
    extends = (os.path.relpath(territory.resolve(), target.resolve().parent) if inside
               else str(territory.resolve()))
    text = render_pole(name=name, zone=zone, label=label, extends=extends, kind=kind, fte=fte,
                       budget=cost, levers=chosen_levers, communes=chosen, shares=shares)
    return PolePlan(target, text, territory, new_territory, name, zone, label, chosen, fte,
                    cost, chosen_levers)


def _write(target: Path, text: str, territory: tuple[Path, str] | None) -> None:
    """Write the territory (if new) then the pole, checked by loading it; all or nothing."""
    from experiments.results.outputs import write_text_atomic
    from scenarios import ScenarioError, load_scenario

    written: list[Path] = []
    try:
        if territory is not None:
            written.append(write_text_atomic(*territory))
        check = target.parent / f".{target.name}.check.yaml"
        try:
            write_text_atomic(check, text)
            load_scenario(check)
        finally:
            check.unlink(missing_ok=True)
        write_text_atomic(target, text)
    except ScenarioError as exc:
        for path in written:
            path.unlink(missing_ok=True)
        raise fail(f"the scenario would not load: {exc}", code=1) from None
    except OSError as exc:
        for path in written:
            path.unlink(missing_ok=True)
        raise fail(f"--out {target}: cannot write: {exc}") from None


def _summary(target: Path, lang: str, name: str, zone: str, label: str, territory: Path,
             built: bool, communes: list[Commune], fte: float, budget: float,
             levers: tuple[str, ...]) -> None:
    pops = [c.population for c in communes]
    population = sum(p for p in pops if p is not None) if all(p is not None for p in pops) \
        else None
    names = ", ".join(f"{c.code} {c.name}" if c.name else c.code for c in communes)
    if lang == "fr":
        out.print(f"Écrit {target} : pôle « {name} », zone d'emploi {zone} {label}")
        out.print(f"  territoire : {territory}" + (" (construit à partir des données, "
                                                  "écrit à côté)" if built else ""))
        out.print(f"  communes : {names}" + (f" ({_thousands(population)} habitants)"
                                             if population else ""))
        out.print(f"  coordination : {fte:g} ETP, {_thousands(budget)} € par an")
        out.print(f"  leviers activés : {', '.join(levers) or 'aucun'}")
        out.print("  le modèle agit sur toute la zone tant que les bassins ne sont pas "
                  f"modélisés ; lancer : ptce run {target}")
    else:
        out.print(f"Wrote {target}: pole \"{name}\", zone d'emploi {zone} {label}")
        out.print(f"  territory: {territory}" + (" (built from the data, written next to it)"
                                                 if built else ""))
        out.print(f"  communes: {names}" + (f" ({_thousands(population)} inhabitants)"
                                            if population else ""))
        out.print(f"  coordination: {fte:g} FTE, {_thousands(budget)} EUR a year")
        out.print(f"  levers enabled: {', '.join(levers) or 'none'}")
        out.print(f"  the model acts on the whole zone until catchments are modelled; run: "
                  f"ptce run {target}")


def register(app: typer.Typer) -> None:
    """Add ``new-pole`` to the ``ptce`` command line."""
    app.command("new-pole")(new_pole)
