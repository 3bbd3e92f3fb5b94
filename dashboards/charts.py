"""Altair charts of one run (Explore page) and of stored batches (Compare page).

Every function takes results and returns an ``alt.Chart`` whose data is computed here in pandas
(aggregated, so a chart never embeds one row per person: Altair refuses more than 5,000 rows
and the browser would pay for them). Colours are hex codes: Altair ignores matplotlib names.
"""

from __future__ import annotations

from typing import Any

import altair as alt
import numpy as np
import pandas as pd

from dashboards import i18n
from model import RunResult

#: State -> colour (Tableau 10, as hex); their words are in dashboards.i18n.STATES.
STATE_COLOURS: dict[str, str] = {
    "n_employed_durable": "#4e79a7",
    "n_employed_temp": "#76b7b2",
    "n_self_employed": "#59a14f",
    "n_siae": "#f28e2b",
    "n_training": "#edc948",
    "n_unemployed": "#e15759",
    "n_inactive": "#bab0ac",
}
OUTCOME_COLOURS: dict[str, str] = {
    "DURABLE": "#4e79a7", "TRANSITION": "#76b7b2", "POSITIVE": "#59a14f", "OTHER": "#bab0ac",
}
SCENARIO_COLOURS = ["#4e79a7", "#e15759", "#59a14f", "#f28e2b", "#b07aa1", "#76b7b2",
                    "#edc948", "#ff9da7", "#9c755f", "#bab0ac"]
WITH_PTCE, WITHOUT_PTCE = "with the PTCE", "counterfactual (no PTCE)"  # English labels

#: Career-security indicators of ``RunResult.careers`` (column -> label).
CAREER_INDICATORS: dict[str, str] = {
    "share_months_employed": "share of months employed",
    "breaks": "breaks into unemployment",
    "longest_unemployment": "longest unemployment spell (months)",
    "months_durable": "months in durable jobs",
    "qualification_gained": "qualification levels gained",
}

WIDTH = 520


def _scale(mapping: dict[str, str]) -> alt.Scale:
    return alt.Scale(domain=list(mapping), range=list(mapping.values()))


def spec(chart: alt.Chart, lang: str = "en") -> dict[str, Any]:
    """The Vega-Lite spec of ``chart`` for the page's Vega-Lite 5 (built without the slow
    schema validation; the charts here are fixed and tested). Missing numbers (NaN, which
    Altair keeps and JSON cannot carry: the browser would drop the whole message) become
    nulls."""
    out = chart.to_dict(validate=False)
    out["$schema"] = "https://vega.github.io/schema/vega-lite/v5.json"
    locale = i18n.vega_locale(lang)
    if locale is not None:  # French axis numbers: 12,5 %, 20 000
        out.setdefault("config", {})["locale"] = {"number": locale}
    for name, rows in out.get("datasets", {}).items():
        out["datasets"][name] = [
            {k: None if isinstance(x, float) and not np.isfinite(x) else x
             for k, x in row.items()} for row in rows]
    return out


def stocks(result: RunResult, lang: str = "en") -> alt.Chart:
    """Persons by state, stacked, per month."""
    cols = [c for c in STATE_COLOURS if c in result.series]
    names = {c: i18n.words(i18n.STATES, c, lang) for c in cols}
    data = (result.series[cols].rename(columns=names).rename_axis("month").reset_index()
            .melt("month", var_name="state", value_name="persons"))
    labels = {names[c]: STATE_COLOURS[c] for c in cols}
    month, persons, state = (i18n.t(k, lang) for k in
                             ("chart.month", "chart.persons", "chart.state"))
    return alt.Chart(data, title=i18n.t("chart.stocks", lang)).mark_area().encode(
        x=alt.X("month:Q", title=month),
        y=alt.Y("persons:Q", stack=True, title=persons),
        color=alt.Color("state:N", scale=_scale(labels), sort=list(labels), title=state),
        order=alt.Order("order:Q"),
        tooltip=[alt.Tooltip("month:Q", title=month), alt.Tooltip("state:N", title=state),
                 alt.Tooltip("persons:Q", title=persons)],
    ).transform_calculate(order=f"indexof({list(labels)!r}, datum.state)").properties(
        width=WIDTH, height=260)


#: Indicators compared between the scenario and its counterfactual (column -> label).
EFFECT_SERIES: dict[str, str] = {
    "n_employed_durable": "persons in a durable job",
    "unemployment_rate": "unemployment rate",
    "long_term_unemployed_share": "long-term share of the unemployed",
}


def versus_counterfactual(result: RunResult, counterfactual: RunResult,
                          lang: str = "en") -> alt.Chart:
    """The PTCE scenario against the same territory without it, same seed (DESIGN 3.2)."""
    names = {c: i18n.words(i18n.EFFECT_SERIES, c, lang) for c in EFFECT_SERIES}
    with_, without = i18n.t("chart.with", lang), i18n.t("chart.without", lang)
    frames = []
    for label, res in ((with_, result), (without, counterfactual)):
        part = res.series[list(EFFECT_SERIES)].rename(columns=names)
        part = part.rename_axis("month").reset_index().melt(
            "month", var_name="indicator", value_name="value")
        part["scenario"] = label
        frames.append(part)
    data = pd.concat(frames, ignore_index=True)
    colours = {with_: "#4e79a7", without: "#bab0ac"}
    month, scenario = i18n.t("chart.month", lang), i18n.t("chart.scenario", lang)
    return alt.Chart(data).mark_line().encode(
        x=alt.X("month:Q", title=month), y=alt.Y("value:Q", title=None),
        color=alt.Color("scenario:N", scale=_scale(colours), title=scenario),
        tooltip=[alt.Tooltip("month:Q", title=month), alt.Tooltip("scenario:N", title=scenario),
                 alt.Tooltip("value:Q", format=".3f", title=i18n.t("chart.value", lang))],
    ).properties(width=240, height=180).facet(
        column=alt.Column("indicator:N", title=None), title=i18n.t("chart.versus", lang)
    ).resolve_scale(y="independent")


def iae_exits(result: RunResult, lang: str = "en") -> alt.Chart:
    """SIAE exit outcomes (sortie dynamique categories) by structure type, as shares."""
    exits = result.iae_exits
    if exits.empty:
        data = pd.DataFrame({"siae_type": [], "outcome": [], "exits": [], "share": []})
    else:
        data = (exits.groupby(["siae_type", "outcome"], observed=True).size()
                .rename("exits").reset_index())
        data["siae_type"] = data["siae_type"].astype(str)
        data["outcome"] = [i18n.words(i18n.EXIT_OUTCOMES, str(o), lang)
                           if str(o) in i18n.EXIT_OUTCOMES else str(o) for o in data["outcome"]]
        data["share"] = data["exits"] / data.groupby("siae_type")["exits"].transform("sum")
    colours = {i18n.words(i18n.EXIT_OUTCOMES, k, lang): c for k, c in OUTCOME_COLOURS.items()}
    structure, share, outcome, count = (i18n.t(k, lang) for k in (
        "chart.structure", "chart.exit_share", "chart.exit_outcome", "chart.exit_count"))
    return alt.Chart(data, title=i18n.t("chart.exits", lang)).mark_bar().encode(
        y=alt.Y("siae_type:N", title=structure, sort=["ACI", "EI", "ETTI", "AI"]),
        x=alt.X("share:Q", stack="normalize", title=share, axis=alt.Axis(format="%")),
        color=alt.Color("outcome:N", scale=_scale(colours), sort=list(colours), title=outcome),
        order=alt.Order("order:Q"),
        tooltip=[alt.Tooltip("siae_type:N", title=structure),
                 alt.Tooltip("outcome:N", title=outcome), alt.Tooltip("exits:Q", title=count),
                 alt.Tooltip("share:Q", format=".1%", title=share)],
    ).transform_calculate(order=f"indexof({list(colours)!r}, datum.outcome)").properties(
        width=WIDTH, height=140)


def career_histogram(careers: pd.DataFrame, bins: int = 20, lang: str = "en") -> pd.DataFrame:
    """Per indicator, the number of persons in each bin: columns
    ``indicator, lower, upper, persons`` (one row per non-empty bin)."""
    rows = []
    for col in CAREER_INDICATORS:
        if col not in careers:
            continue
        label = i18n.words(i18n.CAREER_INDICATORS, col, lang)
        values = careers[col].to_numpy(dtype=float)
        if values.size == 0:
            continue
        lo, hi = float(values.min()), float(values.max())
        integer = bool(np.all(np.mod(values, 1) == 0))
        if integer and hi - lo <= bins:
            edges = np.arange(lo, hi + 2) - 0.5
        else:
            edges = np.linspace(lo, hi if hi > lo else lo + 1, bins + 1)
        counts, edges = np.histogram(values, bins=edges)
        for k in np.flatnonzero(counts):
            rows.append((label, edges[k], edges[k + 1], int(counts[k])))
    return pd.DataFrame(rows, columns=["indicator", "lower", "upper", "persons"])


def careers(result: RunResult, lang: str = "en") -> alt.Chart:
    """Distribution over persons of each career-security indicator (DESIGN 4.5)."""
    data = career_histogram(result.careers, lang=lang)
    persons = i18n.t("chart.persons", lang)
    return alt.Chart(data).mark_bar(color="#4e79a7").encode(
        x=alt.X("lower:Q", title=None, bin="binned"), x2="upper:Q",
        y=alt.Y("persons:Q", title=persons),
        tooltip=[alt.Tooltip("indicator:N", title=i18n.t("chart.indicator", lang)),
                 alt.Tooltip("lower:Q", format=".2f", title=i18n.t("chart.from", lang)),
                 alt.Tooltip("upper:Q", format=".2f", title=i18n.t("chart.to", lang)),
                 alt.Tooltip("persons:Q", title=persons)],
    ).properties(width=220, height=140).facet(
        facet=alt.Facet("indicator:N", title=None), columns=3,
        title=i18n.t("chart.careers", lang),
    ).resolve_scale(x="independent", y="independent")


def beveridge(result: RunResult, counterfactual: RunResult | None = None,
              lang: str = "en") -> alt.Chart:
    """Vacancy rate against unemployment rate, month by month (the Beveridge curve)."""
    frames = []
    first = i18n.t("chart.with" if counterfactual is not None else "chart.run", lang)
    for label, res in ((first, result), (i18n.t("chart.without", lang), counterfactual)):
        if res is None:
            continue
        part = res.series[["unemployment_rate", "vacancy_rate"]].rename_axis("month").reset_index()
        part["scenario"] = label
        frames.append(part)
    data = pd.concat(frames, ignore_index=True)
    month, scenario = i18n.t("chart.month", lang), i18n.t("chart.scenario", lang)
    u, vac = i18n.t("chart.unemployment_rate", lang), i18n.t("chart.vacancy_rate", lang)
    base = alt.Chart(data).encode(
        x=alt.X("unemployment_rate:Q", title=u, scale=alt.Scale(zero=False),
                axis=alt.Axis(format="%")),
        y=alt.Y("vacancy_rate:Q", title=vac, scale=alt.Scale(zero=False),
                axis=alt.Axis(format="%")),
        order="month:Q",
        tooltip=[alt.Tooltip("month:Q", title=month), alt.Tooltip("scenario:N", title=scenario),
                 alt.Tooltip("unemployment_rate:Q", format=".2%", title=u),
                 alt.Tooltip("vacancy_rate:Q", format=".2%", title=vac)],
    )
    line = base.mark_line(color="#bab0ac", opacity=0.6)
    points = base.mark_circle(size=30).encode(
        color=alt.Color("month:Q", scale=alt.Scale(range=["#c6dbef", "#08306b"]), title=month),
        shape=alt.Shape("scenario:N", title=scenario))
    return alt.layer(line, points, title=i18n.t("chart.beveridge", lang)).properties(
        width=WIDTH, height=260)


def trust_network(graph: Any, seed: int, lang: str = "en") -> alt.Chart:
    """The PTCE members' trust network at the end of the run (a networkx graph whose edges
    carry ``weight``); the layout is seeded so that the same run draws the same picture."""
    import networkx as nx

    pos = nx.spring_layout(graph, seed=seed, weight="weight")
    nodes = pd.DataFrame([
        {"node": str(n), "x": float(pos[n][0]), "y": float(pos[n][1]),
         "kind": str(d.get("kind", "member")), "degree": graph.degree(n)}
        for n, d in graph.nodes(data=True)])
    edges = pd.DataFrame([
        {"edge": i, "x": float(pos[a][0]), "y": float(pos[a][1]),
         "weight": float(d.get("weight", 1.0))}
        for i, (a, b, d) in enumerate(graph.edges(data=True))
    ] + [
        {"edge": i, "x": float(pos[b][0]), "y": float(pos[b][1]),
         "weight": float(d.get("weight", 1.0))}
        for i, (a, b, d) in enumerate(graph.edges(data=True))
    ], columns=["edge", "x", "y", "weight"])
    axis = alt.Axis(labels=False, ticks=False, grid=False, title=None, domain=False)
    lines = alt.Chart(edges).mark_line(color="#9c755f").encode(
        x=alt.X("x:Q", axis=axis), y=alt.Y("y:Q", axis=axis), detail="edge:N",
        opacity=alt.Opacity("weight:Q", scale=alt.Scale(domain=[0, 1], range=[0.1, 1.0])),
        strokeWidth=alt.StrokeWidth("weight:Q", scale=alt.Scale(domain=[0, 1], range=[0.5, 4])))
    dots = alt.Chart(nodes).mark_circle(size=120).encode(
        x="x:Q", y="y:Q",
        color=alt.Color("kind:N", scale=alt.Scale(range=SCENARIO_COLOURS),
                        title=i18n.t("chart.kind", lang)),
        tooltip=[alt.Tooltip("node:N", title=i18n.t("chart.member", lang)),
                 alt.Tooltip("kind:N", title=i18n.t("chart.kind", lang)),
                 alt.Tooltip("degree:Q", title=i18n.t("chart.degree", lang))])
    return alt.layer(lines, dots, title=i18n.t("chart.trust", lang)).properties(
        width=WIDTH, height=320)


# ----------------------------------------------------------------------------- batches

def series_bands(summary: pd.DataFrame, name: str) -> alt.Chart:
    """Mean and 95 % band of one series per scenario. ``summary`` has columns
    ``scenario, month, mean, lower, upper`` (see :func:`dashboards.batches.series_summary`)."""
    scen = list(dict.fromkeys(summary["scenario"]))
    scale = alt.Scale(domain=scen, range=SCENARIO_COLOURS[: len(scen)] or SCENARIO_COLOURS)
    base = alt.Chart(summary).encode(
        x=alt.X("month:Q"), color=alt.Color("scenario:N", scale=scale))
    band = base.mark_area(opacity=0.25).encode(y=alt.Y("lower:Q", title=name), y2="upper:Q")
    line = base.mark_line().encode(
        y="mean:Q", tooltip=["scenario:N", "month:Q", alt.Tooltip("mean:Q", format=".4g"),
                             alt.Tooltip("lower:Q", format=".4g"),
                             alt.Tooltip("upper:Q", format=".4g")])
    return alt.layer(band, line, title=f"{name}: mean and 95 % band over replications"
                     ).properties(width=WIDTH + 80, height=260)


def outcome_distribution(values: pd.DataFrame, name: str) -> alt.Chart:
    """One outcome over replications, per scenario (``values``: ``scenario, value``)."""
    scen = list(dict.fromkeys(values["scenario"]))
    scale = alt.Scale(domain=scen, range=SCENARIO_COLOURS[: len(scen)] or SCENARIO_COLOURS)
    box = alt.Chart(values).mark_boxplot(extent="min-max", opacity=0.5).encode(
        y=alt.Y("scenario:N", title=None), x=alt.X("value:Q", title=name,
                                                   scale=alt.Scale(zero=False)),
        color=alt.Color("scenario:N", scale=scale, legend=None))
    dots = alt.Chart(values).mark_tick(thickness=2).encode(
        y="scenario:N", x="value:Q", color=alt.Color("scenario:N", scale=scale, legend=None),
        tooltip=["scenario:N", "replication:Q", alt.Tooltip("value:Q", format=".4g")])
    return alt.layer(box, dots, title=f"{name} over replications").properties(
        width=WIDTH, height=max(60, 40 * len(scen)))


# ----------------------------------------------------------------------------- calibration

#: Mark -> colour of the calibration chart.
FIT_COLOURS: dict[str, str] = {"target ± uncertainty": "#4e79a7",
                               "simulated [low, high]": "#e15759"}
#: Method -> colour of the sensitivity chart.
SENSITIVITY_COLOURS: dict[str, str] = {"morris": "#f28e2b", "sobol": "#59a14f"}


def calibration_fit(targets: pd.DataFrame, title: str = "Targets against simulated values"
                    ) -> alt.Chart:
    """Per target, the target with its uncertainty and the simulated mean with its
    [low, high] interval over replications, each target on its own axis (their units differ).
    ``targets`` is :func:`dashboards.calibrations.targets` (``name, role, value, target_low,
    target_high, simulated, simulated_low, simulated_high``, ...), one row per target."""
    keep = ["name", "role", "value", "uncertainty", "target_low", "target_high", "simulated",
            "simulated_low", "simulated_high", "relative_error", "within"]
    data = targets[[c for c in keep if c in targets]].copy()
    data["within"] = [None if w is None or (isinstance(w, float) and np.isnan(w)) else bool(w)
                      for w in data.get("within", [None] * len(data))]
    data["within"] = data["within"].astype(object)
    data["target"] = [n if r == "fitted" else f"{n} (validation)"
                      for n, r in zip(data["name"], data["role"], strict=True)]
    order = list(data["target"])
    colour = alt.Color("mark:N", title=None, scale=_scale(FIT_COLOURS),
                       legend=alt.Legend(orient="top"))
    y = alt.Y("mark:N", title=None, axis=None, sort=list(FIT_COLOURS))
    num = ".4g"
    tip = ["target:N", "role:N", alt.Tooltip("value:Q", format=num),
           alt.Tooltip("uncertainty:Q", format=num), alt.Tooltip("simulated:Q", format=num),
           alt.Tooltip("simulated_low:Q", format=num),
           alt.Tooltip("simulated_high:Q", format=num),
           alt.Tooltip("relative_error:Q", format="+.1%"), "within:N"]
    x_axis = alt.Axis(tickCount=4, labelFontSize=9, title=None)
    target = alt.Chart().transform_calculate(mark="'target ± uncertainty'").encode(
        y=y, color=colour, tooltip=tip)
    target_rule = target.mark_rule(strokeWidth=3).encode(
        x=alt.X("target_low:Q", axis=x_axis, scale=alt.Scale(zero=False, padding=8)),
        x2="target_high:Q")
    target_dot = target.mark_tick(thickness=2, size=12).encode(x="value:Q")
    sim = alt.Chart().transform_filter("isValid(datum.simulated)").transform_calculate(
        mark="'simulated [low, high]'").encode(y=y, color=colour, tooltip=tip)
    sim_rule = sim.mark_rule(strokeWidth=3).encode(x="simulated_low:Q", x2="simulated_high:Q")
    sim_dot = sim.mark_point(filled=True, size=40, opacity=1).encode(x="simulated:Q")
    return alt.layer(target_rule, target_dot, sim_rule, sim_dot, data=data).properties(
        width=400, height=20).facet(
        row=alt.Row("target:N", sort=order, title=None,
                    header=alt.Header(labelAngle=0, labelAlign="left", labelLimit=230,
                                      labelFontSize=11)),
        title=title, spacing=2,
    ).resolve_scale(x="independent")


def sensitivity(indices: pd.DataFrame, outcome: str) -> alt.Chart:
    """Sensitivity indices of ``outcome`` per factor with their 95 % intervals: Morris
    mu_star and sigma, Sobol S1 and ST, one panel per index (``indices`` is
    :func:`dashboards.calibrations.sensitivity_indices`)."""
    data = indices.copy()
    data["index"] = [f"{m} {i}" for m, i in zip(data["method"], data["index_name"], strict=True)]
    # an index without an interval (Morris sigma) gets an empty one, so that every panel's
    # scale has a finite extent
    data["low"] = data["low"].fillna(data["value"])
    data["high"] = data["high"].fillna(data["value"])
    panels = list(dict.fromkeys(data["index"]))
    base = alt.Chart().encode(y=alt.Y("factor:N", title=None, sort=None))
    bars = base.mark_bar(opacity=0.8).encode(
        x=alt.X("value:Q", title=None),
        color=alt.Color("method:N", scale=_scale(SENSITIVITY_COLOURS), title="method"),
        tooltip=["index:N", "factor:N", alt.Tooltip("value:Q", format=".4g"),
                 alt.Tooltip("conf:Q", format=".3g", title="± (95 %)")])
    errors = base.mark_rule(
        color="#333333", strokeWidth=1.5).encode(x="low:Q", x2="high:Q")
    return alt.layer(bars, errors, data=data).properties(width=260, height=max(
        60, 16 * data["factor"].nunique())).facet(
        facet=alt.Facet("index:N", sort=panels, title=None), columns=2,
        title=f"Sensitivity of {outcome}: indices with 95 % intervals",
    ).resolve_scale(x="independent", y="independent")
