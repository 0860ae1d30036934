"""``skblind embed`` on a folder of 200,000 generated images: memory, resume, throughput.

Writes ``--n-images`` distinct images (ORL faces cropped to 112x112, each with its own
noise, so no two share pixels and no cache can help) into ``--folder``, then runs
``skblind embed`` on their CSV in a child process, SFace with ``--detector none`` (aligned
crops), ``--shard-size`` images per shard:

1. the first run is killed (SIGKILL, as an out-of-memory killer or a lost node would)
   once ``--kill-after`` shards are written;
2. the same command is run again: it must keep the finished shards and embed the rest.

While a run works, the child's resident memory and CPU time are sampled every second.
Printed: per shard, the seconds between its file and the previous one's, images/s, images
per CPU second (what the work costs, whatever else the machine runs meanwhile) and the
child's memory when it was written (the baseline: the first shard the rerun wrote); then
the ratio of the last tenth of the shards to the first for each, and what the rerun kept.

    python benchmarks/bench_embed_200k.py [--n-images 200000] [--shard-size 10000]
        [--kill-after 3] [--folder /tmp/skblind-200k] [--keep]
"""

import argparse
import os
import re
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

import numpy as np
import pandas as pd
import psutil
from PIL import Image

from skblind.datasets import load_orl_faces
from skblind.embedding import read_manifest


def write_images(folder, n_images, seed=0):
    """``n_images`` distinct 112x112 JPEGs, 10,000 per sub-folder; returns their paths."""
    rng = np.random.default_rng(seed)
    faces = [np.asarray(Image.fromarray(f).resize((112, 112))) for f in load_orl_faces().images]
    paths = []
    for k in range(n_images):
        path = folder / f"{k // 10_000:03d}" / f"{k:07d}.jpg"
        if not path.exists():
            path.parent.mkdir(parents=True, exist_ok=True)
            noise = rng.integers(-12, 13, size=(112, 112), dtype=np.int16)
            pixels = np.clip(faces[k % len(faces)] + noise, 0, 255).astype(np.uint8)
            Image.fromarray(pixels).save(path, quality=90)
        paths.append(str(path))
    return paths


def run(command, output, kill_after=None):
    """Run ``command``; sample its memory and CPU time; kill it once ``kill_after`` shards exist.

    Returns the per-shard rows (shard index, seconds, CPU seconds and memory when it was
    written), the exit code, the peak memory and what the command printed.
    """
    child = psutil.Popen(command, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    seen, rows, peak = set(), [], 0
    start = time.perf_counter()
    while child.poll() is None:
        try:
            processes = [child, *child.children(recursive=True)]
            rss = sum(p.memory_info().rss for p in processes) / 2**20
            cpu = sum(sum(p.cpu_times()[:2]) for p in processes)
        except psutil.NoSuchProcess:
            break
        peak = max(peak, rss)
        for path in sorted(output.glob("shard-*.npz")) if output.exists() else []:
            index = int(re.search(r"(\d+)", path.name).group(1))
            if index not in seen:
                seen.add(index)
                rows.append((index, time.perf_counter() - start, cpu, rss))
                print(
                    f"  shard {index} written at {rows[-1][1]:.0f} s, {cpu:.0f} CPU s, "
                    f"{rss:.0f} MiB",
                    flush=True,
                )
        if kill_after is not None and len(seen) >= kill_after:
            child.send_signal(signal.SIGKILL)
            child.wait()
            break
        time.sleep(1.0)
    log = child.stdout.read()
    return rows, child.returncode, peak, log


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--n-images", type=int, default=200_000)
    parser.add_argument("--shard-size", type=int, default=10_000)
    parser.add_argument("--kill-after", type=int, default=3)
    parser.add_argument("--folder", type=Path, default=Path("/tmp/skblind-200k"))
    parser.add_argument("--keep", action="store_true", help="keep the images and shards")
    args = parser.parse_args()
    images, output = args.folder / "images", args.folder / "shards"
    start = time.perf_counter()
    paths = write_images(images, args.n_images)
    csv = args.folder / "images.csv"
    pd.DataFrame({"path": paths}).to_csv(csv, index=False)
    print(
        f"{len(paths)} images in {images} ({time.perf_counter() - start:.0f} s to write)",
        flush=True,
    )
    shutil.rmtree(output, ignore_errors=True)
    command = [
        *(sys.executable, "-m", "skblind.cli", "embed", str(csv), "--output", str(output)),
        *("--detector", "none", "--shard-size", str(args.shard_size), "--quiet"),
    ]
    first, code, peak, _ = run(command, output, kill_after=args.kill_after)
    print(
        f"run 1: killed (exit {code}) after {len(first)} shards; peak memory {peak:.0f} MiB",
        flush=True,
    )
    start = time.perf_counter()
    second, code, peak, log = run(command, output)
    seconds = time.perf_counter() - start
    print(f"run 2: exit {code}, {seconds:.0f} s, peak memory {peak:.0f} MiB; it said:")
    print("  " + log.strip().replace("\n", "\n  "))
    manifest = read_manifest(output)
    if code != 0 or manifest["n_images"] != len(paths) or not manifest["complete"]:
        raise SystemExit(f"the rerun failed or left the folder unfinished: {manifest}")
    table = pd.DataFrame(second, columns=["shard", "written_s", "cpu_s", "memory_mib"])
    table = table[~table.shard.isin([index for index, *_ in first])].sort_values("shard")
    table["seconds"] = table.written_s.diff()
    table["images_per_s"] = args.shard_size / table.seconds
    # CPU seconds per shard: what the work costs, whatever else the machine runs meanwhile
    table["images_per_cpu_s"] = args.shard_size / table.cpu_s.diff()
    table = table.dropna()  # the first shard's time includes the start-up
    print(table.to_string(index=False, float_format=lambda v: f"{v:.1f}"))
    tenth = max(1, len(table) // 10)
    head, tail = table.iloc[:tenth], table.iloc[-tenth:]
    print(
        f"images/s, last tenth of shards / first tenth: "
        f"{tail.images_per_s.mean() / head.images_per_s.mean():.3f} "
        f"({head.images_per_s.mean():.1f} -> {tail.images_per_s.mean():.1f}); images per "
        f"CPU second {tail.images_per_cpu_s.mean() / head.images_per_cpu_s.mean():.3f} "
        f"({head.images_per_cpu_s.mean():.1f} -> {tail.images_per_cpu_s.mean():.1f}); memory "
        f"{tail.memory_mib.mean() / head.memory_mib.mean():.3f} "
        f"({head.memory_mib.mean():.0f} -> {tail.memory_mib.mean():.0f} MiB); "
        f"torch threads {os.environ.get('OMP_NUM_THREADS', 'default')}"
    )
    if not args.keep:
        shutil.rmtree(args.folder)


if __name__ == "__main__":
    main()
