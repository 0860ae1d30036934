import json

import pandas as pd

from skblind.cli import main


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
    assert set(leakage.representation) == {"raw", "SensitiveNets", "LNTL"}
    assert set(leakage.attribute) == {"smiling", "glasses"}
    assert set(leakage.probe) == {"MLP", "SVM", "RF", "LR", "adaptive"}
    fairness = pd.read_csv(tmp_path / "table_2_fairness.csv")
    assert set(fairness.split) == {"biased", "unbiased"}
    report = json.loads((tmp_path / "report.json").read_text())
    assert len(report["table_1_leakage"]) == len(leakage)
    assert (tmp_path / "tsne_smiling.png").read_bytes()[:4] == b"\x89PNG"
    assert not list(tmp_path.glob(".*tmp"))  # no temporary files left behind


def test_demo_reports_an_unwritable_output(tmp_path, capsys):
    blocker = tmp_path / "a-file"
    blocker.write_text("")
    assert main(["demo", "--output", str(blocker / "report"), "--quiet"]) == 1
    assert "cannot write" in capsys.readouterr().err
