"""Erasing the directions along which the sensitive classes differ within each person."""

from numbers import Integral

import numpy as np
from sklearn.utils import check_random_state

from .._compat import Interval
from ._diagnostics import duplicate_rows, warn_if_duplicates
from ._eraser_base import BaseEraser

__all__ = ["WithinIdentityEraser", "shared_contrast_directions", "within_label_directions"]


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


def shared_contrast_directions(phi, y_codes, s_codes):
    """Orthonormal directions of the attribute's effect that persons share.

    For every label of ``y`` (an identity) whose samples hold two sensitive classes or
    more, each class's mean minus the mean of that label's class means; averaged per
    class over the labels that show it, these are the moves every person makes with the
    attribute, what an attacker trained on other people's templates can learn and apply
    to a new person. Their span (at most one direction fewer than the classes) is
    returned.

    Parameters
    ----------
    phi : ndarray of shape (n_samples, n_features)
        The representation.
    y_codes, s_codes : ndarray of shape (n_samples,) of int
        Label and sensitive codes, -1 where missing.

    Returns
    -------
    ndarray of shape (k, n_features)
        Orthonormal rows (0 rows when no label holds two sensitive classes).
    """
    sums = {}
    for member in _label_groups(y_codes, s_codes):
        classes = np.unique(s_codes[member])
        if len(classes) < 2:
            continue
        means = {c: phi[member[s_codes[member] == c]].mean(axis=0) for c in classes}
        centre = np.mean(list(means.values()), axis=0)
        for c, mean in means.items():
            total, count = sums.get(c, (0.0, 0))
            sums[c] = (total + (mean - centre), count + 1)
    if not sums:
        return np.zeros((0, phi.shape[1]), dtype=phi.dtype)
    moves = np.array([total / count for total, count in sums.values()], dtype=np.float64)
    _, singular, vt = np.linalg.svd(moves, full_matrices=False)
    keep = singular > 1e-10 * max(singular.max(), np.finfo(float).tiny)
    return vt[keep][: max(1, len(sums) - 1)].astype(phi.dtype)


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
    # every draw's contrasts, so the draws are computed once and deflated as we go.
    null = _NullSpectra(
        _contrasts(phi, _permuted_within_labels(s_codes, groups, rng), groups)
        for _ in range(n_null)
    )
    k = 0
    while k < min(n_components, len(singular)):
        if singular[k] <= null.largest():
            break
        null.deflate(vt[k])
        k += 1
    return vt[:k].astype(phi.dtype)


def _largest_eigenvalue(matrix):
    """The largest eigenvalue of a symmetric positive semi-definite matrix."""
    if len(matrix) <= 256:
        return float(np.linalg.eigvalsh(matrix)[-1])
    from scipy.sparse.linalg import eigsh

    start = np.ones(len(matrix))  # a fixed start vector: the same answer on every run
    (value,) = eigsh(matrix, k=1, which="LA", v0=start, tol=1e-12, return_eigenvectors=False)
    return float(value)


class _NullSpectra:
    """The largest singular value of each shuffled draw's contrasts, as directions go.

    Projecting an orthonormal direction ``v`` out of a draw ``D`` (``D (I - v v^T)``)
    changes its Gram matrix in closed form, so the largest singular value is the root
    of the largest eigenvalue of an ``r x r`` matrix, ``r = min(rows, features)``,
    updated in ``O(r^2)`` per direction: no singular value decomposition of the draws,
    whose cost per draw and direction grew with the number of persons times the
    features squared.
    """

    def __init__(self, draws):
        self._by_rows, self._grams, self._draws = [], [], []
        for draw in draws:  # one at a time: only the row-side updates keep their draw
            by_rows = len(draw) <= draw.shape[1]
            self._by_rows.append(by_rows)
            self._grams.append(draw @ draw.T if by_rows else draw.T @ draw)
            self._draws.append(draw if by_rows else None)

    def largest(self):
        """The largest singular value over the draws, as deflated so far."""
        return max(np.sqrt(max(_largest_eigenvalue(gram), 0.0)) for gram in self._grams)

    def deflate(self, v):
        """Project the unit vector ``v`` (orthogonal to those before) out of every draw."""
        for draw, by_rows, gram in zip(self._draws, self._by_rows, self._grams, strict=True):
            if by_rows:  # D P D^T = D D^T - (D v)(D v)^T for the original D
                u = draw @ v
                gram -= np.outer(u, u)
            else:  # P G P with P = I - v v^T
                gv = gram @ v
                gram -= np.outer(v, gv) + np.outer(gv, v) - (v @ gv) * np.outer(v, v)


class WithinIdentityEraser(BaseEraser):
    """Project out the directions in which the attribute moves a person's embedding.

    Nuisance attribute projection (Solomonoff et al. 2005) with a data-driven number of
    directions: for every identity of ``y`` seen under two sensitive classes or more,
    each class mean minus the identity's mean is one contrast; the leading singular
    directions of all contrasts are kept while each stands above the same direction
    count under labels shuffled within identities (:func:`within_label_directions`).
    ``transform`` removes their span around the training mean.

    With ``shared=True`` (the default) the span of the mean contrasts comes first
    (:func:`shared_contrast_directions`): the part of the attribute's effect that all
    persons share, which an attacker trained on other people's templates reads on a
    new person. It is removed whatever its size against the noise, and the tested
    directions are sought among what is left.

    A class-conditional criterion over the whole sample (an MMD, LEACE) is dominated by
    the differences between persons and leaves the within-person part readable; this
    stage removes what those leave within persons.

    Parameters
    ----------
    n_components : int, default=32
        How many directions at most, the shared ones included (0 keeps the input
        unchanged).
    shared : bool, default=True
        Remove the mean contrasts' span first (see above); False keeps only the tested
        directions.
    n_null : int, default=19
        Shuffled draws for the noise level: each direction passes by chance with
        probability at most ``1 / (n_null + 1)``.
    random_state : int, RandomState instance or None, default=None
        Seeds the shuffles.

    Attributes
    ----------
    directions_ : ndarray of shape (k, n_features)
        Orthonormal rows, ``k <= n_components``: the shared directions first
        (``n_shared_``), then the tested ones (0 rows when no identity shows two classes).
    n_shared_ : int
        How many of them are shared directions.
    projection_ : ndarray of shape (n_features, n_features)
        ``directions_.T @ directions_``: ``transform(X) = X - (X - bias_) @ projection_``.
    bias_ : ndarray of shape (n_features,)
        The training mean.
    sensitive_classes_ : ndarray
    n_features_in_ : int

    Examples
    --------
    >>> from skblind.datasets import make_blinding_problem
    >>> from skblind.suppression import WithinIdentityEraser
    >>> data = make_blinding_problem(random_state=0)
    >>> eraser = WithinIdentityEraser(random_state=0).fit(
    ...     data.X, data.subject, sensitive_features=data.sensitive)
    >>> eraser.directions_.shape, eraser.n_shared_
    ((1, 64), 1)
    """

    _identities_reason = "y holds the identities within which the attribute's directions are found"

    _parameter_constraints = {
        "n_components": [Interval(Integral, 0, None, closed="left")],
        "shared": ["boolean"],
        "n_null": [Interval(Integral, 1, None, closed="left")],
        "random_state": ["random_state"],
    }

    def __init__(self, *, n_components=32, shared=True, n_null=19, random_state=None):
        self.n_components = n_components
        self.shared = shared
        self.n_null = n_null
        self.random_state = random_state

    def _fit_within(self, X, y_codes, s_codes):
        """The shared directions, then the tested ones among what is left."""
        if self.n_components:
            warn_if_duplicates(type(self).__name__, X, y_codes, s_codes)
        self.bias_ = X.mean(axis=0)
        centred = X - self.bias_
        shared = np.zeros((0, X.shape[1]))
        if self.shared and self.n_components:
            shared = shared_contrast_directions(centred, y_codes, s_codes)[: self.n_components]
            centred = centred - centred @ shared.T @ shared  # tested among what is left
        tested = within_label_directions(
            centred,
            y_codes,
            s_codes,
            self.n_components - len(shared),
            n_null=self.n_null,
            random_state=self.random_state,
        )
        self.n_shared_ = len(shared)
        self.directions_ = np.vstack([shared, tested])
        self.projection_ = self.directions_.T @ self.directions_
