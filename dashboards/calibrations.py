"""Read stored calibrations and sensitivity analyses for the Calibration page, read-only.

The tables are :mod:`calibration.db`'s (``calibration_run``, ``calibration_target``,
``sensitivity_run``, ``sensitivity_index``), written by ``ptce calibrate`` and
``ptce sensitivity``. The engine is :func:`dashboards.batches.open_reader`'s (SQLite opened with
``mode=ro``), so nothing here can create or change a table: a database made before calibration
existed simply has none of them, and every function then answers with an empty frame.
"""

from __future__ import annotations

import math
from typing import Any

import pandas as pd
from sqlalchemy import func, inspect, select

from calibration.db import (
    calibration_run_table,
    calibration_target_table,
    sensitivity_index_table,
    sensitivity_run_table,
)
from dashboards.batches import NoDatabase, open_reader
from experiments.store import Store

__all__ = [
    "NoDatabase",
    "best_params",
    "calibration_label",
    "fmt",
    "has_calibrations",
    "list_calibrations",
    "list_sensitivity",
    "open_reader",
    "sensitivity_indices",
    "sensitivity_label",
    "target_table",
    "targets",
]

#: Columns of :func:`list_calibrations`.
CALIBRATION_COLUMNS = ["id", "zone_code", "territory", "created_at", "trials", "replications",
                       "persons", "months", "sampler", "seed", "study_name", "best_trial",
                       "best_loss", "median_abs_rel_error", "share_within", "best_params",
                       "report", "calibrated_file"]
#: Columns of :func:`targets`.
TARGET_COLUMNS = ["name", "role", "fitted", "value", "uncertainty", "target_low", "target_high",
                  "confidence", "source", "weight", "simulated", "simulated_low",
                  "simulated_high", "relative_error", "within"]
#: Columns of :func:`list_sensitivity`.
SENSITIVITY_COLUMNS = ["id", "scenario", "outcome", "samples", "seed", "created_at",
                       "retained", "indices"]
#: Columns of :func:`sensitivity_indices`.
INDEX_COLUMNS = ["method", "factor", "index_name", "value", "conf", "low", "high"]


def _tables(reader: Store) -> set[str]:
    """Names of the tables the database holds (a missing table is no error here)."""
    try:
        return set(inspect(reader.engine).get_table_names())
    except Exception:  # an unreadable catalogue: no calibration tables to show
        return set()


def has_calibrations(reader: Store) -> bool:
    """Whether the database holds the calibration tables (possibly empty)."""
    return {calibration_run_table.name, calibration_target_table.name} <= _tables(reader)


def list_calibrations(reader: Store) -> pd.DataFrame:
    """One row per stored calibration, newest first (:data:`CALIBRATION_COLUMNS`)."""
    if calibration_run_table.name not in _tables(reader):
        return pd.DataFrame(columns=CALIBRATION_COLUMNS)
    c = calibration_run_table.c
    query = select(*(c[name] for name in CALIBRATION_COLUMNS)).order_by(c.id.desc())
    with reader.engine.connect() as conn:
        rows = conn.execute(query).mappings().all()
    return pd.DataFrame([dict(r) for r in rows], columns=CALIBRATION_COLUMNS)


def targets(reader: Store, calibration_id: int) -> pd.DataFrame:
    """The targets of one calibration with the simulated values at its estimate, in stored
    order (:data:`TARGET_COLUMNS`): ``role`` is ``fitted`` or ``validation``, ``target_low`` and
    ``target_high`` are the target plus or minus its uncertainty; the simulated columns are
    missing (NaN) where the model gave no value."""
    if calibration_target_table.name not in _tables(reader):
        return pd.DataFrame(columns=TARGET_COLUMNS)
    t = calibration_target_table.c
    query = (select(t.name, t.fitted, t.value, t.uncertainty, t.confidence, t.source, t.weight,
                    t.simulated, t.simulated_low, t.simulated_high, t.relative_error, t.within)
             .where(t.calibration_id == calibration_id).order_by(t.id))
    with reader.engine.connect() as conn:
        rows = [dict(r) for r in conn.execute(query).mappings().all()]
    out = pd.DataFrame(rows, columns=[c for c in TARGET_COLUMNS
                                      if c not in ("role", "target_low", "target_high")])
    for col in ("value", "uncertainty", "weight", "simulated", "simulated_low",
                "simulated_high", "relative_error"):
        out[col] = pd.to_numeric(out[col], errors="coerce").astype(float)
    out["fitted"] = out["fitted"].astype(bool)
    out["within"] = [None if w is None or w != w else bool(w) for w in out["within"]]
    out["within"] = out["within"].astype(object)
    out["role"] = ["fitted" if f else "validation" for f in out["fitted"]]
    out["target_low"] = out["value"] - out["uncertainty"]
    out["target_high"] = out["value"] + out["uncertainty"]
    return out[TARGET_COLUMNS]


def fmt(value: Any, spec: str = ".4g") -> str:
    """A number for a table cell; an empty cell for a missing one."""
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return ""
    return format(value, spec)


def target_table(data: pd.DataFrame, lang: str = "en") -> pd.DataFrame:
    """The targets of :func:`targets` as the page shows them in ``lang``: each target in
    words beside its model name, numbers as text with 4 significant digits (French decimals
    in French), the relative error as a percentage."""
    from dashboards import i18n

    num = (lambda x: fmt(x)) if lang == "en" else (lambda x: i18n.short_number(x, lang))
    tt = lambda key: i18n.t(key, lang)  # noqa: E731
    rows = []
    for r in data.itertuples():
        simulated = num(r.simulated)
        if simulated and not (math.isnan(r.simulated_low) or math.isnan(r.simulated_high)):
            simulated += f" [{num(r.simulated_low)}, {num(r.simulated_high)}]" if lang == "en" \
                else f" [{num(r.simulated_low)} ; {num(r.simulated_high)}]"
        within = ("" if r.within is None or (isinstance(r.within, float) and math.isnan(r.within))
                  else tt("yes" if r.within else "no"))
        error = (fmt(r.relative_error, "+.1%") if lang == "en"
                 else i18n.percent_text(r.relative_error, 1, lang, sign=True))
        rows.append({
            tt("tcol.target"): i18n.indicator(r.name, lang), tt("tcol.code"): r.name,
            tt("tcol.role"): tt("cal.fitted" if r.role == "fitted" else "cal.validation"),
            tt("tcol.value"): num(r.value), tt("tcol.uncertainty"): num(r.uncertainty),
            tt("tcol.confidence"): r.confidence, tt("tcol.simulated"): simulated,
            tt("tcol.error"): error, tt("tcol.within"): within, tt("tcol.source"): r.source,
        })
    cols = ["tcol.target", "tcol.code", "tcol.role", "tcol.value", "tcol.uncertainty",
            "tcol.confidence", "tcol.simulated", "tcol.error", "tcol.within", "tcol.source"]
    return pd.DataFrame(rows, columns=[tt(c) for c in cols])


def best_params(row: Any) -> pd.DataFrame:
    """The parameter estimates of one calibration (a row of :func:`list_calibrations`):
    ``parameter, estimate``, in the order of the parameters file."""
    values = row.get("best_params") if isinstance(row, dict) else row.best_params
    if not isinstance(values, dict):
        return pd.DataFrame(columns=["parameter", "estimate"])
    return pd.DataFrame([(str(k), float(v)) for k, v in values.items()],
                        columns=["parameter", "estimate"])


def out_of_sample(row: Any) -> tuple[pd.DataFrame, str | None] | None:
    """The out-of-sample prediction written beside a calibration's report
    (``out_of_sample.csv``, and the path of ``out_of_sample.png`` if present), or None when
    the calibration has no report or no prediction."""
    from pathlib import Path

    report = row.get("report") if isinstance(row, dict) else getattr(row, "report", None)
    if not report:
        return None
    folder = Path(str(report)).parent
    path = folder / "out_of_sample.csv"
    if not path.is_file():
        return None
    try:
        table = pd.read_csv(path)
    except (OSError, ValueError, pd.errors.ParserError):
        return None
    if not {"period", "observed", "simulated", "low", "high", "abs_rel_error"} <= set(table):
        return None
    png = folder / "out_of_sample.png"
    return table, (str(png) if png.is_file() else None)


def out_of_sample_table(table: pd.DataFrame, lang: str = "en") -> pd.DataFrame:
    """The prediction's rows in words: quarter, INSEE rate, simulated, band, error."""
    from dashboards.i18n import percent_text

    def pc(x: float, d: int = 1) -> str:
        return fmt(x, f".{d}%") if lang == "en" else percent_text(x, d, lang)

    names = _OOS_EN if lang == "en" else _OOS_FR
    band = [f"[{pc(a)}, {pc(b)}]" for a, b in zip(table["low"], table["high"], strict=True)]
    return pd.DataFrame({
        names[0]: table["period"], names[1]: table["observed"].map(pc),
        names[2]: table["simulated"].map(pc), names[3]: band,
        names[4]: table["abs_rel_error"].map(pc)})


_OOS_FR = ("trimestre", "taux INSEE", "taux simulé", "bande des réplications", "écart relatif")
_OOS_EN = ("quarter", "INSEE rate", "simulated rate", "band of the runs", "relative error")


def list_sensitivity(reader: Store) -> pd.DataFrame:
    """One row per stored sensitivity analysis, newest first (:data:`SENSITIVITY_COLUMNS`;
    ``indices`` counts its stored indices)."""
    if not {sensitivity_run_table.name, sensitivity_index_table.name} <= _tables(reader):
        return pd.DataFrame(columns=SENSITIVITY_COLUMNS)
    s = sensitivity_run_table.c
    counts = (select(sensitivity_index_table.c.sensitivity_id, func.count().label("indices"))
              .group_by(sensitivity_index_table.c.sensitivity_id).subquery())
    query = (select(s.id, s.scenario, s.outcome, s.samples, s.seed, s.created_at, s.retained,
                    func.coalesce(counts.c.indices, 0).label("indices"))
             .outerjoin(counts, counts.c.sensitivity_id == s.id).order_by(s.id.desc()))
    with reader.engine.connect() as conn:
        rows = conn.execute(query).mappings().all()
    return pd.DataFrame([dict(r) for r in rows], columns=SENSITIVITY_COLUMNS)


def sensitivity_indices(reader: Store, sensitivity_id: int) -> pd.DataFrame:
    """The indices of one sensitivity analysis (:data:`INDEX_COLUMNS`): Morris ``mu_star`` and
    ``sigma``, Sobol ``S1`` and ``ST``; ``conf`` is the half-width of the 95 % interval (missing
    for Morris sigma), ``low`` and ``high`` the interval."""
    if sensitivity_index_table.name not in _tables(reader):
        return pd.DataFrame(columns=INDEX_COLUMNS)
    i = sensitivity_index_table.c
    query = (select(i.method, i.factor, i.index_name, i.value, i.conf)
             .where(i.sensitivity_id == sensitivity_id).order_by(i.id))
    with reader.engine.connect() as conn:
        rows = [dict(r) for r in conn.execute(query).mappings().all()]
    out = pd.DataFrame(rows, columns=["method", "factor", "index_name", "value", "conf"])
    for col in ("value", "conf"):
        out[col] = pd.to_numeric(out[col], errors="coerce").astype(float)
    out["low"] = out["value"] - out["conf"]
    out["high"] = out["value"] + out["conf"]
    return out[INDEX_COLUMNS]


def _date(value: Any) -> str:
    if value is None:
        return "?"
    stamp = pd.Timestamp(value)
    return stamp.strftime("%Y-%m-%d %H:%M")


def calibration_label(row: Any, lang: str = "en") -> str:
    """The selector's label of one calibration: zone, territory, date, trials, loss, median
    absolute relative error, share of targets within their uncertainty."""
    from dashboards import i18n

    if lang == "en":
        loss = fmt(row.best_loss)
        median = fmt(row.median_abs_rel_error, ".1%")
        share = fmt(row.share_within, ".0%")
    else:
        loss = i18n.short_number(row.best_loss, lang)
        median = i18n.percent_text(row.median_abs_rel_error, 1, lang)
        share = i18n.percent_text(row.share_within, 0, lang)
    return i18n.t("cal.item", lang, id=row.id, zone=row.zone_code, territory=row.territory,
                  date=_date(row.created_at), trials=row.trials, loss=loss or "-",
                  median=median or "-", share=share or "-")


def sensitivity_label(row: Any, lang: str = "en") -> str:
    """The selector's label of one sensitivity analysis."""
    from dashboards import i18n

    return i18n.t("sens.item", lang, id=row.id, scenario=row.scenario,
                  outcome=i18n.indicator(str(row.outcome), lang), samples=row.samples,
                  date=_date(row.created_at), n=row.indices)
