"""Each figure's value across a briefing's versions, and the geometry of its inline SVG chart.

The server draws the charts (templates/_chart.html renders the geometry), so a page needs no
script. Figures are matched across versions as the change alerts match them: by what they
measure, then by unit.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime

from bot.web.ports import VersionRow

WIDTH, HEIGHT = 320, 160
LEFT, RIGHT, TOP, BOTTOM = 56, 12, 14, 30  # room for the axis labels


@dataclass(frozen=True, slots=True)
class Point:
    version_id: int
    loaded_at: float
    value: float | None
    text: str


@dataclass(frozen=True, slots=True)
class FigureSeries:
    about: str
    unit: str | None
    points: tuple[Point, ...]  # one per version that has the figure, oldest first

    @property
    def changed(self) -> bool:
        values = {p.value for p in self.points if p.value is not None}
        return len(values) > 1


@dataclass(frozen=True, slots=True)
class Dot:
    x: float
    y: float
    label: str  # "v3, 2026-12-04 17:20 UTC: 35 villages"


@dataclass(frozen=True, slots=True)
class Chart:
    title: str
    description: str  # every value in words, for screen readers
    width: int
    height: int
    dots: tuple[Dot, ...]
    path: str  # the polyline's "x,y x,y ..." points
    y_top: str  # axis labels
    y_bottom: str
    x_first: str
    x_last: str
    baseline_y: float
    left: int
    right: float


def _key(about: str, unit: str | None) -> tuple[str, str]:
    return about.strip().lower(), (unit or "").lower()


def figure_series(versions: Sequence[VersionRow]) -> list[FigureSeries]:
    """One series per figure seen in any version, in order of first appearance."""
    order: list[tuple[str, str]] = []
    found: dict[tuple[str, str], tuple[str, str | None, list[Point]]] = {}
    for version in versions:
        seen_here: set[tuple[str, str]] = set()
        for figure in version.figures:
            key = _key(figure.about or figure.text, figure.unit)
            if key in seen_here:  # the same measure twice in one version: the first one counts
                continue
            seen_here.add(key)
            if key not in found:
                order.append(key)
                found[key] = (figure.about or figure.text, figure.unit, [])
            found[key][2].append(Point(version.version_id, version.loaded_at, figure.value, figure.text))
    return [FigureSeries(found[k][0], found[k][1], tuple(found[k][2])) for k in order]


def short_number(value: float) -> str:
    for size, suffix in ((1e9, "B"), (1e6, "M"), (1e3, "k")):
        if abs(value) >= size:
            return f"{value / size:.3g}{suffix}"
    return f"{value:.4g}"


def _day(ts: float) -> str:
    return datetime.fromtimestamp(ts, UTC).strftime("%d %b %H:%M")


def chart(series: FigureSeries) -> Chart:
    """Geometry for a line chart of the series' numeric values against version order."""
    points = [p for p in series.points if p.value is not None]
    values = [float(p.value) for p in points]  # type: ignore[arg-type]
    low, high = min(values), max(values)
    if 0 < low <= high / 2:  # start at zero unless that would flatten the change into a line
        low = 0.0
    span = (high - low) or 1.0
    inner_w, inner_h = WIDTH - LEFT - RIGHT, HEIGHT - TOP - BOTTOM
    step = inner_w / max(1, len(points) - 1)
    dots = []
    for index, (point, value) in enumerate(zip(points, values)):
        x = LEFT + (index * step if len(points) > 1 else inner_w / 2)
        y = TOP + inner_h * (1 - (value - low) / span)
        when = datetime.fromtimestamp(point.loaded_at, UTC).strftime("%Y-%m-%d %H:%M UTC")
        dots.append(Dot(round(x, 1), round(y, 1), f"version {point.version_id}, {when}: {point.text}"))
    unit = f" ({series.unit})" if series.unit and series.unit.lower() not in series.about.lower() else ""
    return Chart(
        title=f"{series.about}{unit} across versions",
        description="; ".join(f"version {p.version_id}: {p.text}" for p in points),
        width=WIDTH,
        height=HEIGHT,
        dots=tuple(dots),
        path=" ".join(f"{d.x},{d.y}" for d in dots),
        y_top=short_number(high),
        y_bottom=short_number(low),
        x_first=_day(points[0].loaded_at),
        x_last=_day(points[-1].loaded_at),
        baseline_y=TOP + inner_h,
        left=LEFT,
        right=WIDTH - RIGHT,
    )


def changed_charts(versions: Sequence[VersionRow]) -> list[Chart]:
    """A chart for each figure whose value changed across the versions."""
    return [chart(s) for s in figure_series(versions) if s.changed]
