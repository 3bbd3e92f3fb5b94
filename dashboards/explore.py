"""What the Explore page runs: control descriptors, control values -> parameters, one run.

The controls are data (:class:`Control`), each naming the dotted parameter path it sets, so
that the page draws them in a loop and adding a lever is a line here. The PTCE group is built
from :data:`PTCE_CONTROLS`, each checked against the model's parameter schema.
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field
from typing import Any, Literal

from model import RunResult, TerritoryParams, simulate, with_values

SIAE_KINDS = ("ACI", "EI", "ETTI", "AI")
NO_SHOCK = "none"


@dataclass(frozen=True)
class Control:
    """One widget of the Explore page.

    Attributes:
        path: dotted path in :class:`model.TerritoryParams` (``"ptce.bridges.intensity"``).
        label: what the user reads.
        kind: ``"switch"`` (bool), ``"float"`` or ``"int"`` slider.
        min, max, step: slider range (ignored for switches).
        group: heading the control is drawn under.
    """

    path: str
    label: str
    kind: Literal["switch", "float", "int"] = "float"
    min: float = 0.0
    max: float = 1.0
    step: float = 0.05
    group: str = ""


#: Territory controls that are plain parameter paths (the others are composite, see below).
TERRITORY_CONTROLS: tuple[Control, ...] = (
    Control("matching.efficiency", "Matching efficiency (mu)", "float", 0.05, 1.5, 0.05,
            group="Labour market"),
    *(Control(f"siae.{k}.posts", f"{k}: insertion posts per structure", "int", 0, 60, 1,
              group="SIAE posts by type") for k in SIAE_KINDS),
)

_LEVER_LABELS = {
    "bridges": "Bridges (passerelles)",
    "immersions": "Cross immersions (PMSMP)",
    "shared_jobs": "Shared jobs",
    "skills_exchange": "Skills exchange (bourse aux compétences)",
    "coordinated_training": "Coordinated training (GPEC)",
    "incubation": "Incubation",
    "follow_up": "Follow-up after exit",
}

#: The PTCE group: coordinator, membership, then each lever's switch and intensity.
PTCE_CONTROLS: tuple[Control, ...] = (
    Control("ptce.coordinator_fte", "Coordinator FTE (per 20,000 persons)", "float", 0, 10, 0.5,
            group="Coordinator"),
    Control("ptce.budget_per_year", "Coordination budget, EUR per year", "float", 0, 500_000,
            10_000, group="Coordinator"),
    Control("ptce.funding", "Funding level (0 = funding gap)", "float", 0, 1, 0.1,
            group="Coordinator"),
    Control("ptce.member_share_firms", "Share of firms that are members", "float", 0, 0.5, 0.01,
            group="Members"),
    Control("ptce.member_share_siae", "Share of SIAE that are members", "float", 0, 1, 0.05,
            group="Members"),
    *(c for lever, label in _LEVER_LABELS.items() for c in (
        Control(f"ptce.{lever}.enabled", label, "switch", group="Levers"),
        Control(f"ptce.{lever}.intensity", "intensity (share of capacity)", "float", 0, 1, 0.05,
                group="Levers"),
    )),
)


def get_path(params: TerritoryParams, path: str, default: Any = None) -> Any:
    """The value at dotted ``path`` of ``params`` (``default`` if a section is absent)."""
    node: Any = params
    for part in path.split("."):
        if node is None:
            return default
        node = node.get(part) if isinstance(node, dict) else getattr(node, part, None)
    return default if node is None else node


def ptce_defaults() -> TerritoryParams:
    """A territory with a default PTCE section, to read the levers' default values from."""
    return TerritoryParams.model_validate({"ptce": {}})


def available_ptce_controls() -> list[Control]:
    """The PTCE controls whose parameter path the installed model has."""
    defaults = ptce_defaults()
    return [c for c in PTCE_CONTROLS if get_path(defaults, c.path) is not None]


@dataclass(frozen=True)
class Choices:
    """Everything the Explore controls set, on top of a preset."""

    persons: int = 20_000
    months: int = 120
    seed: int = 1
    values: dict[str, Any] = field(default_factory=dict)  # path -> value (territory controls)
    training_seats_scale: float = 1.0
    shock_sector: str = NO_SHOCK
    shock_month: int = 24
    shock_factor: float = 0.8
    shock_months: int = 12
    ptce_on: bool = False
    ptce_values: dict[str, Any] = field(default_factory=dict)  # path -> value


def build_params(base: TerritoryParams, choices: Choices) -> TerritoryParams:
    """The preset ``base`` with the Explore choices applied (validated; errors name the key)."""
    data = base.model_dump()
    data["population"]["persons"] = int(choices.persons)
    data["simulation"]["months"] = int(choices.months)
    # person-level spells are not charted: skipping them saves memory in a long session
    data["simulation"]["record_spells"] = False
    data["events"] = [ev for ev in data["events"] if ev["at"] <= choices.months]
    for prog in data["training"]["programmes"]:
        prog["seats"] = round(prog["seats"] * choices.training_seats_scale)
    if choices.shock_sector != NO_SHOCK:
        data["events"].append({
            "at": min(int(choices.shock_month), int(choices.months)),
            "demand_shock": {"sector": choices.shock_sector, "factor": choices.shock_factor,
                             "months": int(choices.shock_months)},
            "label": "demand shock (Explore)",
        })
    if choices.ptce_on and data.get("ptce") is None:
        data["ptce"] = {}
    if not choices.ptce_on:
        data["ptce"] = None
        data["events"] = [ev for ev in data["events"] if not _sets_ptce(ev)]
    params = TerritoryParams.model_validate(data)
    updates = dict(choices.values)
    if choices.ptce_on:
        updates.update(choices.ptce_values)
    return with_values(params, updates) if updates else params


def _sets_ptce(event: dict[str, Any]) -> bool:
    return bool(event.get("set")) and any(k.startswith("ptce.") for k in event["set"])


def counterfactual(params: TerritoryParams) -> TerritoryParams | None:
    """The same territory without its PTCE (None when there is no PTCE to remove)."""
    if params.ptce is None:
        return None
    data = params.model_dump()
    data["ptce"] = None
    data["events"] = [ev for ev in data["events"] if not _sets_ptce(ev)]
    return TerritoryParams.model_validate(data)


@dataclass
class ExploreRun:
    """One press of Run: the scenario, its counterfactual on the same seed, and timings."""

    params: TerritoryParams
    seed: int
    result: RunResult
    counterfactual: RunResult | None
    seconds: float
    #: the pair's gain in durable jobs split into gross (persons the pole acted on),
    #: displacement (everyone else) and net (the zone): ``experiments.results.effects``
    decomposition: dict[str, float] | None = None


_POOL: Any = None


def warm_pool() -> Any:
    """The dashboard's two worker processes (started once, shared by the sessions), so a
    PTCE run and its counterfactual run side by side. Starting it early hides its start-up."""
    global _POOL
    if _POOL is None:
        import multiprocessing
        from concurrent.futures import ProcessPoolExecutor

        ctx = multiprocessing.get_context("forkserver")
        ctx.set_forkserver_preload(["model"])
        _POOL = ProcessPoolExecutor(max_workers=2, mp_context=ctx)
        import atexit

        atexit.register(_POOL.shutdown)  # before the interpreter tears modules down
        for _ in range(2):
            _POOL.submit(int)
    return _POOL


def _simulate(params: TerritoryParams, seed: int) -> RunResult:
    return simulate(params, seed)


def run(params: TerritoryParams, seed: int, *, parallel: bool = True) -> ExploreRun:
    """Simulate ``params`` and, if it has a PTCE, the same territory without it, same seed
    (in two worker processes at once when ``parallel``). Person-level spells are kept only
    for a PTCE pair, to split its effect into gross, displacement and net, then dropped: the
    page does not show them."""
    from experiments.results.effects import decompose

    start = time.perf_counter()
    params = params.model_copy(update={
        "simulation": params.simulation.model_copy(
            update={"record_spells": params.ptce is not None})})
    cf_params = counterfactual(params)
    if cf_params is None:
        result, cf = simulate(params, seed), None
    elif parallel:
        pool = warm_pool()
        futures = [pool.submit(_simulate, p, seed) for p in (params, cf_params)]
        result, cf = (f.result() for f in futures)
    else:
        result, cf = simulate(params, seed), simulate(cf_params, seed)
    parts = None
    if cf is not None:
        parts = decompose(result, cf, params.simulation.months)
        for run_result in (result, cf):
            run_result.spells = run_result.spells.iloc[:0]
    return ExploreRun(params, seed, result, cf, time.perf_counter() - start, parts)


def trust_graph(result: RunResult) -> Any:
    """The run's trust network (a networkx graph) if the model reports one, else None."""
    graph = getattr(result, "trust_network", None)
    if graph is None:
        graph = result.meta.get("trust_network") if isinstance(result.meta, dict) else None
    return graph if hasattr(graph, "nodes") and hasattr(graph, "edges") else None
