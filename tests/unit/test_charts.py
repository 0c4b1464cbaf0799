"""Charts render to PNGs Slack can preview, whatever the data."""

from __future__ import annotations

import io
import math
import random
import struct
import threading
import time

import numpy as np
from matplotlib.collections import PathCollection
from matplotlib.figure import Figure
from matplotlib.image import imread
from matplotlib.text import Text

from handlers.charts import (
    MAX_BARS,
    MAX_BUBBLE_LABELS,
    MAX_LEGEND_CATEGORIES,
    Bar,
    BubblePoint,
    bubble_chart,
    bubble_figure,
    ranking_chart,
    ranking_figure,
)

PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"


def png_size(data: bytes) -> tuple[int, int]:
    assert data[:8] == PNG_SIGNATURE
    assert data[12:16] == b"IHDR"
    width, height = struct.unpack(">II", data[16:24])
    return width, height


def percent(value: float) -> str:
    return f"{value * 100:.0f}%"


def all_text(fig: Figure) -> str:
    return "\n".join(t.get_text() for t in fig.findobj(Text) if isinstance(t, Text))


def scatter_count(fig: Figure) -> int:
    collections = [c for ax in fig.axes for c in ax.collections if isinstance(c, PathCollection)]
    return sum(len(np.asarray(c.get_offsets())) for c in collections)


def bubble_labels(fig: Figure) -> list[str]:
    return [t.get_text() for t in fig.axes[0].texts]


def sample_points() -> list[BubblePoint]:
    return [
        BubblePoint("CHK", "Growth", 0.7, 2.33, 120_000),
        BubblePoint("PAY", "Growth", 0.6, 1.1, 300_000),
        BubblePoint("SRCH", "Core", 0.85, 0.4, 500_000),
        BubblePoint("LEG", "Core", 0.9, -0.2, 200_000),
        BubblePoint("NEW", "Platform", 0.3, None, 0),
    ]


def random_points(count: int, seed: int = 7) -> list[BubblePoint]:
    rng = random.Random(seed)
    return [
        BubblePoint(
            key=f"P{i}",
            category=f"Cat{i % 17}",
            confidence=rng.random(),
            roi=None if i % 9 == 0 else rng.uniform(-1, 8),
            investment=0 if i % 9 == 0 else rng.uniform(1_000, 5_000_000),
        )
        for i in range(count)
    ]


def test_bubble_chart_is_a_png_at_slack_preview_size() -> None:
    data = bubble_chart(sample_points(), title="Acme", currency="USD")
    assert data.startswith(PNG_SIGNATURE)
    assert png_size(data) == (800, 500)


def test_bubble_chart_draws_coloured_bubbles() -> None:
    pixels = imread(io.BytesIO(bubble_chart(sample_points(), title="Acme", currency="USD")))
    rgb = pixels[..., :3]
    saturation = rgb.max(axis=2) - rgb.min(axis=2)
    assert (saturation > 0.3).sum() > 2_000  # coloured bubbles, not just black text on white


def test_empty_bubble_chart_says_no_products_yet() -> None:
    data = bubble_chart([], title="Acme", currency="USD")
    assert png_size(data) == (800, 500)
    fig = bubble_figure([], title="Acme", currency="USD")
    assert "No products yet" in all_text(fig)
    assert scatter_count(fig) == 0


def test_every_bubble_is_labelled_with_its_key() -> None:
    fig = bubble_figure(sample_points(), title="Acme", currency="USD")
    assert sorted(bubble_labels(fig)) == ["CHK", "LEG", "PAY", "SRCH"]
    assert scatter_count(fig) == 4


def test_bubble_note_writes_the_largest_investment_as_short_money() -> None:
    points = [BubblePoint("BIG", "Core", 0.5, 1, 1_500_000), BubblePoint("SML", "Core", 0.5, 1, 10)]
    assert "(largest $1.5M)" in all_text(bubble_figure(points, title="Acme", currency="USD"))
    euros = all_text(bubble_figure(points, title="Acme", currency="EUR"))
    assert "(largest €1.5M)" in euros


def test_percent_ticks_are_written_by_the_one_percent_formatter() -> None:
    ax = bubble_figure(sample_points(), title="Acme", currency="USD").axes[0]
    formatter = ax.xaxis.get_major_formatter()
    assert formatter(75.0, 0) == "75%"
    assert ax.yaxis.get_major_formatter()(12000.0, 0) == "12,000%"


def test_zero_investment_products_are_listed_in_a_footnote_not_plotted() -> None:
    fig = bubble_figure(sample_points(), title="Acme", currency="USD")
    assert "NEW" not in bubble_labels(fig)
    assert "no ROI (zero investment): NEW" in all_text(fig)


def test_non_finite_roi_is_treated_as_no_roi() -> None:
    points = [BubblePoint("INF", "Core", 0.5, math.inf, 10), BubblePoint("OK", "Core", 0.5, 1, 10)]
    fig = bubble_figure(points, title="Acme", currency="USD")
    assert bubble_labels(fig) == ["OK"]
    assert "INF" in all_text(fig)


def test_only_products_without_roi_still_draws_a_chart() -> None:
    points = [BubblePoint("A1", "Core", 0.5, None, 0), BubblePoint("B2", "Core", 0.2, None, 0)]
    fig = bubble_figure(points, title="Acme", currency="USD")
    text = all_text(fig)
    assert "No product has an ROI yet" in text
    assert "A1, B2" in text
    assert png_size(bubble_chart(points, title="Acme", currency="USD")) == (800, 500)


def test_bubble_area_grows_with_investment() -> None:
    points = [
        BubblePoint("BIG", "Core", 0.5, 1, 400_000),
        BubblePoint("SML", "Core", 0.5, 1, 100_000),
    ]
    fig = bubble_figure(points, title="Acme", currency="USD")
    (scatter,) = fig.axes[0].collections
    assert isinstance(scatter, PathCollection)
    sizes = sorted(scatter.get_sizes())
    assert sizes[1] == 4 * sizes[0]


def test_roi_axis_includes_zero_reference_line() -> None:
    points = [BubblePoint("UP", "Core", 0.5, 3.0, 10), BubblePoint("HI", "Core", 0.6, 2.0, 10)]
    ax = bubble_figure(points, title="Acme", currency="USD").axes[0]
    low, high = ax.get_ylim()
    assert low < 0 < high
    assert any(np.asarray(line.get_ydata()).tolist() == [0, 0] for line in ax.lines)


def test_confidence_is_plotted_as_a_percentage() -> None:
    points = [BubblePoint("CHK", "Core", 0.7, 0.5, 10)]
    (scatter,) = bubble_figure(points, title="Acme", currency="USD").axes[0].collections
    assert np.asarray(scatter.get_offsets()).tolist() == [[70.0, 50.0]]


def test_many_categories_share_an_other_colour_in_the_legend() -> None:
    fig = bubble_figure(random_points(200), title="Acme", currency="USD")
    (legend,) = fig.legends
    names = [t.get_text() for t in legend.get_texts()]
    assert len(names) == MAX_LEGEND_CATEGORIES
    assert names[-1] == f"Other ({17 - MAX_LEGEND_CATEGORIES + 1})"


def test_five_hundred_points_render_quickly_with_labels_capped() -> None:
    points = random_points(500)
    start = time.perf_counter()
    data = bubble_chart(points, title="Big portfolio", currency="EUR")
    elapsed = time.perf_counter() - start
    assert png_size(data) == (800, 500)
    assert elapsed < 2.0
    fig = bubble_figure(points, title="Big portfolio", currency="EUR")
    assert len(bubble_labels(fig)) == MAX_BUBBLE_LABELS
    assert f"Keys shown for the {MAX_BUBBLE_LABELS} largest of" in all_text(fig)


def test_thousands_of_points_do_not_crash() -> None:
    data = bubble_chart(random_points(3_000), title="Huge", currency="USD")
    assert png_size(data) == (800, 500)


def test_footnote_of_many_keys_ends_with_how_many_more() -> None:
    points = [BubblePoint(f"Z{i:03}", "Core", 0.5, None, 0) for i in range(300)]
    text = all_text(bubble_figure(points, title="Acme", currency="USD"))
    assert "Z000, Z001" in text
    assert text.rstrip().endswith("more")


def test_dollar_signs_and_odd_characters_are_drawn_literally() -> None:
    title = "Costs $\\notacommand{x}$ \x07 and $5"
    points = [BubblePoint("CHK", "$Growth$ \\frac", 0.5, 1.0, 10)]
    data = bubble_chart(points, title=title, currency="$")
    assert png_size(data) == (800, 500)
    bars = [Bar("CHK", "Checkout $\\bad{", 1.0)]
    assert ranking_chart(bars, title=title, measure_label="$x$", value_format=lambda v: f"${v}$")


def test_charts_render_concurrently_from_threads() -> None:
    results: list[bytes] = []
    errors: list[BaseException] = []

    def draw() -> None:
        try:
            results.append(bubble_chart(random_points(60), title="Acme", currency="USD"))
        except BaseException as error:  # collected and re-checked below
            errors.append(error)

    threads = [threading.Thread(target=draw) for _ in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert errors == []
    assert len(set(results)) == 1  # same input, same picture, whichever thread drew it


def sample_bars() -> list[Bar]:
    return [
        Bar("MOB", "Mobile", 3.5),
        Bar("CHK", "Checkout", 2.33),
        Bar("LEG", "Legacy", -0.2),
        Bar("NEW", "New thing", None),
    ]


def test_ranking_chart_is_a_png_800_pixels_wide() -> None:
    data = ranking_chart(sample_bars(), title="ROI", measure_label="ROI", value_format=percent)
    assert data.startswith(PNG_SIGNATURE)
    assert png_size(data) == (800, 500)


def test_ranking_puts_the_first_bar_at_the_top() -> None:
    fig = ranking_figure(sample_bars(), title="ROI", measure_label="ROI", value_format=percent)
    ax = fig.axes[0]
    ticks = sorted(zip(ax.get_yticks(), (t.get_text() for t in ax.get_yticklabels()), strict=True))
    assert [label for _, label in reversed(ticks)] == [
        "MOB  Mobile",
        "CHK  Checkout",
        "LEG  Legacy",
        "NEW  New thing",
    ]


def test_ranking_prints_formatted_values_and_na() -> None:
    fig = ranking_figure(sample_bars(), title="ROI", measure_label="ROI", value_format=percent)
    printed = [t.get_text() for t in fig.axes[0].texts]
    assert printed == ["350%", "233%", "-20%", "n/a"]
    assert len(fig.axes[0].patches) == 3  # no bar for n/a


def test_ranking_leaves_room_for_negative_and_positive_values() -> None:
    fig = ranking_figure(sample_bars(), title="ROI", measure_label="ROI", value_format=percent)
    low, high = fig.axes[0].get_xlim()
    assert low < -0.2
    assert high > 3.5


def test_na_has_room_when_every_value_is_negative() -> None:
    bars = [Bar("LEG", "Legacy", -0.2), Bar("OLD", "Old", -0.5), Bar("NA1", "", None)]
    fig = ranking_figure(bars, title="ROI", measure_label="ROI", value_format=percent)
    low, high = fig.axes[0].get_xlim()
    assert low < -0.5
    assert high >= 0.12 * 0.5


def test_ranking_shows_at_most_25_bars_then_how_many_more() -> None:
    bars = [Bar(f"K{i}", f"Product {i}", float(100 - i)) for i in range(40)]
    fig = ranking_figure(bars, title="NPV", measure_label="NPV", value_format=str)
    assert len(fig.axes[0].get_yticks()) == MAX_BARS
    assert "+15 more not shown" in all_text(fig)
    width, height = png_size(
        ranking_chart(bars, title="NPV", measure_label="NPV", value_format=str)
    )
    assert width == 800
    assert 500 < height <= 1_000


def test_empty_ranking_says_no_products_yet() -> None:
    data = ranking_chart([], title="ROI", measure_label="ROI", value_format=percent)
    assert png_size(data) == (800, 500)
    fig = ranking_figure([], title="ROI", measure_label="ROI", value_format=percent)
    assert "No products yet" in all_text(fig)


def test_ranking_of_only_na_values_renders() -> None:
    bars = [Bar("A1", "", None), Bar("B2", "B2", float("nan"))]
    fig = ranking_figure(bars, title="ROI", measure_label="ROI", value_format=percent)
    assert [t.get_text() for t in fig.axes[0].texts] == ["n/a", "n/a"]
    assert [t.get_text() for t in fig.axes[0].get_yticklabels()] == ["A1", "B2"]


def test_long_labels_are_shortened() -> None:
    bars = [Bar("CHK", "A very long product name that goes on and on and on", 1.0)]
    fig = ranking_figure(bars, title="ROI", measure_label="ROI", value_format=percent)
    (label,) = [t.get_text() for t in fig.axes[0].get_yticklabels()]
    assert len(label) <= 32
    assert label.endswith("…")


def test_charts_are_not_blank_images() -> None:
    pixels = imread(io.BytesIO(ranking_chart(sample_bars(), title="ROI", measure_label="ROI",
                                             value_format=percent)))  # fmt: skip
    assert np.asarray(pixels[..., :3]).min() < 0.2  # there is dark ink (text, axes)
