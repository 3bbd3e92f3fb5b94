"""Measure the Explore page's latency: from Run to charts ready, without a browser.

    python -m dashboards.measure [--persons 20000] [--months 120] [--repeat 3]

Renders the Explore page with ``solara.render`` (in English; the run the page makes at load is
not timed), sets the size, presses Run and times the handler (simulation, counterfactual when
there is a PTCE, charts' specs built); it reports the simulation and chart parts separately. The
browser adds its drawing time on top (not measured here; ``tests/test_dashboard_browser.py``
checks what it draws, not how fast).
Target (issue 5): under 2 s at 20,000 x 120 months, counterfactual included.
"""

from __future__ import annotations

import argparse
import os
import statistics
import time


def measure(persons: int, months: int, repeat: int, ptce: bool) -> dict[str, float]:
    import ipyvuetify as v
    import solara

    from dashboards import app, explore

    recorded: list[float] = []
    original = explore.run

    def timed(params: object, seed: int, **kwargs: object) -> explore.ExploreRun:
        out = original(params, seed, **kwargs)  # type: ignore[arg-type]
        recorded.append(out.seconds)
        return out

    explore.run = timed  # type: ignore[assignment]
    app.language.set("en")  # the labels looked up below are the English ones
    _, rc = solara.render(solara.AppLayout(children=[app.Explore()]), handle_error=False)
    rc.find(v.Slider, label="Persons").widget.v_model = persons
    rc.find(v.Slider, label="Months (horizon)").widget.v_model = months
    if ptce:
        rc.find(v.Switch, label="This territory has a PTCE").widget.v_model = True
        for label in ("Bridges (passerelles)", "Cross immersions (PMSMP)"):
            rc.find(v.Switch, label=label).widget.v_model = True
    totals, sims = [], []
    for _ in range(repeat):
        start = time.perf_counter()
        rc.find(v.Btn, children=["Run"]).widget.click()
        totals.append(time.perf_counter() - start)
        sims.append(recorded[-1])
    rc.close()
    explore.run = original  # type: ignore[assignment]
    if explore._POOL is not None:
        explore._POOL.shutdown()
        explore._POOL = None
    return {"run_to_charts_s": statistics.median(totals), "simulation_s": statistics.median(sims),
            "charts_s": statistics.median(totals) - statistics.median(sims)}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--persons", type=int, default=20_000)
    parser.add_argument("--months", type=int, default=120)
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args()
    print(f"cpus: {os.cpu_count()}, load average: {os.getloadavg()}")
    for ptce in (False, True):
        r = measure(args.persons, args.months, args.repeat, ptce)
        what = "PTCE + counterfactual" if ptce else "territory only"
        print(f"{what:24s} {args.persons:,} persons x {args.months} months: Run -> charts "
              f"{r['run_to_charts_s']:.2f} s (simulation {r['simulation_s']:.2f} s, "
              f"charts {r['charts_s']:.2f} s), median of {args.repeat}")


if __name__ == "__main__":
    main()
