"""``skblind reproduce`` end to end on ORL faces laid out as the paper's four data sets."""

import json

import numpy as np
import pandas as pd
import pytest
from PIL import Image

from skblind.cli import main


def _save(path, image):
    path.parent.mkdir(parents=True, exist_ok=True)
    Image.open(image).save(path)


@pytest.fixture(scope="module")
def paper_data(orl, tmp_path_factory):
    """CelebA: ORL subjects 1-10; CFEE: 11-22; DiveFace: 23-34; LFW: 35-40."""
    root = tmp_path_factory.mktemp("paper_data")
    by_subject = {s: np.flatnonzero(orl.subject == s) for s in np.unique(orl.subject)}
    # CelebA: attributes from the ORL annotations, in list_attr_celeba.txt's format
    files, attributes, identities = [], [], []
    for s in range(1, 11):
        for i in by_subject[s]:
            name = f"{len(files) + 1:06d}.jpg"
            _save(root / "celeba" / "img_align_celeba" / name, orl.paths[i])
            files.append(name)
            attributes.append(f"{2 * orl.glasses[i] - 1:2d} {2 * orl.smiling[i] - 1:2d}")
            identities.append(1000 + s)
    (root / "celeba" / "list_attr_celeba.txt").write_text(
        f"{len(files)}\nEyeglasses Smiling\n"
        + "".join(f"{f} {a}\n" for f, a in zip(files, attributes, strict=True))
    )
    (root / "celeba" / "identity_CelebA.txt").write_text(
        "".join(f"{f} {i}\n" for f, i in zip(files, identities, strict=True))
    )
    (root / "celeba" / "list_eval_partition.txt").write_text("".join(f"{f} 0\n" for f in files))
    # CFEE: <subject>_<category number>.jpg, four categories per subject
    for s in range(11, 23):
        for code, i in enumerate(by_subject[s][:4], start=1):
            _save(root / "cfee" / f"{s:03d}_{code}.jpg", orl.paths[i])
    # DiveFace: class folders of identity folders, three identities in each of four classes
    # (at least three images each, as in DiveFace)
    classes = ["Group1_Male", "Group3_Female", "Group2_Male", "Group1_Female"]
    for k, s in enumerate(range(23, 35)):
        for i in by_subject[s][:3]:
            identity = f"{s}@N0_identity_0"
            _save(root / "diveface" / classes[k % 4] / identity / f"{i}_0.jpg", orl.paths[i])
    # LFW: lfw/<Name>/<Name>_000k.jpg and a view 2 pairs.txt of 10 folds (1 + 1 pairs each)
    names = [f"Person_{s}" for s in range(35, 41)]
    for name, s in zip(names, range(35, 41), strict=True):
        for k, i in enumerate(by_subject[s][:3], start=1):
            _save(root / "lfw" / "lfw" / name / f"{name}_{k:04d}.jpg", orl.paths[i])
    lines = ["10\t1"]
    for fold in range(10):
        name, other = names[fold % 6], names[(fold + 1) % 6]
        lines += [f"{name}\t1\t2", f"{name}\t3\t{other}\t1"]
    (root / "lfw" / "pairs.txt").write_text("\n".join(lines) + "\n")
    return root


@pytest.mark.slow
def test_reproduce_runs_every_part_on_the_data_sets_given(paper_data, tmp_path, capsys):
    args = ["reproduce", "--output", str(tmp_path), "--folds", "3", "--seeds", "1"]
    args += ["--max-epochs", "2", "--quiet"]
    for name in ("cfee", "diveface", "lfw", "celeba"):
        args += [f"--{name}", str(paper_data / name)]
    assert main(args) == 0
    out = capsys.readouterr().out
    assert "Table I" in out and "Table II" in out
    parts = pd.read_csv(tmp_path / "parts.csv")
    assert parts.ran.all()
    leakage = pd.read_csv(tmp_path / "table_1_leakage.csv")
    assert set(leakage.dataset) == {"CFEE", "DiveFace"}
    assert set(leakage.attribute) == {"expression", "gender", "ethnic_group"}
    assert set(leakage.representation) == {
        "raw",
        "LEACE",
        "INLP",
        "SensitiveNets (paper)",
        "LNTL (paper)",
        "Blinder",
        "Blinder, no margin",
    }
    cfee = leakage[leakage.attribute == "expression"]
    assert np.allclose(cfee.chance, 0.25)  # four categories in the fixture
    verification = pd.read_csv(tmp_path / "table_1_verification.csv")
    lfw = verification[verification.dataset == "LFW"].set_index("representation")
    assert (lfw.n_genuine == 10).all() and (lfw.n_impostor == 10).all()
    assert lfw.roc_auc["raw"] > 0.9
    fairness = pd.read_csv(tmp_path / "table_2_fairness.csv")
    assert set(fairness.split) == {"biased", "unbiased"}
    for figure in ("tsne_expression.png", "feature_removal_expression.png"):
        assert (tmp_path / figure).read_bytes()[:4] == b"\x89PNG"
    assert len(json.loads((tmp_path / "report.json").read_text())["parts"]) == len(parts)


def test_reproduce_says_what_it_skipped(paper_data, tmp_path, capsys):
    args = ["reproduce", "--lfw", str(paper_data / "lfw"), "--output", str(tmp_path), "--quiet"]
    assert main(args) == 0
    parts = pd.read_csv(tmp_path / "parts.csv").set_index("part")
    assert not parts.ran.any()
    assert parts.reason["Table I"] == "needs --cfee"
    assert parts.reason["Table II"] == "needs --celeba"
    assert "Skipped Table I: needs --cfee" not in capsys.readouterr().out  # quiet
    assert main(["reproduce", "--output", str(tmp_path)]) == 1
    assert "give at least one data set" in capsys.readouterr().err
