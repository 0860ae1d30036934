"""The attack battery: classifiers an attacker trains on blinded templates, and their scores."""

from numbers import Integral, Real

import numpy as np
from sklearn.base import BaseEstimator, TransformerMixin
from sklearn.ensemble import HistGradientBoostingClassifier, RandomForestClassifier
from sklearn.linear_model import LogisticRegression
from sklearn.model_selection import GridSearchCV
from sklearn.neighbors import KNeighborsClassifier
from sklearn.neural_network import MLPClassifier
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler
from sklearn.svm import SVC
from sklearn.utils.validation import check_is_fitted, validate_data

from .._compat import Interval, _fit_context

__all__ = ["PCAWhitener", "adaptive_probe", "attack_scores", "default_probes"]


class PCAWhitener(TransformerMixin, BaseEstimator):
    """Rotate onto the principal axes and give each unit variance.

    A representation can hide an attribute from standardising probes behind a few
    directions thousands of times larger than the rest (each standardised coordinate is
    then mostly those directions). Whitening removes that scale: every retained principal
    direction counts alike. Directions whose variance is below ``rtol`` times the largest
    are dropped, so that whitening never divides by (almost) zero.

    Parameters
    ----------
    max_components : int, default=100
        At most this many directions.
    rtol : float, default=1e-8
        Relative variance below which a direction is dropped.

    Attributes
    ----------
    mean_ : ndarray of shape (n_features,)
    components_ : ndarray of shape (n_kept, n_features)
        Principal directions scaled by the inverse of their standard deviation.
    n_components_ : int
        The number of directions kept (``n_kept``).
    n_features_in_ : int
    """

    _parameter_constraints = {
        "max_components": [Interval(Integral, 1, None, closed="left")],
        "rtol": [Interval(Real, 0, 1, closed="left")],
    }

    def __init__(self, max_components=100, rtol=1e-8):
        self.max_components = max_components
        self.rtol = rtol

    @_fit_context(prefer_skip_nested_validation=True)
    def fit(self, X, y=None):
        """Find the principal directions of ``X`` and their scales.

        Parameters
        ----------
        X : array-like of shape (n_samples, n_features)
            Training data.
        y : ignored
            Accepted for Pipeline compatibility.

        Returns
        -------
        self
        """
        X = validate_data(self, X, dtype=np.float64, ensure_min_samples=2)
        self.mean_ = X.mean(axis=0)
        _, singular, vt = np.linalg.svd(X - self.mean_, full_matrices=False)
        variance = singular**2 / (len(X) - 1)
        keep = variance > self.rtol * max(variance[0], np.finfo(float).tiny)
        keep[self.max_components :] = False
        self.n_components_ = int(keep.sum())
        self.components_ = vt[keep] / np.sqrt(variance[keep])[:, None]
        return self

    def transform(self, X):
        """Project ``X`` onto the whitened principal directions.

        Parameters
        ----------
        X : array-like of shape (n_samples, n_features)
            Data with the features seen in ``fit``.

        Returns
        -------
        ndarray of shape (n_samples, n_kept)
        """
        check_is_fitted(self, "components_")
        X = validate_data(self, X, dtype=np.float64, reset=False)
        return (X - self.mean_) @ self.components_.T


def default_probes(random_state=0):
    """The attack battery: the classifiers an attacker trains on (blinded) templates.

    MLP, RBF-SVM, random forest and logistic regression (the paper's kind of probes),
    an MLP on PCA-whitened input (``"MLP-white"``: blind to how phi is scaled), gradient
    boosting (``"HGB"``), and the similarity attack on templates (``"kNN-cosine"``,
    Osorio-Roig et al., IEEE TBIOM 2022: the attribute of the nearest labelled templates by
    cosine similarity). The adaptive attacker of :func:`adaptive_probe` is added by
    :func:`~skblind.evaluation.audit_report` itself (``adaptive=True``). Every entry is a
    plain scikit-learn classifier: pass your own dict to replace or extend the battery.

    Parameters
    ----------
    random_state : int, default=0
        Seed of the probes that draw random numbers.

    Returns
    -------
    dict
        Probe name -> unfitted scikit-learn classifier.
    """
    return {
        "MLP": make_pipeline(
            StandardScaler(), MLPClassifier((128,), max_iter=2000, random_state=random_state)
        ),
        "SVM": make_pipeline(StandardScaler(), SVC()),
        "RF": RandomForestClassifier(n_estimators=200, random_state=random_state),
        "LR": make_pipeline(StandardScaler(), LogisticRegression(max_iter=5000)),
        "MLP-white": make_pipeline(
            PCAWhitener(), MLPClassifier((128,), max_iter=2000, random_state=random_state)
        ),
        "HGB": HistGradientBoostingClassifier(random_state=random_state),
        "kNN-cosine": KNeighborsClassifier(n_neighbors=5, metric="cosine"),
    }


def adaptive_probe(inner_splits=3):
    """An attacker that tunes an RBF-SVM's C and gamma by inner cross-validation.

    Used by :func:`~skblind.evaluation.audit_report` with the attacker's own groups, so
    the inner folds are subject-disjoint too.

    Parameters
    ----------
    inner_splits : int, default=3
        Number of inner folds.

    Returns
    -------
    sklearn.model_selection.GridSearchCV
    """
    return GridSearchCV(
        make_pipeline(StandardScaler(), SVC()),
        {"svc__C": [0.1, 1.0, 10.0, 100.0], "svc__gamma": ["scale", 0.1, 0.01, 0.001]},
        scoring="balanced_accuracy",
        cv=inner_splits,
    )


def attack_scores(model, Z, classes):
    """Per-class scores of a fitted attacker, one column per class of the attribute.

    Parameters
    ----------
    model : fitted classifier
        With ``predict_proba`` or ``decision_function``.
    Z : array-like of shape (n_samples, n_features)
        The (blinded) templates to score.
    classes : ndarray of shape (n_classes,)
        Every class of the attribute; a class the attacker never saw gets the lowest score.

    Returns
    -------
    ndarray of shape (n_samples, n_classes)
        Higher means "more likely this class" (probabilities, or decision values).
    """
    if hasattr(model, "predict_proba"):
        raw, low = model.predict_proba(Z), 0.0
    else:
        raw, low = np.asarray(model.decision_function(Z), dtype=float), -np.inf
        if raw.ndim == 1:  # binary: the score of classes_[1]
            raw = np.column_stack([-raw, raw])
    scores = np.full((len(raw), len(classes)), low)
    columns = np.searchsorted(classes, model.classes_)
    scores[:, columns] = raw
    return scores
