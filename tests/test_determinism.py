"""The same random_state gives identical embeddings, suppressor outputs and reports on CPU."""

import numpy as np
import pandas as pd
import pytest
from sklearn.base import clone

from skblind.datasets import make_blinding_problem
from skblind.embedding import FaceEmbedder
from skblind.evaluation import audit_report
from skblind.suppression import INLPEraser, LEACEEraser, LNTLSuppressor, SensitiveNetsSuppressor

FAST = dict(max_epochs=3, batch_size=16, progress=False, module__rank=4)


@pytest.fixture(scope="module")
def data():
    return make_blinding_problem(
        n_subjects=12, n_per_subject=6, n_features=16, identity_dim=4, random_state=0
    )


def test_embeddings_are_identical_run_to_run(orl):
    first = FaceEmbedder(layer="pooled", progress=False).fit_transform(orl.images[:6])
    second = FaceEmbedder(layer="pooled", progress=False).fit_transform(orl.images[:6])
    np.testing.assert_array_equal(first, second)


@pytest.mark.parametrize("cls", [SensitiveNetsSuppressor, LNTLSuppressor])
def test_suppressor_outputs_follow_the_random_state(cls, data):
    def run(seed):
        model = cls(random_state=seed, **FAST)
        return model.fit_transform(data.X, data.subject, sensitive_features=data.sensitive)

    np.testing.assert_array_equal(run(0), run(0))
    assert not np.allclose(run(0), run(1))


def test_reports_are_identical_run_to_run(data):
    methods = {
        "LEACE": LEACEEraser(),
        "INLP": INLPEraser(n_iterations=2),
        "SensitiveNets": SensitiveNetsSuppressor(random_state=0, **FAST),
        "LNTL": LNTLSuppressor(random_state=0, **FAST),
    }

    def run():
        return audit_report(
            data.X,
            data.sensitive,
            groups=data.subject,
            y=data.subject,
            representations={"raw": None, **{k: clone(m) for k, m in methods.items()}},
            n_splits=3,
        )

    (leak1, ver1), (leak2, ver2) = run(), run()
    pd.testing.assert_frame_equal(leak1, leak2)
    pd.testing.assert_frame_equal(ver1, ver2)
