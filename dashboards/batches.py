"""Read stored batches for the Compare page, read-only, through :mod:`experiments.results.compare`.

The tables are those of :mod:`experiments.store` (DESIGN.md section 5). SQLite files are opened
in read-only mode (``mode=ro``), so the dashboard can neither create a missing file nor write to
one that a batch is filling; the means, intervals and paired effects are
:func:`experiments.results.compare.compare_batch`'s, the same numbers as ``ptce compare``.
"""

from __future__ import annotations

from pathlib import Path

import pandas as pd
from sqlalchemy import case, create_engine, func, select
from sqlalchemy.engine import make_url

from experiments.results import compare
from experiments.store import (
    Store,
    batch_table,
    design_point_table,
    resolve_db_url,
    run_table,
    series_table,
)


class NoDatabase(Exception):
    """The results database does not exist or cannot be read; the message says which."""


def open_reader(db: str | None = None) -> Store:
    """Open the store at ``db`` (else ``PTCE_DB``, else the default) for reading only."""
    url_text = resolve_db_url(db)
    try:
        url = make_url(url_text)
    except Exception as exc:
        raise NoDatabase(f"{url_text!r} is not a database URL") from exc
    if url.get_backend_name() == "sqlite":
        database = url.database
        if not database or database == ":memory:":
            raise NoDatabase("an in-memory SQLite database holds no stored batches")
        path = Path(database).resolve()
        if not path.is_file():
            raise NoDatabase(f"no results database at {path}")
        engine = create_engine(f"sqlite:///file:{path}?mode=ro&uri=true",
                               connect_args={"timeout": 30})
    else:
        engine = create_engine(url, pool_pre_ping=True,
                               connect_args={"connect_timeout": 5}
                               if url.get_backend_name() == "postgresql" else {})
    reader = Store(url=url_text, engine=engine)
    try:
        with engine.connect() as conn:
            conn.execute(select(func.count()).select_from(batch_table))
    except Exception as exc:
        engine.dispose()
        first = str(getattr(exc, "orig", exc)).strip().splitlines()[0]
        raise NoDatabase(f"cannot read the results database {url_text}: {first}") from exc
    return reader


def list_batches(reader: Store) -> pd.DataFrame:
    """One row per batch, newest first: ``id, name, status, created_at, replications,
    points, runs, succeeded``."""
    runs = (select(run_table.c.batch_id, func.count().label("runs"),
                   func.sum(case((run_table.c.status == "succeeded", 1), else_=0)).label("ok"))
            .group_by(run_table.c.batch_id).subquery())
    points = (select(design_point_table.c.batch_id, func.count().label("points"))
              .group_by(design_point_table.c.batch_id).subquery())
    b = batch_table.c
    query = (select(b.id, b.name, b.status, b.created_at, b.replications,
                    func.coalesce(points.c.points, 0).label("points"),
                    func.coalesce(runs.c.runs, 0).label("runs"),
                    func.coalesce(runs.c.ok, 0).label("succeeded"))
             .outerjoin(points, points.c.batch_id == b.id)
             .outerjoin(runs, runs.c.batch_id == b.id)
             .order_by(b.id.desc()))
    with reader.engine.connect() as conn:
        return pd.DataFrame(conn.execute(query).mappings().all(),
                            columns=["id", "name", "status", "created_at", "replications",
                                     "points", "runs", "succeeded"])


def scenario_label(scenario: str, point: str) -> str:
    """A design point's label: its scenario, and its parameter values if it has some."""
    return scenario if point in ("-", "") else f"{scenario} [{point}]"


def outcomes(reader: Store, batch_id: int) -> pd.DataFrame:
    """Outcomes of the succeeded runs: ``scenario, label, replication, name, value``."""
    data = compare.load_outcomes(reader, batch_id)
    return _labelled(data)


def series_names(reader: Store, batch_id: int) -> list[str]:
    """Names of the monthly series stored for a batch."""
    query = (select(series_table.c.name)
             .join(run_table, run_table.c.id == series_table.c.run_id)
             .where(run_table.c.batch_id == batch_id).distinct().order_by(series_table.c.name))
    with reader.engine.connect() as conn:
        return [row[0] for row in conn.execute(query)]


def series(reader: Store, batch_id: int, name: str) -> pd.DataFrame:
    """One monthly series over the succeeded runs: ``scenario, label, replication, month,
    value``."""
    return _labelled(compare.load_series(reader, batch_id, (name,)))


def _labelled(data: pd.DataFrame) -> pd.DataFrame:
    if data.empty:
        return pd.DataFrame(columns=["scenario", "label", "replication", "name", "month",
                                     "value"])
    out = data.copy()
    out["label"] = [scenario_label(s, p) for s, p in zip(out["scenario"], out["point"],
                                                         strict=True)]
    return out.drop(columns=[c for c in ("run_id", "values", "point_index") if c in out])


def series_summary(data: pd.DataFrame) -> pd.DataFrame:
    """Per design point and month, the mean and 95 % interval of the mean over replications:
    ``scenario, month, mean, lower, upper, n`` (``scenario`` holds the point's label)."""
    rows = []
    for (label, month), group in data.groupby(["label", "month"], sort=False):
        mean, lower, upper = compare.mean_interval(group["value"].to_numpy(dtype=float))
        rows.append((label, month, mean, lower, upper, len(group)))
    return pd.DataFrame(rows, columns=["scenario", "month", "mean", "lower", "upper", "n"])


def effects(reader: Store, batch_id: int, baseline: str) -> pd.DataFrame:
    """Means with 95 % intervals and paired differences against ``baseline`` (same
    replication = same seed), from :func:`experiments.results.compare.compare_batch`."""
    summary = compare.compare_batch(reader, batch_id, baseline=baseline).summary
    return summary.rename(columns={"diff_mean": "difference", "diff_low": "diff_lower",
                                   "diff_high": "diff_upper", "low": "lower", "high": "upper"})


def design_points(reader: Store, batch_id: int) -> pd.DataFrame:
    """The design points of a batch: ``point_id, point_index, scenario, point, label``."""
    d = design_point_table.c
    query = (select(d.id, d.point_index, d.scenario, d["values"])
             .where(d.batch_id == batch_id).order_by(d.point_index))
    with reader.engine.connect() as conn:
        rows = conn.execute(query).all()
    out = pd.DataFrame(rows, columns=["point_id", "point_index", "scenario", "values"])
    out["point"] = [compare.point_label(v or {}) for v in out["values"]]
    out["label"] = [scenario_label(s, p) for s, p in zip(out["scenario"], out["point"],
                                                         strict=True)]
    return out.drop(columns="values")


def series_differences(data: pd.DataFrame, baseline: str) -> pd.DataFrame:
    """Per design point other than ``baseline`` (a label of :func:`series`) and month, the
    mean paired difference against the baseline (same replication = same seed) and its 95 %
    interval (:func:`experiments.results.effects.mean_interval`): ``scenario, month,
    difference, lower, upper, n``; months with fewer than two pairs are left out."""
    from experiments.results.effects import mean_interval

    columns = ["scenario", "month", "difference", "lower", "upper", "n"]
    if data.empty or baseline not in set(data["label"]):
        return pd.DataFrame(columns=columns)
    wide = data.pivot_table(index=["replication", "month"], columns="label", values="value",
                            aggfunc="mean")
    rows = []
    for label in dict.fromkeys(data["label"]):
        if label == baseline:
            continue
        paired = (wide[label] - wide[baseline]).dropna()
        for month, group in paired.groupby(level="month"):
            if len(group) < 2:
                continue
            mean, low, high = mean_interval(group.to_numpy(dtype=float))
            rows.append((label, int(month), mean, low, high, len(group)))
    return pd.DataFrame(rows, columns=columns)
