import pickle

import numpy as np
import pytest

import skblind
from skblind._persistence import InconsistentSkblindVersionWarning
from skblind.datasets import make_blinding_problem
from skblind.embedding import FaceEmbedder
from skblind.suppression import INLPEraser, LEACEEraser, LNTLSuppressor, SensitiveNetsSuppressor


@pytest.fixture(scope="module")
def data():
    return make_blinding_problem(
        n_subjects=10, n_per_subject=6, n_features=16, identity_dim=4, random_state=0
    )


@pytest.mark.parametrize(
    "make",
    [
        lambda: SensitiveNetsSuppressor(max_epochs=2, progress=False, module__hidden_sizes=(8,)),
        lambda: LNTLSuppressor(max_epochs=2, progress=False, module__hidden_sizes=(8,)),
        LEACEEraser,
        INLPEraser,
    ],
)
def test_round_trip_and_version_warning(make, data, monkeypatch):
    fitted = make().fit(data.X, data.subject, sensitive_features=data.sensitive)
    blob = pickle.dumps(fitted)
    np.testing.assert_array_equal(pickle.loads(blob).transform(data.X), fitted.transform(data.X))
    monkeypatch.setattr(skblind, "__version__", "0.0.0-other")
    with pytest.warns(InconsistentSkblindVersionWarning, match="saved by skblind"):
        pickle.loads(blob)


def test_face_embedder_pickle_carries_the_version(monkeypatch):
    blob = pickle.dumps(FaceEmbedder(progress=False))
    monkeypatch.setattr(skblind, "__version__", "0.0.0-other")
    with pytest.warns(InconsistentSkblindVersionWarning):
        pickle.loads(blob)
