"""Attacker size in the audit: how many people an attacker held, its learning curve, the
deployment protocol, and the audit's result object."""

import matplotlib.pyplot as plt
import numpy as np
import pytest
from sklearn.base import BaseEstimator, ClassifierMixin
from sklearn.linear_model import LogisticRegression

from skblind.datasets import make_blinding_problem
from skblind.evaluation import (
    LEAKAGE_COLUMNS,
    VERIFICATION_COLUMNS,
    Audit,
    audit_report,
    plot_attacker_curve,
)
from skblind.suppression import LEACEEraser

LR = {"LR": LogisticRegression(max_iter=2000)}
QUICK = dict(attackers=LR, adaptive=False, n_permutations=40, progress=False)


@pytest.fixture(scope="module")
def data():
    return make_blinding_problem(n_subjects=40, random_state=0)


def weak_shared(n_subjects, seed):
    """Persons in 100 dimensions whose attribute moves them along a weak shared direction:
    an attacker must learn from many people to find it."""
    rng = np.random.default_rng(seed)
    persons = np.repeat(np.arange(n_subjects), 10)
    s = np.tile([0, 1], 5 * n_subjects)
    X = rng.normal(scale=3.0, size=(n_subjects, 100))[persons] + rng.normal(size=(len(s), 100))
    X[:, 0] += 0.8 * s
    return X, s, persons


def test_every_row_says_how_many_people_its_attacker_held(data):
    # 40 people, 5 outer splits: 8 held out, 4 attack folds of 2: each attacker held 6
    audit = audit_report(data.X, data.sensitive, groups=data.subject, y=data.subject, **QUICK)
    row = audit.leakage.iloc[0]
    assert (row.attacker_people, row.attacker_people_max, row.tested_people) == (6, 6, 40)
    deployed = audit_report(
        data.X, data.sensitive, groups=data.subject, protocol="deployment", **QUICK
    )
    # the same people, attacked as a deployed model's: 4 folds over all 40, 30 held
    assert deployed.leakage.iloc[0].attacker_people == 30


def test_the_attacker_learning_curve_scores_the_same_rows_with_nested_people():
    X, s, persons = weak_shared(160, seed=0)
    audit = audit_report(
        X,
        s,
        groups=persons,
        protocol="deployment",
        attacker_people=[4, 16, 100],
        **QUICK,
    )
    rows = audit.leakage.set_index("attacker_people")
    assert rows.index.tolist() == [4, 16, 100]
    assert (rows.tested_people == 160).all() and (rows.n_within_persons == 160).all()
    # the weak shared direction is found with enough people (measured over four draws of
    # this problem: 0.52-0.55 at 4 people, 0.59-0.64 at 100, intervals apart every time)
    assert rows.within_auc[100] > rows.within_auc[16] > rows.within_auc[4]
    assert rows.within_auc_ci_low[100] > rows.within_auc_ci_high[4]
    assert rows.verdict[100] == "leaks"
    fig = audit.plot_attacker_curve()
    line = fig.axes[0].get_lines()[0]
    np.testing.assert_array_equal(line.get_xdata(), [4, 16, 100])
    np.testing.assert_allclose(line.get_ydata(), rows.within_auc.to_numpy())
    plt.close(fig)


def test_an_attacker_larger_than_the_data_is_refused_naming_the_largest(data):
    with pytest.raises(ValueError, match="attacker_people=50: .* as few as 6 people here"):
        audit_report(data.X, data.sensitive, groups=data.subject, attacker_people=[2, 50], **QUICK)


class _Recorder(ClassifierMixin, BaseEstimator):
    """An attacker that records the persons (column 0 holds them) it was trained on."""

    trained = []

    def fit(self, X, y):
        _Recorder.trained.append(frozenset(X[:, 0].astype(int)))
        self.classes_ = np.unique(y)
        return self

    def predict(self, X):
        return np.full(len(X), self.classes_[0])

    def predict_proba(self, X):
        return np.tile(np.eye(len(self.classes_))[0], (len(X), 1))


def test_smaller_attackers_hold_some_of_the_larger_ones_people_never_tested_ones():
    X, s, persons = weak_shared(40, seed=1)
    X[:, 0] = persons
    _Recorder.trained = []
    audit_report(
        X,
        s,
        groups=persons,
        attackers={"recorder": _Recorder()},
        adaptive=False,
        protocol="deployment",
        attack_splits=4,
        attacker_people=[3, 12, None],
        n_permutations=40,
        progress=False,
    )
    trained = _Recorder.trained
    assert [len(t) for t in trained] == [3, 12, 30] * 4  # per fold: 3, 12, all 30
    for fold in range(4):
        small, medium, every = trained[3 * fold : 3 * fold + 3]
        assert small <= medium <= every
    tested = [set(range(40)) - every for every in trained[2::3]]
    assert set().union(*tested) == set(range(40))  # each person tested once, by others


def test_the_deployment_protocol_attacks_given_populations_with_a_fitted_model():
    X, s, persons = weak_shared(60, seed=2)
    A, B, C = persons < 20, (persons >= 20) & (persons < 50), persons >= 50
    blinder = LEACEEraser().fit(X[A], sensitive_features=s[A])  # population A
    rest = ~A
    train, test = np.flatnonzero(B[rest]), np.flatnonzero(C[rest])
    audit = audit_report(
        X[rest],
        s[rest],
        groups=persons[rest],
        y=persons[rest],
        representations={"raw": None, "LEACE": blinder},
        protocol="deployment",
        attack_splits=[(train, test)],
        attacker_people=[5, 30],
        **QUICK,
    )
    table = audit.leakage
    assert set(table.tested_people) == {10} and set(table.attacker_people) == {5, 30}
    assert set(table.protocol) == {"deployment"}
    assert list(audit.verification.representation) == ["raw", "LEACE"]
    with pytest.raises(ValueError, match="representation 'unfitted' is not fitted"):
        audit_report(
            X[rest],
            s[rest],
            groups=persons[rest],
            y=persons[rest],
            representations={"unfitted": LEACEEraser()},
            protocol="deployment",
            **QUICK,
        )
    shared = (np.flatnonzero(B[rest]), np.flatnonzero(B[rest]))
    with pytest.raises(ValueError, match=r"attack_splits\[0\]: 30 person\(s\) are in both"):
        audit_report(
            X[rest],
            s[rest],
            groups=persons[rest],
            protocol="deployment",
            attack_splits=[shared],
            **QUICK,
        )
    with pytest.raises(ValueError, match="pairs is for protocol='deployment'"):
        audit_report(X[rest], s[rest], groups=persons[rest], attack_splits=[(train, test)], **QUICK)


def test_the_audit_is_one_documented_result(data):
    audit = audit_report(
        data.X,
        {"smiling": data.sensitive},
        groups=data.subject,
        y=data.subject,
        representations={"raw": None, "LEACE": LEACEEraser()},
        attacker_people=[2, 6],
        **QUICK,
    )
    assert isinstance(audit, Audit)
    assert list(audit.leakage.columns) == list(LEAKAGE_COLUMNS)
    assert list(audit.verification.columns) == list(VERIFICATION_COLUMNS)
    assert audit.settings["protocol"] == "held-out" and audit.settings["attacker_people"] == [2, 6]
    frame = audit.to_frame()
    frame.loc[0, "verdict"] = "edited"
    assert audit.leakage.loc[0, "verdict"] != "edited"  # a copy
    summary = audit.summary()
    assert len(summary) == 4 and set(summary.attacker_people) == {2, 6}
    assert (summary.attackers == 1).all() and summary.verification_roc_auc.notna().all()
    assert "attacker_people=[2, 6]" in repr(audit)
    # Diff and the paired differences compare attackers of the same size
    leace = audit.leakage[audit.leakage.representation == "LEACE"].set_index("attacker_people")
    assert leace["diff"].notna().all()
    plt.close(audit.plot())


def test_plot_attacker_curve_names_what_it_needs():
    with pytest.raises(ValueError, match="metric must be"):
        plot_attacker_curve(__import__("pandas").DataFrame({"attribute": ["s"]}), metric="accuracy")


def test_a_collapsed_representation_is_audited_not_crashed_on():
    """A margin that keeps nothing (too few people) maps every template to one point: the
    battery (the whitening MLP included) reads chance there, flagged as constant."""
    data = make_blinding_problem(n_subjects=20, random_state=0)
    rounding = np.random.default_rng(0).normal(scale=1e-13, size=data.X.shape)
    collapsed = 0.3 + rounding  # one point up to rounding, as the margin keeping nothing gives
    audit = audit_report(
        data.X,
        data.sensitive,
        groups=data.subject,
        representations={"collapsed": collapsed},
        protocol="deployment",
        n_permutations=40,
        progress=False,
    )
    rows = audit.leakage
    # issue 27: not "no leakage detected" (as the demo's summary said of the collapsed
    # Blinder, at "0.500 [0.500, 0.500]; noise floor 0.000"), but not measurable, and why
    assert len(rows) == 8 and (rows.verdict == "not measurable").all()
    assert rows.note.str.startswith("collapsed: the representation maps every template").all()
    # No attacker is trained on rounding blown up by its scaling: each reads chance exactly.
    assert (rows.within_auc == 0.5).all() and (rows.balanced_accuracy == 0.5).all()
    [line] = audit.verdicts()
    assert line == (
        "collapsed: sensitive not measurable by 8 attackers holding 15 people: the "
        "representation maps every template to one point"
    )
