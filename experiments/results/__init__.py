"""What runs produce: :mod:`~experiments.results.outputs` writes one run's files atomically;
:mod:`~experiments.results.effects` computes paired effects of a scenario against its
counterfactual; :mod:`~experiments.results.compare` compares stored batches."""
