"""``ptce new-pole``: the scenario it writes for a zone d'emploi and its catchment communes."""

from __future__ import annotations

import csv
from pathlib import Path

import pytest
import yaml
from typer.testing import CliRunner

from experiments.cli.main import app
from experiments.cli.new_pole import COMMUNES_CSV
from model.params import LEVERS
from scenarios import list_presets, load_scenario
from scenarios.loader import PRESETS_DIR

runner = CliRunner()


def invoke(*args: str):
    return runner.invoke(app, list(args), catch_exceptions=False)


def _zone_of() -> dict[str, str]:
    with open(COMMUNES_CSV, encoding="utf-8-sig", newline="") as f:
        return {row["codgeo"]: row["ze2020"] for row in csv.DictReader(f)}


ZONE_OF = _zone_of()
BAYONNE = sorted(c for c, z in ZONE_OF.items() if z == "7503")[:2]
ELSEWHERE = next(c for c, z in sorted(ZONE_OF.items()) if z not in ("7503", "ze2020")
                 and z.isdigit() and z[:2] not in ("01", "02", "03", "04", "06"))


def _yaml(path: Path) -> dict:
    return yaml.safe_load(path.read_text(encoding="utf-8"))


def test_file_extends_calibrated_territory_of_7503(tmp_path: Path) -> None:
    """The pole of zone 7503 extends the calibrated territory, not the generated one nor the
    baseline (bug: the fitted local values silently dropped), and loads with its zone code."""
    target = tmp_path / "pole.yaml"
    result = invoke("new-pole", "--zone", "7503", "--communes", ",".join(BAYONNE),
                    "--name", "Pôle d'essai", "--out", str(target))
    assert result.exit_code == 0, result.output
    extends = (target.parent / _yaml(target)["extends"]).resolve()
    assert extends == (PRESETS_DIR / "territories" / "calibrated" / "7503_bayonne.yaml").resolve()
    params = load_scenario(target)
    assert params.zone_code == "7503"
    assert params.ptce is not None and params.ptce.name == "Pôle d'essai"
    calibrated = load_scenario(extends)
    assert params.matching.efficiency == calibrated.matching.efficiency
    text = target.read_text(encoding="utf-8")
    assert f"# catchment: {', '.join(BAYONNE)}" in text
    assert "whole zone until catchments are modelled" in params.description
    assert "Écrit" in result.output  # French by default


def test_levers_given_are_enabled_and_the_others_not(tmp_path: Path) -> None:
    """--levers switches on exactly the levers named (bug: a default lever left on, or one
    named left off); staff, budget and member shares land on their parameters."""
    target = tmp_path / "pole.yaml"
    result = invoke("new-pole", "--zone", "7503", "--communes", BAYONNE[0], "--name", "P",
                    "--levers", "follow_up,shared_jobs", "--staff", "3", "--budget", "150000",
                    "--member-share-siae", "0.4", "--kind", "sector", "--out", str(target))
    assert result.exit_code == 0, result.output
    ptce = load_scenario(target).ptce
    assert ptce is not None
    enabled = {lever for lever in LEVERS if getattr(ptce, lever).enabled}
    assert enabled == {"follow_up", "shared_jobs"}
    assert (ptce.coordinator_fte, ptce.budget_per_year) == (3.0, 150000.0)
    assert ptce.member_share_siae == 0.4 and ptce.kind == "sector"
    default_firms = type(ptce)().member_share_firms
    assert ptce.member_share_firms == default_firms


def test_defaults_are_the_median_of_the_presets(tmp_path: Path) -> None:
    """Without --staff/--budget the pole gets the presets' medians and bridges + immersions
    (bug: the model's own defaults, 2 FTE / 110,000 EUR, presented as the presets')."""
    import statistics

    poles = [load_scenario(p).ptce for p in list_presets() if p.startswith("ptce/")]
    target = tmp_path / "pole.yaml"
    assert invoke("new-pole", "--zone", "7503", "--communes", BAYONNE[0], "--name", "P",
                  "--out", str(target)).exit_code == 0
    ptce = load_scenario(target).ptce
    assert ptce.coordinator_fte == statistics.median(p.coordinator_fte for p in poles)
    assert ptce.budget_per_year == statistics.median(p.budget_per_year for p in poles)
    assert {lever for lever in LEVERS if getattr(ptce, lever).enabled} == {"bridges",
                                                                          "immersions"}


def test_zone_without_territory_gets_one_built_from_data_and_runs(tmp_path: Path) -> None:
    """A zone with no territory file gets one from the data next to the pole, with the zone's
    INSEE unemployment rate, and the pole runs through ``ptce run`` (bug: a file that does not
    load or run, or a territory with the baseline's rate)."""
    zone = ZONE_OF["31555"]  # Toulouse
    assert not list((PRESETS_DIR / "territories").glob(f"{zone}_*.yaml"))
    target = tmp_path / "pole.yaml"
    result = invoke("new-pole", "--zone", zone, "--communes", "31555", "--name", "Pôle T",
                    "--out", str(target), "--lang", "en")
    assert result.exit_code == 0, result.output
    territory = next(tmp_path.glob(f"{zone}_*.yaml"))
    with open(PRESETS_DIR.parent / "calibration" / "data" / "insee_tcl_ze2020_annual_mean.csv",
              encoding="utf-8-sig") as f:
        rate = next(float(r["unemployment_rate_pct_annual_mean"]) for r in csv.DictReader(f)
                    if r["ze2020"] == zone and r["year"] == "2024")
    params = load_scenario(target)
    assert params.population.unemployment_rate == pytest.approx(rate / 100, abs=1e-6)
    assert params.zone_code == zone and territory.is_file()
    run = invoke("run", str(target), "--persons", "2000", "--months", "36",
                 "--out", str(tmp_path / "run"))
    assert run.exit_code == 0, run.output


def test_commune_of_another_zone_is_refused(tmp_path: Path) -> None:
    """A commune outside the zone exits 2 naming it and the zone it belongs to, with nothing
    written (bug: a catchment across zones accepted silently)."""
    target = tmp_path / "pole.yaml"
    result = invoke("new-pole", "--zone", "7503", "--communes", f"{BAYONNE[0]},{ELSEWHERE}",
                    "--name", "P", "--out", str(target))
    assert result.exit_code == 2
    assert ELSEWHERE in result.output and ZONE_OF[ELSEWHERE] in result.output
    assert "closest codes" in result.output and "Traceback" not in result.output
    assert list(tmp_path.iterdir()) == []


@pytest.mark.parametrize(("args", "named"), [
    (("--zone", "7599", "--communes", "40004"), "7599"),
    (("--zone", "0101", "--communes", "97101"), "0101"),  # overseas: not metropolitan
    (("--zone", "7503", "--communes", "40999"), "40999"),
    (("--zone", "7503", "--communes", "40004", "--levers", "bridges,teleport"), "teleport"),
])
def test_bad_input_exits_2_with_nothing_written(tmp_path: Path, args: tuple[str, ...],
                                                 named: str) -> None:
    """Unknown zone, overseas zone, unknown commune or lever: exit 2 naming it (with the
    closest codes or the valid levers) and no file (bug: a traceback or a half-written file)."""
    target = tmp_path / "pole.yaml"
    result = invoke("new-pole", *args, "--name", "P", "--out", str(target))
    assert result.exit_code == 2, result.output
    assert named in result.output and "Traceback" not in result.output
    assert ("closest codes" in result.output) or all(lv in result.output for lv in LEVERS)
    assert list(tmp_path.iterdir()) == []


def test_existing_file_refused_without_force(tmp_path: Path) -> None:
    """An existing --out file is kept unless --force (bug: a user's scenario overwritten)."""
    target = tmp_path / "pole.yaml"
    target.write_text("mine\n", encoding="utf-8")
    args = ("new-pole", "--zone", "7503", "--communes", BAYONNE[0], "--name", "P",
            "--out", str(target))
    result = invoke(*args)
    assert result.exit_code == 2 and "--force" in result.output
    assert target.read_text(encoding="utf-8") == "mine\n"
    assert invoke(*args, "--force").exit_code == 0
    assert load_scenario(target).ptce is not None
