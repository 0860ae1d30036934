"""FaceEmbedder's behaviour as a scikit-learn transformer, on real ORL images."""

import pickle

import joblib
import numpy as np
import pytest
import torch
from PIL import Image
from sklearn.base import clone
from sklearn.neighbors import KNeighborsClassifier
from sklearn.pipeline import make_pipeline

from skblind.embedding import FaceEmbedder, _embedder


@pytest.fixture(scope="module")
def few(orl):
    """Six ORL images (two subjects) and their reference SFace embeddings."""
    index = np.array([0, 1, 2, 10, 11, 12])
    images = orl.images[index]
    reference = FaceEmbedder(progress=False).fit_transform(images)
    return images, [orl.paths[i] for i in index], reference


def test_every_input_form_gives_the_same_embedding(few):
    images, paths, reference = few
    grey = images[0]
    rgb = np.repeat(grey[:, :, None], 3, axis=2)
    forms = {
        "path": paths[0],
        "pathlib": __import__("pathlib").Path(paths[0]),
        "pil-grey": Image.fromarray(grey),
        "pil-rgba": Image.fromarray(grey).convert("RGBA"),
        "pil-palette": Image.fromarray(rgb).convert("P", palette=Image.Palette.ADAPTIVE),
        "pil-16bit": Image.fromarray(grey.astype(np.uint16) * 257),
        "grey": grey,
        "grey-1ch": grey[:, :, None],
        "rgb": rgb,
        "rgba": np.dstack([rgb, np.full_like(grey, 255)]),
        "float": grey / 255.0,
        "uint16": grey.astype(np.uint16) * 257,
    }
    embedder = FaceEmbedder(progress=False)
    for name, item in forms.items():
        out = embedder.transform([item])
        np.testing.assert_allclose(out[0], reference[0], atol=1e-4, err_msg=name)


def test_stacked_array_series_and_column_inputs(few):
    images, paths, reference = few
    pd = pytest.importorskip("pandas")
    embedder = FaceEmbedder(progress=False)
    np.testing.assert_allclose(embedder.transform(np.stack(images)), reference, atol=1e-5)
    np.testing.assert_allclose(embedder.transform(pd.Series(paths)), reference, atol=1e-5)
    column = pd.DataFrame({"path": paths})
    np.testing.assert_allclose(embedder.transform(column), reference, atol=1e-5)


def test_batch_size_order_and_subset_invariance(few):
    images, _, reference = few
    one = FaceEmbedder(batch_size=1, progress=False).transform(images)
    np.testing.assert_allclose(one, reference, atol=1e-5)
    order = np.array([5, 3, 1, 0, 2, 4])
    shuffled = FaceEmbedder(batch_size=4, progress=False).transform(images[order])
    np.testing.assert_allclose(shuffled, reference[order], atol=1e-5)
    np.testing.assert_allclose(
        FaceEmbedder(progress=False).transform(images[2:4]), reference[2:4], atol=1e-5
    )


def test_clone_pickle_and_pipeline(few):
    images, _, reference = few
    embedder = FaceEmbedder(layer="pooled", batch_size=5, progress=False)
    twin = clone(embedder)
    assert twin.get_params() == embedder.get_params()
    restored = pickle.loads(pickle.dumps(embedder.fit(images)))
    np.testing.assert_array_equal(restored.transform(images), embedder.transform(images))
    assert restored.n_features_out_ == 1024
    names = restored.get_feature_names_out()
    assert len(names) == 1024 and names[0] == "faceembedder0"

    subjects = np.array([1, 1, 1, 2, 2, 2])
    model = make_pipeline(FaceEmbedder(progress=False), KNeighborsClassifier(1))
    model.fit(images[[0, 1, 3, 4]], subjects[[0, 1, 3, 4]])
    assert (model.predict(images[[2, 5]]) == [1, 2]).all()
    fit_twice = FaceEmbedder(progress=False).fit(images).fit(images).transform(images)
    np.testing.assert_array_equal(fit_twice, reference)


def test_memory_cache_is_keyed_on_content(few, tmp_path, monkeypatch):
    images, paths, reference = few
    memory = joblib.Memory(tmp_path, verbose=0)
    first = FaceEmbedder(memory=memory, progress=False).transform(paths)

    def fail(*args, **kwargs):
        raise AssertionError("the cache was not used")

    monkeypatch.setattr(_embedder, "_find_faces", fail)
    # Same pixels handed as arrays instead of paths: served from the cache.
    again = FaceEmbedder(memory=memory, progress=False).transform(images)
    np.testing.assert_array_equal(first, again)
    # Other pixels are not in the cache.
    with pytest.raises(AssertionError, match="cache was not used"):
        FaceEmbedder(memory=memory, progress=False).transform(images[:, ::-1].copy())


def test_no_face_policies(few, blank_image):
    images, _, reference = few
    batch = [images[0], blank_image, images[1], blank_image]
    with pytest.raises(ValueError, match=r"2 of 4 images: item 1 \(ndarray\), item 3"):
        FaceEmbedder(progress=False).transform(batch)
    with pytest.warns(UserWarning, match="item 1"):
        out = FaceEmbedder(on_no_face="nan", progress=False).transform(batch)
    assert np.isnan(out[[1, 3]]).all()
    np.testing.assert_allclose(out[[0, 2]], reference[:2], atol=1e-5)
    with pytest.warns(UserWarning, match="whole image"):
        out = FaceEmbedder(on_no_face="whole", progress=False).transform(batch)
    assert np.isfinite(out).all()
    np.testing.assert_allclose(out[[0, 2]], reference[:2], atol=1e-5)
    np.testing.assert_allclose(out[1], out[3])


def test_no_face_error_lists_files_across_batches(few, blank_image, tmp_path):
    images, paths, _ = few
    blank = tmp_path / "blank.png"
    Image.fromarray(blank_image).save(blank)
    with pytest.raises(ValueError, match=r"item 0 .*blank\.png.*item 7 .*blank\.png"):
        FaceEmbedder(batch_size=2, progress=False).transform([blank, *paths, blank])


def test_detector_none_embeds_given_crops(few):
    images, _, reference = few
    out = FaceEmbedder(detector=None, progress=False).transform(images)
    assert out.shape == reference.shape and np.isfinite(out).all()


@pytest.mark.parametrize(
    "bad, error, pattern",
    [
        ([], ValueError, "empty input"),
        (np.zeros((5, 3)), ValueError, "feature matrix is not an image batch"),
        ("one.png", TypeError, "Wrap it in a list"),
        (["/does/not/exist.png"], FileNotFoundError, r"item 0 \('/does/not/exist.png'\)"),
        ([np.zeros((10, 10, 2), dtype=np.uint8)], ValueError, r"item 0 .*shape \(10, 10, 2\)"),
        ([np.full((20, 20), 2.0)], ValueError, r"float image must lie in \[0, 1\]"),
        ([np.full((20, 20), np.nan)], ValueError, "NaN"),
        ([3], TypeError, "item 0 .*expected a file path"),
    ],
)
def test_bad_inputs_name_the_item(bad, error, pattern):
    with pytest.raises(error, match=pattern):
        FaceEmbedder(progress=False).transform(bad)


def test_unreadable_and_truncated_files(tmp_path, few):
    _, paths, _ = few
    text = tmp_path / "notes.jpg"
    text.write_text("not an image")
    truncated = tmp_path / "cut.png"
    Image.open(paths[0]).save(tmp_path / "full.png")
    truncated.write_bytes((tmp_path / "full.png").read_bytes()[:200])
    for path in (text, truncated):
        with pytest.raises(ValueError, match=f"{path.name}.*cannot be read as an image"):
            FaceEmbedder(progress=False).transform([paths[0], path])


def test_invalid_parameters():
    with pytest.raises(ValueError, match="backbone"):
        FaceEmbedder(backbone="resnet").fit()
    with pytest.raises(ValueError, match="batch_size"):
        FaceEmbedder(batch_size=0).fit()


@pytest.mark.skipif(torch.cuda.is_available(), reason="checks the CPU-only error")
def test_cuda_device_without_cuda_is_refused():
    with pytest.raises(ValueError, match="asks for CUDA"):
        FaceEmbedder(device="cuda").fit()
    assert FaceEmbedder(device="auto").fit()._settings().device == "cpu"


def test_progress_bar_can_be_silenced(few, capsys):
    images, _, _ = few
    FaceEmbedder(progress=False).transform(images[:2])
    assert "img" not in capsys.readouterr().err
    FaceEmbedder(progress=True).transform(images[:2])
    assert "2/2" in capsys.readouterr().err


def test_transform_uses_what_fit_resolved(orl, monkeypatch):
    embedder = FaceEmbedder(progress=False).fit(orl.images[:2])
    assert embedder.settings_.backbone == "sface" and embedder.settings_.layer == "embedding"
    expected = embedder.transform(orl.images[:2])

    def not_again(self):
        raise AssertionError("transform resolved the settings again")

    monkeypatch.setattr(FaceEmbedder, "_settings", not_again)
    np.testing.assert_array_equal(embedder.transform(orl.images[:2]), expected)
    with pytest.raises(AssertionError, match="resolved the settings again"):
        FaceEmbedder(progress=False).transform(orl.images[:2])  # unfitted: resolves them


def test_a_grid_search_embeds_each_image_once(orl, tmp_path, monkeypatch):
    """The cache is keyed per image: folds and candidates regroup the images in new batches."""
    from sklearn.model_selection import GridSearchCV, GroupKFold
    from sklearn.pipeline import Pipeline
    from sklearn.svm import SVC

    from skblind.suppression import Blinder, recipe_encoder

    embedded = []
    real = _embedder._embed_images

    def counting(settings, images):
        embedded.extend(image.tobytes() for image in images)
        return real(settings, images)

    monkeypatch.setattr(_embedder, "_embed_images", counting)
    keep = orl.subject <= 6
    paths = np.asarray(orl.paths)[keep]
    pipe = Pipeline(
        [
            (  # the disk cache alone (the process cache is tested below)
                "embed",
                FaceEmbedder(memory=str(tmp_path), cache_size=0, batch_size=7, progress=False),
            ),
            (
                "blind",  # 4 people per fold: the margin would keep nothing (its own tests)
                Blinder(
                    recipe_encoder(max_epochs=1, progress=False, random_state=0),
                    margin="passthrough",
                ),
            ),
            ("svc", SVC()),
        ]
    )
    search = GridSearchCV(pipe, {"blind__encoder__lam": [0.0, 4.0]}, cv=GroupKFold(3))
    search.fit(
        paths,
        orl.subject[keep],
        groups=orl.subject[keep],
        blind__sensitive_features=orl.smiling[keep],
    )
    # Uncached: 2 candidates x 3 folds x (40 fitted + 20 scored) + 60 refitted = 420.
    assert len(embedded) == keep.sum() == len(set(embedded))


def test_threads_embedding_at_once_get_the_sequential_result(orl):
    """Dask's threaded workers run partitions in threads of one process: a shared OpenCV
    network crashed the process (double free) and YuNet missed faces at random."""
    from concurrent.futures import ThreadPoolExecutor

    paths = list(orl.paths[:24])
    embedder = FaceEmbedder(layer="pooled", progress=False, batch_size=4)
    expected = embedder.transform(paths)
    with ThreadPoolExecutor(4) as pool:
        results = list(pool.map(lambda _: embedder.transform(paths), range(6)))
    for result in results:
        np.testing.assert_allclose(result, expected, atol=1e-6)


def test_a_plain_grid_search_embeds_each_image_once_in_process(orl, monkeypatch):
    """Issue 27: the design card's GridSearchCV over Pipeline([FaceEmbedder(), ...]),
    without memory=, embedded 2,800 images for 400 (7x). The process cache keeps them."""
    from sklearn.model_selection import GridSearchCV, GroupKFold
    from sklearn.pipeline import Pipeline
    from sklearn.svm import SVC

    from skblind.embedding import _cache, _embedder
    from skblind.suppression import Blinder

    embedded = []
    real = _embedder._embed_images

    def counting(settings, images):
        embedded.extend(image.tobytes() for image in images)
        return real(settings, images)

    monkeypatch.setattr(_embedder, "_embed_images", counting)
    _cache.PROCESS_CACHE.clear()
    keep = orl.subject <= 6
    paths = np.asarray(orl.paths)[keep]

    def search(cache_size):
        pipe = Pipeline(
            [
                ("embed", FaceEmbedder(cache_size=cache_size, batch_size=7, progress=False)),
                ("blind", Blinder(margin="passthrough", random_state=0)),
                ("svc", SVC()),
            ]
        )
        GridSearchCV(pipe, {"svc__C": [1.0, 10.0]}, cv=GroupKFold(3)).fit(
            paths,
            orl.subject[keep],
            groups=orl.subject[keep],
            blind__sensitive_features=orl.smiling[keep],
        )

    search(cache_size=0)
    assert len(embedded) == 2 * 3 * 60 + 60  # every fit and score embeds again
    embedded.clear()
    search(cache_size=4096)
    assert len(embedded) == keep.sum() == len(set(embedded))
    embedded.clear()
    search(cache_size=4096)  # a second search of the same images embeds none
    assert embedded == []


def test_an_embedder_of_the_other_layer_finds_the_images_in_process(orl, tmp_path, monkeypatch):
    """The backbone computes every layer in one forward and the process cache keeps them
    all: after the pooled layer, the embedding layer of the same images costs no forward,
    and each layer equals its uncached value. A disk-cache hit adds its layer only."""
    from skblind.embedding import _cache

    embedded = []
    real = _embedder._embed_images

    def counting(settings, images):
        embedded.extend(image.tobytes() for image in images)
        return real(settings, images)

    images = orl.images[:10]
    expected = {
        layer: FaceEmbedder(layer=layer, cache_size=0, progress=False).transform(images)
        for layer in ("pooled", "embedding")
    }
    monkeypatch.setattr(_embedder, "_embed_images", counting)
    _cache.PROCESS_CACHE.clear()
    for layer in ("pooled", "embedding"):
        got = FaceEmbedder(layer=layer, batch_size=4, progress=False).transform(images)
        np.testing.assert_array_equal(got, expected[layer])
    assert len(embedded) == 10

    # The disk cache stores the layer asked for; served from disk into an empty process
    # cache, an image has that layer only there, and the other layer embeds it again.
    _cache.PROCESS_CACHE.clear()
    FaceEmbedder(layer="pooled", memory=str(tmp_path), progress=False).transform(images)
    _cache.PROCESS_CACHE.clear()
    embedded.clear()
    FaceEmbedder(layer="pooled", memory=str(tmp_path), progress=False).transform(images)
    assert embedded == []
    got = FaceEmbedder(layer="embedding", progress=False).transform(images)
    np.testing.assert_array_equal(got, expected["embedding"])
    assert len(embedded) == 10


def test_reading_ahead_keeps_the_order_and_names_a_bad_file_in_a_later_batch(orl, tmp_path):
    paths = list(orl.paths[:7])
    one_by_one = FaceEmbedder(batch_size=1, progress=False).fit_transform(paths)
    ahead = FaceEmbedder(batch_size=3, progress=False).fit_transform(paths)
    np.testing.assert_allclose(ahead, one_by_one, atol=1e-5)
    bad = tmp_path / "not-an-image.jpg"
    bad.write_text("no pixels here")
    with pytest.raises(ValueError, match=r"item 4 \('.*not-an-image.jpg'\): cannot be read"):
        FaceEmbedder(batch_size=2, progress=False).fit_transform([*paths[:4], str(bad), *paths[4:]])
