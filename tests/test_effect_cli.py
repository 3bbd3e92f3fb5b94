"""`ptce effect`: paired effects of a PTCE preset from the command line."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest
from typer.testing import CliRunner

from experiments.cli.main import app
from experiments.results.effects import EFFECTS
from scenarios import load_scenario

runner = CliRunner()


def test_effect_writes_table_runs_and_chart(tmp_path: Path) -> None:
    """The files and the printed cost. Resto Passerelle is funded all along, so over a
    12-month horizon each PTCE run costs one year of its budget, and so does their mean.

    Catches: a table missing effects or with intervals that do not hold their mean; runs
    missing an arm or a replication; the coordination cost counted over the burn-in, scaled
    with the population, or not printed as the mean of the runs."""
    out = tmp_path / "effect"
    res = runner.invoke(app, ["effect", "ptce/resto_passerelle", "--replications", "2",
                              "--persons", "2000", "--months", "12", "--out", str(out)])
    assert res.exit_code == 0, res.output
    table = pd.read_csv(out / "effects.csv", index_col=0)
    assert table.index.name == "outcome"
    assert list(table.columns[:5]) == ["label", "unit", "mean", "low", "high"]
    assert set(EFFECTS) | set(REQUIRED) <= set(table.index)
    bounded = table.dropna(subset=["low", "high"])
    assert (bounded["low"] <= bounded["mean"] + 1e-12).all()
    assert (bounded["mean"] <= bounded["high"] + 1e-12).all()
    assert table["unit"].notna().all()
    runs = pd.read_csv(out / "runs.csv")
    assert sorted(runs["arm"].unique()) == ["with_ptce", "without"]
    assert len(runs) == 4
    assert (out / "effects.png").read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    budget = load_scenario("ptce/resto_passerelle").ptce.budget_per_year  # type: ignore[union-attr]
    cost = runs.loc[runs["arm"] == "with_ptce", "ptce_coordination_cost"]
    assert cost.to_numpy() == pytest.approx([budget, budget], rel=1e-12)
    assert f"Coordination cost over the horizon: {budget:,.0f} EUR" in res.output


#: The rows effects.csv must have (issue "what cooperation adds", item 4).
REQUIRED = ("gross_durable_jobs_treated", "displacement_durable_jobs", "net_durable_jobs",
            "jobs_created", "jobs_reallocated", "coordination_cost", "public_cost_mobilised",
            "cost_per_net_durable_job")


def test_effect_replaces_its_previous_output_but_not_other_folders(tmp_path: Path) -> None:
    args = ["effect", "ptce/re_sources", "--replications", "2", "--persons", "1500",
            "--months", "12"]
    out = tmp_path / "e"
    assert runner.invoke(app, [*args, "--out", str(out)]).exit_code == 0
    assert runner.invoke(app, [*args, "--out", str(out)]).exit_code == 0
    other = tmp_path / "other"
    other.mkdir()
    (other / "notes.txt").write_text("keep me")
    res = runner.invoke(app, [*args, "--out", str(other)])
    assert res.exit_code == 2
    assert (other / "notes.txt").read_text() == "keep me"


def test_effect_same_seed_same_table(tmp_path: Path) -> None:
    tables = []
    for i in range(2):
        out = tmp_path / f"e{i}"
        res = runner.invoke(app, ["effect", "ptce/re_sources", "--replications", "2",
                                  "--persons", "1500", "--months", "12", "--seed", "4",
                                  "--out", str(out)])
        assert res.exit_code == 0, res.output
        tables.append(pd.read_csv(out / "effects.csv", index_col=0))
    pd.testing.assert_frame_equal(tables[0], tables[1])


def test_effect_needs_a_ptce(tmp_path: Path) -> None:
    res = runner.invoke(app, ["effect", "baseline", "--out", str(tmp_path / "x")])
    assert res.exit_code == 2
    assert "no `ptce` section" in res.output
    assert not (tmp_path / "x").exists()


def test_effect_bad_options(tmp_path: Path) -> None:
    res = runner.invoke(app, ["effect", "ptce/le_phares", "--replications", "1"])
    assert res.exit_code == 2
    assert "--replications" in res.output
    res = runner.invoke(app, ["effect", "no_such_scenario.yaml"])
    assert res.exit_code == 2
    assert "no_such_scenario" in res.output
