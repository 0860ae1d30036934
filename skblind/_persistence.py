"""Pickles that remember the skblind version that wrote them."""

import warnings

__all__ = ["InconsistentSkblindVersionWarning", "VersionedPickleMixin"]


class InconsistentSkblindVersionWarning(UserWarning):
    """A fitted estimator is loaded by another skblind version than the one that saved it."""


class VersionedPickleMixin:
    """Store ``skblind.__version__`` in the pickle and warn when it differs on loading."""

    def __getstate__(self):
        from . import __version__

        state = super().__getstate__()
        return {**state, "_skblind_version": __version__}

    def __setstate__(self, state):
        from . import __version__

        saved = state.pop("_skblind_version", "unknown")
        if saved != __version__:
            warnings.warn(
                f"Loading a {type(self).__name__} saved by skblind {saved} with skblind "
                f"{__version__}: results may differ; refit it, or install skblind {saved}.",
                InconsistentSkblindVersionWarning,
                stacklevel=2,
            )
        super().__setstate__(state)
