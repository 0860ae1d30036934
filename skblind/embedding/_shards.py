"""Embeddings of large collections, streamed into a resumable folder of shards.

A shard folder holds ``manifest.json`` (the embedder's settings and, once finished, the
number of shards and images) and ``shard-00000.npz``, ``shard-00001.npz``, ... Each
shard holds the embeddings ``X`` of ``shard_size`` consecutive inputs and their table
(``path`` and label columns) as CSV text. Shards are written atomically, so a crash
leaves only finished shards behind; a rerun checks that each finished shard holds the
same paths and embeds the rest.
"""

import io
import json
from collections import deque
from pathlib import Path

import numpy as np
import pandas as pd
from sklearn.base import clone
from tqdm.auto import tqdm

from .. import __version__
from .._io import atomic_path

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
    try:
        with np.load(path, allow_pickle=False) as data:
            return data["X"], str(data["table"])
    except (OSError, ValueError, KeyError) as exc:
        raise ValueError(f"{path}: unreadable shard ({exc}); delete it to recompute") from None


def _stored_paths(table_csv):
    return pd.read_csv(io.StringIO(table_csv), usecols=["path"])["path"].astype(str).tolist()


def _write_shard(path, X, table):
    buffer = io.StringIO()
    table.to_csv(buffer, index=False)
    with atomic_path(path) as tmp, open(tmp, "wb") as handle:
        np.savez(handle, X=X, table=np.array(buffer.getvalue()))


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


def _pending(chunks, folder, progress_bar):
    """Yield the (index, table) of shards still to embed; check the finished ones."""
    for index, table in enumerate(chunks):
        path = _shard_path(folder, index)
        if path.exists():
            _, stored = _load_shard(path)
            if _stored_paths(stored) != table["path"].astype(str).tolist():
                raise ValueError(
                    f"{path}: holds other images than shard {index} of the input (the "
                    "input or --shard-size changed since it was written); use a new "
                    "output folder"
                )
            progress_bar.update(len(table))
            continue
        yield index, table


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
    embedder = clone(embedder).set_params(progress=False)
    settings = _embedder_settings(embedder)
    manifest = _read_manifest(output)
    _check_resumable(output, manifest, settings)
    n_features = embedder.fit().n_features_out_
    if manifest is None:
        manifest = {"skblind_version": __version__, "settings": settings, "complete": False}
        _write_manifest(output, manifest)
    counts = {"shards": 0, "images": 0}

    def counted():
        for table in chunks:
            counts["shards"] += 1
            counts["images"] += len(table)
            yield table

    with tqdm(unit="img", disable=not progress, desc=f"embed -> {output}") as bar:
        tasks = _pending(counted(), output, bar)
        if client is None:
            for index, table in tasks:
                X = embedder.transform(table["path"].tolist())
                _write_shard(_shard_path(output, index), X, table)
                bar.update(len(table))
        else:
            _embed_on_cluster(client, embedder, tasks, output, bar)
    if counts["images"] == 0:
        raise ValueError("no images to embed: the input is empty")
    manifest.update(
        complete=True,
        n_shards=counts["shards"],
        n_images=counts["images"],
        n_features=n_features,
    )
    _write_manifest(output, manifest)
    return manifest


def _embed_on_cluster(client, embedder, tasks, output, bar):
    from ._dask import embed_partition

    limit = 2 * max(1, len(client.scheduler_info(n_workers=-1)["workers"]))
    in_flight = deque()

    def finish_oldest():
        index, table, future = in_flight.popleft()
        _write_shard(_shard_path(output, index), future.result(), table)
        bar.update(len(table))

    for index, table in tasks:
        future = client.submit(embed_partition, embedder, table["path"].tolist(), pure=False)
        in_flight.append((index, table, future))
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
        ``path`` and the label columns, one row per embedding.
    """
    folder = Path(folder)
    manifest = _read_manifest(folder)
    if manifest is None:
        raise ValueError(f"{folder}: not an embeddings folder written by skblind embed")
    if not manifest.get("complete"):
        raise ValueError(f"{folder}: unfinished (interrupted?); rerun skblind embed to resume")
    blocks, texts = [], []
    for index in range(manifest["n_shards"]):
        X, text = _load_shard(_shard_path(folder, index))
        blocks.append(X)
        texts.append(text if index == 0 else text.split("\n", 1)[1])
    table = pd.read_csv(io.StringIO("".join(texts)))
    table["path"] = table["path"].astype(str)
    return np.concatenate(blocks), table
