"""Utilities for developers of blinding stages: declared capabilities and the check suite."""

from .._tags import BlindingTags, blinding_tags

__all__ = ["BlindingTags", "blinding_tags"]
