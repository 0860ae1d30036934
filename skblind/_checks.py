"""Input checks shared across packages: missing labels, values beyond float32, a point."""

import numpy as np
import pandas as pd

__all__ = ["check_float32_range", "check_no_missing", "is_missing", "is_one_point"]


def is_missing(values):
    """Boolean mask of missing labels: None and NaN (or pandas NA / NaT)."""
    return pd.isna(pd.Series(np.asarray(values, dtype=object).ravel())).to_numpy()


def is_one_point(Z):
    """Whether every row of ``Z`` is the same point, up to float rounding.

    A representation that collapsed (the recipe's margin keeping no direction) differs
    between rows by rounding only; scaling (an attacker's ``StandardScaler``, t-SNE's PCA
    start) would blow that up into spurious spread, or divide by zero.
    """
    Z = np.asarray(Z, dtype=np.float64)
    if Z.ndim < 2 or Z.shape[1] == 0:
        return True
    spread = float(np.var(Z, axis=0).sum())
    return spread <= 1e-12 * max(float(np.mean(np.sum(Z**2, axis=1))), 1e-300)


def check_no_missing(values, name, why):
    """Refuse labels with missing entries, naming the first rows that hold them.

    Parameters
    ----------
    values : array-like of shape (n_samples,)
        The labels.
    name : str
        What they are, for the message (e.g. ``"groups"``, ``"attribute 'smiling'"``).
    why : str
        Why a missing entry cannot be used, and what to do (ends the message).

    Raises
    ------
    ValueError
        If any entry is None or NaN.
    """
    missing = np.flatnonzero(is_missing(values))
    if len(missing):
        rows = ", ".join(map(str, missing[:5])) + (", ..." if len(missing) > 5 else "")
        raise ValueError(f"{name} has {len(missing)} missing entries (rows {rows}); {why}")


def check_float32_range(X, who, why):
    """Refuse finite values that overflow float32, naming the first one.

    Parameters
    ----------
    X : ndarray of shape (n_samples, n_features)
        Finite float input (already validated).
    who : str
        The estimator, for the message.
    why : str
        What computes in float32 (e.g. ``"its network computes in float32"``).

    Raises
    ------
    ValueError
        If a value's magnitude exceeds float32's largest finite number.
    """
    if X.dtype == np.float32:
        return
    too_large = np.abs(X) > np.finfo(np.float32).max
    if too_large.any():
        row, column = np.argwhere(too_large)[0]
        raise ValueError(
            f"{who}: X holds {int(too_large.sum())} value(s) beyond float32's range "
            f"(largest finite {np.finfo(np.float32).max:.3g}), e.g. {X[row, column]:.3g} at "
            f"row {row}, column {column}; {why}, where they overflow to infinity. Rescale "
            "the features (e.g. with StandardScaler)"
        )
