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


def difference_over_time(result: RunResult, counterfactual: RunResult,
                         lang: str = "en") -> alt.Chart:
    """The effect month by month: the PTCE scenario minus the same territory without it, same
    seed (one pair, so no interval: the Report button's replications give them), for the
    indicators of :data:`EFFECT_SERIES`; differences of rates in percentage points."""
    from dashboards import names as model_names

    frames = []
    for col in EFFECT_SERIES:
        factor = 100.0 if model_names.kind(col) == "share" else 1.0
        unit = (("points de pourcentage" if lang != "en" else "percentage points")
                if factor != 1.0 else i18n.t("chart.persons", lang))
        diff = (result.series[col] - counterfactual.series[col]) * factor
        frames.append(pd.DataFrame({
            "month": diff.index.to_numpy(), "difference": diff.to_numpy(dtype=float),
            "indicator": f"{i18n.words(i18n.EFFECT_SERIES, col, lang)} ({unit})"}))
    data = pd.concat(frames, ignore_index=True)
    month, value = i18n.t("chart.month", lang), i18n.t("chart.diff_value", lang)
    line = alt.Chart().mark_line(color="#1f4e79").encode(
        x=alt.X("month:Q", title=month), y=alt.Y("difference:Q", title=value),
        tooltip=[alt.Tooltip("month:Q", title=month),
                 alt.Tooltip("indicator:N", title=i18n.t("chart.indicator", lang)),
                 alt.Tooltip("difference:Q", format=".3~r", title=value)])
    zero = alt.Chart().mark_rule(color="#444444").encode(y=alt.datum(0))
    return alt.layer(line, zero, data=data).properties(width=240, height=180).facet(
        column=alt.Column("indicator:N", title=None), title=i18n.t("chart.difference", lang)
    ).resolve_scale(y="independent")


def decomposition(parts: dict[str, float], lang: str = "en") -> alt.Chart:
    """Gross effect, displacement and net effect on durable jobs of one pair, side by side
    (one pair, so no interval: the Report button's replications give them)."""
    keys = ("gross_durable_jobs_treated", "displacement_durable_jobs", "net_durable_jobs")
    data = pd.DataFrame({"part": [i18n.t(f"chart.{k}", lang) for k in keys],
                         "value": [float(parts[k]) for k in keys],
                         "colour": ["#1f6f66", "#b5482b", "#1d2a33"]})
    part, value = i18n.t("chart.part", lang), i18n.t("chart.persons_durable", lang)
    bars = alt.Chart().mark_bar().encode(
        x=alt.X("part:N", title=None, sort=list(data["part"]), axis=alt.Axis(labelAngle=0)),
        y=alt.Y("value:Q", title=value), color=alt.Color("colour:N", scale=None),
        tooltip=[alt.Tooltip("part:N", title=part),
                 alt.Tooltip("value:Q", format=".1f", title=value)])
    zero = alt.Chart().mark_rule(color="#444444").encode(y=alt.datum(0))
    title = i18n.t("chart.decomposition", lang,
                   treated=i18n.number(parts["treated_persons"], 0, lang))
    return alt.layer(bars, zero, data=data).properties(width=WIDTH, height=200, title=title)


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

def _axis_for(name: str) -> alt.Axis | None:
    from dashboards import names

    return alt.Axis(format="%") if names.kind(name) == "share" else None


def series_bands(summary: pd.DataFrame, name: str, lang: str = "en",
                 title: str | None = None) -> alt.Chart:
    """Mean and 95 % band of one series per scenario. ``summary`` has columns
    ``scenario, month, mean, lower, upper`` (see :func:`dashboards.batches.series_summary`);
    ``name`` is the series' model name (its words come from :mod:`dashboards.i18n`)."""
    words = i18n.indicator(name, lang, series=True)
    scen = list(dict.fromkeys(summary["scenario"]))
    scale = alt.Scale(domain=scen, range=SCENARIO_COLOURS[: len(scen)] or SCENARIO_COLOURS)
    scenario, month = i18n.t("col.scenario", lang), i18n.t("cmp.month", lang)
    base = alt.Chart(summary).encode(
        x=alt.X("month:Q", title=month),
        color=alt.Color("scenario:N", scale=scale, title=scenario))
    band = base.mark_area(opacity=0.25).encode(
        y=alt.Y("lower:Q", title=words, axis=_axis_for(name)), y2="upper:Q")
    num = ".2%" if _axis_for(name) is not None else ".4~r"
    line = base.mark_line().encode(
        y="mean:Q", tooltip=[alt.Tooltip("scenario:N", title=scenario),
                             alt.Tooltip("month:Q", title=month),
                             alt.Tooltip("mean:Q", format=num, title=i18n.t("cmp.mean", lang)),
                             alt.Tooltip("lower:Q", format=num,
                                         title=i18n.t("cmp.lower", lang)),
                             alt.Tooltip("upper:Q", format=num,
                                         title=i18n.t("cmp.upper", lang))])
    return alt.layer(band, line, title=title or i18n.t("cmp.bands", lang, name=words)
                     ).properties(width=WIDTH + 80, height=260)


def _difference_scale(name: str, lang: str) -> tuple[float, str]:
    """Differences of a rate are drawn in percentage points (x 100); others as they are."""
    from dashboards import names

    if names.kind(name) == "share":
        return 100.0, ("points de pourcentage" if lang != "en" else "percentage points")
    return 1.0, i18n.t("chart.diff_value", lang)


def series_difference(diff: pd.DataFrame, name: str, baseline: str, lang: str = "en"
                      ) -> alt.Chart:
    """Paired difference of one series against ``baseline``, month by month, with its 95 %
    band. ``diff`` is :func:`dashboards.batches.series_differences` (``scenario, month,
    difference, lower, upper, n``); differences of rates are drawn in percentage points."""
    words = i18n.indicator(name, lang, series=True)
    factor, unit = _difference_scale(name, lang)
    data = diff.copy()
    for col in ("difference", "lower", "upper"):
        data[col] = data[col] * factor
    scen = list(dict.fromkeys(data["scenario"]))
    scale = alt.Scale(domain=scen, range=SCENARIO_COLOURS[1: len(scen) + 1])
    scenario, month = i18n.t("col.scenario", lang), i18n.t("cmp.month", lang)
    base = alt.Chart(data).encode(
        x=alt.X("month:Q", title=month),
        color=alt.Color("scenario:N", scale=scale, title=scenario))
    band = base.mark_area(opacity=0.25).encode(y=alt.Y("lower:Q", title=unit), y2="upper:Q")
    line = base.mark_line().encode(
        y="difference:Q",
        tooltip=[alt.Tooltip("scenario:N", title=scenario), alt.Tooltip("month:Q", title=month),
                 alt.Tooltip("difference:Q", format=".3~r", title=i18n.t("col.diff", lang)),
                 alt.Tooltip("lower:Q", format=".3~r", title=i18n.t("cmp.lower", lang)),
                 alt.Tooltip("upper:Q", format=".3~r", title=i18n.t("cmp.upper", lang))])
    zero = alt.Chart(pd.DataFrame({"y": [0.0]})).mark_rule(color="#444444").encode(y="y:Q")
    return alt.layer(band, line, zero, title=i18n.t("cmp.diff_bands", lang, name=words,
                                                     base=baseline)
                     ).properties(width=WIDTH + 80, height=220)


def outcome_differences(table: pd.DataFrame, name: str, baseline: str, lang: str = "en"
                        ) -> alt.Chart:
    """Each design point's paired difference of outcome ``name`` against ``baseline`` with
    its 95 % interval (``table``: ``label, difference, diff_lower, diff_upper``)."""
    words = i18n.indicator(name, lang)
    factor, unit = _difference_scale(name, lang)
    data = pd.DataFrame({"scenario": table["label"],
                         "difference": table["difference"] * factor,
                         "lower": table["diff_lower"] * factor,
                         "upper": table["diff_upper"] * factor})
    scenario = i18n.t("col.scenario", lang)
    y = alt.Y("scenario:N", title=None, sort=None)
    tip = [alt.Tooltip("scenario:N", title=scenario),
           alt.Tooltip("difference:Q", format=".3~r", title=i18n.t("col.diff", lang)),
           alt.Tooltip("lower:Q", format=".3~r", title=i18n.t("cmp.lower", lang)),
           alt.Tooltip("upper:Q", format=".3~r", title=i18n.t("cmp.upper", lang))]
    rule = alt.Chart(data).mark_rule(color="#1f4e79", strokeWidth=3).encode(
        y=y, x=alt.X("lower:Q", title=unit), x2="upper:Q", tooltip=tip)
    dot = alt.Chart(data).mark_point(filled=True, size=80, color="#1f4e79").encode(
        y=y, x="difference:Q", tooltip=tip)
    zero = alt.Chart(pd.DataFrame({"x": [0.0]})).mark_rule(color="#444444").encode(x="x:Q")
    return alt.layer(rule, dot, zero, title=i18n.t("cmp.diff_outcome", lang, name=words,
                                                    base=baseline)
                     ).properties(width=WIDTH, height=max(60, 40 * len(data)))


def outcome_distribution(values: pd.DataFrame, name: str, lang: str = "en") -> alt.Chart:
    """One outcome over replications, per scenario (``values``: ``scenario, value``)."""
    words = i18n.indicator(name, lang)
    scen = list(dict.fromkeys(values["scenario"]))
    scale = alt.Scale(domain=scen, range=SCENARIO_COLOURS[: len(scen)] or SCENARIO_COLOURS)
    box = alt.Chart(values).mark_boxplot(extent="min-max", opacity=0.5).encode(
        y=alt.Y("scenario:N", title=None), x=alt.X("value:Q", title=words,
                                                   scale=alt.Scale(zero=False),
                                                   axis=_axis_for(name)),
        color=alt.Color("scenario:N", scale=scale, legend=None))
    num = ".2%" if _axis_for(name) is not None else ".4~r"
    dots = alt.Chart(values).mark_tick(thickness=2).encode(
        y="scenario:N", x="value:Q", color=alt.Color("scenario:N", scale=scale, legend=None),
        tooltip=[alt.Tooltip("scenario:N", title=i18n.t("col.scenario", lang)),
                 alt.Tooltip("replication:Q", title=i18n.t("cmp.replication", lang)),
                 alt.Tooltip("value:Q", format=num, title=i18n.t("cmp.value", lang))])
    return alt.layer(box, dots, title=i18n.t("cmp.distribution", lang, name=words)).properties(
        width=WIDTH, height=max(60, 40 * len(scen)))


# ----------------------------------------------------------------------------- calibration

#: Mark -> colour of the calibration chart.
FIT_COLOURS: dict[str, str] = {"target ± uncertainty": "#4e79a7",
                               "simulated [low, high]": "#e15759"}
#: Method -> colour of the sensitivity chart.
SENSITIVITY_COLOURS: dict[str, str] = {"morris": "#f28e2b", "sobol": "#59a14f"}


#: Sensitivity index -> how it is written (the usual notation, in both languages).
INDEX_NAMES: dict[tuple[str, str], str] = {
    ("morris", "mu_star"): "Morris μ*", ("morris", "sigma"): "Morris σ",
    ("sobol", "S1"): "Sobol S1", ("sobol", "ST"): "Sobol ST",
}


def calibration_fit(targets: pd.DataFrame, title: str | None = None, lang: str = "en"
                    ) -> alt.Chart:
    """Per target, the target with its uncertainty and the simulated mean with its
    [low, high] interval over replications, each target on its own axis (their units differ).
    ``targets`` is :func:`dashboards.calibrations.targets` (``name, role, value, target_low,
    target_high, simulated, simulated_low, simulated_high``, ...), one row per target; each
    target is named in words (``name`` keeps the model's name)."""
    import json

    keep = ["name", "role", "value", "uncertainty", "target_low", "target_high", "simulated",
            "simulated_low", "simulated_high", "relative_error", "within"]
    data = targets[[c for c in keep if c in targets]].copy()
    data["within"] = [None if w is None or (isinstance(w, float) and np.isnan(w))
                      else i18n.t("yes" if w else "no", lang)
                      for w in data.get("within", [None] * len(data))]
    data["within"] = data["within"].astype(object)
    validation = i18n.t("cal.validation", lang)
    data["target"] = [i18n.indicator(n, lang) if r == "fitted"
                      else f"{i18n.indicator(n, lang)} ({validation})"
                      for n, r in zip(data["name"], data["role"], strict=True)]
    data["role"] = [i18n.t("cal.fitted" if r == "fitted" else "cal.validation", lang)
                    for r in data["role"]]
    order = list(data["target"])
    target_mark, sim_mark = i18n.t("cal.target_mark", lang), i18n.t("cal.sim_mark", lang)
    colours = dict(zip((target_mark, sim_mark), FIT_COLOURS.values(), strict=True))
    colour = alt.Color("mark:N", title=None, scale=_scale(colours),
                       legend=alt.Legend(orient="top"))
    y = alt.Y("mark:N", title=None, axis=None, sort=list(colours))
    num = ".4~r"
    tt = lambda key: i18n.t(key, lang)  # noqa: E731
    tip = [alt.Tooltip("target:N", title=tt("tcol.target")),
           alt.Tooltip("role:N", title=tt("tcol.role")),
           alt.Tooltip("value:Q", format=num, title=tt("tcol.value")),
           alt.Tooltip("uncertainty:Q", format=num, title=tt("tcol.uncertainty")),
           alt.Tooltip("simulated:Q", format=num, title=tt("tcol.simulated")),
           alt.Tooltip("simulated_low:Q", format=num, title=tt("cmp.lower")),
           alt.Tooltip("simulated_high:Q", format=num, title=tt("cmp.upper")),
           alt.Tooltip("relative_error:Q", format="+.1%", title=tt("tcol.error")),
           alt.Tooltip("within:N", title=tt("tcol.within"))]
    x_axis = alt.Axis(tickCount=4, labelFontSize=9, title=None)
    target = alt.Chart().transform_calculate(mark=json.dumps(target_mark)).encode(
        y=y, color=colour, tooltip=tip)
    target_rule = target.mark_rule(strokeWidth=3).encode(
        x=alt.X("target_low:Q", axis=x_axis, scale=alt.Scale(zero=False, padding=8)),
        x2="target_high:Q")
    target_dot = target.mark_tick(thickness=2, size=12).encode(x="value:Q")
    sim = alt.Chart().transform_filter("isValid(datum.simulated)").transform_calculate(
        mark=json.dumps(sim_mark)).encode(y=y, color=colour, tooltip=tip)
    sim_rule = sim.mark_rule(strokeWidth=3).encode(x="simulated_low:Q", x2="simulated_high:Q")
    sim_dot = sim.mark_point(filled=True, size=40, opacity=1).encode(x="simulated:Q")
    return alt.layer(target_rule, target_dot, sim_rule, sim_dot, data=data).properties(
        width=400, height=20).facet(
        row=alt.Row("target:N", sort=order, title=None,
                    header=alt.Header(labelAngle=0, labelAlign="left", labelLimit=260,
                                      labelFontSize=11)),
        title=title or i18n.t("cal.fit_title", lang), spacing=2,
    ).resolve_scale(x="independent")


def sensitivity(indices: pd.DataFrame, outcome: str, lang: str = "en") -> alt.Chart:
    """Sensitivity indices of ``outcome`` per factor with their 95 % intervals: Morris
    mu_star and sigma, Sobol S1 and ST, one panel per index (``indices`` is
    :func:`dashboards.calibrations.sensitivity_indices`)."""
    data = indices.copy()
    data["index"] = [INDEX_NAMES.get((m, i), f"{m} {i}")
                     for m, i in zip(data["method"], data["index_name"], strict=True)]
    # an index without an interval (Morris sigma) gets an empty one, so that every panel's
    # scale has a finite extent
    data["low"] = data["low"].fillna(data["value"])
    data["high"] = data["high"].fillna(data["value"])
    data["method"] = data["method"].str.capitalize()
    panels = list(dict.fromkeys(data["index"]))
    colours = {k.capitalize(): c for k, c in SENSITIVITY_COLOURS.items()}
    factor, index = i18n.t("sens.factor", lang), i18n.t("sens.index", lang)
    base = alt.Chart().encode(y=alt.Y("factor:N", title=None, sort=None))
    bars = base.mark_bar(opacity=0.8).encode(
        x=alt.X("value:Q", title=None),
        color=alt.Color("method:N", scale=_scale(colours),
                        title=i18n.t("sens.method_axis", lang)),
        tooltip=[alt.Tooltip("index:N", title=index), alt.Tooltip("factor:N", title=factor),
                 alt.Tooltip("value:Q", format=".4~r", title=i18n.t("cmp.value", lang)),
                 alt.Tooltip("conf:Q", format=".3~r", title="± (95 %)")])
    errors = base.mark_rule(
        color="#333333", strokeWidth=1.5).encode(x="low:Q", x2="high:Q")
    return alt.layer(bars, errors, data=data).properties(width=260, height=max(
        60, 16 * data["factor"].nunique())).facet(
        facet=alt.Facet("index:N", sort=panels, title=None), columns=2,
        title=i18n.t("sens.chart", lang, outcome=i18n.indicator(outcome, lang)),
    ).resolve_scale(x="independent", y="independent")


# ----------------------------------------------------------------------------- optimise

#: Set -> colour of the Pareto chart (the front dark enough to read on white: 4.8:1).
PARETO_COLOURS: dict[str, str] = {"tried": "#9e9e9e", "over": "#c0392b", "front": "#1b7a6e",
                                  "fresh": "#264653"}


def _effect_words(name: str, lang: str) -> str:
    from experiments.results import french

    label = french.LABELS[name]
    lg = "en" if lang == "en" else "fr"
    unit = label.unit(lg)
    if label.kind == "share":
        unit = "points de pourcentage" if lg == "fr" else "percentage points"
    return f"{label.text(lg)} ({unit})" if unit else label.text(lg)


def pareto(front: Any, lang: str = "en") -> alt.Chart:
    """A stored Pareto front (:class:`dashboards.optimise_store.Front`): the first two
    objectives on the axes (one objective: the yearly cost and the objective), every trial in
    grey, those over the budget in red, the front with its 95 % intervals and, when stored,
    the same mixes on fresh seeds. Differences of rates are drawn in percentage points."""
    from experiments.results import french

    objs = list(front.objectives)
    x, y = (objs[0], objs[1]) if len(objs) >= 2 else (None, objs[0])

    def factor(name: str | None) -> float:
        return 100.0 if name is not None and french.LABELS[name].kind == "share" else 1.0

    names = {k: i18n.t(f"opt.{k}", lang) for k in PARETO_COLOURS}
    frames = []
    parts = [("front", front.pareto)]
    if front.fresh is not None and len(front.fresh):
        parts.append(("fresh", front.fresh))
    trials = front.trials
    if trials is not None and len(trials) and "feasible" in trials:
        feasible = trials["feasible"].astype(str).str.lower() == "true"
        parts = [("tried", trials[feasible]), ("over", trials[~feasible]), *parts]
    for key, frame in parts:
        if frame is None or not len(frame):
            continue
        data = pd.DataFrame({
            "set": names[key], "trial": frame["trial"].astype(int),
            "x": (frame["yearly_cost"] if x is None else frame[f"{x}_mean"] * factor(x)),
            "x_low": (frame["yearly_cost"] if x is None
                      else frame[f"{x}_ci_low"] * factor(x)),
            "x_high": (frame["yearly_cost"] if x is None
                       else frame[f"{x}_ci_high"] * factor(x)),
            "y": frame[f"{y}_mean"] * factor(y), "y_low": frame[f"{y}_ci_low"] * factor(y),
            "y_high": frame[f"{y}_ci_high"] * factor(y),
            "cost": frame["yearly_cost"]})
        frames.append(data)
    data = pd.concat(frames, ignore_index=True)
    x_title = i18n.t("opt.cost_axis", lang) if x is None else _effect_words(x, lang)
    y_title = _effect_words(y, lang)
    colours = {names[k]: c for k, c in PARETO_COLOURS.items()}
    colour = alt.Color("set:N", scale=_scale(colours), title=i18n.t("opt.set", lang))
    tip = [alt.Tooltip("set:N", title=i18n.t("opt.set", lang)),
           alt.Tooltip("trial:Q", title=i18n.t("ocol.trial", lang)),
           alt.Tooltip("x:Q", format=".3~r", title=x_title),
           alt.Tooltip("y:Q", format=".3~r", title=y_title),
           alt.Tooltip("cost:Q", format=",.0f", title=i18n.t("ocol.cost", lang))]
    base = alt.Chart(data)
    dots = base.mark_point(filled=True, size=60).encode(
        x=alt.X("x:Q", title=x_title, scale=alt.Scale(zero=False)),
        y=alt.Y("y:Q", title=y_title, scale=alt.Scale(zero=False)),
        color=colour, shape=alt.Shape("set:N", title=i18n.t("opt.set", lang), scale=alt.Scale(
            domain=list(colours), range=["circle", "cross", "circle", "square"])),
        tooltip=tip)
    bars = base.transform_filter(
        alt.FieldOneOfPredicate(field="set", oneOf=[names["front"], names["fresh"]]))
    y_bars = bars.mark_rule().encode(x="x:Q", y="y_low:Q", y2="y_high:Q", color=colour)
    layers = [y_bars, dots]
    if x is not None:
        layers.insert(0, bars.mark_rule().encode(y="y:Q", x="x_low:Q", x2="x_high:Q",
                                                 color=colour))
    return alt.layer(*layers, title=i18n.t("opt.chart", lang)).properties(
        width=WIDTH + 80, height=340)
