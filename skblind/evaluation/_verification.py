"""Identity verification on embeddings: pair similarities, ROC AUC and the LFW protocol."""

import numpy as np
import pandas as pd
from sklearn.metrics import auc, roc_auc_score, roc_curve
from sklearn.model_selection import StratifiedKFold
from sklearn.utils.validation import check_array, check_consistent_length

__all__ = [
    "pair_groups",
    "pair_similarities",
    "threshold_at_fmr",
    "verification_rates",
    "verification_report",
    "verification_roc_auc",
]


#: Pairs are scored this many rows times features at a time (two 8 MB gathers): every
#: pair of 1,000 1,024-d embeddings at once took 8 GB (both rows of each pair copied).
_CHUNK_ELEMENTS = 2**20


def _pair_dots(X, first, second, chunk_elements=_CHUNK_ELEMENTS):
    """Row-wise dot products ``X[first[k]] . X[second[k]]``, a bounded chunk at a time.

    The same arithmetic per pair as all at once, so the same bits.
    """
    dots = np.empty(len(first), dtype=X.dtype)
    step = max(1, chunk_elements // max(X.shape[1], 1))
    for start in range(0, len(first), step):
        rows = slice(start, start + step)
        dots[rows] = np.einsum("ij,ij->i", X[first[rows]], X[second[rows]])
    return dots


def _all_pair_dots(X, subjects, chunk_elements=_CHUNK_ELEMENTS):
    """Dot products and same-subject flags of every pair ``i < j``, in ``triu_indices`` order.

    A block of rows at a time is multiplied by the rows after it (one matrix product:
    about 10 times faster than gathering both rows of each pair), in bounded memory.
    """
    n = len(X)
    dots = np.empty(n * (n - 1) // 2, dtype=X.dtype)
    same = np.empty(len(dots), dtype=bool)
    step = max(1, chunk_elements // max(n, 1))
    out = 0
    for start in range(0, n, step):
        block = X[start : start + step] @ X[start:].T
        for offset in range(len(block)):
            row = start + offset
            width = n - row - 1
            dots[out : out + width] = block[offset, offset + 1 :]
            same[out : out + width] = subjects[row + 1 :] == subjects[row]
            out += width
    return dots, same


def pair_similarities(X, subjects, pairs=None):
    """Cosine similarity and same-identity flag of pairs of embeddings.

    Memory grows with the number of pairs, not with pairs times features: the pairs are
    scored a bounded chunk at a time (every pair: a block of rows multiplied by the rows
    after it).

    Parameters
    ----------
    X : array-like of shape (n_samples, n_features)
        Embeddings.
    subjects : array-like of shape (n_samples,)
        Identity of each row.
    pairs : array-like of shape (n_pairs, 2) of int, default=None
        Row indices of the pairs; ``None`` takes every unordered pair of distinct rows.

    Returns
    -------
    similarity : ndarray of shape (n_pairs,)
    same : ndarray of shape (n_pairs,) bool
    """
    X = check_array(X, dtype=np.float64)
    subjects = np.asarray(subjects)
    check_consistent_length(X, subjects)
    norms = np.linalg.norm(X, axis=1, keepdims=True)
    if np.any(norms == 0):
        raise ValueError(f"rows {np.flatnonzero(norms == 0)[:10].tolist()} of X are all zero")
    X = X / norms
    if pairs is None:
        return _all_pair_dots(X, subjects)
    pairs = np.asarray(pairs, dtype=int)
    first, second = pairs[:, 0], pairs[:, 1]
    return _pair_dots(X, first, second), subjects[first] == subjects[second]


def verification_roc_auc(X, subjects, pairs=None):
    """ROC AUC of cosine similarity for telling same-identity pairs from others.

    Parameters
    ----------
    X : array-like of shape (n_samples, n_features)
        Embeddings.
    subjects : array-like of shape (n_samples,)
        Identity of each row.
    pairs : array-like of shape (n_pairs, 2) of int, default=None
        Row indices of the pairs; ``None`` takes every unordered pair.

    Returns
    -------
    float
    """
    similarity, same = pair_similarities(X, subjects, pairs)
    if same.all() or not same.any():
        raise ValueError("verification needs both same-identity and different-identity pairs")
    return float(roc_auc_score(same, similarity))


def best_threshold(similarity, same):
    """The similarity threshold that maximises balanced verification accuracy on these pairs.

    A pair is declared "same" when its similarity is at least the threshold. Genuine and
    impostor pairs weigh alike (the accuracy of a set holding as many of each, as LFW's
    pairs do): over every pair of a set of people, impostor pairs outnumber genuine ones
    by far, and plain accuracy would reward rejecting every pair.

    Parameters
    ----------
    similarity : ndarray of shape (n_pairs,)
        Similarity of each pair.
    same : ndarray of shape (n_pairs,) bool
        Whether each pair is of one identity.

    Returns
    -------
    threshold : float
    accuracy : float
        The balanced accuracy at the threshold: the mean of the genuine pairs' accept
        rate and the impostor pairs' reject rate.
    """
    same = np.asarray(same, dtype=bool)
    n_genuine, n_impostor = int(same.sum()), int((~same).sum())
    if not n_genuine or not n_impostor:  # one kind of pair: one answer is always right
        threshold = -np.inf if n_genuine else np.nextafter(np.max(similarity), np.inf)
        return float(threshold), 1.0
    # Every distinct similarity is a cut (thresholds decrease; the first, inf, accepts none).
    fpr, tpr, thresholds = roc_curve(same, similarity, drop_intermediate=False)
    balanced = (tpr + 1 - fpr) / 2
    best = len(balanced) - 1 - int(np.argmax(balanced[::-1]))  # ties: the lowest threshold
    threshold = thresholds[best]
    if not np.isfinite(threshold):  # accepting no pair: just above the largest similarity
        threshold = np.nextafter(np.max(similarity), np.inf)
    return float(threshold), float(balanced[best])


def _fold_accuracies(similarity, same, fold_of, n_folds):
    """Each fold's accuracy at the threshold :func:`best_threshold` picks on the other folds.

    The same thresholds and accuracies as calling :func:`best_threshold` per fold, from one
    sort of every pair: a threshold accepts the pairs at least as similar as one
    similarity seen in the other folds (or, when accepting none is best, those more
    similar than any of them), so each fold's counts of accepted genuine and impostor
    pairs at every cut are cumulative sums along that sort. Over every pair of 4,000
    images (8 million pairs) this takes seconds, where sorting the other folds' pairs
    again for each fold took minutes.

    Returns
    -------
    ndarray of shape (n_folds,)
        Balanced accuracy of each fold (plain accuracy for a fold of one kind of pair).
    """
    order = np.argsort(-similarity)
    ordered_same, ordered_fold = same[order], fold_of[order]
    values = similarity[order]
    run_ends = np.flatnonzero(np.r_[values[1:] != values[:-1], True])
    # counts[f, kind, k]: pairs of fold f (kind 0 genuine, 1 impostor) at least as similar
    # as the k-th distinct similarity; k = 0 accepts none.
    counts = np.zeros((n_folds, 2, len(run_ends) + 1), dtype=np.int64)
    for fold in range(n_folds):
        in_fold = ordered_fold == fold
        counts[fold, 0, 1:] = np.cumsum(in_fold & ordered_same)[run_ends]
        counts[fold, 1, 1:] = np.cumsum(in_fold & ~ordered_same)[run_ends]
    total = counts.sum(axis=0)
    accuracies = np.empty(n_folds)
    for fold in range(n_folds):
        train = total - counts[fold]
        n_genuine, n_impostor = train[:, -1]
        seen = np.r_[True, np.diff(train[0] + train[1]) > 0]  # cuts at the others' values
        if not n_genuine or not n_impostor:  # one kind of pair: accept all, or none
            best = len(seen) - 1 if n_genuine else 0
        else:
            balanced = (train[0] / n_genuine + 1 - train[1] / n_impostor) / 2
            balanced = np.where(seen, balanced, -np.inf)
            best = len(balanced) - 1 - int(np.argmax(balanced[::-1]))  # ties: lowest cut
        if best == 0:  # accepting none: just above the others' largest similarity
            best = int(np.flatnonzero(seen[1:])[0]) if seen[1:].any() else 0
        accepted = counts[fold][:, best]
        genuine, impostor = counts[fold][:, -1]
        if genuine and impostor:
            accuracies[fold] = (accepted[0] / genuine + 1 - accepted[1] / impostor) / 2
        else:  # a fold of given pairs with one kind
            accuracies[fold] = (accepted[0] + impostor - accepted[1]) / (genuine + impostor)
    return accuracies


def verification_report(X, subjects, pairs=None, n_folds=10, random_state=0):
    """Verification figures: LFW-style k-fold accuracy, ROC AUC, EER and TAR at FAR.

    The accuracy follows the LFW protocol: for each fold, the threshold that maximises
    accuracy on the other folds is applied to the fold; the mean and standard
    deviation over folds are reported. Genuine and impostor pairs weigh alike (the
    accuracy on balanced pairs, which on LFW's balanced folds is their plain accuracy):
    with ``pairs=None`` every pair is used, impostor pairs outnumber genuine ones by far,
    and plain accuracy would reward rejecting every pair (0.996 on pure noise over 600
    people). A representation that carries no identity scores about 0.5. With
    ``pairs=None`` the folds are stratified random splits of the pairs.

    Parameters
    ----------
    X : array-like of shape (n_samples, n_features)
        Embeddings.
    subjects : array-like of shape (n_samples,)
        Identity of each row.
    pairs : array-like of shape (n_pairs, 2) of int, default=None
        Row indices of the pairs (e.g. from :func:`~skblind.datasets.load_lfw`), in the order of
        the protocol's folds when ``n_folds`` matches it.
    n_folds : int, default=10
        Number of folds.
    random_state : int, default=0
        Seed of the fold split when ``pairs`` is None.

    Returns
    -------
    pandas.Series
        ``accuracy`` (balanced, as above), ``accuracy_std``, ``roc_auc``, ``eer``,
        ``tar@far=1e-2``, ``tar@far=1e-3``, ``n_genuine``, ``n_impostor``.
    """
    similarity, same = pair_similarities(X, subjects, pairs)
    if same.all() or not same.any():
        raise ValueError("verification needs both same-identity and different-identity pairs")
    if min(same.sum(), (~same).sum(), len(same) // 2) < n_folds:
        raise ValueError(
            f"{n_folds}-fold verification needs at least {n_folds} genuine and {n_folds} "
            f"impostor pairs; got {same.sum()} genuine and {(~same).sum()} impostor pairs "
            "(pass fewer n_folds, or more images per subject)"
        )
    fold_of = np.empty(len(same), dtype=int)
    if pairs is None:
        folds = StratifiedKFold(n_folds, shuffle=True, random_state=random_state)
        for index, (_, test) in enumerate(folds.split(similarity, same)):
            fold_of[test] = index
    else:
        for index, test in enumerate(np.array_split(np.arange(len(same)), n_folds)):
            fold_of[test] = index
    accuracies = _fold_accuracies(similarity, same, fold_of, n_folds)
    return pd.Series(
        {
            "accuracy": float(np.mean(accuracies)),
            "accuracy_std": float(np.std(accuracies)),
            **verification_rates(similarity, same),
        }
    )


def verification_rates(similarity, same):
    """ROC AUC, equal error rate and true-accept rates at false-accept rates of pairs.

    Parameters
    ----------
    similarity : array-like of shape (n_pairs,)
        Similarity of each pair (higher: more alike).
    same : array-like of shape (n_pairs,) bool
        Whether each pair is of one identity.

    Returns
    -------
    dict
        ``roc_auc``, ``eer``, ``tar@far=1e-2``, ``tar@far=1e-3`` (fractions),
        ``n_genuine`` and ``n_impostor``.
    """
    similarity, same = np.asarray(similarity, dtype=float), np.asarray(same, dtype=bool)
    if same.all() or not same.any():
        raise ValueError("verification needs both same-identity and different-identity pairs")
    fpr, tpr, _ = roc_curve(same, similarity)
    eer_index = np.argmin(np.abs(fpr - (1 - tpr)))
    return {
        "roc_auc": float(auc(fpr, tpr)),  # roc_auc_score's own computation, one sort fewer
        "eer": float((fpr[eer_index] + 1 - tpr[eer_index]) / 2),
        "tar@far=1e-2": float(tpr[fpr <= 1e-2].max()),
        "tar@far=1e-3": float(tpr[fpr <= 1e-3].max()),
        "n_genuine": int(same.sum()),
        "n_impostor": int((~same).sum()),
    }


def threshold_at_fmr(similarity, same, fmr=1e-2):
    """The lowest similarity threshold whose false-match rate is at most ``fmr``.

    A pair is declared a match when its similarity is at least the threshold: one
    global threshold, as a deployed matcher uses, at which per-group rates are compared.

    Parameters
    ----------
    similarity : array-like of shape (n_pairs,)
        Similarity of each pair.
    same : array-like of shape (n_pairs,) bool
        Whether each pair is of one identity.
    fmr : float, default=1e-2
        The largest share of impostor pairs the threshold may accept.

    Returns
    -------
    float
    """
    similarity, same = np.asarray(similarity, dtype=float), np.asarray(same, dtype=bool)
    if not 0.0 <= fmr <= 1.0:
        raise ValueError(f"fmr must lie in [0, 1]; got {fmr}")
    if same.all() or not same.any():
        raise ValueError("a false-match rate needs both same-identity and other pairs")
    impostor = np.sort(similarity[~same])[::-1]
    allowed = int(np.floor(fmr * len(impostor)))  # impostor pairs that may be accepted
    if allowed >= len(impostor):
        return float(impostor[-1])
    # Just above the first impostor similarity that must be rejected.
    return float(np.nextafter(impostor[allowed], np.inf))


def pair_groups(groups, pairs=None, *, mixed="mixed"):
    """The group of each pair, in the order of :func:`pair_similarities`.

    A pair whose two images share a group belongs to it; other pairs are ``mixed``
    (the convention of demographic verification studies, whose false-match rates are
    measured on same-group impostors).

    Parameters
    ----------
    groups : array-like of shape (n_samples,)
        Group of each image.
    pairs : array-like of shape (n_pairs, 2) of int, default=None
        Row indices of the pairs; ``None`` takes every unordered pair of distinct rows.
    mixed : str, default="mixed"
        The label of pairs across groups.

    Returns
    -------
    ndarray of shape (n_pairs,) of str
    """
    groups = np.asarray(groups).astype(str)
    if pairs is None:
        first, second = np.triu_indices(len(groups), k=1)
    else:
        pairs = np.asarray(pairs, dtype=int)
        first, second = pairs[:, 0], pairs[:, 1]
    return np.where(groups[first] == groups[second], groups[first], mixed)
