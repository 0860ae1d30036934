"""The catalogue of bad inputs: each gets a clear error naming the item, or a documented,
deliberate handling. One test per entry; the entries follow the hardening issue's list."""

import os
import pickle

import numpy as np
import pytest
from fast_fits import FAST
from PIL import Image
from sklearn.base import clone
from sklearn.exceptions import NotFittedError

import skblind
from skblind._persistence import InconsistentSkblindVersionWarning
from skblind.cli import main
from skblind.datasets import make_blinding_problem
from skblind.embedding import FaceEmbedder
from skblind.evaluation import audit_report
from skblind.suppression import (
    Blinder,
    INLPEraser,
    IVEEraser,
    LEACEEraser,
    LNTLSuppressor,
    PASSSuppressor,
    SensitiveNetsSuppressor,
    WithinIdentityEraser,
    recipe_encoder,
)

ESTIMATORS = [
    SensitiveNetsSuppressor(**FAST),
    LNTLSuppressor(**FAST),
    LEACEEraser(),
    INLPEraser(n_iterations=2),
    WithinIdentityEraser(),
    PASSSuppressor(**FAST),
    IVEEraser(n_eliminate=2, step=1, random_state=0),
    Blinder(recipe_encoder(**FAST), random_state=0),
]
IDS = [type(e).__name__ for e in ESTIMATORS]


@pytest.fixture(params=ESTIMATORS, ids=IDS)
def estimator(request):
    return clone(request.param)


@pytest.fixture(scope="module")
def data():
    return make_blinding_problem(
        n_subjects=8, n_per_subject=6, n_features=12, identity_dim=4, random_state=0
    )


@pytest.fixture
def embedder():
    return FaceEmbedder(progress=False)


# --- images ----------------------------------------------------------------------------


def test_a_truncated_image_file_is_named(tmp_path, orl, embedder):
    blob = open(orl.paths[0], "rb").read()
    (tmp_path / "cut.png").write_bytes(_png(orl.images[0])[:200])
    (tmp_path / "cut.pgm").write_bytes(blob[: len(blob) // 2])
    for name in ("cut.png", "cut.pgm"):
        with pytest.raises(ValueError, match=rf"{name}'\): cannot be read as an image"):
            embedder.transform([str(tmp_path / name)])


def test_a_missing_path_is_named(tmp_path, embedder):
    with pytest.raises(FileNotFoundError, match=r"nowhere.jpg'\): no such image file"):
        embedder.transform([str(tmp_path / "nowhere.jpg")])


def test_a_non_image_file_is_named(tmp_path, embedder):
    (tmp_path / "notes.jpg").write_text("not an image")
    with pytest.raises(ValueError, match=r"notes.jpg'\): cannot be read as an image"):
        embedder.transform([str(tmp_path / "notes.jpg")])


def test_an_image_without_a_face_is_named_or_handled_as_asked(blank_image, orl):
    with pytest.raises(ValueError, match=r"No face found in 1 of 2 images: item 1"):
        FaceEmbedder(progress=False).transform([orl.images[0], blank_image])
    with pytest.warns(UserWarning, match="NaN rows"):
        X = FaceEmbedder(progress=False, on_no_face="nan").transform([orl.images[0], blank_image])
    assert np.isfinite(X[0]).all() and np.isnan(X[1]).all()


def test_a_huge_image_is_detected_downscaled_and_embedded_at_full_resolution(orl, embedder):
    face = orl.images[0]
    huge = np.full((3000, 4000), 128, dtype=np.uint8)  # a 12-megapixel photo
    huge[1000:1448, 2000:2368] = np.kron(face, np.ones((4, 4), dtype=np.uint8))
    small, big = embedder.transform([face, huge])
    cosine = small @ big / np.linalg.norm(small) / np.linalg.norm(big)
    assert cosine > 0.9


def test_a_decompression_bomb_is_refused_and_named(tmp_path, monkeypatch, embedder, orl):
    Image.fromarray(orl.images[0]).save(tmp_path / "bomb.png")
    monkeypatch.setattr(Image, "MAX_IMAGE_PIXELS", 2000)
    with pytest.raises(ValueError, match=r"bomb.png'\): more than twice PIL's Image.MAX_IMAGE"):
        embedder.transform([str(tmp_path / "bomb.png")])


@pytest.mark.parametrize("mode", ["I;16", "P", "RGBA", "L", "LA"])
def test_16_bit_palette_rgba_and_grey_images_are_converted(tmp_path, orl, embedder, mode):
    grey = Image.open(orl.paths[0])
    if mode == "I;16":
        image = Image.fromarray(np.asarray(grey).astype(np.uint16) * 257)
    else:
        image = grey.convert(mode)
    path = tmp_path / f"face.{'tif' if mode == 'I;16' else 'png'}"
    image.save(path)
    assert Image.open(path).mode.startswith(mode[:1])
    reference, converted = embedder.transform([orl.paths[0], str(path)])
    np.testing.assert_allclose(converted, reference, atol=1e-4)


def test_an_empty_input_list_is_an_error(embedder):
    with pytest.raises(ValueError, match="empty input"):
        embedder.transform([])


# --- embeddings and labels ----------------------------------------------------------------


@pytest.mark.parametrize("bad", [np.nan, np.inf])
def test_nan_or_inf_in_embeddings_is_an_error(estimator, bad, data):
    X = data.X.copy()
    X[3, 2] = bad
    with pytest.raises(ValueError, match="NaN|infinity"):
        estimator.fit(X, data.subject, sensitive_features=data.sensitive)


def test_nan_in_embeddings_is_an_error_in_the_audit(data):
    X = data.X.copy()
    X[0, 0] = np.nan
    with pytest.raises(ValueError, match="NaN"):
        audit_report(X, data.sensitive, groups=data.subject)


def test_x_and_labels_of_different_lengths(estimator, data):
    with pytest.raises(ValueError, match="inconsistent numbers of samples|length"):
        estimator.fit(data.X, data.subject, sensitive_features=data.sensitive[:-1])


def test_a_sensitive_attribute_with_one_class(estimator, data):
    with pytest.raises(ValueError, match="at least two classes"):
        estimator.fit(data.X, data.subject, sensitive_features=np.zeros(len(data.X), int))


def test_a_neutral_class_that_is_not_a_label(data):
    suppressor = SensitiveNetsSuppressor(suppression="paper", neutral_class="calm", **FAST)
    with pytest.raises(ValueError, match="neutral_class='calm' is not among"):
        suppressor.fit(data.X, data.subject, sensitive_features=data.sensitive)


def test_unseen_identities_and_labels_at_transform_time(estimator, data):
    """transform takes no labels: new people (the point of blinding) are transformed."""
    fitted = estimator.fit(data.X, data.subject, sensitive_features=data.sensitive)
    new = make_blinding_problem(
        n_subjects=3, n_per_subject=2, n_features=12, identity_dim=4, random_state=9
    ).X
    assert np.isfinite(fitted.transform(new)).all()


def test_transform_before_fit(estimator, data):
    with pytest.raises(NotFittedError):
        estimator.transform(data.X)


def test_a_changed_number_of_features(estimator, data):
    fitted = estimator.fit(data.X, data.subject, sensitive_features=data.sensitive)
    with pytest.raises(ValueError, match="features"):
        fitted.transform(data.X[:, :-1])


# --- files --------------------------------------------------------------------------------


def test_a_model_pickled_by_another_version_warns(estimator, data, monkeypatch):
    blob = pickle.dumps(estimator.fit(data.X, data.subject, sensitive_features=data.sensitive))
    monkeypatch.setattr(skblind, "__version__", "0.0.0-other")
    with pytest.warns(InconsistentSkblindVersionWarning, match="saved by skblind"):
        pickle.loads(blob)


@pytest.mark.skipif(os.geteuid() == 0, reason="root writes into read-only folders")
def test_a_read_only_output_folder(tmp_path, capsys):
    tmp_path.chmod(0o500)
    try:
        assert main(["demo", "--output", str(tmp_path / "report"), "--quiet"]) == 1
    finally:
        tmp_path.chmod(0o700)
    assert "cannot write" in capsys.readouterr().err


def test_an_output_path_blocked_by_a_file(tmp_path, capsys):
    (tmp_path / "a-file").write_text("")
    assert main(["demo", "--output", str(tmp_path / "a-file" / "report"), "--quiet"]) == 1
    assert "cannot write the output folder" in capsys.readouterr().err


def test_no_half_written_output_file(tmp_path):
    from skblind._io import atomic_path

    target = tmp_path / "table.csv"
    target.write_text("the previous, complete table\n")
    with pytest.raises(RuntimeError), atomic_path(target) as tmp:
        tmp.write_text("half a tab")
        raise RuntimeError("interrupted")
    assert target.read_text() == "the previous, complete table\n"
    assert list(tmp_path.iterdir()) == [target]


def _png(array):
    import io

    buffer = io.BytesIO()
    Image.fromarray(array).save(buffer, format="PNG")
    return buffer.getvalue()
