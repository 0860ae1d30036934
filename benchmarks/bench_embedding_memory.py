"""Peak memory of ``skblind embed`` for 1x and 10x as many images (streamed shards).

Each run embeds a CSV of ORL image paths (the 400 files repeated to reach the count) with
``embed_images`` in a fresh child process and reports that process's peak resident set
size (``ru_maxrss``). The baseline is the 1x run; streaming holds one shard at a time, so
the 10x run should stay within 1.2x of it. Also printed: the peak of a child that only
imports skblind and loads the backbone (the fixed cost).

    python benchmarks/bench_embedding_memory.py [--n-images 400] [--factor 10] [--shard-size 256]
"""

import argparse
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import pandas as pd

from skblind.datasets import load_orl_faces

CHILD = """
import resource, sys
import numpy as np
from skblind.jobs import embed_images
from skblind.embedding import FaceEmbedder
source, output, shard_size, layer = sys.argv[1:5]
if source == "-":  # the fixed cost: imports and the backbone, one grey image
    grey = np.full((112, 112, 3), 128, dtype=np.uint8)
    FaceEmbedder(layer=layer, detector=None, progress=False).fit_transform([grey])
else:
    embed_images(source, output, shard_size=int(shard_size), layer=layer, progress=False)
print(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss)
"""


def peak_rss_mib(source, output, shard_size, layer):
    """Run one child; return (peak RSS in MiB, seconds)."""
    start = time.perf_counter()
    result = subprocess.run(
        [sys.executable, "-c", CHILD, str(source), str(output), str(shard_size), layer],
        capture_output=True,
        text=True,
        check=True,
    )
    return int(result.stdout.split()[-1]) / 1024, time.perf_counter() - start


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--n-images", type=int, default=400)
    parser.add_argument("--factor", type=int, default=10)
    parser.add_argument("--shard-size", type=int, default=256)
    parser.add_argument("--layer", default="pooled")
    args = parser.parse_args()
    paths = list(load_orl_faces().paths)
    with tempfile.TemporaryDirectory() as tmp:
        tmp = Path(tmp)
        fixed, _ = peak_rss_mib("-", tmp / "none", args.shard_size, args.layer)
        print(f"import + backbone only: peak RSS {fixed:7.1f} MiB")
        peaks = {}
        for factor in (1, args.factor):
            n = args.n_images * factor
            csv = tmp / f"paths-{n}.csv"
            pd.DataFrame({"path": (paths * (n // len(paths) + 1))[:n]}).to_csv(csv, index=False)
            peaks[factor], seconds = peak_rss_mib(
                csv, tmp / f"out-{n}", args.shard_size, args.layer
            )
            print(
                f"{n:7d} images ({factor:2d}x): peak RSS {peaks[factor]:7.1f} MiB, "
                f"{seconds:6.1f} s, {n / seconds:5.1f} img/s"
            )
    ratio = peaks[args.factor] / peaks[1]
    print(
        f"ratio {args.factor}x / 1x: {ratio:.3f} (baseline: the 1x run; "
        f"shard size {args.shard_size}, layer {args.layer})"
    )


if __name__ == "__main__":
    main()
