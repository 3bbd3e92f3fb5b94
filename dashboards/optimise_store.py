"""Stored Pareto fronts of ``ptce optimise`` for the Optimise page, read-only.

Two sources: an output folder of ``ptce optimise`` (``pareto.csv``, with ``optimise.json``,
``trials.csv`` and ``pareto_fresh.csv`` beside it), found under the runs folder
(``PTCE_RUNS``, default ``runs``), and an Optuna study kept in the results database, read with
plain SQL through the dashboard's read-only engine (:func:`dashboards.batches.open_reader`), so
that opening the page never creates or migrates a table. A study's front is taken as
``ptce optimise`` takes it (:func:`experiments.results.optimise.pareto_front`: the trials
within the budget that no other one dominates).
"""

from __future__ import annotations

import json
import math
import os
from dataclasses import dataclass
from pathlib import Path
from types import SimpleNamespace
from typing import Any

import pandas as pd
from sqlalchemy import inspect, text

from experiments.results import effects
from experiments.results.optimise import Mix, pareto_front
from experiments.store import Store
from model.params import LEVERS

#: Optuna's tables that a stored study needs.
OPTUNA_TABLES = {"studies", "trials", "trial_values", "trial_params",
                 "trial_user_attributes"}
#: Folders searched at most (a runs folder can be large).
MAX_FOLDERS = 200


class FrontError(ValueError):
    """A folder or study that holds no usable front (the message says what is missing)."""


@dataclass
class Front:
    """One stored Pareto front.

    Attributes:
        source: the folder or ``study NAME``.
        objectives: the objectives' names (effects of
            :data:`experiments.results.effects.EFFECTS`).
        budget: the yearly coordination budget (EUR), NaN when unknown.
        pareto: one row per non-dominated mix: ``trial, coordinator_fte, <lever>,
            <lever>_intensity, yearly_cost, <objective>_mean, _ci_low, _ci_high``.
        trials: every trial, with ``feasible`` (may be empty).
        fresh: the same mixes on fresh seeds, when stored.
    """

    source: str
    objectives: tuple[str, ...]
    budget: float
    pareto: pd.DataFrame
    trials: pd.DataFrame
    fresh: pd.DataFrame | None = None


def runs_root() -> Path:
    """The folder searched for ``ptce optimise`` outputs (``PTCE_RUNS``, default ``runs``)."""
    return Path(os.environ.get("PTCE_RUNS") or "runs")


def find_folders(root: Path | None = None) -> list[Path]:
    """Folders under ``root`` holding a ``pareto.csv``, newest first."""
    root = runs_root() if root is None else Path(root)
    if not root.is_dir():
        return []
    found = []
    for path in root.rglob("pareto.csv"):
        found.append(path.parent)
        if len(found) >= MAX_FOLDERS:
            break
    return sorted(found, key=lambda p: p.joinpath("pareto.csv").stat().st_mtime, reverse=True)


def _objectives_of(frame: pd.DataFrame) -> tuple[str, ...]:
    return tuple(c.removesuffix("_mean") for c in frame.columns
                 if c.endswith("_mean") and c.removesuffix("_mean") in effects.EFFECTS)


def read_folder(folder: Path) -> Front:
    """The front a ``ptce optimise`` output folder holds; :class:`FrontError` naming what is
    missing or unreadable."""
    folder = Path(folder)
    pareto_file = folder / "pareto.csv"
    if not pareto_file.is_file():
        raise FrontError(f"{folder}: no pareto.csv")
    try:
        pareto = pd.read_csv(pareto_file)
    except (OSError, ValueError, pd.errors.ParserError) as exc:
        raise FrontError(f"{pareto_file}: {exc}") from None
    info: dict[str, Any] = {}
    manifest = folder / "optimise.json"
    if manifest.is_file():
        try:
            info = json.loads(manifest.read_text(encoding="utf-8"))
        except (OSError, ValueError):
            info = {}
    objectives = tuple(o for o in info.get("objectives", ()) if f"{o}_mean" in pareto) \
        or _objectives_of(pareto)
    if not objectives or "yearly_cost" not in pareto:
        raise FrontError(f"{pareto_file}: not a pareto.csv of ptce optimise (no objective "
                         "columns <name>_mean, or no yearly_cost)")
    trials = pd.DataFrame()
    if (folder / "trials.csv").is_file():
        try:
            trials = pd.read_csv(folder / "trials.csv")
        except (OSError, ValueError, pd.errors.ParserError):
            trials = pd.DataFrame()
    fresh = None
    if (folder / "pareto_fresh.csv").is_file():
        try:
            fresh = pd.read_csv(folder / "pareto_fresh.csv")
        except (OSError, ValueError, pd.errors.ParserError):
            fresh = None
    return Front(source=str(folder), objectives=objectives,
                 budget=float(info.get("budget", math.nan)), pareto=pareto, trials=trials,
                 fresh=fresh)


def has_studies(reader: Store) -> bool:
    try:
        return OPTUNA_TABLES <= set(inspect(reader.engine).get_table_names())
    except Exception:  # an unreadable catalogue: no study to show
        return False


def list_studies(reader: Store) -> pd.DataFrame:
    """The optimisation studies of the database (``study_id, study_name, trials``), newest
    first; other Optuna studies (the calibrations') are left out."""
    columns = ["study_id", "study_name", "trials"]
    if not has_studies(reader):
        return pd.DataFrame(columns=columns)
    query = text("SELECT s.study_id, s.study_name, COUNT(t.trial_id) AS trials "
                 "FROM studies s LEFT JOIN trials t ON t.study_id = s.study_id "
                 "AND t.state = 'COMPLETE' WHERE s.study_name LIKE 'optimise-%' "
                 "GROUP BY s.study_id, s.study_name ORDER BY s.study_id DESC")
    with reader.engine.connect() as conn:
        rows = conn.execute(query).all()
    return pd.DataFrame(rows, columns=columns)


def _json(value: str | None) -> Any:
    try:
        return json.loads(value) if value is not None else None
    except ValueError:
        return None


def read_study(reader: Store, study_id: int) -> Front:
    """The front of a stored study, taken as ``ptce optimise`` takes it."""
    from optuna.distributions import json_to_distribution

    with reader.engine.connect() as conn:
        name = conn.execute(text("SELECT study_name FROM studies WHERE study_id = :i"),
                            {"i": study_id}).scalar()
        if name is None:
            raise FrontError(f"no study {study_id} in {reader.url}")
        attrs = dict(conn.execute(text(
            "SELECT key, value_json FROM study_user_attributes WHERE study_id = :i"),
            {"i": study_id}).all()) if "study_user_attributes" in set(
            inspect(reader.engine).get_table_names()) else {}
        trials = conn.execute(text(
            "SELECT trial_id, number FROM trials WHERE study_id = :i AND state = 'COMPLETE' "
            "ORDER BY number"), {"i": study_id}).all()
        ids = [t[0] for t in trials]
        values: dict[int, dict[int, float]] = {}
        params: dict[int, dict[str, Any]] = {}
        users: dict[int, dict[str, Any]] = {}
        if ids:
            marks = ",".join(str(int(i)) for i in ids)
            for tid, objective, value in conn.execute(text(
                    f"SELECT trial_id, objective, value FROM trial_values "
                    f"WHERE trial_id IN ({marks})")):
                values.setdefault(tid, {})[int(objective)] = float(value)
            for tid, pname, pvalue, dist in conn.execute(text(
                    f"SELECT trial_id, param_name, param_value, distribution_json "
                    f"FROM trial_params WHERE trial_id IN ({marks})")):
                params.setdefault(tid, {})[pname] = json_to_distribution(
                    dist).to_external_repr(pvalue)
            for tid, key, value in conn.execute(text(
                    f"SELECT trial_id, key, value_json FROM trial_user_attributes "
                    f"WHERE trial_id IN ({marks})")):
                users.setdefault(tid, {})[key] = _json(value)
    settings = _json(attrs.get("settings")) or {}
    objectives = tuple(o for o in settings.get("objectives", ()) if o in effects.EFFECTS)
    if not objectives:
        raise FrontError(f"study {name}: no objectives recorded (not a ptce optimise study)")
    budget = float(settings.get("budget", math.nan))
    complete = []
    for tid, number in trials:
        v, p, u = values.get(tid, {}), params.get(tid, {}), users.get(tid, {})
        if len(v) != len(objectives) or "cost" not in u or "budget" not in u:
            continue
        try:
            Mix.from_params(p)
        except (KeyError, TypeError, ValueError):
            continue
        complete.append(SimpleNamespace(number=int(number), params=p, user_attrs=u,
                                        values=[v[k] for k in range(len(objectives))]))
    if not complete:
        raise FrontError(f"study {name}: no complete trial yet")
    signs = [effects.EFFECTS[o][2] for o in objectives]

    def row(t: Any) -> dict[str, Any]:
        out: dict[str, Any] = {"trial": t.number, **Mix.from_params(t.params).columns(),
                               "yearly_cost": round(float(t.user_attrs["cost"]), 2)}
        for k, o in enumerate(objectives):
            low, high = (t.user_attrs.get(f"{o}_ci") or [math.nan, math.nan])[:2]
            out[f"{o}_mean"], out[f"{o}_ci_low"], out[f"{o}_ci_high"] = t.values[k], low, high
        return out

    front = pareto_front(complete, signs)
    first = f"{objectives[0]}_mean"
    pareto = pd.DataFrame([row(t) for t in front]).sort_values(
        first, ascending=signs[0] < 0, kind="stable").reset_index(drop=True)
    every = pd.DataFrame([{**row(t), "feasible": t.user_attrs["cost"] <= t.user_attrs["budget"]}
                          for t in complete])
    return Front(source=f"study {name}", objectives=objectives, budget=budget,
                 pareto=pareto, trials=every)


def levers_on(row: Any, lang: str = "fr") -> str:
    """The levers a mix switches on, in words, with their intensities."""
    from dashboards import i18n
    from experiments.results import french

    parts = []
    for lever in LEVERS:
        on = row.get(lever) if isinstance(row, dict) else getattr(row, lever, False)
        if isinstance(on, str):
            on = on.strip().lower() == "true"
        if on is True or (not isinstance(on, str) and bool(on) and on == on):
            intensity = row.get(f"{lever}_intensity") if isinstance(row, dict) else getattr(
                row, f"{lever}_intensity", math.nan)
            words = french.words(french.LEVER_LABELS, lever, "en" if lang == "en" else "fr")
            parts.append(f"{words} ({i18n.number(float(intensity), 2, lang)})")
    return ", ".join(parts) if parts else ("none" if lang == "en" else "aucun")
