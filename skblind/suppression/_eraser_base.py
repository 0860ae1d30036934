"""The shared scikit-learn side of the erasers: affine maps fitted in closed form."""

import numpy as np
from sklearn.base import BaseEstimator, ClassNamePrefixFeaturesOutMixin, TransformerMixin
from sklearn.utils.validation import check_consistent_length, check_is_fitted, validate_data

from .._checks import check_float32_range
from .._compat import _fit_context
from .._persistence import VersionedPickleMixin
from .._tags import BlindingTags
from ._diagnostics import warn_if_collapsed
from ._labels import check_sensitive_classes, encode_with_missing

__all__ = ["BaseEraser"]


class BaseEraser(
    VersionedPickleMixin, ClassNamePrefixFeaturesOutMixin, TransformerMixin, BaseEstimator
):
    """Base of the erasers: ``fit`` validates and hands the rows to a subclass's hook.

    An eraser is the affine map ``transform(X) = X - (X - bias_) @ projection_``;
    subclasses set both in one of two hooks. An eraser of the whole sample implements
    ``_fit(X, codes)``, which sees only the rows whose sensitive label is known. An
    eraser that works within persons sets ``_identities_reason`` (what it needs ``y``
    for: ``fit`` then requires ``y``) and implements ``_fit_within(X, identities,
    codes)``, which sees every row, with -1 codes where a label is missing. A subclass
    whose fit computes in float32 says why in ``_float32_reason``; values beyond
    float32's range are then refused by name.
    """

    _float32_reason = None

    #: What ``y`` holds for an eraser that works within persons; None: ``y`` is ignored.
    _identities_reason = None

    #: Whether a linear classifier on the training rows reads chance after this eraser.
    _removes_linear_leakage = True

    def __skblind_tags__(self):
        """What this stage declares it does (:class:`~skblind.utils.BlindingTags`)."""
        return BlindingTags(removes_linear_leakage=self._removes_linear_leakage)

    @_fit_context(prefer_skip_nested_validation=False)
    def fit(self, X, y=None, *, sensitive_features=None):
        """Fit the eraser.

        Parameters
        ----------
        X : array-like of shape (n_samples, n_features)
            Embeddings.
        y : array-like of shape (n_samples,) or None, default=None
            Identities, required by the erasers that work within persons
            (:class:`WithinIdentityEraser`, :class:`MarginEraser`), where missing ones
            (None or NaN) are left out of the contrasts; the others ignore it (accepted
            for Pipeline compatibility).
        sensitive_features : array-like of shape (n_samples,)
            The attribute to erase; missing labels (None or NaN) are left out; -1 is a
            class like any other.

        Returns
        -------
        self
        """
        name = type(self).__name__
        if self._identities_reason is not None and y is None:
            raise ValueError(
                f"{name} requires y to be passed, but the target y is None "
                f"({self._identities_reason})"
            )
        X, codes = self._validated(X, sensitive_features)
        if self._identities_reason is None:
            known = codes >= 0
            X, codes = X[known], codes[known]
            self._fit(X, codes)
        else:
            check_consistent_length(X, y)
            identities, _ = encode_with_missing(y, "y")
            self._fit_within(X, identities, codes)
        if not self._collapse_is_explained():
            warn_if_collapsed(name, X, self._erase(X))
        return self

    def _fit(self, X, codes):
        raise NotImplementedError

    def _fit_within(self, X, identities, codes):
        raise NotImplementedError

    def _collapse_is_explained(self):
        """Whether ``_fit`` has already warned about what the output keeps."""
        return False

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        tags.target_tags.required = self._identities_reason is not None
        return tags

    def _validated(self, X, sensitive_features):
        """Validate ``X``, encode ``sensitive_features`` (-1 where missing), set the classes."""
        X = validate_data(self, X, dtype=np.float64, ensure_min_samples=2)
        if self._float32_reason is not None:
            check_float32_range(X, type(self).__name__, self._float32_reason)
        if sensitive_features is None:
            raise ValueError(
                f"{type(self).__name__}.fit requires sensitive_features (the attribute to "
                "erase), by keyword or through metadata routing"
            )
        check_consistent_length(X, sensitive_features)
        codes, self.sensitive_classes_ = encode_with_missing(
            sensitive_features, "sensitive_features"
        )
        check_sensitive_classes(codes, self.sensitive_classes_)
        return X, codes

    @property
    def _n_features_out(self):
        return self.n_features_in_

    def transform(self, X):
        """Erase the sensitive attribute's linear information from ``X``.

        Parameters
        ----------
        X : array-like of shape (n_samples, n_features)
            Embeddings with the features seen in ``fit``.

        Returns
        -------
        ndarray of shape (n_samples, n_features)
        """
        check_is_fitted(self, "projection_")
        X = validate_data(self, X, dtype=np.float64, reset=False)
        return self._erase(X)

    def _erase(self, X):
        return X - (X - self.bias_) @ self.projection_
