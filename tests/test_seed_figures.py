"""The source document's figures for the presets' poles (scenarios/ptce/seed_figures.yaml):
each quoted from its section of the seed, each naming an outcome of the model or why not, and
shown against the simulation in the report."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest
from test_ptce import _find_in_seed, _in_section
from typer.testing import CliRunner

from experiments.cli.main import app
from scenarios import list_presets
from scenarios.seed_figures import SeedFiguresError, figures_for, load_seed_figures


def test_every_figure_is_quoted_from_its_section() -> None:
    """Catches a figure paraphrased or invented, put in the wrong section, or whose number is
    not the one the passage gives."""
    figures = load_seed_figures()
    assert len(figures) >= 4
    for fig in figures:
        offset = _find_in_seed(fig.quote)
        assert offset is not None, f"not in the seed: {fig.quote!r}"
        assert _in_section(offset, fig.section), f"{fig.quote!r} is not in {fig.section}"
        if fig.outcome != "ptce_activities_incubated":  # "ils créent la SAS": one activity
            assert f"{fig.seed_value:g}" in fig.quote, (fig.seed_value, fig.quote)


def test_the_file_is_not_a_preset() -> None:
    assert "ptce/seed_figures" not in list_presets()
    assert {f.preset for f in load_seed_figures()} <= set(list_presets())


@pytest.mark.parametrize(("text", "words"), [
    ("figures: []\n", "non-empty list `figures`"),
    ("figures:\n  - {preset: ptce/le_phares, outcome: nope, period: x, seed_value: 1, "
     "unit: u, section: I, quote: q}\n", "'nope' is not an outcome"),
    ("figures:\n  - {preset: ptce/le_phares, outcome: null, period: x, seed_value: 1, "
     "unit: u, section: I, quote: q}\n", "needs `not_modelled`"),
    ("figures:\n  - {preset: ptce/nowhere, outcome: iae_stock, period: x, seed_value: 1, "
     "unit: u, section: I, quote: q}\n", "no preset 'ptce/nowhere'"),
    ("figures:\n  - {preset: ptce/le_phares, outcome: iae_stock, period: x, seed_value: "
     "many, unit: u, section: I, quote: q}\n", "seed_value must be a number"),
    ("figures:\n  - {preset: ptce/le_phares, outcome: iae_stock, period: x, seed_value: 1, "
     "unit: u, section: I, quote: q, colour: red}\n", "unknown key(s) ['colour']"),
])
def test_bad_entries_are_named(tmp_path: Path, text: str, words: str) -> None:
    path = tmp_path / "seed_figures.yaml"
    path.write_text(text, encoding="utf-8")
    with pytest.raises(SeedFiguresError) as caught:
        load_seed_figures(path)
    assert words in str(caught.value) and str(path) in str(caught.value)


def test_report_compares_the_poles_figures_with_its_runs(tmp_path: Path) -> None:
    """The report of Le PHARES lists each of its figures with the simulated mean of the
    outcome over the replications with the pole (runs.csv), and the one not modelled says so.
    Catches figures of another pole, a value from the counterfactual arm, or a row dropped."""
    out = tmp_path / "r"
    res = CliRunner().invoke(app, ["report", "ptce/le_phares", "--replications", "2",
                                   "--persons", "2000", "--months", "36", "--out", str(out)])
    assert res.exit_code == 0, res.output
    md = (out / "report.md").read_text(encoding="utf-8")
    section = md.split("## Comparaison avec les chiffres du document source")[1].split("\n## ")[0]
    runs = pd.read_csv(out / "runs.csv")
    with_pole = runs[runs["arm"] == "with_ptce"]
    rows = [r for r in section.splitlines() if r.startswith("| «")]
    figures = figures_for("ptce/le_phares")
    assert len(rows) == len(figures)
    for row, fig in zip(rows, figures, strict=True):
        assert fig.quote in row
        cells = [c.strip() for c in row.strip("|").split("|")]
        if fig.outcome is None:
            assert cells[4] == "non modélisé"
        else:
            shown = float(cells[4].replace(",", ".").replace("\u202f", ""))
            assert shown == pytest.approx(with_pole[fig.outcome].mean(), abs=0.05)
