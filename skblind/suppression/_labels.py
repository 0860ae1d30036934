"""Encoding of the labels given to the suppressors, with missing values allowed."""

from numbers import Number

import numpy as np
import pandas as pd
from sklearn.preprocessing import LabelEncoder

__all__ = ["encode_with_missing", "is_missing"]


def is_missing(values):
    """Boolean mask of missing labels: None, NaN (or pandas NA) and the number -1."""
    series = pd.Series(np.asarray(values, dtype=object).ravel())
    minus_one = series.map(lambda v: isinstance(v, Number) and not isinstance(v, bool) and v == -1)
    return (series.isna() | minus_one.astype(bool)).to_numpy()


def encode_with_missing(values, name):
    """Encode labels as ``0..K-1``, with ``-1`` for missing ones.

    Parameters
    ----------
    values : array-like of shape (n_samples,)
        Strings or numbers; None, NaN and -1 mean "missing".
    name : str
        The argument's name, for error messages.

    Returns
    -------
    codes : ndarray of shape (n_samples,) int64
    classes : ndarray
        The distinct non-missing labels, sorted.
    """
    values = np.asarray(values, dtype=object)
    if values.ndim != 1:
        if values.ndim == 2 and values.shape[1] == 1:
            values = values[:, 0]
        else:
            raise ValueError(f"{name} must be one label per sample; got shape {values.shape}")
    missing = is_missing(values)
    codes = np.full(len(values), -1, dtype=np.int64)
    if missing.all():
        return codes, np.array([])
    known = values[~missing]
    kinds = {isinstance(v, str) for v in known}
    if len(kinds) > 1:
        names = sorted({type(v).__name__ for v in known})
        raise ValueError(f"{name} mixes label types {names}; use one type")
    encoder = LabelEncoder().fit(known.tolist())
    codes[~missing] = encoder.transform(known.tolist())
    return codes, encoder.classes_
