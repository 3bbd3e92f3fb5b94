"""Experimental designs: scenarios x parameter points x replications.

Points come from a grid (``--set key=v1,v2``, several ``--set`` make a cartesian product), a
Latin hypercube over ranges (``--lhs key=low:high --samples N``), or an experiment file (YAML):

.. code-block:: yaml

    name: demand shock
    description: what it answers
    scenarios: [baseline, territories/7503_bayonne]   # preset names or paths
    baseline: baseline            # for `ptce compare`: a scenario or a point label
    replications: 10
    seed: 20261128                # root seed of the replications
    months: 120                   # simulation.months (optional)
    burn_in_months: 24            # simulation.burn_in_months (optional)
    set: {population.persons: 5000}                  # applied to every point
    factors:                                          # levels -> grid; range -> hypercube
      matching.efficiency: {levels: [0.15, 0.25]}
      demand.jobs_per_active: {range: [0.9, 1.0]}
    samples: 8                    # hypercube size when a factor has a range
    points:                       # named points, crossed with the factors (optional)
      - {label: without, set: {ptce: null}}
      - {label: bridges alone, set: {ptce.bridges.enabled: true}}
    outcomes: [unemployment_rate, employment_rate]    # the main outcomes for `compare`

Every scenario runs every point with the same replication seeds (common random numbers):
replication ``r`` uses ``SeedSequence(seed).spawn(replications)[r]``.
"""

from __future__ import annotations

import hashlib
import itertools
import json
import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import yaml
from pydantic import ValidationError

from model import TerritoryParams, with_values

DEFAULT_ROOT_SEED = 20261128
EXPERIMENTS_DIR = Path(__file__).resolve().parent / "definitions"

#: Main outcomes shown by ``ptce compare`` unless the experiment names its own.
DEFAULT_OUTCOMES: tuple[str, ...] = (
    "unemployment_rate",
    "employment_rate",
    "long_term_unemployed_share",
    "job_finding_rate",
    "iae_exit_share_durable",
    "career_share_months_employed",
)


class DesignError(ValueError):
    """A design that cannot be built; the message names the option or file and the fix."""


@dataclass(frozen=True)
class DesignPoint:
    """One scenario with parameter values: ``values`` are the dotted paths set on top of it."""

    index: int
    scenario: str
    values: dict[str, Any]
    params: TerritoryParams
    label: str = ""


@dataclass
class Design:
    """A whole batch design: its points and the replications each of them runs."""

    name: str
    points: list[DesignPoint]
    replications: int
    root_seed: int
    baseline: str | None = None
    outcomes: tuple[str, ...] = DEFAULT_OUTCOMES
    spec: dict[str, Any] = field(default_factory=dict)

    def seeds(self) -> list[np.random.SeedSequence]:
        """Replication seeds, the same for every point (common random numbers)."""
        return np.random.SeedSequence(self.root_seed).spawn(self.replications)

    def signature(self) -> str:
        """A hash of what the batch computes; the same command gives the same signature."""
        payload = {
            "root_seed": str(self.root_seed),
            "replications": self.replications,
            "points": [
                [p.index, p.scenario, p.label, _jsonable(p.values),
                 p.params.model_dump(mode="json")]
                for p in self.points
            ],
        }
        text = json.dumps(payload, sort_keys=True, default=str)
        return hashlib.sha256(text.encode()).hexdigest()


# --------------------------------------------------------------------------------------------
# Parsing factors


def parse_set(option: str) -> tuple[str, list[Any]]:
    """``"matching.efficiency=0.1,0.2"`` -> ``("matching.efficiency", [0.1, 0.2])``.

    Values are read as YAML scalars (``0.2`` a number, ``true`` a boolean, ``abc`` a text).
    """
    if "=" not in option:
        raise DesignError(
            f"--set {option!r}: expected KEY=V1,V2,... such as --set matching.efficiency=0.1,0.2"
        )
    key, _, raw = option.partition("=")
    key = key.strip()
    if not key or any(not part for part in key.split(".")):
        raise DesignError(f"--set {option!r}: the key before '=' must be a dotted parameter path")
    parts = [v.strip() for v in raw.split(",")]
    if not raw.strip() or any(not v for v in parts):
        raise DesignError(f"--set {option!r}: give one or more comma-separated values after '='")
    values = []
    for text in parts:
        try:
            values.append(yaml.safe_load(text))
        except yaml.YAMLError as exc:
            raise DesignError(f"--set {option!r}: cannot read value {text!r}") from exc
    return key, values


def parse_range(option: str) -> tuple[str, tuple[float, float]]:
    """``"matching.efficiency=0.1:0.3"`` -> ``("matching.efficiency", (0.1, 0.3))``."""
    key, _, raw = option.partition("=")
    low, sep, high = raw.partition(":")
    try:
        if not key.strip() or not sep:
            raise ValueError
        bounds = (float(low), float(high))
    except ValueError as exc:
        raise DesignError(
            f"--lhs {option!r}: expected KEY=LOW:HIGH such as --lhs matching.efficiency=0.1:0.3"
        ) from exc
    if not bounds[0] < bounds[1] or not all(math.isfinite(b) for b in bounds):
        raise DesignError(f"--lhs {option!r}: LOW must be below HIGH")
    return key.strip(), bounds


def grid_points(levels: Mapping[str, Sequence[Any]]) -> list[dict[str, Any]]:
    """The cartesian product of factor levels, in the order given (one empty point if none)."""
    keys = list(levels)
    return [dict(zip(keys, combo, strict=True))
            for combo in itertools.product(*(levels[k] for k in keys))]


def latin_hypercube(ranges: Mapping[str, tuple[float, float]], samples: int,
                    seed: int | np.random.SeedSequence) -> list[dict[str, float]]:
    """``samples`` points, each factor's range cut into ``samples`` strata used once each.

    Integer-typed parameters are rounded by :func:`build_design` when validated.
    """
    if samples < 1:
        raise DesignError("a Latin hypercube needs --samples of at least 1")
    rng = np.random.default_rng(seed)
    columns = {}
    for key, (low, high) in ranges.items():
        strata = (rng.permutation(samples) + rng.random(samples)) / samples
        columns[key] = low + strata * (high - low)
    return [{k: float(columns[k][i]) for k in ranges} for i in range(samples)]


# --------------------------------------------------------------------------------------------
# Building a design


def build_design(
    scenarios: Sequence[str],
    *,
    sets: Sequence[str] = (),
    lhs: Sequence[str] = (),
    samples: int = 0,
    fixed: Mapping[str, Any] | None = None,
    points: Sequence[Mapping[str, Any]] = (),
    replications: int = 1,
    root_seed: int = DEFAULT_ROOT_SEED,
    name: str = "",
    baseline: str | None = None,
    outcomes: Sequence[str] | None = None,
    relative_to: Path | None = None,
    load: Any = None,
) -> Design:
    """Scenarios x points (grid of ``sets`` crossed with a hypercube over ``lhs``) x replications.

    ``fixed`` values apply to every point. ``points`` lists named points
    (``{"label": "bridges alone", "set": {"ptce.bridges.enabled": True}}``) crossed with the
    grid and the hypercube. Raises :class:`DesignError` for malformed options,
    unknown parameter paths and out-of-range values, and ``scenarios.ScenarioError`` for
    scenario files that cannot be loaded; nothing is written anywhere.
    """
    if load is None:
        from scenarios import load_scenario as load
    if not scenarios:
        raise DesignError("give at least one scenario (a preset name such as baseline, or a file)")
    if replications < 1:
        raise DesignError(f"--replications must be at least 1, got {replications}")
    levels: dict[str, list[Any]] = {}
    for option in sets:
        key, values = parse_set(option)
        levels.setdefault(key, []).extend(values)
    ranges = dict(parse_range(option) for option in lhs)
    if ranges and samples < 1:
        samples = 10
    grid = grid_points(levels)
    named = [(str(pt.get("label", "")), dict(pt.get("set") or {})) for pt in points] or [("", {})]

    bases: dict[str, TerritoryParams] = {}
    for source in scenarios:
        path, target = Path(source), source
        if relative_to is not None and not path.is_absolute():
            candidate = relative_to / path
            if candidate.is_file() or candidate.with_name(candidate.name + ".yaml").is_file():
                target = str(candidate)
        # the label is the name as written; the parameters themselves are stored in full
        bases[source] = load(target)
    cube = latin_hypercube(ranges, samples, root_seed) if ranges else [{}]
    if ranges:
        current = next(iter(bases.values())).model_dump()
        for key in ranges:
            if isinstance(_lookup(current, key), int):  # e.g. population.persons
                for point in cube:
                    point[key] = round(point[key])
    combos = [(label, {**values, **g, **c}) for label, values in named for g in grid for c in cube]
    design_points: list[DesignPoint] = []
    for scenario, base in bases.items():
        if fixed:
            base = _apply(base, dict(fixed), "set")
        for label, values in combos:
            what = f"point {label!r}" if label else "--set/--lhs" if not fixed else "factor"
            params = _apply(base, values, what)
            design_points.append(DesignPoint(len(design_points), scenario, values, params, label))
    base_name = baseline
    labels = {label for label, _ in named if label}
    if base_name is not None and base_name in labels:
        pass  # a named point is the baseline of the others, within each scenario
    elif base_name is not None and base_name not in bases:
        matches = [s for s in bases if Path(s).stem == Path(base_name).stem]
        if not matches:
            raise DesignError(
                f"baseline {base_name!r} is not one of the scenarios: {', '.join(bases)}"
            )
        base_name = matches[0]
    return Design(
        name=name or " vs ".join(Path(s).stem for s in bases),
        points=design_points,
        replications=replications,
        root_seed=int(root_seed),
        baseline=base_name or next(iter(bases)),
        outcomes=tuple(outcomes) if outcomes else DEFAULT_OUTCOMES,
        spec={"sets": list(sets), "lhs": list(lhs), "samples": samples,
              "fixed": _jsonable(dict(fixed or {}))},
    )


def load_experiment(path: str | Path, *, replications: int | None = None,
                    extra_scenarios: Sequence[str] = (), sets: Sequence[str] = (),
                    root_seed: int | None = None) -> Design:
    """Read an experiment YAML file (see the module docstring) into a :class:`Design`.

    ``path`` may be a file or the name of one in ``experiments/`` (``levers_alone``).
    Command-line ``replications``, ``root_seed`` and ``sets`` override the file.
    """
    file = _resolve_experiment(path)
    try:
        spec = yaml.safe_load(file.read_text()) or {}
    except yaml.YAMLError as exc:
        raise DesignError(f"{file}: not valid YAML: {exc}") from exc
    if not isinstance(spec, dict):
        raise DesignError(f"{file}: expected a mapping of keys (name, scenarios, factors, ...)")
    known = {"name", "description", "scenarios", "baseline", "replications", "seed", "months",
             "burn_in_months", "set", "factors", "samples", "outcomes", "points"}
    unknown = sorted(set(spec) - known)
    if unknown:
        raise DesignError(f"{file}: unknown keys {unknown}; allowed: {sorted(known)}")
    scenario_list = list(spec.get("scenarios") or []) + list(extra_scenarios)
    if not scenario_list:
        raise DesignError(f"{file}: 'scenarios' must list at least one scenario")
    fixed = dict(spec.get("set") or {})
    if spec.get("months") is not None:
        fixed["simulation.months"] = spec["months"]
    if spec.get("burn_in_months") is not None:
        fixed["simulation.burn_in_months"] = spec["burn_in_months"]
    set_options = list(sets)
    lhs_options = []
    for key, factor in (spec.get("factors") or {}).items():
        if isinstance(factor, list):
            factor = {"levels": factor}
        if not isinstance(factor, dict) or not ({"levels", "range"} & set(factor)):
            raise DesignError(f"{file}: factor {key!r} needs 'levels: [...]' or 'range: [lo, hi]'")
        if "levels" in factor:
            set_options.append(f"{key}=" + ",".join(json.dumps(v) for v in factor["levels"]))
        else:
            low, high = factor["range"]
            lhs_options.append(f"{key}={low}:{high}")
    design = build_design(
        scenario_list,
        sets=set_options,
        lhs=lhs_options,
        samples=int(spec.get("samples") or 0),
        fixed=fixed,
        points=_read_points(file, spec.get("points") or []),
        replications=int(replications or spec.get("replications") or 1),
        root_seed=int(root_seed if root_seed is not None
                      else spec.get("seed", DEFAULT_ROOT_SEED)),
        name=str(spec.get("name") or file.stem),
        baseline=spec.get("baseline"),
        outcomes=spec.get("outcomes"),
        relative_to=file.parent,
    )
    design.spec["experiment"] = str(file)
    return design


def _read_points(file: Path, raw: Any) -> list[dict[str, Any]]:
    if not isinstance(raw, list) or not all(
            isinstance(p, dict) and set(p) <= {"label", "set"} and p.get("label") for p in raw):
        raise DesignError(
            f"{file}: 'points' must be a list of {{label: NAME, set: {{KEY: VALUE}}}}")
    labels = [p["label"] for p in raw]
    if len(set(labels)) != len(labels):
        raise DesignError(f"{file}: point labels must be unique, got {labels}")
    return raw


def _resolve_experiment(path: str | Path) -> Path:
    raw = Path(path)
    for candidate in (raw, raw.with_name(raw.name + ".yaml"), EXPERIMENTS_DIR / raw,
                      EXPERIMENTS_DIR / f"{raw.name}.yaml"):
        if candidate.is_file():
            return candidate
    named = sorted(p.stem for p in EXPERIMENTS_DIR.glob("*.yaml"))
    raise DesignError(
        f"experiment file {str(path)!r} not found; named experiments: {', '.join(named)}"
    )


def _apply(base: TerritoryParams, values: dict[str, Any], what: str) -> TerritoryParams:
    if not values:
        return base
    try:
        return with_values(base, values)
    except KeyError as exc:
        key = exc.args[0]
        raise DesignError(
            f"{what} {key!r}: no such parameter; use a dotted path of the scenario schema, "
            "such as matching.efficiency or population.persons"
        ) from exc
    except ValidationError as exc:
        problems = "; ".join(
            f"{'.'.join(str(p) for p in err['loc'])}: {err['msg']} (got {err.get('input')!r})"
            for err in exc.errors()
        )
        raise DesignError(f"{what} {values}: invalid value: {problems}") from exc


def _lookup(data: Any, path: str) -> Any:
    for part in path.split("."):
        if not isinstance(data, dict) or part not in data:
            return None
        data = data[part]
    return data


def _jsonable(value: Any) -> Any:
    return json.loads(json.dumps(value, default=str))
