"""Files: writing outputs atomically, reading label tables exactly as written."""

import itertools
import os
import tempfile
from contextlib import contextmanager
from pathlib import Path

__all__ = ["CSV_LABELS", "atomic_path", "chunks_of", "typed_labels"]

#: ``pandas.read_csv`` options for label tables: every cell read as text, only empty
#: cells missing ("NA", "None" and "null" are labels like any other).
CSV_LABELS = dict(dtype=str, keep_default_na=False, na_values=[""])

_CANONICAL_INT = r"-?(?:0|[1-9][0-9]*)"


@contextmanager
def atomic_path(path):
    """Yield a temporary path next to ``path``; rename it onto ``path`` on success.

    Parameters
    ----------
    path : path-like
        The final file. Its folder is created if need be.

    Yields
    ------
    pathlib.Path
        Where to write. On an exception it is removed and ``path`` is left untouched;
        on success ``path`` gets the permissions a plain ``open(path, "w")`` would
        give it (0666 less the umask).
    """
    path = Path(path)
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
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


def _umask():
    """The process's umask (reading it means setting it: set it straight back)."""
    mask = os.umask(0o022)
    os.umask(mask)
    return mask


def typed_labels(table):
    """Turn the text columns of a label table into numbers where nothing is lost.

    A column whose every non-empty cell is an integer written canonically (``7``,
    ``-1``; not ``007`` or ``+7``) becomes int64 (float64 with NaN where cells are
    empty); every other column stays text, so "007" and "7" remain two labels. The
    ``path`` column is left alone.

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
        table[name] = column.astype("float64" if column.isna().any() else "int64")
    return table


def chunks_of(iterable, size):
    """Lists of ``size`` items of ``iterable`` (the last one shorter), lazily."""
    iterator = iter(iterable)
    while chunk := list(itertools.islice(iterator, size)):
        yield chunk
