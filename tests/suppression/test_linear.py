import joblib
import numpy as np
import pytest
import sklearn
import torch
from sklearn.linear_model import LogisticRegression
from sklearn.metrics import balanced_accuracy_score
from sklearn.model_selection import GroupKFold, cross_val_predict
from sklearn.pipeline import Pipeline

from skblind.datasets import make_blinding_problem
from skblind.suppression import INLPEraser, LEACEEraser


@pytest.fixture(scope="module")
def linear_problem():
    return make_blinding_problem(n_subjects=300, sensitive_strength=2.0, random_state=0)


def linear_leakage(Z, sensitive, subject):
    predicted = cross_val_predict(
        LogisticRegression(max_iter=3000), Z, sensitive, groups=subject, cv=GroupKFold(5)
    )
    return balanced_accuracy_score(sensitive, predicted)


@pytest.mark.parametrize("eraser", [LEACEEraser(), LEACEEraser(method="orth"), INLPEraser()])
def test_linear_probe_drops_to_chance(eraser, linear_problem):
    """Fitted on 200 subjects, probed on 100 others (an eraser fitted on the probed data
    equalises the class means of the whole sample, which drives cross-validated probes
    below chance)."""
    data = linear_problem
    train, test = data.subject < 200, data.subject >= 200
    s, g = data.sensitive[test], data.subject[test]
    assert linear_leakage(data.X[test], s, g) > 0.95
    eraser.fit(data.X[train], sensitive_features=data.sensitive[train])
    Z = eraser.transform(data.X[test])
    assert Z.shape == data.X[test].shape
    assert abs(linear_leakage(Z, s, g) - 0.5) < 0.05


def test_leace_equals_concept_erasure(linear_problem):
    from concept_erasure import LeaceEraser

    data = linear_problem
    ours = LEACEEraser().fit(data.X, sensitive_features=data.sensitive).transform(data.X)
    x = torch.as_tensor(data.X, dtype=torch.float64)
    z = torch.nn.functional.one_hot(torch.as_tensor(data.sensitive)).to(torch.float64)
    reference = LeaceEraser.fit(x, z)(x).numpy()
    np.testing.assert_allclose(ours, reference, atol=1e-8)


def test_inlp_records_its_iterations(linear_problem):
    data = linear_problem
    eraser = INLPEraser(n_iterations=20).fit(data.X, sensitive_features=data.sensitive)
    assert eraser.scores_[0] > 0.9 and eraser.scores_[-1] < 0.6
    assert len(eraser.directions_) < 20  # stopped early, at chance
    np.testing.assert_allclose(
        eraser.directions_ @ eraser.directions_.T, np.eye(len(eraser.directions_)), atol=1e-8
    )


def test_routing_pickling_and_errors(linear_problem, tmp_path):
    data = linear_problem
    with sklearn.config_context(enable_metadata_routing=True):
        pipe = Pipeline(
            [
                ("erase", LEACEEraser().set_fit_request(sensitive_features=True)),
                ("clf", LogisticRegression(max_iter=2000)),
            ]
        )
        pipe.fit(data.X, data.subject, sensitive_features=data.sensitive)
    joblib.dump(pipe, tmp_path / "pipe.joblib")
    restored = joblib.load(tmp_path / "pipe.joblib")
    np.testing.assert_array_equal(restored[:-1].transform(data.X), pipe[:-1].transform(data.X))
    with pytest.raises(ValueError, match="requires sensitive_features"):
        LEACEEraser().fit(data.X)
    with pytest.raises(ValueError, match="at least two classes"):
        INLPEraser().fit(data.X, sensitive_features=np.zeros(len(data.X)))


# Reported defect (reliability issue, degenerate collapse: an output without variance); the test
# failed on the code before the fix.


def test_an_output_without_variance_is_warned_about(tiny):
    with pytest.warns(UserWarning, match="LEACEEraser: the output has collapsed"):
        LEACEEraser().fit(tiny.X[:, :1], sensitive_features=tiny.sensitive)
