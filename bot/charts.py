"""Charts as PNG bytes.

matplotlib's object-oriented API with the Agg canvas: no display, no global pyplot
state shared between two charts drawn at once. It is imported with the bot, so a
bulletin does not pay for loading matplotlib.
"""

from __future__ import annotations

import io
from collections.abc import Callable

from matplotlib.axes import Axes
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.figure import Figure


def png(draw: Callable[[Axes], None], size: tuple[float, float] = (6, 4)) -> bytes:
    figure = Figure(figsize=size, dpi=120)
    FigureCanvasAgg(figure)
    draw(figure.add_subplot())
    figure.tight_layout()
    buffer = io.BytesIO()
    figure.savefig(buffer, format="png")
    return buffer.getvalue()
