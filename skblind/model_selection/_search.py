"""``BlindingSearchCV``: GridSearchCV scored by utility under a leakage bound by default."""

import warnings

import numpy as np
import sklearn
from sklearn.model_selection import GridSearchCV

from ..evaluation import BlindingScorer

__all__ = ["BlindingSearchCV"]


class BlindingSearchCV(GridSearchCV):
    """A grid search over a blinding method that scores what its strength is chosen for.

    It is :class:`~sklearn.model_selection.GridSearchCV` (same parameters, attributes and
    methods) with two differences:

    - ``scoring=None`` means :class:`~skblind.evaluation.BlindingScorer` with
      ``sensitive_features`` and ``groups`` requested: the verification ROC AUC of the
      validation fold's people while a probe cross-validated among them reads the
      attribute at most 0.05 above chance, minus the leakage otherwise. It scores the
      representation, so it holds for a ``Pipeline`` that ends in a classifier too, whose
      own ``score`` (that classifier's accuracy) is 0 for every candidate when the
      validation fold holds people the identity classifier never saw, and would leave
      ``best_params_`` at the first candidate.
    - After the search, a :class:`UserWarning` names every metric on which all
      candidates scored the same: the choice between them is then arbitrary.

    The default scoring needs ``sensitive_features`` (and ``groups`` for subject-disjoint
    folds) at ``fit``, which only metadata routing carries to a scorer:
    ``sklearn.set_config(enable_metadata_routing=True)``, and
    ``set_fit_request(sensitive_features=True)`` on the step that is fitted with them.
    Without routing, ``fit`` with the default scoring raises.

    Parameters
    ----------
    estimator, param_grid, scoring, n_jobs, refit, cv, verbose, pre_dispatch, \
error_score, return_train_score
        As :class:`~sklearn.model_selection.GridSearchCV`; ``scoring=None`` is the
        :class:`~skblind.evaluation.BlindingScorer` above.

    See Also
    --------
    skblind.evaluation.best_utility_under_leakage : a ``refit`` for a two-metric search.

    Examples
    --------
    >>> import sklearn
    >>> from sklearn.model_selection import GroupKFold
    >>> from sklearn.pipeline import Pipeline
    >>> from sklearn.svm import SVC
    >>> from skblind.datasets import make_blinding_problem
    >>> from skblind.model_selection import BlindingSearchCV
    >>> from skblind.suppression import INLPEraser
    >>> data = make_blinding_problem(n_subjects=120, random_state=0)
    >>> with sklearn.config_context(enable_metadata_routing=True):
    ...     pipe = Pipeline([
    ...         ("blind", INLPEraser().set_fit_request(sensitive_features=True)),
    ...         ("svc", SVC()),
    ...     ])
    ...     search = BlindingSearchCV(
    ...         pipe, {"blind__n_iterations": [1, 4]}, cv=GroupKFold(3)
    ...     ).fit(data.X, data.subject, sensitive_features=data.sensitive,
    ...           groups=data.subject)
    >>> search.best_params_
    {'blind__n_iterations': 4}
    """

    def fit(self, X, y=None, **params):
        """Run the search, then warn about metrics on which every candidate tied.

        Parameters
        ----------
        X : array-like of shape (n_samples, n_features)
            Training data.
        y : array-like of shape (n_samples,), default=None
            Target (identities, for the default scoring).
        **params : dict
            Routed to the estimator, the splitter and the scorer (``sensitive_features``,
            ``groups``) as in :class:`~sklearn.model_selection.GridSearchCV`.

        Returns
        -------
        self : BlindingSearchCV
        """
        if self.scoring is None and not sklearn.get_config()["enable_metadata_routing"]:
            raise ValueError(
                "BlindingSearchCV's default scoring (BlindingScorer) needs sensitive_features, "
                "which only metadata routing carries to a scorer: call "
                "sklearn.set_config(enable_metadata_routing=True) first (and request "
                "sensitive_features on the estimator's fit: set_fit_request), or pass scoring= "
                "a scorer that needs no metadata, e.g. scoring=VerificationScorer() from "
                "skblind.evaluation"
            )
        super().fit(X, y, **params)
        _warn_on_ties(self.cv_results_)
        return self

    def _get_scorers(self):
        # GridSearchCV's one place that turns ``scoring`` into scorers, for fit and routing.
        if self.scoring is None:
            scorer = BlindingScorer().set_score_request(sensitive_features=True, groups=True)
            return scorer, "score"
        return super()._get_scorers()


def _warn_on_ties(cv_results):
    """Warn once per metric whose mean test score is the same for every scored candidate."""
    for key, scores in cv_results.items():
        if not key.startswith("mean_test_"):
            continue
        scores = np.asarray(scores, dtype=float)
        finite = scores[np.isfinite(scores)]
        if len(finite) > 1 and np.ptp(finite) == 0:
            metric = key.removeprefix("mean_test_")
            warnings.warn(
                f"all {len(finite)} scored candidates of the search scored {finite[0]:.4g} on "
                f"{metric!r}: the choice among them is arbitrary (the first is taken). Is the "
                "parameter searched over used, and does the scorer measure the representation "
                "(a Pipeline's own score is its last step's, e.g. a classifier's accuracy on "
                "people it never saw)?",
                UserWarning,
                stacklevel=3,
            )
