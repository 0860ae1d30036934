"""Fairness of a downstream classifier with fairlearn: TPR by group, equality of opportunity."""

import warnings

import numpy as np
from fairlearn.metrics import (
    MetricFrame,
    count,
    equal_opportunity_difference,
    selection_rate,
    true_positive_rate,
)
from sklearn.metrics import accuracy_score
from sklearn.utils import check_random_state

__all__ = [
    "equality_of_opportunity",
    "group_metric_frame",
    "make_biased_split",
    "verification_metric_frame",
]


def _bootstrap(n_boot, ci_quantiles, random_state):
    """MetricFrame's bootstrap arguments: none, or ``n_boot`` draws at the quantiles."""
    if n_boot is None:
        return {}
    return {
        "n_boot": n_boot,
        "ci_quantiles": [0.025, 0.975] if ci_quantiles is None else list(ci_quantiles),
        "random_state": random_state,
    }


def group_metric_frame(
    y_true, y_pred, sensitive_features, *, n_boot=None, ci_quantiles=None, random_state=None
):
    """A fairlearn ``MetricFrame`` of TPR, selection rate, accuracy and count by group.

    Parameters
    ----------
    y_true, y_pred : array-like of shape (n_samples,)
        Binary labels and predictions (1 = positive).
    sensitive_features : array-like of shape (n_samples,)
        Group of each sample.
    n_boot : int, default=None
        Bootstrap draws (of samples) for confidence intervals; None computes none.
    ci_quantiles : list of float, default=None
        The interval's quantiles; None takes ``[0.025, 0.975]`` (a 95 % interval).
    random_state : int, default=None
        Seed of the bootstrap.

    Returns
    -------
    fairlearn.metrics.MetricFrame
        With ``by_group_ci`` (one frame per quantile) when ``n_boot`` is given.
    """
    return MetricFrame(
        metrics={
            "true_positive_rate": true_positive_rate,
            "selection_rate": selection_rate,
            "accuracy": accuracy_score,
            "count": count,
        },
        y_true=y_true,
        y_pred=y_pred,
        sensitive_features=sensitive_features,
        **_bootstrap(n_boot, ci_quantiles, random_state),
    )


def _false_match_rate(same, accepted):
    """Share of impostor pairs accepted; NaN without impostor pairs (undefined)."""
    impostor = np.asarray(same) == 0
    return float(np.mean(np.asarray(accepted)[impostor])) if impostor.any() else np.nan


def _false_non_match_rate(same, accepted):
    """Share of genuine pairs rejected; NaN without genuine pairs (undefined)."""
    genuine = np.asarray(same) == 1
    return float(np.mean(np.asarray(accepted)[genuine] == 0)) if genuine.any() else np.nan


def verification_metric_frame(
    similarity,
    same,
    pair_groups,
    *,
    threshold,
    n_boot=None,
    ci_quantiles=None,
    random_state=None,
):
    """False-match and false-non-match rates per group of pairs, at one global threshold.

    The pairs are the samples of this ``MetricFrame``: a genuine pair (``same``) is a
    positive, a pair accepted at ``threshold`` a predicted positive. Its
    ``false_match_rate`` is the share of impostor pairs accepted, its
    ``false_non_match_rate`` the share of genuine pairs rejected; a group without impostor
    (genuine) pairs has a NaN false-match (false-non-match) rate, e.g. the ``"mixed"``
    pairs of an attribute that never changes within a person have no genuine pair.

    Parameters
    ----------
    similarity : array-like of shape (n_pairs,)
        Similarity of each pair.
    same : array-like of shape (n_pairs,) bool
        Whether each pair is of one identity.
    pair_groups : array-like of shape (n_pairs,)
        Group of each pair (e.g. from :func:`~skblind.evaluation.pair_groups`).
    threshold : float
        Pairs at or above it are accepted (e.g. from
        :func:`~skblind.evaluation.threshold_at_fmr` over all pairs).
    n_boot : int, default=None
        Bootstrap draws (of pairs) for confidence intervals; None computes none.
    ci_quantiles : list of float, default=None
        The interval's quantiles; None takes ``[0.025, 0.975]``.
    random_state : int, default=None
        Seed of the bootstrap.

    Returns
    -------
    fairlearn.metrics.MetricFrame
        Metrics ``false_match_rate``, ``false_non_match_rate``, ``count``.
    """
    same = np.asarray(same, dtype=int)
    accepted = (np.asarray(similarity, dtype=float) >= threshold).astype(int)
    groups = np.asarray(pair_groups)
    with warnings.catch_warnings():
        # A group's undefined rate is NaN in every bootstrap draw: its interval is NaN too.
        warnings.filterwarnings("ignore", "All-NaN slice encountered", RuntimeWarning)
        return MetricFrame(
            metrics={
                "false_match_rate": _false_match_rate,
                "false_non_match_rate": _false_non_match_rate,
                "count": count,
            },
            y_true=same,
            y_pred=accepted,
            sensitive_features=groups,
            **_bootstrap(n_boot, ci_quantiles, random_state),
        )


def equality_of_opportunity(y_true, y_pred, sensitive_features):
    """The paper's equality of opportunity (Table II): ``1 - TPR gap``.

    A fraction, as every rate skblind reports (the paper prints it times 100).

    The gap is fairlearn's :func:`~fairlearn.metrics.equal_opportunity_difference`,
    the largest difference of true-positive rates between groups.

    Parameters
    ----------
    y_true, y_pred : array-like of shape (n_samples,)
        Binary labels and predictions (1 = positive).
    sensitive_features : array-like of shape (n_samples,)
        Group of each sample.

    Returns
    -------
    float
        1 when every group has the same TPR; NaN, with a warning naming the group,
        when a group has no positive sample (its TPR is undefined).
    """
    y_true, groups = np.asarray(y_true), np.asarray(sensitive_features)
    without = [g for g in np.unique(groups).tolist() if not np.any(y_true[groups == g] == 1)]
    if without:
        warnings.warn(
            f"equality_of_opportunity is undefined: group(s) {without} have no positive "
            "sample, so their true-positive rate is undefined; returning NaN",
            UserWarning,
            stacklevel=2,
        )
        return float("nan")
    gap = equal_opportunity_difference(y_true, y_pred, sensitive_features=sensitive_features)
    return 1.0 - gap


def make_biased_split(
    y, sensitive, *, bias=0.7, privileged=None, balance_by=None, n=None, random_state=None
):
    """Indices of a training set whose positives favour one group (the paper's Table II).

    Among the positives (``y == 1``) a share ``bias`` comes from the privileged group
    and ``1 - bias`` from the others; among the negatives it is the reverse. Positives
    and negatives are equally many, and within each (label, group) cell the values of
    ``balance_by`` (e.g. gender) are equally many.

    Parameters
    ----------
    y : array-like of shape (n_samples,)
        Binary target (0/1) of the downstream classifier.
    sensitive : array-like of shape (n_samples,)
        Binary group (e.g. smiling).
    bias : float in [0, 1], default=0.7
        Share of the privileged group among the positives (0.5 gives an unbiased split).
    privileged : label, default=None
        The privileged group; None takes the larger value of ``sensitive``.
    balance_by : array-like of shape (n_samples,), default=None
        An attribute to balance within each cell.
    n : int, default=None
        Size of the split; None takes the largest the data allow.
    random_state : int, RandomState instance or None, default=None
        Seed of the draw within each cell.

    Returns
    -------
    ndarray of int
        Sorted indices into the inputs.
    """
    y, sensitive = np.asarray(y), np.asarray(sensitive)
    if not 0.0 <= bias <= 1.0:
        raise ValueError(f"bias must lie in [0, 1]; got {bias}")
    if set(np.unique(y)) - {0, 1}:
        raise ValueError(f"y must be binary 0/1; got values {np.unique(y).tolist()}")
    groups = np.unique(sensitive)
    if len(groups) != 2:
        raise ValueError(f"sensitive must have two groups; got {groups.tolist()}")
    privileged = groups[-1] if privileged is None else privileged
    if privileged not in groups:
        raise ValueError(f"privileged={privileged!r} is not one of {groups.tolist()}")
    balance = np.zeros(len(y), dtype=int) if balance_by is None else np.asarray(balance_by)
    values = np.unique(balance)
    is_privileged = sensitive == privileged
    # share of the whole split that each (label, privileged) cell takes
    shares = {
        (1, True): bias / 2,
        (1, False): (1 - bias) / 2,
        (0, True): (1 - bias) / 2,
        (0, False): bias / 2,
    }
    cells = {}
    largest = np.inf
    for (label, priv), share in shares.items():
        for value in values:
            members = np.flatnonzero((y == label) & (is_privileged == priv) & (balance == value))
            cells[label, priv, value] = members
            if share > 0:
                largest = min(largest, len(members) * len(values) / share)
    empty = [key for key, members in cells.items() if len(members) == 0 and shares[key[:2]] > 0]
    if empty:
        label, priv, value = empty[0]
        where = f"y={label}, sensitive {'==' if priv else '!='} {np.asarray(privileged).tolist()!r}"
        if balance_by is not None:
            where += f", balance_by={np.asarray(value).tolist()!r}"
        raise ValueError(
            f"make_biased_split: no sample with {where}, which bias={bias} needs "
            f"({len(empty)} empty cell(s)); use other data or bias"
        )
    largest = int(np.floor(largest + 1e-9))
    if largest == 0:
        raise ValueError(
            f"make_biased_split: the data allow no split with bias={bias} (a cell is too "
            "small for its share)"
        )
    n = largest if n is None else n
    if n > largest:
        raise ValueError(f"n={n} is more than the data allow with bias={bias}: at most {largest}")
    rng = check_random_state(random_state)
    chosen = []
    for (label, priv, _), members in cells.items():
        k = int(round(n * shares[label, priv] / len(values)))
        chosen.append(rng.choice(members, size=min(k, len(members)), replace=False))
    return np.sort(np.concatenate(chosen))
