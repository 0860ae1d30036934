"""The ``skblind`` command line."""

import argparse
import os
import sys
from pathlib import Path

from . import __version__

__all__ = ["main"]


def _prepare_output(folder):
    """Create the output folder now, so that an unwritable one fails before any work."""
    try:
        folder.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise OSError(f"cannot write the output folder {folder}: {exc.strerror or exc}") from None
    if not os.access(folder, os.W_OK):
        raise OSError(f"cannot write the output folder {folder}: permission denied")


def _fmt(value):
    return f"{value:.3f}"


def _demo(args):
    from ._demo import run_demo

    _prepare_output(args.output)
    tables = run_demo(
        args.output,
        n_subjects=args.n_subjects,
        folds=args.folds,
        seeds=args.seeds,
        max_epochs=args.max_epochs,
        quiet=args.quiet,
    )
    print("\nIdentity verification of the raw SFace layers (all pairs, 10-fold LFW-style)")
    print(tables["verification"].to_string(index=False, float_format=_fmt))
    leakage = tables["table_1_leakage"]
    print("\nTable I: balanced accuracy of probes on held-out subjects (pooled SFace features;")
    print("smiling is removed, glasses should survive); Diff = (raw - after) / (raw - chance)")
    wide = leakage.pivot_table(
        index=["attribute", "probe"],
        columns="representation",
        values="balanced_accuracy",
        sort=False,
    )
    diff = (
        leakage.pivot_table(
            index=["attribute", "probe"], columns="representation", values="diff", sort=False
        )
        .drop(columns="raw", errors="ignore")
        .add_prefix("Diff ")
    )
    print(wide.join(diff).to_string(float_format=_fmt))
    print("\nVerification on held-out subjects (mean over folds)")
    print(tables["table_1_verification"].to_string(index=False, float_format=_fmt))
    print("\nTable II: glasses classifier trained on a smiling-biased (70/30) or unbiased split;")
    print("TPR by smiling group on held-out subjects, gap and equality of opportunity")
    columns = [
        "split",
        "representation",
        "accuracy_mean",
        "tpr_not_smiling_mean",
        "tpr_smiling_mean",
        "tpr_gap_mean",
        "tpr_gap_std",
        "equality_of_opportunity_mean",
        "equality_of_opportunity_std",
    ]
    print(tables["table_2_fairness"][columns].to_string(index=False, float_format=_fmt))
    print(
        f"\nWrote the tables (CSV, JSON) and tsne_smiling.png to {args.output}/ "
        f"in {tables['seconds']:.0f} s"
    )
    return 0


def _parser():
    parser = argparse.ArgumentParser(
        prog="skblind",
        description="Face representations blind to a sensitive attribute, and their audit.",
    )
    parser.add_argument("--version", action="version", version=f"skblind {__version__}")
    commands = parser.add_subparsers(dest="command", required=True)
    demo = commands.add_parser(
        "demo",
        help="blind smiling in SFace features of the ORL faces and audit the result (offline)",
    )
    demo.add_argument(
        "--output",
        type=Path,
        default=Path("skblind-report"),
        help="folder for the tables, JSON and figure (default: skblind-report)",
    )
    demo.add_argument(
        "--n-subjects",
        type=int,
        default=40,
        help="use the first N of the 40 ORL subjects (default: 40)",
    )
    demo.add_argument(
        "--folds", type=int, default=5, help="subject-disjoint folds of Table I (default: 5)"
    )
    demo.add_argument("--seeds", type=int, default=3, help="repetitions of Table II (default: 3)")
    demo.add_argument(
        "--max-epochs",
        type=int,
        default=60,
        help="training epochs of the suppressors (default: 60)",
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
