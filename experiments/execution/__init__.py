"""Where runs execute: :mod:`~experiments.execution.runner` runs one task in a worker and packs
its result; :mod:`~experiments.execution.executors` spreads tasks over local processes or a Dask
cluster."""
