"""CFEE (Compound Facial Expressions of Emotion): subject and expression from file names."""

import re
from pathlib import Path

import numpy as np

from ._bunch import face_bunch

__all__ = ["CFEE_EXPRESSIONS", "load_cfee"]

#: The 22 categories of Du, Tao and Martinez (PNAS 2014), in the paper's order:
#: neutral, the six basic expressions, then the fifteen compound ones.
DESCR = """\
CFEE, the Compound Facial Expressions of Emotion (Du, Tao and Martinez, PNAS 2014)
-------------------------------------------------------------------------------

One image per subject and expression category: neutral, the 6 basic and 15 compound
expressions (22 categories). Subject and category are read from the file names
(``pattern``). The paper's Table I measures expression leakage on CFEE, on
subject-disjoint folds.
"""

CFEE_EXPRESSIONS = (
    "neutral",
    "happy",
    "sad",
    "fearful",
    "angry",
    "surprised",
    "disgusted",
    "happily surprised",
    "happily disgusted",
    "sadly fearful",
    "sadly angry",
    "sadly surprised",
    "sadly disgusted",
    "fearfully angry",
    "fearfully surprised",
    "fearfully disgusted",
    "angrily surprised",
    "angrily disgusted",
    "disgustedly surprised",
    "appalled",
    "hatred",
    "awed",
)

DEFAULT_PATTERN = r"(?P<subject>[^/_]+)_(?P<expression>\d+)\.(?:jpe?g|png|bmp|tiff?)"
_SUFFIXES = {".jpg", ".jpeg", ".png", ".bmp", ".tif", ".tiff"}


def load_cfee(root, *, pattern=DEFAULT_PATTERN, first_code=1):
    """Load CFEE's image paths with the subject and expression of each image.

    CFEE holds 230 subjects, each photographed in the 22 categories of
    :data:`CFEE_EXPRESSIONS`. The subject and the expression are read from each image's
    path relative to ``root`` with the regular expression ``pattern``, which must
    match the whole relative path (``/``-separated) and define the groups
    ``subject`` and ``expression``. The expression group holds a category number
    (``first_code`` for neutral, in the order of :data:`CFEE_EXPRESSIONS`) or a
    category name.

    The default pattern reads ``<subject>_<number>.jpg`` anywhere below ``root``. It
    was written from the data set's description (one image per subject and category,
    numbered in the paper's order), not checked against a copy: if your copy is laid
    out differently, pass a ``pattern``; every file that does not match is named in
    the error, so a wrong pattern cannot drop images silently.

    Parameters
    ----------
    root : path-like
        The CFEE folder (searched recursively).
    pattern : str, default=DEFAULT_PATTERN
        Regular expression with named groups ``subject`` and ``expression``, matched
        against each image's relative path.
    first_code : int, default=1
        The number of the first category (neutral) when expressions are numbers.

    Returns
    -------
    sklearn.utils.Bunch
        One row per image, sorted by subject and then category.

        paths : list of str
        subject : ndarray of str
        expression : ndarray of str, category names
        expression_code : ndarray of int, 0 (neutral) to 21
        neutral : ndarray of int, 1 for the neutral images
        basic : ndarray of bool, neutral or one of the six basic expressions
        frame : pandas.DataFrame, all of the above, one row per image
        DESCR : str

    Raises
    ------
    FileNotFoundError
        If ``root`` does not exist or holds no images.
    ValueError
        Naming the files that do not match ``pattern``, an unknown expression, or a
        subject with two images of one expression.
    """
    root = Path(root)
    if not root.is_dir():
        raise FileNotFoundError(f"{root}: no such folder (the CFEE root)")
    regex = re.compile(pattern, flags=re.IGNORECASE)
    if not {"subject", "expression"} <= set(regex.groupindex):
        raise ValueError(f"pattern={pattern!r} must define the groups 'subject' and 'expression'")
    files = sorted(p for p in root.rglob("*") if p.suffix.lower() in _SUFFIXES)
    if not files:
        raise FileNotFoundError(f"{root}: no image files")
    rows, unmatched, seen = [], [], {}
    names = {name.lower(): code for code, name in enumerate(CFEE_EXPRESSIONS)}
    for path in files:
        relative = path.relative_to(root).as_posix()
        match = regex.fullmatch(relative)
        if match is None:
            unmatched.append(relative)
            continue
        value = match["expression"]
        code = int(value) - first_code if value.isdigit() else names.get(value.lower(), -1)
        if not 0 <= code < len(CFEE_EXPRESSIONS):
            raise ValueError(
                f"{path}: expression {value!r} is not one of the 22 CFEE categories "
                f"(numbers {first_code}-{first_code + 21} or names)"
            )
        key = (match["subject"], code)
        if key in seen:
            raise ValueError(f"{path}: a second image of {key} (the first: {seen[key]})")
        seen[key] = path
        rows.append((str(path), match["subject"], code))
    if unmatched:
        shown = ", ".join(unmatched[:10]) + (" ..." if len(unmatched) > 10 else "")
        raise ValueError(
            f"{root}: {len(unmatched)} image files do not match pattern={pattern!r}: {shown}"
        )
    rows.sort(key=lambda row: (row[1], row[2]))  # by subject, then category order
    paths, subject, code = (np.array(column) for column in zip(*rows, strict=True))
    code = code.astype(int)
    per_image = dict(
        expression=np.array(CFEE_EXPRESSIONS)[code],
        expression_code=code,
        neutral=(code == 0).astype(int),
        basic=code < 7,
    )
    return face_bunch(paths, subject, descr=DESCR, per_image=per_image)
