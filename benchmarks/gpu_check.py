"""The GPU checks: FaceEmbedder and both suppressors on CUDA against the CPU, in one run.

For a machine with a GPU (it runs on a CPU-only one too, and says so):

1. ``FaceEmbedder(backbone="facenet-vggface2")`` (seeded random InceptionResnetV1 weights:
   timing needs no trained ones) on ORL images: images/second with ``device="auto"`` and
   with ``device="cpu"``, the largest difference between the two embeddings, and the bare
   backbone's batched forward on random 160x160 crops on each device (what detection costs);
2. ``SensitiveNetsSuppressor`` and ``LNTLSuppressor`` (the papers' defaults, ``--epochs``
   epochs) on synthetic embeddings: fit time with ``device="auto"`` against ``device="cpu"``;
3. a suppressor fitted on the first device, pickled, loaded with CUDA hidden
   (``CUDA_VISIBLE_DEVICES=""`` in a fresh interpreter): its transform against the original
   (float32 arithmetic on two devices: the largest difference must stay under 1e-4 times the
   largest value of phi before its centring, since ``transform`` subtracts the training
   mean from phi and a difference of large numbers keeps their rounding);
4. determinism: two fits with ``random_state=0`` on the first device, largest difference
   (exactly 0 on the CPU; on CUDA, cuBLAS may reorder sums: reported, not assumed).

    python benchmarks/gpu_check.py [--images 200] [--epochs 5] [--subjects 200] [--features 512]

(``--subjects 3600 --features 2048`` gives the paper's Table II scale: 36,000 rows of 2,048.)
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

RELATIVE_TOLERANCE = 1e-4


# Run with CUDA hidden: load the pickled suppressor, transform X on the CPU, and compare it
# with the first device's transform and with the same weights run in float64.
CPU_LOADER = """
import copy, pickle, sys, warnings
from pathlib import Path
import numpy as np, torch
warnings.simplefilter("ignore")
model = pickle.loads(Path(sys.argv[1]).read_bytes())
folder = Path(sys.argv[2])
X = np.load(folder / "X.npy")
module = copy.deepcopy(model.net_.module_).double().cpu()
with torch.no_grad():
    phi = module(torch.as_tensor(X, dtype=torch.float64))
phi = (phi[0] if isinstance(phi, tuple) else phi).numpy()
reference = phi - model.center_.astype(np.float64)
np.save(folder / "reference.npy", reference)
cpu = model.transform(X)
print(np.abs(cpu - np.load(folder / "expected.npy")).max(), np.abs(cpu - reference).max())
"""


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
    check_bare_forward(weights, len(images))


def forward_in_batches(net, crops, device, batch_size):
    for start in range(0, len(crops), batch_size):
        net(crops[start : start + batch_size].to(device)).cpu()


def check_bare_forward(weights, n_images, batch_size=32):
    """The backbone alone, batched, on random aligned-size crops: the ceiling per device."""
    from facenet_pytorch import InceptionResnetV1

    crops = torch.randn(n_images, 3, 160, 160, generator=torch.Generator().manual_seed(0))
    devices = ["cuda", "cpu"] if torch.cuda.is_available() else ["cpu"]
    for device in devices:
        net = InceptionResnetV1().eval().to(device)
        net.load_state_dict(torch.load(weights, map_location=device))
        with torch.inference_mode():
            net(crops[:batch_size].to(device))  # warm-up
            _, seconds = timed(forward_in_batches, net, crops, device, batch_size)
        print(f"  bare InceptionResnetV1 forward, {device}: {n_images / seconds:7.1f} images/s")


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
    scale = float(np.abs(first._phi(data.X)).max())
    np.save(Path(folder) / "expected.npy", expected)
    env = {**os.environ, "CUDA_VISIBLE_DEVICES": ""}
    result = subprocess.run(
        [sys.executable, "-c", CPU_LOADER, str(path), str(folder)],
        capture_output=True,
        text=True,
        env=env,
        check=True,
    )
    gap, cpu_error = map(float, result.stdout.strip().splitlines()[-1].split())
    ok = gap <= RELATIVE_TOLERANCE * scale
    verdict = "ok" if ok else f"OVER {RELATIVE_TOLERANCE:g} x that"
    print(
        f"  pickled on {first.net_.device}, loaded on a CPU-only process: largest difference "
        f"{gap:.2e}, largest |phi| before centring {scale:.3g}, ratio {gap / scale:.1e} ({verdict})"
    )
    first_error = float(np.abs(expected - np.load(Path(folder) / "reference.npy")).max())
    print(
        f"  against the same weights in float64 on the CPU: {first.net_.device} float32 "
        f"{first_error:.2e}, CPU float32 {cpu_error:.2e}"
    )
    return ok


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--images", type=int, default=200)
    parser.add_argument("--epochs", type=int, default=5)
    parser.add_argument("--subjects", type=int, default=200, help="10 rows per subject")
    parser.add_argument("--features", type=int, default=512)
    args = parser.parse_args()
    cuda = torch.cuda.is_available()
    name = torch.cuda.get_device_name(0) if cuda else "none: every 'auto' run is on the CPU"
    print(f"torch {torch.__version__}, CUDA device: {name}, CPU threads {torch.get_num_threads()}")
    print(
        f"float32 matmul precision {torch.get_float32_matmul_precision()!r}, "
        f"cuBLAS TF32 {torch.backends.cuda.matmul.allow_tf32}, cuDNN TF32 "
        f"{torch.backends.cudnn.allow_tf32}"
    )
    faces = load_orl_faces()
    images = faces.images[: args.images]
    data = make_blinding_problem(
        n_subjects=args.subjects, n_features=args.features, identity_dim=32, random_state=0
    )
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
