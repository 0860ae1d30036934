"""Encoding of the labels given to the suppressors, with missing values allowed."""

import numpy as np
from sklearn.preprocessing import LabelEncoder

from .._checks import is_missing

__all__ = ["check_sensitive_classes", "encode_with_missing"]

#: What the label encoders treat as missing. -1 is a class like any other.
MISSING = "None or NaN (pandas NA too); -1 and every other number are classes"


def encode_with_missing(values, name):
    """Encode labels as ``0..K-1``, with ``-1`` for missing ones.

    Parameters
    ----------
    values : array-like of shape (n_samples,)
        Strings or numbers; None and NaN mean "missing" (a label -1 is a class).
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


def check_sensitive_classes(codes, classes):
    """Refuse a sensitive attribute that cannot be suppressed as classes.

    Parameters
    ----------
    codes : ndarray of shape (n_samples,) of int
        Codes from :func:`encode_with_missing`, -1 where missing.
    classes : ndarray
        The distinct labels.

    Raises
    ------
    ValueError
        With fewer than two classes among the labelled samples, or with a continuous
        attribute (more than half as many distinct values as labelled samples): classes
        seen once or twice cannot be told apart from noise, and erasing them collapses
        the representation. Any few distinct values are classes, whatever their type:
        two age groups coded 25.5 and 35.5 are two classes, as the audit takes them.
    """
    n_known = int(np.sum(codes >= 0))
    n_missing = len(codes) - n_known
    if len(classes) < 2:
        raise ValueError(
            "sensitive_features must hold at least two classes among the labelled "
            f"samples; got {classes.tolist()} ({n_known} labelled, {n_missing} missing; "
            f"missing means {MISSING})"
        )
    if 2 * len(classes) > n_known:
        raise ValueError(
            f"sensitive_features has {len(classes)} distinct values among {n_known} "
            "labelled samples: it looks continuous, not like classes. Bin it into a few "
            "classes (e.g. with numpy.digitize) before suppressing it"
        )
