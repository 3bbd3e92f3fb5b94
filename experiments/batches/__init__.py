"""Scenario batches: :mod:`~experiments.batches.design` expands scenarios x parameter points x
replications into runs with their seeds; :mod:`~experiments.batches.batch` creates, runs and
resumes a batch in the results store; ``definitions/`` holds the named experiments
(``ptce batch --experiment NAME``)."""
