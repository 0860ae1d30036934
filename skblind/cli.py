"""The ``skblind`` command line."""

import argparse
import os
import sys
import time
from pathlib import Path

import numpy as np
import pandas as pd

from . import __version__
from ._io import atomic_path

__all__ = ["main"]


def _identification_accuracy(X, subjects):
    """Leave-one-out nearest-neighbour (cosine) identification accuracy."""
    X = X / np.linalg.norm(X, axis=1, keepdims=True)
    similarity = X @ X.T
    np.fill_diagonal(similarity, -np.inf)
    return float(np.mean(subjects[similarity.argmax(axis=1)] == subjects))


def _prepare_output(folder):
    """Create the output folder now, so that an unwritable one fails before any work."""
    try:
        folder.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise OSError(f"cannot write the output folder {folder}: {exc.strerror or exc}") from None
    if not os.access(folder, os.W_OK):
        raise OSError(f"cannot write the output folder {folder}: permission denied")


def _demo(args):
    from .datasets import load_orl_faces
    from .embedding import FaceEmbedder
    from .evaluation import verification_roc_auc

    start = time.perf_counter()
    _prepare_output(args.output)
    faces = load_orl_faces()
    rows = []
    for backbone, layer in args.representations:
        embedder = FaceEmbedder(backbone=backbone, layer=layer, progress=not args.quiet)
        X = embedder.fit_transform(faces.images)
        rows.append(
            {
                "backbone": backbone,
                "layer": layer,
                "n_features": X.shape[1],
                "verification_roc_auc": verification_roc_auc(X, faces.subject),
                "identification_accuracy": _identification_accuracy(X, faces.subject),
            }
        )
        with atomic_path(args.output / f"orl_{backbone}_{layer}.npz") as tmp:
            with open(tmp, "wb") as handle:
                np.savez(handle, X=X, subject=faces.subject, smiling=faces.smiling)
    table = pd.DataFrame(rows)
    with atomic_path(args.output / "verification.csv") as tmp:
        table.to_csv(tmp, index=False)
    print(
        "ORL faces (400 images, 40 subjects): identity verification over all pairs "
        "(cosine ROC AUC) and leave-one-out rank-1 identification"
    )
    print(table.to_string(index=False, float_format=lambda v: f"{v:.4f}"))
    print(f"Wrote {args.output}/ in {time.perf_counter() - start:.1f} s")
    return 0


def _representation(text):
    backbone, _, layer = text.partition(":")
    return backbone, layer or "embedding"


def _parser():
    parser = argparse.ArgumentParser(
        prog="skblind",
        description="Face representations blind to a sensitive attribute, and their audit.",
    )
    parser.add_argument("--version", action="version", version=f"skblind {__version__}")
    commands = parser.add_subparsers(dest="command", required=True)
    demo = commands.add_parser(
        "demo", help="embed the ORL faces offline and print verification figures"
    )
    demo.add_argument(
        "--output",
        type=Path,
        default=Path("skblind-report"),
        help="folder for the tables and embeddings (default: skblind-report)",
    )
    demo.add_argument(
        "--representations",
        nargs="+",
        type=_representation,
        metavar="BACKBONE[:LAYER]",
        default=[("sface", "embedding"), ("sface", "pooled")],
        help="backbones and layers to embed with (default: sface:embedding sface:pooled)",
    )
    demo.add_argument("--quiet", action="store_true", help="no progress bars")
    demo.set_defaults(run=_demo)
    return parser


def main(argv=None):
    """Run the ``skblind`` command; returns the exit status."""
    args = _parser().parse_args(argv)
    try:
        return args.run(args)
    except (OSError, ValueError, ImportError) as exc:
        print(f"skblind {args.command}: error: {exc}", file=sys.stderr)
        return 1


if __name__ == "__main__":
    sys.exit(main())
