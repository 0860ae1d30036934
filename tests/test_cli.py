import numpy as np
import pandas as pd

from skblind.cli import main


def test_demo_end_to_end(tmp_path, capsys):
    assert main(["demo", "--output", str(tmp_path), "--quiet"]) == 0
    out = capsys.readouterr().out
    assert "verification" in out
    table = pd.read_csv(tmp_path / "verification.csv")
    assert table[["backbone", "layer"]].values.tolist() == [
        ["sface", "embedding"],
        ["sface", "pooled"],
    ]
    assert (table["verification_roc_auc"] >= 0.99).all()
    saved = np.load(tmp_path / "orl_sface_pooled.npz")
    assert saved["X"].shape == (400, 1024)
    assert not list(tmp_path.glob(".*tmp"))  # no temporary files left behind


def test_demo_reports_an_unwritable_output(tmp_path, capsys):
    blocker = tmp_path / "a-file"
    blocker.write_text("")
    status = main(
        ["demo", "--output", str(blocker / "report"), "--quiet", "--representations", "sface"]
    )
    assert status == 1
    assert "cannot write" in capsys.readouterr().err
