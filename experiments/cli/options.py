"""The options every command that runs the model shares: ``--persons`` and ``--months``
(declared once in :data:`SIZE_OPTIONS`, added to a command by :func:`with_size_options`)."""

import functools
import inspect
import typing
from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Annotated, Any

import typer

if TYPE_CHECKING:
    from model import TerritoryParams


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
