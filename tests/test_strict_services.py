"""Strict services: under CI a test that needs PostgreSQL or Chromium fails when the service is
missing, naming it; locally it is skipped with the reason.

Each case runs one real service test of the suite in a child pytest whose environment points
at a missing service (a closed port, a browser path that does not exist), once as under CI and
once as on a developer's machine. The bug caught: a CI that goes green while PostgreSQL or the
browser tests were skipped (the ``|| true`` of an earlier ``.ci/run``, a ``skipif`` on the
browser's path).
"""

from __future__ import annotations

import os
import socket
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]

#: One test of each kind, cheap to collect and stopped before any fixture runs.
POSTGRES_TEST = "tests/test_store_postgres.py::test_database_is_dropped_after_the_test"
BROWSER_TEST = "tests/test_dashboard_browser.py::test_explore_slider_and_run_change_the_chart"


def closed_port() -> int:
    """A local port nothing listens on (bound, then released)."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def child_pytest(test: str, *, strict: bool, **env: str) -> subprocess.CompletedProcess[str]:
    """Run ``test`` in a child pytest, as under CI (``strict``) or locally."""
    base = {k: v for k, v in os.environ.items()
            if k not in ("CI", "PTCE_REQUIRE_SERVICES", "PYTEST_ADDOPTS")
            and not k.startswith(("PYTEST_XDIST", "COV_CORE"))}
    if strict:
        base["CI"] = "true"
    return subprocess.run(
        [sys.executable, "-m", "pytest", test, "-q", "-rs", "-p", "no:cacheprovider",
         "--no-cov", "-o", "addopts="],
        cwd=ROOT, env={**base, **env}, capture_output=True, text=True, timeout=300)


@pytest.mark.parametrize(("test", "env", "service"), [
    (POSTGRES_TEST, {"PTCE_TEST_PG_PORT": str(closed_port())}, "PostgreSQL"),
    (BROWSER_TEST, {"PTCE_CHROMIUM": "/nonexistent/chromium"}, "Chromium"),
], ids=["postgres", "chromium"])
def test_missing_service_fails_under_ci_and_is_skipped_locally(
        test: str, env: dict[str, str], service: str) -> None:
    """Under ``CI=true`` the test errors (exit 1) with a message naming the service; without it
    the same test is skipped (exit 0) and says why."""
    ci = child_pytest(test, strict=True, **env)
    out = ci.stdout + ci.stderr
    assert ci.returncode == 1, out
    assert "required service missing under CI" in out and service in out, out
    assert "1 error" in out and "skipped" not in out, out

    local = child_pytest(test, strict=False, **env)
    out = local.stdout + local.stderr
    assert local.returncode == 0, out
    assert "1 skipped" in out and service in out, out


def test_require_services_variable_is_strict_too() -> None:
    """``PTCE_REQUIRE_SERVICES=1`` without ``CI`` is as strict as CI (for a developer who wants
    to be sure their run touched every service)."""
    run = child_pytest(POSTGRES_TEST, strict=False, PTCE_REQUIRE_SERVICES="1",
                       PTCE_TEST_PG_PORT=str(closed_port()))
    out = run.stdout + run.stderr
    assert run.returncode == 1 and "PostgreSQL" in out, out


@pytest.mark.requires_postgres
def test_services_present_here_run_under_ci() -> None:
    """With this machine's real PostgreSQL, the strict child runs the test and it passes (the
    strict mode does not fail a service that answers)."""
    run = child_pytest(POSTGRES_TEST, strict=True)
    out = run.stdout + run.stderr
    assert run.returncode == 0 and "1 passed" in out, out
