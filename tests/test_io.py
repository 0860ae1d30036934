"""Tests of ``skblind._io``: label tables read as written, atomic writes, output folders."""

import io
import os
import subprocess
import sys
import textwrap

import pandas as pd
import pytest

from skblind._io import CSV_LABELS, atomic_path, output_folder, typed_labels


def _typed(**columns):
    text = "\n".join(
        [",".join(columns), *(",".join(row) for row in zip(*columns.values(), strict=True))]
    )
    return typed_labels(pd.read_csv(io.StringIO(text + "\n"), **CSV_LABELS))


def test_identity_columns_are_numbers_only_where_every_value_round_trips():
    # repro2/numeric_label_columns.sh: 19-digit ids beside an empty cell went through
    # float64 and two subjects became one; "-0" and "0" became one identity; a 20-digit
    # id crashed fit and audit with an OverflowError
    table = _typed(
        big=["1234567890123456789", "1234567890123456788", "", "7"],
        zeros=["0", "-0", "0", "1"],
        huge=["99999999999999999999", "1", "2", "3"],
        int64_max=["9223372036854775807", "1", "2", "3"],
        plain=["7", "-1", "0", "12"],
        gappy=["7", "", "9007199254740992", "1"],
        exact=["7", "", "9007199254740991", "1"],
    )
    assert table["big"].tolist()[:2] == ["1234567890123456789", "1234567890123456788"]
    assert table["big"].nunique() == 3
    assert table["zeros"].tolist() == ["0", "-0", "0", "1"]
    assert table["huge"].tolist()[0] == "99999999999999999999"
    assert table["int64_max"].dtype == "int64"
    assert table["int64_max"].iloc[0] == 2**63 - 1
    assert table["plain"].dtype == "int64"
    assert table["gappy"].tolist()[2] == "9007199254740992"  # past float64's exact integers
    assert table["exact"].dtype == "float64"


def _dead_pid():
    process = subprocess.Popen([sys.executable, "-c", "pass"])
    process.wait()
    return process.pid


@pytest.mark.skipif(os.name != "posix", reason="orphans are found by pid on POSIX only")
def test_a_temporary_file_left_by_a_killed_writer_is_removed_by_the_next_write(tmp_path):
    # repro2/sigkill_fit_leaves_tmp.py: `skblind fit` killed while writing its model left
    # ".m.joblib.XXXX.tmp" next to it for good
    target = tmp_path / "m.joblib"
    with atomic_path(target) as tmp:
        name = tmp.name
    host = name.split(".")[3].rsplit("-", 1)[0]
    orphan = tmp_path / f".m.joblib.{host}-{_dead_pid()}.abc123.tmp"
    live = tmp_path / f".m.joblib.{host}-{os.getpid()}.def456.tmp"  # a writer still at work
    other = tmp_path / f".other.joblib.{host}-{_dead_pid()}.abc123.tmp"
    for path in (orphan, live, other):
        path.write_bytes(b"half a model")
    with atomic_path(target) as tmp:
        tmp.write_bytes(b"model")
    assert target.read_bytes() == b"model"
    assert not orphan.exists()
    assert live.exists() and other.exists()


def test_output_folder_removes_a_folder_it_made_when_the_run_fails_in_it(tmp_path):
    with pytest.raises(KeyboardInterrupt), output_folder(tmp_path / "new"):
        raise KeyboardInterrupt
    assert not (tmp_path / "new").exists()
    (tmp_path / "kept").mkdir()
    with pytest.raises(ValueError), output_folder(tmp_path / "kept"):
        raise ValueError
    assert (tmp_path / "kept").is_dir()
    (tmp_path / "file").write_text("")
    with (
        pytest.raises(ValueError, match="exists and is not a folder"),
        output_folder(tmp_path / "file"),
    ):
        pass


# Reported defect (reliability issue: outputs get the permissions a plain write gives); the test
# failed on the code before the fix.


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
