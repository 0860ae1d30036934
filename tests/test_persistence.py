import pickle

import numpy as np
import pytest
from fast_fits import FAST

import skblind
from skblind._persistence import InconsistentSkblindVersionWarning
from skblind.datasets import make_blinding_problem
from skblind.embedding import FaceEmbedder
from skblind.suppression import (
    Blinder,
    INLPEraser,
    IVEEraser,
    LEACEEraser,
    LNTLSuppressor,
    PASSSuppressor,
    SensitiveNetsSuppressor,
    recipe_encoder,
)


@pytest.fixture(scope="module")
def data():
    return make_blinding_problem(
        n_subjects=10, n_per_subject=6, n_features=16, identity_dim=4, random_state=0
    )


@pytest.mark.parametrize(
    "make",
    [
        lambda: SensitiveNetsSuppressor(**FAST),
        lambda: LNTLSuppressor(**FAST),
        lambda: Blinder(recipe_encoder(**FAST)),
        LEACEEraser,
        INLPEraser,
        lambda: PASSSuppressor(**FAST),
        lambda: IVEEraser(n_eliminate=2, random_state=0),
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


@pytest.mark.parametrize("cls", [SensitiveNetsSuppressor, LNTLSuppressor])
def test_a_suppressor_saved_for_cuda_loads_on_a_cpu_only_machine(cls, data):
    """Simulated on a CPU machine: the pickled net says device="cuda", as one fitted on a GPU
    does; skorch maps it to the CPU with a warning. (Real CUDA tensors need a GPU machine.)"""
    import torch

    if torch.cuda.is_available():
        pytest.skip("checks the CPU-only machine")
    fitted = cls(**FAST).fit(data.X, data.subject, sensitive_features=data.sensitive)
    expected = fitted.transform(data.X)
    fitted.net_.device = "cuda"
    blob = pickle.dumps(fitted)
    with pytest.warns(UserWarning, match="no CUDA devices are available"):
        restored = pickle.loads(blob)
    assert str(restored.net_.device) == "cpu"
    np.testing.assert_array_equal(restored.transform(data.X), expected)


WITH_PROGRESS = {**FAST, "progress": True}  # the default: a tqdm bar while training


# Reported defect (reliability issue, item 0: pickling what was fitted with the progress bar on
# (the default)); the test failed on the code before the fix.


@pytest.mark.parametrize(
    "estimator",
    [
        SensitiveNetsSuppressor(**WITH_PROGRESS),
        LNTLSuppressor(**WITH_PROGRESS),
        LEACEEraser(),
        INLPEraser(n_iterations=2),
    ],
    ids=lambda e: type(e).__name__,
)
def test_estimators_fitted_with_progress_on_pickle(estimator, tiny, terminal):
    fitted = estimator.fit(tiny.X, tiny.subject, sensitive_features=tiny.sensitive)
    loaded = pickle.loads(pickle.dumps(fitted))
    np.testing.assert_array_equal(loaded.transform(tiny.X), fitted.transform(tiny.X))


def test_face_embedder_used_with_progress_on_pickles(orl, terminal):
    embedder = FaceEmbedder()
    X = embedder.fit_transform(orl.images[:2])
    np.testing.assert_array_equal(pickle.loads(pickle.dumps(embedder)).transform(orl.images[:2]), X)
