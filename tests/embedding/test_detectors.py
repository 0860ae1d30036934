"""Tests of ``skblind.embedding._detectors``."""

import numpy as np
import pytest
from PIL import Image

from skblind.embedding import FaceEmbedder


@pytest.mark.parametrize("height", [336, 1000, 1500, 3000])
def test_a_face_of_any_size_is_found(orl, height):
    # repro2/large_face_not_detected.py: YuNet misses faces over about 850 px, and images
    # under 1920 px were not downscaled: a face 1000 px tall was "No face found"
    face = Image.fromarray(orl.images[0]).convert("RGB")
    rgb = np.asarray(face.resize((round(height * 92 / 112), height)))
    X = FaceEmbedder(progress=False).transform([rgb])
    # the same face, embedded from ORL's own 92x112 image
    reference = FaceEmbedder(progress=False).transform([orl.images[0]])
    cosine = (X @ reference.T).item() / np.linalg.norm(X) / np.linalg.norm(reference)
    assert cosine > 0.8


def test_a_large_face_on_a_wide_canvas_is_found(orl):
    face = np.asarray(Image.fromarray(orl.images[0]).convert("RGB").resize((821, 1000)))
    canvas = np.full((1000, 3000, 3), 128, dtype=np.uint8)
    canvas[:, 1000:1821] = face
    assert np.isfinite(FaceEmbedder(progress=False, on_no_face="nan").transform([canvas])).all()
