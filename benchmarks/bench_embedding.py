"""Throughput of FaceEmbedder on the ORL faces: batched inference against one image at a time.

Baseline: ``batch_size=1`` (one network call per image). Prints images per second of
each setting and the ratio to the baseline, measured in this run.

    python benchmarks/bench_embedding.py [--n-images 200] [--backbone sface]
"""

import argparse
import time

from skblind.datasets import load_orl_faces
from skblind.embedding import FaceEmbedder


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--n-images", type=int, default=200)
    parser.add_argument("--backbone", default="sface")
    parser.add_argument("--layer", default="embedding")
    args = parser.parse_args()
    images = load_orl_faces().images[: args.n_images]
    FaceEmbedder(backbone=args.backbone, progress=False).transform(images[:2])  # warm-up
    rates = {}
    for batch_size in (1, 8, 32, 64):
        embedder = FaceEmbedder(
            backbone=args.backbone, layer=args.layer, batch_size=batch_size, progress=False
        )
        start = time.perf_counter()
        embedder.transform(images)
        rates[batch_size] = len(images) / (time.perf_counter() - start)
    print(f"{args.backbone}/{args.layer}, {len(images)} ORL images, baseline batch_size=1")
    for batch_size, rate in rates.items():
        print(f"batch_size={batch_size:3d}: {rate:7.1f} img/s  ratio {rate / rates[1]:.2f}x")


if __name__ == "__main__":
    main()
