"""Linear erasure baselines: LEACE (Belrose et al. 2023) and INLP (Ravfogel et al. 2020)."""

import warnings
from numbers import Integral, Real

import numpy as np
import torch
from sklearn.base import clone
from sklearn.linear_model import LogisticRegression

from .._compat import HasMethods, Interval, StrOptions
from ._eraser_base import BaseEraser

__all__ = ["INLPEraser", "LEACEEraser"]


def _leace_fitter():
    """``concept_erasure.LeaceFitter``, imported without its torch deprecation notice.

    concept-erasure decorates a helper with ``torch.jit.script``, which torch >= 2.10
    reports as deprecated (a FutureWarning) when the package is imported: a warning about
    a dependency's source that a user of skblind can do nothing about. Only that message,
    at that import, is silenced.
    """
    with warnings.catch_warnings():
        warnings.filterwarnings(
            "ignore", message=r"`torch\.jit\.script` is deprecated", category=FutureWarning
        )
        from concept_erasure import LeaceFitter
    return LeaceFitter


class LEACEEraser(BaseEraser):
    """LEACE: the least-squares concept erasure, in closed form (``concept-erasure``).

    After it, no linear classifier predicts the sensitive attribute better than a
    constant one on the training distribution, with the least mean squared change
    of the embeddings.

    Parameters
    ----------
    method : {"leace", "orth"}, default="leace"
        ``"leace"``: the oblique, covariance-aware eraser; ``"orth"``: the orthogonal
        projection removing the class-mean differences.

    Attributes
    ----------
    projection_ : ndarray of shape (n_features, n_features)
        ``transform(X) = X - (X - bias_) @ projection_``.
    bias_ : ndarray of shape (n_features,)
    sensitive_classes_ : ndarray
    n_features_in_ : int

    Examples
    --------
    >>> from skblind.datasets import make_blinding_problem
    >>> from skblind.suppression import LEACEEraser
    >>> data = make_blinding_problem(random_state=0)
    >>> LEACEEraser().fit_transform(data.X, sensitive_features=data.sensitive).shape
    (400, 64)
    """

    _parameter_constraints = {"method": [StrOptions({"leace", "orth"})]}

    def __init__(self, *, method="leace"):
        self.method = method

    def _fit(self, X, codes):
        LeaceFitter = _leace_fitter()
        x = torch.as_tensor(X)
        z = torch.nn.functional.one_hot(torch.as_tensor(codes), len(self.sensitive_classes_))
        fitter = LeaceFitter(X.shape[1], z.shape[1], method=self.method, dtype=torch.float64)
        eraser = fitter.update(x, z.to(torch.float64)).eraser
        self.projection_ = (eraser.proj_right.mH @ eraser.proj_left.mH).numpy()
        self.bias_ = np.zeros(X.shape[1]) if eraser.bias is None else eraser.bias.numpy().ravel()
        return self


class INLPEraser(BaseEraser):
    """INLP: iterative nullspace projection.

    Repeatedly trains a linear classifier of the sensitive attribute and projects the
    embeddings onto the nullspace of the directions it uses; ``transform`` removes the
    span of every direction found.

    Parameters
    ----------
    n_iterations : int, default=10
        Number of classifiers trained (each adds up to K-1 directions, 1 for binary).
    classifier : linear classifier, default=None
        Anything with ``coef_`` after ``fit``; None takes a logistic regression.
    tol : float, default=0.01
        Stop early once a classifier's training balanced accuracy is within ``tol``
        of chance.

    Attributes
    ----------
    projection_ : ndarray of shape (n_features, n_features)
        Orthogonal projection onto the removed span: ``transform(X) = X - X @ projection_``.
    bias_ : ndarray of shape (n_features,)
        Zeros (INLP projects around the origin).
    directions_ : ndarray of shape (n_directions, n_features)
        Orthonormal basis of the removed span.
    scores_ : list of float
        Training balanced accuracy of each iteration's classifier, before its projection.
    sensitive_classes_ : ndarray
    n_features_in_ : int
    """

    _parameter_constraints = {
        "n_iterations": [Interval(Integral, 1, None, closed="left")],
        "classifier": [HasMethods(["fit"]), None],
        "tol": [Interval(Real, 0, 1, closed="both")],
    }

    def __init__(self, *, n_iterations=10, classifier=None, tol=0.01):
        self.n_iterations = n_iterations
        self.classifier = classifier
        self.tol = tol

    def _fit(self, X, codes):
        from sklearn.metrics import balanced_accuracy_score

        chance = 1.0 / len(self.sensitive_classes_)
        base = LogisticRegression(max_iter=2000) if self.classifier is None else self.classifier
        basis = np.zeros((0, X.shape[1]))
        self.scores_ = []
        current = X
        for _ in range(self.n_iterations):
            model = clone(base).fit(current, codes)
            score = balanced_accuracy_score(codes, model.predict(current))
            self.scores_.append(score)
            if score - chance <= self.tol:
                break
            stacked = np.vstack([basis, np.atleast_2d(model.coef_)])
            u, s, vt = np.linalg.svd(stacked, full_matrices=False)
            basis = vt[s > 1e-10 * s.max()]
            current = X - X @ basis.T @ basis
        self.directions_ = basis
        self.projection_ = basis.T @ basis
        self.bias_ = np.zeros(X.shape[1])
        return self
