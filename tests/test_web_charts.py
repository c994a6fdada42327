"""Figure series across versions and the geometry of their charts (pure functions)."""

from __future__ import annotations

from bot.web.charts import changed_charts, chart, figure_series, short_number
from bot.web.ports import VersionRow
from tests.fakes.operations_view import figure


def _versions(*figure_lists) -> list[VersionRow]:
    return [VersionRow(i + 1, 1_790_000_000 + i * 3600, "T", tuple(figs)) for i, figs in enumerate(figure_lists)]


def test_figures_are_matched_across_versions_by_what_they_measure_and_their_unit():
    versions = _versions(
        [figure("Villages captured", 28, "villages"), figure("people evacuated", 1200, "people")],
        [figure("villages captured ", 35, "villages"), figure("people evacuated", 1200, "people")],
        [figure("villages captured", 35, "villages"), figure("depth", 30, "km")],
    )
    series = figure_series(versions)
    assert [(s.about, [p.value for p in s.points]) for s in series] == [
        ("Villages captured", [28, 35, 35]),
        ("people evacuated", [1200, 1200]),
        ("depth", [30]),
    ]
    assert [s.changed for s in series] == [True, False, False]


def test_only_figures_whose_value_changed_get_a_chart():
    versions = _versions(
        [figure("troops", None, "troops", "thousands of troops"), figure("dead", 3, "people")],
        [figure("troops", 5000, "troops"), figure("dead", 3, "people")],
    )
    assert changed_charts(versions) == []  # vague -> a number is not a change we can draw
    assert changed_charts(_versions([figure("dead", 3, "people")])) == []


def test_the_chart_puts_larger_values_higher_and_labels_every_point():
    versions = _versions(
        [figure("villages", 28, "villages")], [figure("villages", 35, "villages")], [figure("villages", 31, "villages")]
    )
    [drawn] = changed_charts(versions)
    ys = [d.y for d in drawn.dots]
    xs = [d.x for d in drawn.dots]
    assert xs == sorted(xs) and len(set(xs)) == 3
    assert ys[1] < ys[2] < ys[0]  # SVG y grows downwards
    assert all(drawn.left <= x <= drawn.right for x in xs)
    assert all(0 <= y <= drawn.baseline_y for y in ys)
    assert drawn.dots[1].label.startswith("version 2, ") and drawn.dots[1].label.endswith("35 villages")
    assert drawn.title == "villages across versions" and drawn.y_top == "35"
    assert drawn.description == "version 1: 28 villages; version 2: 35 villages; version 3: 31 villages"


def test_the_axis_starts_at_zero_unless_that_would_flatten_the_change():
    small = chart(figure_series(_versions([figure("x", 10, "km")], [figure("x", 40, "km")]))[0])
    big = chart(figure_series(_versions([figure("x", 1_000_000, "km")], [figure("x", 1_050_000, "km")]))[0])
    assert small.y_bottom == "0" and big.y_bottom == "1M"
    assert big.dots[0].y == big.baseline_y and big.dots[1].y < big.baseline_y
    assert short_number(1_250_000) == "1.25M" and short_number(2_500) == "2.5k" and short_number(0.5) == "0.5"
