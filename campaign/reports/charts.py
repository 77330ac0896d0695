"""Charts as inline SVG (matplotlib, Agg). Text stays <text> so the reader's browser draws the Chinese
glyphs with its own fonts; the report is one self-contained HTML file with no external assets."""

from __future__ import annotations

import io
import logging
import warnings
from collections.abc import Callable, Mapping, Sequence
from typing import TYPE_CHECKING, Any, TypeVar

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402

if TYPE_CHECKING:
    from matplotlib.typing import RcKeyType

# Servers rarely have CJK fonts; matplotlib only needs them for layout metrics, so its per-glyph
# "font not found" chatter is noise here.
logging.getLogger("matplotlib.font_manager").setLevel(logging.ERROR)

STYLE: dict[RcKeyType, Any] = {
    "svg.fonttype": "none",
    "font.family": [
        "Noto Sans CJK SC",
        "Source Han Sans SC",
        "WenQuanYi Micro Hei",
        "Microsoft YaHei",
        "PingFang SC",
        "SimHei",
        "DejaVu Sans",
        "sans-serif",
    ],
    "axes.spines.top": False,
    "axes.spines.right": False,
    "axes.unicode_minus": False,
}
# A bar (or line) per enterprise reads well for a district's dozen or two enterprises. A municipal or
# provincial SASAC runs the same campaign over hundreds to thousands: past MAX_BARS the reports chart
# the two ends of a ranking and averages per 功能分类 instead, and the tables keep every enterprise.
MAX_BARS = 30
ENDS = 10
T = TypeVar("T")

PALETTE = ["#1f5fa8", "#e07b24", "#3a9b5c", "#c23b3b", "#7b5ea7", "#8c6d31", "#d45fa6", "#6b6b6b"]


def figure_svg(fig) -> str:
    buffer = io.StringIO()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # missing CJK glyph metrics: layout only, the browser renders text
        fig.savefig(buffer, format="svg", bbox_inches="tight")
    plt.close(fig)
    svg = buffer.getvalue()
    return svg[svg.index("<svg") :]


def bar_chart(
    labels: Sequence[str], series: Mapping[str, Sequence[float]], title: str, unit: str = "", horizontal: bool = False
) -> str:
    """Grouped bars: one group per label, one bar per series."""
    with plt.rc_context(STYLE):
        height = max(2.6, 0.42 * len(labels) + 1.2) if horizontal else 3.4
        fig, ax = plt.subplots(figsize=(7.2, height))
        n = max(len(series), 1)
        width = 0.8 / n
        positions = range(len(labels))
        for k, (name, values) in enumerate(series.items()):
            offsets = [p - 0.4 + width * (k + 0.5) for p in positions]
            draw = ax.barh if horizontal else ax.bar
            draw(offsets, list(values), width, label=name, color=PALETTE[k % len(PALETTE)])
        if horizontal:
            ax.set_yticks(list(positions), list(labels))
            ax.invert_yaxis()
            ax.set_xlabel(unit)
        else:
            ax.set_xticks(
                list(positions), list(labels), rotation=20 if max(map(len, labels), default=0) > 4 else 0, ha="right"
            )
            ax.set_ylabel(unit)
        ax.set_title(title)
        if len(series) > 1:
            ax.legend(frameon=False, fontsize=8, loc="upper left", bbox_to_anchor=(1.0, 1.0))
        return figure_svg(fig)


def too_many(items: Sequence[object]) -> bool:
    return len(items) > MAX_BARS


def ends_of_ranking(items: Sequence[T], key: Callable[[T], float]) -> list[T]:
    """The ENDS best and ENDS worst by key, best first; every item when there are few enough for a bar each."""
    if not too_many(items):
        return list(items)
    ordered = sorted(items, key=key, reverse=True)
    return ordered[:ENDS] + ordered[-ENDS:]


def ends_title(title: str, total: int, shown: int) -> str:
    return title if shown == total else f"{title}（共{total}户，前{ENDS}名与后{ENDS}名）"


def mean_of(values: Sequence[float | None]) -> float | None:
    present = [v for v in values if v is not None]
    return sum(present) / len(present) if present else None


def category_means(rows: Sequence[tuple[str, float | None]]) -> dict[str, float | None]:
    """(功能分类, value) pairs -> the mean per category over the values present (None: no value at all)."""
    groups: dict[str, list[float | None]] = {}
    for category, value in rows:
        groups.setdefault(category, []).append(value)
    return {c: mean_of(v) for c, v in sorted(groups.items())}
