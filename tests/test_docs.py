"""model/ODD.md documents the model as coded.

One test per kind of documented name (states, exit outcomes, named constant lists, phases,
parameters, default tables, series, outcomes, person-draw purposes, streams). Each compares the
names of the code with the rows of the ODD table that documents them, in both directions, and
lists every mismatch in its failure message: a name of the code missing from the table, a row
naming nothing the code has, a wrong code or default. The checkers are plain functions of the
ODD text, so ``test_checker_reports_doctored_odd`` runs each on a doctored copy of the ODD and
proves it reports the mismatch.
"""

from __future__ import annotations

import ast
import re
import types
import typing
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import pytest
from pydantic import BaseModel
from pydantic_core import PydanticUndefined

import model
from model.params import SETTABLE_FIELDS, SETTABLE_SECTIONS, TerritoryParams
from model.ptce import PTCE_SERIES_DOCS
from model.states import IS_ACTIVE, IS_EMPLOYED, TRANSITION_CLASS, ExitOutcome, State

ODD_PATH = Path(model.__file__).resolve().parent / "ODD.md"
ODD = ODD_PATH.read_text(encoding="utf-8")


# --- the code's names -------------------------------------------------------------------------

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


# --- reading the ODD --------------------------------------------------------------------------

def _section(odd: str, number: str) -> str:
    """Text of the section numbered ``number`` ("8", "2.2", "8.13.1") up to the next heading of
    the same or a higher level ("" if there is no such section)."""
    level = number.count(".") + 2
    match = re.search(rf"^#{{{level}}} {re.escape(number)}[. ].*?(?=^#{{2,{level}}} |\Z)", odd,
                      flags=re.S | re.M)
    return match.group(0) if match else ""


@dataclass
class Table:
    heading: str  # the last heading line above the table
    caption: str  # the paragraph just above the table, joined on one line
    header: list[str]
    rows: list[list[str]]


def _cells(line: str) -> list[str]:
    return [c.strip() for c in line.strip().strip("|").split("|")]


def _tables(text: str) -> list[Table]:
    """The markdown tables of ``text``, each with its heading, caption, header and body rows."""
    tables: list[Table] = []
    heading, paragraph, lines = "", [], text.splitlines()
    i = 0
    while i < len(lines):
        line = lines[i]
        if line.startswith("|"):
            block = []
            while i < len(lines) and lines[i].startswith("|"):
                block.append(lines[i])
                i += 1
            body = [_cells(r) for r in block[1:] if not re.match(r"^\|[-| ]+\|$", r)]
            tables.append(Table(heading, " ".join(paragraph), _cells(block[0]), body))
            paragraph = []
            continue
        if line.startswith("#"):
            heading, paragraph = line, []
        elif line.strip():  # a new paragraph starts after a blank line
            paragraph = [*paragraph, line.strip()] if i and lines[i - 1].strip() else [line.strip()]
        i += 1
    return tables


def _ticked(cell: str) -> str | None:
    """The name in a cell that starts with a backticked name, else None."""
    match = re.match(r"`([^`]+)`", cell)
    return match.group(1) if match else None


def _first_column_names(tables: list[Table]) -> list[str]:
    return [name for t in tables for row in t.rows if (name := _ticked(row[0]))]


def _compare_names(kind: str, where: str, code: list[str] | set[str],
                   documented: list[str]) -> list[str]:
    """Mismatches between the names of the code and the names documented in ``where``."""
    problems = [f"{kind} `{n}` is in the code but has no row in {where}"
                for n in sorted(set(code) - set(documented))]
    problems += [f"{kind} `{n}` has a row in {where} but the code has no such name"
                 for n in sorted(set(documented) - set(code))]
    problems += [f"{kind} `{n}` has {documented.count(n)} rows in {where}"
                 for n in sorted(set(documented)) if documented.count(n) > 1]
    return problems


def _report(what: str, problems: list[str]) -> str:
    return f"{ODD_PATH} disagrees with the code on {what}:\n  " + "\n  ".join(problems)


# --- checkers: each returns every mismatch between an ODD text and the code --------------------

def check_states(odd: str) -> list[str]:
    """Table of section 2.2: one row per ``State`` with its code, its employed? and active?
    flags (``IS_EMPLOYED``, ``IS_ACTIVE``) and its quarterly class (``TRANSITION_CLASS``)."""
    listed = [r for t in _tables(_section(odd, "2.2")) for r in t.rows
              if len(r) > 5 and _ticked(r[1])]
    rows = {_ticked(r[1]): r for r in listed}
    problems = _compare_names("state", "the table of section 2.2", [s.name for s in State],
                              [_ticked(r[1]) for r in listed])
    yes_no = {True: "yes", False: "no"}
    for state in State:
        row = rows.get(state.name)
        if row is None:
            continue
        expected = [str(int(state)), yes_no[bool(IS_EMPLOYED[state])],
                    yes_no[bool(IS_ACTIVE[state])],
                    f"`{model.TRANSITION_CLASSES[TRANSITION_CLASS[state]]}`"]
        documented = [row[0], row[3], row[4], row[5]]
        for column, doc, code in zip(("code", "employed?", "active?", "quarterly class"),
                                     documented, expected, strict=True):
            if doc != code:
                problems.append(f"state `{state.name}`: {column} is {doc!r} in section 2.2, "
                                f"{code!r} in the code")
    return problems


def check_exit_outcomes(odd: str) -> list[str]:
    """Table of section 7.8: one row per ``ExitOutcome`` with its integer code."""
    tables = [t for t in _tables(_section(odd, "7.8")) if t.header[:2] == ["code", "outcome"]]
    pairs = [(_ticked(r[1]), r[0]) for t in tables for r in t.rows if _ticked(r[1])]
    problems = _compare_names("exit outcome", "the outcome table of section 7.8",
                              [o.name for o in ExitOutcome], [n for n, _ in pairs])
    for name, code in pairs:
        if name in ExitOutcome.__members__ and code != str(int(ExitOutcome[name])):
            problems.append(f"exit outcome `{name}`: code {code} in section 7.8, "
                            f"{int(ExitOutcome[name])} in the code")
    return problems


#: Named tuples of the code whose values the ODD spells out as "`NAME` = `a`, `b`, ...".
CONSTANT_LISTS: dict[str, tuple[str, ...]] = {
    "TRANSITION_CLASSES": model.TRANSITION_CLASSES,
    "SETTABLE_SECTIONS": SETTABLE_SECTIONS,
    "SETTABLE_FIELDS": SETTABLE_FIELDS,
}


def check_constant_lists(odd: str) -> list[str]:
    """``TRANSITION_CLASSES`` (section 2.2), ``SETTABLE_SECTIONS`` and ``SETTABLE_FIELDS``
    (section 7.1) are spelled out in the ODD with exactly the code's values, in order."""
    problems = []
    for const, values in CONSTANT_LISTS.items():
        match = re.search(rf"`{const}` = ((?:`[\w.]+`(?:,\s*)?)+)", odd)
        if not match:
            problems.append(f"`{const}` is not spelled out as \"`{const}` = `a`, `b`, ...\"")
            continue
        documented = tuple(re.findall(r"`([\w.]+)`", match.group(1)))
        if documented != tuple(values):
            problems.append(f"`{const}`: ODD lists {documented}, code has {tuple(values)}")
    return problems


def check_phases(odd: str) -> list[str]:
    """Section 3 is "Process overview and scheduling"; its numbered list names exactly the
    phases of ``PHASES`` in the order ``step()`` runs them, and in the whole section each
    phase first appears in that order too."""
    problems = []
    heading = re.search(r"^## 3\. (.*)$", odd, flags=re.M)
    if not (heading and "Process overview and scheduling" in heading.group(1)):
        problems.append("section 3 is not 'Process overview and scheduling'")
    text = _section(odd, "3")
    listed = re.findall(r"^\d+\. `(\w+)`", text, flags=re.M)
    problems += _compare_names("phase", "the numbered list of section 3", model.PHASES, listed)
    if not problems and listed != list(model.PHASES):
        problems.append(f"section 3 lists the phases as {listed}, step() runs {model.PHASES}")
    positions = {p: text.find(f"`{p}`") for p in model.PHASES}
    found = [p for p in model.PHASES if positions[p] >= 0]
    first_seen = sorted(found, key=positions.__getitem__)
    if first_seen != found:
        problems.append(f"phases first appear in section 3 as {first_seen}, "
                        f"step() runs {model.PHASES}")
    return problems


#: Captions that give the class of a field table, where the heading names another one.
FIELD_TABLE_CAPTIONS = {"Programme fields": "Programme", "Event fields": "Event",
                        "Demand-shock fields": "DemandShock"}


def _field_tables(odd: str) -> tuple[dict[str, list[list[str]]], list[str]]:
    """Class name -> rows of its field table in section 8, and the problems met on the way.

    A field table has the header ``name | default | unit | meaning``; it belongs to the class
    named in parentheses in the heading above it, or to the class its caption names
    (``Programme fields:``, ``Event fields:``, ``Demand-shock fields:``).
    """
    tables: dict[str, list[list[str]]] = {}
    problems: list[str] = []
    for table in _tables(_section(odd, "8")):
        if table.header != ["name", "default", "unit", "meaning"]:
            continue
        named = re.match(r"^#{3,4} [^(]*\((\w+)\)", table.heading)
        cls = named.group(1) if named else None
        for label, caption_cls in FIELD_TABLE_CAPTIONS.items():
            if table.caption.startswith(label):
                cls = caption_cls
        if cls not in PARAM_CLASSES:
            problems.append(f"section 8 has a field table under {table.heading!r} for "
                            f"{cls!r}, which is no class of the parameter tree")
        elif cls in tables:
            problems.append(f"section 8 has two field tables for {cls}")
        else:
            tables[cls] = table.rows
    return tables, problems


def _heading_class(odd: str, number: str) -> str | None:
    match = re.search(rf"^#{{3,4}} {re.escape(number)} [^(\n]*\((\w+)\)", odd, flags=re.M)
    return match.group(1) if match else None


def _default_problem(odd: str, cls: str, name: str, cell: str) -> str | None:
    """What is wrong with the default cell of ``cls.name``, or None."""
    info = PARAM_CLASSES[cls].model_fields[name]
    default = info.default
    where = f"{cls}.{name}"
    see = re.fullmatch(r"see (\d+(?:\.\d+)*)", cell)
    if see:  # a nested section: the cross-reference must lead to its own table
        target = _heading_class(odd, see.group(1))
        wanted = [m.__name__ for m in _models_in(info.annotation)]
        if target not in wanted:
            return (f"{where}: default cell {cell!r} points to a section about {target}, the "
                    f"field holds {wanted}")
        return None
    if default is PydanticUndefined:
        if cell not in ("required", "per type"):
            return f"{where}: the code has no default (required), ODD says {cell!r}"
        return None
    if info.default_factory is not None:
        return f"{where}: default built by a factory, ODD cell {cell!r} should be 'see <section>'"
    if isinstance(default, tuple) and default and isinstance(default[0], BaseModel):
        count = re.match(r"(\d+) ", cell)  # e.g. "8 sectors, table below"
        if not count or int(count.group(1)) != len(default):
            return f"{where}: ODD says {cell!r}, the code has {len(default)} defaults"
        return None
    try:
        documented = ast.literal_eval(cell)
    except (ValueError, SyntaxError):
        return f"{where}: default cell {cell!r} is not a literal; code has {default!r}"
    if isinstance(default, bool) or default is None or isinstance(default, str | tuple):
        same = documented == default and type(documented) is type(default)
    else:
        same = documented == pytest.approx(default)
    return None if same else f"{where}: ODD says {cell}, code has {default!r}"


def check_parameter_tables(odd: str) -> list[str]:
    """Section 8 has one field table per class of the parameter tree, with one row per field
    and no row for a field the class lacks; each field is named in the ODD; each default cell
    is the code's default (a literal, ``required``, a count of default entries, or a ``see``
    cross-reference to the section of the nested class)."""
    tables, problems = _field_tables(odd)
    for cls, name in PARAM_FIELDS:
        if f"`{name}`" not in odd:
            problems.append(f"parameter {cls}.{name} is not named anywhere in the ODD")
    for cls_name, cls in sorted(PARAM_CLASSES.items()):
        if cls_name not in tables:
            problems.append(f"section 8 has no field table for {cls_name}")
            continue
        documented = [_ticked(r[0]) for r in tables[cls_name] if _ticked(r[0])]
        problems += _compare_names(f"field of {cls_name}", "its table in section 8",
                                   list(cls.model_fields), documented)
        for row in tables[cls_name]:
            if _ticked(row[0]) in cls.model_fields:
                problem = _default_problem(odd, cls_name, _ticked(row[0]), row[1])
                if problem:
                    problems.append(problem)
    return problems


def _table_by_caption(text: str, prefix: str) -> Table | None:
    return next((t for t in _tables(text) if t.caption.startswith(prefix)), None)


def _compare_rows(kind: str, expected: list[str], documented: list[str]) -> list[str]:
    problems = [f"default {kind} row {r!r} is missing" for r in expected if r not in documented]
    problems += [f"default {kind} row {r!r} is documented but is no default of the code"
                 for r in documented if r not in expected]
    return problems


def check_default_tables(odd: str) -> list[str]:
    """The tables of default sectors, SIAE types and programmes of section 8 have exactly one
    row per default of ``TerritoryParams()``, with its values; the default programmes have the
    common ``skill_gain``, ``completion_rate`` and ``cost_per_seat`` their caption states."""
    params = TerritoryParams()
    text = _section(odd, "8")
    problems: list[str] = []

    sectors = _table_by_caption(text, "Default sectors")
    expected = [f"{s.name} | {s.job_share:.2f} | {s.durable_hire_share:.2f}"
                for s in params.demand.sectors]
    documented = [" | ".join(r) for r in sectors.rows] if sectors else []
    problems += _compare_rows("sector", expected, documented)

    siae = _table_by_caption(text, "Defaults per type")
    rows = {_ticked(r[0]): r[1:] for r in siae.rows} if siae else {}
    problems += _compare_names("SIAE type", "the table of defaults per type", list(params.siae),
                               list(rows))
    for kind, spec in params.siae.items():
        if kind not in rows:
            continue
        cells = [spec.structures, spec.posts, spec.structures * spec.posts,
                 spec.route_mean_months, spec.skill_gain, spec.barrier_reduction,
                 spec.exit_to_training, spec.dropout, spec.aid_per_fte_year]
        try:
            documented_values = [float(c) for c in rows[kind]]
        except ValueError:
            documented_values = []
        if documented_values != pytest.approx([float(c) for c in cells]):
            problems.append(f"SIAE {kind}: ODD has {rows[kind]}, code has {cells}")

    programmes = _table_by_caption(text, "Default programmes")
    expected = [f"{p.sector} | {p.seats} | {p.duration_months} | {p.qualification_gain}"
                for p in params.training.programmes]
    documented = [" | ".join(r) for r in programmes.rows] if programmes else []
    problems += _compare_rows("programme", expected, documented)
    caption = programmes.caption if programmes else ""
    for field in ("skill_gain", "completion_rate", "cost_per_seat"):
        stated = re.search(rf"`{field}` ([\d.]+)", caption)
        if not stated:
            problems.append(f"the caption of the default programmes states no `{field}`")
            continue
        for prog in params.training.programmes:
            if getattr(prog, field) != pytest.approx(float(stated.group(1))):
                problems.append(f"programme {prog.sector}: {field} is {getattr(prog, field)}, "
                                f"the ODD says all have {stated.group(1)}")
    return problems


def check_series(odd: str) -> list[str]:
    """The tables of section 11.1 have one row per monthly series of ``SERIES_DOCS``, and the
    PTCE table exactly the series of ``PTCE_SERIES_DOCS``."""
    tables = _tables(_section(odd, "11.1"))
    problems = _compare_names("series", "the tables of section 11.1", list(model.SERIES_DOCS),
                              _first_column_names(tables))
    ptce = [t for t in tables if "PTCE_SERIES_DOCS" in t.caption]
    problems += _compare_names("PTCE series", "the PTCE series table of section 11.1",
                               list(PTCE_SERIES_DOCS), _first_column_names(ptce))
    return problems


def check_outcomes(odd: str) -> list[str]:
    """The tables of section 11.2 have one row per end-of-run outcome of ``OUTCOME_DOCS``."""
    return _compare_names("outcome", "the tables of section 11.2", list(model.OUTCOME_DOCS),
                          _first_column_names(_tables(_section(odd, "11.2"))))


def check_draw_purposes(odd: str) -> list[str]:
    """The person-draw table of section 4.10 has one row (or a shared row listing several
    names) per draw purpose the code uses."""
    table = _table_by_caption(_section(odd, "4.10"), "Person draws by purpose")
    documented = []
    for row in table.rows if table else []:
        lead = re.match(r"(`[\w.]+`(?:, `[\w.]+`)*)", row[0])
        documented += re.findall(r"`([\w.]+)`", lead.group(1)) if lead else []
    return _compare_names("person draw", "the person-draw table of section 4.10", PURPOSES,
                          documented)


def check_streams(odd: str) -> list[str]:
    """The stream table of section 4.10 has one row per random stream the code draws from."""
    table = _table_by_caption(_section(odd, "4.10"), "Streams by name")
    return _compare_names("stream", "the stream table of section 4.10", STREAMS,
                          _first_column_names([table] if table else []))


# --- the walkers of the code find what they should ---------------------------------------------

def test_walk_finds_nested_sections() -> None:
    """Catches a parameter walker that stops at the top level (nested classes undocumented)."""
    for name in ("Population", "Sector", "SIAEType", "Programme", "Event", "DemandShock",
                 "Simulation", "Trust", "Bridges", "FollowUp"):
        assert name in PARAM_CLASSES


def test_union_types_are_walked() -> None:
    """Catches a walker that does not look inside ``X | None`` (DemandShock, PTCEParams)."""
    annotation = model.params.Event.model_fields["demand_shock"].annotation
    assert isinstance(annotation, types.UnionType) or typing.get_origin(annotation) is not None
    assert "factor" in {name for _, name in PARAM_FIELDS}


def test_random_draw_walker_finds_names() -> None:
    """Catches a draw-name regex that silently finds nothing (the draw checks would pass)."""
    assert {"search", "target_sector", "score", "route", "contract_length",
            "ptce.immersions"} <= set(PURPOSES)
    assert {"init", "matching", "ptce.init", "ptce.<lever>"} <= set(STREAMS)


# --- one test per kind of documented name ------------------------------------------------------

def test_states_table() -> None:
    """Catches a state added, renamed or renumbered in ``model.states`` (or a changed
    employed/active flag or quarterly class) without its row of section 2.2 following."""
    problems = check_states(ODD)
    assert not problems, _report("person states", problems)


def test_exit_outcomes_table() -> None:
    """Catches an ``ExitOutcome`` added, renamed or renumbered without the table of 7.8."""
    problems = check_exit_outcomes(ODD)
    assert not problems, _report("SIAE exit outcomes", problems)


def test_constant_lists_spelled_out() -> None:
    """Catches a change to ``TRANSITION_CLASSES``, ``SETTABLE_SECTIONS`` or ``SETTABLE_FIELDS``
    (a section made settable by events, a class renamed) that the ODD does not state."""
    problems = check_constant_lists(ODD)
    assert not problems, _report("named constant lists", problems)


def test_phases_listed_in_order() -> None:
    """Catches a phase added, removed, renamed or reordered in ``PHASES`` without section 3."""
    problems = check_phases(ODD)
    assert not problems, _report("the monthly phases", problems)


def test_parameter_tables() -> None:
    """Catches a parameter added, removed or renamed in ``model.params`` without its row of
    section 8, a row left for a removed field, and a default changed in the code but not in
    the ODD (or the reverse)."""
    problems = check_parameter_tables(ODD)
    assert not problems, _report("the parameter tables", problems)


def test_default_sector_siae_and_programme_tables() -> None:
    """Catches a default sector, SIAE type or programme added, removed or changed in the code
    (job shares, posts, aid per FTE...) without the tables of section 8."""
    problems = check_default_tables(ODD)
    assert not problems, _report("the default sectors, SIAE types and programmes", problems)


def test_series_table() -> None:
    """Catches a monthly series added, removed or renamed without the tables of 11.1."""
    problems = check_series(ODD)
    assert not problems, _report("the monthly series", problems)


def test_outcomes_table() -> None:
    """Catches an end-of-run outcome added, removed or renamed without the tables of 11.2."""
    problems = check_outcomes(ODD)
    assert not problems, _report("the end-of-run outcomes", problems)


def test_person_draw_table() -> None:
    """Catches a person-draw purpose used by the code but not in the table of 4.10, or a row
    left for a purpose the code no longer draws."""
    problems = check_draw_purposes(ODD)
    assert not problems, _report("the person-draw purposes", problems)


def test_stream_table() -> None:
    """Catches a random stream used by the code but not in the stream table of 4.10, or a row
    left for a stream the code no longer uses."""
    problems = check_streams(ODD)
    assert not problems, _report("the random streams", problems)


# --- the checkers can fail ---------------------------------------------------------------------

#: checker, (old text, new text) replacements applied to the ODD, expected problem fragments.
DOCTORED: dict[str, tuple[Callable[[str], list[str]], list[tuple[str, str]], list[str]]] = {
    "state renamed and renumbered": (
        check_states,
        [("| 2 | `TRAINING` |", "| 2 | `IN_TRAINING` |"), ("| 6 | `SELF", "| 7 | `SELF")],
        ["state `TRAINING` is in the code but has no row",
         "state `IN_TRAINING` has a row in the table of section 2.2 but the code has no",
         "state `SELF_EMPLOYED`: code is '7' in section 2.2, '6' in the code"]),
    "state quarterly class": (
        check_states,
        [("| yes | yes | `temp_job` |\n| 4", "| yes | yes | `durable_job` |\n| 4")],
        ["state `SIAE`: quarterly class is '`durable_job`' in section 2.2"]),
    "exit outcome renumbered": (
        check_exit_outcomes, [("| 2 | `POSITIVE`", "| 3 | `POSITIVE`")],
        ["exit outcome `POSITIVE`: code 3 in section 7.8, 2 in the code"]),
    "exit outcome renamed": (
        check_exit_outcomes, [("| 3 | `OTHER`", "| 3 | `AUTRE`")],
        ["exit outcome `OTHER` is in the code but has no row",
         "exit outcome `AUTRE` has a row"]),
    "settable section dropped": (
        check_constant_lists, [("`matching`, `prescription`, `ptce` (nested",
                                "`prescription`, `ptce` (nested")],
        ["`SETTABLE_SECTIONS`: ODD lists ('demography', 'separations', 'prescription', 'ptce')"]),
    "phases swapped": (
        check_phases, [("4. `separations`", "4. `prescription`"),
                       ("5. `prescription`", "5. `separations`")],
        ["section 3 lists the phases as ['events', 'demography', 'demand', 'prescription'"]),
    "phase renamed": (
        check_phases, [("9. `bookkeeping`", "9. `accounts`")],
        ["phase `bookkeeping` is in the code but has no row",
         "phase `accounts` has a row in the numbered list of section 3"]),
    "parameter row renamed and default changed": (
        check_parameter_tables,
        [("| `temp_renewal` |", "| `temp_renewals` |"),
         ("| `temp_mean_months` | 1.5 |", "| `temp_mean_months` | 4.0 |"),
         ("| `label` | \"\" |", "| `label` | required |"),
         ("| `trust` | see 8.13.1 |", "| `trust` | see 8.13.2 |")],
        ["field of Separations `temp_renewal` is in the code but has no row",
         "field of Separations `temp_renewals` has a row in its table in section 8 but the code",
         "Separations.temp_mean_months: ODD says 4.0, code has 1.5",
         "Event.label: default cell 'required' is not a literal",
         "PTCEParams.trust: default cell 'see 8.13.2' points to a section about Bridges"]),
    "parameter table for an unknown class": (
        check_parameter_tables, [("### 8.12 `simulation` (Simulation)",
                                  "### 8.12 `simulation` (Simulations)")],
        ["for 'Simulations', which is no class of the parameter tree",
         "section 8 has no field table for Simulation"]),
    "required field given a default": (
        check_parameter_tables, [("| `factor` | required |", "| `factor` | 1.0 |")],
        ["DemandShock.factor: the code has no default (required), ODD says '1.0'"]),
    "default tables": (
        check_default_tables,
        [("| retail | 0.14 | 0.25 |", "| retail | 0.15 | 0.25 |"),
         ("| `EI` | 1 | 8 | 8 | 12 |", "| `EI` | 2 | 8 | 8 | 12 |"),
         ("| industry | 10 | 9 | 1 |", "| industry | 10 | 9 | 1 |\n| energy | 5 | 3 | 1 |"),
         ("`completion_rate` 0.8,", "`completion_rate` 0.7,")],
        ["default sector row 'retail | 0.14 | 0.25' is missing",
         "default sector row 'retail | 0.15 | 0.25' is documented but is no default",
         "SIAE EI: ODD has",
         "default programme row 'energy | 5 | 3 | 1' is documented but is no default",
         "programme construction: completion_rate is 0.8, the ODD says all have 0.7"]),
    "series row renamed": (
        check_series, [("| `ptce_trust` | members' trust in the pole:",
                       "| `ptce_confidence` | members' trust in the pole:")],
        ["series `ptce_trust` is in the code but has no row in the tables of section 11.1",
         "series `ptce_confidence` has a row",
         "PTCE series `ptce_trust` is in the code but has no row"]),
    "outcome row renamed and duplicated": (
        check_outcomes, [("| `career_breaks` |", "| `career_break` |"),
                         ("| `iae_exits` |", "| `iae_stock` | twice |\n| `iae_exits` |")],
        ["outcome `career_breaks` is in the code but has no row",
         "outcome `career_break` has a row in the tables of section 11.2",
         "outcome `iae_stock` has 2 rows in the tables of section 11.2"]),
    "person draw dropped from a shared row": (
        check_draw_purposes, [("`ptce.immersions`, `ptce.shared_jobs`", "`ptce.shared_jobs`"),
                              ("| `layoff` |", "| `layoffs` |")],
        ["person draw `ptce.immersions` is in the code but has no row",
         "person draw `layoff` is in the code but has no row",
         "person draw `layoffs` has a row"]),
    "stream row renamed": (
        check_streams, [("| `siae_exits` | the order", "| `exits` | the order")],
        ["stream `siae_exits` is in the code but has no row",
         "stream `exits` has a row in the stream table of section 4.10"]),
}


@pytest.mark.parametrize("case", sorted(DOCTORED))
def test_checker_reports_doctored_odd(case: str) -> None:
    """Each checker reports every mismatch of an ODD text doctored as a plausible drift would
    (a row renamed, a code or default changed, rows swapped), all in one run: catches a
    checker that finds no table and so passes whatever the ODD says."""
    checker, replacements, expected = DOCTORED[case]
    doctored = ODD
    for old, new in replacements:
        assert doctored.count(old) == 1, f"{old!r} should occur once in ODD.md"
        doctored = doctored.replace(old, new)
    assert checker(ODD) == []
    problems = checker(doctored)
    for fragment in expected:
        assert any(fragment in p for p in problems), (
            f"{checker.__name__} missed {fragment!r}; it reported {problems}")
