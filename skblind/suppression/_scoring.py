"""The score of a blinding method: what a search over its strength selects by."""

__all__ = ["BlindingScoreMixin"]


class BlindingScoreMixin:
    """``score``: verification utility under a leakage bound, on the scored rows."""

    def score(self, X, y, sensitive_features=None, groups=None):
        """Utility under a leakage bound of the representation of ``X``.

        What a search over ``lam`` (or any parameter) selects by: the verification ROC
        AUC of ``transform(X)`` with ``y`` as identities when an attacker cross-validated
        among these rows reads ``sensitive_features`` at most 0.05 above chance, minus
        that leakage otherwise (:class:`~skblind.evaluation.BlindingScorer`; use it as
        ``scoring=`` for another bound, or for a Pipeline that ends in a classifier).
        ``GridSearchCV`` calls this by default; route the metadata to it with
        ``set_score_request(sensitive_features=True, groups=True)``.

        Parameters
        ----------
        X : array-like of shape (n_samples, n_features)
            Embeddings of people the method was not fitted on (a search's validation
            fold).
        y : array-like of shape (n_samples,)
            Their identities.
        sensitive_features : array-like of shape (n_samples,)
            The attribute that must not be readable.
        groups : array-like of shape (n_samples,), default=None
            Subject ids, for subject-disjoint attacker folds (``y`` serves when None).

        Returns
        -------
        float
            In [0, 1] within the bound (higher is better), in [-1, 0) outside it.
        """
        from ..evaluation import BlindingScorer

        if sensitive_features is None:
            raise ValueError(
                f"{type(self).__name__}.score needs sensitive_features (the attribute that "
                "must not be readable): pass it by keyword, or in a search enable metadata "
                "routing and call set_score_request(sensitive_features=True, groups=True)"
            )
        groups = y if groups is None else groups
        return BlindingScorer()(self, X, y, sensitive_features=sensitive_features, groups=groups)
