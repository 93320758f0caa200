"""Charts as PNG bytes, in the reader's language, readable on a phone.

matplotlib's object-oriented API with the Agg canvas: no display, no global pyplot
state shared between two charts drawn at once. It is imported with the bot, so a
bulletin does not pay for loading matplotlib.

Every piece of text is set in Noto Sans SC loaded *by path* from a package installed
with the bot (pylopdf-fonts-zh-cn; the README says why that one), never looked up among
the system's fonts: a fresh server usually has no Chinese font, and a family name could
pick a different file on another machine. So branch and leader names can stand on the
axes instead of numbers.

A chart of named bars is horizontal (long names read across, not slanted), sized for a
phone held upright (1080 pixels wide, text about 13 points on the screen), split into
several images past :data:`ROWS_PER_IMAGE` rows, and every bar carries its figure at
its end, so a bar of 0 is a visible outline with "0" beside it, not nothing. The colour
of a bar is whatever the caller's data says (a leader short of quota, say), never a
rank.
"""

from __future__ import annotations

import io
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Final

import pylopdf_fonts_zh_cn
from matplotlib.axes import Axes
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.colors import to_hex, to_rgb
from matplotlib.figure import Figure
from matplotlib.font_manager import FontProperties
from matplotlib.text import Text
from matplotlib.ticker import MaxNLocator

from bot.text_layout import wrap

FONT_FILE: Final[str] = str(pylopdf_fonts_zh_cn.sans_path())

BLUE: Final = "#2e86c1"
ORANGE: Final = "#d35400"
GREY: Final = "#7f8c8d"

WIDTH_INCHES: Final = 5.4
DPI: Final = 200  # 1080 pixels across: a phone's screen width, no scaling up
ROWS_PER_IMAGE: Final = 25
ROW_INCHES: Final = 0.52
LABEL_WIDTH: Final = 16  # display columns (a Chinese character is two) per label line
LABEL_LINES: Final = 2
TITLE_WIDTH: Final = 40
TITLE_POINTS: Final = 15
TEXT_POINTS: Final = 13
VALUE_POINTS: Final = 12


def font(size: float = TEXT_POINTS) -> FontProperties:
    return FontProperties(fname=FONT_FILE, size=size)


# --- drawing --------------------------------------------------------------------------------


def _bundled_font(figure: Figure) -> None:
    """Set every text of the figure in the bundled font, keeping each one's size; and
    take ``$`` in a name literally rather than as mathematics."""
    for text in figure.findobj(Text):
        assert isinstance(text, Text)
        if text.get_fontproperties().get_file() != FONT_FILE:
            text.set_fontproperties(font(float(text.get_fontsize())))
        text.set_parse_math(False)


def render(figure: Figure) -> bytes:
    """The figure as PNG bytes, all its text in the bundled font, nothing cut off."""
    FigureCanvasAgg(figure)
    _bundled_font(figure)
    figure.draw_without_rendering()  # makes the tick labels, which take the font too
    _bundled_font(figure)
    buffer = io.BytesIO()
    figure.savefig(buffer, format="png", dpi=figure.dpi)
    return buffer.getvalue()


def png(draw: Callable[[Axes], object], size: tuple[float, float] = (6, 4)) -> bytes:
    """A chart drawn by ``draw`` on one pair of axes: any chart, in the bundled font."""
    figure = Figure(figsize=size, dpi=120, layout="constrained")
    draw(figure.add_subplot())
    return render(figure)


@dataclass(frozen=True)
class Bar:
    """One named bar: its value, what is written at its end (the value itself when
    empty), its colour, and a mark to compare it with (drawn as a dashed tick)."""

    label: str
    value: float
    text: str = ""
    colour: str = BLUE
    mark: float | None = None


def bar_figures(
    title: str,
    bars: Sequence[Bar],
    *,
    axis: str = "",
    note: str = "",
    limit: float | None = None,
    rows: int = ROWS_PER_IMAGE,
) -> list[Figure]:
    """Horizontal named bars, top to bottom in the given order, ``rows`` to an image
    (each image says which part it is). ``limit`` fixes the scale (100 for percentages),
    the same on every image; otherwise it fits the largest value or mark."""
    if not bars:
        return []
    top = (
        limit
        if limit is not None
        else max(max(bar.value for bar in bars), max((bar.mark or 0.0) for bar in bars), 1.0)
    )
    pages = [bars[i : i + rows] for i in range(0, len(bars), rows)]
    figures = []
    for number, page in enumerate(pages, start=1):
        heading = title if len(pages) == 1 else f"{title} ({number}/{len(pages)})"
        figures.append(_bar_figure(heading, page, axis, note, top))
    return figures


def _bar_figure(title: str, bars: Sequence[Bar], axis: str, note: str, top: float) -> Figure:
    wrapped_title = wrap(title, TITLE_WIDTH)
    wrapped_note = wrap(note, TITLE_WIDTH + 8) if note else ""
    head = 0.35 + 0.3 * (wrapped_title.count("\n") + 1)
    foot = 0.75 + (0.3 if axis else 0) + 0.25 * (wrapped_note.count("\n") + 1 if note else 0)
    height = head + foot + ROW_INCHES * max(len(bars), 2)
    figure = Figure(figsize=(WIDTH_INCHES, height), dpi=DPI, layout="constrained")
    figure.suptitle(wrapped_title, fontproperties=font(TITLE_POINTS))
    axes = figure.add_subplot()
    rows = list(range(len(bars)))
    axes.barh(
        rows,
        [bar.value for bar in bars],
        height=0.62,
        color=[bar.colour for bar in bars],
        edgecolor=[_darker(bar.colour) for bar in bars],
        linewidth=1.2,
    )
    for row, bar in zip(rows, bars, strict=True):
        if bar.value == 0:  # a bar of nothing is still drawn: a stroke at zero
            axes.vlines(0, row - 0.31, row + 0.31, colors=_darker(bar.colour), linewidth=3)
        if bar.mark is not None:
            axes.vlines(
                bar.mark, row - 0.42, row + 0.42, colors="black", linestyles="dashed", linewidth=1.4
            )
        axes.text(
            bar.value + top * 0.015,
            row,
            bar.text or f"{bar.value:g}",
            va="center",
            ha="left",
            fontproperties=font(VALUE_POINTS),
            bbox={"facecolor": "white", "edgecolor": "none", "pad": 1.0},
        )
    axes.set_yticks(
        rows,
        [wrap(bar.label, LABEL_WIDTH, LABEL_LINES) for bar in bars],
        fontproperties=font(TEXT_POINTS),
    )
    axes.set_ylim(len(bars) - 0.5 if len(bars) > 1 else 1.5, -0.6)
    ticks = [
        t
        for t in MaxNLocator(nbins=5, steps=[1, 2, 2.5, 5, 10]).tick_values(0, top)
        if 0 <= t <= top
    ]
    axes.set_xticks(ticks, [f"{t:g}" for t in ticks], fontproperties=font(VALUE_POINTS))
    axes.set_xlim(0, top * 1.22)  # room for the figure written at the longest bar's end
    axes.tick_params(axis="y", length=0)
    axes.spines[["top", "right", "left"]].set_visible(False)
    axes.grid(axis="x", color="#dddddd", linewidth=0.8)
    axes.set_axisbelow(True)
    if axis:
        axes.set_xlabel(axis, fontproperties=font(TEXT_POINTS))
    if note:
        figure.supxlabel(wrapped_note, fontproperties=font(VALUE_POINTS - 1), color="#333333")
    return figure


def histogram_figure(
    title: str, values: Sequence[float], *, axis: str, count_axis: str, bins: Sequence[float]
) -> Figure:
    """How many fall in each band, for more names than images could hold."""
    figure = Figure(figsize=(WIDTH_INCHES, 4.2), dpi=DPI, layout="constrained")
    figure.suptitle(wrap(title, TITLE_WIDTH), fontproperties=font(TITLE_POINTS))
    axes = figure.add_subplot()
    counts, edges, _ = axes.hist(
        values, bins=list(bins), color=BLUE, edgecolor=_darker(BLUE), linewidth=1.0
    )
    for count, left, right in zip(counts, edges[:-1], edges[1:], strict=True):
        axes.text(
            (left + right) / 2,
            count,
            f"{count:g}",
            ha="center",
            va="bottom",
            fontproperties=font(VALUE_POINTS - 2),
        )
    axes.set_xlabel(axis, fontproperties=font(TEXT_POINTS))
    axes.set_ylabel(count_axis, fontproperties=font(TEXT_POINTS))
    axes.spines[["top", "right"]].set_visible(False)
    axes.set_ylim(0, max([*counts, 1]) * 1.15)
    return figure


def _darker(colour: str) -> str:
    red, green, blue = to_rgb(colour)
    return to_hex((red * 0.7, green * 0.7, blue * 0.7))
