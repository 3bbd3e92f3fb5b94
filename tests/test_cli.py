"""The ``ptce`` command line: run outputs, determinism, errors and exit codes, validate, bench."""

from __future__ import annotations

import json
import math
import re
import textwrap
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from typer.testing import CliRunner

from experiments.cli.main import app
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


#: Columns of ``iae_exits.csv``, in order (model/ODD.md section 11.3).
IAE_EXIT_COLUMNS = ["person_id", "siae_type", "outcome", "route_months", "rsa", "month",
                    "state_6m"]
#: The Dares classification of SIAE exits (sorties dynamiques) and the state a leaver takes in
#: the model for each (model/ODD.md section 7.8; business creation at exit does not occur).
EXIT_DESTINATION = {"DURABLE": "EMPLOYED_DURABLE", "TRANSITION": "EMPLOYED_TEMP",
                    "POSITIVE": "TRAINING", "OTHER": "UNEMPLOYED"}
#: Quarterly classes of the states (model/ODD.md section 2.2), in the matrix's order.
TRANSITION_CLASSES = {
    "temp_job": ("SIAE", "EMPLOYED_TEMP"),
    "durable_job": ("EMPLOYED_DURABLE", "SELF_EMPLOYED"),
    "unemployed": ("UNEMPLOYED", "TRAINING"),
    "inactive": ("INACTIVE",),
}
STATES = ["UNEMPLOYED", "INACTIVE", "TRAINING", "SIAE", "EMPLOYED_TEMP", "EMPLOYED_DURABLE",
          "SELF_EMPLOYED"]


def test_spells_and_careers_cover_every_person(small_run: Path) -> None:
    """Catches a spells table missing a documented column or a person's open spell, and a
    careers table dropping or duplicating persons (the population is constant, model/ODD.md
    section 2.1, and everyone present at the end has been observed)."""
    spells = pd.read_parquet(small_run / "spells.parquet")
    assert list(spells.columns) == ["person_id", "state", "start", "end", "organisation",
                                    "ongoing"]
    ongoing = spells[spells["ongoing"]]
    assert len(ongoing) == 2000 and ongoing["person_id"].is_unique
    assert (ongoing["end"] == 24).all() and (spells["start"] < spells["end"]).all()
    careers = pd.read_csv(small_run / "careers.csv")
    assert len(careers) == 2000 and careers["person_id"].is_unique
    assert set(careers["person_id"]) == set(ongoing["person_id"])
    assert careers["share_months_employed"].between(0, 1).all()


def test_iae_exits_table_has_documented_columns_and_dares_categories(small_run: Path) -> None:
    """Catches a missing or renamed column of ``iae_exits.csv``, outcome or SIAE type codes
    written instead of the Dares category names, exits outside the horizon, a route shorter
    than one month, and a six-month follow-up recorded for an exit less than six months
    before the end (or lost for a person still there)."""
    exits = pd.read_csv(small_run / "iae_exits.csv")
    assert list(exits.columns) == IAE_EXIT_COLUMNS
    assert len(exits) > 0
    assert set(exits["outcome"]) <= set(EXIT_DESTINATION)
    assert set(exits["siae_type"]) <= {"ACI", "EI", "ETTI", "AI"}
    assert exits["month"].between(1, 24).all()
    assert (exits["route_months"] >= 1).all()
    assert exits["rsa"].dtype == bool
    late = exits["month"] > 24 - 6
    assert exits.loc[late, "state_6m"].isna().all()
    followed = exits.loc[~late]
    assert set(followed["state_6m"].dropna()) <= set(STATES)
    # a follow-up is missing only for a person who has retired meanwhile
    present = set(pd.read_csv(small_run / "careers.csv")["person_id"])
    assert not followed.loc[followed["state_6m"].isna(), "person_id"].isin(present).any()


def test_iae_exits_agree_with_series_outcomes_and_spells(small_run: Path) -> None:
    """One row per exit, consistent with the rest of the run. Catches exits logged twice or
    lost (the closed SIAE spells, one per exit, disagree), an exit classified in the wrong
    Dares category (the leaver's next state disagrees), the monthly exit series counting
    other months or outcomes than the log, and ``outcomes.json`` counts, shares or route
    length computed from another set of exits."""
    exits = pd.read_csv(small_run / "iae_exits.csv")
    series = pd.read_csv(small_run / "series.csv", index_col="month")
    outcomes = json.loads((small_run / "outcomes.json").read_text(encoding="utf-8"))["outcomes"]
    spells = pd.read_parquet(small_run / "spells.parquet")
    spells["state"] = spells["state"].astype(str)

    monthly = exits.groupby(["month", "outcome"]).size().unstack(fill_value=0)
    for outcome in EXIT_DESTINATION:
        column = series[f"iae_exits_{outcome.lower()}"]
        expected = monthly.get(outcome, pd.Series(dtype=int)).reindex(column.index, fill_value=0)
        assert (column == expected).all(), outcome
    assert outcomes["iae_exits"] == len(exits) == series.filter(like="iae_exits_").sum().sum()
    shares = exits["outcome"].value_counts(normalize=True)
    for outcome in EXIT_DESTINATION:
        assert outcomes[f"iae_exit_share_{outcome.lower()}"] == pytest.approx(
            shares.get(outcome, 0.0)), outcome
    assert outcomes["iae_exits_durable"] == (exits["outcome"] == "DURABLE").sum()
    assert outcomes["iae_route_length_mean"] == pytest.approx(exits["route_months"].mean())

    # every leaver starts, at the exit, a spell in the state its category says (a move to
    # another SIAE, a sortie positive, starts a new SIAE spell; a business creation, an emploi
    # durable, a SELF_EMPLOYED one)
    after = spells[["person_id", "start", "state"]]
    nxt = exits.assign(start=exits["month"] - 1).merge(after, on=["person_id", "start"],
                                                       how="left")
    assert len(nxt) == len(exits)
    # (an entry and an exit in the same month, route 1, start no spell: the state is unchanged)
    same_month = nxt["state"].isna() & (nxt["route_months"] == 1) & (nxt["outcome"] == "OTHER")
    nxt = nxt[~same_month]
    allowed = {**EXIT_DESTINATION, "POSITIVE": ("TRAINING", "SIAE"),
               "DURABLE": ("EMPLOYED_DURABLE", "SELF_EMPLOYED")}
    ok = [state in (allowed[o] if isinstance(allowed[o], tuple) else (allowed[o],))
          for state, o in zip(nxt["state"], nxt["outcome"], strict=True)]
    assert all(ok), nxt[[not x for x in ok]]
    # one row per exit: a person leaves a SIAE at most once a month (SIAE entries come before
    # the exits in a month, model/ODD.md section 3), and every SIAE spell closed in the
    # horizon is one exit (no PTCE: no bridges between SIAE); the exits without such a spell
    # are same-month entries and exits, or in month 1 (a spell ending at 0 is not kept)
    assert not exits.duplicated(["person_id", "month"]).any(), "an exit logged twice"
    closed = spells[(spells["state"] == "SIAE") & ~spells["ongoing"]]
    closed = closed.assign(month=closed["end"] + 1)[["person_id", "month", "start", "end"]]
    # a spell closed by a retirement (no later spell of that person) is no exit
    later = spells[["person_id", "start"]].rename(columns={"start": "end"}).drop_duplicates()
    closed = closed.merge(later, on=["person_id", "end"], how="inner")
    both = exits.merge(closed, on=["person_id", "month"], how="outer", indicator=True)
    assert (both["_merge"] != "right_only").all(), "a closed SIAE spell without its exit"
    alone = both[both["_merge"] == "left_only"]
    assert ((alone["route_months"] == 1) | (alone["month"] == 1)).all(), alone
    # the route length counts the month ends on the CDDI (a spell begun in burn-in starts at 0)
    matched = both[both["_merge"] == "both"]
    length = matched["end"] - matched["start"]
    inside = matched["start"] > 0
    # a route continued after a move to another SIAE keeps counting from its first entry
    siae = spells[spells["state"] == "SIAE"][["person_id", "end"]].rename(columns={"end": "start"})
    moved_in = matched[["person_id", "start"]].merge(siae.assign(moved=True), how="left",
                                                     on=["person_id", "start"])["moved"]
    moved_in = moved_in.fillna(False).astype(bool).to_numpy()
    plain = inside.to_numpy() & ~moved_in
    assert (matched.loc[plain, "route_months"] == length[plain]).all()
    assert (matched.loc[inside.to_numpy() & moved_in, "route_months"]
            >= length[inside.to_numpy() & moved_in]).all()
    assert (matched.loc[~inside, "route_months"] >= length[~inside]).all()


def check_transition_matrix(run: Path, months: int) -> pd.DataFrame:
    """Assert that ``transition_matrix.csv`` of ``run`` is the quarterly transition matrix
    recomputed from its spells, that a row with observations sums to 1 and that the rows
    without any are those of the classes nobody occupied at a quarter end; return it."""
    matrix = pd.read_csv(run / "transition_matrix.csv", index_col=0)
    assert list(matrix.index) == list(matrix.columns) == list(TRANSITION_CLASSES)
    spells = pd.read_parquet(run / "spells.parquet")
    state_class = {s: c for c, states in TRANSITION_CLASSES.items() for s in states}
    spells["cls"] = spells["state"].astype(str).map(state_class)

    def classes_at(month: int) -> pd.Series:
        # the state at the end of reported month t is the spell covering index t - 1
        held = spells[(spells["start"] <= month - 1) & (spells["end"] > month - 1)]
        assert held["person_id"].is_unique, f"a person in two spells at month {month}"
        return held.set_index("person_id")["cls"]

    quarter_ends = list(range(3, months + 1, 3))
    counts = pd.DataFrame(0, index=matrix.index, columns=matrix.columns)
    for t in quarter_ends[:-1]:
        pair = pd.concat([classes_at(t).rename("from"), classes_at(t + 3).rename("to")],
                         axis=1, join="inner")
        counts += pd.crosstab(pair["from"], pair["to"]).reindex(
            index=matrix.index, columns=matrix.columns, fill_value=0)
    observed = counts.sum(axis=1)
    expected = counts.div(observed.where(observed > 0), axis=0).fillna(0.0)
    np.testing.assert_allclose(matrix.to_numpy(), expected.to_numpy(), atol=1e-12)

    series = pd.read_csv(run / "series.csv", index_col="month")
    for cls, states in TRANSITION_CLASSES.items():
        stock = series.loc[quarter_ends[:-1], [f"n_{s.lower()}" for s in states]].sum(axis=1)
        if (stock > 0).any():
            assert observed[cls] > 0, cls
            assert matrix.loc[cls].sum() == pytest.approx(1.0, abs=1e-9), cls
        else:
            assert observed[cls] == 0 and (matrix.loc[cls] == 0).all(), cls
    return matrix


def test_transition_matrix_is_recomputed_from_the_spells(small_run: Path) -> None:
    """Catches a matrix counted over other months than the quarter ends, with columns and rows
    swapped, not normalised by row, or pairing different persons, and a row of an occupied
    class left at zero (the old check passed as soon as any row summed to 0)."""
    matrix = check_transition_matrix(small_run, 24)
    assert ((matrix.sum(axis=1) - 1.0).abs() < 1e-9).all(), "every class is occupied here"


def test_transition_matrix_row_of_a_class_never_occupied_is_zero(tmp_path: Path) -> None:
    """Nobody is ever inactive: catches NaN (0/0) or a made-up row for the inactive class,
    and any other row not summing to 1."""
    scenario = write_scenario(tmp_path, """\
        extends: baseline
        population:
          inactivity_rate: 0.0
        demography:
          inactive_to_unemployed: 0.0
          unemployed_to_inactive: 0.0
          employed_to_inactive: 0.0
          entrant_inactive_share: 0.0
        """)
    out = tmp_path / "run"
    result = ptce("run", str(scenario), "--persons", "1000", "--months", "12", "--out",
                  str(out))
    assert result.exit_code == 0, result.output
    assert (pd.read_csv(out / "series.csv")["n_inactive"] == 0).all()
    matrix = check_transition_matrix(out, 12)
    assert (matrix.loc["inactive"] == 0).all() and (matrix["inactive"] == 0).all()
    assert ((matrix.drop(index="inactive").sum(axis=1) - 1.0).abs() < 1e-9).all()


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
