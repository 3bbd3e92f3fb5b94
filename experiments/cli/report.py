"""``ptce report``: the decision-support report of a PTCE scenario (HTML, Markdown, CSV, PNG).

Registered on the main app through the ``ptce.commands`` entry point ``report``. Exit codes:
0 success; 2 bad input (unknown scenario, a scenario without a ``ptce`` section, fewer than 2
replications, an unknown language, an output folder that cannot be used), in which case
nothing is written; 1 an unexpected error.
"""

from __future__ import annotations

import shlex
from enum import StrEnum
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer

from experiments.cli.common import (
    err,
    fail,
    load_pole,
    out,
    paired_effects_with_progress,
    scenario_slug,
)

if TYPE_CHECKING:
    from experiments.cli.common import SizeOptions


class Language(StrEnum):
    fr = "fr"
    en = "en"


def report(
    scenario: Annotated[str, typer.Argument(
        help="A scenario with a `ptce` section: a YAML file or a preset (`ptce/le_phares`; "
             "see `ptce presets`).", show_default=False, metavar="SCENARIO")],
    replications: Annotated[int, typer.Option(
        min=2, help="Paired replications (the pole and its absence on the same seed).")] = 10,
    lang: Annotated[Language, typer.Option(
        "--lang", help="Language of the report: fr (French) or en (English).",
        case_sensitive=False)] = Language.fr,
    out_dir: Annotated[Path | None, typer.Option(
        "--out", help="Output folder (default: runs/SCENARIO-report-seedN). A previous report "
                      "there is replaced; any other non-empty folder is refused.",
        show_default=False, file_okay=False)] = None,
    seed: Annotated[int, typer.Option(min=0, help="Root seed of the replications.")] = 1,
    *,
    size: SizeOptions,
    workers: Annotated[int, typer.Option(min=1, help="Local worker processes.")] = 1,
) -> None:
    """Write the report of a PTCE for a funding application or an evaluation.

    What the pole and its territory are, what the model assumes and from where, the effects
    with 95 % intervals against the same territory without the pole, the timeline with its
    events, and the limits. Writes report.html (self-contained: charts embedded, nothing
    loaded from outside), report.md, effects.csv (the effect table; the report's headline
    figures are its values), runs.csv and the charts as PNG. French by default.
    """
    from experiments.results.outputs import OutputDirError, check_out_dir
    from experiments.results.report import build_report, write_report

    params, file = load_pole(scenario, size, "there is no pole to compare with its absence "
                                             "(see the presets ptce/...)")
    target = out_dir if out_dir is not None else (
        Path("runs") / f"{scenario_slug(file)}-report-seed{seed}")
    try:
        check_out_dir(target, marker="report.html")
    except OutputDirError as exc:
        raise typer.BadParameter(str(exc), param_hint="'--out'") from None

    err.print(f"Report on [bold]{params.name}[/]: {replications} pairs of runs, "
              f"{params.population.persons:,} persons, {params.simulation.months} months")
    result = paired_effects_with_progress(params, replications, seed, workers)
    command = ["ptce", "report", scenario, "--replications", str(replications), "--seed",
               str(seed), "--lang", lang.value]
    for path, value in size.updates().items():
        command += [size.option_of(path), str(value)]
    built = build_report(params, file, result, lang=lang.value, seed=seed,
                         command=shlex.join(command))
    try:
        files = write_report(built, target)
    except OSError as exc:
        raise fail(f"cannot write the report to {target}: {exc}") from None
    out.print(f"Wrote {', '.join(f.name for f in files)} to {target}/")


def register(app: typer.Typer) -> None:
    """Add ``report`` to the ``ptce`` command line, with the ``--persons`` and ``--months``
    options every command that runs the model has."""
    from experiments.cli.common import with_size_options

    app.command("report")(with_size_options(report))
