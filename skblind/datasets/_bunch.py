"""The fields every face data set loader returns."""

import numpy as np
import pandas as pd
from sklearn.utils import Bunch

__all__ = ["face_bunch"]


def face_bunch(paths, subject, *, descr, per_image=None, frame=None, **other):
    """Build a loader's Bunch: the same fields for every face data set.

    Every loader returns ``paths`` (list of str), ``subject`` (ndarray, the identity of
    each image), each per-image label as an array, ``frame`` (a DataFrame with one row
    per image: ``path``, ``subject`` and the labels) and ``DESCR``; data-set-specific
    fields (e.g. LFW's ``pairs``) come beside them.

    Parameters
    ----------
    paths : sequence of path-like
        The image files.
    subject : array-like of shape (n_images,)
        Identity of each image.
    descr : str
        What the data set is, where it comes from, what to watch for.
    per_image : dict, default=None
        Label name -> array of shape (n_images,): fields and columns of ``frame``.
    frame : pandas.DataFrame, default=None
        A richer table to return as ``frame`` (it must hold ``path`` and ``subject``);
        None builds it from the above.
    **other
        Further fields.

    Returns
    -------
    sklearn.utils.Bunch
    """
    paths = [str(p) for p in paths]
    subject = np.asarray(subject)
    per_image = {} if per_image is None else per_image
    if frame is None:
        frame = pd.DataFrame({"path": paths, "subject": subject, **per_image})
    return Bunch(paths=paths, subject=subject, frame=frame, DESCR=descr, **per_image, **other)
