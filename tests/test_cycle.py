"""The business cycle as an input series (issue "calibration that holds out of sample", item 2):
the national ILO unemployment rate moves every firm's positions; the loader fills the series
from the data file; bad series, starts and horizons are named."""

from __future__ import annotations

import csv
from pathlib import Path

import numpy as np
import pytest
from typer.testing import CliRunner

from experiments.cli.main import app
from model import TerritoryModel, simulate
from model.params import Cycle, TerritoryParams
from scenarios import ScenarioError, load_scenario
from scenarios.cycle import DATA_DIR, SERIES_FILES, CycleDataError, read_series

runner = CliRunner()


def _national() -> dict[str, float]:
    """The data file read independently: quarter label -> value."""
    with open(DATA_DIR / SERIES_FILES["national_unemployment"], encoding="utf-8") as f:
        return {row[0]: float(row[1]) for row in csv.reader(f, delimiter=";")
                if row and row[0][:2] in ("19", "20") and "-T" in row[0]}


def _scenario(tmp_path: Path, body: str) -> Path:
    path = tmp_path / "cycle.yaml"
    path.write_text("extends: baseline\npopulation: {persons: 1500}\n" + body, encoding="utf-8")
    return path


def test_loader_fills_the_series_from_its_start(tmp_path: Path) -> None:
    """``cycle: {start: 2015-T1}`` gets INSEE's values from 2015-T1 to the file's last
    quarter, in order (the file is newest first): catches a reversed or shifted series."""
    params = load_scenario(_scenario(tmp_path, "cycle: {start: 2015-T1}\n"))
    national = _national()
    assert params.cycle is not None
    expected = [national[f"{y}-T{q}"] for y in range(2015, 2026) for q in range(1, 5)
                if f"{y}-T{q}" in national]
    assert list(params.cycle.values) == expected
    assert params.cycle.values[0] == national["2015-T1"]
    assert len(params.cycle.values) == 41  # 2015-T1 .. 2025-T1


def _params(values: list[float], elasticity: float, months: int = 36) -> TerritoryParams:
    base = load_scenario("baseline")
    return base.model_copy(update={
        "population": base.population.model_copy(update={"persons": 2000}),
        "simulation": base.simulation.model_copy(update={"months": months}),
        "cycle": Cycle(start="2015-T1", elasticity=elasticity, values=tuple(values))})


def test_factor_known_answer() -> None:
    """Quarters at 8, 8, 8 then 10 %, elasticity 1: factor 1 until month 8 (the middle of the
    third quarter), 0.98 from month 11 (the fourth), linear between; 1 in
    burn-in. Catches a factor on the wrong quarter, a level instead of a change, or a
    step where the rule interpolates."""
    params = _params([8, 8, 8, 10, 10, 10, 10, 10, 10, 10, 10, 10], 1.0)
    model = TerritoryModel(params, 0)
    f = {r: model.cycle_factor(r) for r in range(-3, 37)}
    assert all(f[r] == 1.0 for r in range(-3, 9))
    assert f[9] == pytest.approx(1 - (2 / 3) / 100)  # u = 8 + 2 / 3
    assert f[10] == pytest.approx(1 - (4 / 3) / 100)
    assert all(f[r] == pytest.approx(0.98) for r in range(11, 37))


def test_positions_follow_the_cycle() -> None:
    """Firms' positions fall by the factor: two points of national unemployment, elasticity
    1.5, three per cent fewer positions (within the rounding of each firm's positions);
    catches a cycle that never reaches the firms or compounds month after month."""
    params = _params([8, 8, 8, 10] + [10] * 8, 1.5)
    model = TerritoryModel(params, 1)
    totals = {}
    for _ in range(params.simulation.burn_in_months + 20):
        model.step()
        totals[model.reported_month - 1] = model.firms.positions.sum()
    assert totals[8] == totals[1] or abs(totals[8] / totals[1] - 1) < 0.01
    assert totals[20] / totals[1] == pytest.approx(0.97, abs=0.006)
    assert model.firms.shock == pytest.approx(np.full(model.n_sectors, 0.97))


def test_no_elasticity_is_no_cycle() -> None:
    """Elasticity 0: the run is identical to the same territory without a cycle."""
    with_cycle = _params(list(np.linspace(9, 12, 12)), 0.0)
    without = with_cycle.model_copy(update={"cycle": None})
    a, b = simulate(with_cycle, 3), simulate(without, 3)
    assert a.series.equals(b.series)


def test_shock_events_compound_with_the_cycle() -> None:
    """A demand shock of all sectors at month 14 (x 0.9) on top of the cycle: the shock is the
    product of both, and the cycle's factor comes back alone when the shock ends."""
    params = _params([8, 8, 8, 10] + [10] * 8, 1.0)
    data = params.model_dump()
    data["events"] = [{"at": 14, "demand_shock": {"sector": "all", "factor": 0.9,
                                                   "months": 6}}]
    params = TerritoryParams.model_validate(data)
    model = TerritoryModel(params, 2)
    seen = {}
    for _ in range(params.simulation.burn_in_months + 24):
        model.step()
        seen[model.reported_month - 1] = model.firms.shock.copy()
    assert seen[15] == pytest.approx(np.full(model.n_sectors, 0.98 * 0.9))
    assert seen[22] == pytest.approx(np.full(model.n_sectors, 0.98))


@pytest.mark.parametrize(("body", "key", "words"), [
    ("cycle: {start: 1960-T1}\n", "cycle.start", "outside the series national_unemployment "
                                                 "(1975-T1 to 2025-T1)"),
    ("cycle: {start: 2023-T1}\n", "", "has 9 quarters (to 2025-T1), the horizon of 120 months "
                                      "needs 40"),
    ("cycle: {start: 2015-T1, values: [0.08, 0.09]}\nsimulation: {months: 6}\n",
     "cycle.values", "a share given instead of a percentage"),
    ("cycle: {start: 2015-T1, series: pib}\n", "cycle.series", "national_unemployment"),
    ("cycle: {start: 2015Q1}\n", "cycle.start", "2015Q1"),
])
def test_bad_cycles_are_named(tmp_path: Path, body: str, key: str, words: str) -> None:
    with pytest.raises(ScenarioError) as caught:
        load_scenario(_scenario(tmp_path, body))
    text = str(caught.value)
    assert words in text, text
    if key:
        assert key in text, text


def test_a_series_with_a_gap_names_the_file_and_quarter(tmp_path: Path) -> None:
    rows = ["\"Libellé\";\"x\";\"Codes\"", "\"2015-T3\";\"9.0\";\"A\"", "\"2015-T1\";\"9.1\";\"A\""]
    (tmp_path / SERIES_FILES["national_unemployment"]).write_text("\n".join(rows),
                                                                 encoding="utf-8")
    with pytest.raises(CycleDataError) as caught:
        read_series("national_unemployment", tmp_path)
    assert "2015-T2 is missing" in str(caught.value)
    assert SERIES_FILES["national_unemployment"] in caught.value.key


def test_cli_exits_2_on_a_bad_cycle_and_writes_nothing(tmp_path: Path) -> None:
    path = _scenario(tmp_path, "cycle: {start: 1960-T1}\n")
    out = tmp_path / "out"
    res = runner.invoke(app, ["run", str(path), "--out", str(out)])
    assert res.exit_code == 2
    assert "cycle.start" in res.output and "1975-T1" in res.output
    assert not out.exists()
