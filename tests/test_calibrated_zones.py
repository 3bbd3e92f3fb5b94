"""The eight calibrated zones of the seed's PTCE hold where they are used (issue "calibration",
item 1): under ``ptce run`` defaults (horizon, burn-in, persons; seed 1) each reproduces its
2024 INSEE unemployment rate, the target it was fitted on, within 10 %."""

from __future__ import annotations

import pytest

from calibration.targets import zone_unemployment
from model import simulate
from scenarios import load_scenario

ZONES = ("0052_arles", "1109_paris", "7503_bayonne", "7610_castres_mazamet",
         "8405_bourg_en_bresse", "8409_grenoble", "8435_voiron", "9312_marseille")


@pytest.mark.parametrize("zone", ZONES)
def test_calibrated_zone_reproduces_its_rate_under_run_defaults(zone: str) -> None:
    params = load_scenario(f"territories/calibrated/{zone}")
    rate, _ = zone_unemployment(zone[:4], 2024)
    run = simulate(params, 1)
    simulated = run.outcomes["unemployment_rate"]
    assert abs(simulated - rate / 100) / (rate / 100) < 0.10, (zone, simulated, rate)
