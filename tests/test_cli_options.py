"""Options and writes shared by the commands: the one atomic writer (a failed write keeps the
previous output and leaves no temporary folder), and the one definition of ``--persons`` and
``--months`` on every command that runs the model (accepted, in effect, bad values refused
with exit code 2 naming the option)."""

from __future__ import annotations

import json
import os
import stat
from pathlib import Path
from typing import Any

import pandas as pd
import pytest
from typer.testing import CliRunner

import experiments.results.compare as compare
import experiments.results.effects as effects
import experiments.results.outputs as outputs
from experiments.cli.main import app
from experiments.results.outputs import atomic_dir, atomic_file

runner = CliRunner()
SMALL = ["--persons", "1500", "--months", "12"]


def ptce(*args: str) -> Any:
    return runner.invoke(app, list(args), catch_exceptions=False)


def snapshot(folder: Path) -> dict[str, bytes]:
    """Every file of ``folder`` with its bytes."""
    return {p.name: p.read_bytes() for p in sorted(folder.iterdir())}


def break_final_rename(monkeypatch: pytest.MonkeyPatch, target: Path) -> None:
    """Make the move of the new folder (or file) onto ``target`` fail, as a full disk or a
    permission change would, after everything has been written."""
    real_rename, real_replace = Path.rename, os.replace

    def rename(self: Path, dest: Any) -> Any:
        if Path(dest) == target and self.name.startswith(f".{target.name}.tmp-"):
            raise OSError("rename refused")
        return real_rename(self, dest)

    def replace(src: Any, dst: Any) -> None:
        if Path(dst) == target:
            raise OSError("rename refused")
        real_replace(src, dst)

    monkeypatch.setattr(Path, "rename", rename)
    monkeypatch.setattr(os, "replace", replace)


@pytest.fixture(scope="module")
def batch_db(tmp_path_factory: pytest.TempPathFactory) -> str:
    """A batch of two baseline runs made with --persons 1500 --months 12."""
    db = f"sqlite:///{tmp_path_factory.mktemp('db') / 'ptce.sqlite'}"
    result = ptce("batch", "baseline", "-n", "2", *SMALL, "--db", db, "--quiet")
    assert result.exit_code == 0, result.output
    return db


# ------------------------------------------------------------------------- atomic writer


def test_atomic_dir_keeps_the_previous_folder_when_the_body_fails(tmp_path: Path) -> None:
    """A failure while writing leaves the previous folder as it was and no temporary folder.

    Catches a writer that writes into the target itself, or that removes the target (or
    does not remove its temporary folder) before the new content is complete."""
    target = tmp_path / "out"
    with atomic_dir(target) as tmp:
        (tmp / "a.txt").write_text("old")
    with pytest.raises(RuntimeError), atomic_dir(target) as tmp:
        (tmp / "a.txt").write_text("new")
        raise RuntimeError("interrupted")
    assert snapshot(target) == {"a.txt": b"old"}
    assert [p.name for p in tmp_path.iterdir()] == ["out"]


def test_atomic_dir_replaces_only_once_the_new_folder_is_in_place(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """If the new folder cannot be moved into place, the previous one is still there.

    Catches the old ``ptce effect`` order (delete the target, then rename the new folder)."""
    target = tmp_path / "out"
    with atomic_dir(target) as tmp:
        (tmp / "a.txt").write_text("old")
        (tmp / "b.txt").write_text("old b")
    break_final_rename(monkeypatch, target)
    with pytest.raises(OSError, match="rename refused"), atomic_dir(target) as tmp:
        (tmp / "a.txt").write_text("new")
    assert snapshot(target) == {"a.txt": b"old", "b.txt": b"old b"}
    assert [p.name for p in tmp_path.iterdir()] == ["out"]
    monkeypatch.undo()
    with atomic_dir(target) as tmp:  # and a good write replaces the whole folder
        (tmp / "c.txt").write_text("new")
    assert snapshot(target) == {"c.txt": b"new"}
    assert stat.S_IMODE(target.stat().st_mode) == 0o777 & ~_umask()


def test_atomic_file_keeps_the_previous_file(tmp_path: Path,
                                             monkeypatch: pytest.MonkeyPatch) -> None:
    """The single-file variant: a failed body or a failed move keeps the previous file and
    leaves no temporary file; a good write has the suffix the writer needs and ordinary
    permissions. Catches a writer that truncates the target first (``write_text``) or leaves
    a private (0600) file."""
    target = tmp_path / "figures.json"
    with atomic_file(target) as tmp:
        assert tmp.suffix == ".json" and tmp.parent == tmp_path
        tmp.write_text("old")
    with pytest.raises(RuntimeError), atomic_file(target) as tmp:
        tmp.write_text("new, half")
        raise RuntimeError("interrupted")
    break_final_rename(monkeypatch, target)
    with pytest.raises(OSError), atomic_file(target) as tmp:
        tmp.write_text("new")
    monkeypatch.undo()
    assert target.read_text() == "old"
    assert [p.name for p in tmp_path.iterdir()] == ["figures.json"]
    outputs.write_text_atomic(target, "new")
    assert target.read_text() == "new"
    assert stat.S_IMODE(target.stat().st_mode) == 0o666 & ~_umask()


def _umask() -> int:
    mask = os.umask(0)
    os.umask(mask)
    return mask


@pytest.mark.parametrize("where", ["body", "rename"])
def test_failed_run_keeps_the_previous_run(tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
                                           where: str) -> None:
    """``ptce run`` into a previous run's folder: a failure at the last file (the chart) or at
    the final move exits 2 and leaves the previous run's files, byte for byte, and nothing
    else. Catches writing the files straight into the run folder, or deleting it first."""
    out = tmp_path / "run"
    assert ptce("run", "baseline", *SMALL, "--out", str(out)).exit_code == 0
    before = snapshot(out)
    if where == "body":
        def broken_chart(series: Any, path: Path, *, title: str = "") -> None:
            Path(path).write_bytes(b"half a png")
            raise OSError("disk full")

        monkeypatch.setattr(outputs, "plot_stocks", broken_chart)
    else:
        break_final_rename(monkeypatch, out)
    result = ptce("run", "baseline", *SMALL, "--seed", "2", "--out", str(out))
    assert result.exit_code == 2
    assert ("disk full" if where == "body" else "rename refused") in result.stderr
    monkeypatch.undo()
    assert snapshot(out) == before
    assert [p.name for p in tmp_path.iterdir()] == ["run"]


@pytest.mark.parametrize("where", ["body", "rename"])
def test_failed_effect_keeps_the_previous_effect(tmp_path: Path,
                                                 monkeypatch: pytest.MonkeyPatch,
                                                 where: str) -> None:
    """``ptce effect``: a failure at its chart or at the final move keeps the previous
    effects.csv, runs.csv and effects.png, and leaves no ``.tmp`` folder. Catches the former
    effect writer, which deleted the previous folder before renaming the new one."""
    out = tmp_path / "effect"
    args = ["effect", "ptce/re_sources", "--replications", "2", *SMALL, "--out", str(out)]
    assert ptce(*args).exit_code == 0
    before = snapshot(out)
    assert set(before) == {"effects.csv", "runs.csv", "effects.png"}
    if where == "body":
        def broken_plot(result: Any, path: Path) -> None:
            Path(path).write_bytes(b"half a png")
            raise OSError("disk full")

        monkeypatch.setattr(effects, "plot_effects", broken_plot)
    else:
        break_final_rename(monkeypatch, out)
    result = ptce(*args, "--seed", "5")
    assert result.exit_code == 2
    monkeypatch.undo()
    assert snapshot(out) == before
    assert [p.name for p in tmp_path.iterdir()] == ["effect"]


@pytest.mark.parametrize("where", ["body", "rename"])
def test_failed_export_keeps_the_previous_export(tmp_path: Path, batch_db: str,
                                                 monkeypatch: pytest.MonkeyPatch,
                                                 where: str) -> None:
    """``ptce export``: a failure at the third table or at the final move keeps the previous
    export whole (not two new tables and two old ones). Catches an export that writes its
    tables one by one into the folder."""
    out = tmp_path / "export"
    assert ptce("export", "1", "--db", batch_db, "--out", str(out)).exit_code == 0
    before = snapshot(out)
    assert set(before) == {"design_points.csv", "runs.csv", "outcomes.csv", "series.csv"}
    if where == "body":
        real = compare._write_table

        def broken(frame: pd.DataFrame, path: Path, fmt: str) -> None:
            if path.stem == "outcomes":
                path.write_text("half")
                raise OSError("disk full")
            real(frame, path, fmt)
            path.write_text(path.read_text() + "changed\n")  # new content, to be noticed

        monkeypatch.setattr(compare, "_write_table", broken)
    else:
        break_final_rename(monkeypatch, out)
    result = ptce("export", "1", "--db", batch_db, "--out", str(out))
    assert result.exit_code == 2
    monkeypatch.undo()
    assert snapshot(out) == before
    assert [p.name for p in tmp_path.iterdir()] == ["export"]


def test_failed_compare_charts_keep_the_previous_charts(tmp_path: Path, batch_db: str,
                                                        monkeypatch: pytest.MonkeyPatch
                                                        ) -> None:
    """``ptce compare --charts``: a failure while drawing keeps the previous charts; a folder
    that holds other files is refused (exit 2, naming --charts) before anything is written.
    Catches charts written into the folder one by one, and a replacement that would delete
    a user's folder."""
    charts = tmp_path / "charts"
    assert ptce("compare", "1", "--db", batch_db, "--charts", str(charts)).exit_code == 0
    before = snapshot(charts)
    assert "outcomes.png" in before

    def broken(store: Any, batch_id: int, folder: Path, *args: Any) -> list[str]:
        (folder / "outcomes.png").write_bytes(b"half")
        raise OSError("disk full")

    monkeypatch.setattr(compare, "_draw_charts", broken)
    assert ptce("compare", "1", "--db", batch_db, "--charts", str(charts)).exit_code == 2
    monkeypatch.undo()
    assert snapshot(charts) == before
    mine = tmp_path / "mine"
    mine.mkdir()
    (mine / "notes.txt").write_text("keep me")
    result = ptce("compare", "1", "--db", batch_db, "--charts", str(mine))
    assert result.exit_code == 2 and "--charts" in result.output
    assert snapshot(mine) == {"notes.txt": b"keep me"}
    assert sorted(p.name for p in tmp_path.iterdir()) == ["charts", "mine"]


# --------------------------------------------------------------------- --persons, --months


def test_run_sizes(tmp_path: Path) -> None:
    """``ptce run --persons 1500 --months 12``: 12 monthly rows, about 1,500 persons in the
    states of the first month (entries and retirements move it a little). Catches options
    parsed but not applied to the parameters."""
    out = tmp_path / "run"
    assert ptce("run", "baseline", *SMALL, "--out", str(out)).exit_code == 0
    series = pd.read_csv(out / "series.csv", index_col=0)
    assert len(series) == 12
    persons = series[[c for c in series if c.startswith("n_")]].iloc[0].sum()
    assert 1400 <= persons <= 1600
    doc = json.loads((out / "outcomes.json").read_text())
    assert (doc["persons"], doc["months"]) == (1500, 12)


def test_batch_runs_are_stored_with_the_given_sizes(batch_db: str) -> None:
    """``ptce batch --persons 1500 --months 12``: the stored design point has those values and
    each stored run has 12 months of series, about 1,500 persons. Catches batch without the
    options, or options applied to the design's labels but not to the parameters the runs
    read from the database."""
    from experiments.store import design_point_table, open_store

    store = open_store(batch_db)
    with store.engine.connect() as conn:
        (params,) = conn.execute(design_point_table.select()).mappings().all()
    assert params["params"]["population"]["persons"] == 1500
    assert params["params"]["simulation"]["months"] == 12
    series = compare.load_series(store, 1)
    assert sorted(series["run_id"].unique()) == [1, 2]
    for _, run in series.groupby("run_id"):
        assert sorted(run["month"].unique()) == list(range(1, 13))
        first = run[(run["month"] == 1) & run["name"].str.startswith("n_")]
        assert 1400 <= first["value"].sum() <= 1600


def test_effect_with_12_months_reports_12_months(tmp_path: Path) -> None:
    """``ptce effect --months 12``: months employed per person are 12 times the share of
    months employed, and no one has more than 12 months in a durable job; ``--persons`` is
    the size announced. Catches effect runs at the scenario's own horizon (120 months)."""
    out = tmp_path / "effect"
    result = ptce("effect", "ptce/re_sources", "--replications", "2", *SMALL, "--out",
                  str(out))
    assert result.exit_code == 0, result.output
    runs = pd.read_csv(out / "runs.csv")
    ratio = runs["career_months_employed"] / runs["career_share_months_employed"]
    assert ratio.round(9).eq(12).all()
    assert (runs["career_months_durable"] <= 12).all()
    assert "1,500 persons, 12 months" in result.stderr


def test_batch_option_conflicting_with_a_factor_is_refused(tmp_path: Path) -> None:
    """``--persons`` with a ``--set population.persons=...`` factor, or with ``--resume``,
    exits 2 naming the option, and creates no database. Catches a silent choice of one of
    the two values."""
    db = tmp_path / "ptce.sqlite"
    result = ptce("batch", "baseline", "--set", "population.persons=1000,2000",
                  "--persons", "1500", "--db", f"sqlite:///{db}", "-q")
    assert result.exit_code == 2 and "--persons" in result.output
    result = ptce("batch", "--resume", "1", "--months", "12", "--db", f"sqlite:///{db}")
    assert result.exit_code == 2 and "--months" in result.output
    assert not db.exists()


def _capture(monkeypatch: pytest.MonkeyPatch, module: Any, name: str,
             error: type[Exception], seen: list[Any]) -> None:
    """Replace ``module.name`` (the function a calibration command hands its base scenario
    to) by one that appends the base to ``seen`` and stops the command with ``error``."""

    def stop(store: Any, executor: Any, base: Any, *args: Any, **kwargs: Any) -> Any:
        seen.append(base)
        raise error("stopped by the test")

    monkeypatch.setattr(module, name, stop)


def test_calibrate_and_sensitivity_run_with_the_given_sizes(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """``ptce calibrate`` and ``ptce sensitivity`` hand their estimator a base scenario with
    the --persons and --months given (and without person-level spells). Catches commands
    whose options are declared but not applied."""
    import calibration.estimator as estimator
    import calibration.sensitivity as sensitivity

    db = f"sqlite:///{tmp_path / 'ptce.sqlite'}"
    seen: list[Any] = []
    _capture(monkeypatch, estimator, "calibrate", estimator.CalibrationError, seen)
    result = ptce("calibrate", "--territory", "7503", *SMALL, "--db", db, "--out",
                  str(tmp_path / "report"))
    assert result.exit_code == 2 and "stopped by the test" in result.output
    _capture(monkeypatch, sensitivity, "run_sensitivity", sensitivity.SensitivityError, seen)
    result = ptce("sensitivity", "baseline", "--outcome", "unemployment_rate", *SMALL,
                  "--db", db, "--out", str(tmp_path / "sens"))
    assert result.exit_code == 2 and "stopped by the test" in result.output
    assert len(seen) == 2
    for base in seen:
        assert base.population.persons == 1500 and base.simulation.months == 12
        assert base.simulation.record_spells is False
    assert not (tmp_path / "report").exists()


COMMANDS = {
    "run": ["run", "baseline"],
    "effect": ["effect", "ptce/re_sources", "--replications", "2"],
    "batch": ["batch", "baseline", "-q"],
    "calibrate": ["calibrate", "--territory", "7503"],
    "sensitivity": ["sensitivity", "baseline", "--outcome", "unemployment_rate"],
}


@pytest.mark.parametrize("command", list(COMMANDS))
@pytest.mark.parametrize(("args", "option"), [
    (["--persons", "0"], "--persons"),     # refused by the option itself (>= 1)
    (["--persons", "50"], "--persons"),    # refused by the model (at least 100 persons)
    (["--months", "0"], "--months"),
    (["--months", "5000"], "--months"),    # refused by the model (at most 1,200 months)
])
def test_bad_sizes_exit_2_naming_the_option(tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
                                           command: str, args: list[str], option: str) -> None:
    """Every command that runs the model refuses a bad --persons or --months with exit code
    2 and the option's name, before writing anything (no output folder, no database).
    Catches a command without the options (exit 2 but "No such option"), one that lets the
    model's ValidationError escape (exit 1), or one that reports it without the option."""
    monkeypatch.chdir(tmp_path)
    db = tmp_path / "ptce.sqlite"
    extra = ["--db", f"sqlite:///{db}"] if command in ("batch", "calibrate", "sensitivity") else []
    result = runner.invoke(app, [*COMMANDS[command], *args, *extra])
    assert result.exit_code == 2, result.output
    assert option in result.output
    assert "No such option" not in result.output
    assert list(tmp_path.iterdir()) == []


def test_months_before_a_scheduled_event_names_the_option() -> None:
    """``--months`` shorter than the month of one of the scenario's events is refused naming
    --months and the event (Le PHARES has events at months 13 and 35). Catches the size
    options applied without validating the whole tree."""
    result = ptce("effect", "ptce/le_phares", "--months", "12")
    assert result.exit_code == 2
    assert "--months" in result.output and "after the horizon" in result.output
