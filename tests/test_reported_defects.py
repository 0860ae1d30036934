"""Defects reported by a hostile user (the reliability issue), one test or more each.

Each test names the reproduction script in ``shared/repro/`` it comes from (``rN``) or the
issue's item; each failed on the code before the fix.
"""

import io
import json
import os
import pickle
import subprocess
import sys
import textwrap
import warnings

import joblib
import numpy as np
import pandas as pd
import pytest
import torch
from fast_fits import FAST
from PIL import Image, ImageOps
from sklearn.linear_model import LogisticRegression
from sklearn.model_selection import GroupKFold, cross_val_score

from skblind.cli import main
from skblind.datasets import make_blinding_problem
from skblind.embedding import FaceEmbedder, read_shards
from skblind.evaluation import audit_report, equality_of_opportunity, make_biased_split
from skblind.jobs import embed_images, read_embeddings
from skblind.suppression import (
    Blinder,
    INLPEraser,
    LEACEEraser,
    LNTLSuppressor,
    SensitiveNetsSuppressor,
    WithinIdentityEraser,
    recipe_encoder,
)
from skblind.suppression._losses import mmd_penalty
from skblind.suppression._within import within_label_directions

WITH_PROGRESS = {**FAST, "progress": True}  # the default: a tqdm bar while training


@pytest.fixture(scope="module")
def small():
    return make_blinding_problem(
        n_subjects=8, n_per_subject=6, n_features=12, identity_dim=4, random_state=0
    )


@pytest.fixture
def terminal(monkeypatch):
    """A text stream like a terminal's (an io.TextIOWrapper, which pickle refuses)."""
    stream = io.TextIOWrapper(io.BytesIO(), encoding="utf-8")
    monkeypatch.setattr(sys, "stderr", stream)
    return stream


@pytest.fixture
def faces_csv(tmp_path, orl):
    def write(n, name="faces.csv", **columns):
        table = pd.DataFrame(
            {"path": orl.paths[:n], "subject": orl.subject[:n], "smiling": orl.smiling[:n]}
        )
        for column, values in columns.items():
            table[column] = values
        table.to_csv(tmp_path / name, index=False)
        return tmp_path / name

    return write


# --- 0. pickling a suppressor fitted with the progress bar on (the default) ---------------


@pytest.mark.parametrize(
    "estimator",
    [
        SensitiveNetsSuppressor(**WITH_PROGRESS),
        LNTLSuppressor(**WITH_PROGRESS),
        LEACEEraser(),
        INLPEraser(n_iterations=2),
    ],
    ids=lambda e: type(e).__name__,
)
def test_estimators_fitted_with_progress_on_pickle(estimator, small, terminal):
    fitted = estimator.fit(small.X, small.subject, sensitive_features=small.sensitive)
    loaded = pickle.loads(pickle.dumps(fitted))
    np.testing.assert_array_equal(loaded.transform(small.X), fitted.transform(small.X))


def test_face_embedder_used_with_progress_on_pickles(orl, terminal):
    embedder = FaceEmbedder()
    X = embedder.fit_transform(orl.images[:2])
    np.testing.assert_array_equal(pickle.loads(pickle.dumps(embedder)).transform(orl.images[:2]), X)


def test_cli_fit_saves_a_model_trained_with_the_progress_bar(tmp_path, faces_csv, terminal):
    embed_images(faces_csv(30), tmp_path / "emb", progress=False)  # subject 3 smiles
    model = tmp_path / "blind.joblib"
    args = ["fit", str(tmp_path / "emb"), "--y", "subject", "--sensitive", "smiling"]
    trained = ["--method", "blinder+encoder", "--max-epochs", "2"]
    assert main([*args, *trained, "--output", str(model)]) == 0
    assert joblib.load(model).transform(read_shards(tmp_path / "emb")[0]).shape == (30, 128)


# --- 1. r3: stale labels and images on rerun or resume ------------------------------------


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


# --- 2. r4: two runs into one folder -----------------------------------------------------

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


# --- 3. r1, r1b: NaN from a one-sample batch; a diverging run stops with its place --------


def test_the_mmd_gradient_of_a_one_sample_batch_is_finite():
    phi = torch.randn(1, 8, requires_grad=True)
    mmd_penalty(phi, torch.tensor([0])).backward()
    assert torch.isfinite(phi.grad).all()


@pytest.mark.parametrize("cls", [SensitiveNetsSuppressor, LNTLSuppressor])
@pytest.mark.parametrize("n", [129, 257, 385])
def test_a_last_batch_of_one_sample_trains_finite_weights(cls, n):
    data = make_blinding_problem(
        n_subjects=n // 4 + 1, n_per_subject=4, n_features=8, identity_dim=4, random_state=0
    )
    X, y, s = data.X[:n], data.subject[:n], data.sensitive[:n]
    model = cls(max_epochs=1, progress=False, random_state=0)
    assert np.isfinite(model.fit_transform(X, y, sensitive_features=s)).all()
    assert np.isfinite(model.history_["train_loss"]).all()


@pytest.mark.parametrize("cls", [SensitiveNetsSuppressor, LNTLSuppressor])
def test_a_diverging_run_stops_naming_the_epoch_and_batch(cls, small):
    model = cls(
        max_epochs=3,
        progress=False,
        random_state=0,
        encoder="dense",
        batch_size=16,
        optimizer=torch.optim.SGD,
        optimizer__lr=float("inf"),
    )
    with pytest.raises(FloatingPointError, match="non-finite weights at epoch 1, batch 1"):
        model.fit(small.X, small.subject, sensitive_features=small.sensitive)


# --- 4. r2: -1 is a class ---------------------------------------------------------------


def test_minus_one_is_a_class_that_gets_suppressed():
    data = make_blinding_problem(
        n_subjects=40,
        n_per_subject=12,
        n_features=16,
        identity_dim=4,
        n_sensitive_classes=3,
        sensitive_strength=3,
        random_state=1,
    )
    valence = data.sensitive - 1  # -1 / 0 / +1
    raw = cross_val_score(
        LogisticRegression(max_iter=3000),
        data.X,
        valence == -1,
        groups=data.subject,
        cv=GroupKFold(4),
        scoring="balanced_accuracy",
    ).mean()
    eraser = LEACEEraser().fit(data.X, sensitive_features=valence)
    assert eraser.sensitive_classes_.tolist() == [-1, 0, 1]
    after = cross_val_score(
        LogisticRegression(max_iter=3000),
        eraser.transform(data.X),
        valence == -1,
        groups=data.subject,
        cv=GroupKFold(4),
        scoring="balanced_accuracy",
    ).mean()
    assert raw > 0.9 and after < 0.6  # on the old code "-1" was dropped: after ~ raw


def test_labels_minus_one_and_plus_one_are_two_classes(small):
    eraser = LEACEEraser().fit(small.X, sensitive_features=np.where(small.sensitive, 1, -1))
    assert eraser.sensitive_classes_.tolist() == [-1, 1]


def test_the_one_class_error_says_what_missing_means(small):
    s = np.where(small.sensitive == 1, 1.0, np.nan)
    with pytest.raises(
        ValueError, match=r"got \[1.0\] \(\d+ labelled, \d+ missing; missing means None or NaN"
    ):
        LEACEEraser().fit(small.X, sensitive_features=s)


# --- 5. r7: EXIF orientation --------------------------------------------------------------


def test_a_phone_jpeg_with_exif_rotation_is_embedded_upright(tmp_path, orl):
    upright = Image.open(orl.paths[0]).convert("RGB").resize((276, 336))
    upright.save(tmp_path / "upright.jpg", quality=95)
    exif = Image.Exif()
    exif[0x0112] = 6  # Orientation: rotate 90 degrees clockwise to display
    upright.transpose(Image.ROTATE_90).save(tmp_path / "phone.jpg", quality=95, exif=exif)
    shown = ImageOps.exif_transpose(Image.open(tmp_path / "phone.jpg"))
    assert np.abs(np.asarray(shown, float) - np.asarray(upright, float)).mean() < 3
    a, b = FaceEmbedder(progress=False).transform(
        [str(tmp_path / "upright.jpg"), str(tmp_path / "phone.jpg")]
    )
    assert a @ b / np.linalg.norm(a) / np.linalg.norm(b) > 0.95  # sideways: 0.05


# --- 6. r12: CSV labels kept as written ---------------------------------------------------


def test_csv_labels_are_kept_exactly_as_written(tmp_path, orl):
    table = pd.DataFrame({"path": orl.paths[:6]})
    table["subject"] = ["007", "007", "7", "7", "NA", "NA"]
    table["emotion"] = ["None", "happy", "null", "N/A", "", "happy"]
    table["smiling"] = [0, 1, 0, 1, 0, 1]
    table.to_csv(tmp_path / "faces.csv", index=False)
    embed_images(tmp_path / "faces.csv", tmp_path / "emb", progress=False)
    _, stored = read_embeddings(tmp_path / "emb")
    assert stored["subject"].tolist() == ["007", "007", "7", "7", "NA", "NA"]
    assert stored["emotion"].tolist()[:4] == ["None", "happy", "null", "N/A"]
    assert stored["emotion"].isna().tolist() == [False] * 4 + [True, False]  # only empty
    assert stored["smiling"].dtype == np.int64


# --- 7. r8: chance when a class is missing from test folds --------------------------------


def test_chance_is_what_a_know_nothing_probe_scores_on_the_same_folds():
    rng = np.random.default_rng(0)
    X = rng.normal(size=(200, 16))
    subject = np.repeat(np.arange(20), 10)
    s = rng.integers(0, 2, size=200)
    s[subject == 0] = 2  # a rare third class, one subject: in one held-out fold only
    probes = {"LR": LogisticRegression(max_iter=2000)}
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", UserWarning)
        leak = audit_report(X, s, groups=subject, attackers=probes, adaptive=False).leakage
    expected = np.mean(
        [
            1 / len(np.unique(s[test]))
            for _, test in GroupKFold(5).split(X, s, subject)  # audit_report's folds
        ]
    )
    assert leak.chance[0] == pytest.approx(expected) and expected > 0.4
    assert abs(leak.balanced_accuracy[0] - leak.chance[0]) < 0.05  # 0.473 against 0.333


# --- 8. r9: a model file named raw.joblib ------------------------------------------------


def test_a_model_named_raw_does_not_replace_the_raw_rows(tmp_path, faces_csv, orl, capsys):
    embed_images(faces_csv(100), tmp_path / "emb", progress=False)
    others = pd.DataFrame(  # the model is fitted on other people than those audited
        {
            "path": orl.paths[100:200],
            "subject": orl.subject[100:200],
            "smiling": orl.smiling[100:200],
        }
    )
    others.to_csv(tmp_path / "others.csv", index=False)
    embed_images(tmp_path / "others.csv", tmp_path / "others", progress=False)
    args = ["fit", str(tmp_path / "others"), "--y", "subject", "--sensitive", "smiling"]
    assert main([*args, "--quiet", "--output", str(tmp_path / "raw.joblib")]) == 0
    assert (
        main(
            [
                "audit",
                str(tmp_path / "emb"),
                "--sensitive",
                "smiling",
                "--groups",
                "subject",
                "--model",
                str(tmp_path / "raw.joblib"),
                "--attack-folds",
                "2",
                "--output",
                str(tmp_path / "audit"),
            ]
        )
        == 0
    )
    leakage = pd.read_csv(tmp_path / "audit" / "leakage.csv")
    assert set(leakage.representation) == {"raw", "raw (model)"}
    # The JSON says what produced it (issue 17): settings, the model's parameters, units.
    about = json.loads((tmp_path / "audit" / "audit.json").read_text())["about"]
    assert about["command"] == "skblind audit" and about["settings"]["protocol"] == "deployment"
    assert about["methods"]["model"]["class"] == "Blinder"
    assert about["methods"]["model"]["params"]["random_state"] == 0
    assert {"skblind", "scikit-learn", "torch"} <= set(about["versions"])
    assert "fractions" in about["units"]["rates"]
    # ... and report.html shows it all on one page, its address printed (issue 15).
    page = (tmp_path / "audit" / "report.html").read_text()
    assert "skblind audit: smiling" in page and "Protocol: deployment" in page
    assert "Curves, on the pairs given" in page and "false_match_rate [CI]" in page
    report_link = (tmp_path / "audit" / "report.html").resolve().as_uri()
    assert f"Report: {report_link}" in capsys.readouterr().out


# --- 9. r11: duplicated rows ----------------------------------------------------------------


def test_duplicated_rows_leave_the_within_person_directions_unchanged(small):
    phi = small.X - small.X.mean(0)
    once = within_label_directions(phi, small.subject, small.sensitive, 12, random_state=0)
    twice = within_label_directions(
        np.vstack([phi, phi]),
        np.tile(small.subject, 2),
        np.tile(small.sensitive, 2),
        12,
        random_state=0,
    )
    np.testing.assert_array_equal(twice, once)


def test_duplicated_rows_are_named_in_a_warning(small):
    X, y, s = (np.concatenate([v, v]) for v in (small.X, small.subject, small.sensitive))
    with pytest.warns(UserWarning, match=r"48 of 96 training rows repeat an earlier row .*48, 49"):
        WithinIdentityEraser().fit(X, y, sensitive_features=s)


# --- 10. degenerate collapse ----------------------------------------------------------------


@pytest.mark.parametrize("cls", [SensitiveNetsSuppressor, LNTLSuppressor, LEACEEraser])
def test_a_continuous_sensitive_attribute_is_refused(cls, small):
    age = np.random.default_rng(0).uniform(20, 60, len(small.X))
    model = cls() if cls is LEACEEraser else cls(**FAST)
    with pytest.raises(ValueError, match="48 distinct values among 48 labelled .*Bin it"):
        model.fit(small.X, small.subject, sensitive_features=age)


def test_an_output_without_variance_is_warned_about(small):
    with pytest.warns(UserWarning, match="LEACEEraser: the output has collapsed"):
        LEACEEraser().fit(small.X[:, :1], sensitive_features=small.sensitive)


def test_the_within_person_projection_does_not_take_every_direction(small):
    """Rank-by-rank parallel analysis kept all 23 directions for seed 1 (output zero)."""
    data = make_blinding_problem(
        n_subjects=20,
        n_per_subject=8,
        n_features=24,
        identity_dim=8,
        sensitive_strength=3.0,
        random_state=0,
    )
    kept = [
        len(
            Blinder(
                recipe_encoder(max_epochs=3, progress=False, random_state=seed), random_state=seed
            )
            .fit(data.X, data.subject, sensitive_features=data.sensitive)
            .within_.directions_
        )
        for seed in range(4)
    ]
    assert max(kept) <= 3, kept  # one direction is planted


# --- 11. fairness helpers --------------------------------------------------------------------


def test_a_biased_split_with_an_empty_cell_is_an_error_naming_it():
    y = np.array([1, 1, 0, 0, 1, 0])
    smiling = np.array([1, 1, 1, 1, 1, 1]) * np.array([1, 1, 1, 1, 0, 0])
    smiling[[4, 5]] = 0
    y[4] = 0  # no positive among the non-smiling
    with pytest.raises(ValueError, match=r"no sample with y=1, sensitive != 1"):
        make_biased_split(y, smiling, bias=0.7)


def test_equality_of_opportunity_is_nan_when_a_group_has_no_positives():
    y_true, y_pred = np.array([1, 0, 0, 0]), np.array([1, 0, 1, 0])
    group = np.array(["a", "a", "b", "b"])
    with pytest.warns(UserWarning, match=r"group\(s\) \['b'\] have no positive"):
        assert np.isnan(equality_of_opportunity(y_true, y_pred, group))


# --- crashes that must name the item --------------------------------------------------------


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


@pytest.mark.parametrize(
    "text, message",
    [
        ("path,subject\n,1\n", r"faces.csv: empty path on line 2"),
        ("path,subject\n1,1\n", r"item 0 \('.*1'\): no such image file"),
        ("", r"faces.csv: empty file"),
        ("path,subject\n", r"faces.csv: no rows under the header"),
    ],
    ids=["empty path", "numeric path", "0-byte", "header only"],
)
def test_bad_csv_inputs_are_named(tmp_path, text, message):
    (tmp_path / "faces.csv").write_text(text)
    with pytest.raises((ValueError, FileNotFoundError), match=message):
        embed_images(tmp_path / "faces.csv", tmp_path / "emb", progress=False)
    if "item" not in message:  # the input itself is refused before the folder is made
        assert not (tmp_path / "emb").exists()


def test_item_numbers_count_over_the_whole_input(tmp_path, orl):
    folder = tmp_path / "faces"
    folder.mkdir()
    for i in range(5):
        (folder / f"{i}.pgm").write_bytes(open(orl.paths[i], "rb").read())
    (folder / "3.pgm").write_text("not an image")
    with pytest.raises(ValueError, match=r"item 3 \('.*3.pgm'\): cannot be read"):
        embed_images(folder, tmp_path / "emb", shard_size=2, progress=False)


@pytest.mark.parametrize("content", ["dict", "csv", "absent"])
def test_audit_with_a_file_that_is_not_a_model(tmp_path, faces_csv, capsys, content):
    embed_images(faces_csv(20), tmp_path / "emb", progress=False)
    model = tmp_path / "model.joblib"
    if content == "dict":
        joblib.dump({"a": 1}, model)
    elif content == "csv":
        model.write_text((tmp_path / "faces.csv").read_text())
    args = ["audit", str(tmp_path / "emb"), "--sensitive", "smiling", "--model", str(model)]
    assert main([*args, "--output", str(tmp_path / "audit")]) == 1
    expected = {"dict": "holds a dict, not a fitted transformer", "csv": "not a model file"}
    assert expected.get(content, "no such model file") in capsys.readouterr().err


def test_audit_report_errors_name_the_attribute_and_fold(small):
    options = dict(attackers={"LR": LogisticRegression()}, adaptive=False)
    s = small.sensitive.astype(object)
    s[::10] = None
    with pytest.raises(ValueError, match=r"attribute 'sensitive' has 5 missing entries \(rows 0"):
        audit_report(small.X, s, groups=small.subject, **options)
    one_class = (small.subject < 4).astype(int)
    with pytest.raises(ValueError, match=r"'sensitive': training fold \d of 2 holds a single"):
        audit_report(
            small.X, one_class, groups=one_class, n_splits=2, protocol="in-sample", **options
        )
    with pytest.raises(ValueError, match=r"outer split \d holds 1 held-out subject\(s\): the"):
        audit_report(small.X, one_class, groups=one_class, n_splits=2, **options)


def test_audit_report_takes_a_representation_given_as_a_list(small):
    options = dict(attackers={"LR": LogisticRegression()}, adaptive=False, n_splits=2)
    reps = {"raw": None, "as list": small.X.tolist()}
    leak = audit_report(
        small.X, small.sensitive, groups=small.subject, representations=reps, **options
    ).leakage
    raw, listed = leak.balanced_accuracy
    assert raw == listed
    with pytest.raises(ValueError, match="representation 'bad': give None, an array"):
        audit_report(
            small.X, small.sensitive, groups=small.subject, representations={"bad": "x"}, **options
        )


def test_nan_rows_from_on_no_face_nan_are_named_before_fit(tmp_path, orl, blank_image):
    Image.fromarray(blank_image).save(tmp_path / "blank.png")
    table = pd.DataFrame({"path": [*orl.paths[:3], str(tmp_path / "blank.png")]})
    table["subject"], table["smiling"] = [0, 0, 1, 1], [0, 1, 0, 1]
    table.to_csv(tmp_path / "faces.csv", index=False)
    with pytest.warns(UserWarning, match="NaN rows"):
        embed_images(tmp_path / "faces.csv", tmp_path / "emb", on_no_face="nan", progress=False)
    with pytest.raises(ValueError, match=r"1 of 4 embeddings are NaN .*blank.png"):
        read_embeddings(tmp_path / "emb")


def test_fit_into_an_existing_folder_fails_before_training(
    tmp_path, faces_csv, capsys, monkeypatch
):
    embed_images(faces_csv(10), tmp_path / "emb", progress=False)
    (tmp_path / "model").mkdir()

    def no_training(*args, **kwargs):
        raise AssertionError("trained before checking the output")

    monkeypatch.setattr(Blinder, "fit", no_training)
    args = ["fit", str(tmp_path / "emb"), "--y", "subject", "--sensitive", "smiling"]
    assert main([*args, "--output", str(tmp_path / "model")]) == 1
    assert "model: is a folder" in capsys.readouterr().err


# --- also: outputs get the permissions a plain write gives ---------------------------------


@pytest.mark.parametrize("umask, mode", [(0o022, 0o644), (0o027, 0o640)])
def test_atomically_written_files_follow_the_umask(tmp_path, umask, mode):
    script = textwrap.dedent(
        f"""
        import os
        from skblind._io import atomic_path
        os.umask({umask:#o})
        with atomic_path({str(tmp_path / "table.csv")!r}) as tmp:
            tmp.write_text("a,b\\n")
        """
    )
    subprocess.run([sys.executable, "-c", script], check=True)
    assert (tmp_path / "table.csv").stat().st_mode & 0o777 == mode


def test_an_embed_manifest_is_valid_json_after_a_refused_run(tmp_path, faces_csv):
    csv = faces_csv(6)
    embed_images(csv, tmp_path / "emb", shard_size=3, progress=False)
    with pytest.raises(ValueError, match="other embedder settings"):
        embed_images(csv, tmp_path / "emb", shard_size=3, layer="pooled", progress=False)
    assert json.loads((tmp_path / "emb" / "manifest.json").read_text())["complete"]
