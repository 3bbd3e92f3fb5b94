"""Write ``departement_population.csv``: the population of every département (and of France
excluding Mayotte) from INSEE's populations légales 2023 by commune (population municipale).

Run from the project's root with the shared data folder beside it:
``python calibration/data/derive_departement_population.py [PATH_TO_COMMUNES_CSV]``.
"""

from __future__ import annotations

import csv
import sys
from collections import defaultdict
from pathlib import Path

HERE = Path(__file__).resolve().parent
SOURCE = HERE.parents[1].parent / "shared" / "data" / "insee_populations_legales_2023_communes.csv"
NOTE = ("INSEE populations légales 2023 (population municipale), sum of the communes of "
        "insee_populations_legales_2023_communes.csv")


def main(argv: list[str]) -> int:
    source = Path(argv[0]) if argv else SOURCE
    population: dict[str, int] = defaultdict(int)
    with open(source, encoding="utf-8", newline="") as f:
        for row in csv.DictReader(f, delimiter=";"):
            population[row["DEP"]] += int(row["PMUN"])
    total = sum(population.values())
    with open(HERE / "departement_population.csv", "w", encoding="utf-8", newline="") as f:
        out = csv.writer(f, lineterminator="\n")
        out.writerow(["code_departement", "population", "source"])
        for dep in sorted(population):
            out.writerow([dep, population[dep], NOTE])
        out.writerow(["FR", total, f"{NOTE}: France excluding Mayotte, {len(population)} "
                                   "départements"])
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
