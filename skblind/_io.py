"""Files: writing outputs atomically, reading label tables exactly as written."""

import itertools
import os
import re
import socket
import tempfile
from contextlib import contextmanager
from pathlib import Path

__all__ = ["CSV_LABELS", "atomic_path", "chunks_of", "output_folder", "typed_labels"]

#: ``pandas.read_csv`` options for label tables: every cell read as text, only empty
#: cells missing ("NA", "None" and "null" are labels like any other).
CSV_LABELS = dict(dtype=str, keep_default_na=False, na_values=[""])

#: An integer written the one way it prints: no sign on zero ("-0" is text), no leading
#: zeros ("007" is text), no "+".
_CANONICAL_INT = r"0|-?[1-9][0-9]*"

#: Integers float64 holds exactly (a column with empty cells is float64, NaN there).
_FLOAT64_EXACT = 2**53


@contextmanager
def atomic_path(path):
    """Yield a temporary path next to ``path``; rename it onto ``path`` on success.

    The temporary file is named after ``path``, this host and this process
    (``.NAME.HOST-PID.RANDOM.tmp``): it is removed on any exception, and one left by a
    process of this host that no longer runs (killed by ``kill -9`` while writing) is
    removed by the next write of the same file.

    Parameters
    ----------
    path : path-like
        The final file. Its folder is created if need be.

    Yields
    ------
    pathlib.Path
        Where to write. On an exception it is removed and ``path`` is left untouched;
        on success ``path`` gets the permissions a plain ``open(path, "w")`` would
        give it (0666 less the umask). Renaming replaces a symbolic link at ``path``
        rather than writing through it.
    """
    path = Path(path)
    owner = f"{_host()}-{os.getpid()}"
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        _remove_orphans(path)
        fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.{owner}.", suffix=".tmp")
    except OSError as exc:
        raise OSError(f"cannot write {path}: {exc.strerror or exc}") from None
    os.close(fd)
    tmp = Path(tmp)
    try:
        yield tmp
        # mkstemp makes the file private (0600); give it what a plain open() would.
        os.chmod(tmp, 0o666 & ~_umask())
        os.replace(tmp, path)
    finally:
        tmp.unlink(missing_ok=True)


def _host():
    """The host's name, as it may stand in a file name."""
    return re.sub(r"[^A-Za-z0-9_-]", "_", socket.gethostname()) or "host"


def _remove_orphans(path):
    """Remove temporary files of ``path`` left by processes of this host that are gone.

    POSIX only: on Windows, ``os.kill`` would end the process it asks about.
    """
    if os.name != "posix":
        return
    pattern = re.compile(rf"\.{re.escape(path.name)}\.{re.escape(_host())}-(\d+)\..*\.tmp")
    for sibling in path.parent.iterdir():
        match = pattern.fullmatch(sibling.name)
        if match and not _running(int(match.group(1))):
            sibling.unlink(missing_ok=True)


def _running(pid):
    """Whether a process ``pid`` runs on this host."""
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:  # it runs, as another user
        return True
    return True


@contextmanager
def output_folder(folder):
    """Create an output folder before any work in it, and remove it if the run fails.

    An unwritable folder fails at once. A folder this run created is removed again when
    the run fails (an error or an interrupt) and has left nothing in it.

    Parameters
    ----------
    folder : path-like
        The folder; existing ones are used as they are.

    Yields
    ------
    pathlib.Path
    """
    folder = Path(folder)
    if folder.exists() and not folder.is_dir():
        raise ValueError(f"{folder}: exists and is not a folder; give a folder for the output")
    created = not folder.exists()
    try:
        folder.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise OSError(f"cannot write the output folder {folder}: {exc.strerror or exc}") from None
    if not os.access(folder, os.W_OK):
        raise OSError(f"cannot write the output folder {folder}: permission denied")
    try:
        yield folder
    except BaseException:
        if created and folder.is_dir() and not any(folder.iterdir()):
            folder.rmdir()
        raise


def _umask():
    """The process's umask (reading it means setting it: set it straight back)."""
    mask = os.umask(0o022)
    os.umask(mask)
    return mask


def typed_labels(table):
    """Turn the text columns of a label table into numbers where nothing is lost.

    A column becomes numbers only when every value round-trips: each non-empty cell is an
    integer written canonically (``7``, ``-1``; not ``007``, ``+7`` or ``-0``) that int64
    holds; int64 when no cell is empty, float64 with NaN where cells are empty when
    every value is within float64's exact integers (2**53). Every other column stays
    text, so "007" and "7", or "-0" and "0", remain two labels, and 19- or 20-digit ids
    are never rounded into one another. The ``path`` column is left alone.

    Parameters
    ----------
    table : pandas.DataFrame
        Read with :data:`CSV_LABELS`.

    Returns
    -------
    pandas.DataFrame
        The same table, modified in place.
    """
    for name in table.columns:
        column = table[name]
        known = column.dropna()
        if name == "path" or len(known) == 0 or not known.str.fullmatch(_CANONICAL_INT).all():
            continue
        values = [int(cell) for cell in known]
        has_empty = column.isna().any()
        limit = _FLOAT64_EXACT if has_empty else 2**63
        if min(values) < -limit or max(values) >= limit:
            continue
        table[name] = column.astype("float64" if has_empty else "int64")
    return table


def chunks_of(iterable, size):
    """Lists of ``size`` items of ``iterable`` (the last one shorter), lazily."""
    iterator = iter(iterable)
    while chunk := list(itertools.islice(iterator, size)):
        yield chunk
