"""The Solara app: Explore (what-if run, scenario YAML, report), Compare (stored batches),
Calibration, Optimise (stored Pareto fronts); French by default, English by a switch.

Serve it with ``ptce dashboard`` (see :func:`dashboards.server.serve`) or
``solara run dashboards/app.py``. Nothing is built at import time: each browser session owns
its state (presets, control values, its last run) through component hooks, so two users never
see each other's runs.

Mesa's ``SolaraViz`` steps one shared model instance and applies sliders on Reset; a run here
is a whole vectorised simulation (and its counterfactual) done in about a second, so the pages
are plain Solara components over :func:`model.simulate`.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

import ipywidgets
import pandas as pd
import solara
from pydantic import ValidationError

from dashboards import (
    batches,
    calibrations,
    charts,
    explore,
    i18n,
    optimise_store,
    pole_builder,
    reporting,
    scenario_file,
)
from dashboards.explore import NO_SHOCK, Choices, Control
from experiments.cli import new_pole
from experiments.cli.common import scenario_slug
from model import TerritoryParams
from scenarios import ScenarioError, list_presets, load_scenario, resolve_scenario

DEFAULT_PRESET = "baseline"
#: Secondary text colour: 7.5:1 on white (WCAG AAA for normal text; #666 gave 5.7:1).
MUTED = "#555555"

#: Outcomes shown in the Explore summary, in this order (words and units in dashboards.i18n).
SUMMARY_OUTCOMES = (
    "unemployment_rate",
    "long_term_unemployed_share",
    "job_finding_rate",
    "vacancy_rate",
    "iae_exit_share_durable",
    "career_share_months_employed",
    "career_longest_unemployment",
)

#: The page language, French by default; a reactive variable is per browser session.
language = solara.reactive("fr")


@solara.component
def LanguageSwitch() -> None:
    """French or English, for the whole session (at the top of the sidebar)."""
    names = {name: code for code, name in i18n.LANGUAGE_NAMES.items()}
    solara.ToggleButtonsSingle(
        value=i18n.LANGUAGE_NAMES[language.value], values=list(names),
        on_value=lambda name: language.set(names[name]), classes=["ptce-language"])


# ----------------------------------------------------------------------------- Explore

def initial_values(base: TerritoryParams) -> dict[str, Any]:
    """The control values a preset starts from."""
    values: dict[str, Any] = {
        "persons": base.population.persons,
        "months": base.simulation.months,
        "seed": 1,
        "training_seats_scale": 1.0,
        "shock_sector": NO_SHOCK,
        "shock_month": min(24, base.simulation.months),
        "shock_factor": 0.8,
        "shock_months": 12,
        "ptce_on": getattr(base, "ptce", None) is not None,
    }
    for control in explore.TERRITORY_CONTROLS:
        values[control.path] = explore.get_path(base, control.path, control.min)
    with_ptce = base if getattr(base, "ptce", None) is not None else explore.ptce_defaults()
    for control in explore.available_ptce_controls():
        values[control.path] = explore.get_path(with_ptce, control.path)
    return values


def choices_from(values: dict[str, Any]) -> Choices:
    """The :class:`Choices` the control values describe."""
    ptce_paths = {c.path for c in explore.PTCE_CONTROLS}
    territory = {c.path: values[c.path] for c in explore.TERRITORY_CONTROLS if c.path in values}
    return Choices(
        persons=int(values["persons"]), months=int(values["months"]), seed=int(values["seed"]),
        values=territory, training_seats_scale=float(values["training_seats_scale"]),
        shock_sector=values["shock_sector"], shock_month=int(values["shock_month"]),
        shock_factor=float(values["shock_factor"]), shock_months=int(values["shock_months"]),
        ptce_on=bool(values["ptce_on"]),
        ptce_values={k: v for k, v in values.items() if k in ptce_paths},
    )


@solara.component
def ControlWidget(control: Control, value: Any, on_value: Any, disabled: bool = False) -> None:
    """One slider or switch drawn from a :class:`Control` descriptor."""
    label = i18n.control_label(control.path, control.label, language.value)
    if control.kind == "switch":
        solara.Switch(label=label, value=bool(value), on_value=on_value, disabled=disabled)
    elif control.kind == "int":
        solara.SliderInt(label, value=int(value), min=int(control.min),
                         max=int(control.max), step=max(1, int(control.step)),
                         on_value=on_value, disabled=disabled, thumb_label="always")
    else:
        solara.SliderFloat(label, value=float(value), min=control.min, max=control.max,
                           step=control.step, on_value=on_value, disabled=disabled,
                           thumb_label="always")


def _heading(text: str) -> None:
    solara.Text(text, style={"font-weight": "bold", "margin-top": "8px"})


@solara.component
def PTCEControls(values: dict[str, Any], set_value: Any) -> None:
    """The PTCE group, drawn from :data:`dashboards.explore.PTCE_CONTROLS`."""
    lang = language.value
    solara.Text("PTCE", style={"font-weight": "bold", "font-size": "1.1em"})
    controls = explore.available_ptce_controls()
    solara.Switch(label=i18n.t("ptce.on", lang), value=bool(values["ptce_on"]),
                  on_value=lambda v: set_value("ptce_on", v))
    if not values["ptce_on"]:
        solara.Text(i18n.t("ptce.hint", lang), style={"font-size": "0.85em", "color": MUTED})
        return
    group = None
    for control in controls:
        if control.group != group:
            group = control.group
            _heading(i18n.group_label(group, lang))
        lever_off = (control.path.endswith(".intensity")
                     and not values.get(control.path.rsplit(".", 1)[0] + ".enabled", True))
        ControlWidget(control, values[control.path],
                      lambda v, p=control.path: set_value(p, v), disabled=lever_off)


@solara.component
def TerritoryControls(presets: list[str], preset: str, on_preset: Any,
                      values: dict[str, Any], set_value: Any, sectors: list[str]) -> None:
    """Preset, size, seed, SIAE posts, training seats, matching, demand shock."""
    lang = language.value
    solara.Select(label=i18n.t("preset", lang), values=presets, value=preset,
                  on_value=on_preset)
    solara.SliderInt(i18n.t("persons", lang), value=int(values["persons"]), min=1_000,
                     max=100_000, step=1_000, on_value=lambda v: set_value("persons", v))
    solara.SliderInt(i18n.t("months", lang), value=int(values["months"]), min=12, max=240,
                     step=12, on_value=lambda v: set_value("months", v))
    solara.InputInt(i18n.t("seed", lang), value=int(values["seed"]),
                    on_value=lambda v: set_value("seed", v), continuous_update=True)
    group = None
    for control in explore.TERRITORY_CONTROLS:
        if control.group != group:
            group = control.group
            _heading(i18n.group_label(group, lang))
        ControlWidget(control, values[control.path], lambda v, p=control.path: set_value(p, v))
    solara.SliderFloat(i18n.t("training_seats", lang),
                       value=float(values["training_seats_scale"]), min=0.0, max=3.0, step=0.1,
                       on_value=lambda v: set_value("training_seats_scale", v))
    _heading(i18n.t("shock", lang))
    # the selector shows sectors in words and sets their parameter name
    names = {i18n.sector_label(n, lang): n for n in [NO_SHOCK, "all", *sectors]}
    shown = next(label for label, n in names.items() if n == values["shock_sector"])
    solara.Select(label=i18n.t("shock.sector", lang), values=list(names), value=shown,
                  on_value=lambda label: set_value("shock_sector", names[label]))
    shock_off = values["shock_sector"] == NO_SHOCK
    solara.SliderInt(i18n.t("shock.month", lang), value=int(values["shock_month"]), min=1,
                     max=int(values["months"]), on_value=lambda v: set_value("shock_month", v),
                     disabled=shock_off)
    solara.SliderFloat(i18n.t("shock.factor", lang), value=float(values["shock_factor"]),
                       min=0.3, max=2.0, step=0.05,
                       on_value=lambda v: set_value("shock_factor", v), disabled=shock_off)
    solara.SliderInt(i18n.t("shock.months", lang), value=int(values["shock_months"]), min=1,
                     max=60, on_value=lambda v: set_value("shock_months", v), disabled=shock_off)


def summary_table(run: explore.ExploreRun, lang: str = "fr") -> pd.DataFrame:
    """Main outcomes of the run (and of its counterfactual, with the difference), in words,
    numbers written for ``lang``; differences of rates in percentage points."""
    rows = []
    for name in SUMMARY_OUTCOMES:
        value = run.result.outcomes.get(name)
        if value is None:
            continue
        row = {i18n.t("col.outcome", lang): i18n.outcome_label(name, lang),
               i18n.t("col.run", lang): i18n.fmt_level(name, value, lang)}
        if run.counterfactual is not None:
            cf = run.counterfactual.outcomes.get(name, float("nan"))
            row[i18n.t("col.without", lang)] = i18n.fmt_level(name, cf, lang)
            row[i18n.t("col.difference", lang)] = i18n.fmt_difference(name, value - cf, lang)
        row[i18n.t("col.unit", lang)] = i18n.outcome_unit(name, lang)
        rows.append(row)
    return pd.DataFrame(rows)


@solara.component
def Chart(spec: dict[str, Any]) -> Any:
    """A Vega-Lite chart from a ready spec (``charts.spec``): like ``solara.FigureAltair``
    without re-validating the spec on every render."""
    return solara.widgets.VegaLite.element(spec=spec, listen_to_click=False,
                                           listen_to_hover=False)


@solara.component
def RunCharts(run: explore.ExploreRun) -> None:
    """The Explore charts of one run; rebuilt only when the run or the language changes."""
    lang = language.value
    made = solara.use_memo(lambda: _make_charts(run, lang), dependencies=[id(run), lang])
    what = i18n.t("run.both" if run.counterfactual is not None else "run.one", lang)
    solara.Text(i18n.t("run.info", lang, name=run.params.name,
                       persons=i18n.number(run.params.population.persons, 0, lang),
                       months=run.params.simulation.months, seed=run.seed, what=what,
                       seconds=i18n.number(run.seconds, 2, lang)),
                classes=["ptce-run-info"])
    solara.DataFrame(summary_table(run, lang), items_per_page=10)
    for spec in made["charts"]:
        Chart(spec)
    if made["trust"] is None:
        solara.Text(i18n.t("no_trust", lang), style={"color": MUTED, "font-size": "0.9em"})
    else:
        Chart(made["trust"])


def _make_charts(run: explore.ExploreRun, lang: str = "fr") -> dict[str, Any]:
    out = [charts.stocks(run.result, lang)]
    if run.counterfactual is not None:
        out.append(charts.versus_counterfactual(run.result, run.counterfactual, lang))
        out.append(charts.difference_over_time(run.result, run.counterfactual, lang))
        if run.decomposition is not None:
            out.append(charts.decomposition(run.decomposition, lang))
    out += [charts.iae_exits(run.result, lang), charts.careers(run.result, lang),
            charts.beveridge(run.result, run.counterfactual, lang)]
    graph = explore.trust_graph(run.result)
    trust = charts.trust_network(graph, run.seed, lang) if graph else None
    return {"charts": [charts.spec(c, lang) for c in out],
            "trust": charts.spec(trust, lang) if trust is not None else None}


@solara.component
def ScenarioFile(current: Any, source_name: str, seed: int, on_upload: Any,
                 notice: str | None, problem: str | None) -> None:
    """Download the scenario the controls describe as YAML; upload one that sets them."""
    lang = language.value
    uploads = solara.use_reactive(0)

    def data() -> str:
        params = current()
        return scenario_file.to_yaml(params, source=source_name, seed=seed)

    def received(change: Any) -> None:
        files = change if isinstance(change, list | tuple) else ()
        if not files:
            return
        first = files[0]
        on_upload(bytes(first["content"]), str(first.get("name", "scenario.yaml")))
        uploads.set(uploads.value + 1)  # a new, empty widget: the same file can come again

    solara.Text(i18n.t("yaml.card", lang), style={"font-weight": "bold"})
    solara.FileDownload(data, filename=f"{scenario_slug(source_name)}.yaml",
                        label=i18n.t("yaml.download", lang), mime_type="application/x-yaml")
    ipywidgets.FileUpload.element(
        accept=".yaml,.yml", multiple=False, description=i18n.t("yaml.upload.short", lang),
        tooltip=i18n.t("yaml.upload", lang), icon="upload", tabbable=True,
        layout=ipywidgets.Layout(width="100%"), on_value=received,
        _dom_classes=["ptce-upload"]).key(f"upload-{uploads.value}-{lang}")
    if problem:
        solara.Error(problem, classes=["ptce-upload-error"])
    elif notice:
        solara.Success(notice, classes=["ptce-upload-notice"])


@solara.component
def ReportMaker(current: Any, source: Path | None, seed: int, ptce_on: bool) -> None:
    """The Report button: the report of ``ptce report`` for the scenario on the page, made in
    a thread (the page stays usable and says it is working), then offered as a download."""
    lang = language.value
    replications = solara.use_reactive(reporting.DEFAULT_REPLICATIONS)
    request = solara.use_reactive(None)  # (number, params, source, replications, seed, lang)
    failure = solara.use_reactive(None)

    def make() -> None:
        try:
            params = current()
        except (ValueError, ValidationError, KeyError) as exc:
            failure.set(i18n.t("report.failed", lang, error=exc))
            return
        failure.set(None)
        number = (request.value[0] + 1) if request.value else 1
        request.set((number, params, source, replications.value, seed, lang))

    def work() -> reporting.MadeReport | None:
        if request.value is None:
            return None
        _, params, src, reps, sd, lg = request.value
        return reporting.make_report(params, src, replications=reps, seed=sd, lang=lg)

    made = solara.use_thread(work, dependencies=[request.value[0] if request.value else 0],
                             intrusive_cancel=False)
    solara.Text(i18n.t("report.card", lang), style={"font-weight": "bold"})
    if not ptce_on:
        solara.Text(i18n.t("report.no_ptce", lang), style={"font-size": "0.9em",
                                                          "color": MUTED})
        return
    busy = made.state in (solara.ResultState.STARTING, solara.ResultState.WAITING,
                          solara.ResultState.RUNNING)
    solara.SliderInt(i18n.t("report.replications", lang), value=replications.value, min=2,
                     max=reporting.MAX_REPLICATIONS, on_value=replications.set,
                     thumb_label="always", disabled=busy)
    solara.Button(i18n.t("report.make", lang), on_click=make, block=True, disabled=busy,
                  classes=["ptce-report-make"])
    if busy and request.value is not None:
        solara.ProgressLinear(True)
        solara.Text(i18n.t("report.busy", lang, n=request.value[3]),
                    classes=["ptce-report-busy"])
    if failure.value:
        solara.Error(failure.value)
    elif made.state == solara.ResultState.ERROR:
        solara.Error(i18n.t("report.failed", lang, error=made.error))
    report = made.value if made.state == solara.ResultState.FINISHED else None
    if report is not None:
        solara.Text(i18n.t("report.ready", lang, n=report.replications,
                           seconds=i18n.number(report.seconds, 1, lang)),
                    classes=["ptce-report-ready"])
        solara.FileDownload(report.html, filename=report.filename,
                            label=i18n.t("report.download", lang), mime_type="text/html")


@solara.component
def Explore() -> None:
    """What-if page: opens on the default preset's result (run at first render), then move
    the levers, Run again, read the charts."""
    lang = language.value
    presets = solara.use_memo(list_presets, dependencies=[])
    first_name = DEFAULT_PRESET if DEFAULT_PRESET in presets else presets[0]
    # loaded once per session, on first render (never at import time)
    first = solara.use_memo(lambda: load_scenario(first_name), dependencies=[])
    first_values = solara.use_memo(lambda: initial_values(first), dependencies=[])
    preset = solara.use_reactive(first_name)
    base, set_base = solara.use_state(first)
    values, set_values = solara.use_state(first_values)
    # where the controls come from: a preset's file, or an uploaded file (its name)
    source, set_source = solara.use_state(resolve_scenario(first_name))
    uploaded = solara.use_reactive(None)
    upload_notice = solara.use_reactive(None)
    upload_problem = solara.use_reactive(None)
    last_run = solara.use_reactive(None)
    error = solara.use_reactive(None)
    parallel = not os.environ.get("PTCE_DASHBOARD_SERIAL")

    def on_preset(name: str) -> None:
        if uploaded.value and name == i18n.t("uploaded", language.value, name=uploaded.value):
            return
        try:
            loaded = load_scenario(name)
        except ScenarioError as exc:
            error.set(str(exc))
            return
        preset.set(name)
        set_base(loaded)
        set_values(initial_values(loaded))
        set_source(resolve_scenario(name))
        uploaded.set(None)
        upload_notice.set(None)
        upload_problem.set(None)

    def on_upload(data: bytes, filename: str) -> None:
        try:
            loaded = scenario_file.from_yaml(data, filename, language.value)
        except scenario_file.UploadError as exc:
            upload_problem.set(exc.message(language.value))
            upload_notice.set(None)
            return
        set_base(loaded)
        set_values(lambda old: {**initial_values(loaded), "seed": old["seed"]})
        set_source(None)
        uploaded.set(filename)
        upload_problem.set(None)
        upload_notice.set(i18n.t("yaml.loaded", language.value, name=loaded.name,
                                 file=filename))

    def set_value(key: str, value: Any) -> None:
        set_values(lambda old: {**old, key: value})

    def current() -> TerritoryParams:
        return explore.build_params(base, choices_from(values))

    def run_with(settings: TerritoryParams, settings_values: dict[str, Any]) -> None:
        try:
            params = explore.build_params(settings, choices_from(settings_values))
            last_run.set(explore.run(params, int(settings_values["seed"]), parallel=parallel))
            error.set(None)
        except (ValidationError, ValueError, KeyError) as exc:
            error.set(i18n.t("invalid", language.value, error=exc))
        except Exception as exc:  # a failure of the model: said on the page, not a blank one
            error.set(i18n.t("run.failed", language.value, error=f"{type(exc).__name__}: {exc}"))

    def on_run() -> None:
        run_with(base, values)

    def open_on_a_result() -> None:
        # start the two worker processes (shared by the sessions, warm for the next Run),
        # then show the default preset's result without waiting for a click
        if parallel:
            explore.warm_pool()
        run_with(first, first_values)

    solara.use_effect(open_on_a_result, [])

    def take_handoff() -> None:
        # a pole made on the New pole page arrives as an uploaded file would
        if handoff.value is not None:
            data, filename = handoff.value
            handoff.set(None)
            on_upload(data, filename)

    solara.use_effect(take_handoff, [handoff.value])

    shown_presets = presets
    shown_preset = preset.value
    if uploaded.value:
        shown_preset = i18n.t("uploaded", lang, name=uploaded.value)
        shown_presets = [shown_preset, *presets]
    source_name = uploaded.value or preset.value
    solara.Title(i18n.t("title.explore", lang))
    with solara.Sidebar():
        LanguageSwitch()
        with solara.Card(i18n.t("card.territory", lang), margin=0):
            TerritoryControls(shown_presets, shown_preset, on_preset, values, set_value,
                              base.sector_names)
        with solara.Card(margin=0):
            PTCEControls(values, set_value)
        solara.Button(i18n.t("run", lang), color="primary", on_click=on_run, block=True)
        with solara.Card(margin=0):
            ScenarioFile(current, source_name, int(values["seed"]), on_upload,
                         upload_notice.value, upload_problem.value)
        with solara.Card(margin=0):
            ReportMaker(current, source, int(values["seed"]), bool(values["ptce_on"]))
    with solara.Column():
        if error.value:
            solara.Error(error.value)
        if last_run.value is None:
            solara.Info(i18n.t("running", lang, preset=preset.value))
        else:
            RunCharts(last_run.value)


# ----------------------------------------------------------------------------- Compare

def database_url() -> str | None:
    """The database the Compare and Calibration pages read (``PTCE_DB``; ``ptce dashboard
    --db`` sets it)."""
    return os.environ.get("PTCE_DB")


@solara.component
def Compare() -> None:
    """Stored batches: series with 95 % bands, paired differences with their bands, outcome
    distributions, paired effects."""
    lang = language.value
    solara.Title(i18n.t("title.compare", lang))
    with solara.Sidebar():
        LanguageSwitch()
    refresh = solara.use_reactive(0)
    db = database_url()
    reader = solara.use_memo(lambda: _open(db), dependencies=[db, refresh.value])
    if isinstance(reader, str):
        with solara.Column():
            solara.Info(i18n.t("cmp.no_db", lang, why=reader))
            solara.Button(i18n.t("reload", lang),
                          on_click=lambda: refresh.set(refresh.value + 1))
        return
    BatchList(reader, refresh)


@solara.component
def BatchList(reader: batches.Store, refresh: Any) -> None:
    """Pick a stored batch, then show it."""
    lang = language.value
    table = solara.use_memo(lambda: batches.list_batches(reader),
                            dependencies=[reader.url, refresh.value])
    chosen = solara.use_reactive(None)
    if table.empty:
        with solara.Column():
            solara.Info(i18n.t("cmp.empty", lang, url=reader.url))
            solara.Button(i18n.t("reload", lang),
                          on_click=lambda: refresh.set(refresh.value + 1))
        return
    ids = [int(r.id) for r in table.itertuples()]
    labels = {i18n.t("cmp.batch_item", lang, id=r.id, name=r.name or "", ok=r.succeeded,
                     runs=r.runs, status=i18n.status_label(r.status, lang)): int(r.id)
              for r in table.itertuples()}
    batch_id = chosen.value if chosen.value in ids else ids[0]
    label = next(lab for lab, i in labels.items() if i == batch_id)
    with solara.Sidebar():
        solara.Select(label=i18n.t("cmp.batch", lang), values=list(labels), value=label,
                      on_value=lambda lab: chosen.set(labels[lab]))
        solara.Button(i18n.t("reload", lang), on_click=lambda: refresh.set(refresh.value + 1),
                      block=True)
    BatchView(reader, batch_id, refresh.value)


def _open(db: str | None) -> batches.Store | str:
    try:
        return batches.open_reader(db)
    except batches.NoDatabase as exc:
        return str(exc)


def effect_rows(table: pd.DataFrame, lang: str = "fr") -> pd.DataFrame:
    """The paired-effect table of :func:`dashboards.batches.effects` as the page shows it:
    indicators in words, numbers written for ``lang`` (rates in %, their differences in
    percentage points)."""
    tt = lambda key: i18n.t(key, lang)  # noqa: E731
    rows = []
    for r in table.to_dict("records"):
        name = str(r["outcome"])
        row = {tt("col.scenario"): r["scenario"], tt("col.point"): r.get("point", "-"),
               tt("col.outcome"): i18n.indicator(name, lang), tt("col.n"): int(r["n"]),
               tt("col.mean"): i18n.value_text(name, r["mean"], lang),
               tt("col.interval"): i18n.interval_text(name, r["lower"], r["upper"], lang)}
        if "difference" in r:
            row[tt("col.diff")] = i18n.diff_text(name, r["difference"], lang)
            row[tt("col.diff_interval")] = i18n.interval_text(
                name, r["diff_lower"], r["diff_upper"], lang, difference=True)
        rows.append(row)
    return pd.DataFrame(rows)


def _word_menu(names: list[str], lang: str, *, series: bool = False) -> dict[str, str]:
    """Menu entries in words -> model names (a name whose words repeat keeps its name)."""
    menu: dict[str, str] = {}
    for name in names:
        words = i18n.indicator(name, lang, series=series)
        menu[words if words not in menu else f"{words} ({name})"] = name
    return menu


@solara.component
def BatchView(reader: batches.Store, batch_id: int, version: int) -> None:
    """One batch: pick the baseline, a series and an outcome."""
    lang = language.value
    points = solara.use_memo(lambda: batches.design_points(reader, batch_id),
                             dependencies=[batch_id, version])
    outcomes = solara.use_memo(lambda: batches.outcomes(reader, batch_id),
                               dependencies=[batch_id, version])
    names = solara.use_memo(lambda: batches.series_names(reader, batch_id),
                            dependencies=[batch_id, version])
    scenarios = list(dict.fromkeys(points["scenario"]))
    baseline = solara.use_reactive(None)
    series_name = solara.use_reactive(None)
    outcome_name = solara.use_reactive(None)
    outcome_names = sorted(outcomes["name"].unique()) if not outcomes.empty else [""]
    base = baseline.value if baseline.value in scenarios else next(
        (p for p in scenarios if Path(p).stem == "baseline"), (scenarios or [""])[0])
    name = series_name.value if series_name.value in names else (
        "unemployment_rate" if "unemployment_rate" in names else (names or [None])[0])
    outcome = outcome_name.value if outcome_name.value in outcome_names else (
        "unemployment_rate" if "unemployment_rate" in outcome_names else outcome_names[0])
    series = solara.use_memo(
        lambda: batches.series(reader, batch_id, name) if name else None,
        dependencies=[batch_id, version, name])
    summary = solara.use_memo(
        lambda: batches.effects(reader, batch_id, base) if not outcomes.empty else None,
        dependencies=[batch_id, version, base])
    if not scenarios or outcomes.empty or summary is None:
        solara.Info(i18n.t("cmp.no_run", lang, id=batch_id))
        return
    columns = ["scenario", "point", "outcome", "n", "mean", "lower", "upper", "diff_n",
               "difference", "diff_lower", "diff_upper"]
    table = summary[[c for c in columns if c in summary]]
    base_label = next((lab for s_, lab in zip(points["scenario"], points["label"], strict=True)
                       if s_ == base), base)
    series_menu = _word_menu(list(names), lang, series=True)
    outcome_menu = _word_menu(list(outcome_names), lang)
    with solara.Column():
        solara.Text(i18n.t("cmp.info", lang, id=batch_id, scenarios=len(scenarios),
                           points=len(points), reps=outcomes["replication"].nunique()),
                    classes=["ptce-batch-info"])
        with solara.Row():
            solara.Select(label=i18n.t("cmp.baseline", lang), values=scenarios, value=base,
                          on_value=baseline.set)
            if series_menu:
                solara.Select(label=i18n.t("cmp.series", lang), values=list(series_menu),
                              value=next(k for k, v in series_menu.items() if v == name),
                              on_value=lambda w: series_name.set(series_menu[w]))
            solara.Select(label=i18n.t("cmp.outcome", lang), values=list(outcome_menu),
                          value=next(k for k, v in outcome_menu.items() if v == outcome),
                          on_value=lambda w: outcome_name.set(outcome_menu[w]))
        if series is not None and not series.empty:
            Chart(charts.spec(charts.series_bands(batches.series_summary(series), name, lang),
                              lang))
            diff = batches.series_differences(series, base_label)
            if diff.empty:
                solara.Text(i18n.t("cmp.no_diff", lang), style={"color": MUTED})
            else:
                Chart(charts.spec(charts.series_difference(diff, name, base, lang), lang))
        picked = outcomes[outcomes["name"] == outcome].assign(scenario=lambda d: d["label"])
        Chart(charts.spec(charts.outcome_distribution(picked, outcome, lang), lang))
        shown = table[table["outcome"] == outcome] if outcome else table
        others = shown[shown["scenario"] != base].dropna(subset=["difference"]) \
            if "difference" in shown else shown.iloc[0:0]
        if not others.empty:
            others = others.assign(label=[batches.scenario_label(s_, p) for s_, p in zip(
                others["scenario"], others["point"], strict=True)])
            Chart(charts.spec(charts.outcome_differences(others, outcome, base, lang), lang))
        solara.Text(i18n.t("cmp.table", lang, base=base), style={"font-weight": "bold"})
        solara.DataFrame(effect_rows(shown, lang), items_per_page=20)
        with solara.Row():
            solara.FileDownload(lambda: outcomes.to_csv(index=False),
                                filename=f"batch{batch_id}_outcomes.csv",
                                label=i18n.t("dl.outcomes", lang))
            solara.FileDownload(lambda: table.to_csv(index=False),
                                filename=f"batch{batch_id}_paired_effects.csv",
                                label=i18n.t("dl.effects", lang))
            if series is not None:
                solara.FileDownload(lambda: series.to_csv(index=False),
                                    filename=f"batch{batch_id}_{name}.csv",
                                    label=i18n.t("dl.series", lang))


# ----------------------------------------------------------------------------- Calibration


@solara.component
def Calibration() -> None:
    """Calibrations stored in the database: targets against simulated values with intervals,
    parameter estimates, and the stored sensitivity analyses."""
    lang = language.value
    solara.Title(i18n.t("title.calibration", lang))
    with solara.Sidebar():
        LanguageSwitch()
    refresh = solara.use_reactive(0)
    db = database_url()
    reader = solara.use_memo(lambda: _open(db), dependencies=[db, refresh.value])
    table = solara.use_memo(
        lambda: None if isinstance(reader, str) else calibrations.list_calibrations(reader),
        dependencies=[id(reader), refresh.value])

    def reload() -> None:
        refresh.set(refresh.value + 1)

    if isinstance(reader, str) or table is None or table.empty:
        why = (reader if isinstance(reader, str) else
               i18n.t("cal.no_tables", lang, url=reader.url)
               if not calibrations.has_calibrations(reader) else
               i18n.t("cal.empty", lang, url=reader.url))
        with solara.Column():
            solara.Info(i18n.t("cal.none", lang, why=why))
            solara.Text(i18n.t("cal.hint", lang))
            solara.Button(i18n.t("reload", lang), on_click=reload)
        return
    CalibrationView(reader, table, refresh.value, reload)


@solara.component
def CalibrationView(reader: batches.Store, table: pd.DataFrame, version: int,
                    reload: Any) -> None:
    """Pick a stored calibration, then show its fit, its estimates and the sensitivities."""
    lang = language.value
    chosen = solara.use_reactive(None)
    labels = {calibrations.calibration_label(r, lang): i
              for i, r in enumerate(table.itertuples())}
    index = chosen.value if chosen.value in labels.values() else 0
    label = next(lab for lab, i in labels.items() if i == index)
    row = table.iloc[index]
    cal_id = int(row["id"])
    targets = solara.use_memo(lambda: calibrations.targets(reader, cal_id),
                              dependencies=[cal_id, version])
    fit = solara.use_memo(lambda: charts.spec(charts.calibration_fit(targets, lang=lang), lang),
                          dependencies=[cal_id, version, lang])
    params = calibrations.best_params(row)
    en = lang == "en"
    num = calibrations.fmt if en else (lambda x, spec=None: i18n.short_number(x, lang))
    pct = (lambda x, d: calibrations.fmt(x, f".{d}%")) if en else (
        lambda x, d: i18n.percent_text(x, d, lang))
    with solara.Column():
        with solara.Row(style={"align-items": "center"}):
            solara.Select(label=i18n.t("cal.select", lang), values=list(labels), value=label,
                          on_value=lambda lab: chosen.set(labels[lab]),
                          style={"min-width": "760px"})
            solara.Button(i18n.t("reload", lang), on_click=reload)
        solara.Text(i18n.t(
            "cal.info", lang, id=cal_id, zone=row["zone_code"], territory=row["territory"],
            trials=row["trials"], sampler=row["sampler"], best=row["best_trial"],
            reps=row["replications"], persons=(f"{row['persons']:,}" if en else
                                               i18n.number(row["persons"], 0, lang)),
            months=row["months"], seed=row["seed"], study=row["study_name"]),
            classes=["ptce-calibration-info"])
        solara.Text(i18n.t(
            "cal.fit", lang, loss=num(row["best_loss"]), median=pct(row["median_abs_rel_error"],
                                                                   1),
            share=pct(row["share_within"], 0), report=row["report"] or "-",
            file=row["calibrated_file"] or "-"), style={"color": MUTED})
        with solara.Row(style={"align-items": "flex-start", "flex-wrap": "wrap"}):
            with solara.Column(style={"flex": "0 0 auto"}):
                if targets.empty:
                    solara.Warning(i18n.t("cal.no_target", lang, id=cal_id))
                else:
                    Chart(fit)
            with solara.Column(style={"flex": "1 1 420px", "max-width": "560px"}):
                solara.Text(i18n.t("cal.estimates", lang), style={"font-weight": "bold"})
                if params.empty:
                    solara.Text(i18n.t("cal.no_estimate", lang))
                else:
                    shown = pd.DataFrame({
                        i18n.t("tcol.parameter", lang): params["parameter"],
                        i18n.t("tcol.estimate", lang): params["estimate"].map(num)})
                    solara.DataFrame(shown, items_per_page=30)
        if not targets.empty:
            solara.Text(i18n.t("cal.targets", lang), style={"font-weight": "bold"})
            solara.DataFrame(calibrations.target_table(targets, lang), items_per_page=20)
        with solara.Row():
            solara.FileDownload(lambda: targets.to_csv(index=False),
                                filename=f"calibration{cal_id}_targets.csv",
                                label=i18n.t("dl.targets", lang))
            solara.FileDownload(lambda: params.to_csv(index=False),
                                filename=f"calibration{cal_id}_parameters.csv",
                                label=i18n.t("dl.estimates", lang))
        OutOfSampleView(row)
        SensitivityView(reader, str(row["territory"]), version)


@solara.component
def OutOfSampleView(row: Any) -> None:
    """The zone's 2021-2024 path predicted from its 2015-2019 fit, if written beside the
    calibration's report: the chart and the table."""
    lang = language.value
    found = calibrations.out_of_sample(row)
    if found is None:
        solara.Text(i18n.t("cal.no_oos", lang), style={"color": MUTED})
        return
    table, png = found
    median = float(table["abs_rel_error"].median())
    shown = (calibrations.fmt(median, ".1%") if lang == "en"
             else i18n.percent_text(median, 1, lang))
    solara.Text(i18n.t("cal.oos", lang, median=shown),
                style={"font-weight": "bold", "margin-top": "12px"})
    if png is not None:
        solara.Image(png, width="760px")
    solara.DataFrame(calibrations.out_of_sample_table(table, lang), items_per_page=16)


@solara.component
def SensitivityView(reader: batches.Store, territory: str, version: int) -> None:
    """The stored sensitivity analyses (if any): indices with their 95 % intervals."""
    lang = language.value
    runs = solara.use_memo(lambda: calibrations.list_sensitivity(reader),
                           dependencies=[reader.url, version])
    chosen = solara.use_reactive(None)
    labels = {calibrations.sensitivity_label(r, lang): i for i, r in enumerate(runs.itertuples())}
    default = next((i for i in labels.values() if runs.iloc[i]["scenario"] == territory),
                   next(iter(labels.values()), None))
    index = chosen.value if chosen.value in labels.values() else default
    row = runs.iloc[index] if index is not None else None
    run_id = int(row["id"]) if row is not None else None
    indices = solara.use_memo(
        lambda: None if run_id is None else calibrations.sensitivity_indices(reader, run_id),
        dependencies=[run_id, version])
    spec = solara.use_memo(
        lambda: None if indices is None or indices.empty else charts.spec(
            charts.sensitivity(indices, row["outcome"], lang), lang),
        dependencies=[run_id, version, lang])
    if row is None:
        solara.Text(i18n.t("sens.none", lang), style={"color": MUTED})
        return
    label = next(lab for lab, i in labels.items() if i == index)
    solara.Text(i18n.t("sens.title", lang), style={"font-weight": "bold", "margin-top": "12px"})
    solara.Select(label=i18n.t("sens.title", lang), values=list(labels), value=label,
                  on_value=lambda lab: chosen.set(labels[lab]), style={"max-width": "760px"})
    retained = row["retained"] or []
    solara.Text(i18n.t("sens.method", lang,
                       factors=", ".join(retained) or i18n.t("sens.none_retained", lang)),
                style={"color": MUTED})
    if spec is None:
        solara.Warning(i18n.t("sens.no_index", lang, id=run_id))
    else:
        Chart(spec)


# ----------------------------------------------------------------------------- Optimise

def pareto_rows(front: optimise_store.Front, lang: str = "fr") -> pd.DataFrame:
    """The non-dominated mixes of ``front`` as the page shows them: levers in words with
    their intensities, FTE, yearly cost in euros, each objective's mean difference and its
    95 % interval (rates in percentage points)."""
    from experiments.results import french

    lg = "en" if lang == "en" else "fr"
    tt = lambda key: i18n.t(key, lang)  # noqa: E731
    rows = []
    for r in front.pareto.to_dict("records"):
        row = {tt("ocol.trial"): int(r["trial"]),
               tt("ocol.levers"): optimise_store.levers_on(r, lang),
               tt("ocol.fte"): i18n.number(float(r["coordinator_fte"]), 1, lang),
               tt("ocol.cost"): french.money(float(r["yearly_cost"]), lang=lg)}
        for name in front.objectives:
            words = i18n.t("ocol.effect", lang, name=french.LABELS[name].text(lg))
            row[words] = french.difference(name, float(r[f"{name}_mean"]), lg)
            row[i18n.t("ocol.interval", lang, name=words)] = french.difference_interval(
                name, float(r[f"{name}_ci_low"]), float(r[f"{name}_ci_high"]), lg)
        rows.append(row)
    return pd.DataFrame(rows)


def _front_sources(reader: batches.Store | str) -> dict[str, tuple[str, Any]]:
    """Menu entries -> ("folder", path) or ("study", id): folders first, then studies."""
    out: dict[str, tuple[str, Any]] = {}
    for folder in optimise_store.find_folders():
        out[str(folder)] = ("folder", folder)
    if not isinstance(reader, str):
        for r in optimise_store.list_studies(reader).itertuples():
            out[f"{r.study_name} ({r.trials})"] = ("study", int(r.study_id))
    return out


@solara.component
def Optimise() -> None:
    """A stored Pareto front of ``ptce optimise``: pick a folder or a study, read the table
    of non-dominated lever mixes and the Pareto chart."""
    lang = language.value
    solara.Title(i18n.t("title.optimise", lang))
    refresh = solara.use_reactive(0)
    typed = solara.use_reactive("")
    chosen = solara.use_reactive(None)
    db = database_url()
    reader = solara.use_memo(lambda: _open(db), dependencies=[db, refresh.value])
    sources = solara.use_memo(lambda: _front_sources(reader), dependencies=[id(reader),
                                                                            refresh.value])
    labels = {}
    for key, (kind, _) in sources.items():
        labels[i18n.t("opt.folder_item" if kind == "folder" else "opt.study_item", lang,
                      path=key, name=key.rsplit(" (", 1)[0],
                      n=key.rsplit(" (", 1)[-1].rstrip(")"))] = key
    with solara.Sidebar():
        LanguageSwitch()
        if labels:
            key = chosen.value if chosen.value in sources else next(iter(sources))
            shown = next(lab for lab, k in labels.items() if k == key)
            solara.Select(label=i18n.t("opt.source", lang), values=list(labels), value=shown,
                          on_value=lambda lab: (chosen.set(labels[lab]), typed.set("")))
        solara.InputText(i18n.t("opt.folder_input", lang), value=typed.value,
                         on_value=typed.set, continuous_update=True)
        solara.Button(i18n.t("reload", lang), on_click=lambda: refresh.set(refresh.value + 1),
                      block=True)
    if typed.value.strip():
        source: tuple[str, Any] | None = ("folder", Path(typed.value.strip()).expanduser())
    elif sources:
        source = sources[chosen.value if chosen.value in sources else next(iter(sources))]
    else:
        source = None
    with solara.Column():
        if source is None:
            solara.Info(i18n.t("opt.none", lang, root=optimise_store.runs_root(),
                               db=db or "runs/ptce.sqlite"))
            return
        FrontView(reader, source, refresh.value)


@solara.component
def FrontView(reader: batches.Store | str, source: tuple[str, Any], version: int) -> None:
    lang = language.value

    def load() -> optimise_store.Front | str:
        kind, where = source
        try:
            if kind == "folder":
                return optimise_store.read_folder(where)
            if isinstance(reader, str):
                return reader
            return optimise_store.read_study(reader, where)
        except optimise_store.FrontError as exc:
            return str(exc)

    front = solara.use_memo(load, dependencies=[str(source), version])
    spec = solara.use_memo(
        lambda: None if isinstance(front, str) else charts.spec(charts.pareto(front, lang),
                                                                lang),
        dependencies=[str(source), version, lang])
    if isinstance(front, str) or spec is None:
        solara.Error(i18n.t("opt.bad", lang, error=front))
        return
    from experiments.results import french

    lg = "en" if lang == "en" else "fr"
    budget = ("" if front.budget != front.budget else
              i18n.t("opt.budget", lang, budget=french.money(front.budget, lang=lg)))
    solara.Text(i18n.t("opt.info", lang, source=front.source, n=len(front.pareto),
                       budget=budget, objectives=", ".join(
                           french.LABELS[o].text(lg) for o in front.objectives)),
                classes=["ptce-optimise-info"])
    Chart(spec)
    solara.Text(i18n.t("opt.table", lang), style={"font-weight": "bold"})
    solara.DataFrame(pareto_rows(front, lang), items_per_page=20)
    solara.FileDownload(lambda: front.pareto.to_csv(index=False), filename="pareto.csv",
                        label=i18n.t("dl.pareto", lang))


# ----------------------------------------------------------------------------- layout

#: Vuetify draws the tabs not selected in white at 60 % opacity on the blue bar (2.6:1);
#: white itself reads at 4.6:1 (WCAG AA); the selected tab keeps its underline.
TAB_TEXT = (255, 255, 255, 1.0)
APP_BAR = "#1976d2"
#: Message colours: Vuetify's info, success, warning and error texts (#2196f3, #4caf50,
#: #fb8c00, #ff5252) read at 2.3:1 to 3.1:1 on their tinted boxes; these read at 7:1 or more.
ALERT_TEXT = {"info": "#0d47a1", "success": "#1b5e20", "warning": "#7a4100", "error": "#b71c1c"}
READABLE_CSS = (".v-tabs-bar .v-tab:not(.v-tab--active) { color: #ffffff !important; }\n"
                ".v-slider__thumb-label, .v-slider__thumb-label span { color: #ffffff; }\n"
                + "".join(f".v-alert.{k}--text, .v-alert.{k}--text .v-icon {{ color: {c} "
                          f"!important; caret-color: {c} !important; }}\n"
                          for k, c in ALERT_TEXT.items()))

#: Route path -> key of its tab's words.
# ----------------------------------------------------------------------------- New pole

#: A scenario the pole builder hands to the Explore page: (YAML bytes, file name), or None.
handoff: solara.Reactive[tuple[bytes, str] | None] = solara.reactive(None)


@solara.component
def NewPole() -> None:
    """The pole builder: zone, catchment communes, name, kind, coordination and levers, checked
    against the data as ``ptce new-pole`` checks them; the scenario opens on the Explore page
    or downloads as one YAML file."""
    lang = language.value
    zone_menu = solara.use_memo(pole_builder.zone_menu, dependencies=[])
    zone_label = solara.use_reactive(next((k for k, v in zone_menu.items() if v == "7503"),
                                          next(iter(zone_menu))))
    chosen = solara.use_reactive([])
    name = solara.use_reactive("")
    kind = solara.use_reactive("place")
    staff = solara.use_reactive(1.5)
    budget = solara.use_reactive(80_000.0)
    lever_menu = pole_builder.lever_menu(lang)
    levers = solara.use_reactive(list(new_pole.DEFAULT_LEVERS))
    built = solara.use_reactive(None)
    problem = solara.use_reactive(None)
    router = solara.use_router()
    zone = zone_menu[zone_label.value]
    commune_menu = solara.use_memo(lambda: pole_builder.communes_of(zone), dependencies=[zone])

    def on_zone(label: str) -> None:
        zone_label.set(label)
        chosen.set([])
        built.set(None)

    def on_create() -> None:
        labels = {v: k for k, v in commune_menu.items()}
        try:
            result = pole_builder.build(
                zone=zone, communes=[labels.get(c, c) for c in chosen.value],
                name=name.value, kind=kind.value, staff=float(staff.value),
                budget=float(budget.value), levers=levers.value, lang=language.value)
        except pole_builder.BuildError as exc:
            problem.set(str(exc))
            built.set(None)
            return
        problem.set(None)
        built.set(result)

    def on_open() -> None:
        if built.value is not None:
            handoff.set((built.value.yaml_text.encode("utf-8"), built.value.filename))
            if router.set_path is not None:  # None only when drawn outside the app's routes
                router.push("/")

    solara.Title(i18n.t("title.pole", lang))
    with solara.Sidebar():
        LanguageSwitch()
    with solara.Column(style={"max-width": "52em"}):
        solara.Markdown(i18n.t("pole.intro", lang))
        solara.Select(label=i18n.t("pole.field.zone", lang), values=list(zone_menu),
                      value=zone_label.value, on_value=on_zone)
        solara.SelectMultiple(label=i18n.t("pole.field.communes", lang), values=chosen.value,
                              all_values=list(commune_menu.values()), on_value=chosen.set)
        solara.InputText(i18n.t("pole.field.name", lang), value=name, continuous_update=True)
        solara.ToggleButtonsSingle(value=kind.value, on_value=kind.set, values=["place", "sector"])
        solara.Text(i18n.t(f"pole.kind.{kind.value}", lang),
                    style={"font-size": "0.85em", "color": MUTED})
        solara.InputFloat(i18n.t("pole.field.staff", lang), value=staff)
        solara.InputFloat(i18n.t("pole.field.budget", lang), value=budget)
        solara.Text(i18n.t("pole.defaults", lang), style={"font-size": "0.85em", "color": MUTED})
        solara.SelectMultiple(label=i18n.t("pole.field.levers", lang),
                              values=[k for k, v in lever_menu.items() if v in levers.value],
                              all_values=list(lever_menu),
                              on_value=lambda words: levers.set(
                                  [lever_menu[w] for w in words if w in lever_menu]))
        solara.Button(i18n.t("pole.create", lang), color="primary", on_click=on_create,
                      classes=["ptce-pole-create"])
        if problem.value:
            solara.Error(problem.value, classes=["ptce-pole-error"])
        elif built.value is not None:
            result = built.value
            solara.Success(i18n.t("pole.created", lang, name=result.params.name),
                           classes=["ptce-pole-ready"])
            with solara.Column(gap="2px", classes=["ptce-pole-summary"]):
                for line in result.summary:
                    solara.Text(line)
            with solara.Row():
                solara.Button(i18n.t("pole.open", lang), on_click=on_open,
                              classes=["ptce-pole-open"])
                solara.FileDownload(result.yaml_text, filename=result.filename,
                                    label=i18n.t("pole.download", lang),
                                    mime_type="application/x-yaml")


TABS = {"/": "nav.explore", "compare": "nav.compare", "calibration": "nav.calibration",
        "optimise": "nav.optimise", "pole": "nav.pole"}


@solara.component
def Layout(children: list | None = None) -> Any:
    """The app's frame: the pages' tabs in the interface's language (Solara would show the
    route paths)."""
    route, all_routes = solara.use_route()
    paths = [solara.resolve_path(r, level=0) for r in all_routes]
    location = solara.use_context(solara.routing._location_context)
    index = all_routes.index(route) if route in all_routes else 0
    lang = language.value

    def go(i: int) -> None:
        location.pathname = paths[i]

    with solara.AppLayout(children=children or []) as main:
        with solara.AppBar():
            solara.Style(READABLE_CSS)
            with solara.lab.Tabs(value=index, on_value=go, align="center"):
                for r in all_routes:
                    solara.lab.Tab(i18n.t(TABS.get(r.path, "nav.explore"), lang))
    return main


routes = [
    solara.Route(path="/", component=Explore, label="Explorer", layout=Layout),
    solara.Route(path="compare", component=Compare, label="Comparer"),
    solara.Route(path="calibration", component=Calibration, label="Calage"),
    solara.Route(path="optimise", component=Optimise, label="Optimiser"),
    solara.Route(path="pole", component=NewPole, label="Nouveau pôle"),
]
