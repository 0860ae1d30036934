"""Model selection for blinding: a grid search that scores what a strength is chosen for."""

from ._search import BlindingSearchCV

__all__ = ["BlindingSearchCV"]
