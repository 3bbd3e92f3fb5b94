"""Driver series of the business cycle: the quarterly national ILO unemployment rate that a
scenario's ``cycle`` section reads (``scenarios/data/README.md`` gives the source).

The loader calls :func:`fill_values` on the merged tree before validating it: a ``cycle``
section naming a series and a start quarter, without ``values``, gets the series' values from
that quarter to the last one in the file. A start outside the data, an unknown series or a
file with a missing quarter is a :class:`CycleDataError` naming the key or the file.
"""

from __future__ import annotations

import csv
import re
from functools import cache
from pathlib import Path
from typing import Any

DATA_DIR = Path(__file__).resolve().parent / "data"
#: Series name -> its file in :data:`DATA_DIR`.
SERIES_FILES: dict[str, str] = {
    "national_unemployment": "insee_chomage_bit_france_cvs_001688527_quarterly.csv",
}
_QUARTER = re.compile(r"^(\d{4})-T([1-4])$")


class CycleDataError(ValueError):
    """A cycle the data cannot give: ``key`` is the scenario key (or the file) at fault."""

    def __init__(self, key: str, message: str) -> None:
        super().__init__(f"{key}: {message}")
        self.key, self.message = key, message


def quarter_index(label: str) -> int:
    """``"2015-T1"`` -> a running quarter number (year * 4 + quarter - 1)."""
    m = _QUARTER.match(label)
    if m is None:
        raise ValueError(f"not a quarter like 2015-T1: {label!r}")
    return int(m.group(1)) * 4 + int(m.group(2)) - 1


def quarter_label(index: int) -> str:
    return f"{index // 4}-T{index % 4 + 1}"


@cache
def read_series(name: str, folder: Path = DATA_DIR) -> dict[int, float]:
    """The series ``name``: quarter index -> value in %, every quarter between the first and
    the last present (a gap or a value that is not a number is a :class:`CycleDataError`)."""
    if name not in SERIES_FILES:
        raise CycleDataError("cycle.series", f"unknown series {name!r}; known: "
                                             f"{', '.join(SERIES_FILES)}")
    path = folder / SERIES_FILES[name]
    values: dict[int, float] = {}
    with open(path, encoding="utf-8", newline="") as f:
        for row in csv.reader(f, delimiter=";"):
            if not row or not _QUARTER.match(row[0].strip()):
                continue
            try:
                values[quarter_index(row[0].strip())] = float(row[1])
            except ValueError:
                raise CycleDataError(str(path), f"quarter {row[0]}: {row[1]!r} is not a "
                                                "number") from None
    if not values:
        raise CycleDataError(str(path), "no quarter like 2015-T1 in the file")
    missing = sorted(set(range(min(values), max(values) + 1)) - set(values))
    if missing:
        raise CycleDataError(str(path), f"quarter {quarter_label(missing[0])} is missing "
                                        f"({len(missing)} missing in all)")
    return values


def fill_values(data: dict[str, Any]) -> dict[str, Any]:
    """``data`` with ``cycle.values`` read from the series when the section leaves it out."""
    cycle = data.get("cycle")
    if not isinstance(cycle, dict) or cycle.get("values") is not None:
        return data
    name = cycle.get("series", "national_unemployment")
    start = cycle.get("start")
    if not isinstance(start, str) or not _QUARTER.match(start):
        return data  # the schema names the bad start
    series = read_series(str(name))
    first, last = min(series), max(series)
    begin = quarter_index(start)
    if not first <= begin <= last:
        raise CycleDataError("cycle.start", f"{start} is outside the series {name} "
                                            f"({quarter_label(first)} to {quarter_label(last)})")
    values = [series[q] for q in range(begin, last + 1)]
    return {**data, "cycle": {**cycle, "values": values}}
