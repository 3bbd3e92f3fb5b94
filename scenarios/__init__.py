"""Scenario files: YAML presets and the loader that validates them into model parameters.

>>> from scenarios import load_scenario
>>> params = load_scenario("baseline")            # or a path, or "7503_bayonne"
"""

from scenarios.loader import (
    PRESETS_DIR,
    Problem,
    ScenarioError,
    list_presets,
    load_scenario,
    resolve_scenario,
    validate_files,
)

__all__ = [
    "PRESETS_DIR",
    "Problem",
    "ScenarioError",
    "list_presets",
    "load_scenario",
    "resolve_scenario",
    "validate_files",
]
