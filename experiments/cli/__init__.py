"""The ``ptce`` command line (console script ``experiments.cli.main:main``).

- :mod:`experiments.cli.main`: the model commands (``run``, ``validate``, ``presets``,
  ``effect``, ``bench``); it loads the commands of the packages built on ``experiments`` from
  their ``ptce.commands`` entry points.
- :mod:`experiments.cli.batch`: ``batch``, ``runs``, ``compare``, ``export``.
- :mod:`experiments.cli.report` and :mod:`experiments.cli.optimise`: ``report``, ``optimise``.
- :mod:`experiments.cli.common`: what they share (consoles, the error exit, ``--persons`` and
  ``--months``); command packages import it without loading the app.
"""
