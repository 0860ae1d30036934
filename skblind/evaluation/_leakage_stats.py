"""Statistics of an audit: fold balanced accuracy, within-identity AUC, nulls and intervals.

Everything here works on integer label codes ``0..K-1`` and on the attackers' held-out
predictions and scores, which the permutation nulls keep fixed: an attacker never saw the
labels of the samples it is scored on, so under "no information" its predictions are
independent of them, and relabelling those samples draws from the null without refitting.
"""

import warnings

import numpy as np
from scipy.stats import rankdata

__all__ = [
    "bootstrap_interval",
    "fold_balanced_accuracy",
    "permutation_test",
    "permuted_across_subjects",
    "permuted_within_subjects",
    "row_statistics",
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


def row_statistics(true, predicted, scores, folds, persons, across, within, alpha, rng):
    """The statistics of one attacker's held-out predictions: scores, nulls, intervals.

    Parameters
    ----------
    true : ndarray of shape (n_samples,) of int
        Label codes of the tested rows.
    predicted : ndarray of shape (n_repeats, n_samples) of int
        The attacker's predictions, per repetition of the splits.
    scores : ndarray of shape (n_repeats, n_samples, n_classes)
        Its per-class scores.
    folds : ndarray of shape (n_repeats, n_samples) of int
        The unit of each row's balanced accuracy (its split or attack fold).
    persons : ndarray of shape (n_samples,) of int or None
        Person codes; None: within-identity AUC is undefined.
    across, within : ndarray of shape (n_permutations, n_samples) or None
        Relabellings of the two nulls (:func:`permuted_across_subjects`,
        :func:`permuted_within_subjects`).
    alpha : float
        The level of the tests and intervals.
    rng : numpy.random.Generator
        The bootstrap's randomness.

    Returns
    -------
    dict
        The row's statistics (see :class:`~skblind.evaluation.Audit`), with the units
        the comparisons pair on: ``_folds`` (balanced accuracy per fold) and
        ``_persons`` (within-identity AUC per person).
    """
    n_classes = true.max() + 1
    fold_scores, chances, accuracies, pooled = [], [], [], []
    for p, f in zip(predicted, folds, strict=True):
        score, chance = fold_balanced_accuracy(true, p, f, n_classes)
        fold_scores.append(score)
        chances.append(chance)
        accuracies.append(np.bincount(f, weights=true == p) / np.bincount(f))
        pooled.append(fold_balanced_accuracy(true, p, np.zeros_like(f), n_classes)[0][0])
    per_fold = np.concatenate(fold_scores)

    def null_ba(labels):
        return np.mean(
            [
                fold_balanced_accuracy(labels, p, f, n_classes)[0].mean()
                for p, f in zip(predicted, folds, strict=True)
            ]
        )

    observed_ba = per_fold.mean()
    null = np.array([null_ba(labels) for labels in across])
    row = {
        "balanced_accuracy": observed_ba,
        "balanced_accuracy_std": per_fold.std(),
        **_balanced_accuracy_interval(true, predicted, folds, persons, alpha, rng),
        **permutation_test("balanced_accuracy", observed_ba, null, alpha),
        "chance": float(np.concatenate(chances).mean()),
        "null_balanced_accuracy": null.mean(),
        "accuracy": np.concatenate(accuracies).mean(),
        "accuracy_std": np.concatenate(accuracies).std(),
        "balanced_accuracy_pooled": float(np.mean(pooled)),
        "_folds": per_fold,
    }
    per_person = np.full(1 if persons is None else persons.max() + 1, np.nan)
    if within is not None:
        ranks = [_WithinRanks(s, persons) for s in scores]
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", RuntimeWarning)  # persons with one class: NaN
            per_person = np.nanmean([r.aucs(true) for r in ranks], axis=0)
            null_auc = np.array(
                [
                    np.nanmean(np.nanmean([r.aucs(labels) for r in ranks], axis=0))
                    for labels in within
                ]
            )
    known = per_person[np.isfinite(per_person)]
    if len(known) >= 2:  # one person: no interval, and a test of one person's images
        observed = known.mean()
        row.update(
            within_auc=observed,
            **bootstrap_interval("within_auc", known, alpha, rng),
            **permutation_test("within_auc", observed, null_auc, alpha),
        )
    else:
        row.update(
            within_auc=np.nan,
            within_auc_ci_low=np.nan,
            within_auc_ci_high=np.nan,
            within_auc_p=np.nan,
            within_auc_mde=np.nan,
        )
    row["n_within_persons"] = len(known)
    row["_persons"] = per_person
    leaks = row["balanced_accuracy_p"] <= alpha / 2 or row["within_auc_p"] <= alpha / 2
    row["verdict"] = "leaks" if leaks else "no leakage detected"
    if _constant(predicted, scores, folds):
        # One score for every template: the null and the intervals are degenerate, and
        # neither verdict would mean anything.
        row["verdict"] = "not measurable"
    notes = _notes(row, predicted, scores, folds, n_classes, within is not None, alpha)
    row["note"] = "; ".join(notes)
    return row


def _constant(predicted, scores, folds):
    """Whether every fold's attacker gave all its test templates one prediction and score."""
    for p, s, f in zip(predicted, scores, folds, strict=True):
        for fold in np.unique(f):
            rows = f == fold
            if np.ptp(p[rows]) or np.ptp(s[rows], axis=0).max():
                return False
    return True


def _notes(row, predicted, scores, folds, n_classes, grouped, alpha):
    """Why a row's figures are not what they seem, in words (nothing when they are)."""
    if _constant(predicted, scores, folds):
        yield (
            "constant: in every fold the attacker gave all templates one prediction and score "
            "(it learnt nothing, saw one class, or the representation collapsed to a point); "
            "its figures measure nothing"
        )
        return
    if grouped and row["n_within_persons"] < 2:
        yield (
            f"within-identity AUC not measurable: {row['n_within_persons']} scored person(s) "
            "show both classes"
        )
    below = []
    if (
        row["balanced_accuracy_p"] <= alpha / 2
        and row["balanced_accuracy"] < row["null_balanced_accuracy"]
    ):
        below.append("balanced accuracy")
    if row["within_auc_p"] <= alpha / 2 and row["within_auc"] < 0.5:
        below.append("within-identity AUC")
    if below:
        yield (
            f"{' and '.join(below)} below chance beyond the noise: the attacker's answers "
            "run against the truth on these people (e.g. trained on the rows a method was "
            "fitted on, or on class balances unlike the tested people's); flipped, they "
            "would read the attribute"
        )
    if not np.isclose(row["chance"], 1 / n_classes):
        yield (
            f"chance {row['chance']:.3f}, not 1/{n_classes}: some scored folds hold only "
            "some of the classes, where an attacker ignoring the data scores higher"
        )


def _balanced_accuracy_interval(true, predicted, folds, persons, alpha, rng, n_boot=1000):
    """Bootstrap interval of the balanced accuracy (mean over folds), resampling persons.

    Whole persons are drawn with replacement (rows, without persons), and each fold's
    balanced accuracy recomputed with their rows weighted by how often they were drawn:
    an interval that exists with a single fold too, and that accounts for the images of
    a person not being independent.
    """
    from scipy.sparse import csr_matrix

    n_classes = true.max() + 1
    units = np.arange(len(true)) if persons is None else np.unique(persons, return_inverse=True)[1]
    n_units = units.max() + 1
    means = np.zeros(n_boot)
    for p, f in zip(predicted, folds, strict=True):
        size = (f.max() + 1) * n_classes
        cells = csr_matrix(
            (np.ones(len(true)), (np.arange(len(true)), f * n_classes + true)),
            shape=(len(true), size),
        )
        hit = csr_matrix(cells.multiply((p == true)[:, None]))
        for start in range(0, n_boot, 100):
            draws = rng.multinomial(
                n_units, np.full(n_units, 1 / n_units), size=min(100, n_boot - start)
            )
            weights = draws[:, units].astype(float)
            totals = (cells.T @ weights.T).T.reshape(len(weights), -1, n_classes)
            correct = (hit.T @ weights.T).T.reshape(len(weights), -1, n_classes)
            present = totals > 0
            recall = np.divide(correct, totals, out=np.zeros_like(correct), where=present)
            with np.errstate(invalid="ignore", divide="ignore"):
                per_fold = recall.sum(axis=2) / present.sum(axis=2)
            means[start : start + len(weights)] += np.nanmean(per_fold, axis=1) / len(predicted)
    low, high = np.quantile(means, [alpha / 2, 1 - alpha / 2])
    return {"balanced_accuracy_ci_low": low, "balanced_accuracy_ci_high": high}


def bootstrap_interval(name, units, alpha, rng, n_boot=1000):
    """Percentile bootstrap interval of the mean of independent units (folds, persons)."""
    means = rng.choice(units, size=(n_boot, len(units)), replace=True).mean(axis=1)
    low, high = np.quantile(means, [alpha / 2, 1 - alpha / 2])
    return {f"{name}_ci_low": low, f"{name}_ci_high": high}


def permutation_test(name, observed, null, alpha):
    """Two-sided permutation p-value around the null's centre, and the detectable effect."""
    centre = null.mean()
    distance = np.abs(null - centre)
    p = (1 + np.sum(distance >= abs(observed - centre) - 1e-12)) / (1 + len(null))
    return {f"{name}_p": p, f"{name}_mde": float(np.quantile(distance, 1 - alpha / 2))}
