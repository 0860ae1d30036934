"""The ``skblind demo`` job: ORL faces, SFace features, smiling blinded, audited."""

import time

import numpy as np
import pandas as pd
from sklearn.base import clone
from sklearn.metrics import balanced_accuracy_score
from sklearn.model_selection import cross_val_predict

from ..datasets import load_orl_faces
from ..embedding import FaceEmbedder
from ..evaluation import (
    audit_report,
    default_probes,
    feature_removal_curve,
    plot_feature_removal,
    plot_group_tpr,
    plot_tradeoff,
    plot_tsne,
    probe_folds,
    tsne_points,
    verification_report,
    within_identity_auc,
)
from ..suppression import SensitiveNetsSuppressor
from ._protocols import methods, save_figure, table_2, write_tables

__all__ = ["run_demo"]


def _lambda_sweep(X, smiling, subjects, max_epochs, lams=(0.0, 0.5, 2.0, 8.0)):
    """The paper's SensitiveNets over lambda on one subject split, held-out attacker.

    The suppressor is fitted on four fifths of the subjects; an SVM attacker is trained
    and tested only on blinded templates of the other fifth (subject-disjoint folds among
    them), as :func:`~skblind.evaluation.audit_report`'s default protocol does.
    """
    rng = np.random.default_rng(0)
    unique = np.unique(subjects)
    test = np.isin(subjects, rng.choice(unique, size=max(4, len(unique) // 5), replace=False))
    train = ~test
    persons = np.unique(subjects[test], return_inverse=True)[1]
    folds = probe_folds(min(4, persons.max() + 1), grouped=True)
    rows = []
    for lam in lams:
        given = {} if max_epochs is None else {"max_epochs": max_epochs}
        suppressor = SensitiveNetsSuppressor(lam=lam, progress=False, random_state=0, **given).fit(
            X[train], subjects[train], sensitive_features=smiling[train]
        )
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


def run_demo(output, *, n_subjects=40, folds=5, seeds=3, max_epochs=None, n_jobs=None, quiet=False):
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
    max_epochs : int or None, default=None
        Training epochs of the learned methods; None keeps each one's default.
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
    suppressors = methods(max_epochs, random_state=0)

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
    per_seed, fairness = table_2(
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
        tsne_points({"raw SFace pooled": X, **blinded}),
        faces_kept["smiling"],
        label_names={0: "not smiling", 1: "smiling"},
    )
    save_figure(fig, output / "tsne_smiling.png")
    learned = ("SensitiveNets (paper)", "LNTL (paper)", "Blinder")
    removal = feature_removal_curve(
        {"raw": X, **{name: blinded[f"{name} phi"] for name in learned}},
        faces_kept["smiling"],
        groups=subjects,
    )
    fig = plot_feature_removal(removal, attribute="smiling")
    save_figure(fig, output / "feature_removal_smiling.png")
    log("Lambda sweep of SensitiveNets (paper) (one subject split, held-out SVM attacker)")
    sweep = _lambda_sweep(X, faces_kept["smiling"], subjects, max_epochs)
    fig = plot_tradeoff(sweep)
    fig.axes[0].set_xlabel("|SVM within-identity AUC on smiling - 0.5| (held-out attacker)")
    fig.axes[0].set_ylabel("verification ROC AUC (held-out subjects)")
    save_figure(fig, output / "tradeoff_lambda.png")
    tpr = fairness.set_index(fairness.representation + " (" + fairness.split + ")")[
        ["tpr_not_smiling_mean", "tpr_smiling_mean"]
    ]
    tpr.columns = ["not smiling", "smiling"]
    save_figure(plot_group_tpr(tpr), output / "tpr_by_smiling.png")
    tables = {
        "verification": verification,
        "table_1_leakage": leakage,
        "table_1_in_sample": in_sample,
        "table_1_verification": table_1_verification,
        "table_2_fairness": fairness,
        "table_2_per_seed": per_seed,
        "lambda_sweep": sweep,
        "feature_removal": removal,
    }
    write_tables(output, tables)
    tables["seconds"] = time.perf_counter() - start
    return tables
