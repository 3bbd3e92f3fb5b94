"""The one entry point: ``simulate(params, seed) -> RunResult``."""

from __future__ import annotations

from collections.abc import Callable

import numpy as np

from .params import TerritoryParams
from .result import RunResult
from .territory import TerritoryModel

Seed = int | np.random.SeedSequence | None


def build_model(params: TerritoryParams, seed: Seed = None) -> TerritoryModel:
    """A ready-to-step model of ``params`` (extensions may add hooks before running)."""
    return TerritoryModel(params, seed)


def simulate(params: TerritoryParams, seed: Seed = None, *,
             progress: Callable[[int, int], None] | None = None) -> RunResult:
    """Run one territory for burn-in + horizon months and return its indicators.

    Args:
        params: validated parameters (``scenarios.load_scenario`` makes them from YAML).
        seed: root seed; the same params and seed give bit-identical results.
        progress: optional ``progress(done_months, total_months)`` callback.
    """
    model = build_model(params, seed)
    return run_model(model, progress=progress)


def run_model(model: TerritoryModel, *,
              progress: Callable[[int, int], None] | None = None) -> RunResult:
    """Step ``model`` to the end of its horizon and collect the result."""
    sim = model.params.simulation
    total = sim.burn_in_months + sim.months
    while model.month < total:
        model.step()
        if progress is not None:
            progress(model.month, total)
    result = model.recorder.result()
    result.seed = int(np.asarray(model.seed_sequence.entropy).ravel()[0]) \
        if model.seed_sequence.entropy is not None else None
    result.meta["spawn_key"] = list(model.seed_sequence.spawn_key)
    return result
