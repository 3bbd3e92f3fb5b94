"""model/ODD.md documents the model as coded: every output, phase, state and parameter name
appears in it (as `name`), the phases are listed in the order ``step()`` runs them, and the
defaults in its parameter tables are the defaults of ``model.params``."""

from __future__ import annotations

import ast
import re
import types
import typing
from pathlib import Path

import pytest
from pydantic import BaseModel
from pydantic_core import PydanticUndefined

import model
from model.params import SETTABLE_FIELDS, SETTABLE_SECTIONS, TerritoryParams
from model.states import ExitOutcome, State

ODD_PATH = Path(model.__file__).resolve().parent / "ODD.md"
ODD = ODD_PATH.read_text(encoding="utf-8")


def _models_in(annotation: object) -> list[type[BaseModel]]:
    """Pydantic model classes inside a field annotation (through tuple, dict, Optional...)."""
    if isinstance(annotation, type) and issubclass(annotation, BaseModel):
        return [annotation]
    found: list[type[BaseModel]] = []
    for arg in typing.get_args(annotation):
        found.extend(_models_in(arg))
    return found


def _parameter_classes() -> dict[str, type[BaseModel]]:
    """Every pydantic model reachable from TerritoryParams, by class name."""
    seen: dict[str, type[BaseModel]] = {}
    todo: list[type[BaseModel]] = [TerritoryParams]
    while todo:
        cls = todo.pop()
        if cls.__name__ in seen:
            continue
        seen[cls.__name__] = cls
        for info in cls.model_fields.values():
            todo.extend(_models_in(info.annotation))
    return seen


PARAM_CLASSES = _parameter_classes()
PARAM_FIELDS = sorted({(cls.__name__, name) for cls in PARAM_CLASSES.values()
                       for name in cls.model_fields})


def _section(number: int) -> str:
    """Text of the ODD section ``## <number>.`` up to the next ``## `` heading."""
    match = re.search(rf"^## {number}\. .*?(?=^## |\Z)", ODD, flags=re.S | re.M)
    assert match, f"ODD.md has no section '## {number}.'"
    return match.group(0)


def test_walk_finds_nested_sections() -> None:
    # guard against a walker that silently stops at the top level
    for name in ("Population", "Sector", "SIAEType", "Programme", "Event", "DemandShock",
                 "Simulation"):
        assert name in PARAM_CLASSES


@pytest.mark.parametrize("name", sorted(model.OUTCOME_DOCS))
def test_outcome_documented(name: str) -> None:
    assert f"`{name}`" in ODD, f"outcome {name!r} is not described in {ODD_PATH}"


@pytest.mark.parametrize("name", sorted(model.SERIES_DOCS))
def test_series_documented(name: str) -> None:
    assert f"`{name}`" in ODD, f"series {name!r} is not described in {ODD_PATH}"


@pytest.mark.parametrize("name", model.PHASES)
def test_phase_documented(name: str) -> None:
    assert f"`{name}`" in ODD, f"phase {name!r} is not described in {ODD_PATH}"


@pytest.mark.parametrize(("section", "name"), PARAM_FIELDS)
def test_parameter_documented(section: str, name: str) -> None:
    assert f"`{name}`" in ODD, f"parameter {section}.{name} is not described in {ODD_PATH}"


@pytest.mark.parametrize(
    "name",
    [s.name for s in State] + [o.name for o in ExitOutcome] + list(model.TRANSITION_CLASSES)
    + list(SETTABLE_SECTIONS) + list(SETTABLE_FIELDS),
)
def test_states_outcomes_and_settable_paths_documented(name: str) -> None:
    assert f"`{name}`" in ODD, f"{name!r} is not described in {ODD_PATH}"


def test_phases_in_order_in_process_overview() -> None:
    heading = re.search(r"^## 3\. (.*)$", ODD, flags=re.M)
    assert heading and "Process overview and scheduling" in heading.group(1)
    text = _section(3)
    positions = []
    for phase in model.PHASES:
        pos = text.find(f"`{phase}`")
        assert pos >= 0, f"phase {phase!r} missing from 'Process overview and scheduling'"
        positions.append(pos)
    order = [p for _, p in sorted(zip(positions, model.PHASES, strict=True))]
    assert order == list(model.PHASES), f"phases listed as {order}, step() runs {model.PHASES}"


def _table_defaults() -> dict[str, dict[str, str]]:
    """Class name -> {field name: default cell} from the tables of section 8 (Parameters).

    A table belongs to the class named in parentheses in the ``###`` heading above it; the
    field tables of Sector, Programme, Event and DemandShock follow a line naming them.
    """
    text = _section(8)
    tables: dict[str, dict[str, str]] = {}
    current: str | None = None
    for line in text.splitlines():
        heading = re.match(r"^#{3,4} [^(]*\((\w+)\)", line)
        if heading:
            current = heading.group(1)
            continue
        for label, cls in (("Programme fields", "Programme"), ("Event fields", "Event"),
                           ("Demand-shock fields", "DemandShock")):
            if line.startswith(label):
                current = cls
        row = re.match(r"^\| `(\w+)` \| ([^|]*) \|", line)
        if row and current in PARAM_CLASSES and row.group(1) in PARAM_CLASSES[current].model_fields:
            tables.setdefault(current, {})[row.group(1)] = row.group(2).strip()
    return tables


TABLES = _table_defaults()


@pytest.mark.parametrize(("section", "name"), PARAM_FIELDS)
def test_parameter_table_row_and_default(section: str, name: str) -> None:
    assert section in TABLES, f"section 8 of ODD.md has no table for {section}"
    assert name in TABLES[section], f"section 8 table of {section} has no row for `{name}`"
    info = PARAM_CLASSES[section].model_fields[name]
    default = info.default
    if default is PydanticUndefined or info.default_factory is not None:
        return  # required, or a per-type mapping documented in its own table
    if isinstance(default, tuple) and default and isinstance(default[0], BaseModel):
        return  # default sectors and programmes: their own tables
    if isinstance(default, BaseModel):
        return  # a nested section with its own table
    cell = TABLES[section][name]
    try:
        documented = ast.literal_eval(cell)
    except (ValueError, SyntaxError):
        pytest.fail(f"{section}.{name}: default cell {cell!r} is not a literal; code has "
                    f"{default!r}")
    if isinstance(default, bool) or default is None or isinstance(default, str | tuple):
        assert documented == default, f"{section}.{name}: ODD says {cell}, code has {default!r}"
    else:
        assert documented == pytest.approx(default), (
            f"{section}.{name}: ODD says {cell}, code has {default!r}")


def test_default_sector_siae_and_programme_tables() -> None:
    """The tables of default sectors, SIAE types and programmes match the code."""
    params = TerritoryParams()
    text = _section(8)
    for sector in params.demand.sectors:
        row = f"| {sector.name} | {sector.job_share:.2f} | {sector.durable_hire_share:.2f} |"
        assert row in text, f"default sector row {row!r} missing from ODD.md section 8"
    for kind, spec in params.siae.items():
        cells = [spec.structures, spec.posts, spec.structures * spec.posts,
                 spec.route_mean_months, spec.skill_gain, spec.barrier_reduction,
                 spec.exit_to_training, spec.dropout, spec.aid_per_fte_year]
        row = re.search(rf"^\| `{kind}` \|(.*)\|$", text, flags=re.M)
        assert row, f"SIAE type {kind} has no row in ODD.md section 8"
        documented = [float(c) for c in row.group(1).split("|")]
        assert documented == pytest.approx([float(c) for c in cells]), (
            f"SIAE {kind}: ODD has {documented}, code has {cells}")
    for prog in params.training.programmes:
        row = f"| {prog.sector} | {prog.seats} | {prog.duration_months} | " \
              f"{prog.qualification_gain} |"
        assert row in text, f"default programme row {row!r} missing from ODD.md section 8"
        assert (prog.skill_gain, prog.completion_rate, prog.cost_per_seat) == (0.3, 0.8, 6000.0)


def test_union_types_are_walked() -> None:
    # Event.demand_shock is `DemandShock | None`: the walker must look inside unions
    annotation = model.params.Event.model_fields["demand_shock"].annotation
    assert isinstance(annotation, types.UnionType) or typing.get_origin(annotation) is not None
    assert "factor" in {name for _, name in PARAM_FIELDS}


def _random_draw_names() -> tuple[list[str], list[str]]:
    """Person-draw purposes and stream names used by model/ and model/ptce/ (string literals
    in ``draw("...")``, ``draws.<kind>("...")``, the PTCE's ``_pick(self.model, "...")`` and
    ``stream("...")`` calls)."""
    root = Path(model.__file__).resolve().parent
    src = "\n".join(p.read_text(encoding="utf-8") for p in sorted(root.rglob("*.py")))
    purposes = set(re.findall(r'\bdraw\(\s*"([\w.]+)"', src))
    purposes |= set(re.findall(r'\bdraws\.\w+\(\s*"(\w+)"', src))
    purposes |= set(re.findall(r'\b_pick\(\s*self\.model,\s*"([\w.]+)"', src))
    purposes |= set(re.findall(r'\bm\.draw\(\s*"([\w.]+)"', src))
    streams = set(re.findall(r'\bstream\(\s*"([\w.]+)"', src))
    if re.search(r'\bstream\(\s*f"ptce\.\{self\.name\}"', src):
        streams.add("ptce.<lever>")
    return sorted(purposes), sorted(streams)


PURPOSES, STREAMS = _random_draw_names()


def test_random_draw_walker_finds_names() -> None:
    # guard against a regex that silently finds nothing
    assert {"search", "target_sector", "score", "route", "contract_length",
            "ptce.immersions"} <= set(PURPOSES)
    assert {"init", "matching", "ptce.init", "ptce.<lever>"} <= set(STREAMS)


@pytest.mark.parametrize("name", PURPOSES)
def test_person_draw_purpose_documented(name: str) -> None:
    """Every person-draw purpose of the code is in the table of section 4.10."""
    assert re.search(rf"^\| (`[\w.]+`, )*`{re.escape(name)}`[ ,]", _section(4), flags=re.M), (
        f"person draw {name!r} has no row in the randomness table of ODD.md section 4.10")


@pytest.mark.parametrize("name", STREAMS)
def test_stream_documented(name: str) -> None:
    """Every random stream of the code is in the table of streams of section 4.10."""
    assert re.search(rf"^\| `{re.escape(name)}`", _section(4), flags=re.M), (
        f"stream {name!r} has no row in the stream table of ODD.md section 4.10")
