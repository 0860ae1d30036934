"""Utilities for developers of blinding stages.

Declared capabilities, estimator discovery and the check suite
(:mod:`skblind.utils.estimator_checks`).
"""

from .._tags import BlindingTags, blinding_tags
from ._discovery import all_estimators

__all__ = ["BlindingTags", "all_estimators", "blinding_tags"]
