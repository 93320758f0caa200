"""Looking at the charts the bot draws as a person would: the pixels of the PNG."""

from __future__ import annotations

import io
from typing import Any

import numpy as np
from matplotlib import image as mpimg
from matplotlib.colors import to_rgb

from bot import charts


def pixels(png: bytes) -> np.ndarray:
    return np.asarray(mpimg.imread(io.BytesIO(png), format="png"))[:, :, :3]


def zero_is_seen(figure: Any, png: bytes, row: int, colour: str = charts.BLUE) -> bool:
    """A bar of 0 on ``row`` shows as a stroke several pixels wide in the bar's darker
    colour just right of the axis — more than the hairline outline an empty bar has."""
    picture = pixels(png)
    x0, y_zero = figure.axes[0].transData.transform((0, row))
    line = picture.shape[0] - round(float(y_zero))  # image rows count from the top
    stroke = np.array(to_rgb(charts._darker(colour)))
    column = picture[line - 5 : line + 5, int(x0) + 3]
    return bool((np.abs(column - stroke).sum(axis=1) < 0.1).sum() >= 5)
