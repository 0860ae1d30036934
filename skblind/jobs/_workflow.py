"""The ``embed``, ``fit`` and ``audit`` commands: the workflow on users' own files."""

import itertools
import os
import time
from pathlib import Path

import joblib
import numpy as np
import pandas as pd

from .._io import CSV_LABELS, atomic_path, chunks_of, typed_labels
from ._protocols import describe_run, report_pairs, write_report, write_tables

__all__ = [
    "audit_embeddings",
    "embed_images",
    "fit_suppressor",
    "make_suppressor",
    "read_embeddings",
]

IMAGE_SUFFIXES = {".jpg", ".jpeg", ".png", ".bmp", ".pgm", ".ppm", ".tif", ".tiff", ".webp"}


def _walk_images(folder):
    """Image files under ``folder`` (absolute paths) in a fixed order (sorted walk)."""
    for root, dirs, files in os.walk(os.path.abspath(folder)):
        dirs.sort()
        for name in sorted(files):
            if Path(name).suffix.lower() in IMAGE_SUFFIXES:
                yield os.path.join(root, name)


_CSV_ERRORS = (OSError, pd.errors.ParserError, pd.errors.EmptyDataError, UnicodeDecodeError)


def _resolve_paths(table, base, source):
    if "path" not in table.columns:
        raise ValueError(f"{source}: no 'path' column (columns: {list(table.columns)})")
    empty = table.index[table["path"].isna()]
    if len(empty):
        lines = ", ".join(str(i + 2) for i in empty[:5])
        raise ValueError(f"{source}: empty path on line {lines} (line 1 is the header)")
    # Absolute: the same CSV names the same images from any working directory.
    table["path"] = [os.path.abspath(os.path.join(base, p)) for p in table["path"]]
    return table


def _csv_error(source, exc):
    if isinstance(exc, pd.errors.EmptyDataError):
        return ValueError(f"{source}: empty file; give a CSV with a 'path' column")
    return ValueError(f"{source}: cannot be read as CSV ({exc})")


def _input_chunks(source, size):
    """Stream ``source`` (a folder or a CSV with ``path``) as tables of ``size`` rows."""
    source = Path(source)
    if source.is_dir():
        found = False
        for paths in chunks_of(_walk_images(source), size):
            found = True
            yield pd.DataFrame({"path": paths})
        if not found:
            raise ValueError(f"{source}: no image files ({', '.join(sorted(IMAGE_SUFFIXES))})")
    elif source.suffix.lower() == ".csv":
        found = False
        try:
            for table in pd.read_csv(source, chunksize=size, **CSV_LABELS):
                if table.empty:  # a header without rows
                    continue
                found = True
                yield _resolve_paths(table, source.parent, source)
        except _CSV_ERRORS as exc:
            raise _csv_error(source, exc) from None
        if not found:
            raise ValueError(f"{source}: no rows under the header; nothing to embed")
    else:
        raise ValueError(f"{source}: give a folder of images or a CSV file with a 'path' column")


def _read_path_csv(path):
    """Read a CSV with a ``path`` column; relative paths are taken from the CSV's folder."""
    try:
        table = pd.read_csv(path, **CSV_LABELS)
    except _CSV_ERRORS as exc:
        raise _csv_error(path, exc) from None
    return typed_labels(_resolve_paths(table, Path(path).parent, path))


def embed_images(source, output, *, shard_size=1024, client=None, progress=True, **params):
    """Embed the images of ``source`` into a resumable folder of shards.

    The input is streamed: memory holds one shard (``shard_size`` images) at a time,
    not the collection. Each finished shard is written at once (atomically), so an
    interrupted run resumes where it stopped when run again with the same arguments.

    Parameters
    ----------
    source : path-like
        A folder (searched recursively, in sorted order) or a CSV with a ``path`` column
        (relative paths are taken from the CSV's folder) and any label columns.
    output : path-like
        The folder to write (see :func:`skblind.embedding.embed_to_shards`).
    shard_size : int, default=1024
        Images per shard.
    client : distributed.Client, default=None
        Embed the shards on this Dask cluster's workers.
    progress : bool, default=True
        Show a progress bar.
    **params
        Parameters of :class:`~skblind.embedding.FaceEmbedder`.

    Returns
    -------
    dict
        The folder's manifest (``n_images``, ``n_features``, ``n_shards``, settings).
    """
    from ..embedding import FaceEmbedder, embed_to_shards

    if shard_size < 1:
        raise ValueError(f"shard_size={shard_size!r} must be at least 1")
    chunks = _input_chunks(source, shard_size)
    first = next(chunks)  # an unreadable or empty input fails before the folder is made
    return embed_to_shards(
        itertools.chain([first], chunks),
        output,
        FaceEmbedder(**params),
        client=client,
        progress=progress,
    )


def read_embeddings(path, labels=None):
    """Read an ``embed`` output, with its labels and those of an optional CSV.

    Parameters
    ----------
    path : path-like
        The folder written by ``skblind embed``.
    labels : path-like, default=None
        A CSV with a ``path`` column and label columns, joined on ``path``.

    Returns
    -------
    X : ndarray
    table : pandas.DataFrame
        ``path`` and the label columns (strings as written), one row per embedding.

    Raises
    ------
    ValueError
        If an embedding is NaN (an image without a face, embedded with
        ``--on-no-face nan``): the message names the images.
    """
    from ..embedding import read_shards

    X, table = read_shards(path)
    no_face = np.flatnonzero(np.isnan(X).any(axis=1))
    if len(no_face):
        names = ", ".join(repr(table["path"][i]) for i in no_face[:5])
        more = f" and {len(no_face) - 5} more" if len(no_face) > 5 else ""
        raise ValueError(
            f"{path}: {len(no_face)} of {len(X)} embeddings are NaN (images where no face "
            f"was found, embedded with --on-no-face nan): {names}{more}. Drop those images "
            "from the input, or embed them with --on-no-face whole"
        )
    if labels is not None:
        extra = _read_path_csv(labels)
        missing = sorted(set(table["path"]) - set(extra["path"]))
        if missing:
            raise ValueError(
                f"{labels}: no row for {len(missing)} embedded images, e.g. {missing[0]!r}"
            )
        table = table.drop(columns=[c for c in extra.columns if c in table and c != "path"])
        table = table.merge(extra, on="path", how="left", validate="one_to_one")
    return X, table


def _column(table, name, source, *, complete=False):
    """The label column ``name``; with ``complete``, refuse empty cells naming the images."""
    if name not in table.columns:
        raise ValueError(
            f"{source}: no label column {name!r} (columns: "
            f"{[c for c in table.columns if c != 'path']})"
        )
    empty = table.index[table[name].isna()]
    if complete and len(empty):
        images = ", ".join(repr(table["path"][i]) for i in empty[:3])
        more = f" and {len(empty) - 3} more" if len(empty) > 3 else ""
        raise ValueError(
            f"{source}: column {name!r} is empty for {len(empty)} images ({images}{more}); "
            "an audit needs every image's label: give them in a CSV passed with --labels, "
            "or embed again without those images"
        )
    return table[name].to_numpy()


def fit_suppressor(
    embeddings, output, *, y, sensitive, method="sensitivenets", labels=None, **params
):
    """Fit a suppressor on saved embeddings and save it with joblib.

    Parameters
    ----------
    embeddings : path-like
        An ``embed`` output.
    output : path-like
        The ``.joblib`` file to write (atomically).
    y, sensitive : str
        Label columns: what to keep (identities) and what to remove.
    method : {"blinder", "blinder+encoder", "sensitivenets", "lntl"}, default="blinder"
        ``"blinder"``: skblind's recipe, :class:`~skblind.suppression.Blinder` at its
        defaults; ``"blinder+encoder"``: with :func:`~skblind.suppression.recipe_encoder`
        in front (``params`` go to the encoder, and ``random_state`` to the Blinder as
        well); the others: the papers' methods.
    labels : path-like, default=None
        Extra labels CSV (see :func:`read_embeddings`).
    **params
        Parameters of the suppressor (of the encoder for ``"blinder+encoder"``).

    Returns
    -------
    The fitted suppressor, with ``fit_provenance_``: the embedder's settings and the
    fitted identities (SHA-256 digests), which ``skblind audit --model`` checks.
    """
    output = Path(output)
    if output.is_dir():
        raise ValueError(f"{output}: is a folder; give the .joblib file to write")
    from ..embedding import read_manifest

    X, table = read_embeddings(embeddings, labels)
    source = labels or embeddings
    identities = _column(table, y, source)
    model = make_suppressor(method, **params).fit(
        X, identities, sensitive_features=_column(table, sensitive, source)
    )
    # What the model was fitted on, so that an audit can refuse a mismatch (embeddings
    # of another backbone or layer of the same width) or people it was fitted on.
    model.fit_provenance_ = {
        "embedding": read_manifest(embeddings)["settings"],
        "identities": sorted(_hashed(identities)),
    }
    with atomic_path(output) as tmp:
        joblib.dump(model, tmp)
    return model


def _hashed(identities):
    """SHA-256 digests of the identities (as text; missing ones left out)."""
    import hashlib

    return {
        hashlib.sha256(str(value).encode()).hexdigest()
        for value in identities
        if not pd.isna(value)
    }


def _check_provenance(model, path, embeddings, subjects):
    """Refuse a model fitted on other embeddings, or audited on the people it was fitted on."""
    from ..embedding import read_manifest

    provenance = getattr(model, "fit_provenance_", None)
    if provenance is None:  # a model saved otherwise: nothing to compare
        return
    settings = read_manifest(embeddings)["settings"]
    if provenance["embedding"] != settings:
        fitted = {k: v for k, v in provenance["embedding"].items() if settings.get(k) != v}
        given = {k: settings.get(k) for k in fitted}
        raise ValueError(
            f"{path}: fitted on embeddings made with {fitted}, but {embeddings} was made with "
            f"{given}; a model only blinds the embeddings it was fitted on (same backbone, "
            "layer and detector): embed these images as the model's were"
        )
    if subjects is not None:
        shared = _hashed(subjects) & set(provenance["identities"])
        if shared:
            raise ValueError(
                f"{path}: was fitted on {len(shared)} of the people audited here; an attacker "
                "of those people reads what the model was fitted to hide on exactly them "
                "(within-identity AUCs inverted, e.g. 0.2-0.3, that read as leaks): audit it "
                "on people it was not fitted on"
            )


def make_suppressor(method, **params):
    """The suppressor that ``skblind fit --method`` names, with ``params`` set.

    Parameters
    ----------
    method : {"blinder", "blinder+encoder", "sensitivenets", "lntl"}
        skblind's recipe (with the learned encoder in front) or one of the papers'
        methods.
    **params
        Parameters of the suppressor (of the encoder for ``"blinder+encoder"``; only
        ``random_state`` and ``progress`` for ``"blinder"``, which learns no network);
        what is not given keeps the estimator's default. ``budget`` sets the recipe's
        margin (``margin__budget`` of the Blinder; the blinder methods only).

    Returns
    -------
    estimator
    """
    budget = params.pop("budget", None)
    if budget is not None and method not in ("blinder", "blinder+encoder"):
        raise ValueError(
            f"budget={budget} is the recipe's margin; method={method!r} has none "
            "(use method='blinder')"
        )
    model = _make(method, **params)
    return model if budget is None else model.set_params(margin__budget=budget)


def _make(method, **params):
    from ..suppression import Blinder, LNTLSuppressor, SensitiveNetsSuppressor, recipe_encoder

    if method == "blinder":
        training = sorted(set(params) - {"random_state", "progress"})
        if training:
            raise ValueError(
                f"method='blinder' (the recipe's closed-form stages) trains no network: "
                f"{', '.join(training)} would be ignored; use method='blinder+encoder' to "
                "train the recipe's encoder with them"
            )
        return Blinder(random_state=params.get("random_state"))
    if method == "blinder+encoder":
        return Blinder(recipe_encoder(**params), random_state=params.get("random_state"))
    classes = {"sensitivenets": SensitiveNetsSuppressor, "lntl": LNTLSuppressor}
    if method not in classes:
        raise ValueError(
            f"method={method!r}; choose 'blinder', 'blinder+encoder', 'sensitivenets' or 'lntl'"
        )
    return classes[method](**params)


def _load_model(path):
    """Load a fitted transformer saved by ``fit``; name the file when it is not one.

    joblib (like pickle) runs code from the file it loads: load only files you trust.
    """
    try:
        model = joblib.load(path)
    except FileNotFoundError:
        raise ValueError(f"{path}: no such model file") from None
    except Exception as exc:  # a file of another kind fails in many ways inside pickle
        raise ValueError(
            f"{path}: not a model file written by skblind fit ({type(exc).__name__}: {exc})"
        ) from None
    if not hasattr(model, "transform"):
        raise ValueError(
            f"{path}: holds a {type(model).__name__}, not a fitted transformer; give a "
            "file written by skblind fit"
        )
    return model


def audit_embeddings(
    embeddings,
    output,
    *,
    sensitive,
    groups=None,
    keep=(),
    model=None,
    labels=None,
    protocol="deployment",
    folds=5,
    attack_folds=4,
    attacker_people=None,
    repeats=1,
    permutations=200,
    jobs=None,
    progress=True,
):
    """Leakage (and verification, with ``groups``) of raw and blinded embeddings.

    Parameters
    ----------
    embeddings : path-like
        An ``embed`` output.
    output : path-like
        Folder for ``leakage.csv``, ``verification.csv``, ``audit.json`` and
        ``report.html`` (the tables, charts and, with ``groups``, verification curves
        and per-group verification rates by the ``sensitive`` attribute, on one page).
    sensitive : str
        The label column the attackers try to read.
    groups : str, default=None
        The identity column: subject-disjoint folds and verification.
    keep : sequence of str
        Further label columns to attack (attributes that should survive).
    model : path-like, default=None
        A suppressor saved by ``fit``, fitted on other people: its ``transform`` is
        audited beside the raw X.
    labels : path-like, default=None
        Extra labels CSV.
    protocol : {"deployment", "held-out", "in-sample"}, default="deployment"
        Who the attackers train on (see :func:`~skblind.evaluation.audit_report`). The
        model was fitted elsewhere, so by default the attackers are cross-validated over
        every person given (``attack_folds`` folds): they hold as many people as the
        data allow.
    folds : int, default=5
        Outer folds of the held-out and in-sample protocols.
    attack_folds : int, default=4
        Subject-disjoint folds of the attackers.
    attacker_people : int or list of int, default=None
        The people each attacker learns from (None: all of its fold's); a list draws
        the attacker learning curve.
    repeats : int, default=1
        Repetitions of the outer folds.
    permutations : int, default=200
        Draws of each permutation null.
    jobs : int, default=None
        Parallel jobs.
    progress : bool, default=True
        Show a progress bar.

    Returns
    -------
    Audit
    """
    from ..evaluation import audit_report

    start = time.perf_counter()
    X, table = read_embeddings(embeddings, labels)
    source = labels or embeddings
    attributes = {name: _column(table, name, source, complete=True) for name in [sensitive, *keep]}
    subject = None if groups is None else _column(table, groups, source, complete=True)
    representations = {"raw": None}
    if model is not None:
        name = Path(model).stem
        fitted = _load_model(model)
        _check_provenance(fitted, model, embeddings, subject)
        representations["raw (model)" if name == "raw" else name] = fitted.transform(X)
    audit = audit_report(
        X,
        attributes,
        groups=subject,
        y=subject,
        keep=tuple(keep),
        representations=representations,
        protocol=protocol,
        n_splits=folds,
        n_repeats=repeats,
        attack_splits=attack_folds,
        attacker_people=attacker_people,
        n_permutations=permutations,
        n_jobs=jobs,
        progress=progress,
    )
    settings = dict(
        embeddings=str(embeddings),
        labels=None if labels is None else str(labels),
        sensitive=sensitive,
        groups=groups,
        keep=list(keep),
        model=None if model is None else str(model),
        **audit.settings,
        jobs=jobs,
    )
    about = describe_run("skblind audit", settings, {} if model is None else {"model": fitted})
    tables = {"leakage": audit.leakage, "verification": audit.verification}
    write_tables(Path(output), tables, about, name="audit")
    sections = {}
    if subject is not None:
        sections["pairs"], sections["verification_fairness"] = report_pairs(
            {name: X if rep is None else rep for name, rep in representations.items()},
            subject,
            attributes[sensitive],
        )
    write_report(
        Path(output),
        about,
        time.perf_counter() - start,
        title=f"skblind audit: {sensitive}",
        audit=audit,
        **sections,
    )
    return audit
