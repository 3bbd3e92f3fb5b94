"""Calibration against territorial statistics (INSEE, Dares, France Travail) and global
sensitivity analysis: targets with sources, moments, a method-of-simulated-moments
estimator on Optuna, SALib sensitivity, reports."""
