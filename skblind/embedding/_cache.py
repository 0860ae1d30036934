"""The per-image embedding caches behind ``FaceEmbedder``: in this process, and on disk.

The process cache (``cache_size``, on by default) keeps the most recently embedded images'
rows at every layer of the backbone, keyed on the other settings and the pixels; the disk
cache (``memory=``) keeps the rows of the layer asked for across processes and runs.
"""

import hashlib
import threading
from collections import OrderedDict
from dataclasses import replace

import numpy as np
from sklearn.utils.validation import check_memory

__all__ = ["EmbeddingCache", "ProcessCache", "image_digest"]


class ProcessCache:
    """The most recently embedded images' rows, shared by every embedder of this process.

    A ``GridSearchCV`` clones the embedder for every fold and candidate; each clone finds
    the rows its predecessors computed here. An entry is one image's ``({layer: row},
    found)``, every layer the backbone computed in its forward (4.5 KB for SFace's two).
    Least recently used entries go first once ``size`` entries are held.
    """

    def __init__(self):
        self._rows = OrderedDict()
        self._lock = threading.Lock()

    def get(self, key):
        """The value stored under ``key``, or None."""
        with self._lock:
            value = self._rows.get(key)
            if value is not None:
                self._rows.move_to_end(key)
            return value

    def put(self, key, value, size):
        """Store ``value`` under ``key``, keeping at most ``size`` entries."""
        with self._lock:
            self._rows[key] = value
            self._rows.move_to_end(key)
            while len(self._rows) > size:
                self._rows.popitem(last=False)

    def clear(self):
        """Forget every row."""
        with self._lock:
            self._rows.clear()


#: The process's cache (one per process: joblib's workers each have theirs).
PROCESS_CACHE = ProcessCache()


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
        Where to keep the embeddings on disk (``None``: no disk cache).
    embed : callable
        ``embed(settings, images) -> ({layer: features}, found)`` for a batch of RGB
        arrays, every layer of the backbone.
    cache_size : int, default=0
        Images kept in :data:`PROCESS_CACHE`, each at every layer (0: none).
    """

    def __init__(self, memory, embed, cache_size=0):
        self._embed = embed
        self._size = cache_size
        memory = check_memory(memory)
        self._stored = None
        if memory.location is not None:
            self._stored = memory.cache(_stored, ignore=["computed"])

    def __call__(self, settings, images):
        """Return ``(features, found)`` of ``images`` at ``settings.layer``.

        Only the images found in neither cache are embedded.
        """
        layer = settings.layer
        if self._stored is None and not self._size:
            features, found = self._embed(settings, images)
            return features[layer], found
        digests = [image_digest(rgb) for rgb in images]
        every_layer = replace(settings, layer=None)  # the process cache's key
        entries = [PROCESS_CACHE.get((every_layer, d)) if self._size else None for d in digests]
        rows = [
            (entry[0][layer], entry[1]) if entry is not None and layer in entry[0] else None
            for entry in entries
        ]
        if self._stored is not None:
            rows = [
                row
                if row is not None or not self._stored.check_call_in_cache(settings, d)
                else self._stored(settings, d)
                for row, d in zip(rows, digests, strict=True)
            ]
        todo = [i for i, row in enumerate(rows) if row is None]
        if todo:
            features, found = self._embed(settings, [images[i] for i in todo])
            for k, i in enumerate(todo):
                entries[i] = ({name: f[k] for name, f in features.items()}, bool(found[k]))
                rows[i] = (features[layer][k], bool(found[k]))
                if self._stored is not None:
                    self._stored(settings, digests[i], rows[i])
        if self._size:
            for entry, (row, has_face), digest in zip(entries, rows, digests, strict=True):
                layers = {} if entry is None else entry[0]  # a disk hit adds its layer
                PROCESS_CACHE.put(
                    (every_layer, digest), ({**layers, layer: row}, has_face), self._size
                )
        features = np.stack([row for row, _ in rows]).astype(np.float32, copy=False)
        return features, np.array([has_face for _, has_face in rows], dtype=bool)
