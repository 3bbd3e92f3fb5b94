"""Load scenario YAML files into :class:`model.params.TerritoryParams`.

A scenario file mirrors the parameter tree key for key. Keys left out keep the model defaults
(mappings are merged into the defaults, lists replace them). A file may start from another one
with ``extends: OTHER`` (a path relative to the file, or a preset name) and override only some
keys. Every problem of a file is collected into one :class:`ScenarioError` that names the file,
the key path, what was expected, the value received and, for a typo, the closest valid key.

What is valid is decided by the schema alone (the pydantic models of :mod:`model.params`);
this module reads the files and locates each of the schema's errors from its ``loc``: the key
path, the line and column (and the extended file) where the key is written, what the key
accepts (from the model's annotations) and the closest valid name.
"""

from __future__ import annotations

import difflib
import types
import typing
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any, Literal, Union

import annotated_types as at
import yaml
from pydantic import BaseModel, ValidationError

from model.params import (
    PARAMETER_PATHS,
    PYDANTIC_ERROR_TYPES,
    TerritoryParams,
    field_annotation,
)
from scenarios.cycle import CycleDataError, fill_values

#: Folder holding the preset scenario files (``baseline.yaml``, ``territories/*.yaml``, ...).
PRESETS_DIR = Path(__file__).resolve().parent

_MISSING = object()
Loc = tuple[str | int, ...]


@dataclass(frozen=True)
class Problem:
    """One problem in a scenario file.

    ``path`` is a key path such as ``matching.efficiency`` or ``events[2].at`` (empty for the
    whole file); ``line`` and ``column`` are 1-based when known; ``received`` is the value read
    from the file (``None`` with ``has_received=False`` when there is none to show).
    """

    path: str
    message: str
    expected: str | None = None
    received: Any = None
    has_received: bool = False
    suggestion: str | None = None
    line: int | None = None
    column: int | None = None
    source: str | None = None  # the file the key was read from, when not the file loaded

    def __str__(self) -> str:
        pos = ""
        if self.line is not None:
            pos = f"line {self.line}" + (f", column {self.column}" if self.column else "")
            if self.source:
                pos += f" of {self.source}"
        if self.path and pos:
            text = f"{self.path} ({pos}): {self.message}"
        elif self.path or pos:
            text = f"{self.path or pos}: {self.message}"
        else:
            text = self.message
        if self.expected:
            text += f"; expected {self.expected}"
        if self.has_received:
            text += f", got {_show(self.received)}"
        if self.suggestion:
            text += f"; did you mean {self.suggestion!r}?"
        return text


class ScenarioError(Exception):
    """A scenario file that cannot be used, with every problem found in it.

    ``file`` is the file (or the name asked for); ``problems`` lists each :class:`Problem`.
    ``path``, ``expected``, ``received`` and ``suggestion`` are those of the first problem.
    """

    def __init__(self, file: str | Path, problems: list[Problem]) -> None:
        self.file = str(file)
        self.problems = list(problems)
        super().__init__(self.file)

    @property
    def path(self) -> str | None:
        return self.problems[0].path if self.problems else None

    @property
    def expected(self) -> str | None:
        return self.problems[0].expected if self.problems else None

    @property
    def received(self) -> Any:
        return self.problems[0].received if self.problems else None

    @property
    def suggestion(self) -> str | None:
        return self.problems[0].suggestion if self.problems else None

    def __str__(self) -> str:
        n = len(self.problems)
        head = f"{self.file}: {n} problem{'s' if n != 1 else ''}"
        return "\n".join([head, *(f"  - {p}" for p in self.problems)])


# --------------------------------------------------------------------------------------------
# Public API


#: YAML files of the presets folder that are data, not scenarios.
NOT_SCENARIOS: frozenset[str] = frozenset({"ptce/seed_figures"})


def list_presets() -> list[str]:
    """Names of the preset scenarios, e.g. ``['baseline', 'territories/7503_bayonne', ...]``."""
    names = (p.relative_to(PRESETS_DIR).with_suffix("").as_posix()
             for p in PRESETS_DIR.rglob("*.yaml"))
    return sorted(n for n in names if n not in NOT_SCENARIOS)


def resolve_scenario(source: str | Path, relative_to: Path | None = None) -> Path:
    """The file a scenario name or path designates.

    Tried in order: ``source`` as a path (relative to ``relative_to`` if given, else to the
    working directory), with ``.yaml`` appended, then as a preset name: ``baseline``,
    ``territories/7503_bayonne``, ``7503_bayonne`` or a unique zone code such as ``7503``.
    Raises :class:`ScenarioError` listing the presets when nothing matches.
    """
    text = str(source)
    base = relative_to if relative_to is not None else Path.cwd()
    raw = Path(text).expanduser()
    candidates = (raw, raw.with_name(raw.name + ".yaml")) if raw.name else ()
    for candidate in candidates:
        full = candidate if candidate.is_absolute() else base / candidate
        if full.is_file():
            return full
    name = text.removesuffix(".yaml").removesuffix(".yml").strip("/")
    presets = list_presets()
    if name in presets:
        return PRESETS_DIR / f"{name}.yaml"
    for matches in ([p for p in presets if p.rsplit("/", 1)[-1] == name],
                    [p for p in presets if p.rsplit("/", 1)[-1].startswith(f"{name}_")]):
        # a short name means the shallowest preset: `7503_bayonne` is the territory file,
        # `territories/calibrated/7503_bayonne` its calibrated version
        shallowest = [p for p in matches if p.count("/") == min(
            (q.count("/") for q in matches), default=0)]
        if len(shallowest) == 1:
            return PRESETS_DIR / f"{shallowest[0]}.yaml"
    close = difflib.get_close_matches(name, presets + [p.rsplit("/", 1)[-1] for p in presets],
                                      n=1)
    raise ScenarioError(text, [Problem(
        path="",
        message="no such file or preset; presets are: " + ", ".join(presets),
        suggestion=close[0] if close else None,
    )])


def load_scenario(source: str | Path) -> TerritoryParams:
    """Read, merge (``extends``) and validate a scenario file or preset.

    Raises :class:`ScenarioError` with every problem found when the file cannot be used.
    """
    path = resolve_scenario(source)
    layers = _read_chain(path, [])
    data: dict[str, Any] = TerritoryParams().model_dump(mode="python")
    for layer in reversed(layers):
        data = _deep_merge(data, layer.data)
    try:
        data = fill_values(data)
    except CycleDataError as exc:
        raise ScenarioError(path, [Problem(path=exc.key, message=exc.message)]) from None
    problems = _unique([_locate(p, layers) for p in _validate(data)])
    if problems:
        # in the order of the file; keys read from an extended file come last
        problems.sort(key=lambda p: (p.source is not None, p.line or 10**9, p.column or 0))
        raise ScenarioError(path, problems)
    return TerritoryParams.model_validate(data)


def validate_files(paths: Iterable[str | Path]) -> list[ScenarioError]:
    """Load each file; return the errors (an empty list when every file is valid)."""
    errors: list[ScenarioError] = []
    for p in paths:
        try:
            load_scenario(p)
        except ScenarioError as exc:
            errors.append(exc)
    return errors


# --------------------------------------------------------------------------------------------
# Reading files


@dataclass
class _Layer:
    file: Path
    data: dict[str, Any]
    marks: dict[Loc, tuple[int, int]]  # key path -> (line, column), 1-based


def _read_chain(path: Path, seen: list[Path]) -> list[_Layer]:
    """The file and the files it extends, the file first."""
    path = path.resolve()
    if path in seen:
        chain = " -> ".join(str(p) for p in [*seen, path])
        raise ScenarioError(seen[0], [Problem("extends", f"circular extends: {chain}")])
    layer = _read_file(path)
    parent = layer.data.pop("extends", None)
    if parent is None:
        return [layer]
    if not isinstance(parent, str):
        line = layer.marks.get(("extends",))
        raise ScenarioError(path, [Problem(
            "extends", "bad extends", expected="a file path or a preset name",
            received=parent, has_received=True,
            line=line[0] if line else None, column=line[1] if line else None)])
    try:
        parent_path = resolve_scenario(parent, relative_to=path.parent)
    except ScenarioError as exc:
        line = layer.marks.get(("extends",))
        raise ScenarioError(path, [Problem(
            "extends", exc.problems[0].message, received=parent, has_received=True,
            suggestion=exc.problems[0].suggestion,
            line=line[0] if line else None, column=line[1] if line else None)]) from None
    return [layer, *_read_chain(parent_path, [*seen, path])]


def _read_file(path: Path) -> _Layer:
    try:
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        raise ScenarioError(path, [Problem("", f"cannot read the file: {exc}")]) from None
    try:
        node = yaml.compose(text, Loader=yaml.SafeLoader)
        data = yaml.safe_load(text)
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        what = getattr(exc, "problem", None) or str(exc)
        context = getattr(exc, "context", None)
        message = f"malformed YAML: {what}" + (f" ({context})" if context else "")
        raise ScenarioError(path, [Problem(
            "", message,
            line=mark.line + 1 if mark else None,
            column=mark.column + 1 if mark else None)]) from None
    if data is None:
        data = {}
    if not isinstance(data, dict):
        raise ScenarioError(path, [Problem(
            "", "the file must be a mapping of keys (name: ..., population: ...)",
            received=data, has_received=True, line=1)])
    marks: dict[Loc, tuple[int, int]] = {}
    duplicates: list[Problem] = []
    if node is not None:
        _collect_marks(node, (), marks, duplicates)
    if duplicates:
        raise ScenarioError(path, duplicates)
    return _Layer(path, data, marks)


def _collect_marks(node: yaml.Node, loc: Loc, marks: dict[Loc, tuple[int, int]],
                   duplicates: list[Problem]) -> None:
    if isinstance(node, yaml.MappingNode):
        seen: set[Any] = set()
        for key_node, value_node in node.value:
            key: Any = key_node.value
            child = (*loc, key)
            if key in seen:
                duplicates.append(Problem(
                    _format_loc(child), "key given twice (YAML keeps only the last)",
                    line=key_node.start_mark.line + 1, column=key_node.start_mark.column + 1))
            seen.add(key)
            marks[child] = (key_node.start_mark.line + 1, key_node.start_mark.column + 1)
            _collect_marks(value_node, child, marks, duplicates)
    elif isinstance(node, yaml.SequenceNode):
        for i, item in enumerate(node.value):
            child = (*loc, i)
            marks[child] = (item.start_mark.line + 1, item.start_mark.column + 1)
            _collect_marks(item, child, marks, duplicates)


def _deep_merge(base: Any, override: Any) -> Any:
    """Merge mappings recursively; anything else (lists included) replaces the base."""
    if isinstance(base, dict) and isinstance(override, dict):
        out = dict(base)
        for key, value in override.items():
            out[key] = _deep_merge(base[key], value) if key in base else value
        return out
    return override


# --------------------------------------------------------------------------------------------
# Validation


@dataclass
class _RawProblem:
    loc: Loc
    problem: Problem
    unknown_key: bool = False


def _validate(data: dict[str, Any]) -> list[_RawProblem]:
    """Every problem the schema finds in the merged data, located."""
    try:
        TerritoryParams.model_validate(data)
    except ValidationError as exc:
        found = [_from_pydantic(err, data) for err in exc.errors()]
    else:
        return []
    # an unknown key's value is not worth reporting on as well
    unknown = [r.loc for r in found if r.unknown_key]
    return [r for r in found
            if not any(len(r.loc) > len(u) and r.loc[:len(u)] == u for u in unknown)]


def _from_pydantic(err: Mapping[str, Any], data: dict[str, Any]) -> _RawProblem:
    loc = _clean_loc(tuple(err["loc"]))
    kind = err["type"]
    received = err.get("input", _MISSING)
    if kind == "extra_forbidden":
        parent = _model_at(loc[:-1])
        names = list(parent.model_fields) if parent else []
        close = difflib.get_close_matches(str(loc[-1]), names, n=1, cutoff=0.6)
        return _RawProblem(loc, Problem(
            _format_loc(loc), "unknown key",
            expected=("one of " + ", ".join(names)) if names and not close else None,
            suggestion=close[0] if close else None), unknown_key=True)
    if kind == "literal_error" and loc and loc[-1] == "[key]":
        loc = loc[:-1]
        choices = list(typing.get_args(_annotation_at(loc[:-1], key_of_dict=True) or ()))
        close = difflib.get_close_matches(str(loc[-1]), [str(c) for c in choices], n=1,
                                          cutoff=0.5)
        return _RawProblem(loc, Problem(
            _format_loc(loc), "unknown key",
            expected="one of " + ", ".join(map(str, choices)) if choices else None,
            suggestion=close[0] if close else None), unknown_key=True)
    if kind == "missing" and loc and isinstance(loc[-1], int):
        # a fixed-length list that is too short: report the list, not each absent item
        loc = loc[:-1]
        return _RawProblem(loc, Problem(
            _format_loc(loc), "wrong number of items", expected=_describe(loc),
            received=_get(data, loc), has_received=True))
    if kind == "missing":
        return _RawProblem(loc, Problem(
            _format_loc(loc), "required key missing", expected=_describe(loc)))
    if kind not in PYDANTIC_ERROR_TYPES:
        # one of the schema's own rules: its message, and what its context names
        ctx = err.get("ctx") or {}
        has = received is not _MISSING
        return _RawProblem(loc, Problem(
            _format_loc(loc), str(err["msg"]), expected=ctx.get("expected"),
            received=received if has else None, has_received=has,
            suggestion=_closest(ctx, loc, received)))
    if kind in ("value_error", "assertion_error"):
        # a validator's message (a rule between the fields of a section, or within a list)
        message = str(err["msg"]).removeprefix("Value error, ").removeprefix("Assertion failed, ")
        return _RawProblem(loc, Problem(_format_loc(loc), message))
    expected = _describe(loc) or _pydantic_expected(err)
    has = received is not _MISSING
    return _RawProblem(loc, Problem(
        _format_loc(loc), "invalid value", expected=expected,
        received=received if has else None, has_received=has))


def _closest(ctx: Mapping[str, Any], loc: Loc, received: Any) -> str | None:
    """The closest of the names a schema error lists: ``choices`` for the value received,
    ``key_choices`` for the key itself (the last part of ``loc``)."""
    if ctx.get("key_choices") and loc:
        close = difflib.get_close_matches(str(loc[-1]), [str(c) for c in ctx["key_choices"]],
                                          n=1, cutoff=0.8)
    elif ctx.get("choices") and isinstance(received, str):
        close = difflib.get_close_matches(received, [str(c) for c in ctx["choices"]], n=1)
    else:
        close = []
    return close[0] if close else None


# --------------------------------------------------------------------------------------------
# Describing what a key expects, from the parameter models themselves


def _clean_loc(loc: tuple[Any, ...]) -> Loc:
    """Drop pydantic's union-branch markers (such as ``float``) from an error location."""
    out: list[str | int] = []
    ann: Any = TerritoryParams
    for part in loc:
        nxt = _step(ann, part) if ann is not None else None
        if nxt is None and ann is not None and _is_union(ann):
            continue
        out.append(part)
        ann = nxt
    return tuple(out)


def _is_union(annotation: Any) -> bool:
    bare, _ = _unwrap(annotation)
    return typing.get_origin(bare) in (Union, types.UnionType)


def _unwrap(annotation: Any) -> tuple[Any, list[Any]]:
    """Strip Annotated and Optional; return the bare type and its constraints."""
    constraints: list[Any] = []
    while True:
        origin = typing.get_origin(annotation)
        if origin is typing.Annotated:
            args = typing.get_args(annotation)
            annotation = args[0]
            for meta in args[1:]:
                constraints.extend(getattr(meta, "metadata", None) or [meta])
            continue
        if origin in (Union, types.UnionType):
            members = [a for a in typing.get_args(annotation) if a is not type(None)]
            if len(members) == 1:
                annotation = members[0]
                continue
        return annotation, constraints


def _model_class(annotation: Any) -> type[BaseModel] | None:
    bare, _ = _unwrap(annotation)
    return bare if isinstance(bare, type) and issubclass(bare, BaseModel) else None


def _step(annotation: Any, part: str | int) -> Any:
    """The annotation one level down ``part`` (a field, a list index or a mapping key)."""
    if annotation is None:
        return None
    bare, constraints = _unwrap(annotation)
    if typing.get_origin(bare) is dict and PARAMETER_PATHS in constraints:
        # Event.set: a key is a parameter path, its value is validated as that field
        return field_annotation(part) if isinstance(part, str) else None
    model = _model_class(annotation)
    if model is not None:
        field = model.model_fields.get(part) if isinstance(part, str) else None
        if field is None:
            return None
        if field.metadata:
            return typing.Annotated[field.annotation, *field.metadata]
        return field.annotation
    bare, _ = _unwrap(annotation)
    origin = typing.get_origin(bare)
    args = typing.get_args(bare)
    if origin is tuple and isinstance(part, int):
        if len(args) == 2 and args[1] is Ellipsis:
            return args[0]
        return args[part] if part < len(args) else None
    if origin in (list, set, frozenset) and isinstance(part, int):
        return args[0] if args else None
    if origin is dict and args:
        return args[0] if part == "[key]" else args[1]
    return None


def _annotation_at(loc: Loc, key_of_dict: bool = False,
                   with_constraints: bool = False) -> Any:
    ann: Any = TerritoryParams
    for part in loc:
        ann = _step(ann, part)
        if ann is None:
            return None
    if key_of_dict:
        bare, _ = _unwrap(ann)
        args = typing.get_args(bare)
        return _unwrap(args[0])[0] if typing.get_origin(bare) is dict and args else None
    return ann if with_constraints else _unwrap(ann)[0]


def _model_at(loc: Loc) -> type[BaseModel] | None:
    ann = _annotation_at(loc)
    return _model_class(ann) if ann is not None else None


def _describe(loc: Loc) -> str | None:
    """What the key at ``loc`` accepts, e.g. 'a number >= 0 and <= 1'."""
    ann = _annotation_at(loc, with_constraints=True)
    if ann is None:
        return None
    return _describe_type(ann)


def _describe_type(annotation: Any) -> str:
    nullable = _is_optional(annotation)
    bare, constraints = _unwrap(annotation)
    origin = typing.get_origin(bare)
    if bare is bool:
        text = "true or false"
    elif bare is int:
        text = "a whole number"
    elif bare is float:
        text = "a number"
    elif bare is str:
        text = "a text"
    elif origin is Literal:
        text = "one of " + ", ".join(repr(a) for a in typing.get_args(bare))
    elif _model_class(bare) is not None:
        model = _model_class(bare)
        assert model is not None
        text = "a mapping with keys " + ", ".join(model.model_fields)
    elif origin is tuple:
        args = typing.get_args(bare)
        if len(args) == 2 and args[1] is Ellipsis:
            text = f"a list of ({_describe_type(args[0])})"
        else:
            text = f"a list of {len(args)} items, each {_describe_type(args[0])}"
    elif origin is dict:
        text = "a mapping"
    else:
        text = getattr(bare, "__name__", str(bare))
    bounds = _bounds(constraints)
    if bounds:
        text += " " + bounds
    if nullable:
        text += ", or null"
    return text


def _is_optional(annotation: Any) -> bool:
    while typing.get_origin(annotation) is typing.Annotated:
        annotation = typing.get_args(annotation)[0]
    return (typing.get_origin(annotation) in (Union, types.UnionType)
            and type(None) in typing.get_args(annotation))


def _bounds(constraints: list[Any]) -> str:
    parts: list[str] = []
    for c in constraints:
        for cls, attr, sign in ((at.Gt, "gt", ">"), (at.Ge, "ge", ">="),
                                (at.Lt, "lt", "<"), (at.Le, "le", "<=")):
            if isinstance(c, cls):
                parts.append(f"{sign} {_num(getattr(c, attr))}")
        if isinstance(c, at.MinLen):
            parts.append(f"of length >= {c.min_length}")
        if isinstance(c, at.MaxLen):
            parts.append(f"of length <= {c.max_length}")
    return " and ".join(parts)


def _num(value: Any) -> str:
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value)


def _pydantic_expected(err: Mapping[str, Any]) -> str:
    msg = str(err.get("msg", ""))
    return msg.removeprefix("Input should be ").removeprefix("Value error, ")


# --------------------------------------------------------------------------------------------
# Small helpers


def _format_loc(loc: Loc) -> str:
    text = ""
    for part in loc:
        if isinstance(part, int):
            text += f"[{part}]"
        else:
            text += ("." if text else "") + str(part)
    return text


def _get(data: Any, loc: Loc) -> Any:
    for part in loc:
        if isinstance(data, dict) and part in data:
            data = data[part]
        elif isinstance(data, list | tuple) and isinstance(part, int) and part < len(data):
            data = data[part]
        else:
            return None
    return data


def _show(value: Any) -> str:
    text = repr(value)
    return text if len(text) <= 80 else text[:77] + "..."


def _locate(raw: _RawProblem, layers: list[_Layer]) -> Problem:
    """Add the line (and the file, if an extended one) where the key was written.

    A key's value comes from the first layer (the file, then what it extends) that sets it;
    a list comes whole from one layer, so its items are looked up in that layer only.
    """
    problem = raw.problem
    if problem.line is not None:
        return problem
    owner: int | None = None
    found: tuple[int, tuple[int, int]] | None = None
    for i in range(1, len(raw.loc) + 1):
        prefix = raw.loc[:i]
        indices = [owner] if owner is not None else range(len(layers))
        hit = next((n for n in indices if prefix in layers[n].marks), None)
        if hit is None:
            break
        found = (hit, layers[hit].marks[prefix])
        if i < len(raw.loc) and isinstance(raw.loc[i], int):
            owner = hit
    if found is None:
        return problem
    n, (line, column) = found
    return replace(problem, line=line, column=column,
                   source=str(layers[n].file) if n else None)


def _unique(problems: list[Problem]) -> list[Problem]:
    out: list[Problem] = []
    for p in problems:
        if not any(p.path == q.path and p.message == q.message for q in out):
            out.append(p)
    return out
