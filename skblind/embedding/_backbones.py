"""The registry of face-recognition backbones behind :class:`FaceEmbedder`.

A backbone crops and aligns a face from an RGB image and a
:class:`~skblind.embedding._detectors.Detection` (or takes the whole image when there
is none), and embeds batches of such crops at every one of its layers in one forward.
"""

import threading

__all__ = ["BACKBONES", "Backbone", "backbone_class", "load_backbone"]


class Backbone:
    """Base class of the backbones.

    Class attributes
    ----------------
    layers : dict
        Layer name -> number of features it gives; a layer missing here is unavailable.
    default_detector : str
        Detector used when ``FaceEmbedder(detector="auto")``.
    needs_landmarks : bool
        Whether alignment needs five landmarks (box-only detectors cannot serve it).
    precisions : tuple of str
        The floating-point formats the network can run in; a backbone with more than
        ``"float32"`` takes a ``precision`` argument.
    """

    layers = {}
    precisions = ("float32",)
    default_detector = "yunet"
    needs_landmarks = False
    no_pooled_reason = ""

    def crop(self, rgb, detection):
        """Align the face of ``detection`` (the whole image when ``None``) to the input."""
        raise NotImplementedError

    def embed(self, crops):
        """Embed a batch of crops at every layer, in one forward.

        Returns a dict: layer name (each of :attr:`layers`) -> float32 array of shape
        ``(n_crops, n_features)``.
        """
        raise NotImplementedError


def backbone_class(name):
    """Return the :class:`Backbone` subclass registered as ``name``."""
    if name not in BACKBONES:
        raise ValueError(f"unknown backbone {name!r}; choose one of {sorted(BACKBONES)}")
    module, attribute = BACKBONES[name]
    from importlib import import_module

    return getattr(import_module(module, __package__), attribute)


_per_thread = threading.local()


def load_backbone(name, weights, device, precision="float32"):
    """Build (once per thread and settings) the backbone called ``name``.

    One copy per thread: the networks keep per-call state (OpenCV's ``setInput`` then
    ``forward``), so threads sharing one copy (Dask's threaded workers, a thread pool)
    would corrupt each other's results or crash the process.
    """
    loaded = _per_thread.__dict__.setdefault("backbones", {})
    key = (name, weights, device, precision)
    if key not in loaded:
        cls = backbone_class(name)
        if precision not in cls.precisions:
            raise ValueError(
                f"precision={precision!r} is not available for backbone={name!r}; it runs "
                f"in {', '.join(map(repr, cls.precisions))}"
            )
        more = {"precision": precision} if len(cls.precisions) > 1 else {}
        loaded[key] = cls(name=name, weights=weights, device=device, **more)
    return loaded[key]


#: name -> (module, class); the modules import their heavy dependencies lazily.
BACKBONES = {
    "sface": ("._sface", "SFaceBackbone"),
    "facenet-vggface2": ("._facenet", "FacenetBackbone"),
    "facenet-casia": ("._facenet", "FacenetBackbone"),
    "dlib": ("._dlib", "DlibBackbone"),
}
