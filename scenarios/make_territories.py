"""Write the territory presets ``scenarios/territories/<code>_<slug>.yaml``.

One file per zone d'emploi (ZE2020) of the PTCE described in the seed document. Each starts from
``baseline`` and sets the zone's real unemployment rate (INSEE, Taux de chômage localisés, 2024
annual mean), job positions from that rate and the national vacancy rate (a first approximation:
in the model the vacancy rate is an outcome, lower in slack zones, so those come out about 2
points below their rate; the calibrated files fit it), and SIAE posts at the national IAE
intensity and type mix. The calibrated files (scenarios/territories/calibrated/) fit the other
local values.

Usage (reproducible: same data, same files)::

    python -m scenarios.make_territories [DATA_DIR] [--out DIR]

``DATA_DIR`` defaults to the project's copy in ``calibration/data`` (else the ``shared/data``
folder next to the project folder).
"""

from __future__ import annotations

import argparse
import csv
import re
import sys
import textwrap
import unicodedata
from dataclasses import dataclass
from pathlib import Path

from scenarios.loader import PRESETS_DIR, load_scenario

# the project's copy of the statistics (calibration/data, with provenance), else shared/data
_COPY = Path(__file__).resolve().parents[1] / "calibration" / "data"
DEFAULT_DATA_DIR = (_COPY if (_COPY / "insee_tcl_ze2020_annual_mean.csv").is_file()
                    else Path(__file__).resolve().parents[2] / "shared" / "data")
DEFAULT_OUT_DIR = PRESETS_DIR / "territories"

YEAR = 2024
PERSONS = 20_000
#: National job vacancy rate, about 3 % (Dares 2023: 3.1 %, national_targets.csv), as a share.
VACANCY_RATE = 0.03
#: IAE salariés per person in the labour force: 144,600 at end 2022 (Dares, national_targets.csv)
#: over a labour force of about 31-32 million (INSEE), rounded to 0.45 %.
IAE_INTENSITY = 0.0045
#: national_targets.csv indicator giving each SIAE type's share of IAE salariés.
SHARE_INDICATORS = {
    "ACI": "iae_structure_share_aci",
    "EI": "iae_structure_share_ei",
    "ETTI": "iae_structure_share_etti",
    "AI": "iae_structure_share_ai",
}


@dataclass(frozen=True)
class Zone:
    code: str
    ptce: str


#: Zones d'emploi 2020 of the seed's PTCE (shared/data/README.md; seed document, introduction).
ZONES: tuple[Zone, ...] = (
    Zone("7503", "Pôle Sud Aquitain, carried by the Comité du Bassin d'Emploi du Seignanx on "
                 "the industrial and port area of Bayonne"),
    Zone("7610", "Les Ateliers (Castres) and the Pôle Tarnais de Coopération Economique they "
                 "initiated"),
    Zone("8409", "Pôle AlpEn, initiated by the Groupe ULISSE (Ulisse Energie)"),
    Zone("8435", "Entrepreneurs Solidaires du Centre Isère (Voiron)"),
    Zone("9312", "Bou'Sol, initiated by the association Pain et Partage"),
    Zone("0052", "Re-Sources (Arles)"),
    Zone("1109", "Resto Passerelle (Saint-Denis) and Le PHARES (L'Île-Saint-Denis), both in "
                 "this zone"),
    Zone("8405", "Domb'Innov, initiated by the Groupe Val Horizon in the south of the Ain"),
)


def slugify(label: str) -> str:
    """``'Castres - Mazamet'`` -> ``'castres_mazamet'``."""
    ascii_text = unicodedata.normalize("NFKD", label).encode("ascii", "ignore").decode()
    return re.sub(r"[^a-z0-9]+", "_", ascii_text.lower()).strip("_")


def read_unemployment(data_dir: Path, year: int = YEAR) -> dict[str, tuple[str, float]]:
    """Zone code -> (INSEE label, annual mean unemployment rate in %) for ``year``.

    Only zones with all four quarters of the year are returned.
    """
    out: dict[str, tuple[str, float]] = {}
    with open(data_dir / "insee_tcl_ze2020_annual_mean.csv", encoding="utf-8-sig",
              newline="") as f:
        for row in csv.DictReader(f):
            if int(row["year"]) == year and int(row["n_quarters"]) == 4:
                out[row["ze2020"]] = (row["libze2020"],
                                      float(row["unemployment_rate_pct_annual_mean"]))
    return out


def read_siae_mix(data_dir: Path) -> dict[str, float]:
    """SIAE type -> share of IAE salariés (normalised to sum to 1)."""
    with open(data_dir / "national_targets.csv", encoding="utf-8-sig", newline="") as f:
        values = {row["indicator"]: row["value"] for row in csv.DictReader(f)}
    shares = {t: float(values[ind]) for t, ind in SHARE_INDICATORS.items()}
    total = sum(shares.values())
    return {t: s / total for t, s in shares.items()}


def siae_posts(mix: dict[str, float]) -> dict[str, tuple[int, int, float]]:
    """SIAE type -> (structures, posts per structure, target posts), per 20,000 persons.

    Structure counts are the baseline's; posts per structure are rounded so that the type's
    posts come near its share of ``IAE_INTENSITY`` times the baseline labour force.
    """
    base = load_scenario("baseline")
    labour_force = PERSONS * (1.0 - base.population.inactivity_rate)
    out: dict[str, tuple[int, int, float]] = {}
    for t, share in mix.items():
        target = IAE_INTENSITY * labour_force * share
        structures = max(1, base.siae[t].structures)  # type: ignore[index]
        out[t] = (structures, max(1, round(target / structures)), target)
    return out


def render(zone: Zone, label: str, rate_pct: float,
           posts: dict[str, tuple[int, int, float]]) -> str:
    """The YAML text of one territory preset."""
    u = round(rate_pct / 100.0, 6)
    jobs = round(1.0 - u + VACANCY_RATE, 6)
    total = sum(s * p for s, p, _ in posts.values())
    siae_lines = "\n".join(
        f"  {t + ':':5} {{structures: {s}, posts: {p:2d}}}  # target {target:.1f} posts"
        for t, (s, p, target) in posts.items()
    )
    description = textwrap.fill(
        f"Zone d'emploi {zone.code} {label}"
        + (f", territory of the PTCE {zone.ptce}. " if zone.ptce else ". ")
        + f"Simulated on a representative sample of {PERSONS:,} persons of working age, not the "
        f"zone's real population. Unemployment rate: INSEE, Taux de chômage localisés par "
        f"zone d'emploi 2020, {YEAR} annual mean of the four quarters ({rate_pct:g} %), "
        f"Licence Ouverte / Etalab 2.0. SIAE posts: national IAE intensity and type mix "
        f"(Dares), to be calibrated locally.",
        width=96, initial_indent="  ", subsequent_indent="  ",
    )
    return f"""\
# Territory preset: zone d'emploi {zone.code} {label}.
# Generated by `python -m scenarios.make_territories`; edit that script, not this file.
#
# Everything not set here is the baseline's (scenarios/baseline.yaml). The values below are
# a first, national-average sizing: the calibration issue will fit local values (SIAE,
# sectors, flows) to this territory's targets later.

extends: baseline
name: "{label}"
zone_code: "{zone.code}"
description: >-
{description}

population:
  persons: {PERSONS}
  # INSEE localised ILO unemployment rate, {YEAR} annual mean: {rate_pct:g} %
  unemployment_rate: {u}

demand:
  # 1 - unemployment_rate + {VACANCY_RATE} (national vacancy rate, national_targets.csv): a first
  # approximation; slack zones come out below their rate (calibrated/ has the fitted files)
  jobs_per_active: {jobs}

# SIAE posts per 20,000 persons: national IAE intensity ({IAE_INTENSITY * 100:.2f} % of the labour
# force: 144,600 IAE salariés at end 2022, Dares) with the national type mix (ACI 44, AI 30,
# EI 13, ETTI 12 % of salariés), applied to the baseline labour force; {total} posts in all.
# A placeholder: the calibration issue will fit local values (the IAE barometer in
# shared/data gives département stocks).
siae:
{siae_lines}
"""


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0] if __doc__ else None)
    parser.add_argument("data_dir", nargs="?", type=Path, default=DEFAULT_DATA_DIR,
                        help=f"folder with the INSEE and national CSV files "
                             f"(default: {DEFAULT_DATA_DIR})")
    parser.add_argument("--out", type=Path, default=DEFAULT_OUT_DIR,
                        help=f"folder to write the YAML files to (default: {DEFAULT_OUT_DIR})")
    args = parser.parse_args(argv)

    rates = read_unemployment(args.data_dir)
    posts = siae_posts(read_siae_mix(args.data_dir))
    missing = [z.code for z in ZONES if z.code not in rates]
    if missing:
        print(f"no complete {YEAR} data for zones {missing} in {args.data_dir}", file=sys.stderr)
        return 1
    args.out.mkdir(parents=True, exist_ok=True)
    for zone in ZONES:
        label, rate = rates[zone.code]
        path = args.out / f"{zone.code}_{slugify(label)}.yaml"
        path.write_text(render(zone, label, rate, posts), encoding="utf-8")
        print(f"wrote {path}  (unemployment {rate:g} %)")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
