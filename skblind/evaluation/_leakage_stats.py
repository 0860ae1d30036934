"""Statistics of an audit: fold balanced accuracy, within-identity AUC, nulls and intervals.

Everything here works on integer label codes ``0..K-1`` and on the attackers' held-out
predictions and scores, which the permutation nulls keep fixed: an attacker never saw the
labels of the samples it is scored on, so under "no information" its predictions are
independent of them, and relabelling those samples draws from the null without refitting.
"""

import numpy as np
from scipy.stats import rankdata

__all__ = [
    "fold_balanced_accuracy",
    "permuted_across_subjects",
    "permuted_within_subjects",
    "within_identity_auc",
]


def fold_balanced_accuracy(true, predicted, folds, n_classes):
    """Balanced accuracy of each fold (over the classes present in it).

    Parameters
    ----------
    true, predicted : ndarray of shape (n_samples,) of int
        Label codes.
    folds : ndarray of shape (n_samples,) of int
        Fold codes ``0..F-1``.
    n_classes : int
        Number of label codes K.

    Returns
    -------
    scores, chances : ndarray of shape (F,)
        The balanced accuracy of each fold, and 1 / (classes present in the fold): the
        best a predictor that ignores the data can score there.
    """
    cell = folds * n_classes + true
    size = (folds.max() + 1) * n_classes
    totals = np.bincount(cell, minlength=size).reshape(-1, n_classes)
    correct = np.bincount(cell, weights=true == predicted, minlength=size).reshape(-1, n_classes)
    present = totals > 0
    recall = np.divide(correct, totals, out=np.zeros_like(correct), where=present)
    return recall.sum(axis=1) / present.sum(axis=1), 1.0 / present.sum(axis=1)


def _person_rows(persons):
    """The row indices of each person, in increasing order of person code."""
    order = np.argsort(persons, kind="stable")
    return np.split(order, np.flatnonzero(np.diff(persons[order])) + 1)


class _WithinRanks:
    """Per-person ranks of the scores, kept for many relabellings of the same samples.

    Under a relabelling of samples within each person (the within-identity null) the
    ranks of a person's scores do not change, so each person's one-vs-rest AUC is a sum
    of ranks over the samples of each class: computed with ``bincount`` in one pass.
    """

    def __init__(self, scores, persons):
        self.persons = persons
        self.n_persons = persons.max() + 1
        self.ranks = np.empty_like(scores, dtype=float)
        for rows in _person_rows(persons):
            self.ranks[rows] = rankdata(scores[rows], axis=0)

    def aucs(self, true):
        """AUC of each person (macro one-vs-rest over the classes they show), NaN if one."""
        n_classes = self.ranks.shape[1]
        cell = self.persons * n_classes + true
        size = self.n_persons * n_classes
        count = np.bincount(cell, minlength=size).reshape(-1, n_classes).astype(float)
        total = count.sum(axis=1, keepdims=True)
        rank_sum = np.stack(
            [
                np.bincount(
                    self.persons, weights=self.ranks[:, c] * (true == c), minlength=self.n_persons
                )
                for c in range(n_classes)
            ],
            axis=1,
        )
        present = count > 0
        with np.errstate(invalid="ignore", divide="ignore"):
            auc = (rank_sum - count * (count + 1) / 2) / (count * (total - count))
        per_person = _row_nanmean(np.where(present & (count < total), auc, np.nan))
        return np.where(present.sum(axis=1) >= 2, per_person, np.nan)


def _row_nanmean(values):
    known = ~np.isnan(values)
    counts = known.sum(axis=1)
    sums = np.where(known, values, 0.0).sum(axis=1)
    return np.divide(sums, counts, out=np.full(len(values), np.nan), where=counts > 0)


def within_identity_auc(y_true, scores, groups):
    """How well scores rank a person's images by class, averaged over persons.

    For each person whose images hold two classes or more, the ROC AUC of the attacker's
    score of each class between that person's images of the class and their other images
    (one-vs-rest), averaged over the person's classes; then averaged over persons. Chance
    is exactly 0.5, and who tends to show a class cannot inflate it: only a person's
    changing state counts.

    Parameters
    ----------
    y_true : array-like of shape (n_samples,)
        Labels (any sortable values).
    scores : array-like of shape (n_samples, n_classes) or (n_samples,)
        Per-class scores, columns in the order of the sorted classes (higher: more likely
        that class); for two classes, the score of the second class may be given alone.
    groups : array-like of shape (n_samples,)
        The person of each sample.

    Returns
    -------
    mean : float
        NaN when no person shows two classes.
    per_person : ndarray of shape (n_persons,)
        In the order of the sorted person ids; NaN for persons with one class.

    Examples
    --------
    >>> import numpy as np
    >>> from skblind.evaluation import within_identity_auc
    >>> y = np.array([0, 1, 0, 1, 1, 1])
    >>> person = np.array([0, 0, 1, 1, 2, 2])  # person 2 shows one class only
    >>> within_identity_auc(y, np.array([0.1, 0.9, 0.8, 0.2, 0.5, 0.5]), person)[0]
    np.float64(0.5)
    """
    classes, true = np.unique(np.asarray(y_true), return_inverse=True)
    persons = np.unique(np.asarray(groups), return_inverse=True)[1]
    scores = np.asarray(scores, dtype=float)
    if scores.ndim == 1:
        if len(classes) != 2:
            raise ValueError(
                f"one score per sample needs two classes; y_true has {len(classes)}: give "
                "one column per class"
            )
        scores = np.column_stack([-scores, scores])
    if scores.shape != (len(true), len(classes)):
        raise ValueError(
            f"scores must have shape ({len(true)}, {len(classes)}): one column per class of "
            f"y_true; got {scores.shape}"
        )
    per_person = _WithinRanks(scores, persons).aucs(true)
    return (np.nanmean(per_person) if np.isfinite(per_person).any() else np.nan), per_person


def permuted_within_subjects(true, persons, n_permutations, rng):
    """Label vectors with each person's labels shuffled among their own samples.

    Returns
    -------
    ndarray of shape (n_permutations, n_samples)
    """
    blocks = _person_rows(persons)
    draws = np.empty((n_permutations, len(true)), dtype=true.dtype)
    for draw in draws:
        for rows in blocks:
            draw[rows] = true[rng.permutation(rows)]
    return draws


def permuted_across_subjects(true, persons, n_permutations, rng):
    """Label vectors with whole persons' labels handed to other persons.

    Each person receives the labels of another person drawn by a permutation of persons
    (in random order; drawn with replacement when the donor has fewer images), so who
    tends to show a class is kept as a pattern but detached from the images.

    Returns
    -------
    ndarray of shape (n_permutations, n_samples)
    """
    blocks = _person_rows(persons)
    draws = np.empty((n_permutations, len(true)), dtype=true.dtype)
    for draw in draws:
        for rows, donor in zip(blocks, rng.permutation(len(blocks)), strict=True):
            labels = true[blocks[donor]]
            draw[rows] = rng.choice(labels, size=len(rows), replace=len(rows) > len(labels))
    return draws
