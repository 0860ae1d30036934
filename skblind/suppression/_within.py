"""Directions along which the sensitive classes differ within each label of ``y``."""

import numpy as np
from sklearn.utils import check_random_state

from ._diagnostics import duplicate_rows

__all__ = ["within_label_directions"]


def _label_groups(y_codes, s_codes):
    """Indices of the samples with both codes: one increasing array per label, labels sorted."""
    known = np.flatnonzero((y_codes >= 0) & (s_codes >= 0))
    order = known[np.argsort(y_codes[known], kind="stable")]
    _, starts = np.unique(y_codes[order], return_index=True)
    return np.split(order, starts[1:])


def _contrasts(phi, s_codes, groups):
    """Each sensitive class's mean minus its label's mean, weighted by sqrt(count)."""
    rows = []
    for member in groups:
        classes = np.unique(s_codes[member])
        if len(classes) < 2:
            continue
        mean = phi[member].mean(axis=0)
        for value in classes:
            inside = member[s_codes[member] == value]
            rows.append(np.sqrt(len(inside)) * (phi[inside].mean(axis=0) - mean))
    return np.asarray(rows, dtype=np.float64).reshape(-1, phi.shape[1])


def _permuted_within_labels(s_codes, groups, rng):
    """Shuffle the sensitive codes among the samples of each label."""
    shuffled = s_codes.copy()
    for member in groups:
        shuffled[member] = rng.permutation(s_codes[member])
    return shuffled


def within_label_directions(phi, y_codes, s_codes, n_components, n_null=19, random_state=None):
    """Orthonormal directions in which the sensitive classes differ within labels of ``y``.

    For every label of ``y`` (an identity) whose samples hold two sensitive classes or
    more, each class mean minus the label's mean, weighted by the square root of the
    class's count, is one contrast: how the attribute moves that person's embedding.
    The leading right singular vectors of all contrasts span the directions in which
    the attribute varies within persons (nuisance attribute projection, Solomonoff et
    al. 2005). How many to keep is tested one at a time against ``n_null`` draws with
    the sensitive labels shuffled within each label (a sequential parallel analysis):
    the k-th direction is kept while its singular value exceeds the largest singular
    value of every shuffled draw's contrasts once the k - 1 directions already kept
    are projected out of them. Under no effect each step passes with probability at
    most ``1 / (n_null + 1)`` (5% at the default). Comparing rank by rank without
    that deflation would not hold its level: once a real effect is found, every later
    singular value of the real contrasts stands one rank ahead of the draws' and
    passes, and all directions go. Exact duplicate samples are counted once.

    Parameters
    ----------
    phi : ndarray of shape (n_samples, n_features)
        The representation (centred).
    y_codes, s_codes : ndarray of shape (n_samples,) of int
        Label and sensitive codes, -1 where missing.
    n_components : int
        How many directions at most.
    n_null : int, default=19
        Shuffled draws for the noise level.
    random_state : int, RandomState instance or None, default=None
        Seeds the shuffles.

    Returns
    -------
    ndarray of shape (k, n_features)
        Orthonormal rows, ``k <= n_components`` (0 rows when no label holds two
        sensitive classes, or no direction stands above the noise).
    """
    nothing = np.zeros((0, phi.shape[1]), dtype=phi.dtype)
    if n_components == 0:
        return nothing
    # Exact copies of a sample would count its contrast twice while the within-label
    # shuffles split the copies: each distinct row is counted once.
    distinct = np.setdiff1d(np.arange(len(phi)), duplicate_rows(phi, y_codes, s_codes))
    phi, y_codes, s_codes = phi[distinct], y_codes[distinct], s_codes[distinct]
    groups = _label_groups(y_codes, s_codes)
    contrasts = _contrasts(phi, s_codes, groups)
    if len(contrasts) == 0:
        return nothing
    _, singular, vt = np.linalg.svd(contrasts, full_matrices=False)
    rng = check_random_state(random_state)
    # Contrasts are linear in phi: projecting a direction out of phi projects it out of
    # every draw's contrasts, so the draws are computed once and deflated in place.
    null = [
        _contrasts(phi, _permuted_within_labels(s_codes, groups, rng), groups)
        for _ in range(n_null)
    ]
    k = 0
    while k < min(n_components, len(singular)):
        if singular[k] <= max(np.linalg.norm(draw, 2) for draw in null):
            break
        null = [draw - np.outer(draw @ vt[k], vt[k]) for draw in null]
        k += 1
    return vt[:k].astype(phi.dtype)
