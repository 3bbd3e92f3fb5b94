"""Small-territory fixtures for the model tests: 3,000 persons, 6 months of burn-in and 36
reported months run in about 0.2 s, so each test can afford its own runs."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest

from model import TerritoryParams, with_values

#: The reference small territory of the model tests.
SMALL: dict[str, Any] = {
    "population.persons": 3_000,
    "simulation.burn_in_months": 6,
    "simulation.months": 36,
}

ParamsFactory = Callable[..., TerritoryParams]


def small_territory(updates: dict[str, Any] | None = None,
                    events: list[dict[str, Any]] | None = None) -> TerritoryParams:
    """The small territory with dotted-path ``updates`` and a timeline of ``events``."""
    values = {**SMALL, **(updates or {})}
    if events is not None:
        values["events"] = events
    return with_values(TerritoryParams(), values)


@pytest.fixture
def make_params() -> ParamsFactory:
    """Factory: ``make_params({"matching.efficiency": 0.2}, events=[...])``."""
    return small_territory


@pytest.fixture
def small_params() -> TerritoryParams:
    """Default parameters on the small territory."""
    return small_territory()


def shock_territory() -> TerritoryParams:
    """Demand falls: a halving of construction, then of all sectors by 20 %, and a slow
    decline of positions, so firms must lay people off."""
    return small_territory(
        {"demand.growth_per_year": -0.05},
        events=[
            {"at": 8, "demand_shock": {"sector": "construction", "factor": 0.5, "months": 6}},
            {"at": 20, "demand_shock": {"sector": "all", "factor": 0.8, "months": 4}},
        ],
    )


def siae_stress_territory() -> TerritoryParams:
    """Many long CDDI routes, every jobseeker eligible, no early dropouts: routes hit the
    24-month (60 from age 50) limit often and people return to SIAE after a first route."""
    updates: dict[str, Any] = {
        "prescription.barrier_threshold": 0.0,
        "prescription.spell_threshold_months": 0,
        "prescription.siae_fill_rate": 1.0,
        "simulation.burn_in_months": 12,
        "simulation.months": 48,
    }
    for kind in ("ACI", "EI", "ETTI", "AI"):
        updates[f"siae.{kind}.dropout"] = 0.0
        updates[f"siae.{kind}.route_mean_months"] = 24.0
        updates[f"siae.{kind}.posts"] = 40
    return small_territory(updates)


SCENARIOS: dict[str, Callable[[], TerritoryParams]] = {
    "default": small_territory,
    "demand_shock": shock_territory,
    "siae_stress": siae_stress_territory,
}


@pytest.fixture(params=sorted(SCENARIOS))
def scenario(request: pytest.FixtureRequest) -> TerritoryParams:
    """Each small scenario in turn (default, demand shocks, SIAE stress)."""
    return SCENARIOS[request.param]()
