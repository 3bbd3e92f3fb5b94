"""A zone's unemployment path (calibration/paths.py): the quarterly INSEE data, the path
runs under the national cycle, a known-answer recovery of the fitted level and elasticity,
and ``ptce calibrate --path-only`` writing the out-of-sample table, chart and report
section (issue "calibration out of sample", item 4)."""

from __future__ import annotations

import csv
from pathlib import Path

import numpy as np
import pytest
from typer.testing import CliRunner

import calibration.paths as paths
from calibration.targets import TargetError
from model import with_values
from scenarios import load_scenario
from scenarios.cycle import quarter_index, read_series


def small(persons: int = 400) -> object:
    return with_values(load_scenario("territories/calibrated/7503_bayonne"),
                       {"population.persons": persons})


def test_zone_quarterly_known_answers() -> None:
    """Arles' first two quarters in the INSEE file are 10,9 and 11,1 %; Bayonne's 2024-T4 is
    5,7 %. Catches the decimal comma, the header row with codes or the BOM misread."""
    assert paths.observed("0052", "2003-T1", "2003-T2") == pytest.approx([0.109, 0.111])
    assert paths.observed("7503", "2024-T4", "2024-T4") == pytest.approx([0.057])
    assert len(paths.observed("7503", *paths.FIT)) == 20


def test_unknown_zone_or_period_names_the_file_or_the_quarter() -> None:
    with pytest.raises(TargetError, match=r"insee_tcl_ze2020_quarterly\.csv: no zone d'emploi"):
        paths.observed("9999", *paths.FIT)
    with pytest.raises(TargetError, match="no INSEE rate for 2026-T1"):
        paths.observed("7503", "2025-T4", "2026-T1")


def test_path_params_run_2015_to_2024_under_the_national_cycle() -> None:
    """Forty quarters from 2015-T1, the national series' own values, the long burn-in and the
    level shift. Catches a driver that starts elsewhere or values that are not the data's."""
    base = small()
    p = paths.path_params(base, level_shift=-0.03, elasticity=2.0)
    national = read_series("national_unemployment")
    q0 = quarter_index("2015-T1")
    assert p.simulation.months == 120 and p.simulation.burn_in_months == paths.PATH_BURN_IN
    assert p.cycle is not None and p.cycle.start == "2015-T1" and p.cycle.elasticity == 2.0
    assert list(p.cycle.values) == [national[q0 + i] for i in range(40)]
    assert p.demand.jobs_per_active == pytest.approx(base.demand.jobs_per_active - 0.03)


def test_quarterly_rates_are_means_of_three_months() -> None:
    import pandas as pd

    series = pd.DataFrame({"unemployment_rate": [0.1, 0.2, 0.3, 0.4, 0.5, 0.6, 0.9]})
    assert paths.quarterly_rates(series) == pytest.approx([0.2, 0.5])


def test_fit_path_recovers_a_known_level_and_elasticity(monkeypatch) -> None:
    """Synthetic data: the zone's quarterly rates are replaced by the model's own path at a
    level shift and an elasticity of the grid, on the fit's seeds, over 2015-2019, and by
    another point's path elsewhere. The fit must choose exactly that point (loss 0), and the
    table compare the prediction with the data's 2021-2024 quarters. Catches a fit on
    another window, a grid or a slicing of quarters that is off."""
    monkeypatch.setattr(paths, "LEVEL_SHIFTS", (-0.04, 0.0, 0.04))
    monkeypatch.setattr(paths, "ELASTICITIES", (0.0, 3.0))
    base = small()
    truth, other = (0.04, 3.0), (-0.04, 0.0)
    rates, decoy = (r[0] for r in paths._runs(
        [paths.path_params(base, *truth), paths.path_params(base, *other)], 1, 11, 1))
    first = quarter_index(paths.START)
    fitted = paths._slice(*paths.FIT)
    # the truth's path over 2015-2019, another point's path everywhere else
    data = {first + i: float((rates if fitted.start <= i < fitted.stop else decoy)[i] * 100)
            for i in range(rates.size)}
    monkeypatch.setattr(paths, "zone_quarterly", lambda code: data)
    fit = paths.fit_path(base, "7503", replications=1, seed=11, predict_replications=2)
    assert (fit.level_shift, fit.elasticity) == truth
    assert fit.fit_error == pytest.approx(0.0, abs=1e-12)
    assert list(fit.table.columns) == list(paths.OUT_OF_SAMPLE_COLUMNS)
    assert fit.table["period"].tolist()[0] == "2021-T1" and len(fit.table) == 16
    assert np.all(fit.table["low"] <= fit.table["simulated"])
    assert np.all(fit.table["simulated"] <= fit.table["high"])
    predicted = paths._slice(*paths.PREDICT)
    assert fit.table["observed"].to_numpy() == pytest.approx(decoy[predicted])
    assert fit.table["abs_rel_error"].to_numpy() == pytest.approx(
        np.abs(fit.table["simulated"] - fit.table["observed"]) / fit.table["observed"])


def test_calibrate_path_only_writes_the_out_of_sample_files(tmp_path: Path,
                                                           monkeypatch) -> None:
    """``ptce calibrate --territory 7503 --path-only``: a calibration of its own on the
    zone's 2019 rate (in fit_2019/, so that nothing of 2021-2024 enters the fit), then the
    CSV with the issue's columns and 2021-2024 rows, the chart, the fitted path parameters,
    and a section added to the zone's report (replacing a previous one). An unknown zone
    exits 2 and writes nothing."""
    import json

    import yaml

    from experiments.cli.main import app

    monkeypatch.setattr(paths, "LEVEL_SHIFTS", (-0.03, 0.0))
    monkeypatch.setattr(paths, "ELASTICITIES", (1.0, 3.0))
    out = tmp_path / "rep"
    out.mkdir()
    (out / "report.md").write_text("# Calibration\n\n## Out of sample: old\n\nold text\n")
    db = f"sqlite:///{tmp_path / 'p.sqlite'}"
    args = ["calibrate", "--territory", "7503", "--path-only", "--trials", "2",
            "--replications", "1", "--persons", "300", "--months", "12", "--db", db,
            "--out", str(out)]
    result = CliRunner().invoke(app, args)
    assert result.exit_code == 0, result.output
    assert "out of sample 2021-2024, median |relative error|" in result.output
    fitted = (out / "fit_2019" / "7503_bayonne.yaml").read_text()
    assert "target 0.07525" in fitted  # Bayonne's 2019 annual mean, 7.525 %
    assert yaml.safe_load(fitted)["extends"].endswith("scenarios/territories/7503_bayonne.yaml")
    rows = list(csv.DictReader(open(out / "out_of_sample.csv")))
    assert list(rows[0]) == list(paths.OUT_OF_SAMPLE_COLUMNS)
    assert [r["period"] for r in rows] == [f"{y}-T{q}" for y in range(2021, 2025)
                                           for q in range(1, 5)]
    assert all(r["moment"] == "unemployment_rate" for r in rows)
    fit = json.loads((out / paths.PATH_FIT_FILE).read_text())
    assert fit["level_shift"] in (-0.03, 0.0) and fit["elasticity"] in (1.0, 3.0)
    assert (out / "out_of_sample.png").stat().st_size > 10_000
    report = (out / "report.md").read_text()
    assert report.count("## Out of sample") == 1 and "old text" not in report
    assert "![Out of sample](out_of_sample.png)" in report
    result = CliRunner().invoke(app, ["calibrate", "--territory", "9999", "--path-only",
                                      "--db", db, "--out", str(tmp_path / "rep2")])
    assert result.exit_code == 2
    assert "unknown zone d'emploi code '9999'" in result.output
    assert not (tmp_path / "rep2").exists()


def test_dashboard_reads_the_prediction_beside_the_report(tmp_path: Path) -> None:
    """The Calibration page's source: the CSV beside a calibration's report, in words and
    French numbers; nothing for a report without one. Catches a page reading another
    folder or showing shares unformatted."""
    from dashboards import calibrations

    (tmp_path / "report.md").write_text("# x\n")
    row = {"report": str(tmp_path / "report.md")}
    assert calibrations.out_of_sample(row) is None
    (tmp_path / "out_of_sample.csv").write_text(
        "moment,period,observed,simulated,low,high,abs_rel_error\n"
        "unemployment_rate,2021-T1,0.074,0.0703,0.0686,0.0722,0.05\n")
    table, png = calibrations.out_of_sample(row)
    assert png is None and table["period"].tolist() == ["2021-T1"]
    fr = calibrations.out_of_sample_table(table, "fr")
    assert list(fr.columns)[:2] == ["trimestre", "taux INSEE"]
    assert fr.iloc[0, 1].startswith("7,4") and fr.iloc[0, 4].startswith("5,0")
    en = calibrations.out_of_sample_table(table, "en")
    assert en.iloc[0, 1] == "7.4%"
