"""Solara dashboard of the PTCE simulator (DESIGN.md 3, issue 5).

- :mod:`dashboards.app`: the pages (Explore, Compare, Calibration, Optimise), French by
  default, English by a switch;
- :mod:`dashboards.i18n` and :mod:`dashboards.names`: every word of the pages, in French and
  English;
- :mod:`dashboards.scenario_file`: the Explore scenario as YAML (download, validated upload);
- :mod:`dashboards.reporting`: the Report button (the report of ``ptce report``);
- :mod:`dashboards.optimise_store`: stored Pareto fronts of ``ptce optimise``, read-only;
- :mod:`dashboards.explore`: control descriptors, control values -> parameters, one run;
- :mod:`dashboards.charts`: Altair charts;
- :mod:`dashboards.batches`: read-only access to stored batches and their statistics;
- :mod:`dashboards.assets`: offline front-end files (``python -m dashboards.assets``);
- :mod:`dashboards.server`: :func:`serve`, called by ``ptce dashboard``.

Importing this package imports neither Solara nor the model.
"""
