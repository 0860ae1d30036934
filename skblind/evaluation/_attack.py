"""The attack: attackers trained on some people's templates, scored on other people's.

Every leakage figure skblind reports comes from the two functions here: :func:`attack`
(attackers trained on one set of rows and scored on another) and :func:`cross_attack`
(subject-disjoint folds: every tested row is scored by attackers that never saw its
person). The audit's protocols, the grid-search scorers, the feature-removal curve and
the demo's trade-off sweep all call them, so that an attacker is trained, balanced and
scored one way everywhere.

Each attacker learns from as many samples of each class (the larger classes subsampled at
random): one that learns nothing then does not follow its training subjects' class
balance. With subject-disjoint data that balance is tied to the tested subjects' (their
complement), which would bias its score, and the permutation nulls, which keep its
predictions, would not see the bias.
"""

import warnings

import numpy as np
from sklearn.base import clone
from sklearn.exceptions import FitFailedWarning

from .._compat import BaseSearchCV
from ._attackers import attack_scores
from ._folds import subject_folds

__all__ = [
    "attack",
    "attacker_people_draws",
    "balanced_rows",
    "cross_attack",
    "fit_attacker",
    "person_folds",
]


def balanced_rows(target, rng):
    """Indices of an equal number of samples of each class, drawn at random, in order.

    Parameters
    ----------
    target : ndarray of shape (n_samples,) of int
        Label codes.
    rng : numpy.random.Generator
        The draw's randomness.

    Returns
    -------
    ndarray of int
    """
    members = [np.flatnonzero(target == c) for c in np.unique(target)]
    size = min(len(m) for m in members)
    return np.sort(np.concatenate([rng.choice(m, size, replace=False) for m in members]))


#: A search (the adaptive attacker) tunes on about this many training rows at most: its
#: 48 fits of an RBF SVM took 155 s on 3,000 templates of 1,024 features, 9 s on 1,000.
MAX_TUNE_ROWS = 1000


def fit_attacker(attacker, Z, target, groups, rng):
    """A fitted clone of ``attacker``; a search tunes on subject-disjoint folds.

    A nearest-neighbour attacker with fewer templates than neighbours uses them all. A
    search (the adaptive attacker) tunes on subject-disjoint inner folds of at most about
    :data:`MAX_TUNE_ROWS` rows (whole persons, drawn at random), and its best setting is
    then fitted on every row; when subject-disjoint inner folds cannot all hold both
    classes (too few subjects), it tunes on stratified folds instead (its tuning is its
    own business; it is still scored on subjects it never saw).

    Parameters
    ----------
    attacker : classifier
        Unfitted.
    Z : ndarray of shape (n_samples, n_features)
        Templates.
    target : ndarray of shape (n_samples,) of int
        Label codes.
    groups : ndarray of shape (n_samples,)
        The person of each template.
    rng : numpy.random.Generator
        Draws the persons a search tunes on.

    Returns
    -------
    classifier
    """
    if not isinstance(attacker, BaseSearchCV):
        model = clone(attacker)
        too_many = {
            key: len(Z)
            for key, value in model.get_params().items()
            if key.endswith("n_neighbors") and isinstance(value, int) and value > len(Z)
        }
        return model.set_params(**too_many).fit(Z, target)
    if len(Z) <= MAX_TUNE_ROWS:
        return _tuned(attacker, Z, target, groups)
    persons = rng.permutation(np.unique(groups))
    rows_per_person = len(Z) / len(persons)
    chosen = persons[: max(2, int(round(MAX_TUNE_ROWS / rows_per_person)))]
    some = np.isin(groups, chosen)
    tuned = _tuned(attacker, Z[some], target[some], groups[some])
    if not hasattr(tuned, "best_params_"):  # nothing could be tuned: the untuned model
        return clone(attacker.estimator).fit(Z, target)
    return clone(attacker.estimator).set_params(**tuned.best_params_).fit(Z, target)


def _tuned(search, Z, target, groups):
    """``search`` fitted on subject-disjoint inner folds (stratified ones when it must)."""
    n_inner = min(
        search.cv if isinstance(search.cv, int) else 3,
        len(np.unique(groups)),
        np.bincount(target).min(),
    )
    if n_inner < 2:  # nothing to tune on: the untuned model
        return clone(search.estimator).fit(Z, target)
    with warnings.catch_warnings():
        # inner folds of one class: failed fits and one-class scores are expected here
        warnings.simplefilter("ignore", FitFailedWarning)
        warnings.filterwarnings("ignore", category=UserWarning, module="sklearn")
        try:
            tuned = clone(search).set_params(
                cv=subject_folds(n_inner, grouped=True, stratified=True)
            )
            tuned.fit(Z, target, groups=groups)
            if np.isfinite(tuned.cv_results_["mean_test_score"]).any():
                return tuned
        except ValueError:
            pass
        return clone(search).set_params(cv=subject_folds(n_inner, grouped=False)).fit(Z, target)


def attack(attackers, Z_fit, target, groups, Z_eval, n_classes, rng):
    """Train every attacker on a class-balanced draw of the given rows; score ``Z_eval``.

    Parameters
    ----------
    attackers : dict
        Name -> unfitted classifier.
    Z_fit : ndarray of shape (n_fit, n_features)
        The templates the attackers learn from.
    target : ndarray of shape (n_fit,) of int
        Their label codes ``0..n_classes-1``.
    groups : ndarray of shape (n_fit,)
        Their persons (the adaptive attacker's inner folds are subject-disjoint).
    Z_eval : ndarray of shape (n_eval, n_features)
        The templates the attackers are scored on.
    n_classes : int
        Number of label codes of the attribute.
    rng : numpy.random.Generator
        Draws the class-balanced subsample and the persons a search tunes on (the same
        draws for every attacker).

    Returns
    -------
    dict or None
        Name -> (predicted codes of shape (n_eval,), per-class scores of shape (n_eval,
        n_classes)); None when the rows hold a single class (an attacker then learns
        nothing).
    """
    if len(np.unique(target)) < 2:
        return None
    keep = balanced_rows(target, rng)
    tune_seed = rng.integers(2**31)
    out = {}
    for name, attacker in attackers.items():
        tune_rng = np.random.default_rng(tune_seed)  # the same draw for every attacker
        model = fit_attacker(attacker, Z_fit[keep], target[keep], groups[keep], tune_rng)
        out[name] = (
            np.asarray(model.predict(Z_eval), dtype=int),
            attack_scores(model, Z_eval, np.arange(n_classes)),
        )
    return out


def attacker_people_draws(pool, people, rng):
    """Nested draws of persons from ``pool``: the first ``size`` of one shuffled order.

    Parameters
    ----------
    pool : ndarray
        The persons an attacker may learn from.
    people : sequence of int or None
        Sizes to draw; None takes the whole pool.
    rng : numpy.random.Generator
        Shuffles the pool once, so that a smaller attacker's people are among a larger
        one's (a learning curve then varies only in size).

    Returns
    -------
    list of ndarray
        The persons of each size, in the order of ``people``.
    """
    order = rng.permutation(pool)
    return [order if size is None else order[:size] for size in people]


def cross_attack(attackers, Z, target, persons, folds, n_classes, seed, people=(None,)):
    """Scores of every tested row by attackers that never saw its person.

    In each fold the attackers learn from the templates of (some of) the fold's training
    persons and score its test rows. With ``people`` sizes, each fold's attackers of
    size ``k`` learn from ``k`` persons drawn from its training persons (nested: the
    people of a smaller attacker are among a larger one's), and every size scores the
    same test rows.

    Parameters
    ----------
    attackers : dict
        Name -> unfitted classifier.
    Z : ndarray of shape (n_samples, n_features)
        The templates.
    target : ndarray of shape (n_samples,) of int
        Label codes ``0..n_classes-1``.
    persons : ndarray of shape (n_samples,)
        The person of each row.
    folds : list of (train rows, test rows)
        Subject-disjoint folds (rows of ``Z``).
    n_classes : int
        Number of label codes.
    seed : int
        Seeds the draws of persons and of class-balanced rows; the draws do not depend
        on the attackers, so that every attacker (and every representation attacked with
        this seed) learns from the same rows.
    people : sequence of int or None, default=(None,)
        Attacker sizes in persons; None: every training person of the fold.

    Returns
    -------
    predictions : dict
        Size -> attacker name -> (predicted codes, per-class scores) of every row (rows no
        fold tests are left at 0).
    tested : ndarray of shape (n_samples,) bool
        Rows some fold tests.
    fold_of : ndarray of shape (n_samples,) of int
        The fold that tests each row (-1 for none).
    held : dict
        Size -> list of the number of persons the attackers learnt from in each fold.
    single : dict
        Size -> number of folds whose attackers saw a single class (they guess).
    """
    n = len(target)
    predictions = {
        size: {name: (np.zeros(n, dtype=int), np.zeros((n, n_classes))) for name in attackers}
        for size in people
    }
    tested = np.zeros(n, dtype=bool)
    fold_of = np.full(n, -1)
    held = {size: [] for size in people}
    single = dict.fromkeys(people, 0)
    for index, (train, test) in enumerate(folds):
        tested[test], fold_of[test] = True, index
        pool = np.unique(persons[train])
        draws = attacker_people_draws(pool, people, np.random.default_rng([seed, index]))
        for size, chosen in zip(people, draws, strict=True):
            rows = train[np.isin(persons[train], chosen)]
            held[size].append(len(chosen))
            rng = np.random.default_rng([seed, index, len(chosen)])
            result = attack(
                attackers, Z[rows], target[rows], persons[rows], Z[test], n_classes, rng
            )
            if result is None:  # the attackers only ever saw one class: they guess
                single[size] += 1
                continue
            for name, (predicted, scores) in result.items():
                predictions[size][name][0][test] = predicted
                predictions[size][name][1][test] = scores
    return predictions, tested, fold_of, held, single


def person_folds(persons, n_folds, random_state=None):
    """Subject-disjoint folds over the rows of ``persons``, as (train rows, test rows).

    Parameters
    ----------
    persons : ndarray of shape (n_samples,)
        The person of each row.
    n_folds : int
        Number of folds (at most the number of persons).
    random_state : int or None, default=None
        Shuffles the assignment of persons to folds.

    Returns
    -------
    list of (ndarray, ndarray)
    """
    splitter = subject_folds(n_folds, grouped=True, random_state=random_state)
    return list(splitter.split(np.zeros(len(persons)), None, persons))
