"""Face detectors side by side on the same images: throughput, boxes, verification.

For each detector (MTCNN, the baseline: facenet's own; YuNet; RetinaFace) on ORL's 400
images at 92x112 and on the same faces as 640x480 photos (``bench_embedding._photos``):

- detection throughput (images/s through ``detect_many``, best of ``--repeats``);
- faces found, and agreement with MTCNN's boxes (intersection over union: median and
  5th percentile) and landmarks (distance over MTCNN's inter-ocular distance, median);
- ORL verification (all pairs: ROC AUC, equal error rate, true-accept rate at a 0.1 %
  false-accept rate) of SFace's 128-d embedding aligned on each detector's landmarks:
  what the differences do to the task that matters.

    python benchmarks/bench_detectors.py [--detectors mtcnn yunet retinaface] [--repeats 2]
"""

import argparse
import tempfile
import time
from pathlib import Path

import numpy as np
import torch
from bench_embedding import _photos

from skblind.datasets import load_orl_faces
from skblind.embedding._backbones import load_backbone
from skblind.embedding._detectors import load_detector
from skblind.embedding._images import to_rgb_uint8
from skblind.evaluation import pair_similarities, verification_rates


def _iou(a, b):
    x1, y1 = np.maximum(a[:2], b[:2])
    x2, y2 = np.minimum(a[2:], b[2:])
    inter = max(0.0, x2 - x1) * max(0.0, y2 - y1)
    area = (a[2] - a[0]) * (a[3] - a[1]) + (b[2] - b[0]) * (b[3] - b[1]) - inter
    return inter / area


def _agreement(detections, reference):
    ious, shifts = [], []
    for found, ref in zip(detections, reference, strict=True):
        if found is None or ref is None:
            continue
        ious.append(_iou(found.box, ref.box))
        ocular = np.linalg.norm(ref.landmarks[0] - ref.landmarks[1])
        shifts.append(np.linalg.norm(found.landmarks - ref.landmarks, axis=1).mean() / ocular)
    return np.array(ious), np.array(shifts)


def _verification(images, detections, subjects):
    backbone = load_backbone("sface", None, "cpu")
    rows = [i for i, d in enumerate(detections) if d is not None]
    crops = [backbone.crop(images[i], detections[i]) for i in rows]
    X = np.concatenate(
        [backbone.embed(crops[s : s + 32])["embedding"] for s in range(0, len(crops), 32)]
    )
    return verification_rates(*pair_similarities(X, np.asarray(subjects)[rows]))


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--detectors", nargs="+", default=["mtcnn", "yunet", "retinaface"])
    parser.add_argument("--repeats", type=int, default=2)
    args = parser.parse_args()
    faces = load_orl_faces()
    print(f"torch threads {torch.get_num_threads()}; baseline: mtcnn")
    with tempfile.TemporaryDirectory() as folder:
        paths = [str(p) for p in faces.paths]
        sets = {"ORL 92x112": paths, "640x480 photos": _photos(paths, Path(folder))}
        for set_name, set_paths in sets.items():
            images = [to_rgb_uint8(p, k) for k, p in enumerate(set_paths)]
            print(f"\n{set_name}, {len(images)} images")
            print(
                f"  {'detector':<11}{'images/s':>9}{'x mtcnn':>9}{'found':>7}"
                f"{'IoU med':>9}{'IoU p5':>8}{'marks':>7}{'ROC AUC':>9}{'EER':>7}{'TAR@1e-3':>9}"
            )
            reference, base_rate = None, None
            for name in args.detectors:
                detector = load_detector(name, "cpu")
                detector.detect_many(images[:8])  # load and warm up
                best = np.inf
                for _ in range(args.repeats):
                    start = time.perf_counter()
                    detections = detector.detect_many(images)
                    best = min(best, time.perf_counter() - start)
                rate = len(images) / best
                if reference is None:
                    reference, base_rate = detections, rate
                ious, shifts = _agreement(detections, reference)
                rates = _verification(images, detections, faces.subject)
                found = sum(d is not None for d in detections)
                print(
                    f"  {name:<11}{rate:9.1f}{rate / base_rate:9.2f}{found:7d}"
                    f"{np.median(ious):9.3f}{np.percentile(ious, 5):8.3f}"
                    f"{np.median(shifts):7.3f}{rates['roc_auc']:9.5f}{rates['eer']:7.4f}"
                    f"{rates['tar@far=1e-3']:9.4f}"
                )


if __name__ == "__main__":
    main()
