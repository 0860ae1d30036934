"""Warnings about training data and outputs that would make a suppressor's result hollow."""

import warnings

import numpy as np

__all__ = ["duplicate_rows", "warn_if_collapsed", "warn_if_duplicates"]


def duplicate_rows(*columns):
    """Indices of the rows that repeat an earlier row exactly (all columns equal).

    Parameters
    ----------
    *columns : ndarray of shape (n_samples,) or (n_samples, k)
        The row's parts (e.g. the features and the label codes).

    Returns
    -------
    ndarray of int
        Sorted indices of the later copies; the first occurrence of each row is kept.
    """
    rows = np.column_stack([np.asarray(c, dtype=np.float64) for c in columns])
    _, first = np.unique(rows, axis=0, return_index=True)
    return np.setdiff1d(np.arange(len(rows)), first)


def warn_if_duplicates(name, X, y_codes, s_codes):
    """Warn, naming rows, when ``X`` holds exact duplicate samples."""
    repeated = duplicate_rows(X, y_codes, s_codes)
    if len(repeated):
        shown = ", ".join(map(str, repeated[:5])) + (", ..." if len(repeated) > 5 else "")
        warnings.warn(
            f"{name}: {len(repeated)} of {len(X)} training rows repeat an earlier row "
            f"exactly (rows {shown}). The within-person projection counts each distinct "
            "row once; the learned encoder sees the copies as extra weight.",
            UserWarning,
            stacklevel=3,
        )


def warn_if_collapsed(name, X, Z, tol=1e-6):
    """Warn when the output ``Z`` has lost (almost) all the variance of the input ``X``."""
    before = float(np.var(np.asarray(X, dtype=np.float64), axis=0).sum())
    after = float(np.var(np.asarray(Z, dtype=np.float64), axis=0).sum())
    if before > 0 and after <= tol * before:
        warnings.warn(
            f"{name}: the output has collapsed (total variance {after:.3g} against "
            f"{before:.3g} in the input): every sample maps to about the same point, "
            "which hides the attribute and everything else. Check the sensitive labels "
            "(one class per sample?), the number of features and of samples.",
            UserWarning,
            stacklevel=3,
        )
