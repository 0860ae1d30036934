"""Blinding people the methods never saw, against attackers of a stated size.

The deployment protocol (``audit_report(protocol="deployment")``): each method is fitted on
population A, and the attack battery learns from population B (other people, labels of
their own) and is scored on population C (other people again). A deployed blinder is a
public function, so B may be as large as an attacker likes: every row says how many
people its attacker held, and each attacker is drawn at several sizes (its learning
curve), the smaller ones' people among the larger ones', all scored on the same people C.

Two parts, in one run:

1. **The synthetic preset** (``make_realistic_blinding_problem``, the profile fitted to
   ORL's SFace pooled features) at ``--sizes`` N fitted people, ``--draws`` draws each:
   A = N people, B = N people, C = ``--test-subjects`` people, all from one draw of the
   same world. The attackers hold ``--attacker-people`` people (8, 32, 128, 512), N / 10
   and N (sizes above N left out); ``--attacker-pool K`` gives B K x N people, and the
   largest attacker holds them all. The learned methods train for 60 epochs up to 200
   people and for as many gradient steps as 60 epochs take at 200 beyond (``epochs``).
2. **ORL** (SFace pooled, smiling removed, glasses that should survive): ``--orl-draws``
   random halves of the 40 subjects; each method fitted on one half (20 people), the
   battery cross-validated over the other 20 in 4 subject-disjoint folds (attackers of 2,
   4, 8 and 15 people, each scored on every person once).

Writes ``generalisation.csv`` (every leakage row, with ``data``, ``fitted_people``,
``draw``, ``verification_roc_auc`` and ``fit_seconds``), ``verification.csv``,
``summary.csv`` (what it prints), and
``attacker_curve.png`` (the strongest attacker's within-identity AUC against the people it
held, per method and data; bands: the spread over draws), and prints, per data, fitted
people, method and attacker size: the strongest attacker's within-identity AUC over the
draws (mean, min, max), the attackers leaking per draw, its noise floor (the minimum
detectable effect) and verification. ``--merge`` adds earlier outputs' rows of the data,
sizes and methods this run did not measure.

    python benchmarks/bench_generalisation.py [--sizes 200 1000 2000 5000] [--draws 3]
        [--test-subjects 300] [--attacker-people 8 32 128 512] [--orl-draws 3]
        [--methods NAME ...] [--parts orl synthetic] [--raw-up-to 2000] [--n-jobs -1]
        [--attacker-pool 1]
        [--output bench-generalisation] [--merge FOLDER ...]
"""

import argparse
import time
from pathlib import Path

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402
import pandas as pd  # noqa: E402
from sklearn.base import clone  # noqa: E402

from skblind.datasets import load_orl_faces, make_realistic_blinding_problem  # noqa: E402
from skblind.embedding import FaceEmbedder  # noqa: E402
from skblind.evaluation import audit_report  # noqa: E402
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
DEFAULT_METHODS = ("Blinder (recipe)",)


def methods(epochs, random_state=0, names=DEFAULT_METHODS):
    """The methods named, the learned ones with ``epochs`` epochs."""
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
    unknown = sorted(set(names) - set(every))
    if unknown:
        raise ValueError(f"unknown methods {unknown}; choose among {list(every)}")
    return {name: every[name] for name in names}


def epochs_for(n_subjects):
    """60 epochs up to 200 subjects; beyond, as many gradient steps as 60 epochs at 200."""
    return max(1, round(DEFAULT_EPOCHS * min(1.0, 200 / n_subjects)))


def fitted(models, X, y, sensitive):
    """Each model fitted on (X, y, sensitive), and the seconds each took."""
    out, seconds = {}, {}
    for name, model in models.items():
        start = time.perf_counter()
        out[name] = clone(model).fit(X, y, sensitive_features=sensitive)
        seconds[name] = time.perf_counter() - start
    return out, seconds


def with_verification(audit, **columns):
    """The audit's leakage rows with its verification ROC AUC and the run's columns."""
    auc = audit.verification.set_index("representation")["roc_auc"]
    table = audit.leakage.assign(**columns)
    table["verification_roc_auc"] = table.representation.map(auc)
    return table


def synthetic_rows(n, draw, test_subjects, sizes, names, n_jobs, raw=True, pool=1):
    """The preset at ``n`` fitted people, one draw: A (``n`` people), B (``pool`` x ``n``)
    and C (``test_subjects``)."""
    data = make_realistic_blinding_problem((1 + pool) * n + test_subjects, random_state=draw)
    A = data.subject < n
    rest = ~A
    X, s, subject = data.X[rest], data.sensitive[rest], data.subject[rest]
    epochs = epochs_for(n)
    models, seconds = fitted(
        methods(epochs, draw, names), data.X[A], data.subject[A], data.sensitive[A]
    )
    end_of_B = (1 + pool) * n
    B, C = np.flatnonzero(subject < end_of_B), np.flatnonzero(subject >= end_of_B)
    people = sorted({k for k in sizes if k < pool * n} | {max(1, n // 10), n, pool * n})
    audit = audit_report(
        X,
        s,
        groups=subject,
        y=subject,
        representations={**({"raw": None} if raw else {}), **models},
        reference="raw" if raw else next(iter(models)),
        protocol="deployment",
        attack_splits=[(B, C)],
        attacker_people=people,
        n_jobs=n_jobs,
        random_state=draw,
        progress=False,
    )
    table = with_verification(
        audit, data="synthetic preset", fitted_people=n, draw=draw, epochs=epochs
    )
    table["fit_seconds"] = table.representation.map({"raw": 0.0, **seconds})
    return table, audit.verification.assign(data="synthetic preset", fitted_people=n, draw=draw)


def orl_rows(X, faces, draw, names, n_jobs):
    """ORL: the methods fitted on a random half of the subjects, the other half attacked."""
    rng = np.random.default_rng(draw)
    half = rng.choice(np.unique(faces.subject), size=20, replace=False)
    A = np.isin(faces.subject, half)
    models, seconds = fitted(
        methods(DEFAULT_EPOCHS, draw, names), X[A], faces.subject[A], faces.smiling[A]
    )
    audit = audit_report(
        X[~A],
        {"smiling": faces.smiling[~A], "glasses": faces.glasses[~A]},
        groups=faces.subject[~A],
        y=faces.subject[~A],
        representations={"raw": None, **models},
        protocol="deployment",
        attack_splits=4,
        attacker_people=[2, 4, 8, None],
        n_jobs=n_jobs,
        random_state=draw,
        progress=False,
    )
    table = with_verification(audit, data="ORL", fitted_people=20, draw=draw, epochs=DEFAULT_EPOCHS)
    table["fit_seconds"] = table.representation.map({"raw": 0.0, **seconds})
    return table, audit.verification.assign(data="ORL", fitted_people=20, draw=draw)


def merge(tables, verifications, folders):
    """This run's rows, then earlier outputs' for the data, sizes and methods it did not
    measure."""

    def key(frame):
        columns = ("data", "fitted_people", "representation")
        return pd.Series(list(zip(*(frame[c] for c in columns), strict=True)))

    tables, verifications = list(tables), list(verifications)
    for folder in map(Path, folders):
        measured = set(key(pd.concat(tables, ignore_index=True))) if tables else set()
        for name, kept in (("generalisation.csv", tables), ("verification.csv", verifications)):
            earlier = pd.read_csv(folder / name)
            kept.append(earlier[~key(earlier).isin(measured).to_numpy()])
    return pd.concat(tables, ignore_index=True), pd.concat(verifications, ignore_index=True)


def strongest(table):
    """Per data, fitted people, method, attacker size and draw: the strongest attacker."""
    removed = table[table.attribute.isin(["smiling", "sensitive"])]
    keys = ["data", "fitted_people", "representation", "attacker_people", "draw"]
    by_draw = removed.groupby(keys, sort=False).agg(
        within_auc=("within_auc", "max"),
        balanced_accuracy=("balanced_accuracy", "max"),
        leaking=("verdict", lambda v: int((v == "leaks").sum())),
        attackers=("verdict", "size"),
        within_auc_mde=("within_auc_mde", "median"),
        verification_roc_auc=("verification_roc_auc", "first"),
    )
    return by_draw.reset_index()


def summary(table):
    """Over draws: the strongest attacker's within-identity AUC (mean, min, max) and more."""
    by_draw = strongest(table)
    keys = ["data", "fitted_people", "representation", "attacker_people"]
    return by_draw.groupby(keys, sort=False).agg(
        draws=("draw", "nunique"),
        within_auc=("within_auc", "mean"),
        within_auc_min=("within_auc", "min"),
        within_auc_max=("within_auc", "max"),
        balanced_accuracy=("balanced_accuracy", "mean"),
        leaking_per_draw=("leaking", lambda v: "/".join(str(int(x)) for x in v)),
        attackers=("attackers", "first"),
        noise_floor=("within_auc_mde", "median"),
        verification_roc_auc=("verification_roc_auc", "mean"),
    )


def plot_curves(table, path):
    """The strongest attacker's within-identity AUC against the people it held."""
    by_draw = strongest(table)
    panels = list(dict.fromkeys(zip(by_draw.data, by_draw.fitted_people, strict=True)))
    fig, axes = plt.subplots(1, len(panels), figsize=(4.2 * len(panels), 4), squeeze=False)
    for ax, (data, n) in zip(axes[0], panels, strict=True):
        part = by_draw[(by_draw.data == data) & (by_draw.fitted_people == n)]
        for k, (name, rows) in enumerate(part.groupby("representation", sort=False)):
            spread = rows.groupby("attacker_people").within_auc.agg(["mean", "min", "max"])
            x = spread.index.to_numpy(dtype=float)
            # A curve at chance means nothing without what identity kept: say it.
            auc = rows.groupby("draw").verification_roc_auc.first().mean()
            label = f"{name} (verification {auc:.3f})"
            ax.plot(x, spread["mean"], marker="o", color=f"C{k}", label=label)
            ax.fill_between(x, spread["min"], spread["max"], color=f"C{k}", alpha=0.15)
        ax.axhline(0.5, color="grey", linestyle=":", label="chance")
        ax.axhline(0.55, color="black", linestyle="--", linewidth=0.8, label="goal (0.55)")
        ax.set_xscale("log")
        sizes = sorted(part.attacker_people.unique())
        ax.set_xticks(sizes, [str(int(v)) for v in sizes], fontsize=7)
        ax.minorticks_off()
        ax.set_xlabel("people the attacker held")
        ax.set_title(f"{data}, methods fitted on {n} people", fontsize=9)
        ax.legend(fontsize=7, loc="upper center", bbox_to_anchor=(0.5, -0.18))
    axes[0][0].set_ylabel("strongest attacker's within-identity AUC")
    fig.tight_layout()
    fig.savefig(path, dpi=120, bbox_inches="tight")
    plt.close(fig)


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", type=int, nargs="+", default=[200, 1000, 2000, 5000])
    parser.add_argument("--draws", type=int, default=3)
    parser.add_argument("--first-draw", type=int, default=0)
    parser.add_argument("--test-subjects", type=int, default=300)
    parser.add_argument("--attacker-people", type=int, nargs="+", default=[8, 32, 128, 512])
    parser.add_argument(
        "--attacker-pool",
        type=int,
        default=1,
        help="B holds this many times N people: the largest attacker holds K x N "
        "(write to an --output of its own: --merge keys on data, N and method)",
    )
    parser.add_argument("--orl-draws", type=int, default=3)
    parser.add_argument("--methods", nargs="+", default=list(DEFAULT_METHODS), metavar="NAME")
    parser.add_argument(
        "--parts", nargs="*", choices=["orl", "synthetic"], default=["orl", "synthetic"]
    )
    parser.add_argument(
        "--raw-up-to",
        type=int,
        default=2000,
        help="attack the raw embeddings at fitted sizes up to this (they leak at every "
        "size; above it, only the methods are attacked, at half the cost)",
    )
    parser.add_argument("--n-jobs", type=int, default=-1)
    parser.add_argument("--output", default="bench-generalisation")
    parser.add_argument("--merge", nargs="*", default=[], metavar="FOLDER")
    args = parser.parse_args()
    output = Path(args.output)
    output.mkdir(parents=True, exist_ok=True)
    pd.set_option("display.width", 220)
    tables, verifications = [], []

    def save():
        """Write what is measured so far (a long run keeps its finished parts)."""
        pd.concat(tables, ignore_index=True).to_csv(output / "generalisation.csv", index=False)
        pd.concat(verifications, ignore_index=True).to_csv(output / "verification.csv", index=False)

    if "orl" in args.parts:
        faces = load_orl_faces()
        X = FaceEmbedder(layer="pooled", progress=False).fit_transform(faces.images)
        for draw in range(args.orl_draws):
            start = time.perf_counter()
            table, verification = orl_rows(X, faces, draw, args.methods, args.n_jobs)
            tables.append(table)
            verifications.append(verification)
            save()
            print(f"ORL, draw {draw}: {time.perf_counter() - start:.0f} s", flush=True)
    if "synthetic" in args.parts:
        for n in args.sizes:
            for draw in range(args.first_draw, args.first_draw + args.draws):
                start = time.perf_counter()
                table, verification = synthetic_rows(
                    n,
                    draw,
                    args.test_subjects,
                    args.attacker_people,
                    args.methods,
                    args.n_jobs,
                    raw=n <= args.raw_up_to,
                    pool=args.attacker_pool,
                )
                tables.append(table)
                verifications.append(verification)
                save()
                print(
                    f"preset, {n} fitted people, draw {draw}: {time.perf_counter() - start:.0f} s",
                    flush=True,
                )
    if not tables and not args.merge:
        return
    table, verification = merge(tables, verifications, args.merge)
    table.to_csv(output / "generalisation.csv", index=False)
    verification.to_csv(output / "verification.csv", index=False)
    plot_curves(table, output / "attacker_curve.png")
    summary(table).round(4).to_csv(output / "summary.csv")
    print(summary(table).round(3).to_string())
    survivor = table[table.attribute == "glasses"]
    if len(survivor):
        print("glasses (should survive), strongest attacker's balanced accuracy, mean over draws:")
        kept = survivor.groupby(
            ["representation", "attacker_people", "draw"]
        ).balanced_accuracy.max()
        print(kept.groupby(level=[0, 1]).mean().unstack().round(3).to_string())
    print(f"Wrote {output}/generalisation.csv, verification.csv, summary.csv, attacker_curve.png")


if __name__ == "__main__":
    main()
