"""What both charts share: the figure, the PNG, the title, and text the chart font can draw.

Built on matplotlib's object API (``Figure`` + the Agg canvas), never ``pyplot``, and
without touching global ``rcParams``, so charts can be drawn from several threads.
Every piece of text is drawn with mathtext off, so a ``$`` in a name or a value stays a
dollar sign.
"""

from __future__ import annotations

import io
import math
import unicodedata
from functools import lru_cache

from matplotlib import font_manager
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.figure import Figure
from matplotlib.ft2font import FT2Font

DPI = 100
TITLE_SIZE = 16
AXIS_LABEL_SIZE = 13
TICK_SIZE = 12
LABEL_SIZE = 11
NOTE_SIZE = 10
MUTED = "#555555"


def new_figure(size_in: tuple[float, float]) -> Figure:
    """A white figure of the given size (inches) on its own Agg canvas."""
    fig = Figure(figsize=size_in, dpi=DPI, facecolor="white")
    FigureCanvasAgg(fig)
    return fig


def png(fig: Figure) -> bytes:
    """The figure as PNG bytes, without a Software tag (same input, same bytes)."""
    buffer = io.BytesIO()
    fig.savefig(buffer, format="png", dpi=DPI, facecolor="white", metadata={"Software": None})
    return buffer.getvalue()


def draw_title(fig: Figure, title: str) -> None:
    """The chart title, bold, top left, shortened to fit."""
    text = truncate(clean(title), 70)
    fig.text(
        0.02, 0.985, text, fontsize=TITLE_SIZE, fontweight="bold", ha="left", va="top",
        parse_math=False,
    )  # fmt: skip


def draw_empty(fig: Figure) -> None:
    """Write "No products yet" across an empty chart."""
    fig.text(
        0.5, 0.5, "No products yet", fontsize=20, color=MUTED, ha="center", va="center",
        parse_math=False,
    )  # fmt: skip


def finite_or_none(value: float | None) -> float | None:
    """The value, or None when it is missing, infinite or NaN."""
    return value if value is not None and math.isfinite(value) else None


def truncate(text: str, limit: int) -> str:
    """The text cut to `limit` characters with an ellipsis."""
    return text if len(text) <= limit else text[: limit - 1].rstrip() + "…"


def clean(text: str) -> str:
    """Drop control characters and characters the chart font cannot draw."""
    drawable = drawable_codepoints()
    kept = (
        " " if ch.isspace() else ch
        for ch in text
        if ch.isspace() or (unicodedata.category(ch)[0] != "C" and ord(ch) in drawable)
    )
    return " ".join("".join(kept).split())


@lru_cache(maxsize=1)
def drawable_codepoints() -> frozenset[int]:
    """The code points the chart font (DejaVu Sans) can draw."""
    path = font_manager.findfont(font_manager.FontProperties(family="DejaVu Sans"))
    return frozenset(FT2Font(path).get_charmap())
