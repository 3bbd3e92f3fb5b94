"""Running the territory model: the ``ptce`` command line, run outputs and the benchmark.

- :mod:`experiments.cli`: the ``ptce`` console script (``run``, ``validate``, ``presets``,
  ``bench``).
- :mod:`experiments.outputs`: writes one run's files (series, outcomes, spells, careers, SIAE
  exits, transition matrix, stocks chart) into a directory, atomically.
- :mod:`experiments.bench`: throughput and memory of the full model against a minimal
  per-agent Mesa reference (``python -m experiments.bench``).
"""

from importlib.metadata import PackageNotFoundError, version


def package_version() -> str:
    """The installed version of ``ptce-sim`` (``"unknown"`` when run from an uninstalled tree)."""
    try:
        return version("ptce-sim")
    except PackageNotFoundError:
        return "unknown"


__all__ = ["package_version"]
