"""Dashboard tests without a browser: pages rendered with ``solara.render`` and driven through
reacton finders, plus the pure functions behind them (parameters, charts, stored batches,
offline assets)."""

from __future__ import annotations

import json
import re
import tarfile
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

solara = pytest.importorskip("solara", reason="the dashboard extra is not installed")
v = pytest.importorskip("ipyvuetify")
import ipywidgets  # noqa: E402

from dashboards import app, assets, batches, charts, explore, i18n  # noqa: E402
from experiments.results import french  # noqa: E402
from model import OUTCOME_DOCS, SERIES_DOCS, TerritoryParams  # noqa: E402
from scenarios import load_scenario  # noqa: E402

#: A small, quick Explore run (the page opens in French).
SMALL_UI = {"Personnes": 2_000, "Mois (horizon)": 24}
#: Chart titles in French (the default).
STOCKS = "Effectifs par situation au fil du temps"
EXITS = "Sorties d'IAE par type de structure"
BEVERIDGE = "Courbe de Beveridge"
CAREERS = "Sécurisation des parcours : répartition des personnes"
MATCHING = "Efficacité de l'appariement (mu)"


@pytest.fixture(autouse=True)
def french_session():
    """Every test starts, and leaves the next one, in the default language."""
    app.language.set("fr")
    yield
    app.language.set("fr")


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
        "--persons", "1000", "--months", "12", "--db", db_url, "--no-out-of-sample",
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
    rc.find(v.Btn, children=["Lancer la simulation"]).widget.click()


def visible_text(root) -> list[str]:
    """The words a reader sees: widget labels, texts, select items, table headers and cells,
    and, in every chart, its titles (chart, axes, legends, tooltips) and category values."""
    out: list[str] = []
    seen: set[int] = set()

    def walk(x, visible):
        if isinstance(x, ipywidgets.Widget):
            if id(x) in seen:
                return
            seen.add(id(x))
            if isinstance(x, solara.widgets.VegaLite):
                spec_text(x.spec)
                return
            for k in x.keys:
                walk(getattr(x, k, None), k in ("label", "children", "items", "headers",
                                                "v_model", "text"))
        elif isinstance(x, str):
            if visible and "<template" not in x:
                out.append(x)
        elif isinstance(x, dict):
            for key, y in x.items():
                walk(y, visible and key not in ("value", "__row__", "align"))
        elif isinstance(x, (list, tuple)):
            for y in x:
                walk(y, visible)

    def spec_text(spec):
        nominal = set()

        def scan(node):
            if isinstance(node, dict):
                for key, y in node.items():
                    if key == "title" and isinstance(y, str):
                        out.append(y)
                    elif key == "title" and isinstance(y, dict):
                        out.append(str(y.get("text")))
                    elif key == "field" and node.get("type") == "nominal":
                        nominal.add(y)
                    elif key != "datasets":
                        scan(y)
            elif isinstance(node, list):
                for y in node:
                    scan(y)

        scan(spec)
        for row in chart_rows(spec):
            out.extend(str(row[f]) for f in nominal if f in row)

    walk(root, False)
    return out


#: Identifiers a reader must never see: outcome and series names of the model.
RAW_NAMES = set(OUTCOME_DOCS) | set(SERIES_DOCS) | set(app.SUMMARY_OUTCOMES)
SNAKE = re.compile(r"\b[a-z]+_[a-z_]+\b")


def raw_names_in(texts: list[str]) -> list[str]:
    """The texts showing a snake_case word (preset names, which are file paths, aside)."""
    presets = set(app.list_presets())
    return [t for t in texts if t not in presets and SNAKE.search(t)
            and not any(n in t for n in presets if "/" in n)] + \
        [t for t in texts if t in RAW_NAMES]


# ----------------------------------------------------------------------------- Explore page

def test_explore_opens_on_a_result_without_a_click():
    """Replaces the former test that expected nothing until Run: the page now opens on the
    default preset's result on purpose. Catches a page that waits for a click, runs another
    preset or size than the default's, or draws charts without data: at first render the
    stocks chart holds the baseline's 120 months and every month adds up to its 20,000
    persons (the population is constant, model/ODD.md section 2.1)."""
    baseline = load_scenario(app.DEFAULT_PRESET)
    _, rc = render(app.Explore())
    specs = charts_by_title(rc)
    assert {STOCKS, EXITS, BEVERIDGE, CAREERS} <= set(specs)
    stocks = pd.DataFrame(chart_rows(specs[STOCKS]))
    assert stocks["month"].nunique() == baseline.simulation.months
    assert (stocks.groupby("month")["persons"].sum() == baseline.population.persons).all()
    info = f"{french.number(baseline.population.persons)} personnes, 120 mois"
    assert any(info in t for t in visible_text(rc.last_root_widget)), info
    rc.close()


def test_page_is_in_french_by_default_and_english_after_the_switch():
    """Catches a label left in English (or in French after the switch), a snake_case outcome
    name shown to the reader, a number written the English way in French, and a difference of
    rates in % instead of percentage points (the PTCE run has a counterfactual)."""
    _, rc = render(app.Explore())
    for label, value in SMALL_UI.items():
        slider(rc, label).v_model = value
    rc.find(v.Switch, label="Ce territoire a un PTCE").widget.v_model = True
    rc.find(v.Switch, label=french.LEVER_LABELS["bridges"][0]).widget.v_model = True
    run_page(rc)
    fr = visible_text(rc.last_root_widget)
    for words in ("Lancer la simulation", "Territoire ou préréglage PTCE", "Leviers",
                  "Taux de chômage", "sans le PTCE", STOCKS, "mois de l'horizon",
                  "contrefactuel (sans le PTCE)", "chômage"):
        assert words in fr, words
    assert not any(w in fr for w in ("Run", "Persons", "Stocks over time", "unemployment rate"))
    assert raw_names_in(fr) == []
    # French numbers: the run line groups thousands with a narrow space
    assert any("2\u202f000 personnes, 24 mois" in t for t in fr), [t for t in fr if "mois" in t]
    differences = [t for t in fr if "point de pourcentage" in t or "points de pourcentage" in t]
    assert differences, "a difference of rates is in percentage points"
    assert not any(re.search(r"\d\.\d", t) for t in fr if "%" in t), "French decimals"

    # the switch's second button is English (what a click on it sets)
    toggle = rc.find(v.BtnToggle).widget
    assert [b.children for b in toggle.children] == [["Français"], ["English"]]
    toggle.v_model = 1
    en = visible_text(rc.last_root_widget)
    for words in ("Run", "Territory or PTCE preset", "Levers", "Unemployment rate",
                  "Stocks over time", "month of the horizon", "counterfactual (no PTCE)"):
        assert words in en, words
    assert not any(w in en for w in ("Lancer la simulation", STOCKS, "Leviers"))
    assert raw_names_in(en) == []
    assert any("2,000 persons, 24 months" in t for t in en)
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
    assert {STOCKS, EXITS, BEVERIDGE, CAREERS} <= set(first)
    stocks = pd.DataFrame(chart_rows(first[STOCKS]))
    assert stocks["month"].nunique() == 24
    # retirees are replaced in their slot: every month sums to exactly 2,000 persons
    per_month = stocks.groupby("month")["persons"].sum()
    assert (per_month == 2_000).all(), per_month[per_month != 2_000]
    # everyone present at the end has been observed: each histogram counts 2,000 persons
    careers = pd.DataFrame(chart_rows(first[CAREERS]))
    per_indicator = careers.groupby("indicator")["persons"].sum()
    assert set(per_indicator.index) == {i18n.words(i18n.CAREER_INDICATORS, c)
                                         for c in charts.CAREER_INDICATORS}
    assert (per_indicator == 2_000).all(), per_indicator
    beveridge = pd.DataFrame(chart_rows(first[BEVERIDGE]))
    assert len(beveridge) == 24 and beveridge["vacancy_rate"].between(0, 1).all()

    slider(rc, MATCHING).v_model = 1.2
    run_page(rc)
    second = charts_by_title(rc)
    assert chart_rows(second[STOCKS]) != chart_rows(first[STOCKS])
    before = pd.DataFrame(chart_rows(first[BEVERIDGE]))["unemployment_rate"].mean()
    after = pd.DataFrame(chart_rows(second[BEVERIDGE]))["unemployment_rate"].mean()
    assert after < before, "a much more efficient matching must lower unemployment"
    rc.close()


def test_same_settings_same_chart_and_seed_changes_it():
    _, rc = render(app.Explore())
    for label, value in SMALL_UI.items():
        slider(rc, label).v_model = value
    run_page(rc)
    a = chart_rows(charts_by_title(rc)[STOCKS])
    run_page(rc)
    b = chart_rows(charts_by_title(rc)[STOCKS])
    assert a == b
    rc.find(v.TextField, label="Graine aléatoire").widget.v_model = "7"
    run_page(rc)
    c = chart_rows(charts_by_title(rc)[STOCKS])
    assert c != a
    rc.close()


def test_two_sessions_do_not_share_runs():
    """Catches a run shared between sessions: both open on the full-size default run, and a
    small run in the first leaves the second showing its own 20,000 persons."""
    _, rc1 = render(app.Explore())
    _, rc2 = render(app.Explore())
    for label, value in SMALL_UI.items():
        slider(rc1, label).v_model = value
    run_page(rc1)
    one = pd.DataFrame(chart_rows(charts_by_title(rc1)[STOCKS]))
    two = pd.DataFrame(chart_rows(charts_by_title(rc2)[STOCKS]))
    assert (one.groupby("month")["persons"].sum() == 2_000).all()
    assert (two.groupby("month")["persons"].sum() == 20_000).all()
    assert slider(rc2, "Personnes").v_model == load_scenario("baseline").population.persons
    rc1.close()
    rc2.close()


def test_preset_change_resets_the_controls():
    _, rc = render(app.Explore())
    slider(rc, MATCHING).v_model = 1.2
    select = rc.find(v.Select, label="Territoire ou préréglage PTCE").widget
    select.v_model = "territories/7503_bayonne"
    bayonne = load_scenario("territories/7503_bayonne")
    assert slider(rc, MATCHING).v_model == pytest.approx(
        bayonne.matching.efficiency)
    assert slider(rc, "ACI : postes d'insertion par structure").v_model == bayonne.siae["ACI"].posts
    rc.close()


def test_ptce_group_is_built_from_descriptors():
    """Catches a PTCE control dropped from the page (or from the model's schema, which would
    empty the loop below) and a lever's intensity left enabled while the lever is off."""
    assert explore.available_ptce_controls() == list(explore.PTCE_CONTROLS)
    _, rc = render(app.Explore())
    switch = rc.find(v.Switch, label="Ce territoire a un PTCE").widget
    switch.v_model = True
    labels = {s.label for s in rc.find(v.Switch).widgets}
    switches = [c for c in explore.available_ptce_controls() if c.kind == "switch"]
    assert len(switches) == 7
    for control in switches:
        assert i18n.control_label(control.path, control.label) in labels
    # a lever's intensity is disabled while the lever is off
    intensity = [s for s in rc.find(v.Slider).widgets
                 if s.label == "intensité (part de la capacité)"]
    assert intensity and all(s.disabled for s in intensity)
    rc.close()


def test_ptce_run_shows_the_counterfactual():
    """Catches a PTCE run drawn without its counterfactual or with one series missing."""
    _, rc = render(app.Explore())
    for label, value in SMALL_UI.items():
        slider(rc, label).v_model = value
    rc.find(v.Switch, label="Ce territoire a un PTCE").widget.v_model = True
    rc.find(v.Switch, label=french.LEVER_LABELS["bridges"][0]).widget.v_model = True
    run_page(rc)
    specs = charts_by_title(rc)
    assert i18n.t("chart.versus") in specs
    rows = pd.DataFrame(chart_rows(specs[i18n.t("chart.versus")]))
    assert set(rows["scenario"]) == {i18n.t("chart.with"), i18n.t("chart.without")}
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
    app.language.set("en")  # the English words of the page (French: below)
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
    app.language.set("en")  # the English words of the page (French: below)
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
    app.language.set("en")  # the English words of the page (French: below)
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
    assert [i["name in the model"] for i in items] == list(stored["name"])
    assert [i["target"] for i in items] == [i18n.indicator(n, "en") for n in stored["name"]]
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
    sens = next(s for t, s in specs.items()
                if t.startswith(f"Sensitivity of {i18n.indicator('unemployment_rate', 'en')}"))
    indices = pd.DataFrame(chart_rows(sens))
    assert {"Morris μ*", "Morris σ", "Sobol S1", "Sobol ST"} <= set(indices["index"])
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
    app.language.set("en")  # the English words of the page (French: below)
    monkeypatch.setenv("PTCE_DB", f"sqlite:///{tmp_path}/absent.sqlite")
    _, rc = render(app.Calibration())
    text = _empty_state_text(rc)
    assert "No calibration is stored yet" in text and "no results database" in text
    assert "ptce calibrate --territory 7503 --db URL" in text
    assert rc.find(solara.widgets.VegaLite).widgets == []
    rc.close()
    assert not (tmp_path / "absent.sqlite").exists()


def test_calibration_page_without_calibration_tables(stored_batch, monkeypatch):
    app.language.set("en")  # the English words of the page (French: below)
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
    app.language.set("en")  # the English words of the page (French: below)
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
