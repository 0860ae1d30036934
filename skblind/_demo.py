"""The ``skblind demo`` job: ORL faces, SFace features, smiling blinded, audited."""

import json
import time

import numpy as np
import pandas as pd
from sklearn.base import clone
from sklearn.linear_model import LogisticRegression
from sklearn.metrics import balanced_accuracy_score
from sklearn.model_selection import GroupKFold, cross_val_predict
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler

from ._io import atomic_path
from .datasets import load_orl_faces
from .embedding import FaceEmbedder
from .evaluation import (
    audit_report,
    default_probes,
    equality_of_opportunity,
    group_metric_frame,
    make_biased_split,
    plot_feature_removal,
    plot_group_tpr,
    plot_tradeoff,
    plot_tsne,
    verification_report,
    within_identity_auc,
)
from .suppression import INLPEraser, LEACEEraser, LNTLSuppressor, SensitiveNetsSuppressor

__all__ = ["run_demo"]


def _suppressors(max_epochs, random_state):
    common = dict(max_epochs=max_epochs, progress=False, random_state=random_state)
    return {
        "LEACE": LEACEEraser(),
        "INLP": INLPEraser(),
        "SensitiveNets": SensitiveNetsSuppressor(**common),
        "LNTL": LNTLSuppressor(**common),
    }


def _table_2(X, smiling, glasses, subjects, suppressors, seeds, log):
    """Glasses classifiers trained on smiling-biased and unbiased splits; TPR by smiling."""
    rows = []
    unique = np.unique(subjects)
    for seed in range(seeds):
        rng = np.random.default_rng(seed)
        train_subjects = rng.choice(unique, size=len(unique) // 2, replace=False)
        train = np.isin(subjects, train_subjects)
        test = ~train
        representations = {"raw": (X[train], X[test])}
        for name, suppressor in suppressors.items():
            fitted = clone(suppressor).fit(
                X[train], subjects[train], sensitive_features=smiling[train]
            )
            representations[name] = (fitted.transform(X[train]), fitted.transform(X[test]))
        for split_name, bias in (("biased", 0.7), ("unbiased", 0.5)):
            chosen = make_biased_split(
                glasses[train], smiling[train], bias=bias, privileged=1, random_state=seed
            )
            for rep_name, (Z_train, Z_test) in representations.items():
                model = make_pipeline(StandardScaler(), LogisticRegression(max_iter=5000))
                model.fit(Z_train[chosen], glasses[train][chosen])
                predicted = model.predict(Z_test)
                frame = group_metric_frame(glasses[test], predicted, smiling[test])
                tpr = frame.by_group["true_positive_rate"]
                rows.append(
                    {
                        "seed": seed,
                        "split": split_name,
                        "representation": rep_name,
                        "n_train": len(chosen),
                        "accuracy": frame.overall["accuracy"],
                        "tpr_not_smiling": tpr.get(0, np.nan),
                        "tpr_smiling": tpr.get(1, np.nan),
                        "tpr_gap": abs(tpr.get(1, np.nan) - tpr.get(0, np.nan)),
                        "equality_of_opportunity": equality_of_opportunity(
                            glasses[test], predicted, smiling[test]
                        ),
                    }
                )
        log(f"  Table II: seed {seed + 1}/{seeds} done")
    per_seed = pd.DataFrame(rows)
    summary = (
        per_seed.groupby(["split", "representation"], sort=False)
        .agg(["mean", "std"])
        .drop(columns=["seed", "n_train"], level=0)
    )
    summary.columns = [f"{a}_{b}" for a, b in summary.columns]
    return per_seed, summary.reset_index()


def _lambda_sweep(X, smiling, subjects, max_epochs, lams=(0.0, 0.5, 2.0, 8.0)):
    """SensitiveNets over lambda on one subject split, attacked by a held-out attacker.

    The suppressor is fitted on four fifths of the subjects; an SVM attacker is trained
    and tested only on blinded templates of the other fifth (subject-disjoint folds among
    them), as :func:`~skblind.evaluation.audit_report`'s default protocol does.
    """
    rng = np.random.default_rng(0)
    unique = np.unique(subjects)
    test = np.isin(subjects, rng.choice(unique, size=max(4, len(unique) // 5), replace=False))
    train = ~test
    persons = np.unique(subjects[test], return_inverse=True)[1]
    folds = GroupKFold(min(4, persons.max() + 1))
    rows = []
    for lam in lams:
        suppressor = SensitiveNetsSuppressor(
            lam=lam, max_epochs=max_epochs, progress=False, random_state=0
        ).fit(X[train], subjects[train], sensitive_features=smiling[train])
        Z = suppressor.transform(X[test])
        attacker = default_probes()["SVM"]
        scores = cross_val_predict(
            attacker, Z, smiling[test], groups=persons, cv=folds, method="decision_function"
        )
        within, _ = within_identity_auc(smiling[test], scores, persons)
        rows.append(
            {
                "lam": lam,
                "leakage": abs(within - 0.5),
                "svm_within_auc": within,
                "svm_balanced_accuracy": balanced_accuracy_score(smiling[test], scores > 0),
                "utility": verification_report(Z, subjects[test])["roc_auc"],
            }
        )
    return pd.DataFrame(rows)


def _save_figure(fig, path):
    import matplotlib.pyplot as plt

    with atomic_path(path) as tmp:
        fig.savefig(tmp, format="png", dpi=120)
    plt.close(fig)


def _write_tables(output, tables):
    for name, table in tables.items():
        with atomic_path(output / f"{name}.csv") as tmp:
            table.to_csv(tmp, index=False)
    with atomic_path(output / "report.json") as tmp:
        tmp.write_text(
            json.dumps(
                {
                    name: json.loads(table.to_json(orient="records"))
                    for name, table in tables.items()
                },
                indent=2,
            )
        )


def run_demo(output, *, n_subjects=40, folds=5, seeds=3, max_epochs=60, n_jobs=None, quiet=False):
    """Run the demo and write its tables and figure to ``output``.

    Parameters
    ----------
    output : pathlib.Path
        Folder for ``table_1_*.csv``, ``table_2_*.csv``, ``verification.csv``,
        ``lambda_sweep.csv``, ``report.json``, ``tsne_smiling.png``,
        ``feature_removal_smiling.png``, ``tpr_by_smiling.png`` and
        ``tradeoff_lambda.png``.
    n_subjects : int, default=40
        Use the first ``n_subjects`` ORL subjects (fewer for a quick run).
    folds : int, default=5
        Subject-disjoint folds of Table I.
    seeds : int, default=3
        Repetitions (subject splits) of Table II.
    max_epochs : int, default=60
        Training epochs of the suppressors.
    n_jobs : int, default=None
        Parallel jobs of the audit (joblib).
    quiet : bool, default=False
        No progress output.

    Returns
    -------
    dict
        The tables, by name.
    """
    start = time.perf_counter()

    def log(message):
        if not quiet:
            print(message, flush=True)

    faces = load_orl_faces()
    keep = faces.subject <= n_subjects
    images, subjects = faces.images[keep], faces.subject[keep]
    faces_kept = {k: faces[k][keep] for k in ("smiling", "glasses")}
    verification_rows, features = [], {}
    for layer in ("embedding", "pooled"):
        embedder = FaceEmbedder(layer=layer, progress=not quiet)
        features[layer] = embedder.fit_transform(images)
        verification_rows.append({"layer": layer, **verification_report(features[layer], subjects)})
    verification = pd.DataFrame(verification_rows)
    X = features["pooled"]
    suppressors = _suppressors(max_epochs, random_state=0)

    log(
        "Table I: attackers on smiling (removed) and glasses (kept), trained only on blinded "
        "templates of held-out subjects"
    )
    leakage, table_1_verification = audit_report(
        X,
        {"smiling": faces_kept["smiling"], "glasses": faces_kept["glasses"]},
        groups=subjects,
        y=subjects,
        remove=faces_kept["smiling"],
        representations={"raw": None, **suppressors},
        n_splits=folds,
        n_jobs=n_jobs,
        progress=not quiet,
    )
    log("Table I, the paper's in-sample protocol for comparison (smiling, the paper's probes)")
    paper_probes = {k: v for k, v in default_probes().items() if k in ("MLP", "SVM", "RF", "LR")}
    in_sample, _ = audit_report(
        X,
        {"smiling": faces_kept["smiling"]},
        groups=subjects,
        y=subjects,
        representations={"raw": None, **suppressors},
        probes=paper_probes,
        adaptive=False,
        protocol="in-sample",
        n_splits=folds,
        n_jobs=n_jobs,
        progress=not quiet,
    )
    log("Table II: glasses classifier on smiling-biased and unbiased splits")
    per_seed, table_2 = _table_2(
        X, faces_kept["smiling"], faces_kept["glasses"], subjects, suppressors, seeds, log
    )
    log("Figures: t-SNE and feature removal (methods fitted on all subjects)")
    blinded = {
        f"{name} phi": clone(model)
        .fit(X, subjects, sensitive_features=faces_kept["smiling"])
        .transform(X)
        for name, model in suppressors.items()
    }
    fig = plot_tsne(
        {"raw SFace pooled": X, **blinded},
        faces_kept["smiling"],
        label_names={0: "not smiling", 1: "smiling"},
    )
    _save_figure(fig, output / "tsne_smiling.png")
    fig = plot_feature_removal(
        {"raw": X, "SensitiveNets": blinded["SensitiveNets phi"], "LNTL": blinded["LNTL phi"]},
        faces_kept["smiling"],
        groups=subjects,
    )
    _save_figure(fig, output / "feature_removal_smiling.png")
    log("Lambda sweep of SensitiveNets (one subject split, held-out SVM attacker)")
    sweep = _lambda_sweep(X, faces_kept["smiling"], subjects, max_epochs)
    fig = plot_tradeoff(sweep)
    fig.axes[0].set_xlabel("|SVM within-identity AUC on smiling - 0.5| (held-out attacker)")
    fig.axes[0].set_ylabel("verification ROC AUC (held-out subjects)")
    _save_figure(fig, output / "tradeoff_lambda.png")
    tpr = table_2.set_index(table_2.representation + " (" + table_2.split + ")")[
        ["tpr_not_smiling_mean", "tpr_smiling_mean"]
    ]
    tpr.columns = ["not smiling", "smiling"]
    _save_figure(plot_group_tpr(tpr), output / "tpr_by_smiling.png")
    tables = {
        "verification": verification,
        "table_1_leakage": leakage,
        "table_1_in_sample": in_sample,
        "table_1_verification": table_1_verification,
        "table_2_fairness": table_2,
        "table_2_per_seed": per_seed,
        "lambda_sweep": sweep,
    }
    _write_tables(output, tables)
    tables["seconds"] = time.perf_counter() - start
    return tables
