"""The ``ptce`` command line: run outputs, determinism, errors and exit codes, validate, bench."""

from __future__ import annotations

import json
import math
import re
import textwrap
from pathlib import Path

import pandas as pd
import pytest
from typer.testing import CliRunner

from experiments.cli import app
from experiments.results.outputs import run_files
from model import OUTCOME_DOCS, SERIES_DOCS

SMALL = ["--persons", "2000", "--months", "24"]
PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"

runner = CliRunner()


def ptce(*args: str) -> object:
    return runner.invoke(app, list(args), catch_exceptions=False)


@pytest.fixture
def in_tmp(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """Run in an empty working directory, so the default ``runs/`` lands there."""
    monkeypatch.chdir(tmp_path)
    return tmp_path


@pytest.fixture(scope="module")
def small_run(tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("run") / "baseline-small"
    result = ptce("run", "baseline", *SMALL, "--seed", "7", "--out", str(out))
    assert result.exit_code == 0, result.output
    return out


def write_scenario(folder: Path, text: str, name: str = "scenario.yaml") -> Path:
    path = folder / name
    path.write_text(textwrap.dedent(text), encoding="utf-8")
    return path


# ----------------------------------------------------------------------------- ptce run


def test_run_writes_every_promised_file(small_run: Path) -> None:
    names = sorted(p.name for p in small_run.iterdir())
    assert names == sorted(run_files("csv", "parquet"))
    for name in names:
        assert (small_run / name).stat().st_size > 0, name


def test_run_leaves_no_temporary_directory(small_run: Path) -> None:
    assert [p.name for p in small_run.parent.iterdir()] == [small_run.name]


def test_outcomes_json_has_documented_names_and_finite_values(small_run: Path) -> None:
    doc = json.loads((small_run / "outcomes.json").read_text(encoding="utf-8"))
    assert doc["scenario"] == "baseline"
    assert doc["seed"] == 7
    assert doc["months"] == 24
    assert doc["persons"] == 2000
    assert doc["version"]
    outcomes = doc["outcomes"]
    assert set(outcomes) == set(OUTCOME_DOCS)
    for name, value in outcomes.items():
        assert isinstance(value, float) and math.isfinite(value), (name, value)
    assert 0.0 < outcomes["unemployment_rate"] < 0.5


def test_series_has_one_row_per_month_and_documented_columns(small_run: Path) -> None:
    series = pd.read_csv(small_run / "series.csv", index_col="month")
    assert len(series) == 24
    assert list(series.index) == list(range(1, 25))
    assert set(series.columns) == set(SERIES_DOCS)


def test_other_tables_are_readable(small_run: Path) -> None:
    spells = pd.read_parquet(small_run / "spells.parquet")
    assert {"person_id", "state", "start", "end"} <= set(spells.columns)
    careers = pd.read_csv(small_run / "careers.csv")
    assert len(careers) > 0 and "share_months_employed" in careers
    pd.read_csv(small_run / "iae_exits.csv")
    matrix = pd.read_csv(small_run / "transition_matrix.csv", index_col=0)
    assert matrix.shape == (4, 4)
    sums = matrix.sum(axis=1)
    assert ((sums - 1.0).abs() < 1e-9).all() or (sums == 0).any()


def test_stocks_chart_is_a_png(small_run: Path) -> None:
    data = (small_run / "stocks.png").read_bytes()
    assert data[:8] == PNG_SIGNATURE
    width, height = int.from_bytes(data[16:20], "big"), int.from_bytes(data[20:24], "big")
    assert width >= 600 and height >= 400


def test_run_prints_a_summary_table(in_tmp: Path) -> None:
    result = ptce("run", "baseline", *SMALL)
    assert result.exit_code == 0, result.output
    assert "unemployment_rate" in result.stdout
    assert "iae_exit_share_durable" in result.stdout
    assert (in_tmp / "runs" / "baseline-seed1" / "outcomes.json").is_file()


def test_same_seed_gives_identical_series_files(tmp_path: Path) -> None:
    for name in ("a", "b"):
        result = ptce("run", "baseline", *SMALL, "--seed", "3", "--out", str(tmp_path / name))
        assert result.exit_code == 0, result.output
    a = (tmp_path / "a" / "series.csv").read_bytes()
    assert a == (tmp_path / "b" / "series.csv").read_bytes()
    result = ptce("run", "baseline", *SMALL, "--seed", "4", "--out", str(tmp_path / "c"))
    assert result.exit_code == 0, result.output
    assert a != (tmp_path / "c" / "series.csv").read_bytes()


def test_parquet_format_and_rerun_replaces_previous_run(tmp_path: Path) -> None:
    out = tmp_path / "run"
    assert ptce("run", "baseline", *SMALL, "--out", str(out)).exit_code == 0
    result = ptce("run", "baseline", *SMALL, "--out", str(out), "--format", "parquet",
                  "--spells-format", "csv")
    assert result.exit_code == 0, result.output
    assert sorted(p.name for p in out.iterdir()) == sorted(run_files("parquet", "csv"))
    assert len(pd.read_parquet(out / "series.parquet")) == 24
    assert [p.name for p in tmp_path.iterdir()] == ["run"]


def test_bad_scenario_exits_2_naming_file_and_key_and_writes_nothing(in_tmp: Path) -> None:
    bad = write_scenario(in_tmp, """\
        population:
          persns: 2000
        """)
    result = ptce("run", str(bad))
    assert result.exit_code == 2
    assert "scenario.yaml" in result.stderr
    assert "population.persns" in result.stderr
    assert "persons" in result.stderr  # the closest valid key
    assert "Traceback" not in result.output
    assert sorted(p.name for p in in_tmp.iterdir()) == ["scenario.yaml"]


def test_out_of_range_scenario_value_and_unknown_preset_exit_2(in_tmp: Path) -> None:
    bad = write_scenario(in_tmp, """\
        matching:
          efficiency: -1
        """)
    result = ptce("run", str(bad), "--out", str(in_tmp / "out"))
    assert result.exit_code == 2
    assert "matching.efficiency" in result.stderr
    assert not (in_tmp / "out").exists()
    result = ptce("run", "no_such_preset")
    assert result.exit_code == 2
    assert "no_such_preset" in result.stderr and "baseline" in result.stderr
    assert not (in_tmp / "runs").exists()


@pytest.mark.parametrize(
    ("args", "option"),
    [
        (["--persons", "0"], "--persons"),
        (["--persons", "50"], "--persons"),  # below the model's minimum of 100
        (["--months", "-1"], "--months"),
        (["--months", "0"], "--months"),
        (["--seed", "-5"], "--seed"),
        (["--format", "xls"], "--format"),
    ],
)
def test_bad_options_exit_2_naming_the_option(in_tmp: Path, args: list[str],
                                              option: str) -> None:
    result = ptce("run", "baseline", *args)
    assert result.exit_code == 2
    assert option in result.output
    assert not (in_tmp / "runs").exists()


def test_unusable_out_dir_exits_2_naming_the_option(in_tmp: Path) -> None:
    (in_tmp / "a_file").write_text("x", encoding="utf-8")
    result = ptce("run", "baseline", *SMALL, "--out", str(in_tmp / "a_file" / "sub"))
    assert result.exit_code == 2
    assert "--out" in result.output
    other = in_tmp / "notes"
    other.mkdir()
    (other / "keep.txt").write_text("mine", encoding="utf-8")
    result = ptce("run", "baseline", *SMALL, "--out", str(other))
    assert result.exit_code == 2
    assert "--out" in result.output
    assert [p.name for p in other.iterdir()] == ["keep.txt"]


def test_failed_write_leaves_nothing_behind(in_tmp: Path, monkeypatch: pytest.MonkeyPatch
                                            ) -> None:
    import experiments.results.outputs as outputs

    def broken_chart(*args: object, **kwargs: object) -> None:
        raise OSError("disk full")

    monkeypatch.setattr(outputs, "plot_stocks", broken_chart)
    result = ptce("run", "baseline", *SMALL, "--out", str(in_tmp / "deep" / "run"))
    assert result.exit_code == 2
    assert "disk full" in result.stderr
    assert not (in_tmp / "deep").exists()


# -------------------------------------------------------------------- validate, presets


def test_validate_exit_codes(tmp_path: Path) -> None:
    good = write_scenario(tmp_path, """\
        extends: baseline
        matching:
          efficiency: 0.4
        """, "good.yaml")
    bad = write_scenario(tmp_path, """\
        matching:
          efficency: 0.4
        """, "bad.yaml")
    result = ptce("validate", str(good), "baseline")
    assert result.exit_code == 0, result.output
    assert result.stdout.count("OK") == 2
    result = ptce("validate", str(good), str(bad))
    assert result.exit_code == 2
    assert "OK" in result.stdout
    assert "bad.yaml" in result.stdout and "matching.efficency" in result.stdout
    assert "efficiency" in result.stdout
    assert ptce("validate").exit_code == 2  # no file given


def test_presets_lists_baseline_and_territories() -> None:
    result = ptce("presets")
    assert result.exit_code == 0
    assert "baseline" in result.stdout
    assert "7503_bayonne" in result.stdout


@pytest.mark.parametrize("command", [[], ["run"], ["validate"], ["presets"], ["bench"]])
def test_help_everywhere(command: list[str]) -> None:
    result = ptce(*command, "--help")
    assert result.exit_code == 0
    assert "Usage" in result.stdout


# -------------------------------------------------------------------------------- bench


def test_bench_smoke(tmp_path: Path) -> None:
    figures = tmp_path / "bench.json"
    result = ptce("bench", "--sizes", "2000", "--months", "12", "--reference-sizes", "2000",
                  "--json", str(figures))
    assert result.exit_code == 0, result.output
    row = next(line for line in result.stdout.splitlines()
               if re.match(r"\W*2,000\W", line) and "x" not in line)
    numbers = [float(x.replace(",", "")) for x in re.findall(r"\d[\d,]*\.\d+", row)]
    assert len(numbers) >= 4 and all(x > 0 for x in numbers), row
    assert "Targets" in result.stdout
    data = json.loads(figures.read_text(encoding="utf-8"))
    (full,) = data["full_model"]
    assert full["simulated_months"] == 36
    assert full["simulate_person_steps_per_s"] > 0 and full["peak_memory_bytes"] > 0
    (ref,) = data["reference"]
    assert ref["agent_steps_per_s"] > 0
    assert data["ratios"][0]["total"] > 0


def test_bench_rejects_bad_sizes() -> None:
    result = ptce("bench", "--sizes", "10k,abc")
    assert result.exit_code == 2
    assert "--sizes" in result.output
