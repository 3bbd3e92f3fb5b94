"""Territorial labour-market model with SIAE, enterprises and training bodies (Mesa 3).

``simulate(params, seed) -> RunResult`` is the entry point; ``TerritoryModel`` is the Mesa
model; person state lives in a columnar store (``PersonStore``) viewed by ``JobSeeker`` agents.
"""

from .enterprises import Enterprise
from .indicators import SERIES_DOCS
from .params import TerritoryParams, with_values
from .persons import JobSeeker
from .result import OUTCOME_DOCS, TRANSITION_CLASSES, RunResult
from .siae import SIAE
from .simulate import build_model, run_model, simulate
from .states import ExitOutcome, State
from .territory import PHASES, TerritoryModel
from .training import TrainingBody

__all__ = [
    "OUTCOME_DOCS",
    "PHASES",
    "SERIES_DOCS",
    "SIAE",
    "TRANSITION_CLASSES",
    "Enterprise",
    "ExitOutcome",
    "JobSeeker",
    "RunResult",
    "State",
    "TerritoryModel",
    "TerritoryParams",
    "TrainingBody",
    "build_model",
    "run_model",
    "simulate",
    "with_values",
]
