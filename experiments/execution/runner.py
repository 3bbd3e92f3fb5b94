"""One run on a worker: parameters and seed in, a picklable payload out, never an exception.

This module is what worker processes (local pool or Dask) import; it knows nothing of SQL.
A run that raises is returned as ``status="failed"`` with the stage it failed in (``params``,
``build``, ``simulate`` or ``collect``), the exception type and message and the traceback, so
the batch goes on.
"""

from __future__ import annotations

import os
import socket
import time
import traceback
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd

STAGES = ("params", "build", "simulate", "collect")


@dataclass
class RunTask:
    """What a worker needs to replay one run exactly.

    ``params`` is ``TerritoryParams.model_dump(mode="json")``; the seed is
    ``SeedSequence(entropy, spawn_key=spawn_key)``. ``fail_stage`` is a test hook: the run
    raises at the start of that stage (set by the coordinator from ``PTCE_TEST_FAIL``).
    """

    run_id: int
    params: dict[str, Any]
    entropy: int
    spawn_key: tuple[int, ...]
    record_spells: bool = True
    fail_stage: str | None = None


@dataclass
class RunPayload:
    """The result of one run, as sent back to the coordinator.

    ``series`` is the run's monthly frame (index ``month``); ``spells`` the person-level spells
    (None when not kept or on failure).
    """

    run_id: int
    status: str
    worker: str
    wall_time: float
    outcomes: dict[str, float] = field(default_factory=dict)
    series: pd.DataFrame | None = None
    spells: pd.DataFrame | None = None
    transitions: list[list[float]] | None = None
    error_stage: str | None = None
    error_type: str | None = None
    error_message: str | None = None
    traceback: str | None = None


class InjectedFailure(RuntimeError):
    """Raised by the ``PTCE_TEST_FAIL`` test hook."""


def seed_of(task: RunTask) -> np.random.SeedSequence:
    """The run's seed sequence, rebuilt from the stored entropy and spawn key."""
    return np.random.SeedSequence(task.entropy, spawn_key=tuple(task.spawn_key))


def execute_run(task: RunTask) -> RunPayload:
    """Run ``task`` and return its payload; exceptions become a failed payload."""
    from model import TerritoryParams, build_model, run_model

    worker = f"{socket.gethostname()}:{os.getpid()}"
    start = time.perf_counter()
    stage = "params"
    try:
        _maybe_fail(task, stage)
        params = TerritoryParams.model_validate(task.params)
        stage = "build"
        _maybe_fail(task, stage)
        model = build_model(params, seed_of(task))
        stage = "simulate"
        _maybe_fail(task, stage)
        result = run_model(model)
        stage = "collect"
        _maybe_fail(task, stage)
        return RunPayload(
            run_id=task.run_id,
            status="succeeded",
            worker=worker,
            wall_time=time.perf_counter() - start,
            outcomes={k: float(v) for k, v in result.outcomes.items()},
            series=result.series,
            spells=result.spells if task.record_spells else None,
            transitions=np.asarray(result.transitions, dtype=float).tolist(),
        )
    except Exception as exc:
        return RunPayload(
            run_id=task.run_id,
            status="failed",
            worker=worker,
            wall_time=time.perf_counter() - start,
            error_stage=stage,
            error_type=f"{type(exc).__module__}.{type(exc).__qualname__}",
            error_message=str(exc)[:4000],
            traceback=traceback.format_exc(),
        )


def _maybe_fail(task: RunTask, stage: str) -> None:
    if task.fail_stage == stage:
        raise InjectedFailure(f"PTCE_TEST_FAIL: run {task.run_id} made to fail at stage {stage}")
