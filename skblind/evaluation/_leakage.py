"""Leakage: how well probe classifiers read the sensitive attribute from a representation."""

import warnings

import numpy as np
import pandas as pd
from sklearn.base import clone
from sklearn.ensemble import RandomForestClassifier
from sklearn.linear_model import LogisticRegression
from sklearn.metrics import accuracy_score, balanced_accuracy_score
from sklearn.model_selection import GridSearchCV, GroupKFold, StratifiedGroupKFold, StratifiedKFold
from sklearn.neural_network import MLPClassifier
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler
from sklearn.svm import SVC
from sklearn.utils.validation import check_array, check_consistent_length

from ._verification import verification_report

__all__ = [
    "adaptive_probe",
    "audit_report",
    "default_probes",
    "diff_score",
    "leakage_report",
]


def default_probes(random_state=0):
    """The probe battery: MLP, RBF-SVM, random forest and logistic regression.

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
    }


def adaptive_probe(inner_splits=3):
    """An attacker that tunes an RBF-SVM's C and gamma by inner cross-validation.

    Used by :func:`leakage_report` with the training fold's groups, so the inner
    folds are subject-disjoint too.

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


def diff_score(before, after, chance):
    """The paper's normalised drop (Eq. 4.1): ``(before - after) / (before - chance) * 100``.

    100 means the probe fell to chance, 0 that it did not move, negative that it
    improved.

    Parameters
    ----------
    before, after : float or array-like
        Probe scores (e.g. balanced accuracy) on the raw and on the blinded representation.
    chance : float or array-like
        Score of a probe that knows nothing.

    Returns
    -------
    float or ndarray
    """
    before, after, chance = (np.asarray(v, dtype=float) for v in (before, after, chance))
    if np.any(before <= chance):
        raise ValueError("Diff is undefined when the score before is not above chance")
    result = (before - after) / (before - chance) * 100.0
    return float(result) if result.ndim == 0 else result


def _splits(sensitive, groups, n_splits):
    if groups is None:
        warnings.warn(
            "leakage_report without groups uses random stratified folds: a probe can read "
            "the attribute from identity when the same people are in both folds. Pass "
            "groups=subject ids for subject-disjoint folds.",
            UserWarning,
            stacklevel=3,
        )
        return list(
            StratifiedKFold(n_splits, shuffle=True, random_state=0).split(
                np.zeros(len(sensitive)), sensitive
            )
        )
    return list(GroupKFold(n_splits).split(np.zeros(len(sensitive)), sensitive, groups))


def leakage_report(X, sensitive, **kwargs):
    """Measure how well probes read ``sensitive`` from each representation.

    The leakage table of :func:`audit_report`; see there for the parameters.

    Returns
    -------
    pandas.DataFrame
        One row per representation, attribute and probe.
    """
    return audit_report(X, sensitive, **kwargs)[0]


def audit_report(
    X,
    sensitive,
    *,
    groups=None,
    y=None,
    remove=None,
    representations=None,
    probes=None,
    adaptive=True,
    n_splits=5,
    reference="raw",
    min_gap=0.05,
):
    """Leakage of attributes and verification utility of representations, on the same folds.

    For each fold (subject-disjoint when ``groups`` is given), each representation is
    produced — a fixed array, or a transformer fitted on the training fold with
    ``fit(X, y, sensitive_features=remove)`` — and each probe is trained on the training
    fold of it and predicts each attribute on the held-out fold. When ``y`` holds
    identities, verification is measured on the held-out fold too (its accuracy over 10
    folds of the fold's pairs, fewer when the fold has fewer than 10 genuine pairs).

    Parameters
    ----------
    X : array-like of shape (n_samples, n_features)
        The raw embeddings.
    sensitive : array-like of shape (n_samples,) or dict
        The attribute the probes try to read, or several (name -> labels): the attribute
        to remove and attributes whose utility should survive (e.g. glasses).
    groups : array-like of shape (n_samples,), default=None
        Subject ids. Without them folds are random (a warning says why that flatters
        the probes on data where the attribute follows identity).
    y : array-like of shape (n_samples,), default=None
        Identities: passed to transformers' ``fit`` and used for verification.
    remove : array-like of shape (n_samples,), default=None
        The attribute the transformers are fitted to remove; None takes ``sensitive``
        (the first one when it is a dict).
    representations : dict, default=None
        Name -> None (the raw X), an array of shape (n_samples, k) (fixed), or an
        unfitted transformer (cloned and fitted per fold). None means ``{"raw": None}``.
    probes : dict, default=None
        Name -> unfitted classifier; None means :func:`default_probes`.
    adaptive : bool, default=True
        Add the ``"adaptive"`` probe of :func:`adaptive_probe` (inner tuning, on
        subject-disjoint inner folds when ``groups`` is given).
    n_splits : int, default=5
        Number of outer folds.
    reference : str, default="raw"
        The representation the ``diff`` column is measured against.
    min_gap : float, default=0.05
        ``diff`` is NaN where the reference's score is less than this above chance:
        the normalised drop of a probe that could barely read the attribute is noise.

    Returns
    -------
    leakage : pandas.DataFrame
        One row per representation, attribute and probe: ``balanced_accuracy`` and
        ``accuracy`` (means over the held-out folds) and their fold standard
        deviations, ``balanced_accuracy_pooled`` (of the predictions of every fold
        pooled), ``chance`` (1 / number of classes) and ``diff`` (Eq. 4.1, percent).
        The fold mean is the headline because pooling is biased below chance for a probe
        that learns nothing: one predicting each training fold's majority class scores
        exactly chance on every fold, but with subject-disjoint folds the training
        majority is the held-out minority, and the pooled score falls below chance.
    verification : pandas.DataFrame
        One row per representation (empty without ``y``): held-out ``roc_auc`` and
        LFW-style ``accuracy`` (means over folds) and their fold standard deviations.
    """
    X = check_array(X, dtype=np.float64)
    attributes = dict(sensitive) if isinstance(sensitive, dict) else {"sensitive": sensitive}
    attributes = {name: np.asarray(values) for name, values in attributes.items()}
    first = next(iter(attributes.values()))
    remove = first if remove is None else np.asarray(remove)
    check_consistent_length(
        X, remove, *attributes.values(), *(v for v in (groups, y) if v is not None)
    )
    representations = {"raw": None} if representations is None else representations
    probes = default_probes() if probes is None else dict(probes)
    for name, values in attributes.items():
        missing = np.flatnonzero(pd.isna(pd.Series(values.astype(object))))
        if len(missing):
            raise ValueError(
                f"attribute {name!r} has {len(missing)} missing labels (rows "
                f"{', '.join(map(str, missing[:5]))}{', ...' if len(missing) > 5 else ''}); "
                "a probe cannot be scored on them: drop those rows first"
            )
        if len(np.unique(values)) < 2:
            raise ValueError(
                f"{name} has a single class {np.unique(values).tolist()}; nothing to probe"
            )
    groups_array = None if groups is None else np.asarray(groups)
    splits = _splits(first, groups_array, n_splits)
    _check_folds(splits, attributes)
    names = list(probes) + (["adaptive"] if adaptive else [])
    rows, verification_rows = [], []
    for rep_name, rep in representations.items():
        predictions = {(a, p): np.empty_like(v) for a, v in attributes.items() for p in names}
        fold_scores = {key: [] for key in predictions}
        fold_verification = []
        fold_chance = {a: [] for a in attributes}
        for train, test in splits:
            Z_train, Z_test = _represent(rep_name, rep, X, y, remove, train, test)
            for attribute, target in attributes.items():
                fold_chance[attribute].append(1.0 / len(np.unique(target[test])))
            for (attribute, name), predicted in predictions.items():
                target = attributes[attribute]
                probe = _fit_probe(probes, name, Z_train, target[train], groups_array, train)
                predicted[test] = probe.predict(Z_test)
                fold_scores[attribute, name].append(
                    (
                        balanced_accuracy_score(target[test], predicted[test]),
                        accuracy_score(target[test], predicted[test]),
                    )
                )
            if y is not None:
                report = verification_report(
                    Z_test, y_test := np.asarray(y)[test], n_folds=_verification_folds(y_test)
                )
                fold_verification.append((report["roc_auc"], report["accuracy"]))
        for (attribute, name), predicted in predictions.items():
            target = attributes[attribute]
            folds = np.array(fold_scores[attribute, name])
            rows.append(
                {
                    "representation": rep_name,
                    "attribute": attribute,
                    "probe": name,
                    "balanced_accuracy": folds[:, 0].mean(),
                    "balanced_accuracy_std": folds[:, 0].std(),
                    "accuracy": folds[:, 1].mean(),
                    "accuracy_std": folds[:, 1].std(),
                    "balanced_accuracy_pooled": balanced_accuracy_score(target, predicted),
                    "chance": float(np.mean(fold_chance[attribute])),
                }
            )
        if fold_verification:
            folds = np.array(fold_verification)
            verification_rows.append(
                {
                    "representation": rep_name,
                    "roc_auc": folds[:, 0].mean(),
                    "roc_auc_std": folds[:, 0].std(),
                    "accuracy": folds[:, 1].mean(),
                    "accuracy_std": folds[:, 1].std(),
                }
            )
    leakage = pd.DataFrame(rows)
    leakage["diff"] = np.nan
    if reference in representations:
        base = leakage[leakage.representation == reference].set_index(["attribute", "probe"])
        for index, row in leakage.iterrows():
            before = base.balanced_accuracy[row.attribute, row.probe]
            if before - row.chance >= min_gap:
                leakage.loc[index, "diff"] = diff_score(before, row.balanced_accuracy, row.chance)
    return leakage, pd.DataFrame(verification_rows)


def _verification_folds(subjects, most=10):
    """Folds of the pair-level accuracy: at most one genuine pair per fold."""
    _, counts = np.unique(subjects, return_counts=True)
    n_genuine = int(np.sum(counts * (counts - 1) // 2))
    return max(2, min(most, n_genuine))


def _fit_probe(probes, name, Z, target, groups, train):
    """Fit one probe of the battery on a training fold."""
    if name != "adaptive":
        return clone(probes[name]).fit(Z, target)
    probe = adaptive_probe()
    if groups is None:
        return probe.fit(Z, target)
    return probe.set_params(cv=StratifiedGroupKFold(probe.cv)).fit(Z, target, groups=groups[train])


def _check_folds(splits, attributes):
    """Refuse, naming the attribute and fold, a training fold a probe cannot learn from."""
    for fold, (train, _) in enumerate(splits, 1):
        for name, values in attributes.items():
            classes = np.unique(values[train])
            if len(classes) < 2:
                raise ValueError(
                    f"attribute {name!r}: training fold {fold} of {len(splits)} holds a "
                    f"single class {classes.tolist()}, so no probe can learn from it; use "
                    "fewer folds (n_splits) or more subjects with each class"
                )


def _represent(rep_name, rep, X, y, remove, train, test):
    """Training and test blocks of one representation for one fold."""
    if rep is None:
        return X[train], X[test]
    if not hasattr(rep, "fit"):
        try:
            Z = check_array(rep, dtype=np.float64)
            check_consistent_length(X, Z)
        except (TypeError, ValueError) as exc:
            raise ValueError(
                f"representation {rep_name!r}: give None, an array of shape (n_samples, k) "
                f"or an unfitted transformer ({exc})"
            ) from None
        return Z[train], Z[test]
    if y is None:
        raise ValueError("leakage_report needs y to fit the transformers it is given")
    model = clone(rep).fit(X[train], np.asarray(y)[train], sensitive_features=remove[train])
    return model.transform(X[train]), model.transform(X[test])
