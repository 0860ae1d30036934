import json

import numpy as np
import pandas as pd
import pytest

from skblind.embedding import FaceEmbedder, embed_to_shards, read_shards
from skblind.jobs import embed_images, read_embeddings


def _chunks(table, size, fail_after=None):
    for n, start in enumerate(range(0, len(table), size)):
        if fail_after is not None and n == fail_after:
            raise KeyboardInterrupt("simulated interruption")
        yield table.iloc[start : start + size].reset_index(drop=True)


@pytest.fixture
def faces_table(orl):
    return pd.DataFrame(
        {"path": orl.paths[:10], "subject": orl.subject[:10], "smiling": orl.smiling[:10]}
    )


def test_shards_hold_the_same_embeddings_and_labels(tmp_path, faces_table):
    embedder = FaceEmbedder(layer="pooled", progress=False)
    manifest = embed_to_shards(_chunks(faces_table, 4), tmp_path / "out", embedder, progress=False)
    assert (manifest["n_shards"], manifest["n_images"], manifest["n_features"]) == (3, 10, 1024)
    X, table = read_shards(tmp_path / "out")
    # OpenCV batches of other sizes round differently (about 1e-6)
    np.testing.assert_allclose(X, embedder.transform(faces_table["path"].tolist()), atol=1e-5)
    pd.testing.assert_frame_equal(table, faces_table.astype({"path": str}))


def test_an_interrupted_run_resumes_without_recomputing_finished_shards(
    tmp_path, faces_table, monkeypatch
):
    embedder = FaceEmbedder(progress=False)
    out = tmp_path / "out"
    with pytest.raises(KeyboardInterrupt):
        embed_to_shards(_chunks(faces_table, 4, fail_after=2), out, embedder, progress=False)
    assert sorted(p.name for p in out.glob("shard-*.npz")) == ["shard-00000.npz", "shard-00001.npz"]
    assert not list(out.glob(".*tmp"))
    with pytest.raises(ValueError, match="unfinished"):
        read_shards(out)
    finished = {p.name: p.stat().st_mtime_ns for p in out.glob("shard-*.npz")}

    embedded = []
    original = FaceEmbedder._embed

    def counting_embed(self, items, first_index=0):
        embedded.extend(items)
        return original(self, items, first_index)

    monkeypatch.setattr(FaceEmbedder, "_embed", counting_embed)
    embed_to_shards(_chunks(faces_table, 4), out, embedder, progress=False)
    assert embedded == faces_table["path"].tolist()[8:]
    assert {n: (out / n).stat().st_mtime_ns for n in finished} == finished
    monkeypatch.undo()
    X, _ = read_shards(out)
    # OpenCV batches of other sizes round differently (about 1e-6)
    np.testing.assert_allclose(X, embedder.transform(faces_table["path"].tolist()), atol=1e-5)


def test_resuming_with_another_input_or_settings_is_refused(tmp_path, faces_table):
    out = tmp_path / "out"
    embed_to_shards(_chunks(faces_table, 4), out, FaceEmbedder(progress=False), progress=False)
    shuffled = faces_table.iloc[::-1].reset_index(drop=True)
    with pytest.raises(ValueError, match="shard-00000.npz: holds other images than shard 0"):
        embed_to_shards(_chunks(shuffled, 4), out, FaceEmbedder(progress=False), progress=False)
    with pytest.raises(ValueError, match="other embedder settings"):
        embed_to_shards(_chunks(faces_table, 4), out, FaceEmbedder(layer="pooled", progress=False))
    # the refused runs left the finished folder readable
    assert json.loads((out / "manifest.json").read_text())["complete"]
    assert read_shards(out)[0].shape == (10, 128)


def test_embed_images_streams_a_folder_in_sorted_order(tmp_path, orl):
    folder = tmp_path / "faces"
    for i, path in enumerate(orl.paths[:6]):
        (folder / f"s{i % 2}").mkdir(parents=True, exist_ok=True)
        (folder / f"s{i % 2}" / f"{i}.pgm").write_bytes(open(path, "rb").read())
    (folder / "notes.txt").write_text("not an image")
    manifest = embed_images(folder, tmp_path / "out", shard_size=4, progress=False)
    assert manifest["n_images"] == 6
    X, table = read_embeddings(tmp_path / "out")
    expected = sorted(str(p) for p in folder.rglob("*.pgm"))
    assert table["path"].tolist() == expected
    np.testing.assert_allclose(X, FaceEmbedder(progress=False).transform(expected), atol=1e-5)


@pytest.mark.parametrize(
    "bad, message",
    [
        ("file", "exists and is not a folder"),
        ("stray", "holds shards but no manifest.json"),
        ("empty", "no images to embed"),
    ],
)
def test_bad_outputs_and_inputs_are_named(tmp_path, faces_table, bad, message):
    out = tmp_path / "out"
    chunks = _chunks(faces_table, 4)
    if bad == "file":
        out.write_text("")
    elif bad == "stray":
        out.mkdir()
        (out / "shard-00000.npz").write_bytes(b"")
    else:
        chunks = iter([])
    with pytest.raises(ValueError, match=message):
        embed_to_shards(chunks, out, FaceEmbedder(progress=False), progress=False)


def test_a_corrupt_shard_is_named(tmp_path, faces_table):
    out = tmp_path / "out"
    embed_to_shards(_chunks(faces_table, 4), out, FaceEmbedder(progress=False), progress=False)
    (out / "shard-00001.npz").write_bytes(b"truncated")
    with pytest.raises(ValueError, match="shard-00001.npz: damaged shard .* delete it and rerun"):
        read_shards(out)
