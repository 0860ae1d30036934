"""The per-image embedding cache behind ``FaceEmbedder(memory=...)``."""

import hashlib

import numpy as np
from sklearn.utils.validation import check_memory

__all__ = ["EmbeddingCache", "image_digest"]


def image_digest(rgb):
    """Content hash of a decoded image: its shape and its pixels, nothing else.

    The same picture given as a file, a PIL image or an array has one digest, so a
    search that hands the images in other batches, folds or forms finds them again.
    """
    digest = hashlib.sha256(repr(rgb.shape).encode())
    digest.update(np.ascontiguousarray(rgb).tobytes())
    return digest.hexdigest()


def _stored(settings, digest, computed=None):
    """One image's ``(embedding row, face found)``; a call with ``computed`` stores it.

    Cached by joblib on ``(settings, digest)`` with ``computed`` ignored: the first call
    for a digest hands the value computed in a batch and joblib keeps it; later calls
    are served from the cache without it.
    """
    if computed is None:
        raise LookupError(f"image {digest} is not in the embedding cache")
    return computed


class EmbeddingCache:
    """Embed batches of images, each image at most once per cache and settings.

    Parameters
    ----------
    memory : str, joblib.Memory or None
        Where to keep the embeddings (``None``: no cache).
    embed : callable
        ``embed(settings, images) -> (features, found)`` for a batch of RGB arrays.
    """

    def __init__(self, memory, embed):
        self._embed = embed
        memory = check_memory(memory)
        self._stored = None
        if memory.location is not None:
            self._stored = memory.cache(_stored, ignore=["computed"])

    def __call__(self, settings, images):
        """Return ``(features, found)`` of ``images``, embedding only those not cached."""
        if self._stored is None:
            return self._embed(settings, images)
        digests = [image_digest(rgb) for rgb in images]
        cached = [self._stored.check_call_in_cache(settings, d) for d in digests]
        todo = [i for i, hit in enumerate(cached) if not hit]
        computed = {}
        if todo:
            features, found = self._embed(settings, [images[i] for i in todo])
            computed = {i: (features[k], bool(found[k])) for k, i in enumerate(todo)}
        rows = [self._stored(settings, d, computed.get(i)) for i, d in enumerate(digests)]
        features = np.stack([row for row, _ in rows]).astype(np.float32, copy=False)
        return features, np.array([has_face for _, has_face in rows], dtype=bool)
