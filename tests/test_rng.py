"""Person draws: aligned by person, uniform, and the same on both computation paths."""

from __future__ import annotations

import numpy as np
from hypothesis import given, settings
from hypothesis import strategies as st
from scipy import stats

from model import rng as rng_module
from model.rng import PersonDraws


def draws(seed: int = 1) -> PersonDraws:
    return PersonDraws(np.random.SeedSequence(seed))


@given(slots=st.lists(st.integers(0, 5_000_000), min_size=1, max_size=60),
       month=st.integers(0, 1_000), purpose=st.sampled_from(["search", "contract", "x"]))
@settings(max_examples=50, deadline=None)
def test_a_persons_draw_does_not_depend_on_who_else_is_drawn(
        slots: list[int], month: int, purpose: str) -> None:
    d = draws()
    arr = np.array(slots)
    together = d.uniform(purpose, arr, month)
    alone = np.array([d.uniform(purpose, np.array([s]), month)[0] for s in slots])
    np.testing.assert_array_equal(together, alone)  # small (Python) and array paths agree


def test_small_and_array_paths_agree_beyond_the_threshold() -> None:
    d = draws(7)
    slots = np.random.default_rng(0).integers(0, 10**6, rng_module.SMALL)
    small = d.uniform("p", slots, 3)
    big = d.uniform("p", np.concatenate([slots, slots]), 3)[: slots.size]
    np.testing.assert_array_equal(small, big)


def test_draws_are_uniform_and_differ_by_purpose_month_and_seed() -> None:
    slots = np.arange(200_000)
    u = draws().uniform("search", slots, 5)
    assert 0.0 <= u.min() and u.max() < 1.0
    assert stats.kstest(u, "uniform").pvalue > 1e-3
    others = [draws().uniform("contract", slots, 5), draws().uniform("search", slots, 6),
              draws(2).uniform("search", slots, 5)]
    for v in others:
        assert abs(np.corrcoef(u, v)[0, 1]) < 0.01
        assert not np.array_equal(u, v)


def test_sub_draws_are_distinct_columns() -> None:
    slots = np.arange(50_000)
    cols = draws().uniform("route", slots[:, None], 1, np.arange(1, 5)[None, :])
    assert cols.shape == (50_000, 4)
    corr = np.corrcoef(cols.T)
    assert np.all(np.abs(corr[np.triu_indices(4, 1)]) < 0.02)
    np.testing.assert_array_equal(cols[:, 0], draws().uniform("route", slots, 1, 1))
