"""IVE (Terhörst et al. 2019): incremental elimination of the template's most telling dimensions."""

from numbers import Integral, Real

import numpy as np
from sklearn.base import clone
from sklearn.ensemble import RandomForestClassifier
from sklearn.metrics import balanced_accuracy_score
from sklearn.utils import check_random_state

from .._compat import HasMethods, Interval
from ._eraser_base import BaseEraser

__all__ = ["IVEEraser"]

#: Rows each tree of the default forest draws (at most): enough to rank dimensions, and a
#: round on 20,000 templates then costs what it costs on 5,000.
MAX_TREE_SAMPLES = 5000


def _count(value, n_features):
    """An int, or a fraction of ``n_features`` (at least 1)."""
    if isinstance(value, Integral):
        return int(value)
    return max(1, int(round(value * n_features)))


class IVEEraser(BaseEraser):
    """IVE: incremental variable elimination of the dimensions that predict the attribute.

    Terhörst et al., "Suppressing Gender and Age in Face Templates Using Incremental
    Variable Elimination" (ICB 2019): an ensemble of decision trees learns the attribute
    from the templates, the ``step`` dimensions it finds most important are eliminated,
    and the ensemble is retrained on what is left, until ``n_eliminate`` dimensions are
    gone. Here an eliminated dimension is set to zero (cosine similarities are then those
    of the templates without it, and the output keeps the input's width).

    Parameters
    ----------
    n_eliminate : int or float in (0, 1), default=0.2
        Dimensions to eliminate in all: a number, or a share of ``n_features``.
    step : int or float in (0, 1), default=0.02
        Dimensions eliminated per round: a number, or a share of ``n_features``.
    estimator : classifier with ``feature_importances_``, default=None
        The tree ensemble; None takes a ``RandomForestClassifier`` of 100 trees, each
        grown on a bootstrap draw of at most 5,000 rows, with balanced class weights.
    random_state : int, RandomState instance or None, default=None
        Seed of the ensemble in each round.
    n_jobs : int, default=None
        Processes of the default forest (ignored when ``estimator`` is given).

    Attributes
    ----------
    eliminated_ : ndarray of int
        The eliminated dimensions, in the order they went.
    scores_ : list of float
        Out-of-bag balanced accuracy of each round's ensemble when the estimator has
        ``oob_decision_function_`` (the default does), before its elimination; else empty.
    projection_ : ndarray of shape (n_features, n_features)
        Diagonal, 1 on the eliminated dimensions: ``transform(X) = X - X @ projection_``.
    bias_ : ndarray of shape (n_features,)
        Zeros.
    sensitive_classes_ : ndarray
    n_features_in_ : int

    Examples
    --------
    >>> from skblind.datasets import make_blinding_problem
    >>> from skblind.suppression import IVEEraser
    >>> data = make_blinding_problem(n_subjects=20, random_state=0)
    >>> ive = IVEEraser(n_eliminate=8, step=4, random_state=0)
    >>> Z = ive.fit_transform(data.X, sensitive_features=data.sensitive)
    >>> len(ive.eliminated_), int((Z == 0).all(axis=0).sum())
    (8, 8)
    """

    _float32_reason = "its decision trees compute in float32"
    _removes_linear_leakage = False  # a few dimensions go; a linear probe reads the rest

    _parameter_constraints = {
        "n_eliminate": [
            Interval(Integral, 1, None, closed="left"),
            Interval(Real, 0, 1, closed="neither"),
        ],
        "step": [
            Interval(Integral, 1, None, closed="left"),
            Interval(Real, 0, 1, closed="neither"),
        ],
        "estimator": [HasMethods(["fit"]), None],
        "random_state": ["random_state"],
        "n_jobs": [Integral, None],
    }

    def __init__(
        self, *, n_eliminate=0.2, step=0.02, estimator=None, random_state=None, n_jobs=None
    ):
        self.n_eliminate = n_eliminate
        self.step = step
        self.estimator = estimator
        self.random_state = random_state
        self.n_jobs = n_jobs

    def _fit(self, X, codes):
        n_features = X.shape[1]
        total = _count(self.n_eliminate, n_features)
        if total >= n_features:
            raise ValueError(
                f"n_eliminate={self.n_eliminate} would eliminate {total} of the "
                f"{n_features} feature(s); leave at least one"
            )
        step = _count(self.step, n_features)
        rng = check_random_state(self.random_state)
        base = (
            RandomForestClassifier(
                n_estimators=100,
                max_samples=min(len(X), MAX_TREE_SAMPLES),
                oob_score=True,
                class_weight="balanced",
                n_jobs=self.n_jobs,
            )
            if self.estimator is None
            else self.estimator
        )
        kept = np.arange(n_features)
        eliminated, self.scores_ = [], []
        while len(eliminated) < total:
            model = clone(base)
            if "random_state" in model.get_params():
                model.set_params(random_state=rng.randint(np.iinfo(np.int32).max))
            model.fit(X[:, kept], codes)
            if hasattr(model, "oob_decision_function_"):
                self.scores_.append(_balanced_oob(model, codes))
            order = np.argsort(model.feature_importances_, kind="stable")[::-1]
            chosen = order[: min(step, total - len(eliminated))]
            eliminated.extend(kept[chosen].tolist())
            kept = np.delete(kept, chosen)
        self.eliminated_ = np.asarray(eliminated)
        self.projection_ = np.zeros((n_features, n_features))
        self.projection_[self.eliminated_, self.eliminated_] = 1.0
        self.bias_ = np.zeros(n_features)
        return self


def _balanced_oob(model, codes):
    """Balanced accuracy of a forest's out-of-bag predictions (rows never out of bag skipped)."""
    votes = model.oob_decision_function_
    seen = np.isfinite(votes).all(axis=1)
    predicted = model.classes_[np.argmax(votes[seen], axis=1)]
    return float(balanced_accuracy_score(codes[seen], predicted))
