"""Every public estimator of skblind, found by walking its public namespaces."""

import importlib
import inspect

from sklearn.base import BaseEstimator, ClassifierMixin, TransformerMixin

__all__ = ["all_estimators"]

#: The public subpackages that hold estimators.
_NAMESPACES = ("embedding", "suppression", "evaluation", "model_selection")

_TYPES = ("stage", "transformer", "classifier")


def _is_stage(cls):
    """A transformer whose ``fit`` takes ``sensitive_features``: a blinding stage."""
    fit = getattr(cls, "fit", None)
    return (
        issubclass(cls, TransformerMixin)
        and fit is not None
        and "sensitive_features" in inspect.signature(fit).parameters
    )


def all_estimators(type_filter=None):
    """The public scikit-learn estimators of skblind, as scikit-learn's ``all_estimators``.

    Every class exported (``__all__``) by ``skblind.embedding``, ``skblind.suppression``,
    ``skblind.evaluation`` and ``skblind.model_selection`` that derives from
    :class:`~sklearn.base.BaseEstimator`. The check suites run on this list, so a new
    public estimator is checked without being added by hand.

    Parameters
    ----------
    type_filter : {"stage", "transformer", "classifier"}, default=None
        ``"stage"``: blinding stages (transformers whose ``fit`` takes
        ``sensitive_features``); ``"transformer"``, ``"classifier"``: by scikit-learn's
        mixins. None: every estimator.

    Returns
    -------
    list of (str, type)
        Class name and class, sorted by name.

    Examples
    --------
    >>> from skblind.utils import all_estimators
    >>> [name for name, _ in all_estimators("stage")][:3]
    ['Blinder', 'INLPEraser', 'IVEEraser']
    """
    if type_filter is not None and type_filter not in _TYPES:
        raise ValueError(f"type_filter must be None or one of {_TYPES}; got {type_filter!r}")
    found = {}
    for namespace in _NAMESPACES:
        module = importlib.import_module(f"skblind.{namespace}")
        for name in module.__all__:
            cls = getattr(module, name)
            if inspect.isclass(cls) and issubclass(cls, BaseEstimator):
                found[name] = cls
    keep = {
        None: lambda cls: True,
        "stage": _is_stage,
        "transformer": lambda cls: issubclass(cls, TransformerMixin),
        "classifier": lambda cls: issubclass(cls, ClassifierMixin),
    }[type_filter]
    return sorted((name, cls) for name, cls in found.items() if keep(cls))
