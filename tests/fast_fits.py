"""Settings shared by the tests that train a suppressor: short and seeded."""

#: Two epochs, quiet, seeded: enough to exercise a suppressor's code paths on tiny data.
FAST = dict(max_epochs=2, progress=False, random_state=0)


def held_out_within_auc(Z, sensitive, subjects):
    """Within-identity AUC of a logistic attacker trained on some people, tested on others.

    Five subject-disjoint folds; the attacker never saw the people it scores.
    """
    from sklearn.linear_model import LogisticRegression
    from sklearn.model_selection import GroupKFold, cross_val_predict

    from skblind.evaluation import within_identity_auc

    scores = cross_val_predict(
        LogisticRegression(C=0.1, max_iter=3000),
        Z,
        sensitive,
        groups=subjects,
        cv=GroupKFold(5),
        method="decision_function",
    )
    return within_identity_auc(sensitive, scores, subjects)[0]


def fast(cls, **params):
    """``cls(**params)`` with :data:`FAST`'s settings that ``cls`` takes (quiet, seeded, short)."""
    names = cls().get_params()
    return cls(**{k: v for k, v in FAST.items() if k in names}, **params)
