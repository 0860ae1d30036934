"""Embeddings of large collections, streamed into a resumable folder of shards.

A shard folder holds ``manifest.json`` (the embedder's settings and, once finished, the
number of shards and images) and ``shard-00000.npz``, ``shard-00001.npz``, ... Each
shard holds the embeddings ``X`` of ``shard_size`` consecutive inputs, their table
(``path``, stored absolute, and label columns) as CSV text, ``sources`` (the size and
modification time of each image file when it was embedded) and the skblind version that
embedded it. Shards are written atomically, so a crash leaves only finished shards
behind. A run holds an exclusive lock on the folder (``.lock``, removed when it ends);
a rerun embeds again the shards another skblind version wrote, checks that each other
finished shard holds the same paths, rewrites the table of a shard whose labels
changed, re-embeds a shard whose image files changed (saying which), and embeds the
rest.
"""

import errno
import io
import json
import os
import re
import socket
import warnings
import zipfile
import zlib
from collections import deque
from contextlib import contextmanager
from datetime import datetime, timezone
from pathlib import Path

import numpy as np
import pandas as pd
from sklearn.base import clone
from tqdm.auto import tqdm

from .. import __version__
from .._io import CSV_LABELS, atomic_path, output_folder, typed_labels

__all__ = ["embed_to_shards", "read_manifest", "read_shards"]

MANIFEST = "manifest.json"

#: The names of shard files; other files in the folder (a file manager's
#: "shard-00000 (copy).npz") are not shards and are left alone.
_SHARD_NAME = re.compile(r"shard-(\d{5,})\.npz")


def _shard_path(folder, index):
    return Path(folder) / f"shard-{index:05d}.npz"


def _shard_indices(folder):
    """The index of every shard file in ``folder``, by name."""
    names = (_SHARD_NAME.fullmatch(p.name) for p in Path(folder).iterdir())
    return sorted(int(match.group(1)) for match in names if match)


def _embedder_settings(embedder):
    params = embedder.get_params()
    for name in ("batch_size", "progress", "memory", "cache_size", "device"):
        params.pop(name, None)  # they do not change the embeddings
    return {key: None if value is None else str(value) for key, value in params.items()}


def _read_manifest(folder):
    path = Path(folder) / MANIFEST
    try:
        return json.loads(path.read_text())
    except FileNotFoundError:
        return None
    except (OSError, ValueError) as exc:
        raise ValueError(f"{path}: unreadable manifest ({exc})") from None


def _write_manifest(folder, manifest):
    with atomic_path(Path(folder) / MANIFEST) as tmp:
        tmp.write_text(json.dumps(manifest, indent=2))


def _load_shard(path):
    """The embeddings, the table's CSV text, the sources' stats and version of a shard.

    The version is None for a shard written before skblind recorded it.
    """
    try:
        with np.load(path, allow_pickle=False) as data:
            sources = data["sources"] if "sources" in data.files else None
            version = str(data["version"]) if "version" in data.files else None
            return data["X"], str(data["table"]), sources, version
    except FileNotFoundError:
        raise ValueError(
            f"{path}: missing shard; rerun skblind embed into this folder to re-embed it"
        ) from None
    except (OSError, ValueError, KeyError, EOFError, zipfile.BadZipFile, zlib.error) as exc:
        raise ValueError(
            f"{path}: damaged shard ({type(exc).__name__}: {exc}); delete it and rerun "
            "skblind embed into this folder to re-embed it"
        ) from None


def _read_table(table_csv):
    """Read a table stored as CSV text, every cell as written (empty cells are NaN)."""
    return pd.read_csv(io.StringIO(table_csv), **CSV_LABELS)


def _table_csv(table):
    buffer = io.StringIO()
    table.to_csv(buffer, index=False)
    return buffer.getvalue()


def _source_stats(paths):
    """Size and modification time (ns) of each file; -1 for one that cannot be read."""
    stats = np.full((len(paths), 2), -1, dtype=np.int64)
    for row, path in enumerate(paths):
        try:
            info = os.stat(path)
        except OSError:
            continue
        stats[row] = info.st_size, info.st_mtime_ns
    return stats


def _write_shard(path, X, table, sources):
    with atomic_path(path) as tmp, open(tmp, "wb") as handle:
        np.savez(
            handle,
            X=X,
            table=np.array(_table_csv(table)),
            sources=sources,
            version=np.array(__version__),
        )


@contextmanager
def _folder_lock(folder):
    """Hold an exclusive lock on ``folder`` for one run; a second run fails at once.

    The lock is the operating system's (``flock``) on ``folder/.lock``, so it is
    released when the holder exits, even by ``kill -9``; the lock file names the holder
    and is removed when the run ends. It is never opened through a symbolic link (one
    planted there would have the holder's name written into the file it points to).
    """
    path = Path(folder) / ".lock"
    while True:
        handle = _open_lock_file(path)
        try:
            _lock(handle)
        except OSError:
            holder = handle.read().strip() or "another process"
            handle.close()
            raise ValueError(
                f"{folder}: another skblind embed is writing to this folder ({holder}); "
                "wait for it to finish, or give another --output"
            ) from None
        if _is_the_file_at(handle, path):
            break
        # The holder we waited on removed the file between our open and our lock: the
        # lock we hold is on a file no other run can find; take the one at the path.
        handle.close()
    try:
        handle.seek(0)
        handle.truncate()
        handle.write(
            f"pid {os.getpid()} on {socket.gethostname()} since "
            f"{datetime.now(timezone.utc).isoformat(timespec='seconds')}\n"
        )
        handle.flush()
        yield
    finally:
        path.unlink(missing_ok=True)  # removed while still locked: no run can take it
        handle.close()  # closing the file releases the lock


def _open_lock_file(path):
    """Open (or create) the lock file for reading and writing, never through a link."""
    flags = os.O_RDWR | os.O_CREAT | getattr(os, "O_NOFOLLOW", 0) | getattr(os, "O_CLOEXEC", 0)
    try:
        if not hasattr(os, "O_NOFOLLOW") and path.is_symlink():
            raise OSError(errno.ELOOP, "symbolic link")
        return os.fdopen(os.open(path, flags, 0o666), "r+")
    except OSError as exc:
        if exc.errno == errno.ELOOP or path.is_symlink():
            raise ValueError(
                f"{path}: is a symbolic link; skblind never writes through one (it would "
                "overwrite the file it points to): remove it and rerun"
            ) from None
        raise OSError(f"cannot write the lock file {path}: {exc.strerror or exc}") from None


def _is_the_file_at(handle, path):
    """Whether ``path`` still names the file ``handle`` has open."""
    try:
        here = os.stat(path, follow_symlinks=False)
    except FileNotFoundError:
        return False
    held = os.fstat(handle.fileno())
    return (here.st_dev, here.st_ino) == (held.st_dev, held.st_ino)


def _lock(handle):
    try:
        import fcntl
    except ImportError:  # Windows
        import msvcrt

        msvcrt.locking(handle.fileno(), msvcrt.LK_NBLCK, 1)
    else:
        fcntl.flock(handle.fileno(), fcntl.LOCK_EX | fcntl.LOCK_NB)


def _check_resumable(folder, manifest, settings):
    if manifest is None:
        if _shard_indices(folder):
            raise ValueError(
                f"{folder}: holds shards but no {MANIFEST}; use an empty or new folder"
            )
        return
    if manifest.get("settings") != settings:
        raise ValueError(
            f"{folder}: was written with other embedder settings ({manifest.get('settings')}"
            f" instead of {settings}); use a new folder or delete this one"
        )


def _written_by(version):
    return "an earlier skblind" if version is None else f"skblind {version}"


def _pending(chunks, folder, progress_bar, write_shard, kept):
    """Yield the (index, first item, table) of shards to embed; check the finished ones.

    A finished shard written by another skblind version is embedded again; one whose
    paths differ from the input's is refused; one whose labels changed gets the new
    table (its embeddings are kept); one whose image files changed since they were
    embedded (size or modification time) is embedded again. Each change is named in a
    warning. ``kept`` counts the finished shards and images kept as they were.
    """
    first = 0
    for index, table in enumerate(chunks):
        path = _shard_path(folder, index)
        start, first = first, first + len(table)
        if not path.exists():
            yield index, start, table
            continue
        X, stored, sources, version = _load_shard(path)
        if version != __version__:
            warnings.warn(
                f"{path}: written by {_written_by(version)}, not by this skblind "
                f"{__version__}; embedding shard {index} again",
                UserWarning,
                stacklevel=2,
            )
            yield index, start, table
            continue
        paths = table["path"].tolist()
        if _read_table(stored)["path"].tolist() != paths:
            raise ValueError(
                f"{path}: holds other images than shard {index} of the input (the "
                "input or --shard-size changed since it was written); use a new "
                "output folder"
            )
        now = _source_stats(paths)
        changed = (
            np.arange(len(paths))
            if sources is None or sources.shape != now.shape
            else np.flatnonzero((sources != now).any(axis=1))
        )
        if len(changed):
            names = ", ".join(repr(paths[i]) for i in changed[:3])
            more = f" and {len(changed) - 3} more" if len(changed) > 3 else ""
            warnings.warn(
                f"{path}: {len(changed)} image file(s) changed since they were embedded "
                f"({names}{more}); embedding shard {index} again",
                UserWarning,
                stacklevel=2,
            )
            yield index, start, table
            continue
        if _table_csv(table) != stored:
            warnings.warn(
                f"{path}: the labels of shard {index} changed in the input; its table is "
                "updated (the images did not change, their embeddings are kept)",
                UserWarning,
                stacklevel=2,
            )
            write_shard(index, X, table, sources)
        kept["shards"] += 1
        kept["images"] += len(table)
        progress_bar.update(len(table))


def embed_to_shards(chunks, output, embedder, *, client=None, progress=True):
    """Embed an input stream into a resumable shard folder.

    Parameters
    ----------
    chunks : iterable of pandas.DataFrame
        Consecutive pieces of the input, one per shard, each with a ``path`` column
        (image files; stored absolute, so a run from another working directory resumes)
        and any label columns. Only one piece (and, with ``client``, one per busy
        worker) is held in memory at a time.
    output : path-like
        The shard folder; created if need be (and removed again if the run fails
        before writing anything). A folder written by an interrupted run with the same
        settings is resumed.
    embedder : FaceEmbedder
        The embedder (cloned; its ``progress`` is turned off per shard).
    client : distributed.Client, default=None
        Embed shards on the workers of this Dask client (two shards in flight per
        worker) instead of in this process.
    progress : bool, default=True
        Show a tqdm progress bar over the images.

    Returns
    -------
    dict
        The manifest: settings, ``n_shards``, ``n_images``, ``n_features``; and, not
        written to the folder, ``kept_shards`` and ``kept_images`` (what an earlier run
        had finished and this one kept; 0 for a new folder) and ``resumed`` (True when
        this run continued an interrupted one).
    """
    # Bad parameters (or FaceNet weights that are not there) fail before the folder is made.
    embedder = clone(embedder).set_params(progress=False).fit()
    with output_folder(output) as folder, _folder_lock(folder):
        return _embed_locked(chunks, folder, embedder, client, progress)


def _embed_locked(chunks, output, embedder, client, progress):
    settings = _embedder_settings(embedder)
    manifest = _read_manifest(output)
    _check_resumable(output, manifest, settings)
    n_features = embedder.n_features_out_
    reads_complete = manifest is not None and manifest.get("complete", False)
    resuming = manifest is not None and not reads_complete
    other_version = manifest is not None and manifest.get("skblind_version") != __version__
    if other_version:
        warnings.warn(
            f"{output}: written by {_written_by(manifest.get('skblind_version'))}, not by "
            f"this skblind {__version__}: its finished shards are embedded again",
            UserWarning,
            stacklevel=3,
        )
    manifest = {"skblind_version": __version__, "settings": settings, "complete": False}
    if not reads_complete or other_version:
        _write_manifest(output, manifest)
        reads_complete = False
    if other_version:
        for index in _shard_indices(output):
            _shard_path(output, index).unlink()

    def mark_unfinished():
        # The folder reads as unfinished from this run's first change until its end:
        # an interrupted rerun must not leave a folder that reads as finished while
        # its shards come from two versions of the input.
        nonlocal reads_complete
        if reads_complete:
            _write_manifest(output, manifest)
            reads_complete = False

    def write_shard(index, X, table, sources):
        mark_unfinished()
        _write_shard(_shard_path(output, index), X, table, sources)

    counts = {"shards": 0, "images": 0}
    kept = {"shards": 0, "images": 0}

    def counted():
        for table in chunks:
            counts["shards"] += 1
            counts["images"] += len(table)
            yield table.assign(path=[os.path.abspath(p) for p in table["path"]])

    with tqdm(unit="img", disable=not progress, desc=f"embed -> {output}") as bar:
        tasks = _pending(counted(), output, bar, write_shard, kept)
        if client is None:
            for index, start, table in tasks:
                paths = table["path"].tolist()
                sources = _source_stats(paths)  # before reading: a later change is caught
                write_shard(index, embedder._embed(paths, first_index=start), table, sources)
                bar.update(len(table))
        else:
            _embed_on_cluster(client, embedder, tasks, write_shard, bar)
    if counts["images"] == 0:
        raise ValueError("no images to embed: the input is empty")
    for index in _shard_indices(output):  # left by a longer earlier input
        if index >= counts["shards"]:
            mark_unfinished()
            _shard_path(output, index).unlink()
    manifest.update(
        complete=True,
        n_shards=counts["shards"],
        n_images=counts["images"],
        n_features=n_features,
    )
    _write_manifest(output, manifest)
    return {
        **manifest,
        "resumed": resuming and kept["shards"] > 0,
        "kept_shards": kept["shards"],
        "kept_images": kept["images"],
    }


def _embed_on_cluster(client, embedder, tasks, write_shard, bar):
    from ._dask import embed_partition

    limit = 2 * max(1, len(client.scheduler_info(n_workers=-1)["workers"]))
    in_flight = deque()

    def finish_oldest():
        index, table, sources, future = in_flight.popleft()
        write_shard(index, future.result(), table, sources)
        bar.update(len(table))

    for index, start, table in tasks:
        paths = table["path"].tolist()
        sources = _source_stats(paths)
        future = client.submit(embed_partition, embedder, paths, start, pure=False)
        in_flight.append((index, table, sources, future))
        if len(in_flight) >= limit:
            finish_oldest()
    while in_flight:
        finish_oldest()


def read_manifest(folder):
    """What a shard folder says of itself: the embedder's settings, version, counts.

    Parameters
    ----------
    folder : path-like
        A folder written by :func:`embed_to_shards` (``skblind embed``).

    Returns
    -------
    dict
        ``settings`` (the :class:`~skblind.embedding.FaceEmbedder` parameters that decide
        the embeddings), ``skblind_version``, ``complete`` and, once finished,
        ``n_shards``, ``n_images``, ``n_features``.
    """
    manifest = _read_manifest(folder)
    if manifest is None:
        raise ValueError(f"{folder}: not an embeddings folder written by skblind embed")
    return manifest


def read_shards(folder):
    """Read a finished shard folder.

    Parameters
    ----------
    folder : path-like
        A folder written by :func:`embed_to_shards` (``skblind embed``).

    Returns
    -------
    X : ndarray of shape (n_images, n_features)
    table : pandas.DataFrame
        ``path`` and the label columns, one row per embedding, exactly as written in
        the input: a column of canonical integers is int64 (float64 with NaN for empty
        cells), any other column text (``"007"`` and ``"7"`` stay two labels, ``"NA"``
        is a label); only empty cells are missing.
    """
    folder = Path(folder)
    manifest = read_manifest(folder)
    if not manifest.get("complete"):
        raise ValueError(f"{folder}: unfinished (interrupted?); rerun skblind embed to resume")
    blocks, texts = [], []
    for index in range(manifest["n_shards"]):
        X, text, _, _ = _load_shard(_shard_path(folder, index))
        blocks.append(X)
        texts.append(text if index == 0 else text.split("\n", 1)[1])
    return np.concatenate(blocks), typed_labels(_read_table("".join(texts)))
