"""Dashboard tests without a browser: pages rendered with ``solara.render`` and driven through
reacton finders, plus the pure functions behind them (parameters, charts, stored batches,
offline assets)."""

from __future__ import annotations

import json
import tarfile
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

solara = pytest.importorskip("solara", reason="the dashboard extra is not installed")
v = pytest.importorskip("ipyvuetify")

from dashboards import app, assets, batches, charts, explore  # noqa: E402
from model import TerritoryParams  # noqa: E402
from scenarios import load_scenario  # noqa: E402

#: A small, quick Explore run.
SMALL_UI = {"Persons": 2_000, "Months (horizon)": 24}


def write_batch(db_url: str, replications: int = 3) -> int:
    """A real batch of two scenarios on a small territory, written by the batch runner."""
    from experiments.batches.batch import create_batch, run_batch
    from experiments.batches.design import build_design
    from experiments.execution.executors import LocalExecutor
    from experiments.store import open_store

    store = open_store(db_url)
    design = build_design(["baseline", "territories/7503_bayonne"], name="dashboard test",
                          fixed={"population.persons": 2_000,
                                 "simulation.burn_in_months": 6, "simulation.months": 24},
                          replications=replications)
    batch_id, _ = create_batch(store, design)
    with LocalExecutor(1) as executor:
        report = run_batch(store, batch_id, executor)
    store.close()
    assert report.failed == 0, report.failures
    return batch_id


def write_calibration(db_url: str, folder: Path) -> int:
    """A real small calibration of zone 7503 (2 trials, 1 replication, 1,000 persons, 12
    months) stored by ``ptce calibrate``, and a small sensitivity analysis stored by
    :func:`calibration.sensitivity.run_sensitivity`; returns the calibration's id."""
    from sqlalchemy import func, select
    from typer.testing import CliRunner

    from calibration.db import calibration_run_table, ensure_tables
    from calibration.estimator import ParamSpec
    from calibration.sensitivity import run_sensitivity
    from experiments.cli.main import app as ptce
    from experiments.execution.executors import LocalExecutor
    from experiments.store import open_store
    from model import with_values

    result = CliRunner().invoke(ptce, [
        "calibrate", "--territory", "7503", "--trials", "2", "--replications", "1",
        "--persons", "1000", "--months", "12", "--db", db_url,
        "--out", str(folder / "report"), "--territory-out", str(folder / "territory")])
    assert result.exit_code == 0, result.output
    store = open_store(db_url)
    ensure_tables(store)
    base = with_values(load_scenario("territories/7503_bayonne"), {
        "population.persons": 1000, "simulation.months": 12,
        "simulation.burn_in_months": 12, "simulation.record_spells": False})
    specs = [ParamSpec("demand.jobs_per_active", 0.93, 1.0),
             ParamSpec("matching.efficiency", 0.1, 0.5)]
    with LocalExecutor(1) as executor:
        run_sensitivity(store, executor, base, "territories/7503_bayonne", specs,
                        "unemployment_rate", samples=2, seed=5, out_dir=folder / "sensitivity")
    with store.engine.connect() as conn:
        calibration_id = conn.execute(select(func.max(calibration_run_table.c.id))).scalar_one()
    store.close()
    return int(calibration_id)


def render(page):
    # AppLayout is needed for the sidebar's widgets to be found
    return solara.render(solara.AppLayout(children=[page]), handle_error=False)


def slider(rc, label):
    found = rc.find(v.Slider, label=label)
    found.assert_single()
    return found.widget


def charts_by_title(rc) -> dict[str, dict]:
    out = {}
    for widget in rc.find(solara.widgets.VegaLite).widgets:
        title = widget.spec.get("title")
        title = title.get("text") if isinstance(title, dict) else title
        out[str(title)] = widget.spec
    return out


def chart_rows(spec: dict) -> list[dict]:
    return [row for rows in spec.get("datasets", {}).values() for row in rows]


def run_page(rc) -> None:
    rc.find(v.Btn, children=["Run"]).widget.click()


# ----------------------------------------------------------------------------- Explore page

def test_explore_shows_nothing_until_run_and_builds_no_model_at_import():
    _, rc = render(app.Explore())
    assert rc.find(solara.widgets.VegaLite).widgets == []
    assert rc.find(v.Alert, children=[lambda c: "press Run" in c]).widgets or \
        any("press Run" in str(a.children) for a in rc.find(v.Alert).widgets)
    rc.close()


def test_slider_and_run_change_the_chart_data():
    """Catches a Run that does not redraw the charts or ignores a slider, and a stocks chart
    or careers histogram that drops or double-counts persons: the population is constant
    (model/ODD.md section 2.1), so every month of the stacked stocks and every career
    indicator's histogram add up to exactly the 2,000 persons set (a 10 % slack let a missing
    state or a lost bin pass)."""
    _, rc = render(app.Explore())
    for label, value in SMALL_UI.items():
        slider(rc, label).v_model = value
    run_page(rc)
    first = charts_by_title(rc)
    assert {"Stocks over time", "IAE exit outcomes by structure type", "Beveridge curve",
            "Career security: distribution over persons"} <= set(first)
    stocks = pd.DataFrame(chart_rows(first["Stocks over time"]))
    assert stocks["month"].nunique() == 24
    # retirees are replaced in their slot: every month sums to exactly 2,000 persons
    per_month = stocks.groupby("month")["persons"].sum()
    assert (per_month == 2_000).all(), per_month[per_month != 2_000]
    # everyone present at the end has been observed: each histogram counts 2,000 persons
    careers = pd.DataFrame(chart_rows(first["Career security: distribution over persons"]))
    per_indicator = careers.groupby("indicator")["persons"].sum()
    assert set(per_indicator.index) == set(charts.CAREER_INDICATORS.values())
    assert (per_indicator == 2_000).all(), per_indicator
    beveridge = pd.DataFrame(chart_rows(first["Beveridge curve"]))
    assert len(beveridge) == 24 and beveridge["vacancy_rate"].between(0, 1).all()

    slider(rc, "Matching efficiency (mu)").v_model = 1.2
    run_page(rc)
    second = charts_by_title(rc)
    assert chart_rows(second["Stocks over time"]) != chart_rows(first["Stocks over time"])
    before = pd.DataFrame(chart_rows(first["Beveridge curve"]))["unemployment_rate"].mean()
    after = pd.DataFrame(chart_rows(second["Beveridge curve"]))["unemployment_rate"].mean()
    assert after < before, "a much more efficient matching must lower unemployment"
    rc.close()


def test_same_settings_same_chart_and_seed_changes_it():
    _, rc = render(app.Explore())
    for label, value in SMALL_UI.items():
        slider(rc, label).v_model = value
    run_page(rc)
    a = chart_rows(charts_by_title(rc)["Stocks over time"])
    run_page(rc)
    b = chart_rows(charts_by_title(rc)["Stocks over time"])
    assert a == b
    rc.find(v.TextField, label="Seed").widget.v_model = "7"
    run_page(rc)
    c = chart_rows(charts_by_title(rc)["Stocks over time"])
    assert c != a
    rc.close()


def test_two_sessions_do_not_share_runs():
    _, rc1 = render(app.Explore())
    _, rc2 = render(app.Explore())
    for label, value in SMALL_UI.items():
        slider(rc1, label).v_model = value
    run_page(rc1)
    assert charts_by_title(rc1)
    assert charts_by_title(rc2) == {}
    assert slider(rc2, "Persons").v_model == load_scenario("baseline").population.persons
    rc1.close()
    rc2.close()


def test_preset_change_resets_the_controls():
    _, rc = render(app.Explore())
    slider(rc, "Matching efficiency (mu)").v_model = 1.2
    select = rc.find(v.Select, label="Territory or PTCE preset").widget
    select.v_model = "territories/7503_bayonne"
    bayonne = load_scenario("territories/7503_bayonne")
    assert slider(rc, "Matching efficiency (mu)").v_model == pytest.approx(
        bayonne.matching.efficiency)
    assert slider(rc, "ACI: insertion posts per structure").v_model == bayonne.siae["ACI"].posts
    rc.close()


def test_ptce_group_is_built_from_descriptors():
    """Catches a PTCE control dropped from the page (or from the model's schema, which would
    empty the loop below) and a lever's intensity left enabled while the lever is off."""
    assert explore.available_ptce_controls() == list(explore.PTCE_CONTROLS)
    _, rc = render(app.Explore())
    switch = rc.find(v.Switch, label="This territory has a PTCE").widget
    switch.v_model = True
    labels = {s.label for s in rc.find(v.Switch).widgets}
    switches = [c for c in explore.available_ptce_controls() if c.kind == "switch"]
    assert len(switches) == 7
    for control in switches:
        assert control.label in labels
    # a lever's intensity is disabled while the lever is off
    intensity = [s for s in rc.find(v.Slider).widgets
                 if s.label == "intensity (share of capacity)"]
    assert intensity and all(s.disabled for s in intensity)
    rc.close()


def test_ptce_run_shows_the_counterfactual():
    """Catches a PTCE run drawn without its counterfactual or with one series missing."""
    _, rc = render(app.Explore())
    for label, value in SMALL_UI.items():
        slider(rc, label).v_model = value
    rc.find(v.Switch, label="This territory has a PTCE").widget.v_model = True
    rc.find(v.Switch, label="Bridges (passerelles)").widget.v_model = True
    run_page(rc)
    specs = charts_by_title(rc)
    assert "PTCE scenario vs counterfactual" in specs
    rows = pd.DataFrame(chart_rows(specs["PTCE scenario vs counterfactual"]))
    assert set(rows["scenario"]) == {charts.WITH_PTCE, charts.WITHOUT_PTCE}
    rc.close()


# ----------------------------------------------------------------------------- parameters

def test_build_params_applies_every_control():
    base = load_scenario("baseline")
    choices = explore.Choices(persons=3_000, months=36, values={"siae.ACI.posts": 17},
                              training_seats_scale=2.0, shock_sector="industry",
                              shock_month=50, shock_factor=0.5, shock_months=6)
    params = explore.build_params(base, choices)
    assert params.population.persons == 3_000 and params.simulation.months == 36
    assert params.siae["ACI"].posts == 17
    assert [p.seats for p in params.training.programmes] == [
        round(2 * p.seats) for p in base.training.programmes]
    shock = params.events[-1]
    assert shock.at == 36, "a shock after the horizon is moved to its last month"
    assert shock.demand_shock.sector == "industry" and shock.demand_shock.factor == 0.5
    assert base.population.persons == 20_000, "the preset itself is not changed"


def test_out_of_range_value_is_refused_with_the_key():
    base = load_scenario("baseline")
    with pytest.raises(ValueError, match="efficiency"):
        explore.build_params(base, explore.Choices(values={"matching.efficiency": 99.0}))


def test_counterfactual_removes_only_the_ptce():
    """Catches a counterfactual that keeps the PTCE, or changes anything else about the
    territory, and one made for a run that has no PTCE."""
    base = load_scenario("baseline")
    without = explore.build_params(base, explore.Choices())
    assert explore.counterfactual(without) is None
    with_ptce = explore.build_params(base, explore.Choices(
        ptce_on=True, ptce_values={"ptce.bridges.enabled": True}))
    cf = explore.counterfactual(with_ptce)
    assert cf is not None and cf.ptce is None
    assert cf.model_dump(exclude={"ptce"}) == with_ptce.model_dump(exclude={"ptce"})


# ----------------------------------------------------------------------------- charts

def test_career_histogram_counts_every_person():
    """Catches a bin losing or double-counting persons, an indicator left out, and breaks
    binned wider than one break."""
    rng = np.random.default_rng(0)
    careers = pd.DataFrame({"share_months_employed": rng.random(500),
                            "breaks": rng.integers(0, 4, 500),
                            "longest_unemployment": rng.integers(0, 60, 500)})
    hist = charts.career_histogram(careers)
    # every indicator given is there (an empty histogram made the next line pass)
    assert set(hist["indicator"]) == {charts.CAREER_INDICATORS[c] for c in careers}
    assert (hist.groupby("indicator")["persons"].sum() == 500).all()
    breaks = hist[hist["indicator"] == charts.CAREER_INDICATORS["breaks"]]
    assert len(breaks) <= 4 and (breaks["upper"] - breaks["lower"] == 1).all()


def test_colours_are_hex():
    for colour in [*charts.STATE_COLOURS.values(), *charts.OUTCOME_COLOURS.values(),
                   *charts.SCENARIO_COLOURS]:
        assert colour.startswith("#") and len(colour) == 7


# ----------------------------------------------------------------------------- Compare page

@pytest.fixture(scope="module")
def stored_batch(tmp_path_factory) -> tuple[str, int]:
    db = f"sqlite:///{tmp_path_factory.mktemp('db')}/ptce.sqlite"
    return db, write_batch(db)


def test_compare_page_shows_a_stored_batch(stored_batch, monkeypatch):
    db, batch_id = stored_batch
    monkeypatch.setenv("PTCE_DB", db)
    _, rc = render(app.Compare())
    select = rc.find(v.Select, label="Batch").widget
    assert select.v_model.startswith(f"#{batch_id} dashboard test (6/6 runs")
    specs = charts_by_title(rc)
    bands = next(s for t, s in specs.items() if "95 % band" in t)
    rows = pd.DataFrame(chart_rows(bands))
    assert set(rows["scenario"]) == {"baseline", "territories/7503_bayonne"}
    assert (rows["lower"] <= rows["mean"]).all() and (rows["mean"] <= rows["upper"]).all()
    # the paired-effect table of the baseline against itself is zero
    table = batches.effects(batches.open_reader(db), batch_id, "baseline")
    assert (table[table["scenario"] == "baseline"]["difference"] == 0).all()
    labels = [str(b.children) for b in rc.find(v.Btn).widgets]
    assert any("Outcomes (CSV)" in label for label in labels)
    rc.close()


def test_compare_reader_is_read_only(stored_batch, tmp_path):
    db, _ = stored_batch
    reader = batches.open_reader(db)
    from sqlalchemy import text
    from sqlalchemy.exc import OperationalError

    with pytest.raises(OperationalError, match="readonly"), reader.engine.begin() as conn:
        conn.execute(text("DELETE FROM outcome"))
    missing = tmp_path / "none.sqlite"
    with pytest.raises(batches.NoDatabase, match="no results database"):
        batches.open_reader(f"sqlite:///{missing}")
    assert not missing.exists(), "the reader must not create a database"


def test_compare_page_without_database_explains(monkeypatch, tmp_path):
    monkeypatch.setenv("PTCE_DB", f"sqlite:///{tmp_path}/absent.sqlite")
    _, rc = render(app.Compare())
    text = " ".join(str(a.children) for a in rc.find(v.Alert).widgets)
    assert "No stored batches" in text and "ptce batch" in text
    rc.close()


# ----------------------------------------------------------------------------- Calibration page

@pytest.fixture(scope="module")
def stored_calibration(tmp_path_factory) -> tuple[str, int]:
    folder = tmp_path_factory.mktemp("calibration")
    db = f"sqlite:///{folder}/ptce.sqlite"
    return db, write_calibration(db, folder)


def calibration_rows(db: str, calibration_id: int) -> tuple[dict, pd.DataFrame]:
    """The stored calibration row and its targets, read straight from the database."""
    from sqlalchemy import create_engine, select

    from calibration.db import calibration_run_table, calibration_target_table

    engine = create_engine(db)
    with engine.connect() as conn:
        run = dict(conn.execute(select(calibration_run_table).where(
            calibration_run_table.c.id == calibration_id)).mappings().one())
        targets = pd.DataFrame(conn.execute(select(calibration_target_table).where(
            calibration_target_table.c.calibration_id == calibration_id)).mappings().all())
    engine.dispose()
    return run, targets


def table_items(rc, column: str) -> list[dict]:
    """Rows of the rendered data table that has ``column``."""
    from solara.components.datatable import DataTableWidget

    tables = [w for w in rc.find(DataTableWidget).widgets
              if w.items and column in w.items[0]]
    assert len(tables) == 1, [w.items[:1] for w in rc.find(DataTableWidget).widgets]
    return tables[0].items


def test_calibration_page_shows_a_stored_calibration(stored_calibration, monkeypatch):
    from dashboards import calibrations

    db, calibration_id = stored_calibration
    run, stored = calibration_rows(db, calibration_id)
    assert len(stored) >= 5 and stored["fitted"].any() and not stored["fitted"].all()
    monkeypatch.setenv("PTCE_DB", db)
    _, rc = render(app.Calibration())
    select = rc.find(v.Select, label="Calibration").widget
    assert len(select.items) == 1
    label = select.v_model
    assert label.startswith(f"#{calibration_id} zone 7503 territories/7503_bayonne, ")
    assert "2 trials" in label and f"loss {run['best_loss']:.4g}" in label
    assert f"median |rel. error| {run['median_abs_rel_error']:.1%}" in label
    assert f"{run['share_within']:.0%} within uncertainty" in label
    # the target table: every stored target, its value, its role
    items = table_items(rc, "target")
    assert [i["target"] for i in items] == list(stored["name"])
    assert [i["value"] for i in items] == [f"{x:.4g}" for x in stored["value"]]
    assert [i["uncertainty"] for i in items] == [f"{x:.4g}" for x in stored["uncertainty"]]
    assert [i["role"] for i in items] == ["fitted" if f else "validation"
                                          for f in stored["fitted"]]
    assert all(i["source"] for i in items)
    # the chart: one row per target, the stored value, uncertainty and simulated interval
    specs = charts_by_title(rc)
    rows = pd.DataFrame(chart_rows(specs["Targets against simulated values"]))
    merged = rows.merge(stored, on="name", suffixes=("", "_db"))
    assert len(merged) == len(stored) == len(rows)
    for col in ("value", "uncertainty", "simulated", "simulated_low", "simulated_high"):
        np.testing.assert_allclose(merged[col].astype(float), merged[f"{col}_db"].astype(float))
    np.testing.assert_allclose(merged["target_low"], merged["value"] - merged["uncertainty"])
    np.testing.assert_allclose(merged["target_high"], merged["value"] + merged["uncertainty"])
    assert (merged["simulated_low"] <= merged["simulated"]).all()
    assert (merged["simulated"] <= merged["simulated_high"]).all()
    # the parameter estimates are the stored best_params
    params = table_items(rc, "parameter")
    assert {i["parameter"]: i["estimate"] for i in params} == {
        k: f"{x:.4g}" for k, x in run["best_params"].items()}
    # the sensitivity analysis stored next to it: Morris and Sobol indices with intervals
    sens = next(s for t, s in specs.items() if t.startswith("Sensitivity of unemployment_rate"))
    indices = pd.DataFrame(chart_rows(sens))
    assert {"morris mu_star", "morris sigma", "sobol S1", "sobol ST"} <= set(indices["index"])
    assert set(indices["factor"]) == {"demand.jobs_per_active", "matching.efficiency"}
    with_conf = indices.dropna(subset=["conf"])
    np.testing.assert_allclose(with_conf["high"] - with_conf["low"], 2 * with_conf["conf"])
    # colours are hex codes (Altair ignores matplotlib names)
    for colour in [*charts.FIT_COLOURS.values(), *charts.SENSITIVITY_COLOURS.values()]:
        assert colour.startswith("#") and len(colour) == 7
    assert calibrations.has_calibrations(calibrations.open_reader(db))
    rc.close()


def _empty_state_text(rc) -> str:
    alerts = " ".join(str(a.children) for a in rc.find(v.Alert).widgets)
    texts = " ".join(str(t.children) for t in rc.find(v.Html).widgets)
    return alerts + " " + texts


def test_calibration_page_without_database_says_how_to_make_one(monkeypatch, tmp_path):
    monkeypatch.setenv("PTCE_DB", f"sqlite:///{tmp_path}/absent.sqlite")
    _, rc = render(app.Calibration())
    text = _empty_state_text(rc)
    assert "No calibration is stored yet" in text and "no results database" in text
    assert "ptce calibrate --territory 7503 --db URL" in text
    assert rc.find(solara.widgets.VegaLite).widgets == []
    rc.close()
    assert not (tmp_path / "absent.sqlite").exists()


def test_calibration_page_without_calibration_tables(stored_batch, monkeypatch):
    from dashboards import calibrations

    db, _ = stored_batch  # a results database written before any calibration
    monkeypatch.setenv("PTCE_DB", db)
    _, rc = render(app.Calibration())
    text = _empty_state_text(rc)
    assert "No calibration is stored yet" in text and "no calibration tables" in text
    assert "ptce calibrate --territory 7503 --db URL" in text
    assert rc.find(v.Select, label="Calibration").widgets == []
    rc.close()
    reader = calibrations.open_reader(db)
    assert not calibrations.has_calibrations(reader), "the page must not create the tables"
    assert calibrations.list_calibrations(reader).empty
    assert calibrations.list_sensitivity(reader).empty
    assert calibrations.targets(reader, 1).empty


def test_calibration_page_with_empty_tables(monkeypatch, tmp_path):
    from calibration.db import ensure_tables
    from experiments.store import open_store

    db = f"sqlite:///{tmp_path}/empty.sqlite"
    store = open_store(db)
    ensure_tables(store)
    store.close()
    monkeypatch.setenv("PTCE_DB", db)
    _, rc = render(app.Calibration())
    text = _empty_state_text(rc)
    assert "holds no calibration yet" in text and "ptce calibrate --territory" in text
    rc.close()


# ----------------------------------------------------------------------------- offline assets

def test_asset_versions_are_those_solara_requests():
    versions = assets.requested_versions([p.name for p in assets.packages()])
    template = Path(solara.__file__).parent / "server" / "templates" / "solara.html.j2"
    text = template.read_text()
    app_pkg = assets.packages()[0]
    assert f"{app_pkg.name}@{versions[app_pkg.name]}/" in text
    assert versions["vega"] == "5" and versions["requirejs"] == "2.3.6"


def test_assets_install_trims_and_is_idempotent(tmp_path):
    # a fake tarball directory: install must take the tarball, keep only what is listed
    tarballs = tmp_path / "tarballs"
    tarballs.mkdir()
    versions = assets.requested_versions([p.name for p in assets.packages()])
    for pkg in assets.packages():
        for version in versions[pkg.name].split(","):
            real = version if "." in version else f"{version}.0.0"
            path = tarballs / assets._tarball_name(pkg.name, real)
            with tarfile.open(path, "w:gz") as tar:
                files = {"package/package.json": json.dumps({"version": real}).encode(),
                         "package/require.js": b"x", "package/README.md": b"big",
                         "package/dist/main8.css": b"x", "package/dist/x.js.map": b"map",
                         "package/build/vega.min.js": b"x"}
                for name, data in files.items():
                    info = tarfile.TarInfo(name)
                    info.size = len(data)
                    import io

                    tar.addfile(info, io.BytesIO(data))
    target = tmp_path / "cdn"
    done = assets.install(target, tarballs, log=lambda _m: None)
    assert len(done) == len(assets.packages())
    req = target / f"requirejs@{versions['requirejs']}"
    assert (req / "require.js").exists() and (req / "require.min.js").exists()
    assert not (req / "README.md").exists()
    app_dir = target / f"{assets.packages()[0].name}@{versions[assets.packages()[0].name]}"
    assert (app_dir / "dist" / "main8.css").exists()
    assert not (app_dir / "dist" / "x.js.map").exists()
    assert assets.install(target, tarballs, log=lambda _m: None) == []


def test_params_schema_is_what_explore_expects():
    for control in explore.TERRITORY_CONTROLS:
        assert explore.get_path(TerritoryParams(), control.path) is not None, control.path
