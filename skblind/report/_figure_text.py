"""Text a saved figure would not show as drawn: clipped by its axes, or printed over other text.

Every figure skblind saves is written with ``bbox_inches="tight"``, so a title or a legend
beside the axes is never cut off at the figure's edge. What that cannot catch is text the
axes clip (a point label past the axes' limits) and labels printed over one another;
:func:`check_figure_text` finds both before a figure is saved.
"""

import warnings

from ..evaluation._plots import _renderer
from ..exceptions import FigureTextWarning

__all__ = ["check_figure_text", "figure_text_problems"]

#: Pixels (each way) two texts may share before they count as printed over one another.
_OVERLAP_PX = 2.0


def _visible_texts(artists):
    return [t for t in artists if t.get_visible() and t.get_text().strip()]


def _hidden_by_axes(text, ax, box, clip):
    """Whether the axes hide all or part of ``text``.

    A clipped text that reaches past the axes' box, or an annotation of a data point
    outside the view limits (which matplotlib does not draw at all).
    """
    from matplotlib.text import Annotation

    inside = clip.padded(1)  # a pixel of rounding
    clipped = text.get_clip_on() and (
        text.get_clip_box() is not None or text.get_clip_path() is not None
    )  # matplotlib marks annotations clip_on with nothing to clip them to
    if clipped and not (inside.contains(box.x0, box.y0) and inside.contains(box.x1, box.y1)):
        return True
    if not isinstance(text, Annotation) or text.xycoords != "data":
        return False
    if text.get_annotation_clip() is False:
        return False
    return not inside.contains(*ax.transData.transform(text.xy))


def figure_text_problems(fig):
    """Texts of ``fig`` a reader would not see as drawn, each described in words.

    Parameters
    ----------
    fig : matplotlib.figure.Figure
        The figure, laid out as it will be saved.

    Returns
    -------
    list of str
        One line per text cut by its axes' clip box (named with the axes' title) and per
        pair of texts in one axes that print over one another; empty when every text is
        readable.
    """
    from matplotlib.transforms import Bbox

    renderer = _renderer(fig)
    fig.draw_without_rendering()
    problems = []
    for k, ax in enumerate(fig.axes):
        where = f"axes {k + 1}" + (f" ({ax.get_title()!r})" if ax.get_title() else "")
        texts = _visible_texts(ax.texts)
        boxes = [t.get_window_extent(renderer) for t in texts]
        clip = ax.get_window_extent(renderer)
        for text, box in zip(texts, boxes, strict=True):
            if _hidden_by_axes(text, ax, box, clip):
                problems.append(f"{where}: {text.get_text()!r} is cut off by the axes")
        for i in range(len(texts)):
            for j in range(i + 1, len(texts)):
                shared = Bbox.intersection(boxes[i], boxes[j])
                if shared is not None and min(shared.width, shared.height) > _OVERLAP_PX:
                    problems.append(
                        f"{where}: {texts[i].get_text()!r} prints over {texts[j].get_text()!r}"
                    )
    return problems


def check_figure_text(fig, name):
    """Warn, naming the figure and the texts, when :func:`figure_text_problems` finds any.

    Parameters
    ----------
    fig : matplotlib.figure.Figure
        The figure, laid out as it will be saved.
    name : str
        The figure's name in the warning (its caption or file).
    """
    problems = figure_text_problems(fig)
    if problems:
        warnings.warn(
            f"figure {name!r} has text a reader cannot see as drawn: " + "; ".join(problems),
            FigureTextWarning,
            stacklevel=3,
        )
