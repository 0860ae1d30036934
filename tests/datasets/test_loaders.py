"""Each loader on a tiny fixture folder in the exact layout and format of the real data."""

import numpy as np
import pytest
from PIL import Image

from skblind.datasets import load_celeba, load_cfee, load_diveface, load_lfw


def _jpg(path, seed):
    path.parent.mkdir(parents=True, exist_ok=True)
    pixels = np.random.default_rng(seed).integers(0, 255, (24, 20, 3), dtype=np.uint8)
    Image.fromarray(pixels).save(path)


@pytest.fixture
def lfw(tmp_path):
    for seed, (name, count) in enumerate(
        [("Abel_Pacheco", 4), ("Dean_Barker", 1), ("Aaron_Peirsol", 2)]
    ):
        for number in range(1, count + 1):
            _jpg(tmp_path / "lfw" / name / f"{name}_{number:04d}.jpg", seed * 10 + number)
    (tmp_path / "pairs.txt").write_text(
        "1\t2\nAbel_Pacheco\t1\t4\nAaron_Peirsol\t1\t2\n"
        "Abel_Pacheco\t2\tDean_Barker\t1\nAaron_Peirsol\t2\tAbel_Pacheco\t3\n"
    )
    (tmp_path / "pairsDevTrain.txt").write_text(
        "1\nAbel_Pacheco\t1\t2\nAbel_Pacheco\t1\tDean_Barker\t1\n"
    )
    (tmp_path / "pairsDevTest.txt").write_text(
        "1\nAaron_Peirsol\t1\t2\nAaron_Peirsol\t1\tDean_Barker\t1\n"
    )
    return tmp_path


def test_lfw_view2(lfw):
    data = load_lfw(lfw)
    assert len(data.paths) == 7
    assert data.subject.tolist().count("Abel_Pacheco") == 4
    assert data.pairs.same.tolist() == [True, True, False, False]
    first = data.pair_indices[0]
    assert data.paths[first[0]].endswith("Abel_Pacheco_0001.jpg")
    assert data.paths[first[1]].endswith("Abel_Pacheco_0004.jpg")
    same = data.subject[data.pair_indices[:, 0]] == data.subject[data.pair_indices[:, 1]]
    assert same.tolist() == data.pairs.same.tolist()


def test_lfw_view1_and_errors(lfw):
    data = load_lfw(lfw, view="view1")
    assert data.pairs.file.tolist() == ["pairsDevTrain.txt"] * 2 + ["pairsDevTest.txt"] * 2
    assert load_lfw(lfw, view=None).pairs is None
    (lfw / "pairs.txt").write_text("1\nAbel_Pacheco\t1\t9\n")
    with pytest.raises(FileNotFoundError, match="Abel_Pacheco_0009.jpg"):
        load_lfw(lfw)
    (lfw / "pairs.txt").unlink()
    with pytest.raises(FileNotFoundError, match="pairs.txt"):
        load_lfw(lfw)
    with pytest.raises(FileNotFoundError, match="no such folder"):
        load_lfw(lfw / "nothing")


@pytest.fixture
def celeba(tmp_path):
    files = [f"{i:06d}.jpg" for i in range(1, 6)]
    for i, name in enumerate(files):
        _jpg(tmp_path / "img_align_celeba" / name, i)
    names = "5_o_Clock_Shadow Arched_Eyebrows Eyeglasses Male Smiling"
    rows = [
        "-1  1 -1  1  1",
        " 1 -1  1  1 -1",
        "-1 -1 -1 -1  1",
        "-1  1  1 -1 -1",
        " 1  1 -1  1  1",
    ]
    (tmp_path / "Anno").mkdir()
    (tmp_path / "Anno" / "list_attr_celeba.txt").write_text(
        "5\n" + names + "\n" + "".join(f"{f} {r}\n" for f, r in zip(files, rows, strict=True))
    )
    (tmp_path / "Anno" / "identity_CelebA.txt").write_text(
        "".join(f"{f} {i}\n" for f, i in zip(files, [2880, 2937, 8692, 2880, 5805], strict=True))
    )
    (tmp_path / "Eval").mkdir()
    (tmp_path / "Eval" / "list_eval_partition.txt").write_text(
        "".join(f"{f} {p}\n" for f, p in zip(files, [0, 0, 0, 1, 2], strict=True))
    )
    return tmp_path


def test_celeba(celeba):
    data = load_celeba(celeba)
    assert len(data.paths) == 5 and data.paths[0].endswith("img_align_celeba/000001.jpg")
    assert data.attributes["Smiling"].tolist() == [1, 0, 1, 0, 1]
    assert data.attributes["Eyeglasses"].tolist() == [0, 1, 0, 1, 0]
    assert data.subject.tolist() == [2880, 2937, 8692, 2880, 5805]
    assert data.partition.tolist() == ["train", "train", "train", "valid", "test"]
    test = load_celeba(celeba, split="test")
    assert test.subject.tolist() == [5805] and test.attributes["Male"].tolist() == [1]


def test_celeba_errors_name_the_line(celeba):
    attributes = celeba / "Anno" / "list_attr_celeba.txt"
    text = attributes.read_text()
    attributes.write_text(text.replace("000003.jpg -1 -1 -1 -1  1", "000003.jpg -1 -1 2 -1  1"))
    with pytest.raises(ValueError, match="line 5"):
        load_celeba(celeba)
    attributes.write_text(text.replace("5\n", "6\n", 1))
    with pytest.raises(ValueError, match="announces 6 images"):
        load_celeba(celeba)
    attributes.write_text(text)
    (celeba / "img_align_celeba" / "000002.jpg").unlink()
    with pytest.raises(FileNotFoundError, match="000002.jpg"):
        load_celeba(celeba)
    with pytest.raises(ValueError, match="split"):
        load_celeba(celeba, split="dev")


@pytest.fixture
def diveface(tmp_path):
    """The layout create_diveface.py writes, with MegaFace-style identity and file names."""
    layout = {
        "Group1_Male": {"10014693@N05_identity_11": 3, "100170304@N08_identity_0": 2},
        "Group2_Female": {"100016927@N02_identity_1": 3},
        "Group3_Female": {"10036651@N06_identity_0": 2},
    }
    for seed, (group, identities) in enumerate(layout.items()):
        for identity, count in identities.items():
            for n in range(count):
                _jpg(tmp_path / "DiveFace" / group / identity / f"94699{n}8405_{n}.jpg", seed + n)
    return tmp_path / "DiveFace"


def test_diveface(diveface):
    data = load_diveface(diveface)
    assert len(data.paths) == 10
    assert data.gender.tolist().count("male") == 5
    assert sorted(set(data.ethnic_group)) == [1, 2, 3]
    assert data.group_names[2] == "Sub-Saharan and South Indian"
    female_asian = data.demographic == "Group1_Female"
    assert not female_asian.any()
    assert set(data.subject[data.ethnic_group == 3]) == {"10036651@N06_identity_0"}
    assert all(p.endswith(".jpg") for p in data.paths)


def test_diveface_errors_name_the_item(diveface, tmp_path):
    with pytest.raises(FileNotFoundError, match="none of DiveFace's class folders"):
        load_diveface(tmp_path)
    (diveface / "Group2_Female" / "stray.jpg").write_bytes(b"")
    with pytest.raises(ValueError, match="stray.jpg: expected an identity folder"):
        load_diveface(diveface)
    (diveface / "Group2_Female" / "stray.jpg").unlink()
    (diveface / "Group3_Male" / "10014693@N05_identity_11").mkdir(parents=True)
    with pytest.raises(ValueError, match="is also in Group1_Male"):
        load_diveface(diveface)


@pytest.fixture
def cfee(tmp_path):
    for seed, subject in enumerate(["001", "002", "003"]):
        for code in (1, 2, 8, 22):
            _jpg(tmp_path / "CFEE" / f"{subject}_{code}.jpg", seed * 30 + code)
    return tmp_path / "CFEE"


def test_cfee(cfee):
    data = load_cfee(cfee)
    assert len(data.paths) == 12
    assert data.expression[data.subject == "002"].tolist() == [
        "neutral",
        "happy",
        "happily surprised",
        "awed",
    ]
    assert data.neutral.sum() == 3 and data.basic.sum() == 6
    assert data.expression_code.max() == 21


def test_cfee_custom_pattern_and_errors(cfee, tmp_path):
    folder = tmp_path / "by_name" / "S7"
    for name in ("neutral", "sadly angry"):
        _jpg(folder / f"{name}.png", 1)
    data = load_cfee(
        tmp_path / "by_name", pattern=r"(?P<subject>S\d+)/(?P<expression>[a-z ]+)\.png"
    )
    assert data.expression_code.tolist() == [0, 10] and set(data.subject) == {"S7"}
    _jpg(cfee / "notes" / "cover.jpg", 3)
    with pytest.raises(ValueError, match="1 image files do not match .*notes/cover.jpg"):
        load_cfee(cfee)
    (cfee / "notes" / "cover.jpg").unlink()
    _jpg(cfee / "004_23.jpg", 4)
    with pytest.raises(ValueError, match="004_23.jpg: expression '23' is not one of the 22"):
        load_cfee(cfee)
    with pytest.raises(ValueError, match="must define the groups"):
        load_cfee(cfee, pattern=r"(?P<subject>\d+)\.jpg")


def test_every_face_loader_returns_the_same_fields(lfw, celeba, diveface, cfee):
    from skblind.datasets import load_celeba, load_cfee, load_diveface, load_lfw, load_orl_faces

    bunches = {
        "lfw": load_lfw(lfw),
        "celeba": load_celeba(celeba),
        "diveface": load_diveface(diveface),
        "cfee": load_cfee(cfee),
        "orl": load_orl_faces(return_paths=True),
    }
    for name, bunch in bunches.items():
        assert {"paths", "subject", "frame", "DESCR"} <= set(bunch), name
        assert isinstance(bunch.paths, list) and isinstance(bunch.DESCR, str), name
        assert len(bunch.frame) == len(bunch.paths) == len(bunch.subject), name
        assert bunch.frame.path.tolist() == bunch.paths, name
        assert (bunch.frame.subject.to_numpy() == bunch.subject).all(), name
