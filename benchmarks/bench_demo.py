"""``skblind demo --quiet`` on a quiet machine and beside a CPU-bound process, in one run.

Runs the demo twice as a user would (a fresh process each time): alone, then with one
busy-looping process started beside it (another user's job on a shared laptop). Prints
the wall time and the CPU time (user + sys of the demo and its worker processes) of
each, and the ratios loaded / quiet. Threads that spin while they wait show up as CPU
time that grows under load; work that is only shared out shows up as wall time alone.

    python benchmarks/bench_demo.py [--keep DIR] [-- demo options, e.g. --n-subjects 20]
"""

import argparse
import multiprocessing
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path


def _busy():
    while True:
        pass


def _run_demo(extra, output=None):
    """(wall seconds, user+sys seconds) of one demo run, its children included."""
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    with tempfile.TemporaryDirectory() as folder:
        command = [sys.executable, "-m", "skblind.cli", "demo", "--quiet"]
        command += ["--output", str(output or Path(folder) / "out"), *extra]
        start = time.perf_counter()
        subprocess.run(command, check=True, stdout=subprocess.DEVNULL)
        wall = time.perf_counter() - start
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    cpu = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
    return wall, cpu


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--keep", type=Path, help="keep the quiet run's outputs in this folder")
    parser.add_argument("demo_options", nargs=argparse.REMAINDER)
    args = parser.parse_args()
    extra = [a for a in args.demo_options if a != "--"]
    quiet = _run_demo(extra, args.keep)
    busy = multiprocessing.get_context("spawn").Process(target=_busy, daemon=True)
    busy.start()
    try:
        loaded = _run_demo(extra)
    finally:
        busy.terminate()
        busy.join()
    print(f"skblind demo --quiet {' '.join(extra)} on {multiprocessing.cpu_count()} cores")
    for name, (wall, cpu) in (("quiet", quiet), ("beside a busy loop", loaded)):
        print(f"  {name:20s} wall {wall:7.1f} s   user+sys {cpu:7.1f} s")
    print(
        f"  loaded / quiet: wall {loaded[0] / quiet[0]:.2f}x, user+sys {loaded[1] / quiet[1]:.2f}x"
    )


if __name__ == "__main__":
    main()
