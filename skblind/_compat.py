"""scikit-learn's private helpers that skblind relies on, imported in this one module.

scikit-learn gives no stability promise for its private modules; importing them here
only means a release that moves one breaks this file, which says where each one lives
now, and nothing else (imbalanced-learn's ``sklearn_compat`` does the same).
"""

from sklearn.base import _fit_context
from sklearn.model_selection._search import BaseSearchCV
from sklearn.utils._metadata_requests import _MetadataRequester
from sklearn.utils._param_validation import HasMethods, Interval, StrOptions, validate_params

__all__ = [
    "BaseSearchCV",
    "HasMethods",
    "Interval",
    "StrOptions",
    "_MetadataRequester",
    "_fit_context",
    "validate_params",
]
