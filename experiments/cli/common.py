"""What the commands share: the consoles, the error exit (exit code 2 with a message naming the
file, key or option), and the ``--persons``/``--months`` of every command that runs the model
(declared once in :data:`SIZE_OPTIONS`, added to a command by :func:`with_size_options`)."""

import functools
import inspect
import typing
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any

import typer
from rich.console import Console
from rich.text import Text

if TYPE_CHECKING:
    from experiments.results.effects import EffectResult
    from model import TerritoryParams


#: Standard output and error of the commands (no automatic highlighting of numbers).
out = Console(highlight=False)
err = Console(stderr=True, highlight=False)


def fail(message: str, code: int = 2) -> typer.Exit:
    """Print ``message`` (verbatim, no markup) on stderr; return the Exit to raise."""
    err.print(Text("error: ", style="bold red") + Text(message), soft_wrap=True)
    return typer.Exit(code)


def scenario_slug(source: str | Path) -> str:
    """A folder-friendly name of a scenario: the file stem (``7503_bayonne``)."""
    stem = Path(source).name
    for suffix in (".yaml", ".yml"):
        stem = stem.removesuffix(suffix)
    keep = "".join(c if c.isalnum() or c in "-_." else "_" for c in stem)
    return keep.strip("._") or "scenario"


def load_pole(scenario: str, size: "SizeOptions", missing_pole: str
              ) -> tuple["TerritoryParams", Path]:
    """A scenario that has a ``ptce`` section, with --persons/--months applied, and its file;
    otherwise ``typer.BadParameter`` naming SCENARIO (exit 2), ``missing_pole`` saying why a
    pole is needed."""
    from scenarios import ScenarioError, load_scenario, resolve_scenario

    try:
        file = resolve_scenario(scenario)
        params = size.apply(load_scenario(file))
    except ScenarioError as exc:
        raise typer.BadParameter(str(exc), param_hint="'SCENARIO'") from None
    if params.ptce is None:
        raise typer.BadParameter(f"{file}: the scenario has no `ptce` section, so {missing_pole}",
                                 param_hint="'SCENARIO'")
    return params, file


def paired_effects_with_progress(params: "TerritoryParams", replications: int, seed: int,
                                 workers: int) -> "EffectResult":
    """:func:`~experiments.results.effects.paired_effects` with a progress bar on stderr."""
    from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn

    from experiments.results.effects import paired_effects

    columns = (TextColumn("paired replications"), BarColumn(), MofNCompleteColumn())
    with Progress(*columns, console=err, transient=True) as progress:
        task = progress.add_task("pairs", total=replications)
        return paired_effects(params, replications=replications, seed=seed, workers=workers,
                              progress=lambda done, _: progress.update(task, completed=done))


@dataclass(frozen=True)
class SizeOptions:
    """The ``--persons`` and ``--months`` of a command that runs the model (``None``: the
    scenario's). Declared once, in :data:`SIZE_OPTIONS`, and added to a command by
    :func:`with_size_options`; :meth:`apply` sets them on the parameters."""

    persons: int | None = None
    months: int | None = None

    def updates(self) -> dict[str, int]:
        """The parameter paths these options set, e.g. ``{"simulation.months": 12}``."""
        return {path: getattr(self, name) for name, (option, path, _) in SIZE_OPTIONS.items()
                if getattr(self, name) is not None}

    def option_of(self, path: str) -> str:
        """The option that sets parameter ``path`` (``"--months"``)."""
        return next(option for option, p, _ in SIZE_OPTIONS.values() if p == path)

    def apply(self, params: "TerritoryParams") -> "TerritoryParams":
        """``params`` with the options set; a value the parameters refuse (``--persons 50``,
        below the model's minimum, or ``--months`` before a scheduled event) raises
        ``typer.BadParameter`` naming the option, so the command exits with code 2."""
        from pydantic import ValidationError

        from model import with_values

        for path, value in self.updates().items():
            try:
                params = with_values(params, {path: value})
            except ValidationError as exc:
                problems = "; ".join(f"{'.'.join(map(str, e['loc'])) or path}: {e['msg']}"
                                     for e in exc.errors())
                raise typer.BadParameter(f"{value}: {problems}",
                                         param_hint=f"'{self.option_of(path)}'") from None
        return params


#: The size options: parameter name -> (option, parameter path it sets, help).
SIZE_OPTIONS: dict[str, tuple[str, str, str]] = {
    "persons": ("--persons", "population.persons",
                "Persons of working age (default: the scenario's)."),
    "months": ("--months", "simulation.months",
               "Reported horizon in months, burn-in excluded (default: the scenario's)."),
}


def with_size_options(command: Callable[..., Any]) -> Callable[..., Any]:
    """Give ``command`` the ``--persons`` and ``--months`` options.

    ``command`` has a keyword-only parameter ``size: SizeOptions``; the returned command has,
    in its place, the options of :data:`SIZE_OPTIONS` (whole numbers >= 1, default: the
    scenario's) and calls ``command`` with ``size=SizeOptions(persons=..., months=...)``.
    """
    signature = inspect.signature(command)
    if "size" not in signature.parameters:
        raise TypeError(f"{command.__name__} needs a keyword-only parameter `size`")
    hints = typing.get_type_hints(command, include_extras=True,
                                  globalns={**command.__globals__, "SizeOptions": SizeOptions})
    params: list[inspect.Parameter] = []
    for param in signature.parameters.values():
        if param.name != "size":
            params.append(param.replace(annotation=hints.get(param.name, param.annotation)))
            continue
        for name, (option, _, text) in SIZE_OPTIONS.items():
            params.append(inspect.Parameter(
                name, inspect.Parameter.KEYWORD_ONLY, default=None,
                annotation=Annotated[int | None, typer.Option(
                    option, min=1, help=text, show_default=False)]))

    @functools.wraps(command)
    def sized(**kwargs: Any) -> Any:
        size = SizeOptions(**{name: kwargs.pop(name) for name in SIZE_OPTIONS})
        return command(size=size, **kwargs)

    del sized.__wrapped__  # typer reads the signature below, not the command's
    sized.__signature__ = signature.replace(  # type: ignore[attr-defined]
        parameters=params, return_annotation=hints.get("return", signature.return_annotation))
    sized.__annotations__ = {p.name: p.annotation for p in params}
    return sized
