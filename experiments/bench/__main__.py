"""``python -m experiments.bench``: the same as ``ptce bench``."""

from experiments.bench.model import main

main()
