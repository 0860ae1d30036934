"""The facenet path is facenet-pytorch's InceptionResnetV1 itself."""

import urllib.error

import numpy as np
import pytest
import torch
from facenet_pytorch import InceptionResnetV1, fixed_image_standardization

from skblind.embedding import FACENET_WEIGHTS, FaceEmbedder, FacenetWeightsError
from skblind.embedding._backbones import load_backbone


@pytest.fixture(scope="module")
def seeded_weights(tmp_path_factory):
    torch.manual_seed(0)
    model = InceptionResnetV1().eval()
    # Give the BatchNorm running statistics non-trivial values, as trained weights have.
    with torch.no_grad():
        for module in model.modules():
            if isinstance(module, torch.nn.BatchNorm2d | torch.nn.BatchNorm1d):
                module.running_mean.uniform_(-0.1, 0.1)
                module.running_var.uniform_(0.5, 1.5)
    path = tmp_path_factory.mktemp("facenet") / "seeded.pt"
    torch.save(model.state_dict(), path)
    return path, model


@pytest.fixture(scope="module")
def crops():
    rng = np.random.default_rng(0)
    return rng.integers(0, 256, size=(5, 160, 160, 3), dtype=np.uint8)


def test_embedding_equals_facenet_pytorch(seeded_weights, crops):
    path, model = seeded_weights
    ours = FaceEmbedder(
        backbone="facenet-vggface2", weights=path, detector=None, device="cpu", progress=False
    ).fit_transform(crops)
    batch = fixed_image_standardization(torch.as_tensor(crops).permute(0, 3, 1, 2).float())
    with torch.no_grad():
        reference = model(batch).numpy()
    assert ours.shape == (5, 512)
    assert np.abs(ours - reference).max() <= 1e-5
    # ... computed by the inference form: batch norms folded, channels-last weights.
    inference = load_backbone("facenet-vggface2", path, "cpu")._model
    assert not any(isinstance(m, torch.nn.BatchNorm2d) for m in inference.modules())
    assert inference.conv2d_1a.conv.weight.is_contiguous(memory_format=torch.channels_last)


def test_pooled_is_the_input_of_the_bottleneck(seeded_weights, crops):
    path, model = seeded_weights
    common = dict(weights=path, detector=None, device="cpu", progress=False)
    pooled = FaceEmbedder(backbone="facenet-vggface2", layer="pooled", **common).fit_transform(
        crops
    )
    embedding = FaceEmbedder(backbone="facenet-vggface2", **common).fit_transform(crops)
    assert pooled.shape == (5, 1792)
    with torch.no_grad():
        head = model.last_bn(model.last_linear(torch.as_tensor(pooled)))
        again = torch.nn.functional.normalize(head).numpy()
    np.testing.assert_allclose(again, embedding, atol=1e-5)


def test_weights_found_in_the_torch_hub_cache(seeded_weights, crops, tmp_path, monkeypatch):
    monkeypatch.setenv("TORCH_HOME", str(tmp_path))
    cached = tmp_path / "checkpoints" / FACENET_WEIGHTS["facenet-casia"]
    cached.parent.mkdir()
    cached.write_bytes(seeded_weights[0].read_bytes())
    embedder = FaceEmbedder(backbone="facenet-casia", detector=None, device="cpu", progress=False)
    assert embedder.fit(crops).weights_path_ == str(cached)


def test_missing_weights_offline_give_a_clear_error(tmp_path, monkeypatch):
    monkeypatch.setenv("TORCH_HOME", str(tmp_path))

    def offline(url, dst, **kwargs):
        raise urllib.error.URLError("no network")

    monkeypatch.setattr(torch.hub, "download_url_to_file", offline)
    with pytest.raises(FacenetWeightsError) as info:
        FaceEmbedder(backbone="facenet-vggface2").fit()
    message = str(info.value)
    assert "20180402-114759-vggface2.pt" in message
    assert str(tmp_path / "checkpoints") in message
    assert "weights=" in message
    assert not list(tmp_path.glob("checkpoints/*"))  # no partial download left behind


def test_explicit_weights_that_do_not_exist(tmp_path):
    with pytest.raises(FileNotFoundError, match="nope.pt"):
        FaceEmbedder(backbone="facenet-vggface2", weights=tmp_path / "nope.pt").fit()


def test_mtcnn_pipeline_on_real_faces(seeded_weights, orl):
    embedder = FaceEmbedder(
        backbone="facenet-vggface2", weights=seeded_weights[0], device="cpu", progress=False
    )
    X = embedder.fit_transform(orl.images[:4])
    assert X.shape == (4, 512) and np.isfinite(X).all()


def test_mtcnn_batches_same_sized_images_and_keeps_each_ones_detection(orl, blank_image):
    """detect_many hands MTCNN the same-sized images together (several calls when their
    pixels exceed its budget) and gives each image the face a call of its own finds."""
    from skblind.embedding._detectors import MTCNNDetector
    from skblind.embedding._images import to_rgb_uint8

    detector = MTCNNDetector("cpu")
    detector.batch_pixels = 3 * 92 * 112  # ORL's six faces go in two calls
    rgb = [to_rgb_uint8(image, i) for i, image in enumerate([*orl.images[:7], blank_image])]
    bigger = np.repeat(np.repeat(rgb[6], 2, axis=0), 2, axis=1)
    images = [*rgb[:3], rgb[7], bigger, *rgb[3:6]]
    calls = []
    batched_detect = detector._net.detect
    detector._net.detect = lambda pils, **kw: calls.append(len(pils)) or batched_detect(pils, **kw)
    many = detector.detect_many(images)
    assert sorted(calls) == [1, 1, 3, 3]
    for image, detection in zip(images, many, strict=True):
        alone = detector.detect(image)
        if alone is None:
            assert detection is None
            continue
        np.testing.assert_allclose(detection.box, alone.box, atol=1e-3)
        np.testing.assert_allclose(detection.landmarks, alone.landmarks, atol=1e-3)
    assert many[3] is None and all(d is not None for i, d in enumerate(many) if i != 3)


@pytest.mark.parametrize(
    "precision, bound",
    # float16 keeps 11 significant bits, bfloat16 8: the bound is on the largest feature
    # error relative to the largest feature, over the network's ~130 layers
    [("float16", 5e-3), ("bfloat16", 5e-2)],
)
@pytest.mark.parametrize("layer", ["embedding", "pooled"])
def test_half_precision_stays_within_its_bound(seeded_weights, crops, precision, bound, layer):
    path, _ = seeded_weights
    common = dict(backbone="facenet-vggface2", weights=path, detector=None, layer=layer)
    common.update(device="cpu", progress=False)
    full = FaceEmbedder(**common).fit_transform(crops)
    half = FaceEmbedder(precision=precision, **common).fit_transform(crops)
    assert half.dtype == np.float32 and half.shape == full.shape
    error = np.abs(half - full).max() / np.abs(full).max()
    assert 0 < error <= bound  # it did run in half precision, and stayed close


def test_precision_is_refused_by_float32_only_backbones():
    with pytest.raises(
        ValueError, match="precision='float16' is not available for backbone='sface'"
    ):
        FaceEmbedder(precision="float16").fit()
