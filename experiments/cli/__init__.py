"""The ``ptce`` command line: :mod:`experiments.cli.main` holds the model commands (``run``,
``validate``, ``presets``, ``effect``, ``bench``) and loads the commands of the packages built on
``experiments`` from their ``ptce.commands`` entry points; :mod:`experiments.cli.batch` holds
the batch commands (``batch``, ``runs``, ``compare``, ``export``) and
:mod:`experiments.cli.report` the ``report`` command."""

from experiments.cli.main import app, main

__all__ = ["app", "main"]
