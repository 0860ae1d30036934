"""Images to face embeddings: detection, alignment and a frozen pretrained backbone."""

from ._backbones import BACKBONES
from ._detectors import DETECTORS
from ._embedder import FaceEmbedder
from ._facenet import FACENET_WEIGHTS, FacenetWeightsError, facenet_weights_path

__all__ = [
    "BACKBONES",
    "DETECTORS",
    "FACENET_WEIGHTS",
    "FaceEmbedder",
    "FacenetWeightsError",
    "facenet_weights_path",
]
