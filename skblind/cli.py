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
    import matplotlib

    matplotlib.use("Agg")  # the demo writes PNG files; it needs no screen
    from ._demo import run_demo

    _prepare_output(args.output)
    tables = run_demo(
        args.output,
        n_subjects=args.n_subjects,
        folds=args.folds,
        seeds=args.seeds,
        max_epochs=args.max_epochs,
        n_jobs=args.jobs,
        quiet=args.quiet,
    )
    print("\nIdentity verification of the raw SFace layers (all pairs, 10-fold LFW-style)")
    print(tables["verification"].to_string(index=False, float_format=_fmt))
    print("\nTable I (pooled SFace features; smiling is removed, glasses should survive)")
    _print_leakage(tables["table_1_leakage"])
    if "table_1_in_sample" in tables:
        print("\nTable I, the paper's in-sample protocol, for comparison (smiling)")
        print(_wide(tables["table_1_in_sample"], "balanced_accuracy").to_string(float_format=_fmt))
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
        "\nSensitiveNets over lambda (one subject split; an SVM attacker trained only on "
        "held-out subjects): leakage = |within-identity AUC - 0.5|, utility = verification AUC"
    )
    print(tables["lambda_sweep"].to_string(index=False, float_format=_fmt))
    print(
        f"\nWrote the tables (CSV, JSON) and figures (tsne_smiling, feature_removal_smiling, "
        f"tpr_by_smiling, tradeoff_lambda PNG) to "
        f"{args.output}/ in {tables['seconds']:.0f} s"
    )
    return 0


def _wide(leakage, values, aggfunc="mean"):
    return leakage.pivot_table(
        index=["attribute", "probe"],
        columns="representation",
        values=values,
        aggfunc=aggfunc,
        sort=False,
    )


def _print_leakage(leakage):
    """Balanced accuracy with Diff, within-identity AUC and the verdicts, one table each."""
    protocol = leakage.protocol.iloc[0]
    who = {
        "held-out": "attackers trained only on blinded templates of held-out subjects",
        "in-sample": "probes trained on the model's own training subjects (the paper's; "
        "cannot show blindness)",
    }[protocol]
    print(f"Protocol {protocol}: {who}.")
    diff = _wide(leakage, "diff").drop(columns="raw", errors="ignore").add_prefix("Diff% ")
    print("\nBalanced accuracy (chance: see the chance column of the CSV), Diff in percent")
    print(_wide(leakage, "balanced_accuracy").join(diff).to_string(float_format=_fmt))
    print("\nWithin-identity AUC (a person's images ranked by class; chance exactly 0.5)")
    print(_wide(leakage, "within_auc").to_string(float_format=_fmt))
    print(
        f"\nVerdict (permutation tests at alpha/2 on both metrics; the smallest detectable "
        f"within-identity AUC shift here is about {leakage.within_auc_mde.median():.3f})"
    )
    print(_wide(leakage, "verdict", aggfunc="first").to_string())


def _reproduce(args):
    import matplotlib

    matplotlib.use("Agg")
    from ._reproduce import run_reproduce

    _prepare_output(args.output)
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
    print("\nParts of the protocol")
    print(tables["parts"].to_string(index=False))
    if "table_1_leakage" in tables:
        print("\nTable I: expression attackers")
        _print_leakage(tables["table_1_leakage"])
        print("\nVerification (held-out CFEE / DiveFace subjects; LFW view 2, 10 folds)")
        print(tables["table_1_verification"].to_string(index=False, float_format=_fmt))
    if "table_2_fairness" in tables:
        print(f"\nTable II: {args.celeba_target} classifier, TPR by smiling group")
        print(tables["table_2_fairness"].to_string(index=False, float_format=_fmt))
    print(f"\nWrote the tables and figures to {args.output}/ in {tables['seconds']:.0f} s")
    return 0


def _embed(args):
    from ._workflow import embed_images

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
            on_no_face=args.on_no_face,
            batch_size=args.batch_size,
            progress=not args.quiet,
        )
    finally:
        if client is not None:
            client.close()
    print(
        f"Wrote {manifest['n_images']} embeddings of {manifest['n_features']} features "
        f"({manifest['n_shards']} shards) to {args.output}"
    )
    return 0


def _fit(args):
    from ._workflow import fit_suppressor

    model = fit_suppressor(
        args.embeddings,
        args.output,
        y=args.y,
        sensitive=args.sensitive,
        method=args.method,
        labels=args.labels,
        lam=args.lam,
        max_epochs=args.max_epochs,
        random_state=args.random_state,
        progress=not args.quiet,
    )
    print(
        f"Wrote {type(model).__name__} ({model.n_features_in_} -> {model.n_features_out_} "
        f"features) to {args.output}"
    )
    return 0


def _audit(args):
    from ._workflow import audit_embeddings

    _prepare_output(args.output)
    leakage, verification = audit_embeddings(
        args.embeddings,
        args.output,
        sensitive=args.sensitive,
        groups=args.groups,
        keep=args.keep,
        model=args.model,
        labels=args.labels,
        folds=args.folds,
        protocol=args.protocol,
        repeats=args.repeats,
        permutations=args.permutations,
        jobs=args.jobs,
        progress=not args.quiet,
    )
    _print_leakage(leakage)
    if len(verification):
        print("\nVerification on held-out subjects")
        print(verification.to_string(index=False, float_format=_fmt))
    print(f"Wrote leakage.csv, verification.csv and audit.json to {args.output}/")
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
    reproduce.add_argument("--backbone", default="sface")
    reproduce.add_argument("--layer", default="pooled", choices=["embedding", "pooled"])
    reproduce.add_argument(
        "--max-images", type=int, help="at most N images per data set (whole subjects)"
    )
    reproduce.add_argument("--celeba-target", default="Eyeglasses")
    reproduce.add_argument("--folds", type=int, default=5)
    reproduce.add_argument("--seeds", type=int, default=3)
    reproduce.add_argument("--max-epochs", type=int, default=60)
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
    embed.add_argument("--backbone", default="sface")
    embed.add_argument("--layer", default="embedding", choices=["embedding", "pooled"])
    embed.add_argument("--on-no-face", default="raise", choices=["raise", "whole", "nan"])
    embed.add_argument("--batch-size", type=int, default=32)
    embed.add_argument(
        "--shard-size",
        type=int,
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
    fit.add_argument("--method", default="sensitivenets", choices=["sensitivenets", "lntl"])
    fit.add_argument("--lam", type=float, default=2.0)
    fit.add_argument("--max-epochs", type=int, default=60)
    fit.add_argument("--random-state", type=int, default=0)
    fit.add_argument("--output", type=Path, required=True, help="the .joblib file to write")
    fit.add_argument("--quiet", action="store_true", help="no progress bar")
    fit.set_defaults(run=_fit)

    audit = commands.add_parser("audit", help="probe saved embeddings (and a fitted model)")
    audit.add_argument("embeddings", type=Path, help="an output of skblind embed")
    audit.add_argument("--sensitive", required=True, help="label column the probes read")
    audit.add_argument("--groups", help="identity column: subject-disjoint folds, verification")
    audit.add_argument("--keep", nargs="*", default=[], help="label columns that should survive")
    audit.add_argument("--model", type=Path, help="a suppressor written by skblind fit")
    audit.add_argument("--labels", type=Path, help="a CSV of labels with a 'path' column")
    audit.add_argument("--folds", type=int, default=5, help="outer subject-disjoint folds")
    audit.add_argument(
        "--protocol",
        default="held-out",
        choices=["held-out", "in-sample"],
        help="held-out (default): attackers trained only on templates of held-out subjects; "
        "in-sample: the paper's probes trained on the model's training subjects",
    )
    audit.add_argument("--repeats", type=int, default=1, help="repetitions of the folds")
    audit.add_argument(
        "--permutations", type=int, default=200, help="draws of each permutation null"
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


if __name__ == "__main__":
    sys.exit(main())
