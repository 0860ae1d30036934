"""Identity verification on embeddings: pair similarities and ROC AUC."""

import numpy as np
from sklearn.metrics import roc_auc_score
from sklearn.utils.validation import check_array, check_consistent_length

__all__ = ["pair_similarities", "verification_roc_auc"]


def pair_similarities(X, subjects, pairs=None):
    """Cosine similarity and same-identity flag of pairs of embeddings.

    Parameters
    ----------
    X : array-like of shape (n_samples, n_features)
        Embeddings.
    subjects : array-like of shape (n_samples,)
        Identity of each row.
    pairs : array-like of shape (n_pairs, 2) of int, default=None
        Row indices of the pairs; ``None`` takes every unordered pair of distinct rows.

    Returns
    -------
    similarity : ndarray of shape (n_pairs,)
    same : ndarray of shape (n_pairs,) bool
    """
    X = check_array(X, dtype=np.float64)
    subjects = np.asarray(subjects)
    check_consistent_length(X, subjects)
    norms = np.linalg.norm(X, axis=1, keepdims=True)
    if np.any(norms == 0):
        raise ValueError(f"rows {np.flatnonzero(norms == 0)[:10].tolist()} of X are all zero")
    X = X / norms
    if pairs is None:
        first, second = np.triu_indices(len(X), k=1)
    else:
        pairs = np.asarray(pairs, dtype=int)
        first, second = pairs[:, 0], pairs[:, 1]
    similarity = np.einsum("ij,ij->i", X[first], X[second])
    return similarity, subjects[first] == subjects[second]


def verification_roc_auc(X, subjects, pairs=None):
    """ROC AUC of cosine similarity for telling same-identity pairs from others.

    Parameters
    ----------
    X : array-like of shape (n_samples, n_features)
        Embeddings.
    subjects : array-like of shape (n_samples,)
        Identity of each row.
    pairs : array-like of shape (n_pairs, 2) of int, default=None
        Row indices of the pairs; ``None`` takes every unordered pair.

    Returns
    -------
    float
    """
    similarity, same = pair_similarities(X, subjects, pairs)
    if same.all() or not same.any():
        raise ValueError("verification needs both same-identity and different-identity pairs")
    return float(roc_auc_score(same, similarity))
