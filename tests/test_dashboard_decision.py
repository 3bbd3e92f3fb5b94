"""The dashboard for poles, funders and evaluators, without a browser: French words on the
Compare, Calibration and Optimise pages, the scenario's YAML round trip and refused uploads,
the paired differences of the Compare page, the Report button's report and the Optimise page's
front (issue 12, item 4)."""

from __future__ import annotations

import datetime as dt
import math
import re
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

solara = pytest.importorskip("solara")
v = pytest.importorskip("ipyvuetify")

import ipywidgets  # noqa: E402
from test_dashboard import (  # noqa: E402
    chart_rows,
    charts_by_title,
    raw_names_in,
    render,
    table_items,
    visible_text,
    write_batch,
)

from dashboards import app, batches, i18n, optimise_store, reporting, scenario_file  # noqa: E402
from experiments.results import french  # noqa: E402
from scenarios import load_scenario  # noqa: E402


@pytest.fixture(autouse=True)
def french_session():
    """Every test starts, and leaves the next one, in the default language."""
    app.language.set("fr")
    yield
    app.language.set("fr")


# ----------------------------------------------------------------------------- words

def test_every_string_has_french_and_english_or_a_descriptor():
    """Catches a key of the table with no French (the default would show nothing) or a page
    key with no English (the switch would stay in French): only the control labels, whose
    English is the control's descriptor, may lack an English entry."""
    for key, entry in i18n.STRINGS.items():
        assert entry.get("fr"), key
        if not key.startswith("ctl."):
            assert entry.get("en"), key


def test_every_model_name_has_french_words():
    """Catches an outcome or series of the model shown on the Compare page as its
    snake_case name in French (a name missing from dashboards.names)."""
    from model import OUTCOME_DOCS, SERIES_DOCS

    for name in OUTCOME_DOCS:
        words = i18n.indicator(name, "fr")
        assert "_" not in words and words != name.replace("_", " "), name
    for name in SERIES_DOCS:
        words = i18n.indicator(name, "fr", series=True)
        assert "_" not in words and words != name.replace("_", " "), name


def test_values_and_differences_are_written_the_french_way():
    """Catches a rate written as a bare share, a difference of rates in % instead of
    percentage points, an English decimal point or thousands comma in French, money without
    euros."""
    assert i18n.value_text("unemployment_rate", 0.0834, "fr") == "8,34\u00a0%"
    assert i18n.diff_text("unemployment_rate", -0.0123, "fr") == \
        "\u22121,23\u00a0point de pourcentage"
    assert i18n.diff_text("unemployment_rate", 0.025, "fr") == "+2,50\u00a0points de pourcentage"
    assert i18n.diff_text("unemployment_rate", 0.025, "en") == "+2.50\u00a0percentage points"
    assert i18n.value_text("iae_stock", 1234.4, "fr") == "1\u202f234"
    assert i18n.value_text("training_cost", 150_000, "fr") == "150\u202f000\u00a0€"
    assert i18n.interval_text("unemployment_rate", -0.01, 0.02, "fr", difference=True) == \
        "[\u22121,00\u00a0point de pourcentage\u00a0;\u00a0+2,00\u00a0points de pourcentage]"
    assert i18n.short_number(0.123456, "fr") == "0,1235"
    assert i18n.short_number(2.5, "en") == "2.5"


# ----------------------------------------------------------------------------- Compare

@pytest.fixture(scope="module")
def stored_batch(tmp_path_factory) -> tuple[str, int]:
    db = f"sqlite:///{tmp_path_factory.mktemp('db')}/ptce.sqlite"
    return db, write_batch(db)


def test_compare_page_is_in_french_and_english_after_the_switch(stored_batch, monkeypatch):
    """Catches a Compare label, menu entry, chart title or table header left in English (or
    in French after the switch), an indicator shown by its snake_case name, and a table
    number written the English way in French."""
    db, batch_id = stored_batch
    monkeypatch.setenv("PTCE_DB", db)
    _, rc = render(app.Compare())
    fr = visible_text(rc.last_root_widget)
    for words in ("Lot de simulations", "Scénario de référence", "Série mensuelle",
                  "Indicateur", "Résultats (CSV)", "Effets appariés (CSV)",
                  "différence avec la référence", "taux de chômage (12 derniers mois)"):
        assert words in fr, words
    assert any(t.startswith(f"Lot n° {batch_id} :") for t in fr)
    assert not any(w in fr for w in ("Batch", "Baseline scenario", "Outcomes (CSV)"))
    assert raw_names_in(fr) == []
    cells = [i for i in table_items(rc, "différence avec la référence")]
    assert cells and all("%" in c["moyenne"] and "." not in c["moyenne"] for c in cells)
    assert any("point de pourcentage" in c["différence avec la référence"]
               or "points de pourcentage" in c["différence avec la référence"]
               for c in cells)
    rc.find(v.BtnToggle).widget.v_model = 1
    en = visible_text(rc.last_root_widget)
    for words in ("Batch", "Baseline scenario", "Series", "Outcome", "Outcomes (CSV)"):
        assert words in en, words
    assert not any(w in en for w in ("Lot de simulations", "Scénario de référence"))
    rc.close()


def test_compare_difference_band_is_the_paired_difference_of_the_stored_runs(stored_batch,
                                                                              monkeypatch):
    """The difference chart's values are recomputed here from the stored series: per month,
    Bayonne minus the baseline on the same replication, its mean and 95 % t interval, drawn
    in percentage points. Catches unpaired differences (a difference of means with a band
    that ignores the pairing), a sign flipped, the band of a level instead of a difference,
    and a rate left as a share on a points axis."""
    from scipy import stats

    db, batch_id = stored_batch
    monkeypatch.setenv("PTCE_DB", db)
    _, rc = render(app.Compare())
    title = i18n.t("cmp.diff_bands", "fr", name=i18n.indicator("unemployment_rate", "fr",
                                                               series=True), base="baseline")
    rows = pd.DataFrame([r for r in chart_rows(charts_by_title(rc)[title]) if "month" in r])
    rc.close()
    reader = batches.open_reader(db)
    stored = batches.series(reader, batch_id, "unemployment_rate")
    wide = stored.pivot_table(index=["replication", "month"], columns="label", values="value")
    diff = (wide["territories/7503_bayonne"] - wide["baseline"]).groupby(level="month")
    assert set(rows["scenario"]) == {"territories/7503_bayonne"}
    assert len(rows) == stored["month"].nunique()
    for month, group in diff:
        row = rows[rows["month"] == month].iloc[0]
        values = group.to_numpy()
        half = stats.t.ppf(0.975, len(values) - 1) * values.std(ddof=1) / math.sqrt(len(values))
        np.testing.assert_allclose(row["difference"], 100 * values.mean(), atol=1e-9)
        np.testing.assert_allclose([row["lower"], row["upper"]],
                                   [100 * (values.mean() - half), 100 * (values.mean() + half)],
                                   atol=1e-9)


def test_series_differences_leave_out_single_pairs():
    """Catches an interval drawn from one pair (no spread to estimate: a NaN band) and the
    baseline compared with itself."""
    data = pd.DataFrame({"label": ["a", "b"] * 3, "replication": [0, 0, 1, 1, 2, 2],
                         "month": [1, 1, 1, 1, 2, 2], "value": [1.0, 2.0, 1.0, 4.0, 0.0, 5.0]})
    out = batches.series_differences(data, "a")
    assert list(out["scenario"]) == ["b"] and list(out["month"]) == [1]
    assert out["difference"].iloc[0] == 2.0 and out["n"].iloc[0] == 2


# ----------------------------------------------------------------------------- Calibration

def test_calibration_empty_state_is_in_french(monkeypatch, tmp_path):
    """Catches the Calibration page's explanation and its command hint left in English."""
    monkeypatch.setenv("PTCE_DB", f"sqlite:///{tmp_path}/absent.sqlite")
    _, rc = render(app.Calibration())
    text = " ".join(visible_text(rc.last_root_widget))
    assert "Aucun calage n'est encore enregistré" in text
    assert "ptce calibrate --territory 7503 --db URL" in text and "Recharger" in text
    assert "No calibration" not in text
    rc.close()


# ----------------------------------------------------------------------------- YAML

SMALL = {"persons": 2_000, "months": 24}


def page_values(preset: str, **changes) -> tuple:
    base = load_scenario(preset)
    values = {**app.initial_values(base), **SMALL, **changes}
    return base, values


@pytest.mark.parametrize("preset, changes", [
    ("baseline", {}),
    ("ptce/le_phares", {"ptce.bridges.intensity": 0.85, "matching.efficiency": 0.4,
                        "training_seats_scale": 1.5, "shock_sector": "construction"}),
    ("baseline", {"ptce_on": True, "ptce.coordinator_fte": 3.0}),
])
def test_yaml_round_trip_gives_the_same_scenario(preset, changes):
    """Download then upload: the scenario the page would run afterwards is the one it would
    have run before, field for field, on a preset, on a pole with its levers, a shock and
    scaled training seats changed, and on a PTCE switched on. Catches a control whose value is
    lost or not written, a file the model's own loader refuses, and a difference brought in
    by the upload (defaults filled in differently, events dropped or doubled)."""
    base, values = page_values(preset, **changes)
    before = app.explore.build_params(base, app.choices_from(values))
    text = scenario_file.to_yaml(before, source=preset, seed=3)
    loaded = scenario_file.from_yaml(text.encode(), "scenario.yaml", "fr")
    assert loaded == before
    after = app.explore.build_params(loaded, app.choices_from(
        {**app.initial_values(loaded), "seed": values["seed"]}))
    assert after == before
    # a second round gives the same file
    assert scenario_file.to_yaml(after, source=preset, seed=3) == text


@pytest.mark.parametrize("content, words", [
    (b"population:\n  persons: 2000\n  unemployment_rate: 1.5\n",
     ["population.unemployment_rate (ligne 3, colonne 3)", "valeur non valide",
      "reçu : 1.5"]),
    (b"matching:\n  efficency: 0.3\n", ["matching.efficency", "clé inconnue",
                                         "vouliez-vous dire « efficiency » ?"]),
    (b"population: [1, 2\n", ["YAML", "ligne"]),
    (b"population:\n  persons: 500000\n", ["Personnes : 500\u202f000 est hors de la plage"]),
    (b"extends: /etc/passwd\n", ["extends", "préréglage"]),
    (b"\xff\xfe\x00", ["UTF-8"]),
])
def test_invalid_upload_is_refused_with_a_french_message(content, words):
    """Catches an upload the model's validation would refuse (bad value, misspelt key,
    malformed YAML) or the page could not show (a size outside the sliders), a file that
    reads server files through ``extends``, and a message in English or without the key and
    line at fault."""
    with pytest.raises(scenario_file.UploadError) as caught:
        scenario_file.from_yaml(content, "mon_scenario.yaml", "fr")
    message = caught.value.message("fr")
    assert message.startswith("Le fichier mon_scenario.yaml n'est pas un scénario valide")
    for w in words:
        assert w in message, (w, message)
    assert "Traceback" not in message
    assert "not a valid" in caught.value.message("en")


def upload(rc, content: bytes, name: str) -> None:
    widget = rc.find(ipywidgets.FileUpload).widget
    widget.value = ({"name": name, "type": "application/x-yaml", "size": len(content),
                     "content": memoryview(content),
                     "last_modified": dt.datetime(2026, 1, 1, tzinfo=dt.UTC)},)


def test_upload_sets_the_controls_and_a_bad_one_changes_nothing(tmp_path):
    """On the page: a valid file sets the sliders to its values and names itself in the
    preset menu; an invalid one shows the French message and leaves every control as it was.
    Catches an upload that half-applies a bad file, that does not reach the controls, or whose
    error is a traceback."""
    base = load_scenario("ptce/le_phares")
    good = app.explore.build_params(base, app.choices_from(
        {**app.initial_values(base), **SMALL, "ptce.bridges.intensity": 0.85}))
    _, rc = render(app.Explore())
    upload(rc, scenario_file.to_yaml(good).encode(), "phares.yaml")
    sliders = {w.label: w.v_model for w in rc.find(v.Slider).widgets}
    assert sliders["Personnes"] == 2_000 and sliders["Mois (horizon)"] == 24
    assert rc.find(v.Switch, label="Ce territoire a un PTCE").widget.v_model is True
    text = visible_text(rc.last_root_widget)
    assert any("importé depuis phares.yaml" in t for t in text)
    assert "fichier importé : phares.yaml" in text
    before = {w.label: w.v_model for w in rc.find(v.Slider).widgets}
    upload(rc, b"population:\n  persons: abc\n", "faux.yaml")
    errors = " ".join(str(a.children) for a in rc.find(v.Alert).widgets)
    assert "Le fichier faux.yaml n'est pas un scénario valide, rien n'a été changé" in errors
    assert "population.persons" in errors
    assert {w.label: w.v_model for w in rc.find(v.Slider).widgets} == before
    rc.close()


# ----------------------------------------------------------------------------- report

def test_report_of_the_page_is_the_report_of_ptce_report(tmp_path):
    """The Report button's HTML is the report ``ptce report`` builds for the same scenario,
    seed and replications: its headline figure for durable jobs is the paired effect computed
    here, written the French way, and the page is self-contained. Catches a report on other
    settings than the page's, on other seeds, in English, or loading something from outside."""
    from experiments.results.effects import paired_effects
    from experiments.results.report import effect_table

    base = load_scenario("ptce/pole_sud_aquitain")
    params = app.explore.build_params(base, app.choices_from(
        {**app.initial_values(base), **SMALL, "ptce.bridges.intensity": 0.9}))
    made = reporting.make_report(params, load_scenario.__globals__["resolve_scenario"](
        "ptce/pole_sud_aquitain"), replications=2, seed=4, lang="fr")
    assert made.filename == "pole_sud_aquitain-rapport-seed4.html"
    table = effect_table(paired_effects(params, replications=2, seed=4), "fr")
    html = made.html
    assert html.startswith("<!DOCTYPE html>") or html.lstrip().lower().startswith("<!doctype")
    assert 'lang="fr"' in html
    row = table.loc["durable_employment"]
    shown = french.difference("durable_employment", row["mean"], "fr")
    assert shown in html, shown
    assert not re.search(r"""(src|href)=["']?(https?:)?//""", html)
    assert "Le scénario" in html or "scénario" in html


def test_report_scenario_file_keeps_the_preset_when_nothing_changed(tmp_path):
    """Catches a report that names a temporary file for an unchanged preset (the report then
    loses the preset's provenance) or the preset's file for changed values."""
    source = load_scenario.__globals__["resolve_scenario"]("ptce/le_phares")
    base = load_scenario(source)
    same = app.explore.build_params(base, app.choices_from(app.initial_values(base)))
    assert reporting.scenario_file(same, source, tmp_path) == source
    changed = same.model_copy(update={"name": "autre"})
    written = reporting.scenario_file(changed, source, tmp_path)
    assert written != source and load_scenario(written) == changed


# ----------------------------------------------------------------------------- optimise

@pytest.fixture(scope="module")
def stored_front(tmp_path_factory) -> tuple[str, Path]:
    """A small real ``ptce optimise`` run: its output folder and the study in a database."""
    from typer.testing import CliRunner

    from experiments.cli.main import app as ptce

    folder = tmp_path_factory.mktemp("optimise")
    db = f"sqlite:///{folder}/ptce.sqlite"
    out = folder / "runs" / "optimise" / "sud"
    result = CliRunner().invoke(ptce, [
        "optimise", "ptce/pole_sud_aquitain", "--budget", "120000", "--trials", "4",
        "--replications", "2", "--persons", "1000", "--months", "12", "--fresh-seeds", "2",
        "--out", str(out), "--db", db])
    assert result.exit_code == 0, result.output
    return db, out


def test_study_front_read_from_the_database_is_pareto_csv(stored_front):
    """The front rebuilt from the stored Optuna study (read-only SQL) is the pareto.csv the
    command wrote: same trials, costs, levers and objective values. Catches a study read
    with its categorical parameters as indices, trials over the budget kept, dominated mixes
    kept, and objectives swapped."""
    db, out = stored_front
    reader = batches.open_reader(db)
    studies = optimise_store.list_studies(reader)
    assert len(studies) == 1 and studies["trials"].iloc[0] == 4
    study = optimise_store.read_study(reader, int(studies["study_id"].iloc[0]))
    folder = optimise_store.read_folder(out)
    assert study.objectives == folder.objectives == ("durable_employment",
                                                     "months_employed_per_person")
    assert study.budget == folder.budget == 120_000
    cols = list(folder.pareto.columns)
    pd.testing.assert_frame_equal(study.pareto[cols].reset_index(drop=True),
                                  folder.pareto[cols].reset_index(drop=True),
                                  check_dtype=False)


def test_optimise_page_shows_the_front_in_french(stored_front, monkeypatch):
    """The Optimise page lists the folder and the study, and shows the front's table in
    words (levers by name, euros, signed differences with intervals) with one chart point per
    mix. Catches a page that shows snake_case lever names, numbers the English way, or a
    table or chart that is not the stored front."""
    db, out = stored_front
    monkeypatch.setenv("PTCE_DB", db)
    monkeypatch.setenv("PTCE_RUNS", str(out.parent.parent))
    front = optimise_store.read_folder(out)
    _, rc = render(app.Optimise())
    select = rc.find(v.Select, label="Front de Pareto enregistré").widget
    assert select.items[0] == f"dossier {out}" and any("étude optimise-" in i
                                                       for i in select.items)
    items = table_items(rc, "leviers activés (intensité)")
    assert [int(i["essai"]) for i in items] == list(front.pareto["trial"])
    assert [i["coût annuel"] for i in items] == [
        french.money(c) for c in front.pareto["yearly_cost"]]
    assert all("_" not in i["leviers activés (intensité)"] for i in items)
    spec = charts_by_title(rc)[i18n.t("opt.chart", "fr")]
    points = [r for r in chart_rows(spec) if r["set"] == "mélanges non dominés"]
    assert sorted(r["trial"] for r in points) == sorted(front.pareto["trial"])
    # the study gives the same table
    select.v_model = next(i for i in select.items if i.startswith("étude "))
    assert [int(i["essai"]) for i in table_items(rc, "leviers activés (intensité)")] == \
        list(front.pareto["trial"])
    rc.close()


def test_optimise_page_without_front_says_how_to_make_one(monkeypatch, tmp_path):
    """Catches an empty page (or a traceback) when nothing is stored, and a bad folder typed
    in that is not refused with a message."""
    monkeypatch.setenv("PTCE_DB", f"sqlite:///{tmp_path}/absent.sqlite")
    monkeypatch.setenv("PTCE_RUNS", str(tmp_path / "runs"))
    _, rc = render(app.Optimise())
    text = " ".join(visible_text(rc.last_root_widget))
    assert "Aucun front de Pareto enregistré" in text and "ptce optimise" in text
    rc.find(v.TextField, label="Ou un dossier de sortie de ptce optimise").widget.v_model = \
        str(tmp_path)
    errors = " ".join(str(a.children) for a in rc.find(v.Alert).widgets)
    assert "Ce front ne peut pas être lu" in errors and "pareto.csv" in errors
    rc.close()
    assert not (tmp_path / "absent.sqlite").exists()


# ----------------------------------------------------------------------------- contrast

def _luminance(rgb: tuple[float, float, float]) -> float:
    def channel(c: float) -> float:
        c = c / 255
        return c / 12.92 if c <= 0.03928 else ((c + 0.055) / 1.055) ** 2.4

    r, g, b = (channel(c) for c in rgb)
    return 0.2126 * r + 0.7152 * g + 0.0722 * b


def _hex(colour: str) -> tuple[int, int, int]:
    colour = colour.lstrip("#")
    if len(colour) == 3:
        colour = "".join(c * 2 for c in colour)
    return int(colour[0:2], 16), int(colour[2:4], 16), int(colour[4:6], 16)


def contrast(fg: tuple[float, float, float], bg: tuple[float, float, float]) -> float:
    a, b = sorted((_luminance(fg), _luminance(bg)), reverse=True)
    return (a + 0.05) / (b + 0.05)


def test_text_colours_are_readable():
    """WCAG 2.1 AA asks 4.5:1 for text. Catches a secondary text colour lighter than that on
    the white page (the former #666 passed, #999 would not), the tabs not selected left at
    Vuetify's 60 % white on the blue bar (2.6:1), and chart marks the Pareto and difference
    charts draw their points and intervals in too light for 3:1 (graphical objects)."""
    from dashboards import charts

    white = (255, 255, 255)
    assert contrast(_hex(app.MUTED), white) >= 4.5
    *rgb, alpha = app.TAB_TEXT
    bar = _hex(app.APP_BAR)
    shown = tuple(alpha * c + (1 - alpha) * b for c, b in zip(rgb, bar, strict=True))
    assert contrast(shown, bar) >= 4.5
    faded = tuple(0.6 * c + 0.4 * b for c, b in zip(rgb, bar, strict=True))
    assert contrast(faded, bar) < 4.5, "the check would see Vuetify's default"
    assert ".v-tab:not(.v-tab--active) { color: #ffffff" in app.READABLE_CSS
    for kind, colour in app.ALERT_TEXT.items():
        # on the box's tint (the colour at 12 % over white) as well as on white
        tint = tuple(0.12 * c + 0.88 * 255 for c in _hex(colour))
        assert contrast(_hex(colour), tint) >= 4.5, kind
        assert f".v-alert.{kind}--text, .v-alert.{kind}--text .v-icon {{ color: {colour}" \
            in app.READABLE_CSS
    for key in ("front", "fresh", "over"):
        assert contrast(_hex(charts.PARETO_COLOURS[key]), white) >= 3.0, key
    assert contrast(_hex("#1f4e79"), white) >= 4.5  # outcome differences' marks


# ----------------------------------------------------------------------------- Explore effect

def test_explore_difference_chart_is_the_pair_scenario_minus_counterfactual():
    """The Explore page's effect chart, for a pole, holds month by month the scenario's series
    minus its counterfactual's, from the run the page made (rates in percentage points, so x
    100). Catches the difference taken the other way round, against another run, a rate drawn
    as a share, and a month missing; the two-line chart stays beside it."""
    _, rc = render(app.Explore())
    sliders = {w.label: w for w in rc.find(v.Slider).widgets}
    sliders["Personnes"].v_model = 2_000
    sliders["Mois (horizon)"].v_model = 24
    rc.find(v.Switch, label="Ce territoire a un PTCE").widget.v_model = True
    rc.find(v.Btn, children=["Lancer la simulation"]).widget.click()
    specs = charts_by_title(rc)
    assert i18n.t("chart.versus", "fr") in specs
    rows = pd.DataFrame(chart_rows(specs[i18n.t("chart.difference", "fr")]))
    # the same settings and seed give the same run (the model is deterministic)
    base = load_scenario(app.DEFAULT_PRESET)
    values = {**app.initial_values(base), **SMALL, "ptce_on": True}
    params = app.explore.build_params(base, app.choices_from(values))
    result = app.explore.run(params, int(values["seed"]), parallel=False)
    rc.close()
    for col, factor in (("unemployment_rate", 100.0), ("n_employed_durable", 1.0)):
        words = i18n.words(i18n.EFFECT_SERIES, col, "fr")
        got = rows[rows["indicator"].str.startswith(words + " (")].set_index("month")
        want = (result.result.series[col] - result.counterfactual.series[col]) * factor
        assert len(got) == len(want) == 24
        np.testing.assert_allclose(got["difference"].to_numpy(), want.to_numpy(), atol=1e-9)
    assert any("points de pourcentage" in i for i in rows["indicator"])
    # gross, displacement and net side by side: the pair's own decomposition, recomputed here
    # from runs that keep their spells (the page drops them once split)
    from experiments.results.effects import decompose

    title = next(t for t in specs if t.startswith("Emploi durable : effet brut"))
    bars = {r["part"]: r["value"] for r in chart_rows(specs[title])}
    with_spells = params.model_copy(update={"simulation": params.simulation.model_copy(
        update={"record_spells": True})})
    a = app.explore.simulate(with_spells, int(values["seed"]))
    b = app.explore.simulate(app.explore.counterfactual(with_spells), int(values["seed"]))
    parts = decompose(a, b, 24)
    assert result.decomposition == parts
    for key in ("gross_durable_jobs_treated", "displacement_durable_jobs", "net_durable_jobs"):
        assert bars[i18n.t(f"chart.{key}", "fr")] == pytest.approx(parts[key], abs=1e-9)
    assert f"{int(parts['treated_persons'])} personnes accompagnées" in title


def test_report_button_makes_the_report_in_a_thread_and_offers_it():
    """On the page: with a pole uploaded, the Report button runs the pairs in a thread, then
    says the report is ready and offers its HTML download. Catches a button that blocks
    without ever offering the file, and a failure shown as a traceback instead of a message."""
    import time

    base = load_scenario("ptce/pole_sud_aquitain")
    params = app.explore.build_params(base, app.choices_from(
        {**app.initial_values(base), "persons": 1_000, "months": 12}))
    _, rc = render(app.Explore())
    upload(rc, scenario_file.to_yaml(params).encode(), "sud.yaml")
    reps = next(w for w in rc.find(v.Slider).widgets
                if w.label == "Réplications appariées du rapport")
    reps.v_model = 2
    rc.find(v.Btn, children=["Produire le rapport"]).widget.click()
    deadline = time.monotonic() + 120
    ready: list[str] = []
    while time.monotonic() < deadline and not ready:
        time.sleep(0.5)
        ready = [t for t in visible_text(rc.last_root_widget) if t.startswith("Rapport prêt")]
    assert ready and ready[0].startswith("Rapport prêt (2 paires de simulations"), ready
    labels = [str(b.children) for b in rc.find(v.Btn).widgets]
    assert any("Télécharger le rapport (HTML)" in label for label in labels)
    assert not any("Traceback" in str(a.children) for a in rc.find(v.Alert).widgets)
    rc.close()
