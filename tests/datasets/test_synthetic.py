import numpy as np
import pytest
from sklearn.linear_model import LogisticRegression
from sklearn.metrics import balanced_accuracy_score
from sklearn.model_selection import GroupKFold, cross_val_predict
from sklearn.svm import SVC

from skblind.datasets import make_blinding_problem
from skblind.evaluation import verification_roc_auc


def probe_score(probe, data):
    predicted = cross_val_predict(
        probe, data.X, data.sensitive, groups=data.subject, cv=GroupKFold(5)
    )
    return balanced_accuracy_score(data.sensitive, predicted)


def test_seeded_and_shaped():
    a = make_blinding_problem(n_subjects=10, n_per_subject=4, n_features=32, random_state=3)
    b = make_blinding_problem(n_subjects=10, n_per_subject=4, n_features=32, random_state=3)
    np.testing.assert_array_equal(a.X, b.X)
    assert a.X.shape == (40, 32) and a.X.dtype == np.float32
    assert a.chance == 0.5
    c = make_blinding_problem(n_subjects=10, n_per_subject=4, n_features=32, random_state=4)
    assert not np.allclose(a.X, c.X)


def test_identity_is_planted():
    data = make_blinding_problem(random_state=0)
    assert verification_roc_auc(data.X, data.subject) > 0.95


def test_strength_controls_leakage():
    strong = make_blinding_problem(sensitive_strength=3.0, random_state=0)
    none = make_blinding_problem(sensitive_strength=0.0, random_state=0)
    assert probe_score(LogisticRegression(max_iter=2000), strong) > 0.85
    assert abs(probe_score(LogisticRegression(max_iter=2000), none) - 0.5) < 0.08


def test_nonlinear_factor_hides_from_linear_probes_only():
    data = make_blinding_problem(sensitive_strength=6.0, nonlinearity=1.0, random_state=0)
    assert abs(probe_score(LogisticRegression(max_iter=2000), data) - 0.5) < 0.08
    assert probe_score(SVC(), data) > 0.7


def test_multiclass_and_bad_parameters():
    data = make_blinding_problem(n_sensitive_classes=4, random_state=0)
    assert set(np.unique(data.sensitive)) == {0, 1, 2, 3} and data.chance == 0.25
    with pytest.raises(ValueError, match="nonlinearity"):
        make_blinding_problem(nonlinearity=2)
    with pytest.raises(ValueError, match="too small"):
        make_blinding_problem(n_features=8)
