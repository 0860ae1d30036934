"""The GPU checks: FaceEmbedder and both suppressors on CUDA against the CPU, in one run.

For a machine with a GPU (it runs on a CPU-only one too, and says so):

1. ``FaceEmbedder(backbone="facenet-vggface2")`` (seeded random InceptionResnetV1 weights:
   timing needs no trained ones) on ORL images: images/second with ``device="auto"`` and
   with ``device="cpu"``, and the largest difference between the two embeddings;
2. ``SensitiveNetsSuppressor`` and ``LNTLSuppressor`` (the papers' defaults, ``--epochs``
   epochs) on synthetic embeddings: fit time with ``device="auto"`` against ``device="cpu"``;
3. a suppressor fitted on the first device, pickled, loaded with CUDA hidden
   (``CUDA_VISIBLE_DEVICES=""`` in a fresh interpreter): its transform against the original
   (tolerance 1e-4, float32 arithmetic on two devices);
4. determinism: two fits with ``random_state=0`` on the first device, largest difference
   (exactly 0 on the CPU; on CUDA, cuBLAS may reorder sums: reported, not assumed).

    python benchmarks/gpu_check.py [--images 200] [--epochs 5]
"""

import argparse
import os
import pickle
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np
import torch

from skblind.datasets import load_orl_faces, make_blinding_problem
from skblind.embedding import FaceEmbedder
from skblind.suppression import LNTLSuppressor, SensitiveNetsSuppressor

TOLERANCE = 1e-4


def timed(function, *args, **kwargs):
    start = time.perf_counter()
    result = function(*args, **kwargs)
    if torch.cuda.is_available():
        torch.cuda.synchronize()
    return result, time.perf_counter() - start


def facenet_weights(folder):
    """A seeded random InceptionResnetV1 state dict, saved where FaceEmbedder can read it."""
    from facenet_pytorch import InceptionResnetV1

    torch.manual_seed(0)
    path = Path(folder) / "random-inception-resnet-v1.pt"
    torch.save(InceptionResnetV1().eval().state_dict(), path)
    return path


def check_embedder(images, weights):
    rows = {}
    for device in ("auto", "cpu"):
        embedder = FaceEmbedder(
            backbone="facenet-vggface2", weights=weights, device=device, progress=False
        )
        embedder.transform(images[:8])  # load the models before timing
        rows[device], seconds = timed(embedder.transform, images)
        print(f"  FaceEmbedder facenet, device={device!r}: {len(images) / seconds:7.1f} images/s")
    gap = np.nanmax(np.abs(rows["auto"] - rows["cpu"]))
    print(f"  largest difference auto vs cpu: {gap:.2e}")


def check_suppressor(cls, data, epochs, folder):
    params = dict(max_epochs=epochs, progress=False, random_state=0)
    fitted = {}
    for device in ("auto", "cpu"):
        model = cls(device=device, **params)
        fitted[device], seconds = timed(
            model.fit, data.X, data.subject, sensitive_features=data.sensitive
        )
        print(f"  {cls.__name__}, device={device!r}: fit {seconds:6.2f} s")
    first = fitted["auto"]
    again = cls(device="auto", **params).fit(
        data.X, data.subject, sensitive_features=data.sensitive
    )
    drift = np.abs(first.transform(data.X) - again.transform(data.X)).max()
    print(f"  two fits with random_state=0 on {first.net_.device}: largest difference {drift:.2e}")
    path = Path(folder) / f"{cls.__name__}.pkl"
    path.write_bytes(pickle.dumps(first))
    np.save(Path(folder) / "X.npy", data.X)
    expected = first.transform(data.X)
    np.save(Path(folder) / "expected.npy", expected)
    code = (
        "import pickle, sys, numpy as np, warnings; warnings.simplefilter('ignore'); "
        f"m = pickle.loads(open({str(path)!r}, 'rb').read()); "
        f"X = np.load({str(Path(folder) / 'X.npy')!r}); "
        f"e = np.load({str(Path(folder) / 'expected.npy')!r}); "
        "print(np.abs(m.transform(X) - e).max())"
    )
    env = {**os.environ, "CUDA_VISIBLE_DEVICES": ""}
    result = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, env=env, check=True
    )
    gap = float(result.stdout.strip().splitlines()[-1])
    verdict = "ok" if gap <= TOLERANCE else f"OVER the tolerance {TOLERANCE:g}"
    print(f"  pickled on {first.net_.device}, loaded on a CPU-only process: {gap:.2e} ({verdict})")
    return gap <= TOLERANCE


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--images", type=int, default=200)
    parser.add_argument("--epochs", type=int, default=5)
    args = parser.parse_args()
    cuda = torch.cuda.is_available()
    name = torch.cuda.get_device_name(0) if cuda else "none: every 'auto' run is on the CPU"
    print(f"torch {torch.__version__}, CUDA device: {name}, CPU threads {torch.get_num_threads()}")
    faces = load_orl_faces()
    images = faces.images[: args.images]
    data = make_blinding_problem(n_subjects=200, n_features=512, identity_dim=32, random_state=0)
    with tempfile.TemporaryDirectory() as folder:
        print("1. embedding")
        check_embedder(images, facenet_weights(folder))
        ok = True
        for number, cls in enumerate((SensitiveNetsSuppressor, LNTLSuppressor), start=2):
            print(f"{number}. {cls.__name__} ({len(data.X)} x {data.X.shape[1]})")
            ok &= check_suppressor(cls, data, args.epochs, folder)
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
