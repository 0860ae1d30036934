"""HTML pieces of the report: one page, its styles inline, its figures as data URIs."""

import base64
import html
import io
from pathlib import Path

import numpy as np
import pandas as pd

from ._figure_text import check_figure_text

__all__ = ["cell", "figure", "frame_of", "page", "section", "table", "text"]

_STYLE = """
body { font-family: system-ui, -apple-system, "Segoe UI", Roboto, sans-serif;
       margin: 0 auto; max-width: 1320px; padding: 1rem 1.5rem; color: #1b1b1b;
       line-height: 1.45; }
h1 { font-size: 1.6rem; margin-bottom: 0.2rem; }
h2 { font-size: 1.25rem; border-bottom: 2px solid #ddd; padding-bottom: 0.2rem;
     margin-top: 2rem; }
h3 { font-size: 1.05rem; margin-bottom: 0.3rem; }
h4 { font-size: 0.95rem; margin: 0.8rem 0 0.2rem; }
nav a { margin-right: 1rem; }
p.how { background: #f3f6fa; border-left: 4px solid #4a78b5; padding: 0.4rem 0.7rem;
        margin: 0.5rem 0 1rem; }
p.absent { color: #666; font-style: italic; }
div.scroll { overflow-x: auto; }
table { border-collapse: collapse; font-size: 0.85rem; margin: 0.4rem 0 1rem; }
th, td { border: 1px solid #ccc; padding: 0.2rem 0.5rem; text-align: right;
         white-space: nowrap; }
th { background: #eef1f4; white-space: normal; vertical-align: bottom; }
td:first-child, th:first-child { text-align: left; }
td.leaks { background: #fbe3e1; }
td.clear { background: #e3f4e1; }
td.unmeasured { background: #ececec; color: #555; }
td.unsure { background: #f4f0dc; }
ul.verdicts li { margin: 0.25rem 0; }
table.wrap td, table.wrap th { text-align: left; white-space: normal;
                               overflow-wrap: anywhere; }
table.wrap td:first-child { white-space: nowrap; }
td.wraps { text-align: left; white-space: normal; min-width: 14rem; }
figure { margin: 0.5rem 0 1.5rem; }
figure img { max-width: 100%; height: auto; border: 1px solid #eee; }
figcaption { font-size: 0.85rem; color: #444; }
details { margin: 0.5rem 0; }
code { font-size: 0.85rem; }
"""


def text(value):
    """``value`` as escaped HTML text."""
    return html.escape(str(value))


def cell(value):
    """One table cell's text: integers whole, other numbers to 3 decimals, NaN as a dash."""
    if isinstance(value, (bool, np.bool_)):
        return str(bool(value))
    if isinstance(value, (int, np.integer)):
        return str(int(value))
    if isinstance(value, (float, np.floating)):
        if not np.isfinite(value):
            return "–"
        return str(int(value)) if float(value).is_integer() and abs(value) >= 10 else f"{value:.3f}"
    return str(value)


#: The shade of each verdict: red where the attribute to remove is read (or the one to keep
#: is lost), green where it is not (or is kept).
VERDICT_SHADES = {
    "leaks": "leaks",
    "lost": "leaks",
    "no leakage detected": "clear",
    "kept": "clear",
    "not measurable": "unmeasured",
}


def table(frame, *, highlight=None, wrap=False, classes=None):
    """An HTML table of a DataFrame (no index), numbers formatted alike.

    Parameters
    ----------
    frame : pandas.DataFrame
        The rows to show.
    highlight : str, default=None
        A column of verdicts: its cells are shaded by :data:`VERDICT_SHADES`.
    wrap : bool or str, default=False
        True: left-aligned cells whose long text wraps (settings), instead of one line each;
        a column's name: only that column's cells wrap (notes).
    classes : pandas.DataFrame, default=None
        A CSS class for each cell (same shape as ``frame``; empty strings for none).
    """
    head = "".join(f"<th>{text(column)}</th>" for column in frame.columns)
    rows = []
    for k, record in enumerate(frame.itertuples(index=False)):
        cells = []
        for j, (column, value) in enumerate(zip(frame.columns, record, strict=True)):
            shade = VERDICT_SHADES.get(value, "") if column == highlight else ""
            if classes is not None:
                shade = classes.iat[k, j] or shade
            if isinstance(wrap, str) and column == wrap:
                shade = f"{shade} wraps".strip()
            attribute = f' class="{shade}"' if shade else ""
            cells.append(f"<td{attribute}>{text(cell(value))}</td>")
        rows.append(f"<tr>{''.join(cells)}</tr>")
    kind = ' class="wrap"' if wrap is True else ""
    return (
        f'<div class="scroll"><table{kind}><thead><tr>{head}</tr></thead>'
        f"<tbody>{''.join(rows)}</tbody></table></div>"
    )


def _png(source, name):
    """PNG bytes of a matplotlib figure (closed after), of PNG bytes, or of a PNG file.

    A figure is checked first: text its axes cut off or printed over text warns, naming
    the figure (``name``) and the texts.
    """
    if isinstance(source, (bytes, bytearray)):
        data = bytes(source)
    elif isinstance(source, (str, Path)):
        data = Path(source).read_bytes()
    elif hasattr(source, "savefig"):
        import matplotlib.pyplot as plt

        check_figure_text(source, name)
        buffer = io.BytesIO()
        # the saved area grows to hold every drawn text (a title, a legend beside the axes)
        source.savefig(buffer, format="png", dpi=100, bbox_inches="tight", pad_inches=0.1)
        plt.close(source)
        data = buffer.getvalue()
    else:
        raise TypeError(
            f"a figure must be a matplotlib Figure, PNG bytes or a PNG file; got "
            f"{type(source).__name__}"
        )
    if not data.startswith(b"\x89PNG\r\n\x1a\n"):
        raise ValueError(f"not a PNG image: {source if isinstance(source, (str, Path)) else '...'}")
    return data


def figure(source, caption):
    """A figure inlined as a base64 PNG data URI, with its caption."""
    encoded = base64.b64encode(_png(source, caption)).decode("ascii")
    return (
        f'<figure><img alt="{text(caption)}" src="data:image/png;base64,{encoded}">'
        f"<figcaption>{text(caption)}</figcaption></figure>"
    )


def section(anchor, title, how, body):
    """A titled section, its one line of how to read it, then its body (HTML)."""
    return (
        f'<section id="{anchor}"><h2>{text(title)}</h2>'
        f'<p class="how"><b>How to read this:</b> {text(how)}</p>{body}</section>'
    )


def page(title, subtitle, sections):
    """The whole self-contained document: no scripts, no external resources.

    Parameters
    ----------
    title : str
        The page's title and heading.
    subtitle : str
        The line under the heading.
    sections : list of (anchor, title, html)
        The sections in order; the navigation links to their anchors.
    """
    nav = " ".join(f'<a href="#{anchor}">{text(name)}</a>' for anchor, name, _ in sections)
    body = "\n".join(html_ for _, _, html_ in sections)
    return (
        "<!DOCTYPE html>\n"
        '<html lang="en"><head><meta charset="utf-8">'
        '<meta name="viewport" content="width=device-width, initial-scale=1">'
        f"<title>{text(title)}</title><style>{_STYLE}</style></head>"
        f"<body><h1>{text(title)}</h1><p>{text(subtitle)}</p><nav>{nav}</nav>\n"
        f"{body}\n</body></html>\n"
    )


def _flat(mapping, prefix=""):
    """``(dotted key, text)`` pairs of a nested dict; lists joined by commas."""
    for key, value in mapping.items():
        name = f"{prefix}{key}"
        if isinstance(value, dict):
            yield from _flat(value, prefix=f"{name}.")
        elif isinstance(value, (list, tuple)):
            yield name, ", ".join(str(v) for v in value)
        else:
            yield name, "–" if value is None else value


def frame_of(mapping):
    """A two-column table (setting, value) of a dict, nested keys dotted."""
    return pd.DataFrame(list(_flat(mapping)), columns=["setting", "value"])
