"""The held-out attacker protocol: attackers never see the blinding model's training rows."""

import re
import warnings

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from scipy.stats import norm
from sklearn.base import BaseEstimator, ClassifierMixin, TransformerMixin
from sklearn.linear_model import LogisticRegression
from sklearn.metrics import roc_auc_score

from skblind.datasets import make_blinding_problem
from skblind.evaluation import audit_report, within_identity_auc
from skblind.suppression import LEACEEraser

LR = {"LR": LogisticRegression(max_iter=2000)}
FAST = dict(attackers=LR, adaptive=False, progress=False)


def people(n_persons, n_per, n_features, seed, shift=0.0, own=0.0):
    """Persons with a class that moves each image along a shared and an own direction."""
    rng = np.random.default_rng(seed)
    persons = np.repeat(np.arange(n_persons), n_per)
    s = rng.integers(0, 2, len(persons))
    X = rng.normal(scale=2.0, size=(n_persons, n_features))[persons]
    X += rng.normal(size=X.shape)
    shared = np.zeros(n_features)
    shared[0] = 1.0
    directions = rng.normal(size=(n_persons, n_features))
    directions /= np.linalg.norm(directions, axis=1, keepdims=True)
    X += s[:, None] * (shift * shared + own * directions[persons])
    return X, s, persons


def test_an_eraser_that_overfits_looks_blind_in_sample_and_leaks_held_out():
    """LEACE fitted on 60 rows of 200-d templates: blind on its own rows, not on others.

    Over ten draws of the audit's splits and attackers: in-sample, no leak is detected in
    at least eight (an attacker trained on the rows LEACE was fitted on learns noise,
    which a two-sided test rejects now and then, as an inverted within-identity AUC), and
    the balanced accuracy stays within its noise floor of chance; held out, every draw
    leaks.
    """
    X, s, persons = people(12, 10, 200, seed=0, shift=3.0, own=1.0)
    reports = {
        protocol: [
            audit_report(
                X,
                s,
                groups=persons,
                y=persons,
                representations={"LEACE": LEACEEraser()},
                protocol=protocol,
                n_splits=2,  # LEACE is fitted on 6 persons: 60 rows
                random_state=seed,
                **FAST,
            ).leakage.iloc[0]
            for seed in range(10)
        ]
        for protocol in ("in-sample", "held-out")
    }
    in_sample = reports["in-sample"]
    assert sum(r.verdict == "no leakage detected" for r in in_sample) >= 8
    assert all(abs(r.balanced_accuracy - 0.5) <= r.balanced_accuracy_mde for r in in_sample)
    assert all(r.verdict == "leaks" and r.within_auc > 0.7 for r in reports["held-out"])


def test_a_planted_leak_is_detected_with_an_interval_covering_its_size():
    """One feature moves by delta with the class inside each person: true AUC Phi(delta/sqrt 2)."""
    delta = 1.0
    rng = np.random.default_rng(1)
    persons = np.repeat(np.arange(60), 8)
    s = np.tile([0, 1], 240)
    X = rng.normal(size=(480, 4)) + rng.normal(scale=2.0, size=(60, 4))[persons]
    X[:, 0] += delta * s
    row = audit_report(X, s, groups=persons, **FAST).leakage.iloc[0]
    truth = norm.cdf(delta / np.sqrt(2))
    print(truth, row.within_auc, row.within_auc_ci_low, row.within_auc_ci_high)
    assert row.verdict == "leaks" and row.within_auc_p < 0.01
    assert row.within_auc_ci_low <= truth <= row.within_auc_ci_high


def test_without_signal_the_verdict_holds_its_level():
    """No planted signal: "no leakage detected" in at least 18 of 20 seeds."""
    verdicts = []
    for seed in range(20):
        X, s, persons = people(20, 6, 8, seed=seed)
        row = audit_report(
            X, s, groups=persons, n_permutations=100, random_state=seed, **FAST
        ).leakage.iloc[0]
        verdicts.append(row.verdict)
    assert verdicts.count("no leakage detected") >= 18, verdicts


class _RowIds(TransformerMixin, BaseEstimator):
    """A representation that records which rows (column 0 holds ids) it was fitted on."""

    seen = []

    def fit(self, X, y=None, sensitive_features=None):
        _RowIds.seen.append(("model", frozenset(X[:, 0].astype(int))))
        return self

    def transform(self, X):
        return X


class _SpyProbe(ClassifierMixin, BaseEstimator):
    """An attacker that records which rows it was trained on."""

    def fit(self, X, y):
        _RowIds.seen.append(("attacker", frozenset(X[:, 0].astype(int))))
        self.classes_ = np.unique(y)
        return self

    def predict(self, X):
        return np.full(len(X), self.classes_[0])

    def predict_proba(self, X):
        return np.tile(np.eye(len(self.classes_))[0], (len(X), 1))


@pytest.mark.parametrize("protocol", ["held-out", "in-sample"])
def test_who_the_attackers_are_trained_on(protocol):
    """Three outer splits: each model is fitted on two thirds of the rows. A held-out
    attacker's rows avoid the rows of exactly one model (its split's), a third of the
    data; an in-sample attacker's rows lie within one model's."""
    X, s, persons = people(12, 4, 3, seed=0)
    X[:, 0] = np.arange(len(X))
    _RowIds.seen = []
    audit_report(
        X,
        s,
        groups=persons,
        y=persons,
        representations={"spy": _RowIds()},
        attackers={"spy": _SpyProbe()},
        adaptive=False,
        protocol=protocol,
        n_splits=3,
        progress=False,
    )
    models = [rows for who, rows in _RowIds.seen if who == "model"]
    attacked = [rows for who, rows in _RowIds.seen if who == "attacker"]
    assert len(models) == 3
    everything = frozenset(range(len(X)))
    for rows in attacked:
        if protocol == "held-out":  # never one of its model's training rows
            avoided = [model for model in models if not rows & model]
            assert len(avoided) == 1 and rows <= everything - avoided[0]
        else:  # the paper's: the model's training rows (class-balanced)
            assert any(rows <= model for model in models)
    assert len(attacked) == (12 if protocol == "held-out" else 3)


@settings(max_examples=60, deadline=None)
@given(
    st.integers(2, 3).flatmap(
        lambda k: st.lists(
            st.tuples(st.integers(0, 4), st.integers(0, k - 1), st.integers(-3, 3)),
            min_size=2,
            max_size=40,
        ).map(lambda rows: (k, rows))
    ),
    st.integers(0, 2**16),
)
def test_within_identity_auc_equals_a_brute_force_computation(problem, seed):
    k, rows = problem
    persons, true, base = (np.array(column) for column in zip(*rows, strict=True))
    persons = np.unique(persons, return_inverse=True)[1]
    rng = np.random.default_rng(seed)
    present = np.unique(true)
    scores = base[:, None] + rng.integers(-1, 2, size=(len(base), k))  # ties on purpose
    mean, per_person = within_identity_auc(true, scores[:, present].astype(float), persons)
    expected = []
    for person in range(persons.max() + 1):
        mine = persons == person
        classes = np.unique(true[mine])
        if len(classes) < 2:
            expected.append(np.nan)
            continue
        expected.append(np.mean([roc_auc_score(true[mine] == c, scores[mine, c]) for c in classes]))
    np.testing.assert_allclose(per_person, expected, equal_nan=True)
    known = np.array(expected)[np.isfinite(expected)]
    if len(known):
        assert mean == pytest.approx(known.mean())
    else:
        assert np.isnan(mean)


def test_parallel_repeated_audits_are_reproducible_and_paired():
    X, s, persons = people(16, 6, 6, seed=3, shift=2.0)
    noise = np.random.default_rng(0).normal(size=X.shape)
    options = dict(
        groups=persons,
        representations={"raw": None, "noise": noise},
        n_splits=4,
        n_repeats=2,
        n_permutations=50,
        **FAST,
    )
    serial = audit_report(X, s, n_jobs=None, **options).leakage
    parallel = audit_report(X, s, n_jobs=2, **options).leakage
    numeric = serial.select_dtypes("number").columns
    np.testing.assert_allclose(serial[numeric], parallel[numeric])
    raw = serial.set_index("representation").loc["raw"]
    assert raw.balanced_accuracy_minus_reference == 0 == raw.within_auc_minus_reference
    blank = serial.set_index("representation").loc["noise"]
    assert blank.verdict == "no leakage detected" and raw.verdict == "leaks"
    assert blank.within_auc_minus_reference_ci_high < 0  # noise reads less than raw


def test_a_single_class_training_is_warned_once_naming_the_split():
    data = make_blinding_problem(
        n_subjects=12, n_per_subject=4, n_features=8, identity_dim=4, random_state=0
    )
    rare = np.isin(data.subject, [0, 1]).astype(int)  # two of twelve people show it
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        audit_report(
            data.X,
            {"rare": rare},
            groups=data.subject,
            n_splits=3,
            n_permutations=40,
            **FAST,
        )
    messages = [str(w.message) for w in caught if "showed one class" in str(w.message)]
    assert len(messages) == 1, messages
    assert re.search(r"attribute 'rare': in outer split [1-3](, [1-3])*, ", messages[0])
