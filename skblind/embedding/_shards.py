"""Embeddings of large collections, streamed into a resumable folder of shards.

A shard folder holds ``manifest.json`` (the embedder's settings and, once finished, the
number of shards and images) and ``shard-00000.npz``, ``shard-00001.npz``, ... Each
shard holds the embeddings ``X`` of ``shard_size`` consecutive inputs, their table
(``path`` and label columns) as CSV text, and ``sources``: the size and modification
time of each image file when it was embedded. Shards are written atomically, so a crash
leaves only finished shards behind. A rerun holds an exclusive lock on the folder,
checks that each finished shard holds the same paths, rewrites the table of a shard
whose labels changed, re-embeds a shard whose image files changed (saying which), and
embeds the rest.
"""

import io
import json
import os
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
from .._io import CSV_LABELS, atomic_path, typed_labels

__all__ = ["embed_to_shards", "read_shards"]

MANIFEST = "manifest.json"


def _shard_path(folder, index):
    return Path(folder) / f"shard-{index:05d}.npz"


def _embedder_settings(embedder):
    params = embedder.get_params()
    for name in ("batch_size", "progress", "memory", "device"):
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
    """Return the embeddings, the table's CSV text and the sources' stats of a shard."""
    try:
        with np.load(path, allow_pickle=False) as data:
            sources = data["sources"] if "sources" in data.files else None
            return data["X"], str(data["table"]), sources
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
        np.savez(handle, X=X, table=np.array(_table_csv(table)), sources=sources)


@contextmanager
def _folder_lock(folder):
    """Hold an exclusive lock on ``folder`` for one run; a second run fails at once.

    The lock is the operating system's (``flock``), so it is released when the holder
    exits, even by ``kill -9``; the lock file names the holder.
    """
    path = Path(folder) / ".lock"
    handle = open(path, "a+")
    try:
        try:
            _lock(handle)
        except OSError:
            handle.seek(0)
            holder = handle.read().strip() or "another process"
            raise ValueError(
                f"{folder}: another skblind embed is writing to this folder ({holder}); "
                "wait for it to finish, or give another --output"
            ) from None
        handle.seek(0)
        handle.truncate()
        handle.write(
            f"pid {os.getpid()} on {socket.gethostname()} since "
            f"{datetime.now(timezone.utc).isoformat(timespec='seconds')}\n"
        )
        handle.flush()
        yield
    finally:
        handle.close()  # closing the file releases the lock


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
        if any(Path(folder).glob("shard-*.npz")):
            raise ValueError(
                f"{folder}: holds shards but no {MANIFEST}; use an empty or new folder"
            )
        return
    if manifest.get("settings") != settings:
        raise ValueError(
            f"{folder}: was written with other embedder settings ({manifest.get('settings')}"
            f" instead of {settings}); use a new folder or delete this one"
        )


def _pending(chunks, folder, progress_bar, write_shard):
    """Yield the (index, first item, table) of shards to embed; check the finished ones.

    A finished shard whose paths differ from the input's is refused; one whose labels
    changed gets the new table (its embeddings are kept); one whose image files changed
    since they were embedded (size or modification time) is embedded again. Each
    change is named in a warning.
    """
    first = 0
    for index, table in enumerate(chunks):
        path = _shard_path(folder, index)
        start, first = first, first + len(table)
        if not path.exists():
            yield index, start, table
            continue
        X, stored, sources = _load_shard(path)
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
        progress_bar.update(len(table))


def embed_to_shards(chunks, output, embedder, *, client=None, progress=True):
    """Embed an input stream into a resumable shard folder.

    Parameters
    ----------
    chunks : iterable of pandas.DataFrame
        Consecutive pieces of the input, one per shard, each with a ``path`` column
        (image files) and any label columns. Only one piece (and, with ``client``, one
        per busy worker) is held in memory at a time.
    output : path-like
        The shard folder; created if need be. A folder written by an interrupted run
        with the same settings is resumed.
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
        The manifest: settings, ``n_shards``, ``n_images``, ``n_features``.
    """
    output = Path(output)
    if output.exists() and not output.is_dir():
        raise ValueError(f"{output}: exists and is not a folder; give a folder for the shards")
    output.mkdir(parents=True, exist_ok=True)
    with _folder_lock(output):
        return _embed_locked(chunks, output, embedder, client, progress)


def _embed_locked(chunks, output, embedder, client, progress):
    embedder = clone(embedder).set_params(progress=False)
    settings = _embedder_settings(embedder)
    manifest = _read_manifest(output)
    _check_resumable(output, manifest, settings)
    n_features = embedder.fit().n_features_out_
    reads_complete = manifest is not None and manifest.get("complete", False)
    manifest = {"skblind_version": __version__, "settings": settings, "complete": False}
    if not reads_complete:
        _write_manifest(output, manifest)

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

    def counted():
        for table in chunks:
            counts["shards"] += 1
            counts["images"] += len(table)
            yield table

    with tqdm(unit="img", disable=not progress, desc=f"embed -> {output}") as bar:
        tasks = _pending(counted(), output, bar, write_shard)
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
    for stale in output.glob("shard-*.npz"):  # left by a longer earlier input
        if int(stale.stem.split("-")[1]) >= counts["shards"]:
            mark_unfinished()
            stale.unlink()
    manifest.update(
        complete=True,
        n_shards=counts["shards"],
        n_images=counts["images"],
        n_features=n_features,
    )
    _write_manifest(output, manifest)
    return manifest


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
    manifest = _read_manifest(folder)
    if manifest is None:
        raise ValueError(f"{folder}: not an embeddings folder written by skblind embed")
    if not manifest.get("complete"):
        raise ValueError(f"{folder}: unfinished (interrupted?); rerun skblind embed to resume")
    blocks, texts = [], []
    for index in range(manifest["n_shards"]):
        X, text, _ = _load_shard(_shard_path(folder, index))
        blocks.append(X)
        texts.append(text if index == 0 else text.split("\n", 1)[1])
    return np.concatenate(blocks), typed_labels(_read_table("".join(texts)))
