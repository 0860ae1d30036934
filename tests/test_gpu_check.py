"""benchmarks/gpu_check.py runs on a machine without a GPU too (CI has none)."""

import subprocess
import sys
from pathlib import Path

import pytest

SCRIPT = Path(__file__).resolve().parents[1] / "benchmarks" / "gpu_check.py"


@pytest.mark.slow
def test_the_gpu_check_runs_on_the_cpu():
    result = subprocess.run(
        [sys.executable, str(SCRIPT), "--images", "16", "--epochs", "1"],
        capture_output=True,
        text=True,
        timeout=600,
    )
    assert result.returncode == 0, result.stderr[-3000:]
    out = result.stdout
    for images in ("ORL 92x112", "640x480 photos"):
        assert f"{images}, mtcnn, float32 (default):" in out
        assert f"{images}, retinaface, float32:" in out  # CI installs RetinaFace's model
    assert "the bare forward" in out and "against the CPU: largest difference 0.00e+00" in out
    assert out.count("loaded on a CPU-only process") == 2 and "OVER" not in out
