"""``ptce validation``: published figures against the model, kept apart from the calibration."""

from __future__ import annotations

import csv
import math
import re
import sys
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from typer.testing import CliRunner

from calibration import validation as v
from calibration.targets import build_targets
from experiments.cli.main import app
from model import simulate, with_values
from scenarios import load_scenario

runner = CliRunner()
SMALL = ["--persons", "2000", "--months", "36", "--replications", "2", "--seed", "7"]
CALIBRATION_DIR = Path(v.__file__).resolve().parent


@pytest.fixture(scope="module")
def report(tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("val") / "out"
    res = runner.invoke(app, ["validation", "baseline", *SMALL, "--out", str(out)])
    assert res.exit_code == 0, res.output
    return out


def _rows(report: Path) -> list[dict[str, str]]:
    with open(report / "validation.csv", encoding="utf-8") as fh:
        return list(csv.DictReader(fh))


def test_files_and_exact_columns(report: Path) -> None:
    """Catches a renamed, missing or reordered column, or a missing report file or chart."""
    with open(report / "validation.csv", encoding="utf-8") as fh:
        header = next(csv.reader(fh))
    assert header == ["figure", "source", "target", "tolerance", "simulated", "low", "high",
                      "within", "used_in_calibration"]
    assert (report / "validation.png").read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    md = (report / "validation.md").read_text(encoding="utf-8")
    assert "Chiffres de validation" in md  # French by default
    rows = _rows(report)
    held = [r for r in rows if r["used_in_calibration"] == "false"]
    fitted = [r for r in rows if r["used_in_calibration"] == "true"]
    assert len(held) >= 15 and fitted, "both kinds of figures are reported"
    # a figure the model cannot compute here (PMSMP needs a PTCE) is empty and noted
    pmsmp = next(r for r in rows if r["figure"] == "pmsmp_job_within_12m_participants_share")
    assert pmsmp["simulated"] == "" and pmsmp["within"] == "false"
    assert "PMSMP" in md and "PTCE" in md


def test_provenance_and_targets_match_the_data_file(report: Path) -> None:
    """Catches a figure without a provenance entry, or a CSV target that drifted from the
    data file (e.g. a percentage written where a share is expected)."""
    sources = (CALIBRATION_DIR / "data" / "VALIDATION_SOURCES.md").read_text(encoding="utf-8")
    data = pd.read_csv(CALIBRATION_DIR / "data" / "validation_figures.csv").set_index("figure")
    held = {r["figure"]: r for r in _rows(report) if r["used_in_calibration"] == "false"}
    assert set(held) == set(data.index)
    for name, row in held.items():
        assert f"`{name}`" in sources, f"{name} has no provenance"
        assert float(row["target"]) == pytest.approx(data.loc[name, "target"], rel=1e-9)
        assert float(row["tolerance"]) == pytest.approx(data.loc[name, "tolerance"], rel=1e-9)
        # the published number quoted in the sources is the stored target
        published = str(data.loc[name, "published"]).removesuffix(" %")
        assert float(published) / 100 == pytest.approx(data.loc[name, "target"]), name
        forms = {published, published.replace(".", ",")}
        assert any(re.search(rf"(?<![\d,.]){re.escape(f)}(?![\d])", sources) for f in forms), \
            (name, published)
        assert data.loc[name, "confidence"] in ("primary", "mirror", "secondary", "derived")


def test_within_is_consistent(report: Path) -> None:
    """Catches a ``within`` computed with the wrong sign, on the interval instead of the
    mean, or true for an empty simulated value."""
    for r in _rows(report):
        if r["simulated"] == "":
            assert r["within"] == "false"
            continue
        gap = abs(float(r["simulated"]) - float(r["target"]))
        assert (r["within"] == "true") == (gap <= float(r["tolerance"]) + 1e-9), r["figure"]
        if r["low"]:
            assert float(r["low"]) <= float(r["simulated"]) <= float(r["high"])


def test_simulated_values_recomputed_independently(report: Path) -> None:
    """Catches wrong seeds (not the common SeedSequence spawn), a wrong transition class or
    row, and a wrong RSA filter: recomputed from the model's transition matrix and outcomes."""
    params = with_values(load_scenario("baseline"), {"population.persons": 2000,
                                                     "simulation.months": 36})
    results = [simulate(params, s) for s in np.random.SeedSequence(7).spawn(2)]
    rows = {r["figure"]: r for r in _rows(report)}
    u_to_i = np.mean([r.transition_matrix().loc["unemployed", "inactive"] for r in results])
    assert float(rows["transition_unemployed_to_inactive_quarterly"]["simulated"]) == \
        pytest.approx(u_to_i, rel=1e-4)
    i_to_u = np.mean([r.transition_matrix().loc["inactive", "unemployed"] for r in results])
    assert float(rows["transition_inactive_to_unemployed_quarterly"]["simulated"]) == \
        pytest.approx(i_to_u, rel=1e-4)

    def employed_to_unemployed(r: object) -> float:  # rows weighted by their counts
        counts = r.transitions.astype(float)  # type: ignore[attr-defined]
        m = r.transition_matrix()  # type: ignore[attr-defined]
        w = counts[:2].sum(axis=1)
        return float((m.loc[["temp_job", "durable_job"], "unemployed"] * w).sum() / w.sum())

    assert float(rows["transition_employed_to_unemployed_quarterly"]["simulated"]) == \
        pytest.approx(np.mean([employed_to_unemployed(r) for r in results]), rel=1e-4)
    rsa = np.mean([r.outcomes["iae_employed_6m_share_rsa"] for r in results])
    assert float(rows["iae_employed_6m_share_rsa"]["simulated"]) == pytest.approx(rsa, rel=1e-4)
    aci = np.mean([r.outcomes["iae_employed_6m_share_aci"] for r in results])
    assert float(rows["iae_employed_6m_share_aci_panel"]["simulated"]) == \
        pytest.approx(aci, rel=1e-4)


@pytest.mark.parametrize("args, names", [
    (["validation", "no_such_scenario", *SMALL], "no_such_scenario"),
    (["validation", "baseline", "--persons", "2000", "--months", "24", "--replications", "1"],
     "--replications"),
    (["validation", "baseline", *SMALL, "--lang", "de"], "--lang"),
])
def test_bad_input_exits_2_and_writes_nothing(tmp_path: Path, args: list[str],
                                              names: str) -> None:
    """Catches bad input that runs anyway, exits with another code, or leaves files."""
    out = tmp_path / "out"
    res = runner.invoke(app, [*args, "--out", str(out)])
    assert res.exit_code == 2, res.output
    assert names in res.output
    assert not out.exists() and list(tmp_path.iterdir()) == []


def test_unwritable_out_exits_2(tmp_path: Path) -> None:
    """Catches a report written over a file or into a foreign non-empty folder."""
    blocker = tmp_path / "file"
    blocker.write_text("x")
    res = runner.invoke(app, ["validation", *SMALL, "--out", str(blocker)])
    assert res.exit_code == 2 and "--out" in res.output
    other = tmp_path / "other"
    other.mkdir()
    (other / "keep.txt").write_text("mine")
    res = runner.invoke(app, ["validation", *SMALL, "--out", str(other)])
    assert res.exit_code == 2 and "--out" in res.output
    assert sorted(p.name for p in other.iterdir()) == ["keep.txt"]
    assert blocker.read_text() == "x"


def test_declared_lists_are_disjoint_and_match_the_calibration() -> None:
    """Catches a validation figure slipped into the calibration's list (or the reverse), and
    a calibration target missing from the declared list."""
    held = {f.name for f in v.load_validation_figures()}
    assert held.isdisjoint(v.CALIBRATION_FIGURES)
    assert {t.name for t in build_targets("7503")} == set(v.CALIBRATION_FIGURES)
    assert held == set(v.INDICATORS)


def test_calibration_code_never_names_the_held_out_figures() -> None:
    """Catches a calibration module (other than validation.py) that opens the held-out file
    or uses one of its figure names, e.g. as a target or moment."""
    held = [f.name for f in v.load_validation_figures()]
    for path in sorted(CALIBRATION_DIR.glob("*.py")):
        if path.name == "validation.py":
            continue
        text = path.read_text(encoding="utf-8")
        assert "validation_figures" not in text, path
        assert "VALIDATION_FILE" not in text, path
        for name in held:
            assert not re.search(rf"\b{re.escape(name)}\b", text), (path, name)


_opened: list[str] | None = None


def _audit(event: str, args: tuple[object, ...]) -> None:
    if event == "open" and _opened is not None and args and args[0] is not None:
        _opened.append(str(args[0]))


sys.addaudithook(_audit)


@pytest.mark.parametrize("zone", ["7503", "1109"])
def test_building_targets_never_opens_the_held_out_file(zone: str) -> None:
    """Catches build_targets reading the held-out figures file or returning one of its
    figures as a target; an audit hook sees every file the process opens meanwhile."""
    global _opened
    _opened = []
    try:
        targets = build_targets(zone)
    finally:
        seen, _opened = _opened, None
    assert any(p.endswith("national_targets.csv") for p in seen), "the hook sees opens"
    assert not any("validation_figures" in p or "VALIDATION_SOURCES" in p for p in seen)
    held = {f.name for f in v.load_validation_figures()}
    assert held.isdisjoint(t.name for t in targets)


def test_summarise_interval() -> None:
    """Catches a wrong interval (normal instead of Student, or not centred) and NaNs kept."""
    mean, low, high, n = v.summarise([0.1, 0.3, float("nan")])
    assert (mean, n) == (pytest.approx(0.2), 2)
    assert high - mean == pytest.approx(12.7062 * 0.1414214 / math.sqrt(2), rel=1e-4)
    assert mean - low == pytest.approx(high - mean)
    assert math.isnan(v.summarise([float("nan")])[0])
