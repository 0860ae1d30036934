"""Scorers for model selection: leakage of a sensitive attribute, verification utility.

Both score the representation an estimator produces (the output of its last transformer),
so that ``GridSearchCV`` over a suppressor's ``lam`` can trade utility against leakage.
``sensitive_features`` reaches the leakage scorer through scikit-learn's metadata routing.
"""

import warnings

import numpy as np
from sklearn.metrics import balanced_accuracy_score

from .._compat import _MetadataRequester
from ._attack import cross_attack
from ._attackers import default_attackers
from ._folds import subject_folds
from ._verification import verification_roc_auc

__all__ = ["BlindingScorer", "LeakageScorer", "VerificationScorer", "best_utility_under_leakage"]


def _representation(estimator, X):
    """Output of the estimator's last transformer (a Pipeline's head, or itself)."""
    if hasattr(estimator, "steps") and not hasattr(estimator.steps[-1][1], "transform"):
        return estimator[:-1].transform(X)
    if hasattr(estimator, "transform"):
        return estimator.transform(X)
    raise TypeError(f"{type(estimator).__name__} has no transform: nothing to audit")


class LeakageScorer(_MetadataRequester):
    """Minus the leakage of an attacker that reads ``sensitive_features`` from the representation.

    The attacker is cross-validated on the scored data (the validation fold of a
    search), on subject-disjoint folds when ``groups`` is routed to the scorer too
    (without them an attacker can read the attribute from identity), and trained as in
    every audit (a class-balanced draw of its training rows); the score is
    ``-|balanced accuracy - chance|``, so higher is better (0 = blind).

    Parameters
    ----------
    attacker : classifier, default=None
        The attacker; None takes the RBF-SVM of :func:`default_attackers`.
    cv : int, default=3
        Folds of the attacker's cross-validation on the scored data (fewer when fewer
        subjects are scored).

    Examples
    --------
    >>> import sklearn
    >>> from skblind.evaluation import LeakageScorer
    >>> with sklearn.config_context(enable_metadata_routing=True):
    ...     scorer = LeakageScorer().set_score_request(sensitive_features=True, groups=True)
    """

    def __init__(self, *, attacker=None, cv=3):
        self.attacker = attacker
        self.cv = cv

    def score(self, estimator, X, y=None, sensitive_features=None, groups=None):
        """Score the representation that ``estimator`` makes of ``X``.

        Parameters
        ----------
        estimator : fitted estimator
            A transformer, or a Pipeline whose last transformer makes the representation.
        X : array-like
            The data to transform.
        y : ignored
            Accepted for the scorer protocol.
        sensitive_features : array-like of shape (n_samples,)
            The attribute the attacker tries to read.
        groups : array-like of shape (n_samples,), default=None
            Subject ids, for subject-disjoint attacker folds.

        Returns
        -------
        float
            ``-|balanced accuracy - chance|``.
        """
        if sensitive_features is None:
            raise ValueError(
                "LeakageScorer needs sensitive_features: enable metadata routing "
                "(sklearn.set_config(enable_metadata_routing=True)) and call "
                "set_score_request(sensitive_features=True) on the scorer"
            )
        return self._score_representation(_representation(estimator, X), sensitive_features, groups)

    def _score_representation(self, Z, sensitive_features, groups):
        """``-|balanced accuracy - chance|`` of the attacker on the representation ``Z``."""
        classes, codes = np.unique(np.asarray(sensitive_features), return_inverse=True)
        attacker = default_attackers()["SVM"] if self.attacker is None else self.attacker
        persons = np.arange(len(codes)) if groups is None else np.asarray(groups)
        n_splits = self.cv if groups is None else min(self.cv, len(np.unique(persons)))
        if n_splits < 2:
            raise ValueError(
                "LeakageScorer needs at least two subjects in the scored data: the attacker "
                "learns from some and is tested on others"
            )
        folds = subject_folds(n_splits, grouped=groups is not None, stratified=True, random_state=0)
        splits = list(folds.split(Z, codes, None if groups is None else persons))
        predictions = cross_attack(
            {"attacker": attacker}, np.asarray(Z), codes, persons, splits, len(classes), seed=0
        )[0][None]["attacker"][0]
        chance = 1.0 / len(classes)
        return -abs(balanced_accuracy_score(codes, predictions) - chance)

    def __call__(self, estimator, X, y=None, **kwargs):
        """Call :meth:`score` (the scorer protocol of scikit-learn)."""
        return self.score(estimator, X, y, **kwargs)


class VerificationScorer(_MetadataRequester):
    """Verification ROC AUC of the representation, with ``y`` as identities.

    Examples
    --------
    >>> from skblind.evaluation import VerificationScorer
    >>> scorer = VerificationScorer()
    """

    def score(self, estimator, X, y):
        """Score the representation that ``estimator`` makes of ``X``.

        Parameters
        ----------
        estimator : fitted estimator
            A transformer, or a Pipeline whose last transformer makes the representation.
        X : array-like
            The data to transform.
        y : array-like of shape (n_samples,)
            Identities.

        Returns
        -------
        float
        """
        return verification_roc_auc(_representation(estimator, X), y)

    def __call__(self, estimator, X, y, **kwargs):
        """Call :meth:`score` (the scorer protocol of scikit-learn)."""
        return self.score(estimator, X, y)


class BlindingScorer(_MetadataRequester):
    """One number to select a blinding method by: utility under a leakage bound.

    The verification ROC AUC of the representation (``y`` as identities) when an
    attacker, cross-validated among the scored subjects (:class:`LeakageScorer`: it never
    saw the rows the method was fitted on), reads the attribute at most ``max_leakage`` above
    chance; otherwise minus that leakage. Every candidate within the bound therefore
    ranks above every candidate outside it, and outside it the least leaky ranks first:
    the order :func:`best_utility_under_leakage` applies to a two-metric search.

    Parameters
    ----------
    max_leakage : float, default=0.05
        The bound on ``|balanced accuracy - chance|``.
    attacker : classifier, default=None
        The attacker of :class:`LeakageScorer`.
    cv : int, default=3
        Its folds.

    Examples
    --------
    >>> from skblind.evaluation import BlindingScorer
    >>> scorer = BlindingScorer(max_leakage=0.1)
    """

    def __init__(self, *, max_leakage=0.05, attacker=None, cv=3):
        self.max_leakage = max_leakage
        self.attacker = attacker
        self.cv = cv

    def score(self, estimator, X, y, sensitive_features=None, groups=None):
        """Score the representation that ``estimator`` makes of ``X``.

        Parameters
        ----------
        estimator : fitted estimator
            A transformer, or a Pipeline whose last transformer makes the representation.
        X : array-like
            The data to transform.
        y : array-like of shape (n_samples,)
            Identities.
        sensitive_features : array-like of shape (n_samples,)
            The attribute that must not be readable.
        groups : array-like of shape (n_samples,), default=None
            Subject ids, for subject-disjoint attacker folds.

        Returns
        -------
        float
            The verification ROC AUC (in [0, 1]) within the bound, minus the leakage
            (in [-1, 0)) outside it.
        """
        if sensitive_features is None:
            raise ValueError(
                "BlindingScorer needs sensitive_features: enable metadata routing "
                "(sklearn.set_config(enable_metadata_routing=True)) and call "
                "set_score_request(sensitive_features=True, groups=True) on the scorer"
            )
        Z = _representation(estimator, X)  # once, for both measures
        leakage = -LeakageScorer(attacker=self.attacker, cv=self.cv)._score_representation(
            Z, sensitive_features, groups
        )
        if leakage > self.max_leakage:
            return -leakage
        return verification_roc_auc(Z, y)

    def __call__(self, estimator, X, y, **kwargs):
        """Call :meth:`score` (the scorer protocol of scikit-learn)."""
        return self.score(estimator, X, y, **kwargs)


def best_utility_under_leakage(utility="utility", leakage="leakage", max_leakage=0.05):
    """A ``refit`` callable: the best utility among candidates that leak at most so much.

    Parameters
    ----------
    utility, leakage : str, default="utility", "leakage"
        The names of the two scorers in the search's ``scoring`` dict.
    max_leakage : float, default=0.05
        The bound on ``|balanced accuracy - chance|`` (the leakage scorer's ``-score``).

    Returns
    -------
    callable
        ``cv_results -> index``. Without any candidate under the bound, the least leaky.
    """

    def refit(cv_results):
        leak = -np.asarray(cv_results[f"mean_test_{leakage}"])
        gain = np.asarray(cv_results[f"mean_test_{utility}"])
        if len(gain) > 1 and np.ptp(gain) == 0 and np.ptp(leak) == 0:
            warnings.warn(
                f"all {len(gain)} candidates of the search scored the same utility "
                f"({gain[0]:.4g}) and leakage ({leak[0]:.4g}): the choice among them is "
                "arbitrary (the first is taken). Is the parameter searched over used?",
                UserWarning,
                stacklevel=2,
            )
        allowed = leak <= max_leakage
        if not allowed.any():
            return int(np.argmin(leak))
        return int(np.flatnonzero(allowed)[np.argmax(gain[allowed])])

    return refit
