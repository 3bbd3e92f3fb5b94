"""Write the files of one run into a directory, all or nothing; the atomic writers every
command that writes files uses.

:func:`atomic_dir` yields a hidden temporary folder next to the target; once the body has
written into it, it is moved into place, and a previous folder there is moved aside first and
deleted only once the new one is in place. If the body (or the move) fails, the temporary folder
is removed, the previous folder is left as it was, and no parent folder created for the target
remains. :func:`atomic_file` does the same for one file (``os.replace``). ``ptce run``, ``ptce
effect``, ``ptce compare`` (its charts), ``ptce export``, ``ptce bench --json`` and the
calibration reports all write through them.

Files written (``FMT``, the series format, is ``csv`` by default or ``parquet``):

===========================  =========================================================
``series.FMT``               one row per reported month (``month`` 1..months), the columns
                             of ``model.SERIES_DOCS``
``outcomes.json``            ``{"scenario", "scenario_file", "seed", "months",
                             "burn_in_months", "persons", "version", "outcomes": {...}}``;
                             outcome names as in ``model.OUTCOME_DOCS``
``spells.SFMT``              person-level spells (``RunResult.spells``); ``SFMT`` is
                             ``parquet`` by default (compact for large runs) or ``csv``
``careers.csv``              career-security indicators, one row per person
``iae_exits.csv``            one row per SIAE exit in the horizon
``transition_matrix.csv``    quarterly transition probabilities (rows = from, sum to 1)
``stocks.png``               persons by state, unemployment rate, IAE and training stocks
===========================  =========================================================
"""

from __future__ import annotations

import json
import math
import os
import shutil
import tempfile
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from pathlib import Path
from typing import Any, Literal

import pandas as pd

from model import RunResult, State

TableFormat = Literal["csv", "parquet"]


def run_files(fmt: TableFormat = "csv", spells_fmt: TableFormat = "parquet") -> tuple[str, ...]:
    """Names of the files :func:`write_run` writes, for the series and spells formats."""
    return (f"series.{fmt}", "outcomes.json", f"spells.{spells_fmt}", "careers.csv",
            "iae_exits.csv",
            "transition_matrix.csv", "stocks.png")


class OutputDirError(Exception):
    """The output directory cannot be used (the message says why and what to do)."""


def check_out_dir(out_dir: Path, marker: str | tuple[str, ...] = "outcomes.json") -> None:
    """Fail early, before a long run, if ``out_dir`` cannot receive a command's files.

    Accepted: a directory that does not exist yet but can be created, an empty directory, or
    the directory of a previous run of the same command (it holds a file matching ``marker``,
    a name or glob pattern, or one of several), which will be replaced. Nothing is created here.
    """
    markers = (marker,) if isinstance(marker, str) else tuple(marker)
    if out_dir.exists():
        if not out_dir.is_dir():
            raise OutputDirError(f"{out_dir} exists and is not a directory")
        entries = list(out_dir.iterdir())
        if entries and not any(p.is_file() for m in markers for p in out_dir.glob(m)):
            raise OutputDirError(
                f"{out_dir} exists, is not empty and is not the directory of a previous run "
                f"(no {' or '.join(markers)}); choose another directory or remove it"
            )
    ancestor = out_dir.parent
    while not ancestor.exists():
        ancestor = ancestor.parent
    if not ancestor.is_dir():
        raise OutputDirError(f"cannot create {out_dir}: {ancestor} is not a directory")
    if not os.access(ancestor, os.W_OK | os.X_OK):
        raise OutputDirError(f"cannot create {out_dir}: {ancestor} is not writable")


@contextmanager
def atomic_dir(target: Path) -> Iterator[Path]:
    """Write the folder ``target`` all or nothing: yield a temporary sibling to write into.

    When the body ends, the temporary folder becomes ``target``; a previous ``target`` is moved
    aside and deleted only after the new one is in place. If the body or the move raises, the
    temporary folder is deleted, a previous ``target`` is kept as it was, the parents created
    for ``target`` are removed again, and the exception propagates.
    """
    target = Path(target)
    created = _make_parents(target.parent)
    try:
        tmp = Path(tempfile.mkdtemp(prefix=f".{target.name}.tmp-", dir=target.parent))
    except OSError:
        _remove_empty(created)
        raise
    try:
        yield tmp
        _replace_dir(tmp, target)
    except BaseException:
        shutil.rmtree(tmp, ignore_errors=True)
        _remove_empty(created)
        raise


@contextmanager
def atomic_file(target: Path) -> Iterator[Path]:
    """Write the file ``target`` all or nothing: yield a temporary sibling path (with the same
    suffix, so that writers choosing a format by extension work) to write, then
    ``os.replace`` it onto ``target``. On failure the temporary file is deleted and a previous
    ``target`` is kept."""
    target = Path(target)
    created = _make_parents(target.parent)
    try:
        fd, name = tempfile.mkstemp(prefix=f".{target.name}.tmp-", suffix=target.suffix,
                                    dir=target.parent)
    except OSError:
        _remove_empty(created)
        raise
    os.close(fd)
    tmp = Path(name)
    try:
        yield tmp
        tmp.chmod(0o666 & ~_umask())  # mkstemp makes it private; this is an ordinary file
        os.replace(tmp, target)
    except BaseException:
        tmp.unlink(missing_ok=True)
        _remove_empty(created)
        raise


def write_text_atomic(path: Path, text: str) -> Path:
    """Write ``text`` (UTF-8) to ``path`` through :func:`atomic_file`; return ``path``."""
    with atomic_file(path) as tmp:
        tmp.write_text(text, encoding="utf-8")
    return Path(path)


def write_run(result: RunResult, out_dir: Path, *, meta: Mapping[str, Any],
              fmt: TableFormat = "csv", spells_fmt: TableFormat = "parquet",
              title: str = "") -> list[Path]:
    """Write ``result`` into ``out_dir`` (replacing a previous run there); return the files.

    Args:
        result: what :func:`model.simulate` returned.
        out_dir: the run directory; its parents are created as needed.
        meta: run description stored at the top of ``outcomes.json`` (scenario, seed, ...).
        fmt: ``"csv"`` or ``"parquet"``, format of the monthly series.
        spells_fmt: ``"parquet"`` or ``"csv"``, format of the person-level spells.
        title: chart title (usually the scenario name).

    Raises:
        OSError: if the files cannot be written; nothing is left behind in that case, and a
        previous run in ``out_dir`` is kept.
    """
    out_dir = Path(out_dir)
    with atomic_dir(out_dir) as tmp:
        _write_files(result, tmp, meta=meta, fmt=fmt, spells_fmt=spells_fmt, title=title)
    return [out_dir / name for name in run_files(fmt, spells_fmt)]


def _write_files(result: RunResult, folder: Path, *, meta: Mapping[str, Any],
                 fmt: TableFormat, spells_fmt: TableFormat, title: str) -> None:
    if fmt == "parquet":
        result.series.to_parquet(folder / "series.parquet")
    else:
        result.series.to_csv(folder / "series.csv")
    if spells_fmt == "parquet":
        result.spells.to_parquet(folder / "spells.parquet", index=False)
    else:
        result.spells.to_csv(folder / "spells.csv", index=False)
    doc = {**meta, "outcomes": {k: _finite_or_none(v) for k, v in result.outcomes.items()}}
    with open(folder / "outcomes.json", "w", encoding="utf-8") as fh:
        json.dump(doc, fh, indent=2, allow_nan=False)
        fh.write("\n")
    result.careers.to_csv(folder / "careers.csv", index=False)
    result.iae_exits.to_csv(folder / "iae_exits.csv", index=False)
    result.transition_matrix().rename_axis("from").to_csv(folder / "transition_matrix.csv")
    plot_stocks(result.series, folder / "stocks.png", title=title)


def _finite_or_none(value: float) -> float | None:
    """JSON has no NaN or infinity: a non-finite outcome is stored as ``null``."""
    return float(value) if math.isfinite(value) else None


def _umask() -> int:
    mask = os.umask(0)
    os.umask(mask)
    return mask


def _make_parents(folder: Path) -> list[Path]:
    """Create ``folder`` and its missing parents; return those created, deepest first."""
    missing: list[Path] = []
    p = folder
    while not p.exists():
        missing.append(p)
        p = p.parent
    folder.mkdir(parents=True, exist_ok=True)
    return missing


def _remove_empty(folders: list[Path]) -> None:
    for folder in folders:
        try:
            folder.rmdir()
        except OSError:
            break


def _replace_dir(new: Path, target: Path) -> None:
    """Rename ``new`` to ``target``; a previous ``target`` is moved aside, and deleted only
    once ``new`` is in place (put back if that fails)."""
    new.chmod(0o777 & ~_umask())  # mkdtemp makes it private; this is an ordinary folder
    if not target.exists():
        new.rename(target)
        return
    old = Path(tempfile.mkdtemp(prefix=f".{target.name}.old-", dir=target.parent))
    old.rmdir()
    target.rename(old)
    try:
        new.rename(target)
    except BaseException:
        old.rename(target)
        raise
    shutil.rmtree(old, ignore_errors=True)


# ------------------------------------------------------------------------------- chart

#: Stacking order and colours of the states (jobs at the bottom, inactivity on top).
_STATE_STYLE: tuple[tuple[State, str, str], ...] = (
    (State.EMPLOYED_DURABLE, "durable job", "#1b7837"),
    (State.EMPLOYED_TEMP, "short contract / temp", "#7fbf7b"),
    (State.SELF_EMPLOYED, "self-employed", "#d9f0d3"),
    (State.SIAE, "SIAE (insertion contract)", "#e66101"),
    (State.TRAINING, "training", "#fdb863"),
    (State.UNEMPLOYED, "unemployed", "#b2182b"),
    (State.INACTIVE, "inactive", "#bababa"),
)


def plot_stocks(series: pd.DataFrame, path: Path, *, title: str = "") -> None:
    """Save a three-panel PNG of a run's monthly series.

    Top: persons by state, stacked. Middle: unemployment rate (% of the labour force) and
    long-term share of the unemployed (% of the unemployed). Bottom: persons on an insertion
    contract by SIAE type and in training (small stocks, invisible in the stack).
    """
    import matplotlib

    matplotlib.use("Agg")
    from matplotlib import pyplot as plt
    from matplotlib.ticker import FuncFormatter

    months = series.index.to_numpy()
    fig, (top, mid, low) = plt.subplots(
        3, 1, figsize=(12, 10), sharex=True, height_ratios=(3, 2, 2), layout="constrained"
    )
    stacks = [series[f"n_{st.name.lower()}"].to_numpy() for st, _, _ in _STATE_STYLE]
    top.stackplot(months, stacks, labels=[label for _, label, _ in _STATE_STYLE],
                  colors=[colour for _, _, colour in _STATE_STYLE], linewidth=0)
    top.set_ylabel("persons")
    top.yaxis.set_major_formatter(FuncFormatter(lambda v, _: f"{v:,.0f}"))
    top.set_title("Persons by state")
    top.legend(loc="center left", bbox_to_anchor=(1.01, 0.5), frameon=False, reverse=True)
    top.margins(x=0, y=0)

    mid.plot(months, 100 * series["unemployment_rate"], color="#b2182b", linewidth=2,
             label="unemployment rate\n(% of labour force)")
    mid.plot(months, 100 * series["long_term_unemployed_share"], color="#2166ac",
             linestyle="--", label="long-term share\n(% of unemployed, 12+ months)")
    mid.set_ylabel("%")
    mid.set_ylim(bottom=0)
    mid.grid(alpha=0.3)
    mid.legend(loc="center left", bbox_to_anchor=(1.01, 0.5), frameon=False)
    mid.set_title("Unemployment")

    siae_cols = [c for c in ("iae_aci", "iae_ei", "iae_etti", "iae_ai") if c in series]
    for col in siae_cols:
        low.plot(months, series[col], label=f"{col.removeprefix('iae_').upper()} employees")
    low.plot(months, series["n_training"], color="black", linestyle=":", label="in training")
    low.set_ylabel("persons")
    low.set_ylim(bottom=0)
    low.grid(alpha=0.3)
    low.legend(loc="center left", bbox_to_anchor=(1.01, 0.5), frameon=False)
    low.set_title("Insertion (IAE) and training stocks")
    low.set_xlabel("month of the reported horizon (burn-in excluded)")
    low.set_xlim(months.min(), months.max())

    if title:
        fig.suptitle(title, fontsize=14, fontweight="bold")
    fig.savefig(path, dpi=110)
    plt.close(fig)
