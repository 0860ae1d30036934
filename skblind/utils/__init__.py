"""Utilities for developers of blinding stages: the estimator check suite."""
