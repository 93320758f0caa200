"""Charts a person can read on a phone: names in Chinese in the font that comes with the
install, a bar of 0 that can be seen, nothing cut off, many names over several images."""

from __future__ import annotations

import io
from pathlib import Path

import pylopdf_fonts_zh_cn
import pytest
from matplotlib.figure import Figure
from matplotlib.font_manager import FontProperties
from matplotlib.ft2font import FT2Font
from matplotlib.text import Text

from bot import charts
from bot.text_layout import width, wrap
from tests.pictures import pixels, zero_is_seen

NAMES = [
    "东岭村党支部",
    "南坡村党支部",
    "西河村党支部",
    "青山县东岭镇第一村第二党小组党支部委员会",
    "=1+1 $x$",
    "East Ridge village party branch",
]


def texts(figure: Figure) -> list[Text]:
    return [
        t for t in figure.findobj(Text) if isinstance(t, Text) and t.get_text() and t.get_visible()
    ]


def test_names_stand_on_the_axis_in_the_font_that_comes_with_the_install() -> None:
    bars = [
        charts.Bar(name, value, f"{value:.0f}%")
        for name, value in zip(NAMES, [100, 72.5, 44.4, 30, 12, 0], strict=True)
    ]
    (figure,) = charts.bar_figures(
        "青山县 支部综合得分 2026-11-01 至 2026-11-30", bars, axis="得分（%）", limit=100
    )
    png = charts.render(figure)

    # The font is the package's file, loaded by its path — not a system font.
    package = Path(pylopdf_fonts_zh_cn.__file__).parent
    assert Path(charts.FONT_FILE).parent == package
    assert Path(charts.FONT_FILE).is_file() and "/usr/share/fonts" not in charts.FONT_FILE
    shown = texts(figure)
    assert {t.get_fontproperties().get_file() for t in shown} == {charts.FONT_FILE}
    # ... and it has every character drawn (a missing glyph would also be a warning,
    # which the suite turns into an error).
    glyphs = FT2Font(charts.FONT_FILE).get_charmap()
    assert all(ord(char) in glyphs for t in shown for char in t.get_text() if char != "\n")

    labels = [t.get_text() for t in figure.axes[0].get_yticklabels()]
    assert labels[:3] == NAMES[:3]
    assert labels[3] == "青山县东岭镇第一\n村第二党小组党…"  # long: two lines, shortened
    assert labels[4] == "=1+1 $x$"  # a dollar is a dollar, not mathematics
    assert figure.get_suptitle() == "青山县 支部综合得分 2026-11-01\n至 2026-11-30"

    height, across, _ = pixels(png).shape
    assert across == 1080  # a phone's width, so nothing is scaled up or down much
    assert height / across < 20 and across / height < 20  # Telegram's limit for a photo


def test_a_font_without_chinese_would_not_pass_unseen() -> None:
    """What the check above rests on: matplotlib warns of every character its font cannot
    draw (the suite makes that warning an error), as it would on a server without a
    Chinese font if the chart asked for the system's."""
    (figure,) = charts.bar_figures("东岭", [charts.Bar("东岭村党支部", 50, "50%")], limit=100)
    for text in texts(figure):
        text.set_fontproperties(FontProperties(family="DejaVu Sans", size=text.get_fontsize()))
    with pytest.warns(UserWarning, match="missing from font"):
        figure.savefig(io.BytesIO(), format="png", dpi=figure.dpi)


def test_a_bar_of_zero_is_seen() -> None:
    bars = [
        charts.Bar("东岭村党支部", 80, "80%"),
        charts.Bar("南坡村党支部", 0, "0%"),
        charts.Bar("西河村党支部", 40, "40%"),
    ]
    (figure,) = charts.bar_figures("得分", bars, limit=100)
    assert zero_is_seen(figure, charts.render(figure), 1), "no stroke at 0"
    # and its figure is written beside it, on its row
    zero = next(t for t in texts(figure) if t.get_text() == "0%")
    assert zero.get_position()[1] == 1


def test_nothing_is_cut_off() -> None:
    long = "联系点工作天数（虚线：应到天数），" * 4 + "2026-01-01 至 2026-06-30"
    bars = [
        charts.Bar(name * 3, value, f"{value:g}/18", charts.ORANGE, 18.0)
        for name, value in zip(NAMES, [0, 3, 18, 24, 7.5, 1], strict=True)
    ]
    for figure in charts.bar_figures(
        long,
        bars,
        axis="在联系点工作天数",
        note="虚线：应到天数。橙色：至少一个月未达到每月天数。" * 2,
    ):
        charts.render(figure)
        renderer = figure.canvas.get_renderer()  # type: ignore[attr-defined]
        box = figure.bbox
        for text in texts(figure):
            extent = text.get_window_extent(renderer)
            assert extent.x0 >= box.x0 - 1 and extent.x1 <= box.x1 + 1, text.get_text()
            assert extent.y0 >= box.y0 - 1 and extent.y1 <= box.y1 + 1, text.get_text()


def test_many_names_go_over_several_images_on_one_scale() -> None:
    bars = [charts.Bar(f"第{i}村党支部", float(i), f"{i}") for i in range(60)]
    figures = charts.bar_figures("全县", bars)
    assert [f.get_suptitle() for f in figures] == ["全县 (1/3)", "全县 (2/3)", "全县 (3/3)"]
    assert [len(f.axes[0].get_yticks()) for f in figures] == [25, 25, 10]
    assert {f.axes[0].get_xlim() for f in figures} == {figures[0].axes[0].get_xlim()}
    images = [charts.render(figure) for figure in figures]
    assert all(img.startswith(b"\x89PNG") for img in images) and len(images) == 3


def test_text_widths_count_chinese_twice() -> None:
    assert width("东岭村") == 6 and width("abc") == 3 and width("东a") == 3
    assert wrap("East Ridge village", 12) == "East Ridge\nvillage"
    assert wrap("东岭镇东岭村党支部", 16, 2) == "东岭镇东岭\n村党支部"
    assert all(width(line) <= 16 for line in wrap(NAMES[3] * 3, 16, 2).split("\n"))
