"""Embedding over a Dask cluster: paths partitioned, results gathered in order."""

import numpy as np
from sklearn.base import clone

from ._images import as_image_list

__all__ = ["dask_transform", "embed_partition"]


def embed_partition(embedder, items, first_index=0):
    """Embed one partition on a worker (the backbone is loaded once per worker process).

    Parameters
    ----------
    embedder : FaceEmbedder
        Unfitted or fitted; it is only used for its parameters.
    items : list
        Image paths (or images) of the partition.
    first_index : int, default=0
        Position of the partition's first item in the whole input (errors name items
        by their position in the whole input).

    Returns
    -------
    ndarray of shape (len(items), n_features)
    """
    return embedder.fit()._embed(items, first_index)


def dask_transform(embedder, X, *, client=None, partition_size=256):
    """Embed images on the workers of a Dask cluster, as ``embedder.transform(X)`` would.

    ``X`` is cut into partitions of ``partition_size`` items; each worker process
    builds the backbone once and embeds the partitions it is given; the results are
    gathered in input order. Paths travel to the workers, not pixels, so the files must
    be readable at the same paths on every worker (a shared file system).

    Parameters
    ----------
    embedder : FaceEmbedder
        The embedder whose parameters are used (cloned; progress bars are turned off
        on the workers).
    X : sequence of images
        What :meth:`FaceEmbedder.transform` takes; file paths are the natural choice.
    client : distributed.Client, default=None
        The cluster's client. ``None`` uses the current default client
        (``distributed.get_client()``).
    partition_size : int, default=256
        Number of images per task.

    Returns
    -------
    ndarray of shape (n_images, n_features)
        Identical to ``embedder.transform(X)``.

    Examples
    --------
    On a real cluster, connect to its scheduler first::

        from distributed import Client
        client = Client("tcp://scheduler-host:8786")
        X = dask_transform(FaceEmbedder(layer="pooled"), paths, client=client)
    """
    from distributed import get_client

    if partition_size < 1:
        raise ValueError(f"partition_size={partition_size!r} must be at least 1")
    client = get_client() if client is None else client
    items = as_image_list(X)
    if not items:
        raise ValueError("dask_transform got an empty input: no images (0 samples)")
    worker_embedder = clone(embedder).set_params(progress=False)
    worker_embedder.fit()  # fail here, not on every worker, if the settings are wrong
    futures = [
        client.submit(
            embed_partition, worker_embedder, items[start : start + partition_size], start
        )
        for start in range(0, len(items), partition_size)
    ]
    return np.concatenate(client.gather(futures))
