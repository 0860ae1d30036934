import matplotlib
import numpy as np
import pytest

matplotlib.use("Agg")

from skblind.datasets import load_orl_faces
from skblind.embedding import FaceEmbedder


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
