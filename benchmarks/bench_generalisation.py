"""Blinding people the methods never saw: every method, held-out attackers, learning curves.

Three parts, in one run:

1. **The preset against ORL.** ORL's raw SFace pooled features (smiling) and ``--draws``
   draws of the realistic synthetic preset (``make_realistic_blinding_problem``, the
   profile fitted to those features) at ORL's size, audited alike (both protocols, the
   full attack battery): ORL's balanced accuracy and within-identity AUC per attacker
   against the preset's spread (min-max over draws).
2. **ORL.** Every method audited by held-out attackers (``audit_report``, smiling removed,
   glasses as the attribute that should survive), fitted per outer split on the other
   subjects: 20, 27 and 32 training subjects (``--orl-folds``: ``n_splits`` 2, 3 and 5),
   each split drawn ``--orl-repeats`` times (3).
3. **The synthetic preset at ``--sizes`` training subjects.** One draw (``--random-state``,
   also every method's seed) of ``n + --test-subjects`` people from the same world; every
   method is fitted on the first ``n`` and the other ``--test-subjects`` are attacked
   (``audit_report`` on their fixed representations, held-out protocol: the attackers train
   on some of those people and are tested on the others: two outer halves, four attack
   folds in each, so every attacker learns from about 3/8 of them). The learned methods
   train for the default 60 epochs up to 200 subjects and for as many gradient steps as 60
   epochs take at 200 beyond it (``epochs`` column).

Every row: held-out within-identity AUC and balanced accuracy per attacker with their
intervals, verification ROC AUC of the held-out people, the fit time. Writes
``generalisation.csv``, ``verification.csv``, ``preset_check.csv`` and
``learning_curve.png`` (the largest within-identity AUC over attackers against training
subjects, one line per method; ORL and synthetic panels). ``--merge`` adds the rows of
earlier outputs for the methods, data sets and sizes this run did not measure (a long
benchmark in pieces: ``--parts synthetic --sizes 2000 --merge <the 40/200 run's folder>``, or
one method measured again: ``--methods "Blinder + recipe_encoder" --merge <folder>``; with
``--parts`` and nothing after it, only the merged folders are summarised and drawn).

    python benchmarks/bench_generalisation.py [--sizes 40 200 1000 2000] [--test-subjects 100]
        [--orl-folds 2 3 5] [--orl-repeats 3] [--draws 5] [--output bench-generalisation]
        [--random-state 0] [--n-jobs -1] [--parts ...] [--methods NAME ...]
        [--merge FOLDER ...]
"""

import argparse
import time
from pathlib import Path

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
import pandas as pd  # noqa: E402
from sklearn.base import clone  # noqa: E402

from skblind.datasets import load_orl_faces, make_realistic_blinding_problem  # noqa: E402
from skblind.embedding import FaceEmbedder  # noqa: E402
from skblind.evaluation import audit_report, plot_learning_curve  # noqa: E402
from skblind.suppression import (  # noqa: E402
    Blinder,
    INLPEraser,
    IVEEraser,
    LEACEEraser,
    LNTLSuppressor,
    PASSSuppressor,
    SensitiveNetsSuppressor,
    WithinIdentityEraser,
    recipe_encoder,
)

DEFAULT_EPOCHS = 60


def methods(epochs, random_state=0, names=None):
    """Every method at its defaults (the learned ones with ``epochs`` epochs), or those named.

    The recipe twice: at its defaults (its closed-form stages), and with
    :func:`recipe_encoder` in front, so that the learned stage's share is measured.
    """
    learned = dict(max_epochs=epochs, progress=False, random_state=random_state)
    every = {
        "LEACE": LEACEEraser(),
        "INLP": INLPEraser(),
        "WithinIdentityEraser": WithinIdentityEraser(random_state=random_state),
        "IVE": IVEEraser(random_state=random_state, n_jobs=-1),
        "SensitiveNets (paper)": SensitiveNetsSuppressor(**learned),
        "LNTL (paper)": LNTLSuppressor(**learned),
        "PASS": PASSSuppressor(**learned),
        "Blinder (recipe)": Blinder(random_state=random_state),
        "Blinder + recipe_encoder": Blinder(recipe_encoder(**learned), random_state=random_state),
    }
    if names is None:
        return every
    unknown = sorted(set(names) - set(every))
    if unknown:
        raise ValueError(f"unknown methods {unknown}; choose among {list(every)}")
    return {name: every[name] for name in names}


def epochs_for(n_subjects):
    """60 epochs up to 200 subjects; beyond, as many gradient steps as 60 epochs at 200."""
    return max(1, round(DEFAULT_EPOCHS * min(1.0, 200 / n_subjects)))


def summarise(leakage, verification, **columns):
    """The rows of the removed attribute and the survivor, with the run's own columns."""
    keep = [
        "representation",
        "attribute",
        "probe",
        "protocol",
        "balanced_accuracy",
        "balanced_accuracy_ci_low",
        "balanced_accuracy_ci_high",
        "balanced_accuracy_p",
        "chance",
        "within_auc",
        "within_auc_ci_low",
        "within_auc_ci_high",
        "within_auc_p",
        "n_within_persons",
        "verdict",
    ]
    table = leakage[keep].assign(**columns)
    auc = verification.set_index("representation")["roc_auc"] if len(verification) else {}
    table["verification_roc_auc"] = table["representation"].map(auc)
    return table


def orl_features():
    faces = load_orl_faces()
    X = FaceEmbedder(layer="pooled", progress=False).fit_transform(faces.images)
    return X, faces


def preset_check(X, faces, draws, n_jobs):
    """ORL's raw leakage against the fitted preset's spread at ORL's size, both protocols."""
    rows = []
    for protocol in ("held-out", "in-sample"):
        real, _ = audit_report(
            X,
            faces.smiling,
            groups=faces.subject,
            protocol=protocol,
            n_jobs=n_jobs,
            progress=False,
        )
        real = real.set_index("probe")
        for seed in range(draws):
            data = make_realistic_blinding_problem(40, random_state=seed)
            synthetic, _ = audit_report(
                data.X,
                data.sensitive,
                groups=data.subject,
                protocol=protocol,
                n_jobs=n_jobs,
                random_state=seed,
                progress=False,
            )
            for _, row in synthetic.iterrows():
                rows.append(
                    dict(
                        protocol=protocol,
                        probe=row["probe"],
                        draw=seed,
                        synthetic_balanced_accuracy=row["balanced_accuracy"],
                        synthetic_within_auc=row["within_auc"],
                        orl_balanced_accuracy=real.loc[row["probe"], "balanced_accuracy"],
                        orl_within_auc=real.loc[row["probe"], "within_auc"],
                    )
                )
    draws_table = pd.DataFrame(rows)
    spread = draws_table.groupby(["protocol", "probe"]).agg(
        orl_balanced_accuracy=("orl_balanced_accuracy", "first"),
        preset_balanced_accuracy_min=("synthetic_balanced_accuracy", "min"),
        preset_balanced_accuracy_max=("synthetic_balanced_accuracy", "max"),
        orl_within_auc=("orl_within_auc", "first"),
        preset_within_auc_min=("synthetic_within_auc", "min"),
        preset_within_auc_max=("synthetic_within_auc", "max"),
    )
    for metric in ("balanced_accuracy", "within_auc"):
        spread[f"{metric}_inside"] = spread[f"orl_{metric}"].between(
            spread[f"preset_{metric}_min"], spread[f"preset_{metric}_max"]
        )
    return spread.reset_index()


def fit_times(models, X, y, sensitive):
    """Seconds to fit each model once on ``X``."""
    times = {}
    for name, model in models.items():
        start = time.perf_counter()
        clone(model).fit(X, y, sensitive_features=sensitive)
        times[name] = time.perf_counter() - start
    return times


def orl_rows(X, faces, folds, repeats, names, n_jobs, tables, verifications, save):
    """Every method (or those named) on ORL, fitted per outer split: ``folds`` 2, 3, 5 fit
    on 20, 27 and 32 subjects; each split ``repeats`` times (other subject draws)."""
    for n_splits in folds:
        n_train = 40 - 40 // n_splits
        models = methods(DEFAULT_EPOCHS, names=names)
        train = faces.subject < n_train  # timing only: the audit fits per split itself
        times = fit_times(models, X[train], faces.subject[train], faces.smiling[train])
        leakage, verification = audit_report(
            X,
            {"smiling": faces.smiling, "glasses": faces.glasses},
            groups=faces.subject,
            y=faces.subject,
            remove=faces.smiling,
            representations={"raw": None, **models},
            n_splits=n_splits,
            n_repeats=repeats,
            n_jobs=n_jobs,
            progress=False,
        )
        table = summarise(
            leakage,
            verification,
            data="ORL",
            training_subjects=n_train,
            epochs=DEFAULT_EPOCHS,
            repeats=repeats,
        )
        table["fit_seconds"] = table["representation"].map(times)
        tables.append(table)
        verifications.append(verification.assign(data="ORL", training_subjects=n_train))
        save()
        print(f"ORL, {n_train} training subjects: done", flush=True)


def synthetic_rows(
    sizes, test_subjects, names, n_jobs, tables, verifications, save, random_state=0
):
    """Every method (or those named) on the preset: fitted on n subjects, attacked on
    others of the same world."""
    for n in sizes:
        data = make_realistic_blinding_problem(n + test_subjects, random_state=random_state)
        train = data.subject < n
        epochs = epochs_for(n)
        models = methods(epochs, random_state, names)
        representations, times = {"raw": data.X[~train]}, {"raw": 0.0}
        for name, model in models.items():
            start = time.perf_counter()
            fitted = clone(model).fit(
                data.X[train], data.subject[train], sensitive_features=data.sensitive[train]
            )
            times[name] = time.perf_counter() - start
            representations[name] = fitted.transform(data.X[~train])
            print(f"synthetic, {n} subjects: {name} fitted in {times[name]:.1f} s", flush=True)
        leakage, verification = audit_report(
            data.X[~train],
            data.sensitive[~train],
            groups=data.subject[~train],
            y=data.subject[~train],
            representations=representations,
            n_splits=2,  # halves of the attacked people: each attacker learns from ~3/8
            n_jobs=n_jobs,
            progress=False,
        )
        table = summarise(
            leakage,
            verification,
            data="synthetic preset",
            training_subjects=n,
            epochs=epochs,
            random_state=random_state,
        )
        table["fit_seconds"] = table["representation"].map(times)
        tables.append(table)
        verifications.append(verification.assign(data="synthetic preset", training_subjects=n))
        save()


def merge(tables, verifications, folders):
    """This run's rows, then those of earlier outputs for the methods, data sets and sizes
    it did not measure."""

    def key(frame):
        columns = ("data", "training_subjects", "representation")
        return pd.Series(list(zip(*(frame[c] for c in columns), strict=True)))

    tables, verifications = list(tables), list(verifications)
    for folder in map(Path, folders):
        measured = set(key(pd.concat(tables, ignore_index=True))) if tables else set()
        for name, kept in (("generalisation.csv", tables), ("verification.csv", verifications)):
            earlier = pd.read_csv(folder / name)
            kept.append(earlier[~key(earlier).isin(measured).to_numpy()])
    return pd.concat(tables, ignore_index=True), pd.concat(verifications, ignore_index=True)


def plot_learning_curves(table, path):
    """:func:`~skblind.evaluation.plot_learning_curve` of smiling, one panel per data set."""
    removed = table[table["attribute"].isin(["smiling", "sensitive"])]
    order = {name: k for k, name in enumerate(["raw", *methods(1)])}  # same colours in each
    removed = removed.sort_values(
        "representation", key=lambda names: names.map(order), kind="stable"
    )
    panels = list(dict.fromkeys(removed["data"]))
    fig, axes = plt.subplots(1, len(panels), figsize=(7.5 * len(panels), 4.5), squeeze=False)
    for ax, data in zip(axes[0], panels, strict=True):
        part = removed[removed["data"] == data]
        plot_learning_curve(
            part, attribute=part.attribute.iloc[0], goal=0.55, band=False, logx=True, ax=ax
        )
        ax.set_title(f"{data}: held-out attackers, {part.attribute.iloc[0]}", fontsize=9)
    fig.tight_layout()
    fig.savefig(path, dpi=120, bbox_inches="tight")
    plt.close(fig)


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", type=int, nargs="+", default=[40, 200, 1000, 2000])
    parser.add_argument("--test-subjects", type=int, default=100)
    parser.add_argument(
        "--random-state",
        type=int,
        default=0,
        help="the synthetic part's draw of people and the seed of every method",
    )
    parser.add_argument(
        "--orl-folds",
        type=int,
        nargs="+",
        default=[2, 3, 5],
        help="outer folds of the ORL audits (2, 3, 5: fitted on 20, 27, 32 subjects)",
    )
    parser.add_argument(
        "--orl-repeats", type=int, default=3, help="repetitions of each ORL split (subject draws)"
    )
    parser.add_argument("--draws", type=int, default=5)
    parser.add_argument(
        "--methods",
        nargs="+",
        default=None,
        metavar="NAME",
        help="measure only these methods (and raw); with --merge, earlier rows fill in the rest",
    )
    parser.add_argument("--output", default="bench-generalisation")
    parser.add_argument("--n-jobs", type=int, default=-1)
    parser.add_argument(
        "--merge",
        nargs="*",
        default=[],
        metavar="FOLDER",
        help="earlier outputs of this script: their rows of data sets and sizes this run "
        "did not measure join the summary, the CSVs and the learning curve",
    )
    parser.add_argument(
        "--parts",
        nargs="*",
        choices=["preset", "orl", "synthetic"],
        default=["preset", "orl", "synthetic"],
    )
    args = parser.parse_args()
    output = Path(args.output)
    output.mkdir(parents=True, exist_ok=True)
    pd.set_option("display.width", 200)
    tables, verifications = [], []
    if {"preset", "orl"} & set(args.parts):
        X, faces = orl_features()
    if "preset" in args.parts:
        start = time.perf_counter()
        check = preset_check(X, faces, args.draws, args.n_jobs)
        check.to_csv(output / "preset_check.csv", index=False)
        print(f"1. The preset against ORL ({time.perf_counter() - start:.0f} s)", flush=True)
        print(check.round(3).to_string(index=False), flush=True)
        inside = check[["balanced_accuracy_inside", "within_auc_inside"]].sum()
        print(f"inside the preset's spread: {dict(inside)} of {len(check)} each", flush=True)

    def save():
        """Write what is measured so far (a long run keeps its finished parts)."""
        pd.concat(tables, ignore_index=True).to_csv(output / "generalisation.csv", index=False)
        pd.concat(verifications, ignore_index=True).to_csv(output / "verification.csv", index=False)

    if "orl" in args.parts:
        start = time.perf_counter()
        orl_rows(
            X,
            faces,
            args.orl_folds,
            args.orl_repeats,
            args.methods,
            args.n_jobs,
            tables,
            verifications,
            save,
        )
        print(f"2. ORL ({time.perf_counter() - start:.0f} s)", flush=True)
    if "synthetic" in args.parts:
        start = time.perf_counter()
        synthetic_rows(
            args.sizes,
            args.test_subjects,
            args.methods,
            args.n_jobs,
            tables,
            verifications,
            save,
            random_state=args.random_state,
        )
        print(f"3. The synthetic preset ({time.perf_counter() - start:.0f} s)", flush=True)
    if not tables and not args.merge:
        return
    table, verification = merge(tables, verifications, args.merge)
    table.to_csv(output / "generalisation.csv", index=False)
    verification.to_csv(output / "verification.csv", index=False)
    plot_learning_curves(table, output / "learning_curve.png")
    removed = table[table["attribute"].isin(["smiling", "sensitive"])]
    summary = removed.groupby(["data", "training_subjects", "representation"], sort=False).agg(
        worst_within_auc=("within_auc", "max"),
        worst_balanced_accuracy=("balanced_accuracy", "max"),
        attackers_leaking=("verdict", lambda v: int((v == "leaks").sum())),
        verification_roc_auc=("verification_roc_auc", "first"),
        fit_seconds=("fit_seconds", "first"),
        epochs=("epochs", "first"),
    )
    print(summary.round(3).to_string())
    survivor = table[table["attribute"] == "glasses"]
    if len(survivor):
        print("glasses (should survive), largest balanced accuracy over attackers:")
        print(
            survivor.groupby(["training_subjects", "representation"], sort=False)[
                "balanced_accuracy"
            ]
            .max()
            .unstack(0)
            .round(3)
            .to_string()
        )
    print(f"Wrote {output}/generalisation.csv, verification.csv and learning_curve.png")


if __name__ == "__main__":
    main()
