"""Representations per split: each method fitted on a split's fit rows, applied to its rows."""

import numpy as np
from joblib import Parallel, delayed
from sklearn.base import clone
from sklearn.utils.validation import check_array, check_consistent_length, check_is_fitted
from tqdm.auto import tqdm

__all__ = ["fit_representations"]


def _is_estimator(rep):
    return hasattr(rep, "fit") and hasattr(rep, "transform")


def _fixed(name, rep, X):
    """The rows of a fixed representation: None (X itself) or an array of X's length."""
    if rep is None:
        return X
    try:
        Z = check_array(rep, dtype=np.float64)
        if X is not None:
            check_consistent_length(X, Z)
    except (TypeError, ValueError) as exc:
        raise ValueError(
            f"representation {name!r}: give None, an array of shape (n_samples, k) or an "
            f"unfitted transformer ({exc})"
        ) from None
    return Z


def fitted_transform(name, rep, X):
    """A fitted (deployed) transformer's output on ``X``; refuse an unfitted one by name.

    Parameters
    ----------
    name : str
        The representation's name, for the message.
    rep : transformer
        Fitted on other people.
    X : ndarray of shape (n_samples, n_features)
        The templates to transform.

    Returns
    -------
    ndarray of shape (n_samples, k)
    """
    try:
        check_is_fitted(rep)
    except Exception:  # NotFittedError, or a transformer check_is_fitted cannot read
        raise ValueError(
            f"representation {name!r} is not fitted: the deployment protocol audits a "
            "deployed transformer, fitted on other people than the ones audited; fit it "
            "first (or pass its output as an array)"
        ) from None
    return check_array(rep.transform(X), dtype=np.float64)


def _fit_block(rep, X, y, sensitive_features, train, rows):
    """A clone of ``rep`` fitted on the ``train`` rows, applied to each of ``rows``."""
    model = clone(rep).fit(X[train], y[train], sensitive_features=sensitive_features[train])
    return tuple(model.transform(X[r]) for r in rows)


def fit_representations(
    representations, X, *, y=None, sensitive_features=None, splits, n_jobs=None, progress=False
):
    """Each representation of each split: fitted on its fit rows, applied to both parts.

    What :func:`~skblind.evaluation.audit_report` fits, given back: pass the result to its
    ``fitted=`` (or to :func:`~skblind.evaluation.feature_removal_curve`'s) to measure
    other things on the same fits instead of fitting again.

    Parameters
    ----------
    representations : dict
        Name -> None (the raw X), an array of shape (n_samples, k) (cut into the splits'
        parts), or an unfitted transformer with ``fit(X, y, sensitive_features=...)``
        (cloned and fitted on each split's fit rows).
    X : array-like of shape (n_samples, n_features) or None
        The raw embeddings (None when every representation is an array).
    y : array-like of shape (n_samples,), default=None
        What the transformers keep (identities).
    sensitive_features : array-like of shape (n_samples,), default=None
        What they remove.
    splits : list of (fit rows, other rows)
        E.g. :func:`~skblind.evaluation.audit_splits`.
    n_jobs : int, default=None
        The fits run as joblib tasks, ``n_jobs`` at a time.
    progress : bool, default=False
        Show a progress bar over the fits.

    Returns
    -------
    dict
        Name -> list, one ``(Z_fit, Z_other)`` pair of arrays per split.
    """
    splits = [(np.asarray(train), np.asarray(test)) for train, test in splits]
    estimators = [name for name, rep in representations.items() if _is_estimator(rep)]
    needs_x = estimators or any(rep is None for rep in representations.values())
    if needs_x and X is None:
        raise ValueError("pass X: a representation is a transformer to fit, or None (X itself)")
    if estimators and (y is None or sensitive_features is None):
        raise ValueError(
            f"representation {estimators[0]!r} is a transformer to fit: pass y and "
            "sensitive_features"
        )
    if X is not None:
        X = check_array(X, dtype=np.float64)
    y = None if y is None else np.asarray(y)
    sensitive_features = None if sensitive_features is None else np.asarray(sensitive_features)
    jobs = [(name, split) for name in estimators for split in splits]
    blocks = Parallel(n_jobs=n_jobs, return_as="generator")(
        delayed(_fit_block)(representations[name], X, y, sensitive_features, train, (train, test))
        for name, (train, test) in jobs
    )
    fitted = {name: [] for name in representations}
    for (name, _), pair in zip(
        jobs, tqdm(blocks, total=len(jobs), desc="fit", disable=not progress), strict=True
    ):
        fitted[name].append(pair)
    for name, rep in representations.items():
        if name not in estimators:
            Z = _fixed(name, rep, X)
            fitted[name] = [(Z[train], Z[test]) for train, test in splits]
    return fitted
