"""The Explore page's Report button: the report ``ptce report`` writes, for the scenario the
controls describe, with a few paired replications.

The report is :func:`experiments.results.report.build_report` on
:func:`experiments.results.effects.paired_effects`, as in ``ptce report``; its files are
written by :func:`experiments.results.report.write_report` into a temporary folder, and the
page offers ``report.html`` (self-contained: charts embedded, nothing loaded from outside).
The report reads where the scenario comes from (its file and what that file extends); when the
controls changed the preset, the scenario is written to a file that extends the preset, so the
provenance stays the preset's and the values are the page's.
"""

from __future__ import annotations

import shlex
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

import yaml

from model import TerritoryParams

#: Replications offered by the page (``ptce report`` defaults to 10: the page is for a
#: quick first draft).
DEFAULT_REPLICATIONS = 3
MAX_REPLICATIONS = 10


@dataclass(frozen=True)
class MadeReport:
    """A report made from the page: its HTML, its file name, how long it took."""

    html: str
    filename: str
    replications: int
    seconds: float


def _comparable(params: TerritoryParams) -> dict:
    data = params.model_dump(mode="json")
    data["simulation"].pop("record_spells", None)
    return data


def scenario_file(params: TerritoryParams, source: Path | None, folder: Path) -> Path:
    """The file the report names as the scenario: ``source`` itself when ``params`` is what
    it holds, else a file in ``folder`` that extends ``source`` (or stands alone) with every
    value of ``params``."""
    from scenarios import load_scenario

    if source is not None:
        try:
            if _comparable(load_scenario(source)) == _comparable(params):
                return source
        except Exception:  # an unreadable source: write the values on their own
            source = None
    data = params.model_dump(mode="json")
    if source is not None:
        data = {"extends": str(Path(source).resolve()), **data}
    path = folder / "scenario-tableau-de-bord.yaml"
    path.write_text(yaml.safe_dump(data, allow_unicode=True, sort_keys=False),
                    encoding="utf-8")
    return path


def make_report(params: TerritoryParams, source: Path | None, *, replications: int,
                seed: int, lang: str = "fr") -> MadeReport:
    """Run ``replications`` pairs (the pole and the same territory without it, common seeds)
    and build the report in ``lang``. Raises ``ValueError`` for a scenario without a pole or
    fewer than 2 replications (the effects' own checks)."""
    from experiments.cli.common import scenario_slug
    from experiments.results.effects import paired_effects
    from experiments.results.report import build_report, write_report

    start = time.perf_counter()
    result = paired_effects(params, replications=replications, seed=seed, workers=1)
    with tempfile.TemporaryDirectory(prefix="ptce-report-") as tmp:
        folder = Path(tmp)
        file = scenario_file(params, source, folder)
        command = shlex.join(["ptce", "report", str(file), "--replications", str(replications),
                              "--seed", str(seed), "--lang", lang])
        built = build_report(params, file, result, lang="en" if lang == "en" else "fr",
                             seed=seed, command=command)
        written = write_report(built, folder / "report")
        html = next(p for p in written if p.name == "report.html").read_text(encoding="utf-8")
    slug = scenario_slug(source) if source is not None else scenario_slug(params.name)
    return MadeReport(html=html, filename=f"{slug}-rapport-seed{seed}.html",
                      replications=replications, seconds=time.perf_counter() - start)
