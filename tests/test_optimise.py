"""``ptce optimise``: the Pareto set of lever mixes for a coordination budget.

Small runs (1,500 persons, 24 months, 2 paired replications, 4 to 6 trials) of the preset
``ptce/bou_sol`` (no events). The front is checked against the trials read back from the
Optuna study in the database, independently of the code that wrote ``pareto.csv``.
"""

from __future__ import annotations

import math
from pathlib import Path

import numpy as np
import optuna
import pandas as pd
import pytest
from typer.testing import CliRunner

from experiments.cli.main import app
from experiments.results import optimise as opt
from experiments.results.effects import EFFECTS, paired_effects
from model import with_values
from scenarios import load_scenario, resolve_scenario

runner = CliRunner()
SCENARIO = "ptce/bou_sol"
BUDGET = 200_000
SMALL = ["--persons", "1500", "--months", "24", "--replications", "2", "--seed", "3"]
OBJS = opt.DEFAULT_OBJECTIVES


def _cmd(out: Path, db: str, trials: int, *extra: str) -> list[str]:
    return ["optimise", SCENARIO, "--budget", str(BUDGET), "--trials", str(trials), *SMALL,
            "--out", str(out), "--db", db, *extra]


def _study(db: str) -> optuna.Study:
    storage = optuna.storages.RDBStorage(db)
    (summary,) = optuna.get_all_study_summaries(storage)
    return optuna.load_study(study_name=summary.study_name, storage=storage)


def _mix_key(row: pd.Series) -> tuple:
    levers = tuple((n, bool(row[n]), None if not row[n] else round(row[f"{n}_intensity"], 2))
                   for n in opt.LEVERS)
    return (round(row["coordinator_fte"], 1), levers)


def _trial_key(t: optuna.trial.FrozenTrial) -> tuple:
    p = t.params
    levers = tuple((n, bool(p[f"{n}.enabled"]),
                    round(p[f"{n}.intensity"], 2) if p[f"{n}.enabled"] else None)
                   for n in opt.LEVERS)
    return (round(p["coordinator_fte"], 1), levers)


@pytest.fixture(scope="module")
def resumed(tmp_path_factory: pytest.TempPathFactory) -> dict:
    """The same command with --trials 4, then --trials 6, in one database."""
    base = tmp_path_factory.mktemp("opt")
    db = f"sqlite:///{base / 'a.db'}"
    out = base / "out"
    first = runner.invoke(app, _cmd(out, db, 4))
    assert first.exit_code == 0, first.output
    trials4 = [(t.number, t.params, t.values) for t in _study(db).trials]
    second = runner.invoke(app, _cmd(out, db, 6))
    assert second.exit_code == 0, second.output
    return {"db": db, "out": out, "trials4": trials4, "study": _study(db), "base": base}


def test_resume_runs_only_the_missing_trials(resumed: dict) -> None:
    """Catches a rerun that starts the study afresh (12 or 10 trials, or the first 4
    overwritten), or one that ignores --trials as a total."""
    study = resumed["study"]
    assert len(study.trials) == 6
    assert all(t.state == optuna.trial.TrialState.COMPLETE for t in study.trials)
    assert [(t.number, t.params, t.values) for t in study.trials[:4]] == resumed["trials4"]
    # the resumed trials are new mixes, not the first generation drawn again
    assert {_trial_key(t) for t in study.trials[4:]}.isdisjoint(
        {_trial_key(t) for t in study.trials[:4]})


def test_pareto_rows_are_the_feasible_non_dominated_trials(resumed: dict) -> None:
    """Catches a front that keeps a dominated mix, misses a non-dominated one, reads a
    direction the wrong way or lets in a mix over the budget."""
    front = pd.read_csv(resumed["out"] / "pareto.csv")
    assert len(front) >= 1
    assert (front["yearly_cost"] <= BUDGET).all()
    cols = [f"{n}_mean" for n in OBJS]
    pts = front[cols].to_numpy()
    signs = np.array([EFFECTS[n][2] for n in OBJS])

    def dom(a: np.ndarray, b: np.ndarray) -> bool:
        return bool(np.all(signs * a >= signs * b) and np.any(signs * a > signs * b))

    for i in range(len(pts)):
        for j in range(len(pts)):
            assert not dom(pts[i], pts[j]), (i, j)
    # from the study: every feasible trial is in the front or dominated by a row of it
    unit = 110_000 / 2  # bou_sol keeps the defaults: 2 FTE for 110,000 EUR a year
    rows = {_mix_key(r): r for _, r in front.iterrows()}
    for t in resumed["study"].trials:
        cost = t.params["coordinator_fte"] * unit
        assert math.isclose(t.user_attrs["cost"], cost)
        if cost > BUDGET:
            assert _trial_key(t) not in rows
            continue
        values = np.array(t.values)
        if _trial_key(t) in rows:
            assert np.allclose(rows[_trial_key(t)][cols].to_numpy(dtype=float), values)
        else:
            assert any(dom(p, values) for p in pts), t.number
        # each objective's interval holds its mean
    assert (front[[f"{n}_ci_low" for n in OBJS]].to_numpy()
            <= pts + 1e-12).all()
    assert (pts <= front[[f"{n}_ci_high" for n in OBJS]].to_numpy() + 1e-12).all()


def test_same_command_in_a_fresh_database_gives_the_same_front(resumed: dict) -> None:
    """Catches an unseeded sampler or seeds drawn from the clock: the same command in a new
    database must give the same pareto.csv (4 trials, compared with a 4-trial rerun)."""
    base = resumed["base"]
    fronts = []
    for name in ("d1", "d2"):
        res = runner.invoke(app, _cmd(base / name, f"sqlite:///{base / name}.db", 4))
        assert res.exit_code == 0, res.output
        fronts.append((base / name / "pareto.csv").read_text())
    assert fronts[0] == fronts[1]


def test_every_trial_on_the_search_seeds_and_fresh_seeds_disjoint(tmp_path: Path) -> None:
    """Catches trials run on different seeds (no common random numbers), a re-evaluation on
    the search seeds, and search seeds that are not those of paired_effects."""
    params = with_values(load_scenario(resolve_scenario(SCENARIO)),
                         {"population.persons": 1500, "simulation.months": 24})
    ev = opt.Evaluator(params, OBJS)
    res = opt.optimise(params, scenario="bou_sol", budget=BUDGET, url=f"sqlite:///{tmp_path}/s.db",
                       trials=3, replications=2, seed=5, fresh=4, evaluator=ev)
    search = {(5, (0,)), (5, (1,))}
    fresh = {(5, (k,)) for k in range(2, 6)}
    used = ev.seeds_used
    n_front = len(res.fresh)
    # 3 trials x 2 seeds with the pole + 2 without; then each re-evaluated mix on 4 fresh
    # seeds with the pole + 4 without
    assert used[:8] and set(used[:8]) == search
    assert set(used[8:]) == fresh and len(used[8:]) == 4 * n_front + 4
    assert res.search_seeds == [[0], [1]] and res.fresh_seed_keys == [[2], [3], [4], [5]]
    # the search estimate of a mix is paired_effects of that mix on the same root seed
    trial = res.pareto.iloc[0]
    mix = opt.Mix.from_params({"coordinator_fte": trial["coordinator_fte"], **{
        f"{n}.enabled": bool(trial[n]) for n in opt.LEVERS}, **{
        f"{n}.intensity": 0.5 if not trial[n] else trial[f"{n}_intensity"]
        for n in opt.LEVERS}})
    direct = paired_effects(mix.apply(params, opt.cost_per_fte(params)), replications=2, seed=5)
    for n in OBJS:
        assert math.isclose(direct.table.loc[n, "effect_mean"], trial[f"{n}_mean"],
                            rel_tol=1e-9, abs_tol=1e-12)


def test_outputs_written(resumed: dict) -> None:
    """Catches a missing figure or fresh-seed table, or a fresh table on other mixes."""
    out = resumed["out"]
    assert (out / "pareto.png").stat().st_size > 10_000
    fresh = pd.read_csv(out / "pareto_fresh.csv")
    front = pd.read_csv(out / "pareto.csv")
    assert 1 <= len(fresh) <= min(5, len(front))
    assert set(fresh["trial"]) <= set(front["trial"])


@pytest.mark.parametrize(("args", "named"), [
    (["--budget", "40000"], "--budget"),
    (["--budget", str(BUDGET), "--objectives", "jobs,durable_employment"], "--objectives"),
    (["--budget", str(BUDGET), "--trials", "0"], "--trials"),
    (["--budget", str(BUDGET), "--fresh-seeds", "1"], "--fresh-seeds"),
])
def test_bad_input_exits_2_and_writes_nothing(tmp_path: Path, args: list[str],
                                              named: str) -> None:
    """Catches a bad budget, objective or trial count accepted (or found only after the
    database and folder are made)."""
    db = tmp_path / "x.db"
    res = runner.invoke(app, ["optimise", SCENARIO, *args, *SMALL, "--out",
                              str(tmp_path / "o"), "--db", f"sqlite:///{db}"])
    assert res.exit_code == 2, res.output
    assert named in res.output
    if named == "--objectives":
        assert "months_employed_per_person" in res.output  # the valid names are listed
    assert not db.exists() and not (tmp_path / "o").exists()


def test_unknown_scenario_exits_2(tmp_path: Path) -> None:
    """Catches an unknown scenario reported as a crash (exit 1) or after writing."""
    db = tmp_path / "x.db"
    res = runner.invoke(app, ["optimise", "ptce/nowhere", "--budget", str(BUDGET), "--out",
                              str(tmp_path / "o"), "--db", f"sqlite:///{db}"])
    assert res.exit_code == 2, res.output
    assert "SCENARIO" in res.output
    assert not db.exists() and not (tmp_path / "o").exists()
