"""Leakage: what attackers read of a sensitive attribute from a representation.

The default protocol is the held-out attacker's. For each outer subject-disjoint split the
representation is fitted on the fit subjects only; the attackers are then trained and
tested only on blinded templates of the held-out subjects, cross-validated subject-
disjointly among them: an attacker who never saw the blinding model's training data,
holding templates of other people with labels of their own. ``protocol="in-sample"`` is
the paper's: attackers trained on the representation of the model's own training rows,
which a step fitted on those rows can make look blind.
"""

import math
import os
import warnings
from numbers import Integral, Real

import numpy as np
import pandas as pd
from joblib import Parallel, delayed
from sklearn.base import clone
from sklearn.exceptions import FitFailedWarning
from sklearn.utils.validation import check_array, check_consistent_length, check_memory
from tqdm.auto import tqdm

from .._checks import check_no_missing
from .._compat import Interval, StrOptions, validate_params
from ._attackers import adaptive_probe, attack_scores, default_probes
from ._folds import probe_folds
from ._leakage_stats import (
    _WithinRanks,
    fold_balanced_accuracy,
    permuted_across_subjects,
    permuted_within_subjects,
)
from ._verification import verification_report

__all__ = [
    "PROTOCOLS",
    "audit_report",
    "audit_splits",
    "diff_score",
    "leakage_report",
    "min_permutations",
]

#: The audit protocols: who trains the attackers on what.
PROTOCOLS = ("held-out", "in-sample")


def diff_score(before, after, chance):
    """The paper's normalised drop (Eq. 4.1): ``(before - after) / (before - chance)``.

    A fraction, as every rate skblind reports (the paper prints it times 100): 1 means
    the probe fell to chance, 0 that it did not move, negative that it improved.

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
    result = (before - after) / (before - chance)
    return float(result) if result.ndim == 0 else result


def leakage_report(X, sensitive, **kwargs):
    """Measure how well attackers read ``sensitive`` from each representation.

    The leakage table of :func:`audit_report`; see there for the parameters.

    Returns
    -------
    pandas.DataFrame
        One row per representation, attribute and attacker.
    """
    return audit_report(X, sensitive, **kwargs)[0]


def min_permutations(alpha):
    """The fewest permutation draws with which a two-sided test at ``alpha`` can reject.

    A permutation p-value is at least ``1 / (n_permutations + 1)``; a row leaks when a
    p-value is at most ``alpha / 2`` (two metrics, Bonferroni), which fewer draws can
    never reach: 39 at ``alpha=0.05``.

    Parameters
    ----------
    alpha : float
        The audit's level, in (0, 1).

    Returns
    -------
    int
    """
    return max(1, math.ceil(2 / alpha - 1 - 1e-9))


@validate_params(
    {
        "protocol": [StrOptions(set(PROTOCOLS))],
        "adaptive": ["boolean"],
        "n_splits": [Interval(Integral, 2, None, closed="left")],
        "n_repeats": [Interval(Integral, 1, None, closed="left")],
        "attack_splits": [Integral],
        "n_permutations": [Interval(Integral, 1, None, closed="left")],
        "alpha": [Interval(Real, 0, 1, closed="neither")],
        "min_gap": [Interval(Real, 0, None, closed="left")],
        "random_state": [Interval(Integral, 0, None, closed="left")],
        "progress": ["boolean"],
    },
    prefer_skip_nested_validation=False,
)
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
    protocol="held-out",
    n_splits=5,
    n_repeats=1,
    attack_splits=4,
    n_permutations=200,
    alpha=0.05,
    reference="raw",
    min_gap=0.05,
    n_jobs=None,
    memory=None,
    random_state=0,
    progress=True,
):
    """Leakage of attributes and verification utility of representations, on the same splits.

    Outer splits are subject-disjoint (``groups``), ``n_splits`` folds repeated
    ``n_repeats`` times with shuffled subjects. In each, a representation given as a
    transformer is cloned and fitted on the fit subjects (``fit(X, y,
    sensitive_features=remove)``); then, by ``protocol``:

    - ``"held-out"`` (default): each attacker is trained and tested on the representation
      of the held-out subjects only, in ``attack_splits`` subject-disjoint folds among
      them. The attacker never saw the model's training data: the threat model of
      blinding.
    - ``"in-sample"`` (the paper's): each attacker is trained on the representation of
      the fit subjects (the model's own training rows) and tested on the held-out ones.
      A step fitted on those rows (LEACE, a learned encoder) can make exactly them look
      blind, so this protocol cannot show blindness.

    Every held-out sample gets a prediction and per-class scores from an attacker that
    never saw its label; each attacker learns from as many samples of each class. From
    them:

    - balanced accuracy, of each outer split's held-out subjects, averaged over splits;
      its null hands whole persons' labels to other persons (who shows a class is
      detached from the images);
    - within-identity AUC: for each person whose images hold two classes, the ROC AUC
      of the attacker's score between that person's classes (macro one-vs-rest),
      averaged over persons; chance is exactly 0.5 and who tends to show a class cannot
      inflate it. Its null shuffles labels within each person.

    The nulls keep the attackers' predictions (they never saw the relabelled samples'
    labels) and draw ``n_permutations`` relabellings. Each metric gets a two-sided p-value
    around its null's centre, the minimum detectable effect (the distance from that
    centre it would have taken to reject), and a bootstrap confidence interval; a row
    leaks when either p-value is at most ``alpha / 2``. When ``y`` holds identities,
    verification is measured on the held-out subjects of each split.

    Parameters
    ----------
    X : array-like of shape (n_samples, n_features)
        The raw embeddings.
    sensitive : array-like of shape (n_samples,) or dict
        The attribute the attackers try to read, or several (name -> labels): the
        attribute to remove and attributes whose utility should survive (e.g. glasses).
    groups : array-like of shape (n_samples,), default=None
        Subject ids. Without them folds are random (a warning says why that flatters the
        attackers) and within-identity AUC is undefined.
    y : array-like of shape (n_samples,), default=None
        Identities: passed to transformers' ``fit`` and used for verification.
    remove : array-like of shape (n_samples,), default=None
        The attribute the transformers are fitted to remove; None takes ``sensitive``
        (the first one when it is a dict).
    representations : dict, default=None
        Name -> None (the raw X), an array-like of shape (n_samples, k) (fixed), or an
        unfitted transformer (cloned and fitted per split). None means ``{"raw": None}``.
    probes : dict, default=None
        The attack battery, name -> unfitted classifier; None means
        :func:`default_probes`.
    adaptive : bool, default=True
        Add the ``"adaptive"`` attacker of :func:`adaptive_probe` (tuned by inner
        subject-disjoint cross-validation on the attacker's own training subjects).
    protocol : {"held-out", "in-sample"}, default="held-out"
        Who the attackers are trained on (see above).
    n_splits : int, default=5
        Outer subject-disjoint folds.
    n_repeats : int, default=1
        Repetitions of the outer folds with other random subject assignments.
    attack_splits : int, default=4
        Subject-disjoint folds of the attackers among the held-out subjects
        (``"held-out"`` only).
    n_permutations : int, default=200
        Draws of each permutation null; at least :func:`min_permutations` (39 at
        ``alpha=0.05``), with which a p-value can reach ``alpha / 2``.
    alpha : float, default=0.05
        Level of the verdict: a row leaks when either metric's p-value is at most
        ``alpha / 2`` (Bonferroni over the two metrics); confidence intervals are
        ``1 - alpha``.
    reference : str, default="raw"
        The representation the ``diff`` and ``*_minus_reference`` columns compare with.
    min_gap : float, default=0.05
        ``diff`` is NaN where the reference's score is less than this above chance.
    n_jobs : int, default=None
        Splits and representations run in parallel with joblib (a Dask cluster through
        ``joblib.parallel_config(backend="dask")``).
    memory : path-like, joblib.Memory or None, default=None
        Cache of the representations fitted per split, as in scikit-learn's
        ``Pipeline``: a second audit of the same splits (another protocol, other
        attackers) reuses the fits instead of repeating them. Only for transformers
        whose fit is deterministic (a fixed ``random_state``).
    random_state : int, default=0
        Seeds the outer splits, the permutations and the bootstrap.
    progress : bool, default=True
        Show a progress bar over the (split, representation) tasks.

    Returns
    -------
    leakage : pandas.DataFrame
        One row per representation, attribute and attacker, with ``protocol``;
        ``balanced_accuracy``, its standard deviation over splits, its interval
        (``_ci_low``, ``_ci_high``; bootstrap over splits), ``_p`` and ``_mde``;
        ``chance`` (the best a probe ignoring the data can score on those splits: mean
        of 1 / classes present per split) and ``null_balanced_accuracy`` (the null's
        centre); ``within_auc`` with ``_ci_low``, ``_ci_high`` (bootstrap over persons),
        ``_p``, ``_mde`` and ``n_within_persons``; ``accuracy``, ``accuracy_std``,
        ``balanced_accuracy_pooled``; ``diff`` (Eq. 4.1, a fraction, against
        ``reference``); ``balanced_accuracy_minus_reference`` and
        ``within_auc_minus_reference`` (paired on the same splits and persons) with
        their intervals; and ``verdict``: ``"leaks"`` or ``"no leakage detected"``.
    verification : pandas.DataFrame
        One row per representation (empty without ``y``): held-out ``roc_auc`` and
        LFW-style ``accuracy`` (means over splits) and their standard deviations.
    """
    _check_counts(n_permutations, alpha, attack_splits)
    X, attributes, remove, persons = _checked_inputs(X, sensitive, remove, groups, y)
    representations = {"raw": None} if representations is None else representations
    battery = default_probes() if probes is None else dict(probes)
    if adaptive:
        battery["adaptive"] = adaptive_probe()
    codes = {name: _encode(name, values) for name, values in attributes.items()}
    streams = np.random.SeedSequence(random_state).spawn(3)  # splits, attackers, statistics
    splits = _outer_splits(codes[next(iter(codes))][0], persons, n_splits, n_repeats, streams[0])
    if protocol == "in-sample":
        _check_folds(splits, attributes, n_splits)
    context = dict(
        X=X,
        y=y,
        remove=remove,
        fit=check_memory(os.fspath(memory) if isinstance(memory, os.PathLike) else memory).cache(
            _fitted_blocks
        ),
        codes=codes,
        persons=persons,
        battery=battery,
        protocol=protocol,
        attack_splits=attack_splits,
    )
    tasks = [
        (name, rep, repeat, index, train, test)
        for name, rep in representations.items()
        for repeat, index, train, test in splits
    ]
    # One seed per split, the same for every representation: they are attacked alike.
    split_seeds = np.random.default_rng(streams[1]).integers(2**31, size=len(splits))
    seeds = np.tile(split_seeds, len(representations))
    gathered = _run_tasks(tasks, seeds, context, n_jobs, progress, f"audit ({protocol})")
    _warn_single_class(tasks, gathered, codes, n_repeats)
    rng = np.random.default_rng(streams[2])
    nulls = _permutation_nulls(codes, persons, n_permutations, rng)
    leakage = _leakage_table(
        tasks, gathered, codes, persons, battery, nulls, n_repeats, alpha, rng, protocol
    )
    _add_comparisons(leakage, reference, min_gap, alpha, rng)
    verification = _verification_table(tasks, gathered)
    return leakage.drop(columns=["_folds", "_persons"]), verification


def audit_splits(sensitive, groups=None, *, n_splits=5, n_repeats=1, random_state=0):
    """The outer splits :func:`audit_report` uses for these arguments.

    To fit or measure other things on exactly the audit's splits (the demo's feature
    removal reuses the audit's fitted representations through ``memory=`` this way).

    Parameters
    ----------
    sensitive : array-like of shape (n_samples,) or dict
        As given to :func:`audit_report` (its first attribute stratifies the folds).
    groups : array-like of shape (n_samples,), default=None
        Subject ids, as given to :func:`audit_report`.
    n_splits, n_repeats, random_state : int
        As given to :func:`audit_report`.

    Returns
    -------
    list of (train, test)
        Index arrays of every outer split, repeats one after the other.
    """
    attributes = dict(sensitive) if isinstance(sensitive, dict) else {"sensitive": sensitive}
    name, values = next(iter(attributes.items()))
    persons = _person_codes(groups)
    streams = np.random.SeedSequence(random_state).spawn(3)
    splits = _outer_splits(
        _encode(name, np.asarray(values))[0], persons, n_splits, n_repeats, streams[0]
    )
    return [(train, test) for _, _, train, test in splits]


def _check_counts(n_permutations, alpha, attack_splits):
    """Refuse a null too small to ever reject, and attackers with nothing to test on."""
    if n_permutations < min_permutations(alpha):
        raise ValueError(
            f"n_permutations={n_permutations} is too few to ever detect a leak at "
            f"alpha={alpha}: the smallest p-value {n_permutations} draws can give is "
            f"1/{n_permutations + 1} = {1 / (n_permutations + 1):.3g}, above alpha/2 = "
            f"{alpha / 2:.3g} (two metrics per row), so every row would read 'no leakage "
            f"detected'; use at least {min_permutations(alpha)}"
        )
    if attack_splits < 2:
        raise ValueError(
            f"attack_splits={attack_splits}: the held-out attackers are cross-validated "
            "over the held-out subjects, trained on some folds of them and tested on "
            "another, so they need at least 2 folds"
        )


def _checked_inputs(X, sensitive, remove, groups, y):
    """X as floats, the attributes by name, the attribute to remove, person codes."""
    X = check_array(X, dtype=np.float64)
    attributes = dict(sensitive) if isinstance(sensitive, dict) else {"sensitive": sensitive}
    attributes = {name: np.asarray(values) for name, values in attributes.items()}
    remove = next(iter(attributes.values())) if remove is None else np.asarray(remove)
    check_consistent_length(
        X, remove, *attributes.values(), *(v for v in (groups, y) if v is not None)
    )
    return X, attributes, remove, _person_codes(groups)


def _person_codes(groups):
    """Codes ``0..P-1`` of the subject ids; None without groups. Missing ids are refused."""
    if groups is None:
        return None
    groups = np.asarray(groups)
    check_no_missing(
        groups,
        "groups",
        "an unknown subject cannot be told from another (all of them would count as one "
        "person): drop those rows or give them their subject ids",
    )
    try:
        return np.unique(groups, return_inverse=True)[1]
    except TypeError:
        kinds = sorted({type(g).__name__ for g in groups})
        raise ValueError(f"groups mixes subject id types {kinds}; use one type") from None


def _run_tasks(tasks, seeds, context, n_jobs, progress, desc):
    """Fit and attack every (representation, split) task, in parallel; results in task order.

    Tasks that fit a transformer are dispatched first: the longest tasks start early and
    the workers do not wait on one at the end. Each task has its own seed, so the order
    changes no result.
    """
    order = sorted(range(len(tasks)), key=lambda k: not hasattr(tasks[k][1], "fit"))
    results = Parallel(n_jobs=n_jobs, return_as="generator")(
        delayed(_attack_split)(rep_name, rep, train, test, seeds[k], **context)
        for k in order
        for rep_name, rep, _, _, train, test in [tasks[k]]
    )
    gathered = [None] * len(tasks)
    with tqdm(total=len(tasks), desc=desc, disable=not progress) as bar:
        for k, result in zip(order, results, strict=True):
            gathered[k] = result
            bar.update()
    return gathered


def _permutation_nulls(codes, persons, n_permutations, rng):
    """Per attribute: labels handed between persons, and shuffled within each person."""
    return {
        name: (
            permuted_across_subjects(true, _persons_or_rows(persons, true), n_permutations, rng),
            None
            if persons is None
            else permuted_within_subjects(true, persons, n_permutations, rng),
        )
        for name, (true, _) in codes.items()
    }


def _encode(name, values):
    """Label codes ``0..K-1`` and classes of an attribute; refuse missing labels."""
    check_no_missing(
        values,
        f"attribute {name!r}",
        "a probe cannot be scored on them: drop those rows first",
    )
    classes, true = np.unique(values, return_inverse=True)
    if len(classes) < 2:
        raise ValueError(f"{name} has a single class {classes.tolist()}; nothing to probe")
    return true, classes


def _persons_or_rows(persons, true):
    return np.arange(len(true)) if persons is None else persons


def _outer_splits(first, persons, n_splits, n_repeats, seed_sequence):
    """(repeat, index, fit rows, held-out rows) of every outer split."""
    seeds = np.random.default_rng(seed_sequence).integers(2**31, size=n_repeats)
    if persons is None:
        warnings.warn(
            "audit_report without groups uses random stratified folds: an attacker can "
            "read the attribute from identity when the same people are in both folds, and "
            "within-identity AUC is undefined. Pass groups=subject ids (skblind audit "
            "--groups COLUMN) for subject-disjoint folds.",
            UserWarning,
            stacklevel=3,
        )
    splits = []
    for repeat, seed in enumerate(seeds):
        cv = probe_folds(n_splits, grouped=persons is not None, random_state=int(seed))
        folds = cv.split(np.zeros(len(first)), first, persons)
        splits += [(repeat, index, train, test) for index, (train, test) in enumerate(folds)]
    return splits


def _check_folds(splits, attributes, n_splits):
    """Refuse, naming the attribute and fold, a training fold a probe cannot learn from."""
    for _, fold, train, _ in splits:
        for name, values in attributes.items():
            classes = np.unique(values[train])
            if len(classes) < 2:
                raise ValueError(
                    f"attribute {name!r}: training fold {fold + 1} of {n_splits} holds a "
                    f"single class {classes.tolist()}, so no probe can learn from it; use "
                    "fewer folds (n_splits) or more subjects with each class"
                )


def _attack_split(
    rep_name, rep, train, test, seed, *, X, y, remove, fit, codes, persons, battery, **how
):
    """Fit one representation on one split and attack it; predictions of the held-out rows."""
    Z_train, Z_test = _represent(rep_name, rep, X, y, remove, train, test, fit)
    rng = np.random.default_rng(seed)
    attacks = {
        name: _attack(Z_train, Z_test, true, train, test, persons, battery, rng, **how)
        for name, (true, _) in codes.items()
    }
    verification = None
    if y is not None:
        subjects = np.asarray(y)[test]
        report = verification_report(Z_test, subjects, n_folds=_verification_folds(subjects))
        verification = (report["roc_auc"], report["accuracy"])
    return attacks, verification


def _attack(Z_train, Z_test, true, train, test, persons, battery, rng, *, protocol, attack_splits):
    """Every attacker's predictions and per-class scores on the held-out rows.

    Each attacker learns from as many samples of each class (the larger classes
    subsampled at random), so that one that learns nothing does not follow its
    training subjects' class balance: with subject-disjoint data that balance is tied to
    the held-out subjects' (their complement), which would bias its score, and the
    permutation nulls, which keep its predictions, would not see the bias.
    """
    n_classes = true.max() + 1
    if protocol == "in-sample":
        parts = [
            (Z_train, true[train], _persons_or_rows(persons, true)[train], Z_test, slice(None))
        ]
    else:
        held = _persons_or_rows(persons, true)[test]
        n_inner = min(attack_splits, len(np.unique(held)))
        if n_inner < 2:
            raise ValueError(
                "a held-out part holds fewer than two subjects: the attackers need some to "
                "learn from and others to be tested on; use fewer outer folds (n_splits)"
            )
        parts = [
            (Z_test[a], true[test][a], held[a], Z_test[b], b)
            for a, b in probe_folds(n_inner, grouped=True).split(Z_test, groups=held)
        ]
    out = {
        name: (np.empty(len(test), dtype=int), np.empty((len(test), n_classes))) for name in battery
    }
    single = 0
    for Z_fit, target, fit_groups, Z_eval, rows in parts:
        if len(np.unique(target)) < 2:  # the attacker only ever saw one class: it guesses
            single += 1
            for predicted, scores in out.values():
                predicted[rows], scores[rows] = 0, 0.0
            continue
        keep = _balanced(target, rng)
        for name, probe in battery.items():
            model = _fit_probe(name, probe, Z_fit[keep], target[keep], fit_groups[keep])
            predicted, scores = out[name]
            predicted[rows] = model.predict(Z_eval)
            scores[rows] = attack_scores(model, Z_eval, np.arange(n_classes))
    return out, single, len(parts)


def _balanced(target, rng):
    """Indices of an equal number of samples of each class, drawn at random."""
    members = [np.flatnonzero(target == c) for c in np.unique(target)]
    size = min(len(m) for m in members)
    return np.sort(np.concatenate([rng.choice(m, size, replace=False) for m in members]))


def _fit_probe(name, probe, Z, target, groups):
    """Fit one attacker; the adaptive one tunes on subject-disjoint inner folds.

    When subject-disjoint inner folds cannot all hold both classes (too few subjects),
    the adaptive attacker tunes on stratified folds instead (its tuning is its own
    business; it is still scored on subjects it never saw).
    """
    if name != "adaptive":
        probe = clone(probe)
        # a nearest-neighbour attacker with fewer templates than neighbours uses them all
        too_many = {
            key: len(Z)
            for key, value in probe.get_params().items()
            if key.endswith("n_neighbors") and isinstance(value, int) and value > len(Z)
        }
        return probe.set_params(**too_many).fit(Z, target)
    n_inner = min(probe.cv, len(np.unique(groups)), np.bincount(target).min())
    if n_inner < 2:  # nothing to tune on: the untuned model
        return clone(probe.estimator).fit(Z, target)
    with warnings.catch_warnings():
        # inner folds of one class: failed fits and one-class scores are expected here
        warnings.simplefilter("ignore", FitFailedWarning)
        warnings.filterwarnings("ignore", category=UserWarning, module="sklearn")
        try:
            tuned = clone(probe).set_params(cv=probe_folds(n_inner, grouped=True, stratified=True))
            tuned.fit(Z, target, groups=groups)
            if np.isfinite(tuned.cv_results_["mean_test_score"]).any():
                return tuned
        except ValueError:
            pass
        return clone(probe).set_params(cv=probe_folds(n_inner, grouped=False)).fit(Z, target)


def _warn_single_class(tasks, gathered, codes, n_repeats):
    """One warning per attribute, naming the outer splits where an attacker saw one class."""
    for name in codes:
        single = sum(attacks[name][1] for attacks, _ in gathered)
        total = sum(attacks[name][2] for attacks, _ in gathered)
        if not single:
            continue
        splits = sorted(
            {
                (repeat, index)
                for (_, _, repeat, index, _, _), (attacks, _) in zip(tasks, gathered, strict=True)
                if attacks[name][1]
            }
        )
        where = ", ".join(
            f"{index + 1}" + (f" (repetition {repeat + 1})" if n_repeats > 1 else "")
            for repeat, index in splits
        )
        warnings.warn(
            f"attribute {name!r}: in outer split {where}, the subjects some attackers "
            f"were trained on all showed one class ({single} of {total} attacker trainings); "
            "there the attackers learn nothing and give every template the same "
            "prediction and scores. Fewer outer splits (n_splits, --folds) leave more "
            "subjects to train on",
            UserWarning,
            stacklevel=3,
        )


def _leakage_table(
    tasks, gathered, codes, persons, battery, nulls, n_repeats, alpha, rng, protocol
):
    """One row per (representation, attribute, attacker), with nulls, CIs and verdicts."""
    rows = []
    representations = list(dict.fromkeys(task[0] for task in tasks))
    for rep_name in representations:
        for attribute, (true, _) in codes.items():
            n_classes = true.max() + 1
            across, within = nulls[attribute]
            for probe in battery:
                predicted = np.empty((n_repeats, len(true)), dtype=int)
                scores = np.empty((n_repeats, len(true), n_classes))
                folds = np.empty((n_repeats, len(true)), dtype=int)
                for (name, _, repeat, index, _, test), (attacks, _) in zip(
                    tasks, gathered, strict=True
                ):
                    if name != rep_name:
                        continue
                    predicted[repeat, test], scores[repeat, test] = attacks[attribute][0][probe]
                    folds[repeat, test] = index
                rows.append(
                    {
                        "representation": rep_name,
                        "attribute": attribute,
                        "probe": probe,
                        "protocol": protocol,
                        **_row_statistics(
                            true, predicted, scores, folds, persons, across, within, alpha, rng
                        ),
                    }
                )
    return pd.DataFrame(rows)


def _row_statistics(true, predicted, scores, folds, persons, across, within, alpha, rng):
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
        **_interval("balanced_accuracy", per_fold, alpha, rng),
        **_test("balanced_accuracy", observed_ba, null, alpha),
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
    if len(known):
        observed = known.mean()
        row.update(
            within_auc=observed,
            **_interval("within_auc", known, alpha, rng),
            **_test("within_auc", observed, null_auc, alpha),
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
    return row


def _interval(name, units, alpha, rng, n_boot=1000):
    """Percentile bootstrap interval of the mean of independent units (folds, persons)."""
    means = rng.choice(units, size=(n_boot, len(units)), replace=True).mean(axis=1)
    low, high = np.quantile(means, [alpha / 2, 1 - alpha / 2])
    return {f"{name}_ci_low": low, f"{name}_ci_high": high}


def _test(name, observed, null, alpha):
    """Two-sided permutation p-value around the null's centre, and the detectable effect."""
    centre = null.mean()
    distance = np.abs(null - centre)
    p = (1 + np.sum(distance >= abs(observed - centre) - 1e-12)) / (1 + len(null))
    return {f"{name}_p": p, f"{name}_mde": float(np.quantile(distance, 1 - alpha / 2))}


def _add_comparisons(leakage, reference, min_gap, alpha, rng):
    """The paper's Diff and paired differences to the reference, on the same folds/persons."""
    for column in ("diff", "balanced_accuracy_minus_reference", "within_auc_minus_reference"):
        leakage[column] = np.nan
    for suffix in ("ci_low", "ci_high"):
        leakage[f"balanced_accuracy_minus_reference_{suffix}"] = np.nan
        leakage[f"within_auc_minus_reference_{suffix}"] = np.nan
    if reference not in set(leakage.representation):
        return
    base = leakage[leakage.representation == reference].set_index(["attribute", "probe"])
    for index, row in leakage.iterrows():
        ref = base.loc[(row.attribute, row.probe)]
        if ref.balanced_accuracy - row.chance >= min_gap:
            leakage.loc[index, "diff"] = diff_score(
                ref.balanced_accuracy, row.balanced_accuracy, row.chance
            )
        for metric, units, ref_units in (
            ("balanced_accuracy", row._folds, ref._folds),
            ("within_auc", row._persons, ref._persons),
        ):
            paired = units - ref_units
            paired = paired[np.isfinite(paired)]
            if len(paired):
                name = f"{metric}_minus_reference"
                leakage.loc[index, name] = paired.mean()
                for key, value in _interval(name, paired, alpha, rng).items():
                    leakage.loc[index, key] = value


def _verification_table(tasks, gathered):
    rows = []
    for rep_name in dict.fromkeys(task[0] for task in tasks):
        values = np.array(
            [v for task, (_, v) in zip(tasks, gathered, strict=True) if task[0] == rep_name and v]
        )
        if len(values):
            rows.append(
                {
                    "representation": rep_name,
                    "roc_auc": values[:, 0].mean(),
                    "roc_auc_std": values[:, 0].std(),
                    "accuracy": values[:, 1].mean(),
                    "accuracy_std": values[:, 1].std(),
                }
            )
    return pd.DataFrame(rows)


def _verification_folds(subjects, most=10):
    """Folds of the pair-level accuracy: at most one genuine pair per fold."""
    _, counts = np.unique(subjects, return_counts=True)
    n_genuine = int(np.sum(counts * (counts - 1) // 2))
    return max(2, min(most, n_genuine))


def _fitted_blocks(rep, X, y, remove, train, test):
    """A clone of ``rep`` fitted on the ``train`` rows: its training and test blocks."""
    model = clone(rep).fit(X[train], np.asarray(y)[train], sensitive_features=remove[train])
    return model.transform(X[train]), model.transform(X[test])


def _represent(rep_name, rep, X, y, remove, train, test, fit):
    """Training and test blocks of one representation for one split.

    ``fit`` is :func:`_fitted_blocks`, possibly cached.
    """
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
        raise ValueError("audit_report needs y to fit the transformers it is given")
    return fit(rep, X, y, remove, train, test)
