"""Small-territory fixtures for the model tests: 3,000 persons, 6 months of burn-in and 36
reported months run in about 0.2 s, so each test can afford its own runs."""

from __future__ import annotations

import functools
import os
import subprocess
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest

from model import TerritoryParams, with_values

# --------------------------------------------------------------------------------------------
# Services: PostgreSQL and Chromium. A test marked ``requires_postgres`` or ``requires_chromium``
# is skipped, with the reason, where the service is missing; under CI (``CI=true``) or with
# ``PTCE_REQUIRE_SERVICES=1`` it fails instead, naming what is missing, so that CI cannot go
# green without touching them.

PG_HOST = os.environ.get("PTCE_TEST_PG_HOST", "127.0.0.1")
PG_PORT = int(os.environ.get("PTCE_TEST_PG_PORT", "5432"))
CHROMIUM = Path(os.environ.get("PTCE_CHROMIUM", "/usr/bin/chromium"))


def services_required() -> bool:
    """True under CI or when ``PTCE_REQUIRE_SERVICES`` asks for strict services."""
    return (os.environ.get("CI", "").strip().lower() in ("true", "1", "yes")
            or os.environ.get("PTCE_REQUIRE_SERVICES", "").strip().lower() in ("1", "true", "yes"))


@functools.cache
def postgres_user() -> tuple[str | None, str]:
    """A user the server at ``PG_HOST:PG_PORT`` lets in on database ``test`` (trust auth), or
    None and why not."""
    try:
        import psycopg
    except ImportError as exc:
        return None, f"psycopg is not installed ({exc})"
    reasons = []
    for user in ("postgres", "root"):
        try:
            with psycopg.connect(host=PG_HOST, port=PG_PORT, dbname="test", user=user,
                                 connect_timeout=3):
                return user, ""
        except psycopg.OperationalError as exc:
            reasons.append(f"{user}: {str(exc).strip().splitlines()[0]}")
    return None, (f"no PostgreSQL server answers at {PG_HOST}:{PG_PORT} database test ("
                  + "; ".join(reasons) + ")")


@functools.cache
def chromium_problem() -> str:
    """Why the browser tests cannot run here ('' when they can)."""
    if not CHROMIUM.is_file() or not os.access(CHROMIUM, os.X_OK):
        return f"no Chromium at {CHROMIUM} (apt-get install chromium)"
    try:
        import playwright.sync_api  # noqa: F401
    except ImportError:
        return "playwright is not installed (./setup.sh --dev)"
    try:
        subprocess.run([str(CHROMIUM), "--version"], capture_output=True, timeout=30, check=True)
    except (OSError, subprocess.SubprocessError) as exc:
        return f"{CHROMIUM} --version failed ({exc})"
    return ""


def _service_problems(item: pytest.Item) -> list[str]:
    problems = []
    if item.get_closest_marker("requires_postgres") is not None:
        user, reason = postgres_user()
        if user is None:
            problems.append(f"PostgreSQL: {reason}")
    if item.get_closest_marker("requires_chromium") is not None:
        reason = chromium_problem()
        if reason:
            problems.append(f"Chromium: {reason}")
    return problems


#: Flags for headless Debian chromium in a sandbox with no network (NOTES: Playwright with the
#: system binary, never ``playwright install``).
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-quic",
                 "--disable-background-networking", "--disable-component-update",
                 "--disable-sync", "--no-first-run"]


@pytest.fixture(scope="module")
def browser() -> Iterator[Any]:
    """Headless Chromium through Playwright, for tests marked ``requires_chromium``."""
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        b = p.chromium.launch(executable_path=str(CHROMIUM), headless=True, args=CHROMIUM_ARGS)
        yield b
        b.close()


@pytest.hookimpl(tryfirst=True)
def pytest_runtest_setup(item: pytest.Item) -> None:
    """Skip (locally) or fail (under CI) a test whose service is missing, before its
    fixtures start anything."""
    problems = _service_problems(item)
    if not problems:
        return
    if services_required():
        pytest.fail("required service missing under CI (CI=true or PTCE_REQUIRE_SERVICES=1): "
                    + "; ".join(problems), pytrace=False)
    pytest.skip("; ".join(problems))

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
    """Many long CDDI routes, every jobseeker eligible, ample diagnostics, no early dropouts:
    routes hit the end of the Pass IAE often, prolongations are asked, and people return to
    SIAE on their Pass or after the waiting period."""
    updates: dict[str, Any] = {
        "siae_rules.level2_needed_aci_ei": 0,
        "siae_rules.level2_needed_ai_etti": 0,
        "siae_rules.waiting_period_months": 6,
        "siae_rules.waiver_probability": 0.1,
        "prescription.diagnostics_per_1000": 200.0,
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
