"""The face-template literature's baselines: IVE (Terhörst et al. 2019) and PASS (Dhar et al.)."""

import numpy as np
import pytest
from sklearn.ensemble import RandomForestClassifier
from sklearn.metrics import balanced_accuracy_score
from sklearn.model_selection import GroupKFold, cross_val_predict

from skblind.datasets import make_blinding_problem
from skblind.evaluation import verification_roc_auc
from skblind.suppression import IVEEraser, PASSSuppressor
from skblind.suppression._modules import AdversaryEnsemble


@pytest.fixture(scope="module")
def problem():
    """The planted attribute in a few directions of 16 features: trees can find them."""
    return make_blinding_problem(
        n_subjects=60, n_features=16, identity_dim=8, sensitive_strength=4.0, random_state=0
    )


def forest_leakage(Z, data, rows):
    predicted = cross_val_predict(
        RandomForestClassifier(n_estimators=100, random_state=0),
        Z,
        data.sensitive[rows],
        groups=data.subject[rows],
        cv=GroupKFold(4),
    )
    return balanced_accuracy_score(data.sensitive[rows], predicted)


def test_ive_eliminates_the_dimensions_that_tell_the_attribute(problem):
    """Fitted on 40 subjects, probed on 20 others: leakage falls, and it is the eliminated
    dimensions (zeroed) that carried it."""
    train, test = problem.subject < 40, problem.subject >= 40
    ive = IVEEraser(n_eliminate=6, step=2, random_state=0)
    ive.fit(problem.X[train], sensitive_features=problem.sensitive[train])
    Z = ive.transform(problem.X[test])
    assert len(ive.eliminated_) == len(set(ive.eliminated_)) == 6
    assert np.all(Z[:, ive.eliminated_] == 0)
    kept = np.setdiff1d(np.arange(16), ive.eliminated_)
    np.testing.assert_array_equal(Z[:, kept], problem.X[test][:, kept])
    before = forest_leakage(problem.X[test], problem, test)
    after = forest_leakage(Z, problem, test)
    assert before > 0.8 and after < before - 0.1, (before, after)  # measured: 1.00 -> 0.84
    assert len(ive.scores_) == 3 and ive.scores_[0] > 0.8  # out-of-bag, one per round


def test_ive_counts_shares_and_refuses_eliminating_everything(problem):
    ive = IVEEraser(n_eliminate=0.25, step=0.125, random_state=0)
    ive.fit(problem.X, sensitive_features=problem.sensitive)
    assert len(ive.eliminated_) == 4 and len(ive.scores_) == 2
    with pytest.raises(ValueError, match="eliminate 16 of the 16"):
        IVEEraser(n_eliminate=16).fit(problem.X, sensitive_features=problem.sensitive)


def test_ive_is_reproducible(problem):
    fits = [
        IVEEraser(n_eliminate=4, step=1, random_state=3)
        .fit(problem.X, sensitive_features=problem.sensitive)
        .eliminated_
        for _ in range(2)
    ]
    np.testing.assert_array_equal(*fits)


FAST = dict(max_epochs=6, batch_size=64, progress=False, random_state=0, device="cpu")


def test_pass_reinitializes_each_discriminator_in_turn(problem, monkeypatch):
    drawn = []
    original = AdversaryEnsemble.reinitialize

    def record(self, index):
        drawn.append(index)
        return original(self, index)

    monkeypatch.setattr(AdversaryEnsemble, "reinitialize", record)
    PASSSuppressor(n_adversaries=2, reinit_every=1, **{**FAST, "max_epochs": 5}).fit(
        problem.X, problem.subject, sensitive_features=problem.sensitive
    )
    assert drawn == [0, 1, 0, 1, 0]
    drawn.clear()
    PASSSuppressor(n_adversaries=3, reinit_every=0, **FAST).fit(
        problem.X, problem.subject, sensitive_features=problem.sensitive
    )
    assert drawn == []


def test_pass_hides_the_attribute_from_people_it_never_saw_and_keeps_identity(problem):
    """Against lam=0 (the same net with the confusion switched off): a forest probe on 20
    held-out subjects reads the attribute less, and verification stays high."""
    train, test = problem.subject < 40, problem.subject >= 40
    fitted = {
        lam: PASSSuppressor(lam=lam, **{**FAST, "max_epochs": 20}).fit(
            problem.X[train], problem.subject[train], sensitive_features=problem.sensitive[train]
        )
        for lam in (0.0, 5.0)
    }
    leak = {
        lam: forest_leakage(m.transform(problem.X[test]), problem, test)
        for lam, m in fitted.items()
    }
    auc = {
        lam: verification_roc_auc(m.transform(problem.X[test]), problem.subject[test])
        for lam, m in fitted.items()
    }
    assert leak[5.0] < leak[0.0] - 0.1, leak
    assert auc[5.0] > 0.9, auc
    history = fitted[5.0].history_
    assert {"main", "suppression", "adversary_accuracy"} <= set(history.columns)
    assert len(fitted[5.0].net_.adversary_.members) == 4
