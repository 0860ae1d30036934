"""CelebA as distributed: aligned images and the attribute, identity and partition lists."""

from pathlib import Path

import numpy as np
import pandas as pd

from ._bunch import face_bunch

__all__ = ["load_celeba"]

_SPLITS = {"train": 0, "valid": 1, "test": 2}

DESCR = """\
CelebA (Liu et al., ICCV 2015): aligned celebrity faces with 40 binary attributes
---------------------------------------------------------------------------------

Read from the files as distributed: ``img_align_celeba/``, ``list_attr_celeba.txt``
(attributes as 1 = present, 0 = absent), ``identity_CelebA.txt`` and
``list_eval_partition.txt`` (train / valid / test). The paper's Table II trains a
classifier of one attribute on a split biased by ``Smiling``.
"""


def _read_two_columns(path, name):
    rows = {}
    for number, line in enumerate(path.read_text().splitlines(), start=1):
        fields = line.split()
        if not fields:
            continue
        if len(fields) != 2 or not fields[1].lstrip("-").isdigit():
            raise ValueError(f"{path}, line {number}: expected '<file> <{name}>': {line!r}")
        rows[fields[0]] = int(fields[1])
    return rows


def _read_attributes(path):
    lines = path.read_text().splitlines()
    if len(lines) < 2 or not lines[0].strip().isdigit():
        raise ValueError(f"{path}, line 1: expected the number of images")
    names = lines[1].split()
    files, values = [], []
    for number, line in enumerate(lines[2:], start=3):
        fields = line.split()
        if not fields:
            continue
        if len(fields) != len(names) + 1 or set(fields[1:]) - {"1", "-1"}:
            raise ValueError(
                f"{path}, line {number}: expected a file name and {len(names)} values of "
                f"1/-1: {line!r}"
            )
        files.append(fields[0])
        values.append([v == "1" for v in fields[1:]])
    if len(files) != int(lines[0]):
        raise ValueError(f"{path}: line 1 announces {int(lines[0])} images, {len(files)} follow")
    return pd.DataFrame(np.array(values, dtype=int), index=files, columns=names)


def load_celeba(root, *, split=None):
    """Load CelebA's annotations and image paths.

    Parameters
    ----------
    root : path-like
        The folder holding ``img_align_celeba/``, ``list_attr_celeba.txt``,
        ``identity_CelebA.txt`` and ``list_eval_partition.txt`` (any of the last two may
        also sit in an ``Anno/`` or ``Eval/`` subfolder, as in the official archive).
    split : {"train", "valid", "test"} or None, default=None
        Keep one partition of ``list_eval_partition.txt``; None keeps all.

    Returns
    -------
    sklearn.utils.Bunch
        - ``paths``: list of str.
        - ``subject``: ndarray of int, the identity of each image.
        - ``partition``: ndarray of str, ``"train"``, ``"valid"`` or ``"test"``.
        - ``attributes``: pandas.DataFrame, the 40 binary attributes (1 = present), e.g.
          ``Smiling``, ``Eyeglasses``, ``Male``.
        - ``frame``: pandas.DataFrame, ``path``, ``subject``, ``partition`` and the
          attributes, one row per image.
        - ``DESCR``: str.

    Raises
    ------
    FileNotFoundError, ValueError
        Naming the missing file, the malformed line, or the image absent from a list.
    """
    root = Path(root)

    def find(name):
        for folder in (root, root / "Anno", root / "Eval"):
            if (folder / name).is_file():
                return folder / name
        raise FileNotFoundError(f"{root}: {name} is missing (looked in ., Anno/, Eval/)")

    attributes = _read_attributes(find("list_attr_celeba.txt"))
    identity = _read_two_columns(find("identity_CelebA.txt"), "identity")
    partition = _read_two_columns(find("list_eval_partition.txt"), "partition")
    for name, table in (("identity_CelebA.txt", identity), ("list_eval_partition.txt", partition)):
        missing = [f for f in attributes.index if f not in table]
        if missing:
            raise ValueError(f"{name} has no line for {missing[:5]} ({len(missing)} images)")
    reverse = {v: k for k, v in _SPLITS.items()}
    parts = np.array([reverse.get(partition[f], "?") for f in attributes.index])
    if (parts == "?").any():
        bad = attributes.index[parts == "?"][0]
        raise ValueError(f"list_eval_partition.txt: {bad} has partition {partition[bad]}")
    if split is not None:
        if split not in _SPLITS:
            raise ValueError(f"split={split!r}; choose one of {sorted(_SPLITS)} or None")
        keep = parts == split
        attributes, parts = attributes[keep], parts[keep]
    images = root / "img_align_celeba"
    paths = [str(images / f) for f in attributes.index]
    absent = [p for p in paths if not Path(p).is_file()]
    if absent:
        raise FileNotFoundError(f"images missing from {images}: {absent[:5]}")
    subject = np.array([identity[f] for f in attributes.index])
    attributes = attributes.reset_index(drop=True)
    frame = pd.concat(
        [pd.DataFrame({"path": paths, "subject": subject, "partition": parts}), attributes],
        axis=1,
    )
    return face_bunch(
        paths,
        subject,
        descr=DESCR,
        frame=frame,
        partition=parts,
        attributes=attributes,
    )
