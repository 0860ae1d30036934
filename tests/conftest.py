import io
import sys

import matplotlib
import numpy as np
import pandas as pd
import pytest

matplotlib.use("Agg")

from skblind.datasets import load_orl_faces, make_blinding_problem
from skblind.embedding import FaceEmbedder


@pytest.fixture(scope="module", autouse=True)
def _stop_idle_parallel_workers():
    """Stop joblib's worker processes after each test module.

    joblib keeps its loky workers alive for reuse, each holding its own torch; on a
    laptop two of them idling beside the next modules' work cost 1.6 GB.
    """
    yield
    from joblib.externals.loky import get_reusable_executor

    get_reusable_executor().shutdown(wait=True)


@pytest.fixture(scope="session")
def small():
    """20 persons, 8 samples each, 24 features, a strong planted attribute."""
    return make_blinding_problem(
        n_subjects=20,
        n_per_subject=8,
        n_features=24,
        identity_dim=8,
        sensitive_strength=3.0,
        random_state=0,
    )


@pytest.fixture(scope="session")
def tiny():
    """8 persons, 6 samples each, 12 features: the reported defects' small problem."""
    return make_blinding_problem(
        n_subjects=8, n_per_subject=6, n_features=12, identity_dim=4, random_state=0
    )


@pytest.fixture(scope="session")
def split():
    """300 persons: stages train on the first 200, probes run on the other 100."""
    data = make_blinding_problem(n_subjects=300, sensitive_strength=2.0, random_state=0)
    return data, data.subject < 200


@pytest.fixture(scope="session")
def orl():
    return load_orl_faces()


@pytest.fixture(scope="session")
def orl_sface(orl):
    """Real SFace features of all 400 ORL images, per layer (computed once per session)."""
    return {
        layer: FaceEmbedder(layer=layer, progress=False).fit_transform(orl.images)
        for layer in ("embedding", "pooled")
    }


@pytest.fixture
def blank_image():
    """A flat grey image: no detector finds a face in it."""
    return np.full((112, 92), 128, dtype=np.uint8)


@pytest.fixture
def terminal(monkeypatch):
    """A text stream like a terminal's (an io.TextIOWrapper, which pickle refuses)."""
    stream = io.TextIOWrapper(io.BytesIO(), encoding="utf-8")
    monkeypatch.setattr(sys, "stderr", stream)
    return stream


@pytest.fixture
def faces_csv(tmp_path, orl):
    """Write the first ``n`` ORL images' paths, subjects and smiling (and ``columns``) as a CSV."""

    def write(n, name="faces.csv", **columns):
        table = pd.DataFrame(
            {"path": orl.paths[:n], "subject": orl.subject[:n], "smiling": orl.smiling[:n]}
        )
        for column, values in columns.items():
            table[column] = values
        table.to_csv(tmp_path / name, index=False)
        return tmp_path / name

    return write
