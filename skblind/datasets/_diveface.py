"""DiveFace as built by BiDA Lab's ``create_diveface.py``: group folders of identity folders."""

from pathlib import Path

import numpy as np

from ._bunch import face_bunch

__all__ = ["load_diveface"]

#: The three ethnic groups of DiveFace (Morales et al., SensitiveNets, 2020).
DESCR = """\
DiveFace (Morales et al., IEEE TPAMI 2021): MegaFace identities in six groups
----------------------------------------------------------------------------

Three ethnic groups by two genders (``Group{1,2,3}_{Male,Female}/<identity>/``), as
BiDA Lab's ``create_diveface.py`` builds them from MegaFace. The paper trains the
suppressors' identity side on it (S_P) and measures gender and ethnic group on held-out
identities.
"""

DIVEFACE_GROUPS = {
    1: "East Asian",
    2: "Sub-Saharan and South Indian",
    3: "Caucasian",
}
_CLASSES = [f"Group{g}_{s}" for s in ("Male", "Female") for g in DIVEFACE_GROUPS]
_SUFFIXES = {".jpg", ".jpeg", ".png"}


def load_diveface(root):
    """Load DiveFace's image paths, identities, gender and ethnic group.

    DiveFace is distributed as annotation lists that BiDA Lab's ``create_diveface.py``
    turns into a copy of the MegaFace images in this layout (``-b`` for the balanced
    version keeps three images per identity, same layout)::

        root/Group1_Male/<identity>/<image>.jpg
        root/Group1_Female/...
        ...                         (Group1, Group2, Group3 x Male, Female)

    Group 1: East Asian; group 2: Sub-Saharan and South Indian; group 3: Caucasian.
    Any subset of the six class folders may be present.

    Parameters
    ----------
    root : path-like
        The DiveFace folder (``--dive`` of ``create_diveface.py``).

    Returns
    -------
    sklearn.utils.Bunch
        paths : list of str
        subject : ndarray of str, the identity folder of each image
        gender : ndarray of str, ``"male"`` or ``"female"``
        ethnic_group : ndarray of int, 1, 2 or 3
        group_names : dict, ethnic group number -> name
        demographic : ndarray of str, the class folder (e.g. ``"Group2_Female"``)
        frame : pandas.DataFrame, the per-image fields, one row per image
        DESCR : str

    Raises
    ------
    FileNotFoundError
        If ``root`` does not exist or holds none of the six class folders.
    ValueError
        Naming the item: a file where an identity folder is expected, an identity
        folder without images, an identity found in two classes.
    """
    root = Path(root)
    if not root.is_dir():
        raise FileNotFoundError(f"{root}: no such folder (the DiveFace root)")
    present = [name for name in _CLASSES if (root / name).is_dir()]
    if not present:
        raise FileNotFoundError(
            f"{root}: none of DiveFace's class folders ({', '.join(_CLASSES)}); run BiDA "
            "Lab's create_diveface.py --mega <MegaFace> --dive <this folder> first"
        )
    rows, seen = [], {}
    for name in present:
        for identity in sorted((root / name).iterdir()):
            if identity.name.startswith("."):
                continue
            if not identity.is_dir():
                raise ValueError(f"{identity}: expected an identity folder, found a file")
            if identity.name in seen:
                raise ValueError(
                    f"{identity}: identity {identity.name!r} is also in {seen[identity.name]}"
                )
            seen[identity.name] = name
            images = sorted(p for p in identity.iterdir() if p.suffix.lower() in _SUFFIXES)
            if not images:
                raise ValueError(f"{identity}: identity folder without images")
            rows += [(str(p), identity.name, name) for p in images]
    paths, subject, demographic = (np.array(column) for column in zip(*rows, strict=True))
    group, gender = np.array([d.split("_") for d in demographic]).T
    per_image = dict(
        gender=np.char.lower(gender),
        ethnic_group=np.array([int(g[len("Group") :]) for g in group]),
        demographic=demographic,
    )
    return face_bunch(
        paths, subject, descr=DESCR, per_image=per_image, group_names=dict(DIVEFACE_GROUPS)
    )
