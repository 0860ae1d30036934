import json
import os
import re
import sys

import joblib
import numpy as np
import pandas as pd
import pytest

from skblind.cli import main
from skblind.datasets import make_blinding_problem
from skblind.embedding import read_shards
from skblind.jobs import embed_images
from skblind.suppression import Blinder


@pytest.mark.slow
def test_demo_end_to_end_on_a_small_input(tmp_path, capsys):
    status = main(
        [
            "demo",
            "--output",
            str(tmp_path),
            "--quiet",
            "--n-subjects",
            "10",
            "--folds",
            "2",
            "--seeds",
            "1",
            "--max-epochs",
            "2",
        ]
    )
    assert status == 0
    out = capsys.readouterr().out
    assert "Table I" in out and "Table II" in out
    verification = pd.read_csv(tmp_path / "verification.csv")
    assert verification.layer.tolist() == ["embedding", "pooled"]
    assert (verification.roc_auc >= 0.99).all()
    leakage = pd.read_csv(tmp_path / "table_1_leakage.csv")
    assert set(leakage.representation) == {
        "raw",
        "LEACE",
        "INLP",
        "SensitiveNets (paper)",
        "LNTL (paper)",
        "Blinder",
        "Blinder, no margin",
    }
    assert set(leakage.attribute) == {"smiling", "glasses"}
    assert set(leakage.attacker) == {
        "MLP",
        "SVM",
        "RF",
        "LR",
        "MLP-white",
        "HGB",
        "kNN-cosine",
        "adaptive",
    }
    assert set(leakage.protocol) == {"held-out"}
    assert {"within_auc", "within_auc_p", "balanced_accuracy_p", "verdict"} <= set(leakage.columns)
    in_sample = pd.read_csv(tmp_path / "table_1_in_sample.csv")
    assert set(in_sample.protocol) == {"in-sample"} and set(in_sample.attribute) == {"smiling"}
    assert "Protocol held-out" in out and "Within-identity AUC" in out
    assert re.search(r"each attacker held attacker_people people \(\d+( to \d+)? people\)", out)
    fairness = pd.read_csv(tmp_path / "table_2_fairness.csv")
    assert set(fairness.split) == {"biased", "unbiased"}
    report = json.loads((tmp_path / "report.json").read_text())
    assert len(report["table_1_leakage"]) == len(leakage)
    about = report["about"]
    assert about["settings"]["n_subjects"] == 10 and about["settings"]["table_1"]["alpha"] == 0.05
    assert set(about["methods"]) == set(leakage.representation) - {"raw"}
    # The settings are those the steps ran with, not a description written beside them.
    assert about["settings"]["table_2"]["groups"] == ["not smiling", "smiling"]
    assert "LogisticRegression(max_iter=5000)" in about["settings"]["table_2"]["classifier"]
    assert about["settings"]["tradeoff"]["attack"]["protocol"] == "deployment"
    assert {"tpr_not_smiling_mean", "tpr_smiling_mean"} <= set(fairness.columns)
    assert "Diff = (raw - after) / (raw - chance)" in out  # the unit stated in the header
    tradeoff = pd.read_csv(tmp_path / "tradeoff.csv")
    assert tradeoff.setting.tolist() == [
        "lam=0",
        "lam=1",
        "lam=2",
        "lam=8",
        "n_iterations=1",
        "n_iterations=2",
        "n_iterations=5",
        "n_iterations=10",
    ]
    for figure in (
        "tsne_smiling.png",
        "tpr_by_smiling.png",
        "tradeoff.png",
        "learning_curve_smiling.png",
    ):
        assert (tmp_path / figure).read_bytes()[:4] == b"\x89PNG"
    curve = pd.read_csv(tmp_path / "learning_curve.csv")
    assert set(curve.representation) == {"raw", "LEACE", "Blinder", "Blinder, no margin"}
    assert curve.training_subjects.nunique() == 2  # 2 (the demo's --folds here) and 3 folds
    # every point read by the same attackers (Table I's audit has the whole battery)
    assert set(curve.attacker) == {"MLP", "SVM", "LR", "MLP-white", "kNN-cosine"}
    assert curve.groupby("training_subjects").attacker.nunique().eq(5).all()
    page = (tmp_path / "report.html").read_text()
    for heading in ("Leakage", "Verification", "Trade-off", "Fairness", "Figures"):
        assert f"<h2>{heading}</h2>" in page
    assert "Not in this run" not in page  # the demo fills every section
    assert f"Report: {(tmp_path / 'report.html').resolve().as_uri()}" in out
    assert not list(tmp_path.glob(".*tmp"))  # no temporary files left behind


def test_demo_reports_an_unwritable_output(tmp_path, capsys):
    blocker = tmp_path / "a-file"
    blocker.write_text("")
    assert main(["demo", "--output", str(blocker / "report"), "--quiet"]) == 1
    assert "cannot write" in capsys.readouterr().err


@pytest.mark.slow
def test_embed_fit_audit_on_a_csv_of_images(tmp_path, orl, capsys):
    rows = pd.DataFrame(
        {
            "path": orl.paths[:120],
            "subject": orl.subject[:120],
            "smiling": orl.smiling[:120],
            "glasses": orl.glasses[:120],
        }
    )
    rows.to_csv(tmp_path / "faces.csv", index=False)
    training = pd.DataFrame(  # the model is fitted on other people than those audited
        {
            "path": orl.paths[200:320],
            "subject": orl.subject[200:320],
            "smiling": orl.smiling[200:320],
        }
    )
    training.to_csv(tmp_path / "training.csv", index=False)
    assert (
        main(
            [
                "embed",
                str(tmp_path / "training.csv"),
                "--output",
                str(tmp_path / "train"),
                "--layer",
                "pooled",
                "--quiet",
            ]
        )
        == 0
    )
    embeddings = tmp_path / "faces"
    assert (
        main(
            [
                "embed",
                str(tmp_path / "faces.csv"),
                "--output",
                str(embeddings),
                "--layer",
                "pooled",
                "--shard-size",
                "50",
                "--quiet",
            ]
        )
        == 0
    )
    assert len(list(embeddings.glob("shard-*.npz"))) == 3
    model = tmp_path / "model.joblib"
    assert (
        main(
            [
                "fit",
                str(tmp_path / "train"),
                "--y",
                "subject",
                "--sensitive",
                "smiling",
                # From 12 people the margin keeps no direction at its default budget (and
                # says so): verification would be at chance. A larger budget keeps some.
                "--budget",
                "3",
                "--output",
                str(model),
                "--quiet",
            ]
        )
        == 0
    )
    assert "margin" in capsys.readouterr().out  # fit says what its stages kept
    assert (
        main(
            [
                "audit",
                str(embeddings),
                "--sensitive",
                "smiling",
                "--groups",
                "subject",
                "--keep",
                "glasses",
                "--model",
                str(model),
                "--attacker-people",
                "2",
                "4",
                "--output",
                str(tmp_path / "audit"),
            ]
        )
        == 0
    )
    leakage = pd.read_csv(tmp_path / "audit" / "leakage.csv")
    assert set(leakage.representation) == {"raw", "model"}
    # the model was fitted elsewhere: attackers cross-validated over the 12 people given
    assert set(leakage.protocol) == {"deployment"}
    assert set(leakage.attacker_people) == {2, 4} and set(leakage.tested_people) == {12}
    assert set(leakage.attribute) == {"smiling", "glasses"}
    verification = pd.read_csv(tmp_path / "audit" / "verification.csv")
    assert verification.roc_auc.min() > 0.9
    assert "Wrote leakage.csv" in capsys.readouterr().out


def test_workflow_errors_name_the_column_and_the_row(tmp_path, orl, capsys):
    pd.DataFrame({"path": orl.paths[:3], "subject": [1, 1, 1]}).to_csv(
        tmp_path / "faces.csv", index=False
    )
    embeddings = tmp_path / "faces"
    assert main(["embed", str(tmp_path / "faces.csv"), "--output", str(embeddings), "--quiet"]) == 0
    assert (
        main(
            [
                "fit",
                str(embeddings),
                "--y",
                "subject",
                "--sensitive",
                "smiling",
                "--output",
                str(tmp_path / "m.joblib"),
                "--quiet",
            ]
        )
        == 1
    )
    assert "no label column 'smiling'" in capsys.readouterr().err
    pd.DataFrame({"path": orl.paths[:2], "smiling": [0, 1]}).to_csv(
        tmp_path / "labels.csv", index=False
    )
    assert (
        main(
            [
                "fit",
                str(embeddings),
                "--y",
                "subject",
                "--sensitive",
                "smiling",
                "--labels",
                str(tmp_path / "labels.csv"),
                "--output",
                str(tmp_path / "m.joblib"),
                "--quiet",
            ]
        )
        == 1
    )
    assert "no row for 1 embedded images" in capsys.readouterr().err
    assert not (tmp_path / "m.joblib").exists()
    (tmp_path / "empty").mkdir()
    assert main(["embed", str(tmp_path / "empty"), "--output", str(tmp_path / "e")]) == 1
    assert "no image files" in capsys.readouterr().err


def test_a_failed_audit_leaves_no_empty_output_folder(tmp_path, capsys):
    output = tmp_path / "audit"
    status = main(
        ["audit", str(tmp_path / "nothing-here"), "--sensitive", "s", "--output", str(output)]
    )
    assert status == 1 and "error" in capsys.readouterr().err
    assert not output.exists()
    kept = tmp_path / "existing"
    kept.mkdir()
    assert (
        main(["audit", str(tmp_path / "nothing-here"), "--sensitive", "s", "--output", str(kept)])
        == 1
    )
    assert kept.is_dir()  # a folder the user made stays


def test_demo_help_names_the_five_figures(capsys):
    with pytest.raises(SystemExit):
        main(["demo", "--help"])
    assert "five figures" in capsys.readouterr().out


def test_fit_refuses_training_options_for_the_recipe_without_an_encoder(tmp_path, orl, capsys):
    table = pd.DataFrame(
        {"path": orl.paths[10:30], "subject": orl.subject[10:30], "smiling": orl.smiling[10:30]}
    )
    table.to_csv(tmp_path / "faces.csv", index=False)
    embeddings = tmp_path / "faces"
    assert main(["embed", str(tmp_path / "faces.csv"), "--output", str(embeddings), "--quiet"]) == 0
    args = ["fit", str(embeddings), "--y", "subject", "--sensitive", "smiling", "--quiet"]
    model = tmp_path / "m.joblib"
    assert main([*args, "--lam", "2", "--output", str(model)]) == 1
    message = capsys.readouterr().err
    assert "lam would be ignored" in message and "blinder+encoder" in message
    assert not model.exists()
    encoded = ["--method", "blinder+encoder", "--lam", "2", "--max-epochs", "1"]
    assert main([*args, *encoded, "--output", str(model)]) == 0
    fitted = joblib.load(model)
    assert fitted.encoder_.lam == 2.0 and fitted.encoder_.max_epochs == 1


# --- the second round of reported defects (shared/repro2/) ---------------------------------


@pytest.mark.parametrize(
    "argv, message",
    [
        (["audit", "E", "--sensitive", "s", "--repeats", "0"], "--repeats: 0 is below the least"),
        (["audit", "E", "--sensitive", "s", "--permutations", "0"], "--permutations: 0 draws"),
        (["audit", "E", "--sensitive", "s", "--permutations", "20"], "20 draws are too few .* 39"),
        (["audit", "E", "--sensitive", "s", "--folds", "1"], "--folds: 1 is below the least"),
        (["demo", "--seeds", "0"], "--seeds: 0 is below the least allowed, 1"),
        (["embed", "I", "--output", "O", "--batch-size", "0"], "--batch-size: 0 is below"),
        (
            ["embed", "I", "--output", "O", "--shard-size", "x"],
            "--shard-size: 'x' is not an integer",
        ),
    ],
)
def test_counts_that_cannot_work_are_refused_before_any_work(tmp_path, capsys, argv, message):
    # repro2/audit_zero_repeats_permutations.py (--repeats 0, --permutations 0: numpy
    # tracebacks), few_permutations_never_leaks.py (--permutations 20 never leaks),
    # demo_seeds0.sh (minutes of work, then KeyError), embed_bad_arg_leaves_folder.sh
    argv = [str(tmp_path / a) if a in ("E", "I", "O") else a for a in argv]
    with pytest.raises(SystemExit) as exit_:
        main(argv)
    assert exit_.value.code == 2
    assert re.search(message, capsys.readouterr().err)
    assert not list(tmp_path.iterdir())  # no folder made, nothing read


def test_table_2_refuses_zero_seeds():
    # repro2/demo_seeds0.sh: table_2(seeds=0) raised KeyError 'raw (biased)'
    from skblind.jobs._protocols import table_2

    with pytest.raises(ValueError, match="seeds=0: Table II needs at least one seed"):
        table_2(np.zeros((6, 2)), np.zeros(6), np.zeros(6), np.arange(6), {}, seeds=0)


def test_audit_names_the_images_without_a_subject(tmp_path, orl, capsys):
    # repro2/audit_missing_group_traceback.sh: one empty --groups cell crashed `audit`
    # with numpy's "'<' not supported between 'str' and 'float'" traceback
    table = pd.DataFrame(
        {
            "path": orl.paths[:30],
            "subject": [f"s{v:02d}" for v in orl.subject[:30]],
            "smiling": orl.smiling[:30],
        }
    )
    table.loc[4, "subject"] = None
    table.to_csv(tmp_path / "faces.csv", index=False)
    assert (
        main(["embed", str(tmp_path / "faces.csv"), "--output", str(tmp_path / "e"), "--quiet"])
        == 0
    )
    status = main(
        [
            "audit",
            str(tmp_path / "e"),
            "--sensitive",
            "smiling",
            "--groups",
            "subject",
            "--quiet",
            "--output",
            str(tmp_path / "audit"),
        ]
    )
    error = capsys.readouterr().err
    assert status == 1 and "column 'subject' is empty for 1 images" in error
    assert os.path.basename(orl.paths[4]) in error and "Traceback" not in error
    assert not (tmp_path / "audit").exists()


def _embed_command(tmp_path, output):
    return [
        sys.executable,
        "-m",
        "skblind.cli",
        "embed",
        str(tmp_path / "f.csv"),
        "--output",
        str(tmp_path / output),
        "--shard-size",
        "5",
        "--quiet",
    ]


def test_ctrl_c_ends_in_one_line_and_the_rerun_says_it_resumed(tmp_path, orl):
    # repro2/sigint_embed_resume_silent.py: Ctrl-C printed a KeyboardInterrupt traceback,
    # and the rerun resumed without a word about it
    import signal
    import subprocess
    import time

    pd.DataFrame({"path": orl.paths[:60], "smiling": orl.smiling[:60]}).to_csv(
        tmp_path / "f.csv", index=False
    )
    command = _embed_command(tmp_path, "emb")
    process = subprocess.Popen(
        command,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
        preexec_fn=lambda: signal.signal(signal.SIGINT, signal.SIG_DFL),
    )
    deadline = time.monotonic() + 120
    while len(list((tmp_path / "emb").glob("shard-*.npz"))) < 2 and time.monotonic() < deadline:
        time.sleep(0.05)
    process.send_signal(signal.SIGINT)
    output, _ = process.communicate(timeout=60)
    assert process.returncode == 130, output
    assert "Traceback" not in output
    assert output.strip().splitlines()[-1].startswith("skblind embed: interrupted; the finished")
    finished = len(list((tmp_path / "emb").glob("shard-*.npz")))
    rerun = subprocess.run(command, capture_output=True, text=True, timeout=300)
    assert rerun.returncode == 0, rerun.stderr
    assert f"resumed an interrupted run: {finished} of the 12 shards" in rerun.stdout
    clean = subprocess.run(_embed_command(tmp_path, "clean"), capture_output=True, timeout=300)
    assert clean.returncode == 0
    np.testing.assert_array_equal(
        read_shards(tmp_path / "emb")[0], read_shards(tmp_path / "clean")[0]
    )


def test_help_imports_nothing_heavy_and_names_every_backbone():
    """Issue 28: `skblind --help` took 6.7 s importing torch for the backbones' names."""
    import subprocess

    from skblind._names import BACKBONE_NAMES, DETECTOR_NAMES
    from skblind.embedding import BACKBONES, DETECTORS
    from skblind.embedding._detectors import load_detector

    assert tuple(BACKBONES) == BACKBONE_NAMES
    assert DETECTORS == DETECTOR_NAMES
    for name in DETECTORS:  # each name builds a detector (or asks for its package)
        try:
            load_detector(name, "cpu")
        except ImportError as exc:
            assert "pip install" in str(exc)
    code = (
        "import sys; from skblind.cli import main\n"
        "try: main(['embed', '--help'])\n"
        "except SystemExit: pass\n"
        "print(sorted(m for m in ('torch', 'cv2', 'sklearn', 'matplotlib') if m in sys.modules))"
    )
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)
    assert done.stdout.strip().splitlines()[-1] == "[]"
    assert "facenet-vggface2" in done.stdout


def test_fit_budget_sets_the_recipes_margin_and_is_refused_elsewhere():
    from skblind.jobs import describe_fitted
    from skblind.jobs._workflow import make_suppressor

    data = make_blinding_problem(n_subjects=40, random_state=0)
    model = make_suppressor("blinder", budget=3.0, random_state=0)
    assert model.get_params()["margin__budget"] == 3.0
    model.fit(data.X, data.subject, sensitive_features=data.sensitive)
    margin = describe_fitted(model)[1]
    kept = model.margin_.n_components_
    assert (
        margin
        == f"margin: MarginEraser, kept {kept} of 64 directions (budget 3); the rest projected out"
    )
    with pytest.raises(ValueError, match="budget=1.0 is the recipe's margin; method='lntl'"):
        make_suppressor("lntl", budget=1.0)


# Reported defect (reliability issue, item 0: a model trained with the progress bar on is
# saved); the test failed on the code before the fix.


def test_cli_fit_saves_a_model_trained_with_the_progress_bar(tmp_path, faces_csv, terminal):
    embed_images(faces_csv(30), tmp_path / "emb", progress=False)  # subject 3 smiles
    model = tmp_path / "blind.joblib"
    args = ["fit", str(tmp_path / "emb"), "--y", "subject", "--sensitive", "smiling"]
    trained = ["--method", "blinder+encoder", "--max-epochs", "2"]
    assert main([*args, *trained, "--output", str(model)]) == 0
    assert joblib.load(model).transform(read_shards(tmp_path / "emb")[0]).shape == (30, 128)


# Reported defect (shared/repro r9: a model file named raw.joblib); the test failed on the code
# before the fix.


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


# Reported defect (reliability issue, crashes that must name the item: a file that is not a
# model); the test failed on the code before the fix.


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


# Reported defect (reliability issue, crashes that must name the item: an existing output
# folder); the test failed on the code before the fix.


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


@pytest.mark.parametrize("detector", ["none", "mtcnn"])
def test_embed_takes_the_detector_it_is_given(tmp_path, orl, detector):
    from skblind.embedding import FaceEmbedder

    pd.DataFrame({"path": orl.paths[:6]}).to_csv(tmp_path / "faces.csv", index=False)
    argv = ["embed", str(tmp_path / "faces.csv"), "--output", str(tmp_path / "out")]
    assert main([*argv, "--detector", detector, "--device", "cpu", "--quiet"]) == 0
    expected = FaceEmbedder(
        detector=None if detector == "none" else detector, progress=False
    ).fit_transform(orl.paths[:6])
    np.testing.assert_allclose(read_shards(tmp_path / "out")[0], expected, atol=1e-5)


def test_embed_refuses_half_precision_for_a_float32_backbone(tmp_path, orl, capsys):
    pd.DataFrame({"path": orl.paths[:2]}).to_csv(tmp_path / "faces.csv", index=False)
    argv = ["embed", str(tmp_path / "faces.csv"), "--output", str(tmp_path / "out")]
    assert main([*argv, "--precision", "float16", "--quiet"]) == 1
    assert "precision='float16' is not available for backbone='sface'" in capsys.readouterr().err
    assert not (tmp_path / "out").exists()
