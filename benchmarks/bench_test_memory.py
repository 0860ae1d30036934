"""Wall time and peak memory of the test suite: the largest process and the whole tree.

``/usr/bin/time -v`` reports the largest single process's peak (pytest itself, a loky or
Dask worker); a laptop must hold all of them at once, so this also samples the summed
resident memory of pytest and every process it starts, twice a second.

    python benchmarks/bench_test_memory.py [pytest arguments, e.g. -m "not slow"]
"""

import subprocess
import sys
import time

import psutil


def main():
    command = [sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", *sys.argv[1:]]
    start = time.perf_counter()
    process = subprocess.Popen(command)
    root = psutil.Process(process.pid)
    peak_tree = peak_single = 0
    while process.poll() is None:
        try:
            members = [root, *root.children(recursive=True)]
            sizes = []
            for member in members:
                try:
                    sizes.append(member.memory_info().rss)
                except psutil.Error:
                    pass
            peak_tree = max(peak_tree, sum(sizes))
            peak_single = max(peak_single, max(sizes, default=0))
        except psutil.Error:
            pass
        time.sleep(0.5)
    wall = time.perf_counter() - start
    print(
        f"pytest {' '.join(sys.argv[1:]) or '(whole suite)'}: exit {process.returncode}, "
        f"wall {wall:.0f} s, peak of the largest process {peak_single / 2**30:.2f} GiB, "
        f"peak of all processes together {peak_tree / 2**30:.2f} GiB"
    )
    return process.returncode


if __name__ == "__main__":
    sys.exit(main())
