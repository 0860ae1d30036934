"""The ``skblind reproduce`` job: the ICPR 2020 protocol on the data sets a user has.

- Table I: expression leakage on CFEE (subject-disjoint folds; the suppressors learn
  identity from DiveFace beside CFEE when DiveFace is given, as the paper's S_P and S_E),
  LFW view 2 verification, and gender / ethnic group on held-out DiveFace identities.
- Table II: a CelebA classifier of one attribute trained on a split biased by smiling,
  and on an unbiased one: TPR by smiling group, gap, equality of opportunity.
- Figures 3-5: t-SNE of CFEE by expression before and after, probe accuracy as
  features are removed at random.

Each part runs with the data sets it needs and says which parts were skipped and why.
"""

import time
from numbers import Integral
from pathlib import Path

import numpy as np
import pandas as pd
from sklearn.base import BaseEstimator, TransformerMixin, clone
from sklearn.utils import Bunch

from .._compat import Interval, validate_params
from .._io import chunks_of
from ..datasets import load_celeba, load_cfee, load_diveface, load_lfw
from ..embedding import FaceEmbedder, embed_to_shards, read_shards
from ..evaluation import (
    audit_report,
    feature_removal_curve,
    pair_similarities,
    plot_feature_removal,
    plot_tsne,
    tsne_points,
    verification_report,
)
from ._protocols import (
    compared_methods,
    describe_run,
    report_pairs,
    save_figure,
    table_2,
    write_report,
    write_tables,
)

__all__ = ["run_reproduce"]


class _WithIdentitySource(BaseEstimator, TransformerMixin):
    """Fit a suppressor on the fold's rows plus identity-only rows from another data set.

    The extra rows carry identities but no sensitive label (missing: None), so they
    train only the utility side: the paper's S_P (DiveFace) beside S_E (CFEE).
    """

    def __init__(self, estimator, X_extra, y_extra):
        self.estimator = estimator
        self.X_extra = X_extra
        self.y_extra = y_extra

    def fit(self, X, y, sensitive_features):
        X_all = np.vstack([X, self.X_extra])
        y_all = np.concatenate([np.asarray(y, dtype=object), self.y_extra.astype(object)])
        s_all = np.concatenate(
            [np.asarray(sensitive_features, dtype=object), np.full(len(self.X_extra), None)]
        )
        self.estimator_ = clone(self.estimator).fit(X_all, y_all, sensitive_features=s_all)
        return self

    def transform(self, X):
        return self.estimator_.transform(X)


def _subsample(subjects, max_images, rng):
    """Rows of whole subjects, in random order, until ``max_images`` rows."""
    if max_images is None or len(subjects) <= max_images:
        return np.arange(len(subjects))
    chosen, total = [], 0
    unique, counts = np.unique(subjects, return_counts=True)
    for index in rng.permutation(len(unique)):
        if total + counts[index] > max_images and chosen:
            continue
        chosen.append(unique[index])
        total += counts[index]
    return np.flatnonzero(np.isin(subjects, chosen))


class _Embeddings:
    """Embed each data set once into ``output/embeddings/<name>`` (resumable shards)."""

    def __init__(self, output, backbone, layer, quiet, log):
        self.folder = Path(output) / "embeddings"
        self.embedder = FaceEmbedder(backbone=backbone, layer=layer, on_no_face="nan")
        self.quiet, self.log = quiet, log

    def __call__(self, name, paths):
        paths = [str(p) for p in paths]
        chunks = (pd.DataFrame({"path": chunk}) for chunk in chunks_of(paths, 1024))
        embed_to_shards(chunks, self.folder / name, self.embedder, progress=not self.quiet)
        X, table = read_shards(self.folder / name)
        if table["path"].tolist() != paths:
            raise ValueError(f"{self.folder / name}: holds other images; delete it to re-embed")
        found = ~np.isnan(X).any(axis=1)
        if not found.all():
            self.log(f"  {name}: no face found in {np.sum(~found)} of {len(X)} images (dropped)")
        return X, found


def _table_1(cfee, diveface, lfw, suppressors, folds, log):
    """Expression leakage (CFEE), verification (LFW), demographic probes (DiveFace)."""
    X, expression, subject = cfee
    representations = dict(suppressors)
    identity = np.array([f"cfee:{s}" for s in subject], dtype=object)
    dive_train = dive_test = None
    if diveface is not None:
        X_dive, data = diveface
        rng = np.random.default_rng(0)
        train_subjects = []  # half of the identities of each demographic class
        for demographic in np.unique(data.demographic):
            unique = rng.permutation(np.unique(data.subject[data.demographic == demographic]))
            train_subjects += list(unique[: len(unique) // 2])
        dive_train = np.isin(data.subject, train_subjects)
        dive_test = ~dive_train
        y_extra = np.array([f"diveface:{s}" for s in data.subject[dive_train]], dtype=object)
        representations = {
            name: _WithIdentitySource(model, X_dive[dive_train], y_extra)
            for name, model in suppressors.items()
        }
    log(f"Table I: expression attackers on CFEE ({len(X)} images), subject-disjoint folds")
    audit = audit_report(
        X,
        {"expression": expression},
        groups=subject,
        y=identity,
        representations={"raw": None, **representations},
        n_splits=folds,
    )
    leakage, cfee_verification = audit.leakage, audit.verification
    leakage.insert(0, "dataset", "CFEE")
    cfee_verification.insert(0, "dataset", "CFEE")
    final = {
        name: clone(model).fit(X, identity, sensitive_features=expression)
        for name, model in representations.items()
    }
    verification = [cfee_verification]
    curves = {"pairs": {}, "verification_fairness": {}}
    if lfw is not None:
        X_lfw, data, pairs = lfw
        log(f"Table I: LFW view 2 verification ({len(pairs)} pairs, 10 folds)")
        rows = []
        for name, model in {"raw": None, **final}.items():
            Z = X_lfw if model is None else model.transform(X_lfw)
            report = verification_report(Z, data.subject, pairs=pairs, n_folds=10)
            rows.append({"dataset": "LFW", "representation": name, **report})
            curves["pairs"][f"LFW: {name}"] = pair_similarities(Z, data.subject, pairs)
        verification.append(pd.DataFrame(rows))
    if diveface is not None:
        X_dive, data = diveface
        log("Table I: gender and ethnic group attackers on held-out DiveFace identities")
        fixed = {name: model.transform(X_dive[dive_test]) for name, model in final.items()}
        dive = audit_report(
            X_dive[dive_test],
            {"gender": data.gender[dive_test], "ethnic_group": data.ethnic_group[dive_test]},
            groups=data.subject[dive_test],
            y=data.subject[dive_test],
            representations={"raw": None, **fixed},
            adaptive=False,
            protocol="deployment",
        )
        dive.leakage.insert(0, "dataset", "DiveFace")
        dive.verification.insert(0, "dataset", "DiveFace")
        leakage = pd.concat([leakage, dive.leakage])
        verification.append(dive.verification)
        _, by_demographic = report_pairs(
            {"raw": X_dive[dive_test], **fixed},
            data.subject[dive_test],
            data.demographic[dive_test],
        )
        curves["verification_fairness"] = {
            f"DiveFace: {name}": frame for name, frame in by_demographic.items()
        }
    return leakage, pd.concat(verification, ignore_index=True), final, curves


@validate_params(
    {
        "max_images": [Interval(Integral, 1, None, closed="left"), None],
        "folds": [Interval(Integral, 2, None, closed="left")],
        "seeds": [Interval(Integral, 1, None, closed="left")],
        "max_epochs": [Interval(Integral, 1, None, closed="left"), None],
        "quiet": ["boolean"],
    },
    prefer_skip_nested_validation=False,
)
def _load(cfee, diveface, lfw, embed, max_images, rng):
    """Embed the data sets given: name -> what Table I and the figures read of each."""
    loaded = {}
    if cfee is not None:
        data = load_cfee(cfee)
        rows = _subsample(data.subject, max_images, rng)
        rows = rows[data.basic[rows]]  # the paper's seven classes: neutral and basic six
        X, found = embed("cfee", np.asarray(data.paths)[rows])
        rows = rows[found]
        loaded["cfee"] = (X[found], data.expression[rows], data.subject[rows])
    if diveface is not None:
        data = load_diveface(diveface)
        rows = _subsample(data.subject, max_images, rng)
        X, found = embed("diveface", np.asarray(data.paths)[rows])
        keep = rows[found]
        loaded["diveface"] = (
            X[found],
            Bunch(
                **{k: data[k][keep] for k in ("subject", "gender", "ethnic_group", "demographic")}
            ),
        )
    if lfw is not None:
        data = load_lfw(lfw, view="view2")
        X, found = embed("lfw", data.paths)
        if not found.all():
            raise ValueError(
                f"{lfw}: no face found in {np.sum(~found)} LFW images; the pairs need every image"
            )
        loaded["lfw"] = (X, data, data.pair_indices)
    return loaded


def _figures(cfee, final, raw_name, output, part, tables, report):
    """Figures 3-5 of the paper on CFEE: t-SNE per method, and feature removal."""
    X, expression, subject = cfee
    if part("Figures 3 and 5 (t-SNE)", "CFEE", []):
        shown = {raw_name: X}
        shown.update({f"{name} phi": m.transform(X) for name, m in final.items()})
        png = save_figure(plot_tsne(tsne_points(shown), expression), output / "tsne_expression.png")
        report["figures"]["t-SNE"] = (
            png,
            "t-SNE of CFEE, raw and through each method (fitted on all of CFEE: an "
            "illustration); colours: expression.",
        )
    if part("Figure 4 (feature removal)", "CFEE", []):
        curve = feature_removal_curve(
            {"raw": X, "Blinder": final["Blinder"].transform(X)}, expression, groups=subject
        )
        tables["feature_removal"] = curve
        png = save_figure(
            plot_feature_removal(curve, attribute="expression"),
            output / "feature_removal_expression.png",
        )
        report["figures"]["Feature removal"] = (
            png,
            "SVM attacker reading expression as a growing share of features is removed at "
            "random (Fig. 4 of the paper).",
        )


def _celeba_table_2(celeba, target, embed, max_images, rng, suppressors, seeds, log):
    """Table II on CelebA: ``target`` classifiers on Smiling-biased and unbiased splits."""
    data = load_celeba(celeba)
    if target not in data.attributes:
        raise ValueError(f"celeba_target={target!r} is not a CelebA attribute")
    rows = _subsample(data.subject, max_images, rng)
    X, found = embed("celeba", np.asarray(data.paths)[rows])
    rows = rows[found]
    log(f"Table II: {target} classifier on Smiling-biased and unbiased splits")
    return table_2(
        X[found],
        data.attributes[target].to_numpy()[rows],
        data.attributes["Smiling"].to_numpy()[rows],
        data.subject[rows],
        suppressors,
        seeds=seeds,
        log=log,
    )


def run_reproduce(
    output,
    *,
    cfee=None,
    diveface=None,
    lfw=None,
    celeba=None,
    backbone="sface",
    layer="pooled",
    max_images=None,
    celeba_target="Eyeglasses",
    folds=5,
    seeds=3,
    max_epochs=None,
    quiet=False,
):
    """Run the paper's protocol on the data sets given and write tables and figures.

    Parameters
    ----------
    output : pathlib.Path
        Folder for ``parts.csv``, ``table_1_leakage.csv``, ``table_1_verification.csv``,
        ``table_2_fairness.csv``, ``table_2_per_seed.csv``, ``report.json``,
        ``report.html`` (everything on one page), the figures and ``embeddings/``
        (resumable: a rerun does not embed again).
    cfee, diveface, lfw, celeba : path-like or None
        Roots of the data sets, as read by :func:`~skblind.datasets.load_cfee`,
        :func:`~skblind.datasets.load_diveface`, :func:`~skblind.datasets.load_lfw`
        (view 2) and :func:`~skblind.datasets.load_celeba`.
    backbone, layer : str
        The :class:`~skblind.embedding.FaceEmbedder` settings.
    max_images : int, default=None
        Keep at most this many images of each data set (whole subjects, seeded
        choice); None keeps all. LFW's pairs are kept whole.
    celeba_target : str, default="Eyeglasses"
        The CelebA attribute the Table II classifier predicts (smiling is the bias).
    folds : int, default=5
        Subject-disjoint folds of Table I.
    seeds : int, default=3
        Repetitions of Table II.
    max_epochs : int or None, default=None
        Training epochs of the learned methods; None keeps each one's default.
    quiet : bool, default=False
        No progress output.

    Returns
    -------
    dict
        The tables, by name, with ``parts`` saying what ran and what was skipped.
    """
    start = time.perf_counter()

    def log(message):
        if not quiet:
            print(message, flush=True)

    if not any(root is not None for root in (cfee, diveface, lfw, celeba)):
        raise ValueError("give at least one data set (--cfee, --diveface, --lfw, --celeba)")
    rng = np.random.default_rng(0)
    embed = _Embeddings(output, backbone, layer, quiet, log)
    suppressors = compared_methods(max_epochs, random_state=0)
    parts, tables, report, protocols = [], {}, {"figures": {}}, {}

    def part(name, needs, missing):
        reason = f"needs {', '.join('--' + m for m in missing)}" if missing else ""
        parts.append({"part": name, "needs": needs, "ran": not missing, "reason": reason})
        if missing:
            log(f"Skipped {name}: {reason}")
        return not missing

    loaded = _load(cfee, diveface, lfw, embed, max_images, rng)
    if part("Table I", "CFEE (+ DiveFace, LFW)", [] if cfee is not None else ["cfee"]):
        leakage, verification, final, curves = _table_1(
            loaded["cfee"], loaded.get("diveface"), loaded.get("lfw"), suppressors, folds, log
        )
        tables["table_1_leakage"], tables["table_1_verification"] = leakage, verification
        report.update(leakage=leakage, verification=verification, **curves)
        for missing in ("diveface", "lfw"):
            if missing not in loaded:
                log(f"  Table I without --{missing}: its rows are left out")
        _figures(loaded["cfee"], final, f"raw {backbone} {layer}", output, part, tables, report)
    else:
        part("Figures 3 and 5 (t-SNE)", "CFEE", ["cfee"])
        part("Figure 4 (feature removal)", "CFEE", ["cfee"])

    if part("Table II", "CelebA", [] if celeba is not None else ["celeba"]):
        fairness = _celeba_table_2(
            celeba, celeba_target, embed, max_images, rng, suppressors, seeds, log
        )
        tables["table_2_fairness"] = fairness.summary
        tables["table_2_per_seed"] = fairness.per_seed
        report.update(fairness=fairness.frames, fairness_summary=fairness.summary)
        protocols["table_2"] = {
            "target": celeba_target,
            "sensitive": "Smiling",
            **fairness.settings,
        }

    tables = {"parts": pd.DataFrame(parts), **tables}
    settings = dict(
        data={"cfee": cfee, "diveface": diveface, "lfw": lfw, "celeba": celeba},
        backbone=backbone,
        layer=layer,
        max_images=max_images,
        celeba_target=celeba_target,
        folds=folds,
        seeds=seeds,
        max_epochs=max_epochs,
        table_1_protocol="held-out (attackers trained only on held-out subjects' templates)",
        **protocols,
    )
    about = describe_run("skblind reproduce", settings, suppressors)
    write_tables(output, tables, about)
    write_report(
        output,
        about,
        time.perf_counter() - start,
        title="skblind reproduce: the paper's protocol",
        **report,
    )
    tables["seconds"] = time.perf_counter() - start
    return tables
