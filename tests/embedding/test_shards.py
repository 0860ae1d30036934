import json
import os
import subprocess
import sys
import warnings

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


# --- the second round of reported defects (shared/repro2/) ---------------------------------


def test_a_lock_file_planted_as_a_symlink_is_never_written_through(tmp_path, faces_table):
    # repro2/lock_follows_symlink.sh: .lock was opened with open(path, "a+") and
    # truncated, overwriting the file a planted symlink pointed to
    victim = tmp_path / "victim.txt"
    victim.write_text("precious data outside the output folder\n")
    out = tmp_path / "out"
    out.mkdir()
    (out / ".lock").symlink_to(victim)
    with pytest.raises(ValueError, match=r"\.lock: is a symbolic link; skblind never writes"):
        embed_to_shards(_chunks(faces_table, 4), out, FaceEmbedder(progress=False), progress=False)
    assert victim.read_text() == "precious data outside the output folder\n"


def test_the_lock_file_is_removed_when_the_run_ends(tmp_path, faces_table):
    out = tmp_path / "out"
    embed_to_shards(_chunks(faces_table, 4), out, FaceEmbedder(progress=False), progress=False)
    assert not (out / ".lock").exists()
    with pytest.raises(KeyboardInterrupt):
        embed_to_shards(
            _chunks(faces_table, 4, fail_after=1), tmp_path / "cut", FaceEmbedder(progress=False)
        )
    assert not (tmp_path / "cut" / ".lock").exists()


def test_shards_of_another_skblind_version_are_embedded_again(tmp_path, faces_table, monkeypatch):
    # repro2/resume_across_versions.sh: a folder written by another version was resumed,
    # its old shards kept beside new ones, and the manifest then claimed this version
    out = tmp_path / "out"
    embedder = FaceEmbedder(progress=False)
    with pytest.raises(KeyboardInterrupt):
        embed_to_shards(_chunks(faces_table, 4, fail_after=2), out, embedder, progress=False)
    manifest = json.loads((out / "manifest.json").read_text())
    (out / "manifest.json").write_text(json.dumps({**manifest, "skblind_version": "0.0.1"}))
    embedded = []
    original = FaceEmbedder._embed

    def counting_embed(self, items, first_index=0):
        embedded.extend(items)
        return original(self, items, first_index)

    monkeypatch.setattr(FaceEmbedder, "_embed", counting_embed)
    with pytest.warns(UserWarning, match="written by skblind 0.0.1, not by this skblind"):
        result = embed_to_shards(_chunks(faces_table, 4), out, embedder, progress=False)
    assert len(embedded) == 10 and result["kept_shards"] == 0
    # a shard of this version in a folder whose manifest says so, but written before
    # shards recorded their version: embedded again too
    with np.load(out / "shard-00001.npz") as data:
        old = {k: data[k] for k in data.files if k != "version"}
    np.savez(out / "shard-00001.npz", **old)
    embedded.clear()
    with pytest.warns(UserWarning, match="shard-00001.npz: written by an earlier skblind"):
        result = embed_to_shards(_chunks(faces_table, 4), out, embedder, progress=False)
    assert embedded == faces_table["path"].tolist()[4:8]
    assert result["kept_shards"] == 2


def test_paths_are_stored_absolute_so_a_rerun_from_elsewhere_resumes(tmp_path, orl, monkeypatch):
    # repro2/paths_relative_to_cwd.sh: paths were stored relative to the working
    # directory: the same CSV run from its own folder was refused as "other images", and
    # --labels with the same CSV found "no row for 4 embedded images"
    data = tmp_path / "data"
    (data / "img").mkdir(parents=True)
    rows = []
    for i, path in enumerate(orl.paths[:4]):
        (data / "img" / f"{i}.pgm").write_bytes(open(path, "rb").read())
        rows.append({"path": f"img/{i}.pgm", "smiling": i % 2, "glasses": i // 2})
    pd.DataFrame(rows).to_csv(data / "faces.csv", index=False)
    monkeypatch.chdir(tmp_path)
    embed_images("data/faces.csv", "data/emb", progress=False)
    assert read_shards("data/emb")[1]["path"].tolist()[0] == str(data / "img" / "0.pgm")
    monkeypatch.chdir(data)
    assert embed_images("faces.csv", "emb", progress=False)["kept_shards"] == 1
    X, table = read_embeddings("emb", labels="faces.csv")
    assert table["glasses"].tolist() == [0, 0, 1, 1]


def test_a_stray_file_named_like_a_shard_is_left_alone(tmp_path, faces_table):
    # repro2/stray_shard_name.sh: "shard-00000 (copy).npz" broke every later run with
    # "invalid literal for int() with base 10"
    out = tmp_path / "out"
    embed_to_shards(_chunks(faces_table, 4), out, FaceEmbedder(progress=False), progress=False)
    stray = out / "shard-00000 (copy).npz"
    stray.write_bytes((out / "shard-00000.npz").read_bytes())
    result = embed_to_shards(_chunks(faces_table, 4), out, FaceEmbedder(progress=False))
    assert result["n_shards"] == 3 and stray.exists()
    assert read_shards(out)[0].shape == (10, 128)


def test_bad_embedder_parameters_leave_no_new_folder(tmp_path, faces_table):
    # repro2/embed_bad_arg_leaves_folder.sh: an invalid batch size failed after the
    # output folder and its .lock were made
    with pytest.raises(ValueError, match="batch_size"):
        embed_to_shards(
            _chunks(faces_table, 4), tmp_path / "out", FaceEmbedder(batch_size=0, progress=False)
        )
    assert not (tmp_path / "out").exists()


# Reported defect (shared/repro r3: stale labels and images on rerun or resume); the test failed
# on the code before the fix.


def test_a_rerun_after_editing_labels_stores_the_new_labels(tmp_path, faces_csv):
    csv = faces_csv(12)
    embed_images(csv, tmp_path / "emb", shard_size=5, progress=False)
    X_before, _ = read_shards(tmp_path / "emb")
    edited = pd.read_csv(csv)
    edited["smiling"] = 1 - edited["smiling"]
    edited.to_csv(csv, index=False)
    with pytest.warns(UserWarning, match="labels of shard 0 changed"):
        embed_images(csv, tmp_path / "emb", shard_size=5, progress=False)
    X_after, table = read_shards(tmp_path / "emb")
    assert table["smiling"].tolist() == edited["smiling"].tolist()
    np.testing.assert_array_equal(X_after, X_before)  # the images did not change


def test_a_rerun_after_replacing_an_image_embeds_it_again(tmp_path, orl):
    folder = tmp_path / "faces"
    folder.mkdir()
    for i in range(4):
        (folder / f"{i}.pgm").write_bytes(open(orl.paths[i], "rb").read())
    embed_images(folder, tmp_path / "emb", shard_size=2, progress=False)
    replaced = folder / "3.pgm"
    replaced.write_bytes(open(orl.paths[30], "rb").read())  # another person, same path
    stat = replaced.stat()
    os.utime(replaced, ns=(stat.st_atime_ns, stat.st_mtime_ns + 10**9))
    with pytest.warns(UserWarning, match=r"1 image file\(s\) changed .*3.pgm.*shard 1 again"):
        embed_images(folder, tmp_path / "emb", shard_size=2, progress=False)
    X, _ = read_shards(tmp_path / "emb")
    expected = FaceEmbedder(progress=False).transform([orl.paths[30]])[0]
    np.testing.assert_allclose(X[3], expected, atol=1e-5)


def test_an_interrupted_rerun_never_reads_as_a_finished_mix(tmp_path, faces_csv, monkeypatch):
    csv = faces_csv(12)
    embed_images(csv, tmp_path / "emb", shard_size=4, progress=False)
    edited = pd.read_csv(csv)
    edited["smiling"] = 1 - edited["smiling"]
    edited.to_csv(csv, index=False)
    (tmp_path / "emb" / "shard-00002.npz").unlink()  # this one must be embedded again

    def interrupted(self, items, first_index=0):
        raise KeyboardInterrupt

    monkeypatch.setattr(FaceEmbedder, "_embed", interrupted)
    with warnings.catch_warnings(), pytest.raises(KeyboardInterrupt):
        warnings.simplefilter("ignore")
        embed_images(csv, tmp_path / "emb", shard_size=4, progress=False)
    with pytest.raises(ValueError, match="unfinished"):
        read_shards(tmp_path / "emb")


# Reported defect (shared/repro r4: two runs into one folder); the test failed on the code
# before the fix.


_HOLD_LOCK = """
import sys, time
from skblind.embedding._shards import _folder_lock
with _folder_lock(sys.argv[1]):
    print("locked", flush=True)
    time.sleep(60)
"""


def test_a_second_run_into_a_locked_folder_fails_naming_the_holder(tmp_path, faces_csv):
    out = tmp_path / "out"
    out.mkdir()
    holder = subprocess.Popen(
        [sys.executable, "-c", _HOLD_LOCK, str(out)], stdout=subprocess.PIPE, text=True
    )
    try:
        assert holder.stdout.readline().strip() == "locked"
        with pytest.raises(ValueError, match=rf"another skblind embed .*pid {holder.pid} on"):
            embed_images(faces_csv(4), out, progress=False)
        assert not (out / "manifest.json").exists()
    finally:
        holder.kill()  # as kill -9: the operating system releases the lock
        holder.wait()
    embed_images(faces_csv(4), out, progress=False)
    assert read_shards(out)[0].shape == (4, 128)


# Reported defect (reliability issue, crashes that must name the item: a damaged shard); the
# test failed on the code before the fix.


@pytest.mark.parametrize("damage", ["truncate", "empty", "flip"])
def test_a_damaged_shard_is_named_with_the_way_out(tmp_path, faces_csv, damage):
    csv = faces_csv(6)
    embed_images(csv, tmp_path / "emb", shard_size=3, progress=False)
    shard = tmp_path / "emb" / "shard-00001.npz"
    blob = bytearray(shard.read_bytes())
    if damage == "truncate":
        blob = blob[: len(blob) // 2]
    elif damage == "empty":
        blob = bytearray()
    else:
        blob[len(blob) // 3] ^= 0xFF  # inside the stored embeddings: CRC mismatch
    shard.write_bytes(bytes(blob))
    message = r"shard-00001.npz: damaged shard .*delete it and rerun skblind embed"
    with pytest.raises(ValueError, match=message):
        read_shards(tmp_path / "emb")
    with pytest.raises(ValueError, match=message):
        embed_images(csv, tmp_path / "emb", shard_size=3, progress=False)
    shard.unlink()
    embed_images(csv, tmp_path / "emb", shard_size=3, progress=False)
    assert read_shards(tmp_path / "emb")[0].shape == (6, 128)


# Reported defect (reliability issue: a manifest after a refused run); the test failed on the
# code before the fix.


def test_an_embed_manifest_is_valid_json_after_a_refused_run(tmp_path, faces_csv):
    csv = faces_csv(6)
    embed_images(csv, tmp_path / "emb", shard_size=3, progress=False)
    with pytest.raises(ValueError, match="other embedder settings"):
        embed_images(csv, tmp_path / "emb", shard_size=3, layer="pooled", progress=False)
    assert json.loads((tmp_path / "emb" / "manifest.json").read_text())["complete"]
