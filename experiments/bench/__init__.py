"""Speed measurements, outside the test run: :mod:`~experiments.bench.model` (the full model
against a per-agent Mesa reference, ``ptce bench``) and :mod:`~experiments.bench.batch` (stored
batches with 1 and 2 workers)."""
