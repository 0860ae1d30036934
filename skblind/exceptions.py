"""The warnings and errors skblind raises of its own kind, to catch or filter by class.

In the manner of :mod:`sklearn.exceptions`: ``warnings.filterwarnings("error",
category=InconsistentSkblindVersionWarning)`` makes loading a model saved by another
version an error.
"""

from ._persistence import InconsistentSkblindVersionWarning

__all__ = ["FacenetWeightsError", "FigureTextWarning", "InconsistentSkblindVersionWarning"]


class FacenetWeightsError(FileNotFoundError):
    """The InceptionResnetV1 weights are neither given, nor cached, nor downloadable."""


class FigureTextWarning(UserWarning):
    """A figure about to be saved holds text its axes cut off or text printed over text."""
