"""Calibration: targets from the data, the MSM loss, a known-answer recovery, resuming a
study, bad input, and the SALib sensitivity analysis (Ishigami known answer, model run)."""

from __future__ import annotations

import shutil
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
import yaml
from sqlalchemy import func, select
from typer.testing import CliRunner

from calibration.db import ensure_tables, sensitivity_index_table
from calibration.estimator import (
    DEFAULT_PARAMS,
    SIAE_OCCUPANCY,
    CalibrationError,
    ParamSpec,
    apply_params,
    calibrate,
    current_values,
    expand_values,
    load_param_specs,
    load_sampler_options,
    make_sampler,
    msm_loss,
    open_study,
    study_name_for,
)
from calibration.moments import compute_moments
from calibration.sensitivity import (
    ishigami,
    ishigami_indices,
    run_sensitivity,
    sobol_indices,
)
from calibration.targets import DATA_DIR, Target, TargetError, build_targets
from experiments.execution.executors import LocalExecutor
from experiments.store import open_store
from model import with_values
from scenarios import load_scenario

SHARED = Path(__file__).resolve().parents[2] / "shared" / "data"
SMALL = {"population.persons": 2000, "simulation.months": 24,
         "simulation.burn_in_months": 12, "simulation.record_spells": False}
SCENARIO = "territories/7503_bayonne"


@pytest.fixture(scope="module")
def executor():
    with LocalExecutor(1) as ex:
        yield ex


@pytest.fixture
def store(tmp_path):
    s = open_store(f"sqlite:///{tmp_path / 'calib.sqlite'}")
    ensure_tables(s)
    yield s
    s.close()


def small_base():
    return with_values(load_scenario(SCENARIO), SMALL)


# ------------------------------------------------------------------------------ targets


def test_zone_unemployment_target_equals_insee_mean() -> None:
    data = pd.read_csv(DATA_DIR / "insee_tcl_ze2020_annual_mean.csv", dtype={"ze2020": str})
    row = data[(data.ze2020 == "7503") & (data.year == 2024)]
    targets = {t.name: t for t in build_targets("7503")}
    assert targets["unemployment_rate"].value == pytest.approx(
        row.unemployment_rate_pct_annual_mean.iloc[0] / 100)
    assert targets["unemployment_rate"].value == pytest.approx(0.05825)
    assert {t.name: t for t in build_targets("7503", year=2023)}["unemployment_rate"].value \
        == pytest.approx(0.05825)
    assert targets["unemployment_rate"].confidence == "primary"


def test_iae_target_follows_the_documented_scaling() -> None:
    bar = pd.read_csv(DATA_DIR / "barometre_iae_beneficiaires_siae_departement_monthly.csv",
                      dtype={"code_departement": str})
    window = bar[(bar.date >= "2021-10-01") & (bar.date <= "2022-09-30")]
    share = window[window.code_departement == "64"].nb_beneficiaires_siae.mean() \
        / window.groupby("date").nb_beneficiaires_siae.sum().mean()
    # the département's share of the population, from INSEE's communes (the derivation's own
    # source, read here independently)
    communes = pd.read_csv(DATA_DIR.parents[1].parent / "shared" / "data"
                           / "insee_populations_legales_2023_communes.csv", sep=";",
                           dtype={"DEP": str})
    population_share = communes.loc[communes.DEP == "64", "PMUN"].sum() / communes.PMUN.sum()
    assert 0.0103 < population_share < 0.0104  # 706,564 of 68,094,280
    expected = 144_600 / 30_900_000 * share / population_share
    target = {t.name: t for t in build_targets("7503")}["iae_per_active"]
    assert target.value == pytest.approx(expected)
    assert target.confidence == "derived"
    assert target.uncertainty == pytest.approx(0.25 * expected)


def test_national_targets_equal_the_data() -> None:
    t = {t.name: t for t in build_targets("8409")}
    assert t["job_finding_rate"].value == pytest.approx(0.093)
    assert t["iae_employed_6m_share"].value == pytest.approx(0.45)
    assert t["vacancy_rate"].value == pytest.approx(0.031)
    # the registered A+B+C share, the definition of the model's spell (see targets.py)
    assert t["long_term_unemployed_share"].value == pytest.approx(0.436)
    assert "registered" in t["long_term_unemployed_share"].note
    assert t["iae_route_length_aci"].value == 12 and not t["iae_route_length_aci"].fitted
    # leavers' mean route: stock shares over lengths (44/12, 13/12, 12/7, 30/7)
    assert t["iae_route_length_mean"].value == pytest.approx(99 / (44 / 12 + 13 / 12 + 42 / 7))
    assert all(x.source and x.uncertainty > 0 for x in t.values())


def test_unknown_zone_is_a_clear_error() -> None:
    with pytest.raises(TargetError, match="unknown zone d'emploi code '9999'"):
        build_targets("9999")


def _copy_data(tmp_path: Path) -> Path:
    data = tmp_path / "data"
    shutil.copytree(DATA_DIR, data)
    return data


def test_data_file_missing_a_column(tmp_path: Path) -> None:
    data = _copy_data(tmp_path)
    frame = pd.read_csv(data / "insee_tcl_ze2020_annual_mean.csv", dtype=str)
    frame.drop(columns=["unemployment_rate_pct_annual_mean"]).to_csv(
        data / "insee_tcl_ze2020_annual_mean.csv", index=False)
    with pytest.raises(TargetError, match=r"insee_tcl_ze2020_annual_mean\.csv: missing column"
                       r".*unemployment_rate_pct_annual_mean"):
        build_targets("7503", data_dir=data)


def test_data_file_holding_non_numbers(tmp_path: Path) -> None:
    data = _copy_data(tmp_path)
    path = data / "barometre_iae_beneficiaires_siae_departement_monthly.csv"
    frame = pd.read_csv(path, dtype=str)
    frame.loc[5, "nb_beneficiaires_siae"] = "n/a"
    frame.to_csv(path, index=False)
    with pytest.raises(TargetError, match=r"barometre.*column 'nb_beneficiaires_siae', data "
                       r"row 6: not a number: 'n/a'"):
        build_targets("7503", data_dir=data)
    nat = data / "national_targets.csv"
    frame = pd.read_csv(nat, dtype=str)
    frame.loc[frame.indicator == "job_vacancy_rate", "value"] = "three"
    frame.to_csv(nat, index=False)
    shutil.copy(DATA_DIR / path.name, path)
    with pytest.raises(TargetError, match=r"job_vacancy_rate.*not a number: 'three'"):
        build_targets("7503", data_dir=data)


# ------------------------------------------------------------------------------ params file


def _params_file(tmp_path: Path, parameters: dict) -> Path:
    path = tmp_path / "params.yaml"
    path.write_text(yaml.safe_dump({"parameters": parameters}))
    return path


def test_default_params_file_is_valid() -> None:
    specs = load_param_specs(DEFAULT_PARAMS, small_base())
    assert len(specs) >= 5 and all(s.low < s.high for s in specs)


def test_params_file_errors_name_file_and_key(tmp_path: Path) -> None:
    bad = _params_file(tmp_path, {"matching.efficency": [0.1, 0.3]})
    with pytest.raises(CalibrationError, match=r"params\.yaml: parameter 'matching\.efficency'"
                       ": unknown parameter"):
        load_param_specs(bad)
    empty = _params_file(tmp_path, {"matching.efficiency": [0.3, 0.3]})
    with pytest.raises(CalibrationError, match=r"'matching\.efficiency': empty range"):
        load_param_specs(empty)
    text = _params_file(tmp_path, {"matching.efficiency": ["low", 0.3]})
    with pytest.raises(CalibrationError, match="bounds must be numbers"):
        load_param_specs(text)


def test_calibrate_any_zone_and_several_zones(tmp_path: Path) -> None:
    """Two zones in one command: 2401 Blois, which has no territory file, gets one built from
    the data (its zone code and INSEE rate), each zone its report under OUT/CODE and its
    calibrated file; running again resumes the studies instead of starting over. Catches a
    zone without a file refused, reports of several zones written over each other, or a
    second run that refits from scratch."""
    from experiments.cli.main import app
    from scenarios.make_territories import DEFAULT_DATA_DIR, read_unemployment

    runner = CliRunner()
    db = f"sqlite:///{tmp_path / 'zones.sqlite'}"
    args = ["calibrate", "--territory", "2401", "--territory", "7503", "--trials", "2",
            "--replications", "1", "--persons", "600", "--months", "12", "--db", db,
            "--no-out-of-sample",
            "--territories-dir", str(tmp_path / "territories"),
            "--territory-out", str(tmp_path / "calibrated"), "--out", str(tmp_path / "rep")]
    result = runner.invoke(app, args)
    assert result.exit_code == 0, result.output
    built = load_scenario(tmp_path / "territories" / "2401_blois.yaml")
    assert built.zone_code == "2401"
    rate = read_unemployment(DEFAULT_DATA_DIR)["2401"][1]
    assert built.population.unemployment_rate == pytest.approx(rate / 100, abs=1e-6)
    for code in ("2401", "7503"):
        assert (tmp_path / "rep" / code / "report.md").is_file()
    assert sorted(p.name for p in (tmp_path / "calibrated").iterdir()) == \
        ["2401_blois.yaml", "7503_bayonne.yaml"]
    again = runner.invoke(app, args)
    assert again.exit_code == 0, again.output
    assert again.output.count("0 trials run") == 2  # both studies already hold 2 trials


@pytest.mark.parametrize(("zones", "words"), [
    (["0101"], "--territory 0101: an overseas zone"),
    (["7503", "9999"], "--territory 9999: unknown zone d'emploi code '9999'"),
])
def test_calibrate_refuses_a_bad_zone_before_fitting_any(tmp_path: Path, zones, words) -> None:
    """A bad zone anywhere in the list is refused (exit 2) before the first zone is fitted:
    nothing is built, fitted or written."""
    from experiments.cli.main import app

    args = ["calibrate", "--db", f"sqlite:///{tmp_path / 'x.sqlite'}", "--trials", "2",
            "--territories-dir", str(tmp_path / "territories"),
            "--territory-out", str(tmp_path / "calibrated"), "--out", str(tmp_path / "rep")]
    for zone in zones:
        args += ["--territory", zone]
    result = CliRunner().invoke(app, args)
    assert result.exit_code == 2, result.output
    assert words in result.output
    assert not any(p.exists() for p in (tmp_path / "territories", tmp_path / "calibrated",
                                        tmp_path / "rep"))


def test_cli_bad_input_exits_2(tmp_path: Path) -> None:
    from experiments.cli.main import app

    runner = CliRunner()
    db = f"sqlite:///{tmp_path / 'cli.sqlite'}"
    result = runner.invoke(app, ["calibrate", "--territory", "9999", "--db", db])
    assert result.exit_code == 2, result.output
    assert "unknown zone d'emploi code '9999'" in result.output
    bad = _params_file(tmp_path, {"separations.nope": [0.1, 0.3]})
    result = runner.invoke(app, ["calibrate", "--territory", "7503", "--params", str(bad),
                                 "--db", db])
    assert result.exit_code == 2, result.output
    assert "params.yaml" in result.output and "separations.nope" in result.output
    empty = _params_file(tmp_path, {"matching.efficiency": [0.5, 0.2]})
    result = runner.invoke(app, ["calibrate", "--territory", "7503", "--params", str(empty),
                                 "--db", db])
    assert result.exit_code == 2 and "empty range" in result.output
    result = runner.invoke(app, ["sensitivity", "baseline", "--outcome", "unemploymnt_rate",
                                 "--db", db])
    assert result.exit_code == 2 and "unemployment_rate" in result.output


def test_params_file_start_values_and_their_errors(tmp_path: Path) -> None:
    base = small_base()
    good = _params_file(tmp_path, {
        "matching.efficiency": {"low": 0.1, "high": 0.4, "start": 0.2},
        "matching.noise": [0.1, 1.0],
        "siae.posts_scale": {"low": 0.3, "high": 2.5, "start": "auto"},
    })
    specs = load_param_specs(good, base)
    assert [s.start for s in specs] == [0.2, None, "auto"]
    iae = next(t for t in build_targets("7503") if t.name == "iae_per_active")
    start = current_values(base, specs, [iae])
    assert start["matching.efficiency"] == 0.2
    assert start["matching.noise"] == base.matching.noise  # the territory file's value
    posts = sum(s.structures * s.posts for s in base.siae.values())
    per_active = posts / 20_000 / (1 - base.population.inactivity_rate)
    assert start["siae.posts_scale"] == pytest.approx(iae.value / (per_active * SIAE_OCCUPANCY))
    outside = _params_file(tmp_path, {"matching.efficiency": {"low": 0.1, "high": 0.4,
                                                              "start": 0.5}})
    with pytest.raises(CalibrationError, match=r"'matching\.efficiency': start 0.5 outside"):
        load_param_specs(outside, base)
    auto = _params_file(tmp_path, {"matching.efficiency": {"low": 0.1, "high": 0.4,
                                                           "start": "auto"}})
    with pytest.raises(CalibrationError, match=r"only for siae\.posts_scale"):
        load_param_specs(auto, base)
    text = _params_file(tmp_path, {"matching.efficiency": {"low": 0.1, "high": 0.4,
                                                           "start": "middle"}})
    with pytest.raises(CalibrationError, match="start must be a number or auto"):
        load_param_specs(text, base)


@pytest.mark.parametrize("name", ["default.yaml", "high_unemployment.yaml"])
def test_shipped_params_files_start_inside_their_bounds(name: str) -> None:
    base = small_base()
    path = DEFAULT_PARAMS.parent / name
    specs = load_param_specs(path, base)
    start = current_values(base, specs, build_targets("7503"))
    assert all(s.low <= start[s.name] <= s.high for s in specs)
    assert load_sampler_options(path) == {"sigma0": pytest.approx(0.1)}
    apply_params(base, start)  # a valid territory


def test_sampler_options_errors(tmp_path: Path) -> None:
    path = tmp_path / "p.yaml"
    path.write_text(yaml.safe_dump({"parameters": {"matching.noise": [0, 1]},
                                    "cmaes": {"sigma0": 2}}))
    with pytest.raises(CalibrationError, match=r"sigma0 must be in \(0, 1\]"):
        load_sampler_options(path)
    path.write_text(yaml.safe_dump({"parameters": {"matching.noise": [0, 1]},
                                    "cmaes": {"popsize": 3}}))
    with pytest.raises(CalibrationError, match="only sigma0"):
        load_sampler_options(path)


def test_derived_parameters_expand_to_schema_paths() -> None:
    base = small_base()
    updates = expand_values(base, {"demand.jobs_per_active_shift": -0.05,
                                   "siae.exit_to_training": 0.35})
    assert updates["demand.jobs_per_active"] == pytest.approx(
        base.demand.jobs_per_active - 0.05)
    assert {updates[f"siae.{t}.exit_to_training"] for t in base.siae} == {0.35}
    params = apply_params(base, {"siae.exit_to_training": 0.35})
    assert all(s.exit_to_training == 0.35 for s in params.siae.values())
    specs = [ParamSpec("demand.jobs_per_active_shift", -0.08, 0.0),
             ParamSpec("siae.exit_to_training", 0.1, 0.6)]
    start = current_values(base, specs)
    assert start == {"demand.jobs_per_active_shift": 0.0,
                     "siae.exit_to_training": pytest.approx(
                         np.mean([s.exit_to_training for s in base.siae.values()]))}


def test_cmaes_is_centred_on_the_start() -> None:
    """CMA-ES samples around x0 with a step sigma0 of each range (not the middle of the box)."""
    import optuna

    specs = [ParamSpec("a", 0.0, 1.0), ParamSpec("b", 0.0, 10.0)]
    x0 = {"a": 0.1, "b": 8.0}
    study = optuna.create_study(sampler=make_sampler("cmaes", 1, specs, x0, sigma0=0.05))
    values = []
    for _ in range(8):
        trial = study.ask()
        a, b = trial.suggest_float("a", 0.0, 1.0), trial.suggest_float("b", 0.0, 10.0)
        values.append((a, b))
        study.tell(trial, (a - 0.1) ** 2 + (b - 8.0) ** 2)
    mean = np.mean(values[1:], axis=0)  # the first trial is sampled independently
    assert abs(mean[0] - 0.1) < 0.1 and abs(mean[1] - 8.0) < 1.0


def test_summary_keeps_the_notes(tmp_path: Path, store) -> None:
    from calibration.report import NOTES_MARKER, write_summary

    path = tmp_path / "README.md"
    write_summary(store, path)
    assert NOTES_MARKER in path.read_text()
    path.write_text(path.read_text() + "Budget: by hand.\n")
    write_summary(store, path)
    assert path.read_text().endswith(NOTES_MARKER + "\nBudget: by hand.\n")


# ------------------------------------------------------------------------------ loss


def test_msm_loss_is_zero_at_the_targets_and_grows_away() -> None:
    targets = [Target("unemployment_rate", 0.07, 0.005, "primary", "s"),
               Target("job_finding_rate", 0.09, 0.01, "mirror", "s"),
               Target("vacancy_rate", 0.03, 0.005, "derived", "s")]
    own = np.array([[0.07, 0.09, 0.03], [0.07, 0.09, 0.03]])
    assert msm_loss(targets, own) == 0.0
    losses = [msm_loss(targets, own * (1 + d)) for d in (0.01, 0.05, 0.2)]
    assert 0 < losses[0] < losses[1] < losses[2]
    # replications are averaged before the error: +-10 % around the target cancels
    assert msm_loss(targets, own * np.array([[0.9], [1.1]])) == pytest.approx(0.0, abs=1e-12)
    # a missing moment counts as a relative error of 1
    assert msm_loss(targets, np.array([np.nan, 0.09, 0.03])) > losses[2]


# ------------------------------------------------------------------------------ estimator


FIT_NAMES = ("unemployment_rate", "job_finding_rate", "long_term_unemployed_share",
             "vacancy_rate")


def _synthetic_targets(store, executor, base, truth: dict[str, float]) -> list[Target]:
    from calibration.estimator import BatchEvaluator

    evaluator = BatchEvaluator(store, executor, base, SCENARIO, 2, 7, name="truth")
    _, runs = evaluator.run([truth], label="truth")
    values = np.nanmean(compute_moments(FIT_NAMES, runs[0]), axis=0)
    return [Target(n, float(v), 0.05 * float(v), "primary", "the model at known parameters")
            for n, v in zip(FIT_NAMES, values, strict=True)]


def test_known_answer_parameters_are_recovered(store, executor) -> None:
    """Targets made by the model at jobs_per_active 0.955 and search_intensity 0.4 (seeds
    shared with the calibration) are recovered within 20 % of each search range from a start
    far outside that tolerance for both: jobs_per_active at the low end of its range (error
    1.9 tolerances), search_intensity at the high end of its (3.2 tolerances). Catches a
    calibration that ignores the start (the first trial must be it), moments matched to the
    wrong targets, trial values not applied to the runs, or a search that stays put: each
    parameter must move towards the truth and end inside the tolerance. CMA-ES gets a wide
    initial step (30 % of each range; the default 10 % suits a start near the fit) and 40
    trials: with these, seeds 3, 7, 11 and 19 all recover both, and this start or the
    opposite corner (0.995, 0.22) alike; with 30 trials at the default step, seeds 3, 11 and
    19 leave search_intensity 0.17 to 0.47 from the truth."""
    base = small_base()
    truth = {"demand.jobs_per_active": 0.955, "matching.search_intensity": 0.4}
    start = {"demand.jobs_per_active": 0.925, "matching.search_intensity": 0.85}
    specs = [ParamSpec("demand.jobs_per_active", 0.92, 1.0,
                       start=start["demand.jobs_per_active"]),
             ParamSpec("matching.search_intensity", 0.2, 0.9,
                       start=start["matching.search_intensity"])]
    tolerance = {s.name: 0.2 * (s.high - s.low) for s in specs}
    for name in truth:
        assert abs(start[name] - truth[name]) > 1.5 * tolerance[name], name
    targets = _synthetic_targets(store, executor, base, truth)
    result = calibrate(store, executor, base, SCENARIO, targets, specs, trials=40,
                       replications=2, seed=7, sigma0=0.3)
    assert result.start_values == start
    first = min(open_study(store, result.study_name, None).trials, key=lambda t: t.number)
    assert first.params == pytest.approx(start), "the first trial is the start"
    start_loss = result.trace[0][1]
    assert result.best_loss < 0.1 * start_loss
    for name in truth:
        best = result.best_values[name]
        assert np.sign(best - start[name]) == np.sign(truth[name] - start[name]), (
            name, "moved away from the truth", result.best_values)
        assert abs(best - truth[name]) <= tolerance[name], (name, result.best_values)


def test_resume_continues_the_study(store, executor) -> None:
    base = small_base()
    targets = [t for t in build_targets("7503") if t.name in FIT_NAMES]
    specs = [ParamSpec("demand.jobs_per_active", 0.93, 1.0),
             ParamSpec("matching.efficiency", 0.1, 0.5)]
    kwargs = {"trials": 6, "replications": 1, "seed": 3, "sampler": "tpe"}
    first = calibrate(store, executor, base, SCENARIO, targets, specs, stop_after=3, **kwargs)
    assert first.trials_completed == 3
    name = first.study_name
    trace = first.trace
    second = calibrate(store, executor, base, SCENARIO, targets, specs, **kwargs)
    assert second.study_name == name
    assert second.trials_completed == 6
    assert second.trace[:3] == trace
    study = open_study(store, name, None)
    assert len(study.trials) == 6
    # a different setting is another study
    other = study_name_for("7503", specs, targets, {"replications": 2})
    assert other != name


# ------------------------------------------------------------------------------ sensitivity


def test_sobol_on_ishigami_gives_the_analytic_indices() -> None:
    problem = {"num_vars": 3, "names": ["x1", "x2", "x3"], "bounds": [[-np.pi, np.pi]] * 3}
    res = sobol_indices(problem, ishigami, 4096, seed=1)
    s1, st = ishigami_indices()
    np.testing.assert_allclose(res["S1"], s1, atol=0.04)
    np.testing.assert_allclose(res["ST"], st, atol=0.04)
    assert (res["S1_conf"] > 0).all()


def test_sensitivity_on_the_model_stores_indices(store, executor, tmp_path) -> None:
    base = with_values(load_scenario("baseline"), {**SMALL, "population.persons": 1000,
                                                   "simulation.months": 12})
    specs = [ParamSpec("demand.jobs_per_active", 0.93, 1.0),
             ParamSpec("matching.efficiency", 0.1, 0.5)]
    result = run_sensitivity(store, executor, base, "baseline", specs, "unemployment_rate",
                             samples=2, seed=5, out_dir=tmp_path)
    with store.engine.connect() as conn:
        n = conn.execute(select(func.count()).where(
            sensitivity_index_table.c.sensitivity_id == result.run_id)).scalar_one()
    assert n == len(result.rows) >= 2 * 2 + 2 * 2
    assert result.plot is not None and result.plot.is_file()
    mu = {r["factor"]: r["value"] for r in result.rows if r["index_name"] == "mu_star"}
    assert mu["demand.jobs_per_active"] > 0
