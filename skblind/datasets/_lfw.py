"""Labeled Faces in the Wild: the image folders and the ``pairs`` protocols."""

from pathlib import Path

import numpy as np
import pandas as pd

from ._bunch import face_bunch

__all__ = ["load_lfw", "read_lfw_pairs"]

DESCR = """\
Labeled Faces in the Wild (Huang et al., 2007)
----------------------------------------------

Face images of 5,749 people found on the web (``lfw/<Name>/<Name>_0001.jpg``), with the
verification protocols: view 1 (``pairsDevTrain.txt``, ``pairsDevTest.txt``) and view 2
(``pairs.txt``, 10 folds of 300 matched and 300 mismatched pairs).
"""

_PAIR_FILES = {"view1": ("pairsDevTrain.txt", "pairsDevTest.txt"), "view2": ("pairs.txt",)}


def _image_folder(root):
    for name in ("lfw", "lfw-deepfunneled", "lfw_funneled"):
        if (root / name).is_dir():
            return root / name
    if any(p.is_dir() for p in root.iterdir()):
        return root
    raise FileNotFoundError(f"{root}: no LFW image folder (lfw/, lfw-deepfunneled/)")


def load_lfw(root, *, view="view2"):
    """Load LFW as distributed: ``<root>/lfw/<Name>/<Name>_0001.jpg`` and the pair lists.

    Parameters
    ----------
    root : path-like
        The folder holding ``lfw/`` (or ``lfw-deepfunneled/``) and the pair files
        (``pairs.txt`` for view 2; ``pairsDevTrain.txt`` and ``pairsDevTest.txt`` for
        view 1).
    view : {"view1", "view2", None}, default="view2"
        Which protocol's pairs to read; None reads none.

    Returns
    -------
    sklearn.utils.Bunch
        - ``paths``: list of str, every image, sorted by person then number.
        - ``subject``: ndarray of str, the person of each image.
        - ``pairs``: pandas.DataFrame or None, one row per pair in file order, with
          ``index1``/``index2`` (rows of ``paths``), ``same`` and, for view 1, ``file``.
        - ``pair_indices``: ndarray of shape (n_pairs, 2) or None, for
          :func:`~skblind.evaluation.verification_report` (view 2 comes in 10 folds of
          600 pairs: use ``n_folds=10``).
        - ``frame``: pandas.DataFrame, ``path`` and ``subject``, one row per image.
        - ``DESCR``: str.

    Raises
    ------
    FileNotFoundError
        Naming the missing folder, pair file, or image a pair refers to.
    """
    root = Path(root)
    if not root.is_dir():
        raise FileNotFoundError(f"{root}: no such folder")
    images = _image_folder(root)
    paths = sorted(str(p) for p in images.glob("*/*.jpg"))
    if not paths:
        raise FileNotFoundError(f"{images}: no <Name>/<Name>_NNNN.jpg images")
    subject = np.array([Path(p).parent.name for p in paths])
    index = {
        (Path(p).parent.name, int(Path(p).stem.rsplit("_", 1)[1])): i for i, p in enumerate(paths)
    }
    pairs = None
    if view is not None:
        if view not in _PAIR_FILES:
            raise ValueError(f"view={view!r}; choose 'view1', 'view2' or None")
        tables = []
        for name in _PAIR_FILES[view]:
            path = root / name
            if not path.is_file():
                raise FileNotFoundError(f"{path}: the {view} pair list is missing")
            table = read_lfw_pairs(path)
            table["file"] = name
            tables.append(table)
        pairs = pd.concat(tables, ignore_index=True)
        for column in ("1", "2"):
            keys = zip(pairs[f"name{column}"], pairs[f"image{column}"], strict=True)
            found = []
            for line, key in enumerate(keys):
                if key not in index:
                    raise FileNotFoundError(
                        f"pair {line + 1} of {view} refers to {key[0]}_{key[1]:04d}.jpg, "
                        f"which is not in {images}"
                    )
                found.append(index[key])
            pairs[f"index{column}"] = found
    return face_bunch(
        paths,
        subject,
        descr=DESCR,
        pairs=pairs,
        pair_indices=None if pairs is None else pairs[["index1", "index2"]].to_numpy(),
    )


def read_lfw_pairs(path):
    """Read an LFW ``pairs.txt`` (view 1 ``pairsDevTrain/Test.txt`` or view 2).

    Parameters
    ----------
    path : path-like
        The file: an optional header line (``"10 300"`` or ``"300"``), then
        ``name idx1 idx2`` lines for matched pairs and ``name1 idx1 name2 idx2`` lines
        for mismatched pairs, tab- or space-separated.

    Returns
    -------
    pandas.DataFrame
        Columns ``name1``, ``image1``, ``name2``, ``image2`` (1-based image numbers as
        in LFW) and ``same``; rows in file order.

    Raises
    ------
    ValueError
        Naming the file and line of a malformed line.
    """
    rows = []
    lines = Path(path).read_text().splitlines()
    for number, line in enumerate(lines, start=1):
        fields = line.split()
        if not fields:
            continue
        if number == 1 and all(f.isdigit() for f in fields):
            continue
        try:
            if len(fields) == 3:
                rows.append((fields[0], int(fields[1]), fields[0], int(fields[2]), True))
            elif len(fields) == 4:
                rows.append((fields[0], int(fields[1]), fields[2], int(fields[3]), False))
            else:
                raise ValueError(f"{len(fields)} fields")
        except ValueError as exc:
            raise ValueError(f"{path}, line {number}: not an LFW pair ({exc}): {line!r}") from None
    return pd.DataFrame(rows, columns=["name1", "image1", "name2", "image2", "same"])
