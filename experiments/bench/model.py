"""Benchmark: throughput and peak memory of the full model against a per-agent Mesa reference.

For each population size, the full model (a scenario, ``baseline`` by default) is measured in a
fresh Python process, so that sizes do not share memory or caches:

- ``simulate``: wall time of :func:`model.simulate` (build + run + result), seconds;
- stepping: :func:`model.build_model`, then the time of :func:`model.run_model` alone;
- person-steps per second for both: persons x simulated months (burn-in + horizon) / time;
- peak memory: ``resource.getrusage(RUSAGE_SELF).ru_maxrss`` of that process at the end.

In the same run, a minimal per-agent Mesa model (:class:`ReferenceModel`: each person a
``mesa.Agent`` whose ``step()`` searches and matches to a random vacancy when unemployed and
separates with probability 0.02 per month when employed; ``agents.shuffle_do("step")`` each
month; every draw from the model's standard-library ``random``, the fastest scalar source a
per-agent model has) is measured the same way, and the ratio of the two
throughputs is reported at the sizes both were run at.

Run it as ``python -m experiments.bench.model`` or ``ptce bench`` (same options; ``--help``). It is
not part of the test suite.
"""

from __future__ import annotations

import gc
import json
import os
import platform
import resource
import subprocess
import sys
import time
from collections.abc import Callable, Sequence
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

import mesa

DEFAULT_SIZES: tuple[int, ...] = (20_000, 100_000, 1_000_000)
DEFAULT_REFERENCE_SIZES: tuple[int, ...] = (20_000, 100_000)
DEFAULT_MONTHS = 120

#: Targets of issue 2, measured on the project's 2-core machine.
TARGET_PERSON_STEPS = 5e6  # person-steps per second of the full model at 100,000 persons
TARGET_SIZE = 100_000
TARGET_RATIO = 10.0  # full model / per-agent reference throughput, same size
TARGET_SCALING = 12.0  # time at 1,000,000 persons / time at 100,000
TARGET_MEMORY_BYTES = 2 * 1024**3  # peak memory at 1,000,000 persons
TARGET_PTCE_OVERHEAD = 0.20  # a PTCE with all levers on keeps 80 % of the throughput
PTCE_SCENARIO = str(Path(__file__).resolve().parents[1] / "batches" / "definitions" / "scenarios"
                    / "all_levers.yaml")
LARGE_SIZE = 1_000_000


# ------------------------------------------------------------------ the per-agent reference


class ReferencePerson(mesa.Agent):
    """One person of the reference model, with the per-agent ``step()`` Mesa users write."""

    def __init__(self, model: ReferenceModel, employer: int) -> None:
        super().__init__(model)
        self.employer = employer  # firm index, -1 when unemployed

    def step(self) -> None:
        model = self.model
        if self.employer >= 0:
            if model.random.random() < model.separation_rate:
                model.vacancies.append(self.employer)
                self.employer = -1
        elif model.vacancies and model.random.random() < model.search_intensity:
            self.employer = model.take_vacancy(model.random.randrange(len(model.vacancies)))


class ReferenceModel(mesa.Model):
    """Minimal labour market, one agent per person: the baseline a per-agent Mesa model gives.

    ``positions`` = 0.955 x persons jobs in ``firms`` firms; 92.5 % of persons start employed,
    the free positions are the open vacancies. Per month, in random agent order: an employed
    person separates with probability ``separation_rate`` (the position becomes a vacancy); an
    unemployed person searches with probability ``search_intensity`` and takes a vacancy drawn
    at random.
    """

    separation_rate = 0.02
    search_intensity = 0.6

    def __init__(self, persons: int, seed: int | None = None, firms: int = 1_000) -> None:
        super().__init__(rng=seed)
        positions = int(0.955 * persons)
        employed = int(0.925 * persons)
        employers = self.rng.integers(firms, size=positions)
        self.vacancies: list[int] = employers[employed:].tolist()
        ReferencePerson.create_agents(
            self, persons, employer=[*employers[:employed].tolist(), *[-1] * (persons - employed)]
        )

    def take_vacancy(self, index: int) -> int:
        """Remove vacancy ``index`` (swap with the last, O(1)) and return its firm."""
        vac = self.vacancies
        firm = vac[index]
        vac[index] = vac[-1]
        vac.pop()
        return firm

    def step(self) -> None:
        self.agents.shuffle_do("step")

    def unemployment_rate(self) -> float:
        return sum(a.employer < 0 for a in self.agents) / len(self.agents)


# ------------------------------------------------------------------ measurements (workers)


def peak_memory_bytes() -> int:
    """Peak resident memory of this process so far (``ru_maxrss``: KiB on Linux, B on macOS)."""
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    return int(peak if sys.platform == "darwin" else peak * 1024)


def measure_full(persons: int, months: int, scenario: str, seed: int) -> dict[str, Any]:
    """Time the full model at ``persons`` (meant to run in a fresh process)."""
    from model import build_model, run_model, simulate, with_values
    from scenarios import load_scenario

    params = with_values(load_scenario(scenario),
                         {"population.persons": persons, "simulation.months": months})
    total = params.simulation.burn_in_months + months
    gc.collect()
    c0, t0 = time.process_time(), time.perf_counter()
    result = simulate(params, seed)
    simulate_s, simulate_cpu_s = time.perf_counter() - t0, time.process_time() - c0
    unemployment = result.outcomes["unemployment_rate"]
    del result
    gc.collect()
    t0 = time.perf_counter()
    model = build_model(params, seed)
    build_s = time.perf_counter() - t0
    c0, t0 = time.process_time(), time.perf_counter()
    run_model(model)
    step_s, step_cpu_s = time.perf_counter() - t0, time.process_time() - c0
    del model
    steps = persons * total
    return {
        "persons": persons, "months": months, "burn_in_months": total - months,
        "simulated_months": total, "person_steps": steps,
        "simulate_s": simulate_s, "simulate_person_steps_per_s": steps / simulate_s,
        "simulate_cpu_s": simulate_cpu_s, "build_s": build_s, "step_s": step_s,
        "step_person_steps_per_s": steps / step_s, "step_cpu_s": step_cpu_s,
        "peak_memory_bytes": peak_memory_bytes(), "unemployment_rate": unemployment,
    }


def measure_reference(persons: int, simulated_months: int, seed: int) -> dict[str, Any]:
    """Time the per-agent reference at ``persons`` (meant to run in a fresh process)."""
    gc.collect()
    c0, t0 = time.process_time(), time.perf_counter()
    model = ReferenceModel(persons, seed)
    build_s = time.perf_counter() - t0
    t0 = time.perf_counter()
    for _ in range(simulated_months):
        model.step()
    step_s = time.perf_counter() - t0
    cpu_s = time.process_time() - c0
    steps = persons * simulated_months
    return {
        "persons": persons, "simulated_months": simulated_months, "agent_steps": steps,
        "build_s": build_s, "step_s": step_s, "total_s": build_s + step_s, "cpu_s": cpu_s,
        "agent_steps_per_s": steps / (build_s + step_s),
        "step_agent_steps_per_s": steps / step_s,
        "peak_memory_bytes": peak_memory_bytes(),
        "unemployment_rate": model.unemployment_rate(),
    }


def _worker() -> None:
    """Entry point of a measuring subprocess: JSON spec in argv[1], JSON result on stdout."""
    spec = json.loads(sys.argv[1])
    kind = spec.pop("kind")
    out = measure_full(**spec) if kind == "full" else measure_reference(**spec)
    print(json.dumps(out))


class BenchError(RuntimeError):
    """A measuring subprocess failed (the message holds the end of its stderr)."""


def _in_fresh_process(spec: dict[str, Any]) -> dict[str, Any]:
    cmd = [sys.executable, "-c", "from experiments.bench.model import _worker; _worker()",
           json.dumps(spec)]
    proc = subprocess.run(cmd, capture_output=True, text=True, check=False)
    if proc.returncode != 0:
        tail = "\n".join(proc.stderr.strip().splitlines()[-15:])
        raise BenchError(f"measuring {spec} failed (exit {proc.returncode}):\n{tail}")
    return json.loads(proc.stdout.strip().splitlines()[-1])


# ------------------------------------------------------------------ the whole benchmark


@dataclass
class Target:
    """One target of the issue: ``met`` is None when the sizes needed were not measured."""

    name: str
    value: float | None
    threshold: str
    met: bool | None
    note: str = ""


@dataclass
class BenchReport:
    scenario: str
    seed: int
    months: int
    full: list[dict[str, Any]]
    reference: list[dict[str, Any]]
    ptce: list[dict[str, Any]] = field(default_factory=list)
    ptce_scenario: str = ""
    batch: list[dict[str, Any]] = field(default_factory=list)
    targets: list[Target] = field(default_factory=list)
    machine: dict[str, Any] = field(default_factory=dict)
    version: str = ""

    def ratios(self) -> list[dict[str, float]]:
        """Full model / reference throughput at each size measured for both.

        ``total``: simulate vs build+run (wall); ``stepping``: stepping alone (wall);
        ``cpu``: simulate vs build+run in CPU time (robust to other load on the machine).
        """
        by_size = {r["persons"]: r for r in self.full}
        out = []
        for ref in self.reference:
            full = by_size.get(ref["persons"])
            if full is None:
                continue
            out.append({
                "persons": ref["persons"],
                "total": full["simulate_person_steps_per_s"] / ref["agent_steps_per_s"],
                "stepping": full["step_person_steps_per_s"] / ref["step_agent_steps_per_s"],
                "cpu": ref["cpu_s"] / full["simulate_cpu_s"],
            })
        return out

    def ptce_overhead(self) -> list[dict[str, float]]:
        """Extra time of the PTCE scenario over the plain one at each size (CPU and wall)."""
        by_size = {r["persons"]: r for r in self.full}
        out = []
        for r in self.ptce:
            base = by_size.get(r["persons"])
            if base is not None:
                out.append({"persons": r["persons"],
                            "cpu": r["simulate_cpu_s"] / base["simulate_cpu_s"] - 1.0,
                            "wall": r["simulate_s"] / base["simulate_s"] - 1.0})
        return out

    def to_json(self) -> dict[str, Any]:
        return {"scenario": self.scenario, "seed": self.seed, "months": self.months,
                "version": self.version, "machine": self.machine, "full_model": self.full,
                "reference": self.reference, "ratios": self.ratios(),
                "ptce_scenario": self.ptce_scenario, "ptce": self.ptce,
                "ptce_overhead": self.ptce_overhead(), "batch": self.batch,
                "targets": [asdict(t) for t in self.targets]}


def evaluate_targets(report: BenchReport) -> list[Target]:
    """Check the issue's four targets against the figures measured."""
    by_size = {r["persons"]: r for r in report.full}
    targets: list[Target] = []

    mid = by_size.get(TARGET_SIZE)
    rate = mid["simulate_person_steps_per_s"] if mid else None
    targets.append(Target(
        f"full model throughput at {TARGET_SIZE:,} persons (simulate)", rate,
        f">= {TARGET_PERSON_STEPS / 1e6:g} M person-steps/s",
        None if rate is None else rate >= TARGET_PERSON_STEPS,
        (f"CPU-time based: {mid['person_steps'] / mid['simulate_cpu_s'] / 1e6:.2f} M/s"
         if mid else f"{TARGET_SIZE:,} not among --sizes")))

    ratios = report.ratios()
    at_size = [r for r in ratios if r["persons"] == TARGET_SIZE]
    # at the 100,000 persons when measured, else the least favourable size
    worst = at_size[0] if at_size else min(ratios, key=lambda r: r["total"], default=None)
    targets.append(Target(
        "full model / per-agent reference throughput (simulate vs build+run)",
        worst["total"] if worst else None, f">= {TARGET_RATIO:g}x",
        None if worst is None else worst["total"] >= TARGET_RATIO,
        f"at {worst['persons']:,} persons; CPU-time based: {worst['cpu']:.1f}x" if worst
        else "no size measured for both"))

    big = by_size.get(LARGE_SIZE)
    scaling = big["simulate_s"] / mid["simulate_s"] if big and mid else None
    targets.append(Target(
        f"time at {LARGE_SIZE:,} / time at {TARGET_SIZE:,} persons (simulate)", scaling,
        f"<= {TARGET_SCALING:g}", None if scaling is None else scaling <= TARGET_SCALING,
        "" if scaling is not None else "needs both sizes"))

    overhead = {o["persons"]: o for o in report.ptce_overhead()}
    for size in (TARGET_SIZE, LARGE_SIZE):
        if size in overhead:
            kept = 1.0 / (1.0 + overhead[size]["cpu"])  # throughput ratio, CPU time
            targets.append(Target(
                f"PTCE with all levers on: throughput at {size:,} persons, share of the "
                "baseline's (CPU)", kept, f">= {1 - TARGET_PTCE_OVERHEAD:.0%}",
                kept >= 1 - TARGET_PTCE_OVERHEAD,
                f"extra time {overhead[size]['cpu']:+.0%} CPU, {overhead[size]['wall']:+.0%} "
                "wall"))

    memory = big["peak_memory_bytes"] if big else None
    targets.append(Target(
        f"peak memory at {LARGE_SIZE:,} persons", memory,
        f"< {TARGET_MEMORY_BYTES / 1024**3:g} GiB",
        None if memory is None else memory < TARGET_MEMORY_BYTES,
        "" if big else f"{LARGE_SIZE:,} not among --sizes"))
    return targets


def run_bench(sizes: Sequence[int], months: int, reference_sizes: Sequence[int], *,
              scenario: str = "baseline", seed: int = 1, ptce_scenario: str | None = None,
              batch_runs: int = 0,
              on_start: Callable[[str, int], None] | None = None) -> BenchReport:
    """Measure every size of the full model and of the reference, each in a fresh process.

    ``on_start(kind, persons)`` is called before each measurement (``kind`` is ``"full"`` or
    ``"reference"``). The reference runs as many months as the full model simulates
    (burn-in + ``months``).
    """
    from experiments import package_version

    load_before = os.getloadavg()[0]
    full: list[dict[str, Any]] = []
    for n in sizes:
        if on_start:
            on_start("full", n)
        full.append(_in_fresh_process(
            {"kind": "full", "persons": n, "months": months, "scenario": scenario,
             "seed": seed}))
    if full:
        simulated = full[0]["simulated_months"]
    else:
        from model import with_values
        from scenarios import load_scenario
        params = with_values(load_scenario(scenario), {"simulation.months": months})
        simulated = params.simulation.burn_in_months + months
    reference: list[dict[str, Any]] = []
    for n in reference_sizes:
        if on_start:
            on_start("reference", n)
        reference.append(_in_fresh_process(
            {"kind": "reference", "persons": n, "simulated_months": simulated, "seed": seed}))
    ptce: list[dict[str, Any]] = []
    for n in sizes if ptce_scenario else ():
        if on_start:
            on_start("ptce", n)
        ptce.append(_in_fresh_process(
            {"kind": "full", "persons": n, "months": months, "scenario": ptce_scenario,
             "seed": seed}))
    batch: list[dict[str, Any]] = []
    if batch_runs:
        if on_start:
            on_start("batch", batch_runs)
        from experiments.bench.batch import bench_batch

        batch = [{"workers": b.workers, "runs": b.runs, "wall_seconds": b.report.wall_seconds,
                  "runs_per_second": b.runs_per_second, "sql_share": b.sql_share,
                  "mean_run_seconds": b.mean_run_seconds}
                 for b in bench_batch(runs=batch_runs, echo=False)]
    report = BenchReport(
        scenario=scenario, seed=seed, months=months, full=full, reference=reference,
        ptce=ptce, ptce_scenario=ptce_scenario or "", batch=batch,
        machine={"python": platform.python_version(), "platform": platform.platform(),
                 "cpus": os.cpu_count(), "mesa": mesa.__version__,
                 "load_average_1min": [load_before, os.getloadavg()[0]]},
        version=package_version(),
    )
    report.targets = evaluate_targets(report)
    return report


def render(report: BenchReport, console: Any) -> None:
    """Print ``report`` as Rich tables on ``console``."""
    from rich import box
    from rich.table import Table

    def mps(v: float) -> str:
        return f"{v / 1e6:,.2f}"

    simulated = report.full[0]["simulated_months"] if report.full else None
    head = (f"Full model, scenario {report.scenario!r}: {report.months} reported months"
            + (f" + {simulated - report.months} burn-in" if simulated else ""))
    table = Table(title=head, title_justify="left", box=box.SIMPLE_HEAD)
    for col in ("persons", "simulate\ns", "simulate\nM p-steps/s", "stepping\ns",
                "stepping\nM p-steps/s", "CPU s", "peak\nMiB"):
        table.add_column(col, justify="right", no_wrap=True)
    for r in report.full:
        table.add_row(f"{r['persons']:,}", f"{r['simulate_s']:,.2f}",
                      mps(r["simulate_person_steps_per_s"]), f"{r['step_s']:,.2f}",
                      mps(r["step_person_steps_per_s"]), f"{r['simulate_cpu_s']:,.2f}",
                      f"{r['peak_memory_bytes'] / 1024**2:,.0f}")
    console.print(table)
    console.print("  simulate = build + run + result; stepping = run_model after build_model; "
                  "p-steps = persons x simulated months; one fresh process per size.",
                  highlight=False, soft_wrap=True)

    if report.reference:
        ratios = {r["persons"]: r for r in report.ratios()}
        ref = Table(title="Per-agent Mesa reference (shuffle_do('step'), same months)",
                    title_justify="left", box=box.SIMPLE_HEAD)
        for col in ("persons", "build+run\ns", "build+run\nM steps/s", "stepping\nM steps/s",
                    "CPU s", "ratio\nbuild+run", "ratio\nstepping"):
            ref.add_column(col, justify="right", no_wrap=True)
        for r in report.reference:
            ratio = ratios.get(r["persons"])
            ref.add_row(f"{r['persons']:,}", f"{r['total_s']:,.2f}",
                        mps(r["agent_steps_per_s"]), mps(r["step_agent_steps_per_s"]),
                        f"{r['cpu_s']:,.2f}",
                        f"{ratio['total']:,.1f}x" if ratio else "-",
                        f"{ratio['stepping']:,.1f}x" if ratio else "-")
        console.print(ref)
        console.print("  ratio = full model throughput (simulate; stepping) / reference "
                      "throughput (build+run; stepping) at the same size.",
                      highlight=False, soft_wrap=True)

    if report.ptce:
        over = {o["persons"]: o for o in report.ptce_overhead()}
        pt = Table(title=f"With a PTCE, all levers on ({report.ptce_scenario})",
                   title_justify="left", box=box.SIMPLE_HEAD)
        for col in ("persons", "simulate\ns", "simulate\nM p-steps/s", "CPU s",
                    "extra time\nCPU", "extra time\nwall"):
            pt.add_column(col, justify="right", no_wrap=True)
        for r in report.ptce:
            o = over.get(r["persons"])
            pt.add_row(f"{r['persons']:,}", f"{r['simulate_s']:,.2f}",
                       mps(r["simulate_person_steps_per_s"]), f"{r['simulate_cpu_s']:,.2f}",
                       f"{o['cpu']:+.0%}" if o else "-", f"{o['wall']:+.0%}" if o else "-")
        console.print(pt)
    if report.batch:
        bt = Table(title="Batches (baseline runs stored in SQLite, series monthly)",
                   title_justify="left", box=box.SIMPLE_HEAD)
        for col in ("workers", "runs", "wall s", "runs/s", "speed-up", "SQL share"):
            bt.add_column(col, justify="right", no_wrap=True)
        base_rate = report.batch[0]["runs_per_second"]
        for b in report.batch:
            bt.add_row(str(b["workers"]), str(b["runs"]), f"{b['wall_seconds']:,.1f}",
                       f"{b['runs_per_second']:.2f}", f"{b['runs_per_second'] / base_rate:.2f}x",
                       f"{b['sql_share']:.1%}")
        console.print(bt)

    load = report.machine.get("load_average_1min")
    cpus = report.machine.get("cpus") or 1
    if load and max(load) > 0.75 * cpus:
        console.print(f"  warning: the machine was busy (1-min load average {load[0]:.1f} "
                      f"before, {load[1]:.1f} after, on {cpus} CPUs): wall times are "
                      "inflated; compare with the CPU-time columns.", style="yellow",
                      highlight=False, soft_wrap=True)
    console.print("Targets:", style="bold")
    for t in report.targets:
        if t.met is None:
            mark, style = "n/a ", "dim"
        else:
            mark, style = ("MET " if t.met else "MISS"), ("green" if t.met else "red")
        value = "-" if t.value is None else _format_target_value(t)
        note = f" ({t.note})" if t.note else ""
        console.print(f"  [{style}]{mark}[/] {t.name}: {value}, target {t.threshold}{note}",
                      highlight=False, soft_wrap=True)


def _format_target_value(t: Target) -> str:
    assert t.value is not None
    if "memory" in t.name:
        return f"{t.value / 1024**3:.2f} GiB"
    if "share of the baseline" in t.name:
        return f"{t.value:.0%}"
    if "throughput at" in t.name:
        return f"{t.value / 1e6:.2f} M person-steps/s"
    if "/ per-agent" in t.name:
        return f"{t.value:.1f}x"
    return f"{t.value:.2f}"


def main() -> None:
    """``python -m experiments.bench.model``: the ``ptce bench`` command on its own."""
    import typer

    from experiments.cli.main import bench

    app = typer.Typer(add_completion=False, pretty_exceptions_show_locals=False,
                      rich_markup_mode="markdown")
    app.command(help=bench.__doc__)(bench)
    app(prog_name="python -m experiments.bench")


if __name__ == "__main__":
    main()
