"""Solara dashboard of the PTCE simulator (DESIGN.md 3, issue 5).

- :mod:`dashboards.app`: the pages (Explore, Compare, Calibration);
- :mod:`dashboards.explore`: control descriptors, control values -> parameters, one run;
- :mod:`dashboards.charts`: Altair charts;
- :mod:`dashboards.batches`: read-only access to stored batches and their statistics;
- :mod:`dashboards.assets`: offline front-end files (``python -m dashboards.assets``);
- :mod:`dashboards.server`: :func:`serve`, called by ``ptce dashboard``.

Importing this package imports neither Solara nor the model.
"""
