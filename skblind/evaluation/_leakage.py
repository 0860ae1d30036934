"""Leakage: what attackers read of a sensitive attribute from a representation.

Three protocols say who the attackers are trained on. The default, ``"held-out"``: for
each outer subject-disjoint split the representation is fitted on the fit subjects only,
and the attackers are trained and tested only on blinded templates of the held-out
subjects, cross-validated subject-disjointly among them: an attacker who never saw the
blinding model's training data, holding templates of other people with labels of their
own. ``"deployment"``: the representations were fitted elsewhere (a deployed model is a
public function), and attackers of any size are cross-validated over every person given.
``"in-sample"`` is the paper's: attackers trained on the representation of the model's
own training rows, which a step fitted on those rows can make look blind.

Each leakage row says how many people its attacker held (``attacker_people``): leakage
grows with them, and ``attacker_people=[8, 32, 128, ...]`` draws the attacker's learning
curve on the same test rows.
"""

import warnings
from dataclasses import dataclass
from numbers import Integral, Real

import numpy as np
import pandas as pd
from joblib import Parallel, delayed
from sklearn.dummy import DummyClassifier
from sklearn.ensemble import BaseEnsemble, HistGradientBoostingClassifier
from sklearn.utils.validation import check_array, check_consistent_length
from tqdm.auto import tqdm

from .._checks import check_no_missing, is_one_point
from .._compat import BaseSearchCV, Interval, StrOptions, validate_params
from .._names import min_permutations
from ._attack import cross_attack, person_folds
from ._attackers import adaptive_attacker, default_attackers
from ._folds import subject_folds
from ._leakage_stats import (
    bootstrap_interval,
    permuted_across_subjects,
    permuted_within_subjects,
    row_statistics,
)
from ._represent import _fixed, _is_estimator, fitted_transform
from ._result import LEAKAGE_COLUMNS, VERIFICATION_COLUMNS, Audit
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
PROTOCOLS = ("held-out", "in-sample", "deployment")


def diff_score(before, after, chance):
    """The paper's normalised drop (Eq. 4.1): ``(before - after) / (before - chance)``.

    A fraction, as every rate skblind reports (the paper prints it times 100): 1 means
    the attacker fell to chance, 0 that it did not move, negative that it improved.

    Parameters
    ----------
    before, after : float or array-like
        Attacker scores (e.g. balanced accuracy) on the raw and on the blinded
        representation.
    chance : float or array-like
        Score of an attacker that knows nothing.

    Returns
    -------
    float or ndarray
    """
    before, after, chance = (np.asarray(v, dtype=float) for v in (before, after, chance))
    if np.any(before <= chance):
        raise ValueError("Diff is undefined when the score before is not above chance")
    result = (before - after) / (before - chance)
    return float(result) if result.ndim == 0 else result


def pic_score(accuracy_before, accuracy_after, eer_before, eer_after):
    """The privacy gain identity loss coefficient (PIC) of the face-template literature.

    ``PIC = PG - IL``: the privacy gain ``PG`` is the relative rise of the attacker's
    error rate, ``((1 - after) - (1 - before)) / (1 - before)`` of its accuracy, and the
    identity loss ``IL`` the relative rise of the verification equal error rate,
    ``(eer_after - eer_before) / eer_before`` (Terhörst et al., "Suppressing gender and
    age in face templates using incremental variable elimination", ICB 2019; Rezgui et
    al., IEEE TBIOM 2024, with balanced accuracy). Higher is better: positive when the
    attacker loses relatively more than verification does. Both terms are relative, so
    PIC is unbounded and grows without limit as the attacker before, or verification
    before, approaches perfection; compare PICs measured against the same reference.

    Parameters
    ----------
    accuracy_before, accuracy_after : float or array-like
        The attacker's accuracy (skblind's audits use balanced accuracy) on the
        reference and on the blinded representation.
    eer_before, eer_after : float or array-like
        Verification equal error rates on the same two.

    Returns
    -------
    float or ndarray
        NaN where a reference is perfect (accuracy 1 or EER 0): no relative change is
        defined against it.

    Examples
    --------
    >>> from skblind.evaluation import pic_score
    >>> round(pic_score(0.9, 0.55, 0.02, 0.025), 2)  # error 0.1 -> 0.45; EER +25 %
    3.25
    """
    values = (accuracy_before, accuracy_after, eer_before, eer_after)
    acc_before, acc_after, eer_before, eer_after = (np.asarray(v, dtype=float) for v in values)
    with np.errstate(divide="ignore", invalid="ignore"):
        error_before = 1 - acc_before
        gain = np.where(error_before > 0, ((1 - acc_after) - error_before) / error_before, np.nan)
        loss = np.where(eer_before > 0, (eer_after - eer_before) / eer_before, np.nan)
    result = gain - loss
    return float(result) if result.ndim == 0 else result


def leakage_report(X, sensitive, **kwargs):
    """Measure how well attackers read ``sensitive`` from each representation.

    The leakage table of :func:`audit_report` (``audit_report(...).leakage``); see there
    for the parameters.

    Returns
    -------
    pandas.DataFrame
        One row per representation, attribute, attacker and attacker size.
    """
    return audit_report(X, sensitive, **kwargs).leakage


@dataclass(frozen=True)
class _Part:
    """Rows attacked together, the rows a representation is fitted on first, and the folds.

    ``rows`` are the block the attackers see (positions in it index ``folds``); ``fit``
    the rows a transformer is fitted on (None: nothing to fit); ``unit`` names each
    fold's unit of balanced accuracy (the outer split, or the attack fold itself).
    """

    repeat: int
    index: int
    fit: np.ndarray | None
    rows: np.ndarray
    folds: tuple
    units: tuple
    verify: tuple


@validate_params(
    {
        "protocol": [StrOptions(set(PROTOCOLS))],
        "adaptive": ["boolean"],
        "n_splits": [Interval(Integral, 2, None, closed="left")],
        "n_repeats": [Interval(Integral, 1, None, closed="left")],
        "attack_splits": [Integral, "array-like"],
        "attacker_people": [Interval(Integral, 1, None, closed="left"), "array-like", None],
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
    keep=(),
    representations=None,
    attackers=None,
    adaptive=True,
    protocol="held-out",
    n_splits=5,
    n_repeats=1,
    attack_splits=4,
    attacker_people=None,
    n_permutations=200,
    alpha=0.05,
    reference="raw",
    min_gap=0.05,
    fitted=None,
    n_jobs=None,
    random_state=0,
    progress=True,
):
    """Leakage of attributes to attackers of a stated size, and verification utility.

    ``protocol`` says who the attackers are trained on:

    - ``"held-out"`` (default): outer splits are subject-disjoint (``groups``),
      ``n_splits`` folds repeated ``n_repeats`` times with shuffled subjects. In each, a
      representation given as a transformer is cloned and fitted on the fit subjects
      (``fit(X, y, sensitive_features=remove)``); the attackers are then trained and
      tested on the representation of the held-out subjects only, in ``attack_splits``
      subject-disjoint folds among them. The attacker never saw the model's training
      data: the threat model of blinding.
    - ``"deployment"``: the representations were fitted on other people (population A)
      and are given as arrays or fitted transformers; the attackers learn from some of
      the people of ``X`` (population B) and are tested on others (C):
      ``attack_splits`` subject-disjoint folds over every person (each tested once), or
      the (train rows, test rows) pairs given. Attackers then hold as many people as the
      data allow, as one facing a deployed model, a public function, would.
    - ``"in-sample"`` (the paper's): each attacker is trained on the representation of
      the fit subjects (the model's own training rows) and tested on the held-out ones.
      A step fitted on those rows (LEACE, a learned encoder) can make exactly them look
      blind, so this protocol cannot show blindness.

    Each attacker learns from as many samples of each class, and from
    ``attacker_people`` persons of its fold's training persons (all of them by
    default): every leakage row says how many (``attacker_people``). A list of sizes
    gives one row per size, on the same test rows, the smaller attackers' people among
    the larger ones': the attacker's learning curve (:func:`plot_attacker_curve`).

    Every tested sample gets a prediction and per-class scores from an attacker that
    never saw its person. From them:

    - balanced accuracy, of each unit (an outer split's held-out subjects; an attack
      fold in the deployment protocol), averaged over units; its null hands whole
      persons' labels to other persons (who shows a class is detached from the images);
    - within-identity AUC: for each person whose images hold two classes, the ROC AUC
      of the attacker's score between that person's classes (macro one-vs-rest),
      averaged over persons; chance is exactly 0.5 and who tends to show a class cannot
      inflate it. Its null shuffles labels within each person.

    The nulls keep the attackers' predictions (they never saw the relabelled samples'
    labels) and draw ``n_permutations`` relabellings. Each metric gets a two-sided p-value
    around its null's centre, the minimum detectable effect (the distance from that
    centre it would have taken to reject: the noise floor), and a bootstrap confidence
    interval; a row leaks when either p-value is at most ``alpha / 2``. When ``y`` holds
    identities, verification is measured on the tested subjects of each unit.

    Parameters
    ----------
    X : array-like of shape (n_samples, n_features)
        The raw embeddings.
    sensitive : array-like of shape (n_samples,) or dict
        The attribute the attackers try to read, or several (name -> labels): the
        attribute to remove and attributes whose utility should survive (e.g. glasses).
    groups : array-like of shape (n_samples,), default=None
        Subject ids. Without them folds are random (a warning says why that flatters the
        attackers), each row counts as a person, and within-identity AUC is undefined.
    y : array-like of shape (n_samples,), default=None
        Identities: passed to transformers' ``fit`` and used for verification.
    remove : array-like of shape (n_samples,), default=None
        The attribute the transformers are fitted to remove; None takes ``sensitive``
        (the first one when it is a dict).
    keep : sequence of str, default=()
        Attributes of ``sensitive`` that should survive (e.g. glasses): their rows have
        ``role`` "kept" and the verdict "kept" (the attacker still reads it) or "lost",
        instead of "leaks" / "no leakage detected".
    representations : dict, default=None
        Name -> None (the raw X), an array-like of shape (n_samples, k) (fixed), or a
        transformer: unfitted, cloned and fitted per split (held-out, in-sample), or
        fitted on other people (deployment). None means ``{"raw": None}``.
    attackers : dict, default=None
        The attack battery, name -> unfitted classifier; None means
        :func:`default_attackers`.
    adaptive : bool, default=True
        Add the ``"adaptive"`` attacker of :func:`adaptive_attacker` (tuned by inner
        subject-disjoint cross-validation on the attacker's own training subjects).
    protocol : {"held-out", "deployment", "in-sample"}, default="held-out"
        Who the attackers are trained on (see above).
    n_splits : int, default=5
        Outer subject-disjoint folds (held-out, in-sample).
    n_repeats : int, default=1
        Repetitions of the outer folds with other random subject assignments (held-out,
        in-sample).
    attack_splits : int or list of (train rows, test rows), default=4
        Subject-disjoint folds of the attackers: among the held-out subjects of each
        split (held-out), or among every subject (deployment, where explicit pairs of
        row indices may be given instead, e.g. ``[(B, C)]``).
    attacker_people : int, list of int or None, default=None
        The persons each attacker learns from, drawn from its fold's training persons;
        None: all of them. A list draws the attacker learning curve.
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
    fitted : dict, default=None
        The transformers' fits on :func:`audit_splits` of the same arguments, as
        :func:`fit_representations` returns them: they are used instead of fitting again.
    n_jobs : int, default=None
        The fits and the attacks run as joblib tasks, ``n_jobs`` at a time (a Dask
        cluster through ``joblib.parallel_config(backend="dask")``). The results do not
        depend on it.
    random_state : int, default=0
        Seeds the outer splits, the attackers' draws, the permutations and the bootstrap.
    progress : bool, default=True
        Show progress bars over the fits and the attacks.

    Returns
    -------
    Audit
        ``.leakage``: one row per representation, attribute, attacker and attacker size
        (columns: :data:`~skblind.evaluation.LEAKAGE_COLUMNS`); ``.verification``: one
        row per representation (empty without ``y``); ``.settings``.
    """
    _check_counts(n_permutations, alpha, attack_splits, protocol)
    X, attributes, remove, persons = _checked_inputs(X, sensitive, remove, groups, y)
    unknown = sorted(set(keep) - set(attributes))
    if unknown:
        raise ValueError(
            f"keep={list(keep)}: {unknown} not among the attributes {list(attributes)}"
        )
    representations = {"raw": None} if representations is None else dict(representations)
    battery = default_attackers() if attackers is None else dict(attackers)
    if adaptive:
        battery["adaptive"] = adaptive_attacker()
    sizes = _attacker_sizes(attacker_people)
    codes = {name: _encode(name, values) for name, values in attributes.items()}
    streams = np.random.SeedSequence(random_state).spawn(3)  # splits, attackers, statistics
    people = np.arange(len(X)) if persons is None else persons
    parts = _parts(
        protocol, codes, people, persons is not None, n_splits, n_repeats, attack_splits, streams[0]
    )
    _check_sizes(sizes, parts, people)
    if protocol == "in-sample":
        _check_folds(parts, attributes, n_splits)
    blocks = _blocks(representations, X, y, remove, parts, protocol, fitted, n_jobs, progress)
    # One seed per part, the same for every representation: they are attacked alike.
    seeds = np.random.default_rng(streams[1]).integers(2**31, size=len(parts))
    attacks = _attack_all(
        blocks, parts, seeds, codes, people, battery, sizes, n_jobs, progress, protocol
    )
    verification = _verification_table(blocks, parts, y, n_jobs)
    _warn_single_class(attacks, parts, codes, n_repeats)
    rng = np.random.default_rng(streams[2])
    leakage = _leakage_table(
        attacks, blocks, parts, codes, persons, battery, sizes, n_permutations, alpha, rng, protocol
    )
    _add_comparisons(leakage, reference, min_gap, alpha, rng)
    _mark_collapsed(leakage, blocks)
    _set_roles(leakage, keep, alpha)
    _add_pic(leakage, verification, reference)
    settings = dict(
        protocol=protocol,
        n_splits=None if protocol == "deployment" else n_splits,
        n_repeats=None if protocol == "deployment" else n_repeats,
        attack_splits=attack_splits if isinstance(attack_splits, Integral) else "given",
        attacker_people=[None if s is None else int(s) for s in sizes],
        kept=list(keep),
        n_permutations=n_permutations,
        alpha=alpha,
        reference=reference,
        random_state=random_state,
    )
    return Audit(leakage[list(LEAKAGE_COLUMNS)], verification, settings)


def audit_splits(sensitive, groups=None, *, n_splits=5, n_repeats=1, random_state=0):
    """The outer splits :func:`audit_report` uses for these arguments.

    To fit or measure other things on exactly the audit's splits: pass them to
    :func:`fit_representations` and its result to ``audit_report(fitted=...)`` and
    :func:`feature_removal_curve`, and every figure uses the audit's fits.

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


def _check_counts(n_permutations, alpha, attack_splits, protocol):
    """Refuse a null too small to ever reject, and attackers with nothing to test on."""
    if n_permutations < min_permutations(alpha):
        raise ValueError(
            f"n_permutations={n_permutations} is too few to ever detect a leak at "
            f"alpha={alpha}: the smallest p-value {n_permutations} draws can give is "
            f"1/{n_permutations + 1} = {1 / (n_permutations + 1):.3g}, above alpha/2 = "
            f"{alpha / 2:.3g} (two metrics per row), so every row would read 'no leakage "
            f"detected'; use at least {min_permutations(alpha)}"
        )
    if isinstance(attack_splits, Integral):
        if attack_splits < 2:
            raise ValueError(
                f"attack_splits={attack_splits}: the attackers are cross-validated over "
                "the attacked subjects, trained on some folds of them and tested on "
                "another, so they need at least 2 folds"
            )
    elif protocol != "deployment":
        raise ValueError(
            "attack_splits as (train rows, test rows) pairs is for protocol='deployment'; "
            f"protocol={protocol!r} cross-validates within each split: give a number of folds"
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


def _attacker_sizes(attacker_people):
    """The attacker sizes as a tuple (None: every training person of a fold)."""
    if attacker_people is None or isinstance(attacker_people, Integral):
        return (attacker_people,)
    sizes = tuple(attacker_people)
    if not sizes or any(not isinstance(s, Integral) or s < 1 for s in sizes if s is not None):
        raise ValueError(
            f"attacker_people={attacker_people!r}: give a number of people (at least 1), a "
            "list of them (None in it: all the fold's people), or None"
        )
    return tuple(dict.fromkeys(sizes))


def _encode(name, values):
    """Label codes ``0..K-1`` and classes of an attribute; refuse missing labels."""
    check_no_missing(
        values,
        f"attribute {name!r}",
        "an attacker cannot be scored on them: drop those rows first",
    )
    classes, true = np.unique(values, return_inverse=True)
    if len(classes) < 2:
        raise ValueError(f"{name} has a single class {classes.tolist()}; nothing to attack")
    return true, classes


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
            stacklevel=4,
        )
    splits = []
    for repeat, seed in enumerate(seeds):
        cv = subject_folds(n_splits, grouped=persons is not None, random_state=int(seed))
        folds = cv.split(np.zeros(len(first)), first, persons)
        splits += [(repeat, index, train, test) for index, (train, test) in enumerate(folds)]
    return splits


def _parts(protocol, codes, people, grouped, n_splits, n_repeats, attack_splits, seed_seq):
    """The parts the attackers attack, by protocol (see :class:`_Part`)."""
    n = len(people)
    if protocol == "deployment":
        if isinstance(attack_splits, Integral):
            n_folds = min(attack_splits, len(np.unique(people)))
            seed = int(np.random.default_rng(seed_seq).integers(2**31))
            folds = tuple(person_folds(people, n_folds, random_state=seed))
        else:
            folds = tuple(_given_folds(attack_splits, people))
        rows = np.arange(n)
        return [_Part(0, 0, None, rows, folds, tuple(range(len(folds))), folds)]
    first = codes[next(iter(codes))][0]
    splits = _outer_splits(first, people if grouped else None, n_splits, n_repeats, seed_seq)
    parts = []
    for repeat, index, train, test in splits:
        if protocol == "in-sample":
            rows = np.concatenate([train, test])
            positions = np.arange(len(train), len(rows))
            folds = ((np.arange(len(train)), positions),)
            parts.append(_Part(repeat, index, train, rows, folds, (index,), folds))
            continue
        held = people[test]
        n_inner = min(attack_splits, len(np.unique(held)))
        if n_inner < 2:
            raise ValueError(
                f"outer split {index + 1} holds {len(np.unique(held))} held-out subject(s): "
                "the attackers need some to learn from and others to be tested on; use "
                "fewer outer folds (n_splits)"
            )
        splitter = subject_folds(n_inner, grouped=True)
        folds = tuple(splitter.split(np.zeros(len(test)), None, held))
        whole = ((np.arange(0), np.arange(len(test))),)
        parts.append(_Part(repeat, index, train, test, folds, (index,) * len(folds), whole))
    return parts


def _given_folds(pairs, people):
    """Explicit (train rows, test rows) pairs of the deployment protocol, checked."""
    folds = []
    n = len(people)
    for k, (train, test) in enumerate(pairs):
        train, test = np.asarray(train, dtype=int), np.asarray(test, dtype=int)
        if (
            len(train) == 0
            or len(test) == 0
            or min(train.min(), test.min()) < 0
            or max(train.max(), test.max()) >= n
        ):
            raise ValueError(f"attack_splits[{k}]: give non-empty row indices below {n}")
        shared = np.intersect1d(people[train], people[test])
        if len(shared):
            raise ValueError(
                f"attack_splits[{k}]: {len(shared)} person(s) are in both the attackers' "
                "training rows and their test rows; the folds must be subject-disjoint"
            )
        folds.append((train, test))
    tested = np.concatenate([test for _, test in folds])
    if len(np.unique(tested)) < len(tested):
        raise ValueError("attack_splits: a row is tested by two folds; test each row once")
    return folds


def _check_sizes(sizes, parts, people):
    """Refuse an attacker size larger than some fold's training persons."""
    largest = [s for s in sizes if s is not None]
    if not largest:
        return
    least = min(
        len(np.unique(people[part.rows][train])) for part in parts for train, _ in part.folds
    )
    if max(largest) > least:
        raise ValueError(
            f"attacker_people={max(largest)}: the attackers' training folds hold as few as "
            f"{least} people here; ask for at most {least}, or attack more people (fewer "
            "outer splits, more attack folds, or the deployment protocol)"
        )


def _check_folds(parts, attributes, n_splits):
    """Refuse, naming the attribute and fold, a training fold an attacker cannot learn from."""
    for part in parts:
        for name, values in attributes.items():
            classes = np.unique(values[part.fit])
            if len(classes) < 2:
                raise ValueError(
                    f"attribute {name!r}: training fold {part.index + 1} of {n_splits} holds "
                    f"a single class {classes.tolist()}, so no attacker can learn from it; "
                    "use fewer folds (n_splits) or more subjects with each class"
                )


def _blocks(representations, X, y, remove, parts, protocol, fitted, n_jobs, progress):
    """Name -> the representation of each part's rows (fitted on its fit rows)."""
    blocks = {}
    to_fit = []
    for name, rep in representations.items():
        if not _is_estimator(rep):
            Z = _fixed(name, rep, X)
            blocks[name] = [Z[part.rows] for part in parts]
        elif protocol == "deployment":
            blocks[name] = [fitted_transform(name, rep, X)]
        elif fitted is not None and name in fitted:
            blocks[name] = _given_fits(name, fitted[name], parts, protocol)
        else:
            to_fit.append(name)
    if to_fit and y is None:
        raise ValueError("audit_report needs y to fit the transformers it is given")
    y = None if y is None else np.asarray(y)
    jobs = [(name, part) for name in to_fit for part in parts]
    results = Parallel(n_jobs=n_jobs, return_as="generator")(
        delayed(_fit_part)(representations[name], X, y, remove, part.fit, part.rows)
        for name, part in jobs
    )
    bar = tqdm(results, total=len(jobs), desc=f"audit ({protocol}): fit", disable=not progress)
    for (name, _), Z in zip(jobs, bar, strict=True):
        blocks.setdefault(name, []).append(Z)
    return {name: blocks[name] for name in representations}


def _fit_part(rep, X, y, remove, fit, rows):
    """A clone of ``rep`` fitted on the ``fit`` rows, applied to ``rows``."""
    from sklearn.base import clone

    model = clone(rep).fit(X[fit], y[fit], sensitive_features=remove[fit])
    return check_array(model.transform(X[rows]), dtype=np.float64)


def _given_fits(name, pairs, parts, protocol):
    """The blocks of ``fitted[name]`` (one (Z_fit, Z_other) pair per split), checked."""
    if len(pairs) != len(parts):
        raise ValueError(
            f"fitted[{name!r}] holds {len(pairs)} splits; this audit has {len(parts)} "
            "(fit them on audit_splits() of the same arguments)"
        )
    blocks = []
    for part, (Z_fit, Z_other) in zip(parts, pairs, strict=True):
        Z = np.vstack([Z_fit, Z_other]) if protocol == "in-sample" else np.asarray(Z_other)
        if len(Z) != len(part.rows):
            raise ValueError(
                f"fitted[{name!r}]: split {part.index + 1} has {len(Z)} rows where the audit's "
                f"has {len(part.rows)} (fit them on audit_splits() of the same arguments)"
            )
        blocks.append(check_array(Z, dtype=np.float64))
    return blocks


#: Stands in for every attacker on a part whose templates are one point (up to rounding):
#: it predicts the training rows' class shares for every template. A real attacker would
#: only read rounding blown up by its own scaling, at the battery's cost; those rows are
#: "not measurable" (:func:`_mark_collapsed`) and read chance.
_ONE_POINT_ATTACKER = DummyClassifier(strategy="prior")


def _attack_all(blocks, parts, seeds, codes, people, battery, sizes, n_jobs, progress, protocol):
    """Every (representation, part, attacker) attack, in parallel; results by key."""
    jobs = [
        (name, k, attacker) for name in blocks for k in range(len(parts)) for attacker in battery
    ]
    # The costliest attackers first: the workers do not wait on one of them at the end.
    jobs.sort(key=lambda job: _cost_rank(battery[job[2]]))
    one_point = {
        (name, k) for name in blocks for k in range(len(parts)) if is_one_point(blocks[name][k])
    }
    results = Parallel(n_jobs=n_jobs, return_as="generator")(
        delayed(_attack_part)(
            {attacker: _ONE_POINT_ATTACKER if (name, k) in one_point else battery[attacker]},
            blocks[name][k],
            parts[k],
            seeds[k],
            codes,
            people,
            sizes,
        )
        for name, k, attacker in jobs
    )
    bar = tqdm(results, total=len(jobs), desc=f"audit ({protocol}): attack", disable=not progress)
    return dict(zip(jobs, bar, strict=True))


def _cost_rank(attacker):
    """0 for a search (the adaptive attacker), 1 for tree ensembles, 2 for the rest."""
    if isinstance(attacker, BaseSearchCV):
        return 0
    steps = attacker.steps if hasattr(attacker, "steps") else [(None, attacker)]
    ensembles = (BaseEnsemble, HistGradientBoostingClassifier)
    return 1 if any(isinstance(step, ensembles) for _, step in steps) else 2


def _attack_part(attacker, Z, part, seed, codes, people, sizes):
    """One attacker on one part's block, for each attribute: its :func:`cross_attack`."""
    persons = people[part.rows]
    out = {}
    for name, (true, classes) in codes.items():
        out[name] = cross_attack(
            attacker, Z, true[part.rows], persons, list(part.folds), len(classes), seed, sizes
        )
    return out


def _verification_table(blocks, parts, y, n_jobs):
    """Held-out verification of each representation: mean and spread over the parts."""
    if y is None:
        return pd.DataFrame(columns=list(VERIFICATION_COLUMNS))
    y = np.asarray(y)
    jobs = [
        (name, blocks[name][k][positions], y[part.rows][positions])
        for name in blocks
        for k, part in enumerate(parts)
        for _, positions in part.verify
    ]
    reports = Parallel(n_jobs=n_jobs)(
        delayed(_verification)(Z, subjects) for _, Z, subjects in jobs
    )
    rows = []
    for name in blocks:
        values = np.array(
            [r for (n, _, _), r in zip(jobs, reports, strict=True) if n == name and r]
        )
        if len(values):
            rows.append(
                {
                    "representation": name,
                    "roc_auc": values[:, 0].mean(),
                    "roc_auc_std": values[:, 0].std(),
                    "accuracy": values[:, 1].mean(),
                    "accuracy_std": values[:, 1].std(),
                    "eer": values[:, 2].mean(),
                    "eer_std": values[:, 2].std(),
                }
            )
    return pd.DataFrame(rows)


def _verification(Z, subjects):
    """(ROC AUC, accuracy, EER) of one part's verification; None without both kinds of pair."""
    _, counts = np.unique(subjects, return_counts=True)
    n_genuine = int(np.sum(counts * (counts - 1) // 2))
    if n_genuine < 2 or len(counts) < 2:
        return None
    report = verification_report(Z, subjects, n_folds=max(2, min(10, n_genuine)))
    return report["roc_auc"], report["accuracy"], report["eer"]


def _warn_single_class(attacks, parts, codes, n_repeats):
    """One warning per attribute, naming the parts where an attacker saw one class."""
    for name in codes:
        where, single, total = set(), 0, 0
        for (_, k, _), result in attacks.items():
            counts = result[name][4]
            single += sum(counts.values())
            total += len(parts[k].folds) * len(counts)
            if any(counts.values()):
                where.add((parts[k].repeat, parts[k].index))
        if not single:
            continue
        named = ", ".join(
            f"{index + 1}" + (f" (repetition {repeat + 1})" if n_repeats > 1 else "")
            for repeat, index in sorted(where)
        )
        warnings.warn(
            f"attribute {name!r}: in outer split {named}, the subjects some attackers "
            f"were trained on all showed one class ({single} of {total} attacker trainings); "
            "there the attackers learn nothing and give every template the same "
            "prediction and scores. Fewer outer splits (n_splits, --folds) leave more "
            "subjects to train on",
            UserWarning,
            stacklevel=3,
        )


def _leakage_table(
    attacks, blocks, parts, codes, persons, battery, sizes, n_permutations, alpha, rng, protocol
):
    """One row per (representation, attribute, attacker, size), with nulls, CIs and verdicts."""
    n = len(codes[next(iter(codes))][0])
    n_repeats = max(part.repeat for part in parts) + 1
    tested = np.zeros((n_repeats, n), dtype=bool)
    units = np.full((n_repeats, n), -1)
    for part in parts:
        for (_, test), unit in zip(part.folds, part.units, strict=True):
            tested[part.repeat, part.rows[test]] = True
            units[part.repeat, part.rows[test]] = unit
    scored = tested.all(axis=0)  # every repetition scores the same rows
    units = np.stack([np.unique(u[scored], return_inverse=True)[1] for u in units])
    scored_persons = None if persons is None else np.unique(persons[scored], return_inverse=True)[1]
    rows = []
    for attribute, (true, classes) in codes.items():
        truth = true[scored]
        people = np.arange(len(truth)) if scored_persons is None else scored_persons
        across = permuted_across_subjects(truth, people, n_permutations, rng)
        within = None
        if scored_persons is not None:
            within = permuted_within_subjects(truth, scored_persons, n_permutations, rng)
        for rep in blocks:
            for attacker in battery:
                for size in sizes:
                    predicted = np.zeros((n_repeats, n), dtype=int)
                    scores = np.zeros((n_repeats, n, len(classes)))
                    held = []
                    for k, part in enumerate(parts):
                        by_size, part_tested, _, people_held, _ = attacks[(rep, k, attacker)][
                            attribute
                        ]
                        p, s = by_size[size][attacker]
                        where = part.rows[part_tested]
                        predicted[part.repeat, where] = p[part_tested]
                        scores[part.repeat, where] = s[part_tested]
                        held += people_held[size]
                    rows.append(
                        {
                            "representation": rep,
                            "attribute": attribute,
                            "attacker": attacker,
                            "protocol": protocol,
                            "attacker_people": min(held),
                            "attacker_people_max": max(held),
                            "tested_people": len(np.unique(people)),
                            **row_statistics(
                                truth,
                                predicted[:, scored],
                                scores[:, scored],
                                units,
                                scored_persons,
                                across,
                                within,
                                alpha,
                                rng,
                            ),
                        }
                    )
    return pd.DataFrame(rows)


def _mark_collapsed(leakage, blocks):
    """Rows of a representation that is one point in every part: not measurable, and why.

    Attackers scale their input (a ``StandardScaler``, a whitening), which blows rounding
    differences between the templates of a collapsed representation up to unit variance:
    their figures then look like measurements and measure nothing.
    """
    for name, parts in blocks.items():
        if all(is_one_point(Z) for Z in parts):
            rows = leakage.representation == name
            leakage.loc[rows, "verdict"] = "not measurable"
            leakage.loc[rows, "note"] = (
                "collapsed: the representation maps every template to one point (up to "
                "rounding), so its figures measure nothing"
            )


def _set_roles(leakage, keep, alpha):
    """``role`` of each row, and the verdicts of the attributes that should survive."""
    kept = leakage.attribute.isin(list(keep))
    leakage.insert(leakage.columns.get_loc("attribute") + 1, "role", "removed")
    leakage.loc[kept, "role"] = "kept"
    reads = (leakage.balanced_accuracy_p <= alpha / 2) & (
        leakage.balanced_accuracy > leakage.null_balanced_accuracy
    ) | (leakage.within_auc_p <= alpha / 2) & (leakage.within_auc > 0.5)
    measurable = leakage.verdict != "not measurable"
    leakage.loc[kept & measurable, "verdict"] = np.where(reads[kept & measurable], "kept", "lost")


def _add_pic(leakage, verification, reference):
    """PIC of each removed attribute's row against the reference's row and verification."""
    leakage["pic"] = np.nan
    eer = dict(zip(verification.representation, verification.eer, strict=True))
    if reference not in eer:
        return
    keys = ["attribute", "attacker", "attacker_people"]
    base = leakage[leakage.representation == reference].set_index(keys).balanced_accuracy
    for index, row in leakage.iterrows():
        key = tuple(row[k] for k in keys)
        if row.role == "removed" and row.representation in eer and key in base.index:
            leakage.loc[index, "pic"] = pic_score(
                base.loc[key], row.balanced_accuracy, eer[reference], eer[row.representation]
            )


def _add_comparisons(leakage, reference, min_gap, alpha, rng):
    """The paper's Diff and paired differences to the reference, on the same folds/persons."""
    for column in ("diff", "balanced_accuracy_minus_reference", "within_auc_minus_reference"):
        leakage[column] = np.nan
    for suffix in ("ci_low", "ci_high"):
        leakage[f"balanced_accuracy_minus_reference_{suffix}"] = np.nan
        leakage[f"within_auc_minus_reference_{suffix}"] = np.nan
    if reference not in set(leakage.representation):
        return
    keys = ["attribute", "attacker", "attacker_people"]
    base = leakage[leakage.representation == reference].set_index(keys)
    for index, row in leakage.iterrows():
        key = tuple(row[k] for k in keys)
        if key not in base.index:  # the reference's attacker held another number of people
            continue
        ref = base.loc[key]
        if ref.balanced_accuracy - row.chance >= min_gap:
            diff = diff_score(ref.balanced_accuracy, row.balanced_accuracy, row.chance)
            leakage.loc[index, "diff"] = diff
            if not 0 <= diff <= 1:
                why = (
                    "the attacker reads below chance here"
                    if diff > 1
                    else f"the attacker reads more here than on {reference!r}"
                )
                note = f"Diff {diff:.3f} outside [0, 1]: {why}"
                leakage.loc[index, "note"] = "; ".join(filter(None, [row.note, note]))
        for metric, units, ref_units in (
            ("balanced_accuracy", row._folds, ref._folds),
            ("within_auc", row._persons, ref._persons),
        ):
            paired = units - ref_units
            paired = paired[np.isfinite(paired)]
            if len(paired):
                name = f"{metric}_minus_reference"
                leakage.loc[index, name] = paired.mean()
                for key_, value in bootstrap_interval(name, paired, alpha, rng).items():
                    leakage.loc[index, key_] = value
