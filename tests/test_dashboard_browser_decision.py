"""The decision-support dashboard in a real browser (Debian's chromium through Playwright, the
app served by ``solara run --production`` on 127.0.0.1, offline assets): French labels on the
Compare page, the scenario's YAML round trip through the browser, a refused upload, the Report
button's file, the Optimise page's table, and the controls reached with the keyboard.
"""

from __future__ import annotations

import os
import re
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import pandas as pd
import pytest
from test_dashboard import write_batch
from test_dashboard_browser import TOLERATED, free_port, shoot

pytestmark = pytest.mark.requires_chromium

ROOT = Path(__file__).resolve().parent.parent
RUN = "Lancer la simulation"


@pytest.fixture(scope="module")
def server(tmp_path_factory) -> Iterator[dict]:
    """The app on a free port, reading a database that holds a batch and an optimisation
    study, with the study's ``ptce optimise`` folder under its runs folder."""
    from typer.testing import CliRunner

    from dashboards import assets
    from experiments.cli.main import app as ptce

    absent = assets.missing()
    if absent:
        pytest.fail(f"offline assets missing ({absent[:3]}...): run python -m dashboards.assets")
    folder = tmp_path_factory.mktemp("decision")
    db = f"sqlite:///{folder}/ptce.sqlite"
    out = folder / "runs" / "optimise" / "sud"
    result = CliRunner().invoke(ptce, [
        "optimise", "ptce/pole_sud_aquitain", "--budget", "120000", "--trials", "4",
        "--replications", "2", "--persons", "1000", "--months", "12", "--fresh-seeds", "2",
        "--out", str(out), "--db", db])
    assert result.exit_code == 0, result.output
    batch_id = write_batch(db)
    port = free_port()
    env = {**os.environ, "PTCE_DB": db, "PTCE_RUNS": str(folder / "runs"),
           "SOLARA_TELEMETRY_MIXPANEL_ENABLE": "False"}
    log = folder / "solara.log"
    with open(log, "w") as sink:
        proc = subprocess.Popen(
            [sys.executable, "-m", "solara", "run", str(ROOT / "dashboards" / "app.py"),
             "--host", "127.0.0.1", "--port", str(port), "--production"],
            env=env, stdout=sink, stderr=subprocess.STDOUT, cwd=ROOT)
    import socket

    try:
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            try:
                with socket.create_connection(("127.0.0.1", port), timeout=1):
                    break
            except OSError:
                if proc.poll() is not None:
                    pytest.fail(f"solara exited: {log.read_text()[-2000:]}")
                time.sleep(0.3)
        else:
            pytest.fail(f"solara did not listen on {port}: {log.read_text()[-2000:]}")
        yield {"url": f"http://127.0.0.1:{port}", "batch_id": batch_id, "optimise": out,
               "folder": folder}
    finally:
        proc.terminate()
        try:
            proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            proc.kill()
        text = log.read_text()
        assert "Could not load URL" not in text, text[-3000:]


@pytest.fixture
def page(browser):
    context = browser.new_context(viewport={"width": 1400, "height": 1000}, accept_downloads=True)
    page = context.new_page()
    page.errors = []
    page.on("console", lambda m: page.errors.append(m.text) if m.type == "error" and not any(
        t.search(m.text) for t in TOLERATED) else None)
    page.on("pageerror", lambda e: page.errors.append(str(e)))
    yield page
    context.close()


def slider(page, label: str):
    box = page.locator(".v-input").filter(
        has=page.locator("label", has_text=re.compile(f"^{re.escape(label)}$")))
    return box.get_by_role("slider")


def open_explore(page, url: str) -> None:
    page.goto(url + "/")
    page.get_by_text("baseline : 20\u202f000 personnes").wait_for(timeout=120_000)


def download(page, name: str) -> bytes:
    with page.expect_download(timeout=120_000) as info:
        page.get_by_role("button", name=name).click()
    return Path(info.value.path()).read_bytes()


def upload(page, content: bytes, filename: str) -> None:
    """Press the upload button (with the keyboard: Enter on the focused button, as a
    keyboard user would) and give the file chooser ``content``."""
    button = page.locator("button", has_text="Importer un scénario (YAML)")
    with page.expect_file_chooser(timeout=30_000) as chooser:
        button.focus()
        page.keyboard.press("Enter")
    chooser.value.set_files(
        files=[{"name": filename, "mimeType": "application/x-yaml", "buffer": content}])


def test_compare_page_is_in_french(server, page):
    """The Compare page opens in French on the stored batch: menus, the difference chart
    with its band, the table and the tabs in words; no English label and no console error.
    Catches a label left in English and a difference chart missing from the page."""
    page.goto(server["url"] + "/compare")
    page.get_by_text(f"Lot n° {server['batch_id']} :").wait_for(timeout=60_000)
    charts = page.locator(".vega-embed")
    deadline = time.monotonic() + 60
    while charts.count() < 4 and time.monotonic() < deadline:
        page.wait_for_timeout(200)
    assert charts.count() >= 4, "bands, difference, distribution, outcome differences"
    body = page.inner_text("body")
    for words in ("Lot de simulations", "Scénario de référence", "Série mensuelle",
                  "RÉSULTATS (CSV)", "EFFETS APPARIÉS (CSV)", "COMPARER", "EXPLORER",
                  "différence avec la référence"):
        assert words.lower() in body.lower(), words
    for english in ("Batch #", "Baseline scenario", "Outcomes (CSV)", "Reload"):
        assert english not in body, english
    assert "points de pourcentage" in page.locator(".vega-embed").nth(1).inner_html() or \
        "point de pourcentage" in body
    # the tabs not selected are drawn white on the blue bar (4.6:1), not at 60 % (2.6:1)
    colours = page.locator(".v-tab:not(.v-tab--active)").evaluate_all(
        "els => els.map(e => getComputedStyle(e).color)")
    # five pages (Explore, Compare, Calibration, Optimise, New pole), one of them selected
    assert len(colours) == 4 and set(colours) == {"rgb(255, 255, 255)"}, colours
    shoot(page, "compare_fr")
    assert page.errors == []


def test_yaml_round_trip_through_the_browser(server, page):
    """Download the scenario, move the controls away, upload the file: the controls come back
    and a second download is the same file. Then an invalid file: a French message naming the
    key, and the controls do not move. Catches a download that is not the page's scenario, an
    upload that does not reach the controls, and a bad file that half-applies or shows a
    traceback."""
    from dashboards import scenario_file

    open_explore(page, server["url"])
    slider(page, "Personnes").press("Home")
    slider(page, "Mois (horizon)").press("Home")
    page.wait_for_timeout(300)
    first = download(page, "Télécharger le scénario (YAML)")
    params = scenario_file.from_yaml(first, "baseline.yaml")
    assert (params.population.persons, params.simulation.months) == (1_000, 12)
    slider(page, "Personnes").press("End")
    page.wait_for_timeout(300)
    assert slider(page, "Personnes").get_attribute("aria-valuenow") == "100000"
    upload(page, first, "baseline.yaml")
    page.get_by_text("importé depuis baseline.yaml").wait_for(timeout=30_000)
    assert slider(page, "Personnes").get_attribute("aria-valuenow") == "1000"
    assert slider(page, "Mois (horizon)").get_attribute("aria-valuenow") == "12"
    second = download(page, "Télécharger le scénario (YAML)")

    def body(data: bytes) -> list[bytes]:  # the header comment names the file it came from
        return [line for line in data.splitlines() if not line.startswith(b"#")]

    assert body(second) == body(first)
    assert scenario_file.from_yaml(second, "second.yaml") == params
    upload(page, b"matching:\n  efficency: 0.3\n", "faux.yaml")
    error = page.locator(".ptce-upload-error")
    error.wait_for(timeout=30_000)
    text = error.inner_text()
    assert "Le fichier faux.yaml n'est pas un scénario valide, rien n'a été changé" in text
    assert "matching.efficency" in text and "efficiency" in text and "Traceback" not in text
    # the message is drawn dark red (7:1), not Vuetify's #ff5252 (3.1:1 on its box)
    assert error.evaluate("e => getComputedStyle(e).color") == "rgb(183, 28, 28)"
    assert slider(page, "Personnes").get_attribute("aria-valuenow") == "1000"
    assert page.errors == []


def test_report_button_gives_the_report_file(server, page, tmp_path):
    """A pole uploaded as YAML (small, so that two pairs run in seconds), then the Report
    button: the file downloaded is the French self-contained report of that pole, and it
    renders in Chromium loading nothing from outside. Catches a button that writes nothing,
    a report in English or on another scenario, and a page that needs the network."""
    from dashboards import app, scenario_file
    from scenarios import load_scenario

    base = load_scenario("ptce/pole_sud_aquitain")
    params = app.explore.build_params(base, app.choices_from(
        {**app.initial_values(base), "persons": 1_000, "months": 12}))
    open_explore(page, server["url"])
    upload(page, scenario_file.to_yaml(params).encode(), "sud.yaml")
    page.get_by_text("importé depuis sud.yaml").wait_for(timeout=30_000)
    slider(page, "Réplications appariées du rapport").press("Home")
    page.get_by_role("button", name="Produire le rapport").click()
    page.locator(".ptce-report-ready").wait_for(timeout=180_000)
    html = download(page, "Télécharger le rapport (HTML)").decode("utf-8")
    assert 'lang="fr"' in html and params.ptce is not None
    assert params.ptce.name in html and "2 paires" in page.inner_text("body")
    file = tmp_path / "report.html"
    file.write_text(html, encoding="utf-8")
    report = page.context.new_page()
    outside = []
    report.on("request", lambda r: outside.append(r.url)
              if not r.url.startswith(("file:", "data:")) else None)
    report.goto(file.as_uri())
    assert "points de pourcentage" in report.inner_text("body") or \
        "point de pourcentage" in report.inner_text("body")
    assert outside == []
    assert page.errors == []


def test_optimise_page_shows_the_stored_front(server, page):
    """The Optimise page shows the front ``ptce optimise`` wrote: one table row per line of
    pareto.csv with its cost in euros the French way, and the Pareto chart. Catches a page
    that lists no front, a table that is not the stored one, and a chart missing."""
    front = pd.read_csv(server["optimise"] / "pareto.csv")
    page.goto(server["url"] + "/optimise")
    page.get_by_text(f"{server['optimise']} : {len(front)} mélanges non dominés").wait_for(
        timeout=60_000)
    page.locator(".vega-embed canvas, .vega-embed svg").first.wait_for(timeout=30_000)
    rows = page.locator("tbody tr")
    assert rows.count() == len(front)
    body = page.inner_text("body")
    for cost in front["yearly_cost"]:
        text = f"{int(cost):,}".replace(",", "\u202f") + "\u00a0€"
        assert text in body, text
    assert "leviers activés (intensité)" in body and "OPTIMISER" in body
    shoot(page, "optimise")
    assert page.errors == []


def test_every_explore_control_is_reached_with_tab_and_labelled(server, page):
    """Tab goes through the Explore controls in order, each with a name a screen reader
    says: the language switch, the preset menu, the sliders, the PTCE switch, Run, the YAML
    download and upload. Catches a control that the keyboard skips and a slider or field
    without a label."""
    open_explore(page, server["url"])
    page.locator("body").click(position={"x": 5, "y": 300})
    reached = []
    for _ in range(40):
        page.keyboard.press("Tab")
        reached.append(page.evaluate("""() => { const e = document.activeElement;
            const label = e.getAttribute('aria-label')
                || (e.labels && e.labels.length ? e.labels[0].innerText : '')
                || (e.innerText || '').trim();
            return [e.tagName, e.getAttribute('role') || e.type || '', label]; }"""))
    names = [label for _, _, label in reached]
    for wanted in ("FRANÇAIS", "ENGLISH", "Territoire ou préréglage PTCE", "Personnes",
                   "Mois (horizon)", "Graine aléatoire", "Efficacité de l'appariement (mu)",
                   "Ce territoire a un PTCE", "LANCER LA SIMULATION",
                   "TÉLÉCHARGER LE SCÉNARIO (YAML)"):
        assert wanted in names, (wanted, reached)
    assert any(n.startswith("Importer un scénario (YAML)") for n in names), reached
    controls = [r for r in reached if r[1] in ("slider", "text", "checkbox", "switch")]
    assert controls and all(label for _, _, label in controls), controls
    assert page.errors == []


def test_new_pole_page_makes_a_pole_that_opens_on_explore(server, page):
    """On the New pole tab: Create with no commune shows the French refusal; with Bayonne
    and Anglet and a name, the summary and the YAML download appear; the file is the pole's
    scenario, and Open shows it on the Explore page as an imported file. Catches a form the
    browser cannot fill, a download that is not the pole, or a hand-over that is lost."""
    from dashboards import scenario_file

    page.goto(server["url"] + "/pole")
    create = page.get_by_role("button", name="Créer le scénario")
    create.wait_for(timeout=120_000)
    create.click()
    error = page.locator(".ptce-pole-error")
    error.wait_for(timeout=30_000)
    assert "donnez au moins un code commune INSEE" in error.inner_text()
    page.locator(".v-select").filter(has_text="Communes du bassin").click()
    for commune in ("64102 Bayonne", "64024 Anglet"):
        page.locator(".v-menu__content .v-list-item", has_text=commune).first.click()
    page.keyboard.press("Escape")
    page.get_by_label("Nom du pôle").fill("Pôle du Labourd")
    create.click()
    page.locator(".ptce-pole-ready").wait_for(timeout=60_000)
    summary = page.locator(".ptce-pole-summary").inner_text()
    assert "64102 Bayonne, 64024 Anglet" in summary and "97\u202f577 habitants" in summary
    data = download(page, "Télécharger le scénario (YAML)")
    params = scenario_file.from_yaml(data, "pole.yaml")
    assert params.name == "Pôle du Labourd" and params.zone_code == "7503"
    assert b"# catchment: 64102, 64024" in data
    page.get_by_role("button", name="Ouvrir dans Explorer").click()
    page.get_by_text("importé depuis 7503_pole_du_labourd.yaml").wait_for(timeout=60_000)
    assert page.errors == []
