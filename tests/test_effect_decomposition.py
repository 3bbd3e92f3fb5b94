"""Gross, displacement and net effects on durable jobs (issue "what cooperation adds", item 4):
person by person against the same persons without the pole, on common seeds."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from experiments.results.effects import (
    DECOMPOSITION,
    counterfactual,
    decompose,
    durable_months,
    paired_effects,
)
from model import RunResult, simulate
from model.params import LEVERS
from scenarios import load_scenario


def _result(spells: list[tuple[int, str, int, int]], treated: list[int] | None = None,
            first_month: list[int] | None = None) -> RunResult:
    frame = pd.DataFrame(spells, columns=["person_id", "state", "start", "end"])
    frame["organisation"] = -1
    meta = {} if treated is None else {
        "ptce_treated": np.array(treated, dtype=np.int64),
        "ptce_treated_month": np.array(first_month or [0] * len(treated), dtype=np.int64)}
    return RunResult(series=pd.DataFrame(), outcomes={"durable_employment": 1.0},
                     spells=frame, careers=pd.DataFrame(), transitions=np.zeros((4, 4)),
                     iae_exits=pd.DataFrame(), meta=meta)


def test_durable_months_counts_the_last_twelve_months_only() -> None:
    """Known answer on a 24-month horizon: a CDI from month 6 to the end counts 12, a spell
    of own activity in months 10-14 counts 2 (12 and 13), a short contract nothing. Catches a
    window that is not the last 12 months or that counts temporary jobs."""
    run = _result([(1, "EMPLOYED_DURABLE", 6, 24), (2, "SELF_EMPLOYED", 10, 14),
                   (2, "UNEMPLOYED", 14, 24), (3, "EMPLOYED_TEMP", 0, 24)])
    months = durable_months(run, 24)
    assert months.to_dict() == {1: 12, 2: 2}


def test_decompose_known_answer() -> None:
    """Person 1 (treated) gains 6 durable months, person 2 (not treated) loses 12, person 3
    (treated) is the same in both: gross +0.5, displacement -1, net -0.5. Catches the treated
    compared with the others instead of with themselves, or the sign of displacement."""
    with_pole = _result([(1, "EMPLOYED_DURABLE", 18, 24), (3, "EMPLOYED_DURABLE", 0, 24)],
                        treated=[1, 3])
    without = _result([(2, "EMPLOYED_DURABLE", 0, 24), (3, "EMPLOYED_DURABLE", 0, 24)])
    parts = decompose(with_pole, without, 24)
    assert parts == {"treated_persons": 2.0, "treated_comparable": 2.0,
                     "gross_durable_jobs_treated": 0.5,
                     "displacement_durable_jobs": -1.0, "net_durable_jobs": -0.5}


def test_a_treated_person_already_moved_by_the_pole_counts_in_displacement() -> None:
    """Person 1 lost a durable job in month 6 in the run with the pole only (displaced), and
    the pole acted on them in month 10: their loss is displacement, not a gross effect.
    Person 2, unemployed in both runs when the pole acted on them in month 4, gains 6
    durable months: gross +0.5. Catches treated persons compared with their counterfactual
    selves although their situation already differed when the pole acted."""
    with_pole = _result([(1, "EMPLOYED_DURABLE", 0, 6), (1, "UNEMPLOYED", 6, 24),
                         (2, "UNEMPLOYED", 0, 18), (2, "EMPLOYED_DURABLE", 18, 24)],
                        treated=[1, 2], first_month=[10, 4])
    without = _result([(1, "EMPLOYED_DURABLE", 0, 24), (2, "UNEMPLOYED", 0, 24)])
    parts = decompose(with_pole, without, 24)
    assert parts == {"treated_persons": 2.0, "treated_comparable": 1.0,
                     "gross_durable_jobs_treated": 0.5,
                     "displacement_durable_jobs": -1.0, "net_durable_jobs": -0.5}


def test_a_run_without_spells_is_refused() -> None:
    with pytest.raises(ValueError, match="record_spells"):
        durable_months(_result([]), 12)


@pytest.fixture(scope="module")
def phares() -> tuple:
    params = load_scenario("ptce/le_phares")
    params = params.model_copy(update={
        "population": params.population.model_copy(update={"persons": 3000}),
        "simulation": params.simulation.model_copy(update={"months": 36})})
    return params, paired_effects(params, replications=3, seed=5)


def test_gross_plus_displacement_is_net_and_net_is_the_zone(phares) -> None:
    """In every replication gross + displacement = net exactly, and net equals the paired
    difference of durable employment (the zone's mean number of persons in durable jobs):
    catches persons lost or counted twice between the two groups."""
    _, result = phares
    runs = result.runs
    a = runs[runs["arm"] == "with_ptce"].set_index("replication")
    b = runs[runs["arm"] == "without"].set_index("replication")
    gross, moved, net = (a[k] for k in DECOMPOSITION)
    np.testing.assert_allclose(gross + moved, net, atol=1e-9)
    np.testing.assert_allclose(net, a["durable_employment"] - b["durable_employment"],
                               atol=1e-9)
    assert (b[list(DECOMPOSITION)] == 0).all().all()
    assert (a["treated_persons"] > 0).all()


def test_treated_persons_are_those_the_levers_acted_on(phares) -> None:
    """The treated are persons of the run, no more than the pole's actions, and with only
    immersions on, the persons sent on an immersion. Catches a record of slots instead of
    person ids, or of persons no case was spent on."""
    params, _ = phares
    assert params.ptce is not None
    only = params.ptce.model_copy(update={
        lever: getattr(params.ptce, lever).model_copy(update={"enabled": lever == "immersions"})
        for lever in LEVERS})
    run = simulate(params.model_copy(update={"ptce": only}), 2)
    treated = run.meta["ptce_treated"]
    assert treated.size > 0
    assert np.all(np.diff(treated) > 0)  # distinct and sorted
    assert np.isin(treated, run.spells["person_id"].unique()).all()
    assert treated.size <= run.outcomes["ptce_immersions"]


def test_no_lever_no_treated_no_effect() -> None:
    """A pole with every lever off acts on nobody: all three parts are exactly zero (the two
    runs are identical on common seeds)."""
    params = load_scenario("ptce/le_phares")
    assert params.ptce is not None
    off = params.ptce.model_copy(update={
        lever: getattr(params.ptce, lever).model_copy(update={"enabled": False})
        for lever in LEVERS})
    params = params.model_copy(update={
        "ptce": off, "population": params.population.model_copy(update={"persons": 1500}),
        "simulation": params.simulation.model_copy(update={"months": 36})})
    a = simulate(params, 3)
    b = simulate(counterfactual(params), 3)
    assert decompose(a, b, 36) == {"treated_persons": 0.0, "treated_comparable": 0.0,
                                   "gross_durable_jobs_treated": 0.0,
                                   "displacement_durable_jobs": 0.0, "net_durable_jobs": 0.0}
