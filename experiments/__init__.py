"""Running the territory model, one folder a job:

- :mod:`experiments.cli`: the ``ptce`` console script and its commands.
- :mod:`experiments.store`: the SQL results store (SQLite or PostgreSQL) with its Alembic
  migrations.
- :mod:`experiments.batches`: designs (scenarios x points x replications), batch creation and
  resumption, and the named experiments.
- :mod:`experiments.execution`: running one task in a worker; local process pools and Dask.
- :mod:`experiments.results`: one run's files, paired effects, comparisons of stored batches.
- :mod:`experiments.bench`: throughput and memory benchmarks (``ptce bench``).
"""

from importlib.metadata import PackageNotFoundError, version


def package_version() -> str:
    """The installed version of ``ptce-sim`` (``"unknown"`` when run from an uninstalled tree)."""
    try:
        return version("ptce-sim")
    except PackageNotFoundError:
        return "unknown"


__all__ = ["package_version"]
