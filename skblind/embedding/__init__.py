"""Images to face embeddings: detection, alignment and a frozen pretrained backbone."""

from ._backbones import BACKBONES
from ._dask import dask_transform
from ._detectors import DETECTORS
from ._embedder import FaceEmbedder
from ._facenet import FACENET_WEIGHTS, FacenetWeightsError, facenet_weights_path
from ._shards import embed_to_shards, read_manifest, read_shards

__all__ = [
    "BACKBONES",
    "DETECTORS",
    "FACENET_WEIGHTS",
    "FaceEmbedder",
    "FacenetWeightsError",
    "dask_transform",
    "embed_to_shards",
    "facenet_weights_path",
    "read_manifest",
    "read_shards",
]
