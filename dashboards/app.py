"""The Solara app: Explore (what-if run), Compare (stored batches), Calibration.

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

import pandas as pd
import solara
from pydantic import ValidationError

from dashboards import batches, calibrations, charts, explore, i18n
from dashboards.explore import NO_SHOCK, Choices, Control
from model import TerritoryParams
from scenarios import ScenarioError, list_presets, load_scenario

DEFAULT_PRESET = "baseline"

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
        solara.Text(i18n.t("ptce.hint", lang), style={"font-size": "0.85em", "color": "#666"})
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
        solara.Text(i18n.t("no_trust", lang), style={"color": "#666", "font-size": "0.9em"})
    else:
        Chart(made["trust"])


def _make_charts(run: explore.ExploreRun, lang: str = "fr") -> dict[str, Any]:
    out = [charts.stocks(run.result, lang)]
    if run.counterfactual is not None:
        out.append(charts.versus_counterfactual(run.result, run.counterfactual, lang))
    out += [charts.iae_exits(run.result, lang), charts.careers(run.result, lang),
            charts.beveridge(run.result, run.counterfactual, lang)]
    graph = explore.trust_graph(run.result)
    trust = charts.trust_network(graph, run.seed, lang) if graph else None
    return {"charts": [charts.spec(c, lang) for c in out],
            "trust": charts.spec(trust, lang) if trust is not None else None}


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
    last_run = solara.use_reactive(None)
    error = solara.use_reactive(None)
    parallel = not os.environ.get("PTCE_DASHBOARD_SERIAL")

    def on_preset(name: str) -> None:
        try:
            loaded = load_scenario(name)
        except ScenarioError as exc:
            error.set(str(exc))
            return
        preset.set(name)
        set_base(loaded)
        set_values(initial_values(loaded))

    def set_value(key: str, value: Any) -> None:
        set_values(lambda old: {**old, key: value})

    def run_with(settings: TerritoryParams, settings_values: dict[str, Any]) -> None:
        try:
            params = explore.build_params(settings, choices_from(settings_values))
            last_run.set(explore.run(params, int(settings_values["seed"]), parallel=parallel))
            error.set(None)
        except (ValidationError, ValueError, KeyError) as exc:
            error.set(i18n.t("invalid", language.value, error=exc))

    def on_run() -> None:
        run_with(base, values)

    def open_on_a_result() -> None:
        # start the two worker processes (shared by the sessions, warm for the next Run),
        # then show the default preset's result without waiting for a click
        if parallel:
            explore.warm_pool()
        run_with(first, first_values)

    solara.use_effect(open_on_a_result, [])

    solara.Title(i18n.t("title.explore", lang))
    with solara.Sidebar():
        LanguageSwitch()
        with solara.Card(i18n.t("card.territory", lang), margin=0):
            TerritoryControls(presets, preset.value, on_preset, values, set_value,
                              base.sector_names)
        with solara.Card(margin=0):
            PTCEControls(values, set_value)
        solara.Button(i18n.t("run", lang), color="primary", on_click=on_run, block=True)
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
    """Stored batches: series with 95 % bands, outcome distributions, paired effects."""
    solara.Title("PTCE simulator: compare")
    refresh = solara.use_reactive(0)
    db = database_url()
    reader = solara.use_memo(lambda: _open(db), dependencies=[db, refresh.value])
    if isinstance(reader, str):
        with solara.Column():
            solara.Info(f"No stored batches to compare: {reader}. Run a batch first, for "
                        "example `ptce batch baseline territories/7503_bayonne --replications "
                        "10 --db URL`, then start the dashboard with the same `--db URL`.")
            solara.Button("Reload", on_click=lambda: refresh.set(refresh.value + 1))
        return
    BatchList(reader, refresh)


@solara.component
def BatchList(reader: batches.Store, refresh: Any) -> None:
    """Pick a stored batch, then show it."""
    table = solara.use_memo(lambda: batches.list_batches(reader),
                            dependencies=[reader.url, refresh.value])
    chosen = solara.use_reactive(None)
    if table.empty:
        with solara.Column():
            solara.Info(f"The database {reader.url} holds no batch yet: run `ptce batch ...` "
                        "with this `--db`.")
            solara.Button("Reload", on_click=lambda: refresh.set(refresh.value + 1))
        return
    labels = {f"#{r.id} {r.name or ''} ({r.succeeded}/{r.runs} runs, {r.status})": int(r.id)
              for r in table.itertuples()}
    label = chosen.value if chosen.value in labels else next(iter(labels))
    with solara.Sidebar():
        solara.Select(label="Batch", values=list(labels), value=label, on_value=chosen.set)
        solara.Button("Reload", on_click=lambda: refresh.set(refresh.value + 1), block=True)
    BatchView(reader, labels[label], refresh.value)


def _open(db: str | None) -> batches.Store | str:
    try:
        return batches.open_reader(db)
    except batches.NoDatabase as exc:
        return str(exc)


@solara.component
def BatchView(reader: batches.Store, batch_id: int, version: int) -> None:
    """One batch: pick the baseline, a series and an outcome."""
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
        solara.Info(f"Batch #{batch_id} has no succeeded run yet.")
        return
    columns = ["scenario", "point", "outcome", "n", "mean", "lower", "upper", "diff_n",
               "difference", "diff_lower", "diff_upper"]
    table = summary[[c for c in columns if c in summary]]
    with solara.Column():
        solara.Text(f"Batch #{batch_id}: {len(scenarios)} scenarios, {len(points)} points, "
                    f"{outcomes['replication'].nunique()} replications with outcomes.",
                    classes=["ptce-batch-info"])
        with solara.Row():
            solara.Select(label="Baseline scenario", values=scenarios, value=base,
                          on_value=baseline.set)
            solara.Select(label="Series", values=names, value=name, on_value=series_name.set)
            solara.Select(label="Outcome", values=outcome_names, value=outcome,
                          on_value=outcome_name.set)
        if series is not None and not series.empty:
            solara.FigureAltair(charts.series_bands(batches.series_summary(series), name))
        picked = outcomes[outcomes["name"] == outcome].assign(scenario=lambda d: d["label"])
        solara.FigureAltair(charts.outcome_distribution(picked, outcome))
        solara.Text(f"Per scenario and point: mean and 95 % interval, and the paired "
                    f"difference against '{base}' (same replication = same seed)",
                    style={"font-weight": "bold"})
        shown = table[table["outcome"] == outcome] if outcome else table
        solara.DataFrame(shown.round(5), items_per_page=20)
        with solara.Row():
            solara.FileDownload(lambda: outcomes.to_csv(index=False),
                                filename=f"batch{batch_id}_outcomes.csv",
                                label="Outcomes (CSV)")
            solara.FileDownload(lambda: table.to_csv(index=False),
                                filename=f"batch{batch_id}_paired_effects.csv",
                                label="Paired effects (CSV)")
            if series is not None:
                solara.FileDownload(lambda: series.to_csv(index=False),
                                    filename=f"batch{batch_id}_{name}.csv",
                                    label="Series (CSV)")


# ----------------------------------------------------------------------------- Calibration

CALIBRATE_HINT = ("Make one with `ptce calibrate --territory 7503 --db URL` (the ZE2020 code of "
                  "a zone d'emploi that has a file scenarios/territories/CODE_*.yaml; "
                  "`--trials`, `--replications`, `--persons` and `--months` set its size, see "
                  "`ptce calibrate --help`), then start the dashboard with the same `--db URL` "
                  "and press Reload.")


@solara.component
def Calibration() -> None:
    """Calibrations stored in the database: targets against simulated values with intervals,
    parameter estimates, and the stored sensitivity analyses."""
    solara.Title("PTCE simulator: calibration")
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
               f"the database {reader.url} has no calibration tables"
               if not calibrations.has_calibrations(reader) else
               f"the database {reader.url} holds no calibration yet")
        with solara.Column():
            solara.Info(f"No calibration is stored yet: {why}. A calibration fits a "
                        "territory's parameters to its statistics (INSEE unemployment rate, "
                        "IAE size, Dares exit outcomes, France Travail job-finding rate, "
                        "vacancy rate) and records the targets against simulated values with "
                        "intervals and the parameter estimates.")
            solara.Text(CALIBRATE_HINT)
            solara.Button("Reload", on_click=reload)
        return
    CalibrationView(reader, table, refresh.value, reload)


@solara.component
def CalibrationView(reader: batches.Store, table: pd.DataFrame, version: int,
                    reload: Any) -> None:
    """Pick a stored calibration, then show its fit, its estimates and the sensitivities."""
    chosen = solara.use_reactive(None)
    labels = {calibrations.calibration_label(r): i for i, r in enumerate(table.itertuples())}
    label = chosen.value if chosen.value in labels else next(iter(labels))
    row = table.iloc[labels[label]]
    cal_id = int(row["id"])
    targets = solara.use_memo(lambda: calibrations.targets(reader, cal_id),
                              dependencies=[cal_id, version])
    fit = solara.use_memo(lambda: charts.spec(charts.calibration_fit(targets)),
                          dependencies=[cal_id, version])
    params = calibrations.best_params(row)
    with solara.Column():
        with solara.Row(style={"align-items": "center"}):
            solara.Select(label="Calibration", values=list(labels), value=label,
                          on_value=chosen.set, style={"min-width": "760px"})
            solara.Button("Reload", on_click=reload)
        solara.Text(
            f"Calibration #{cal_id} of zone {row['zone_code']} ({row['territory']}): "
            f"{row['trials']} trials ({row['sampler']}, best trial {row['best_trial']}), "
            f"{row['replications']} replication{'s' if row['replications'] != 1 else ''} "
            f"of {row['persons']:,} persons over {row['months']} months, seed {row['seed']}; "
            f"study {row['study_name']}.",
            classes=["ptce-calibration-info"])
        solara.Text(
            f"Loss {calibrations.fmt(row['best_loss'])}; over the fitted targets, median "
            f"absolute relative error {calibrations.fmt(row['median_abs_rel_error'], '.1%')} "
            f"and {calibrations.fmt(row['share_within'], '.0%')} within their uncertainty. "
            f"Report: {row['report'] or '-'}; calibrated territory: "
            f"{row['calibrated_file'] or '-'}.", style={"color": "#555"})
        with solara.Row(style={"align-items": "flex-start", "flex-wrap": "wrap"}):
            with solara.Column(style={"flex": "0 0 auto"}):
                if targets.empty:
                    solara.Warning(f"Calibration #{cal_id} has no stored target.")
                else:
                    Chart(fit)
            with solara.Column(style={"flex": "1 1 420px", "max-width": "560px"}):
                solara.Text("Parameter estimates (best trial)", style={"font-weight": "bold"})
                if params.empty:
                    solara.Text("No estimate stored.")
                else:
                    solara.DataFrame(params.assign(
                        estimate=params["estimate"].map(calibrations.fmt)), items_per_page=30)
        if not targets.empty:
            solara.Text("Targets (fitted ones enter the loss; validation ones are only "
                        "compared) and the simulated mean at the estimate with its "
                        "[low, high] over replications", style={"font-weight": "bold"})
            solara.DataFrame(calibrations.target_table(targets), items_per_page=20)
        with solara.Row():
            solara.FileDownload(lambda: targets.to_csv(index=False),
                                filename=f"calibration{cal_id}_targets.csv",
                                label="Targets (CSV)")
            solara.FileDownload(lambda: params.to_csv(index=False),
                                filename=f"calibration{cal_id}_parameters.csv",
                                label="Estimates (CSV)")
        SensitivityView(reader, str(row["territory"]), version)


@solara.component
def SensitivityView(reader: batches.Store, territory: str, version: int) -> None:
    """The stored sensitivity analyses (if any): indices with their 95 % intervals."""
    runs = solara.use_memo(lambda: calibrations.list_sensitivity(reader),
                           dependencies=[reader.url, version])
    chosen = solara.use_reactive(None)
    labels = {calibrations.sensitivity_label(r): i for i, r in enumerate(runs.itertuples())}
    default = next((lab for lab, i in labels.items() if runs.iloc[i]["scenario"] == territory),
                   next(iter(labels), None))
    label = chosen.value if chosen.value in labels else default
    row = runs.iloc[labels[label]] if label is not None else None
    run_id = int(row["id"]) if row is not None else None
    indices = solara.use_memo(
        lambda: None if run_id is None else calibrations.sensitivity_indices(reader, run_id),
        dependencies=[run_id, version])
    spec = solara.use_memo(
        lambda: None if indices is None or indices.empty else charts.spec(
            charts.sensitivity(indices, row["outcome"])),
        dependencies=[run_id, version])
    if row is None:
        solara.Text("No sensitivity analysis is stored (`ptce sensitivity SCENARIO --outcome "
                    "NAME --db URL` makes one).", style={"color": "#666"})
        return
    solara.Text("Sensitivity analysis", style={"font-weight": "bold", "margin-top": "12px"})
    solara.Select(label="Sensitivity analysis", values=list(labels), value=label,
                  on_value=chosen.set, style={"max-width": "760px"})
    retained = row["retained"] or []
    solara.Text(f"Morris screening, then Sobol on the retained factors "
                f"({', '.join(retained) or 'none'}).", style={"color": "#555"})
    if spec is None:
        solara.Warning(f"Sensitivity analysis #{run_id} has no stored index.")
    else:
        Chart(spec)


routes = [
    solara.Route(path="/", component=Explore, label="Explore"),
    solara.Route(path="compare", component=Compare, label="Compare"),
    solara.Route(path="calibration", component=Calibration, label="Calibration"),
]
