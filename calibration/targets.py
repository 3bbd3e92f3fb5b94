"""Calibration targets of a zone d'emploi, built from the files of ``calibration/data``.

Each :class:`Target` keeps its value, an uncertainty (in the value's unit, read as "the model
is fine within this distance"), a confidence level and its source; its simulated counterpart
is the moment of the same name in :mod:`calibration.moments`. Values are shares (0..1) or
months, like the model's outcomes (the data files hold percentages).

Targets of a zone (see ``calibration/data/README.md`` for the sources and the scaling):

- ``unemployment_rate``: the zone's INSEE localised ILO rate, annual mean of a year (2024);
- ``iae_per_active``: IAE salariés per active person, from the département's stock in the IAE
  barometer, scaled to the zone (derived);
- national figures: ``iae_route_length_mean`` (from the route lengths by structure type and the
  type mix, derived), ``iae_employed_6m_share`` (45 %), ``job_finding_rate`` (9.3 % a month),
  ``long_term_unemployed_share`` (43.6 % of registered jobseekers A+B+C one year or more; see
  :data:`LONG_TERM_INDICATOR` for why not the ILO 23.6 %), ``vacancy_rate`` (3.1 %);
- validation targets, not fitted (their moments need the exit log, which the batch store does
  not keep): ``iae_route_length_aci``, ``_ei``, ``_etti``, ``_ai``.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import asdict, dataclass
from pathlib import Path

import pandas as pd

from calibration.moments import MOMENTS

DATA_DIR = Path(__file__).resolve().parent / "data"
DEFAULT_YEAR = 2024

#: Weight factor of each confidence level in the loss (shared/data/README.md: weight
#: calibration targets according to confidence).
#: Loss-weight factor of a national figure, against 1 for the zone's own statistics: the
#: same national value is a target of every zone, so it regularises the fit rather than
#: identifying the zone (a zone's parameters are pinned by its own data first).
NATIONAL_WEIGHT = 0.25

CONFIDENCE_WEIGHT: dict[str, float] = {
    "primary": 1.0,
    "mirror": 0.8,
    "secondary": 0.5,
    "derived": 0.5,
}

#: National IAE salariés per active person: 144,600 (Dares, end 2022, national_targets.csv)
#: over 30.9 million active persons (INSEE, Activité, emploi et chômage en 2022, France excl.
#: Mayotte; entered by hand, not in the data files).
NATIONAL_LABOUR_FORCE = 30_900_000
#: Months of the IAE barometer averaged for a département's stock.
BAROMETER_MONTHS = ("2021-10-01", "2022-09-30")
#: Zones whose département is not the majority by communes (see data/README.md).
ZONE_DEPARTEMENTS_OVERRIDE: dict[str, tuple[str, ...]] = {"1109": ("75", "92", "93", "94")}
IAE_RELATIVE_UNCERTAINTY = 0.25
#: Long-term share target: registered jobseekers (A+B+C) one year or more, not the ILO share
#: (``long_term_unemployed_share_of_unemployed``, 23.6 %), because the model's
#: ``unemployment_spell`` counts months registered (kept during training, reset on leaving the
#: register), which is the register's seniority, not the ILO duration of job search.
LONG_TERM_INDICATOR = "registered_jobseekers_abc_one_year_or_more"

UNEMPLOYMENT_FILE = "insee_tcl_ze2020_annual_mean.csv"
COMMUNES_FILE = "commune_to_ze2020.csv"
BAROMETER_FILE = "barometre_iae_beneficiaires_siae_departement_monthly.csv"
POPULATION_FILE = "departement_population.csv"
NATIONAL_FILE = "national_targets.csv"


class TargetError(ValueError):
    """A target that cannot be built: unknown zone, missing file, column or value."""


@dataclass(frozen=True)
class Target:
    """One calibration target.

    ``uncertainty`` is in the unit of ``value``; ``fitted`` is False for validation targets
    (reported, not in the loss).
    """

    name: str
    value: float
    uncertainty: float
    confidence: str
    source: str
    unit: str = "share"
    fitted: bool = True
    note: str = ""
    national: bool = False

    @property
    def weight(self) -> float:
        """Loss weight: confidence factor over the squared relative uncertainty, times
        :data:`NATIONAL_WEIGHT` for a national figure."""
        rel = self.uncertainty / abs(self.value)
        scope = NATIONAL_WEIGHT if self.national else 1.0
        return scope * CONFIDENCE_WEIGHT.get(self.confidence, 0.5) / rel**2

    def as_dict(self) -> dict[str, object]:
        return {**asdict(self), "weight": self.weight}


# --------------------------------------------------------------------------------------------
# Reading the data files, with errors naming the file and the column


def read_table(path: Path, columns: Sequence[str], numeric: Sequence[str] = (),
               dtype: dict[str, type] | None = None) -> pd.DataFrame:
    """Read a CSV file, checking that ``columns`` exist and ``numeric`` hold numbers.

    Raises :class:`TargetError` naming the file, the column and the first bad row.
    """
    if not path.is_file():
        raise TargetError(f"{path}: data file not found")
    try:
        frame = pd.read_csv(path, dtype=dtype or str, keep_default_na=False)
    except (pd.errors.ParserError, UnicodeDecodeError, pd.errors.EmptyDataError) as exc:
        raise TargetError(f"{path}: cannot read as CSV: {exc}") from exc
    missing = [c for c in columns if c not in frame.columns]
    if missing:
        raise TargetError(
            f"{path}: missing column(s) {', '.join(missing)}; found {', '.join(frame.columns)}"
        )
    for column in numeric:
        values = pd.to_numeric(frame[column], errors="coerce")
        bad = values.isna() & (frame[column].astype(str).str.strip() != "")
        if bad.any():
            row = int(bad.idxmax())
            raise TargetError(
                f"{path}: column {column!r}, data row {row + 1}: not a number: "
                f"{frame.loc[row, column]!r}"
            )
        frame[column] = values
    return frame


def _national(data_dir: Path) -> pd.DataFrame:
    frame = read_table(data_dir / NATIONAL_FILE,
                       ("indicator", "scope", "period", "value", "unit", "confidence", "source"))
    return frame.set_index("indicator")


def _national_value(table: pd.DataFrame, indicator: str, path: Path) -> float:
    if indicator not in table.index:
        raise TargetError(f"{path}: no row for indicator {indicator!r}")
    raw = table.loc[indicator, "value"]
    try:
        value = float(raw)
    except (TypeError, ValueError) as exc:
        raise TargetError(
            f"{path}: indicator {indicator!r}, column 'value': not a number: {raw!r}"
        ) from exc
    if not math.isfinite(value):
        raise TargetError(f"{path}: indicator {indicator!r}: value is not finite")
    return value


# --------------------------------------------------------------------------------------------
# Zone targets


def zone_unemployment(code: str, year: int = DEFAULT_YEAR,
                      data_dir: Path = DATA_DIR) -> tuple[float, str]:
    """The zone's INSEE localised unemployment rate (%), annual mean of ``year``, and its name."""
    path = data_dir / UNEMPLOYMENT_FILE
    frame = read_table(path, ("ze2020", "libze2020", "year", "unemployment_rate_pct_annual_mean"),
                       numeric=("year", "unemployment_rate_pct_annual_mean"))
    zone = frame[frame["ze2020"] == code]
    if zone.empty:
        raise TargetError(
            f"unknown zone d'emploi code {code!r}: not in {path.name} (302 ZE2020 codes, "
            "four characters such as 7503)"
        )
    row = zone[zone["year"] == year]
    if row.empty:
        years = sorted(int(y) for y in zone["year"])
        raise TargetError(f"{path}: zone {code} has no year {year}; years {years[0]}-{years[-1]}")
    return float(row["unemployment_rate_pct_annual_mean"].iloc[0]), str(row["libze2020"].iloc[0])


def zone_departements(code: str, data_dir: Path = DATA_DIR) -> tuple[str, ...]:
    """The département(s) standing for the zone: the majority by communes, or the override."""
    if code in ZONE_DEPARTEMENTS_OVERRIDE:
        return ZONE_DEPARTEMENTS_OVERRIDE[code]
    path = data_dir / COMMUNES_FILE
    frame = read_table(path, ("codgeo", "ze2020"))
    communes = frame.loc[frame["ze2020"] == code, "codgeo"]
    if communes.empty:
        raise TargetError(f"unknown zone d'emploi code {code!r}: no commune in {path.name}")
    deps = communes.str[:2].where(~communes.str.startswith("97"), communes.str[:3])
    return (str(deps.value_counts().index[0]),)


def iae_per_active(code: str, data_dir: Path = DATA_DIR) -> tuple[float, str]:
    """IAE salariés per active person for the zone (a share), and how it was made."""
    deps = zone_departements(code, data_dir)
    bar_path = data_dir / BAROMETER_FILE
    bar = read_table(bar_path, ("code_departement", "date", "nb_beneficiaires_siae"),
                     numeric=("nb_beneficiaires_siae",))
    first, last = BAROMETER_MONTHS
    window = bar[(bar["date"] >= first) & (bar["date"] <= last)]
    if window.empty:
        raise TargetError(f"{bar_path}: no month between {first} and {last}")
    national_stock = window.groupby("date")["nb_beneficiaires_siae"].sum().mean()
    dep_stock = 0.0
    for dep in deps:
        rows = window.loc[window["code_departement"] == dep, "nb_beneficiaires_siae"]
        if rows.empty:
            raise TargetError(f"{bar_path}: no IAE stock for département {dep}")
        dep_stock += float(rows.mean())
    pop_path = data_dir / POPULATION_FILE
    pop = read_table(pop_path, ("code_departement", "population"),
                     numeric=("population",)).set_index("code_departement")
    for needed in (*deps, "FR"):
        if needed not in pop.index:
            raise TargetError(f"{pop_path}: no population for {needed!r}")
    dep_pop = float(sum(pop.loc[d, "population"] for d in deps))
    national = _national(data_dir)
    iae_national = _national_value(national, "iae_salaries_stock", data_dir / NATIONAL_FILE)
    rate_national = iae_national / NATIONAL_LABOUR_FORCE
    relative = (dep_stock / national_stock) / (dep_pop / float(pop.loc["FR", "population"]))
    how = (f"département(s) {'+'.join(deps)}: {dep_stock:,.0f} IAE salariés (barometer mean "
           f"{first[:7]}..{last[:7]}) = {dep_stock / national_stock:.2%} of the national stock "
           f"for {dep_pop / float(pop.loc['FR', 'population']):.2%} of the population; national "
           f"{iae_national:,.0f} / {NATIONAL_LABOUR_FORCE:,} active = {rate_national:.3%}")
    return float(rate_national * relative), how


def build_targets(code: str, year: int = DEFAULT_YEAR,
                  data_dir: Path = DATA_DIR) -> list[Target]:
    """The targets of zone d'emploi ``code`` (fitted ones first, then validation ones)."""
    code = str(code).strip()
    rate, name = zone_unemployment(code, year, data_dir)
    iae, how = iae_per_active(code, data_dir)
    nat_path = data_dir / NATIONAL_FILE
    nat = _national(data_dir)

    def value(indicator: str) -> float:
        return _national_value(nat, indicator, nat_path)

    def source(indicator: str) -> str:
        return f"{nat.loc[indicator, 'source']} ({nat.loc[indicator, 'period']})"

    def confidence(indicator: str) -> str:
        return str(nat.loc[indicator, "confidence"])

    # mean route length of leavers: types weighted by their flow of leavers, i.e. their stock
    # share over their route length (Little's law), from the published rounded figures
    types = ("aci", "ei", "etti", "ai")
    shares = {t: value(f"iae_structure_share_{t}") for t in types}
    lengths = {t: value(f"iae_route_length_{t}") for t in types}
    route_mean = sum(shares.values()) / sum(shares[t] / lengths[t] for t in types)

    targets = [
        Target("unemployment_rate", rate / 100, 0.004, "primary",
               f"INSEE, Taux de chômage localisés, zone {code} {name}, {year} annual mean "
               f"({rate:.3f} %)", note="uncertainty 0.4 point: estimation error of a localised "
               "rate and the gap between a calendar-year mean and a 12-month model mean"),
        Target("iae_per_active", iae, IAE_RELATIVE_UNCERTAINTY * iae, "derived",
               "IAE barometer (Etalab/DITP) by département, scaled to the zone; Dares IAE "
               "stock end 2022; INSEE labour force 2022 and populations légales 2021",
               unit="share of labour force", note=how),
        Target("iae_route_length_mean", route_mean, 1.5, "derived",
               "Dares, route lengths by structure type (leavers 2021) weighted by the type "
               "mix of IAE salariés (2022) over route length", unit="months",
               national=True, note="ACI 12, EI 12, ETTI 7, AI 7 months; uncertainty 1.5 "
               "month: the published figures are rounded ('about one year', '6 to 8 months')"),
        Target("iae_employed_6m_share", value("iae_leavers_employed_6_months") / 100, 0.04,
               confidence("iae_leavers_employed_6_months"),
               source("iae_leavers_employed_6_months"), national=True,
               note="uncertainty 4 points: survey estimate, and the model counts a new SIAE "
               "contract as employment"),
        Target("job_finding_rate", value("monthly_job_access_rate_ab") / 100, 0.01,
               confidence("monthly_job_access_rate_ab"), source("monthly_job_access_rate_ab"),
               unit="share per month", national=True,
               note="uncertainty 1 point: seasonal range of the quarterly rate; the model's "
               "jobseekers are its ILO-like unemployed"),
        Target("long_term_unemployed_share",
               value(LONG_TERM_INDICATOR) / 100, 0.05,
               confidence(LONG_TERM_INDICATOR), source(LONG_TERM_INDICATOR), national=True,
               note="registered jobseekers (A+B+C) one year or more, the definition of the "
               "model's indicator: its unemployment_spell counts months on the register, kept "
               "during training (category D keeps the registration) and reset on leaving it; "
               "the ILO share (23.6 %, derived) measures the duration of job search instead. "
               "Uncertainty 5 points: categories B and C (reduced activity, absent from the "
               "model) have longer registrations than A"),
        Target("vacancy_rate", value("job_vacancy_rate") / 100, 0.005,
               confidence("job_vacancy_rate"), source("job_vacancy_rate"), national=True,
               note="uncertainty 0.5 point: private sector only, 2023"),
    ]
    for t in types:
        targets.append(Target(
            f"iae_route_length_{t}", lengths[t], 2.0 if lengths[t] >= 10 else 1.5,
            confidence(f"iae_route_length_{t}"), source(f"iae_route_length_{t}"),
            unit="months", fitted=False,
            note="validation: mean route_months of this type's leavers on a direct run",
        ))
    missing = [t.name for t in targets if t.name not in MOMENTS]
    assert not missing, f"targets without a moment: {missing}"
    return targets


def zone_slug(code: str, data_dir: Path = DATA_DIR) -> str:
    """``7503_bayonne``: the code and the zone's name, lower case, ASCII."""
    import unicodedata

    _, name = zone_unemployment(code, DEFAULT_YEAR, data_dir)
    ascii_name = unicodedata.normalize("NFKD", name).encode("ascii", "ignore").decode()
    slug = "".join(c.lower() if c.isalnum() else "_" for c in ascii_name)
    return f"{code}_{'_'.join(p for p in slug.split('_') if p)}"
