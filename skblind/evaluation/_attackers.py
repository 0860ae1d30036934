"""The attack battery: classifiers an attacker trains on blinded templates, and their scores."""

from numbers import Integral, Real

import numpy as np
from sklearn.base import BaseEstimator, ClassifierMixin, TransformerMixin
from sklearn.ensemble import HistGradientBoostingClassifier, RandomForestClassifier
from sklearn.kernel_approximation import Nystroem
from sklearn.linear_model import LogisticRegression
from sklearn.model_selection import GridSearchCV
from sklearn.neighbors import KNeighborsClassifier
from sklearn.neural_network import MLPClassifier
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler
from sklearn.svm import SVC, LinearSVC
from sklearn.utils.multiclass import check_classification_targets
from sklearn.utils.validation import check_is_fitted, validate_data

from .._compat import Interval, StrOptions, _fit_context

__all__ = [
    "PCAWhitener",
    "ScalableSVC",
    "adaptive_attacker",
    "attack_scores",
    "default_attackers",
]


class PCAWhitener(TransformerMixin, BaseEstimator):
    """Rotate onto the principal axes and give each unit variance.

    A representation can hide an attribute from standardising probes behind a few
    directions thousands of times larger than the rest (each standardised coordinate is
    then mostly those directions). Whitening removes that scale: every retained principal
    direction counts alike. Directions whose variance is below ``rtol`` times the largest
    are dropped, so that whitening never divides by (almost) zero; input without any
    variance (a representation that collapsed) gives one constant column.

    Parameters
    ----------
    max_components : int, default=100
        At most this many directions.
    rtol : float, default=1e-8
        Relative variance below which a direction is dropped.

    Attributes
    ----------
    mean_ : ndarray of shape (n_features,)
    components_ : ndarray of shape (max(n_kept, 1), n_features)
        Principal directions scaled by the inverse of their standard deviation (a zero row
        when none is kept).
    n_components_ : int
        The number of directions kept (0 for input without variance, whose output is one
        constant column).
    n_features_in_ : int
    """

    _parameter_constraints = {
        "max_components": [Interval(Integral, 1, None, closed="left")],
        "rtol": [Interval(Real, 0, 1, closed="left")],
    }

    def __init__(self, *, max_components=100, rtol=1e-8):
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
        if not self.n_components_:  # no variance at all: one constant column, not none
            self.components_ = np.zeros((1, X.shape[1]))
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


class ScalableSVC(ClassifierMixin, BaseEstimator):
    """An RBF-kernel SVM whose cost stays linear in the templates beyond ``max_exact``.

    An exact kernel SVM costs between the square and the cube of its training rows (on
    1,024-d templates: 0.2 s for 1,000 rows, 3.7 s for 3,000, minutes for 20,000), so an
    attacker holding thousands of people could not be trained. Up to ``max_exact`` rows
    this is scikit-learn's :class:`~sklearn.svm.SVC`; beyond, the same kernel is
    approximated by ``n_components`` Nystroem features and a linear SVM (squared hinge
    loss, the same ``C``) is trained on them. Measured with every template approximated
    (``max_exact=1``), attackers of 225 people of a non-linear 64-d synthetic problem read
    the attribute alike in both forms (three draws; balanced accuracy 0.528 / 0.532 /
    0.520 exact, 0.526 / 0.541 / 0.523 approximated; within-identity AUC 0.554 / 0.560 /
    0.520 and 0.557 / 0.567 / 0.532), and attackers of 150 people of the realistic
    1,024-d preset within their intervals (0.689 and 0.680; 0.844 [0.816, 0.872] and
    0.824 [0.793, 0.854]); the plain hinge loss read less (0.514 and 0.534 on the first).

    Parameters
    ----------
    C : float, default=1.0
        Inverse regularisation strength, as in :class:`~sklearn.svm.SVC`.
    gamma : "scale" or float, default="scale"
        The RBF kernel's width, as in :class:`~sklearn.svm.SVC` (``"scale"``: 1 /
        (n_features * X.var())).
    gamma_factor : float, default=1.0
        Multiplies the ``"scale"`` width: a search over it (as :func:`adaptive_attacker`'s)
        tries widths relative to the data's, meaningful whatever the number of features
        (fixed widths such as 0.1 and 0.01 make every pair of 1,024-d standardised
        templates look unrelated).
    max_exact : int, default=5000
        The most training rows fitted with the exact kernel.
    n_components : int, default=1000
        Nystroem features beyond ``max_exact`` rows.
    random_state : int, RandomState instance or None, default=0
        Seeds the choice of the Nystroem landmarks and the linear SVM's coordinate order.

    Attributes
    ----------
    model_ : SVC or Pipeline
        The fitted exact SVM, or the Nystroem features and linear SVM.
    exact_ : bool
        Whether the exact kernel was used.
    classes_ : ndarray
    n_features_in_ : int

    Examples
    --------
    >>> import numpy as np
    >>> from skblind.evaluation import ScalableSVC
    >>> rng = np.random.default_rng(0)
    >>> X, y = rng.normal(size=(60, 3)), np.repeat([0, 1], 30)
    >>> ScalableSVC(max_exact=50).fit(X, y).exact_
    False
    """

    _parameter_constraints = {
        "C": [Interval(Real, 0, None, closed="neither")],
        "gamma": [StrOptions({"scale"}), Interval(Real, 0, None, closed="neither")],
        "gamma_factor": [Interval(Real, 0, None, closed="neither")],
        "max_exact": [Interval(Integral, 1, None, closed="left")],
        "n_components": [Interval(Integral, 1, None, closed="left")],
        "random_state": ["random_state"],
    }

    def __init__(
        self,
        *,
        C=1.0,
        gamma="scale",
        gamma_factor=1.0,
        max_exact=5000,
        n_components=1000,
        random_state=0,
    ):
        self.C = C
        self.gamma = gamma
        self.gamma_factor = gamma_factor
        self.max_exact = max_exact
        self.n_components = n_components
        self.random_state = random_state

    @_fit_context(prefer_skip_nested_validation=True)
    def fit(self, X, y):
        """Fit the exact or the approximated kernel SVM, by the number of rows.

        Parameters
        ----------
        X : array-like of shape (n_samples, n_features)
            Training templates.
        y : array-like of shape (n_samples,)
            Classes.

        Returns
        -------
        self
        """
        X, y = validate_data(self, X, y, dtype=np.float64)
        check_classification_targets(y)
        self.classes_ = np.unique(y)
        if len(self.classes_) < 2:
            raise ValueError(
                f"ScalableSVC needs two classes or more; got {len(self.classes_)} class "
                f"({self.classes_.tolist()})"
            )
        gamma = self.gamma
        if gamma == "scale":  # scikit-learn's rule, times the factor
            variance = X.var()
            gamma = self.gamma_factor / (X.shape[1] * variance) if variance > 0 else 1.0
        self.exact_ = len(X) <= self.max_exact
        if self.exact_:
            self.model_ = SVC(C=self.C, gamma=gamma).fit(X, y)
            return self
        self.model_ = make_pipeline(
            Nystroem(
                gamma=gamma,
                n_components=min(self.n_components, len(X)),
                random_state=self.random_state,
            ),
            LinearSVC(C=self.C, max_iter=5000, random_state=self.random_state),
        ).fit(X, y)
        return self

    def decision_function(self, X):
        """Signed distances to the separating surface (one column per class beyond two).

        Parameters
        ----------
        X : array-like of shape (n_samples, n_features)
            Templates.

        Returns
        -------
        ndarray of shape (n_samples,) or (n_samples, n_classes)
        """
        check_is_fitted(self, "model_")
        X = validate_data(self, X, dtype=np.float64, reset=False)
        return self.model_.decision_function(X)

    def predict(self, X):
        """The class of each template.

        Parameters
        ----------
        X : array-like of shape (n_samples, n_features)
            Templates.

        Returns
        -------
        ndarray of shape (n_samples,)
        """
        check_is_fitted(self, "model_")
        X = validate_data(self, X, dtype=np.float64, reset=False)
        return self.model_.predict(X)


def default_attackers(random_state=0):
    """The attack battery: the classifiers an attacker trains on (blinded) templates.

    MLP, RBF-SVM, random forest and logistic regression (the paper's probes), an MLP on
    PCA-whitened input (``"MLP-white"``: blind to how phi is scaled), gradient boosting
    (``"HGB"``), and the similarity attack on templates (``"kNN-cosine"``, Osorio-Roig et
    al., IEEE TBIOM 2022: the attribute of the nearest labelled templates by cosine
    similarity). The SVM is a :class:`ScalableSVC`: exact up to 5,000 training templates,
    a Nystroem approximation of the same kernel beyond, so that the battery's cost grows
    about linearly with the people an attacker holds. The adaptive attacker of
    :func:`adaptive_attacker` is added by :func:`~skblind.evaluation.audit_report` itself
    (``adaptive=True``). Every entry is a plain scikit-learn classifier: pass your own
    dict to replace or extend the battery.

    Parameters
    ----------
    random_state : int, default=0
        Seed of the attackers that draw random numbers.

    Returns
    -------
    dict
        Attacker name -> unfitted scikit-learn classifier.
    """
    return {
        "MLP": make_pipeline(
            StandardScaler(), MLPClassifier((128,), max_iter=2000, random_state=random_state)
        ),
        "SVM": make_pipeline(StandardScaler(), ScalableSVC(random_state=random_state)),
        "RF": RandomForestClassifier(n_estimators=200, random_state=random_state),
        "LR": make_pipeline(StandardScaler(), LogisticRegression(max_iter=5000)),
        "MLP-white": make_pipeline(
            PCAWhitener(), MLPClassifier((128,), max_iter=2000, random_state=random_state)
        ),
        "HGB": HistGradientBoostingClassifier(random_state=random_state),
        "kNN-cosine": KNeighborsClassifier(n_neighbors=5, metric="cosine"),
    }


def balanced_accuracy(estimator, X, y):
    """``estimator``'s balanced accuracy on ``(X, y)``: a scorer for the inner search.

    The same value as scikit-learn's ``"balanced_accuracy"`` scorer (the mean recall
    over the classes of ``y``), computed with NumPy alone: the adaptive attacker scores
    36 small fits per training, and the general scorer's target checks took about 40 %
    of its search on ORL.
    """
    y = np.asarray(y)
    predicted = np.asarray(estimator.predict(X))
    return float(np.mean([np.mean(predicted[y == c] == c) for c in np.unique(y)]))


def adaptive_attacker(inner_splits=3):
    """An attacker that tunes an RBF-SVM's C and kernel width by inner cross-validation.

    Used by :func:`~skblind.evaluation.audit_report` with the attacker's own groups, so
    the inner folds are subject-disjoint too. The widths are relative to the data's
    (``gamma_factor`` 0.25, 1 and 4 times scikit-learn's ``"scale"``), so that every
    candidate is a kernel the templates can use at any number of features. Its search
    costs 36 fits: beyond 1,000 training templates the audit tunes it on about 1,000 of
    them (whole persons, drawn at random) and fits the chosen setting on all; the SVM is a
    :class:`ScalableSVC`.

    Parameters
    ----------
    inner_splits : int, default=3
        Number of inner folds.

    Returns
    -------
    sklearn.model_selection.GridSearchCV
    """
    return GridSearchCV(
        make_pipeline(StandardScaler(), ScalableSVC()),
        {
            "scalablesvc__C": [0.1, 1.0, 10.0, 100.0],
            "scalablesvc__gamma_factor": [0.25, 1.0, 4.0],
        },
        scoring=balanced_accuracy,
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
