"""Erasing with a margin: keep only the directions where the attribute's effect is estimable."""

import warnings
from numbers import Integral, Real

import numpy as np
from scipy.stats import norm

from .._compat import Interval
from ._eraser_base import BaseEraser

__all__ = ["MarginEraser", "estimation_errors"]

#: Fewer kept directions than this are warned about: identity mostly goes with the rest.
_FEW = 4


def _bound(budget):
    """The within-identity AUC a linear attacker of any size reads at this budget, about."""
    return float(norm.cdf(np.sqrt(budget / 2)))


def estimation_errors(X, y_codes, s_codes, components):
    """How badly the attribute's shared effect is estimated along each direction.

    For every person (label of ``y``) whose samples show two classes or more, the
    difference of each class's mean from the first class's mean is one contrast. The
    shared effect is their mean over persons; its estimate's error along a direction
    ``u`` has variance ``Var_persons(contrast . u) / persons``. Divided by the variance of
    the samples about their person and class's mean along ``u`` (the within-person noise
    an attacker must see the effect through), this is the squared Mahalanobis length the
    estimate is expected to miss along ``u``: what an attacker holding enough people
    reads there, whatever the defender removes along its estimate.

    Parameters
    ----------
    X : ndarray of shape (n_samples, n_features)
        Embeddings.
    y_codes, s_codes : ndarray of shape (n_samples,) of int
        Identity and sensitive codes, -1 where missing.
    components : ndarray of shape (k, n_features)
        Orthonormal directions.

    Returns
    -------
    errors : ndarray of shape (k,)
        The expected squared Mahalanobis error along each direction (the largest over
        the classes beyond the first).
    n_persons : int
        Persons showing two classes or more (0: nothing can be estimated).
    """
    known = (y_codes >= 0) & (s_codes >= 0)
    persons = np.unique(y_codes[known])
    n_classes = s_codes.max() + 1
    projected = X[known] @ components.T
    y_known, s_known = y_codes[known], s_codes[known]
    squares, cells, rows_used = 0.0, 0, 0
    contrasts = [[] for _ in range(n_classes)]
    for person in persons:
        mine = y_known == person
        classes = np.unique(s_known[mine])
        if len(classes) < 2:
            continue
        rows = projected[mine]
        means = {}
        for c in classes:
            cell = rows[s_known[mine] == c]
            means[c] = cell.mean(axis=0)
            squares = squares + ((cell - means[c]) ** 2).sum(axis=0)
            cells, rows_used = cells + 1, rows_used + len(cell)
        first = means[classes[0]]
        for c in classes[1:]:
            contrasts[c].append(means[c] - first)
    if not cells:
        return np.full(len(components), np.inf), 0
    # the noise about each (person, class) mean, unbiased: what a person's images of one
    # class vary by, through which an attacker must see the effect
    noise = np.maximum(squares / max(rows_used - cells, 1), np.finfo(float).tiny)
    errors = np.zeros(len(components))
    for rows in contrasts:
        if len(rows) >= 2:
            rows = np.asarray(rows)
            errors = np.maximum(errors, rows.var(axis=0, ddof=1) / len(rows) / noise)
    return errors, sum(len(np.unique(s_known[y_known == p])) > 1 for p in persons)


class MarginEraser(BaseEraser):
    """Keep the leading principal directions in which the attribute's effect is estimable.

    A blinding stage removes the attribute's effect as well as it can estimate it from the
    people it is fitted on; what its estimate misses, an attacker holding enough other
    people learns. Along a direction where the within-person noise is small, a tiny miss
    is a large signal: on the realistic preset fitted on 1,000 people, the shared effect's
    estimate pointed within 15 degrees of the true one, yet what it missed would let a
    linear attacker of unlimited size read a within-identity AUC of 0.94, and one holding
    1,000 people read 0.65 after the rest of the recipe.

    This stage keeps the principal directions of the training embeddings in order of
    variance while the estimate's expected miss summed over them
    (:func:`estimation_errors`, in squared units of within-person noise) stays within
    ``budget``, and projects out the rest: the margin grows as fewer people are fitted
    on. After it, the shared effect's residual in the kept directions bounds what any
    linear attacker reads, whatever the people it holds, at a within-identity AUC of about
    ``Phi(sqrt(budget / 2))``: 0.55 at the default 0.03 (``Phi``: the standard normal
    distribution function). The stages after it (the within-identity eraser, LEACE)
    remove the estimate itself. The directions dropped carry the least variance, so
    verification loses least: on the realistic preset, the margin kept 22 of 1,024
    directions from 1,000 people (45 from 2,000, 4 from 200). Fitted on 1,000 people, the
    recipe with it left the strongest of the battery's 8 attackers, holding 1,000 other
    people, at a within-identity AUC of 0.503-0.531 on 300 further people over three draws
    (noise floor 0.038), at a verification ROC AUC loss of 0.0000-0.0077
    (``benchmarks/bench_generalisation.py``; the benchmarks page of the docs). From a
    few dozen people it keeps next to nothing (none from ORL's 32): a larger budget
    trades the bound for verification.

    Parameters
    ----------
    budget : float, default=0.03
        The largest expected squared Mahalanobis miss of the shared effect's estimate over
        the kept directions.
    max_components : int, default=None
        Keep at most this many directions (None: as the budget allows).

    Attributes
    ----------
    components_ : ndarray of shape (n_kept, n_features)
        The kept principal directions.
    n_components_ : int
    errors_ : ndarray of shape (n_features,)
        The expected miss along each principal direction (all of them, in order).
    n_persons_ : int
        Persons with two classes or more, from whom the effect was estimated.
    projection_ : ndarray of shape (n_features, n_features)
        Erases the complement of the kept directions: ``transform(X) = X - (X - bias_)
        @ projection_``.
    bias_ : ndarray of shape (n_features,)
        The training mean.
    sensitive_classes_ : ndarray
    n_features_in_ : int

    Examples
    --------
    >>> from skblind.datasets import make_blinding_problem
    >>> from skblind.suppression import MarginEraser
    >>> data = make_blinding_problem(n_subjects=200, random_state=0)
    >>> margin = MarginEraser().fit(data.X, data.subject, sensitive_features=data.sensitive)
    >>> margin.n_components_ < data.X.shape[1]
    True
    """

    _removes_linear_leakage = False  # it restricts the space; the later stages erase

    _identities_reason = "y holds the identities within which the attribute's effect is measured"

    _parameter_constraints = {
        "budget": [Interval(Real, 0, None, closed="neither")],
        "max_components": [Interval(Integral, 1, None, closed="left"), None],
    }

    def __init__(self, *, budget=0.03, max_components=None):
        self.budget = budget
        self.max_components = max_components

    def _fit_within(self, X, y_codes, s_codes):
        """Find the principal directions and how many of them the budget keeps."""
        self.bias_ = X.mean(axis=0)
        centred = X - self.bias_
        _, vectors = np.linalg.eigh(centred.T @ centred)  # one pass over the rows
        vt = vectors[:, ::-1].T  # principal directions, the largest variance first
        self.errors_, self.n_persons_ = estimation_errors(centred, y_codes, s_codes, vt)
        kept = int(np.searchsorted(np.cumsum(self.errors_), self.budget, side="right"))
        if self.max_components is not None:
            kept = min(kept, self.max_components)
        self.n_components_ = kept
        self.components_ = vt[:kept]
        self.projection_ = np.eye(X.shape[1]) - self.components_.T @ self.components_
        if kept < _FEW:
            warnings.warn(
                f"MarginEraser kept {kept} of {X.shape[1]} directions: from the "
                f"{self.n_persons_} persons who show two classes, the attribute's shared "
                f"effect is estimable along no more within budget={self.budget} (what an "
                f"attacker of any size reads stays near a within-identity AUC of "
                f"{_bound(self.budget):.2f}); identity goes with the rest. Fit on more people, "
                "or raise the budget (margin__budget on a Blinder, --budget on skblind fit) "
                f"to trade that bound for verification: budget=1 bounds it near "
                f"{_bound(1.0):.2f}",
                UserWarning,
                stacklevel=4,
            )

    def _collapse_is_explained(self):
        """Too few directions kept: ``_fit_within`` said so, with the way out."""
        return self.n_components_ < _FEW
