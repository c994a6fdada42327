"""What changed between two versions of a briefing, as readers care about it (pure functions)."""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from bot.briefing.model import Briefing, Figure


@dataclass(frozen=True, slots=True)
class FigureChange:
    about: str
    old: str | None  # None: the figure is new
    new: str | None  # None: the figure is gone


@dataclass(frozen=True, slots=True)
class BriefingChange:
    old_title: str | None
    new_title: str
    key_points_added: tuple[str, ...] = ()
    key_points_removed: tuple[str, ...] = ()
    figures: tuple[FigureChange, ...] = field(default=())
    summary_changed: bool = False

    @property
    def title_changed(self) -> bool:
        return self.old_title is not None and self.old_title != self.new_title

    @property
    def is_empty(self) -> bool:
        return not (
            self.title_changed
            or self.key_points_added
            or self.key_points_removed
            or self.figures
            or self.summary_changed
        )

    def to_json(self) -> dict:
        return {
            "old_title": self.old_title,
            "new_title": self.new_title,
            "key_points_added": list(self.key_points_added),
            "key_points_removed": list(self.key_points_removed),
            "figures": [{"about": f.about, "old": f.old, "new": f.new} for f in self.figures],
            "summary_changed": self.summary_changed,
        }


def figure_label(figure: Figure) -> str:
    """How a figure reads in a reply: "28 villages", "30 km (18 mi)", "12.5%", "thousands of residents"."""
    if figure.value is None or figure.kind in ("date", "money", "duration", "age", "fraction"):
        return figure.text
    number = _number_unit(figure.value, None)
    if figure.high is not None:  # "20–30 km"
        number += "–" + _number_unit(figure.high, None)
    main = f"{number}%" if figure.unit == "%" else f"{number} {figure.unit}" if figure.unit else number
    if figure.conversions:
        main += " (" + ", ".join(_number_unit(c.value, c.unit) for c in figure.conversions) + ")"
    return main


def _number_unit(value: float | None, unit: str | None) -> str:
    if value is None:
        return unit or "?"
    number = f"{value:,.0f}" if float(value).is_integer() else f"{value:,}"
    return f"{number} {unit}" if unit else number


_MAX_PAIRS = 4096  # old x new figures of one measure compared by description
_STEM_WORD = re.compile(r"[^\W\d_]{4,}")


def _stems(text: str) -> frozenset[str]:
    return frozenset(w[:5] for w in _STEM_WORD.findall(text.lower()))


def _measure(figure: Figure) -> tuple[str, str]:
    """What a figure measures: its kind and unit ("count", "villages"), whatever its value."""
    return figure.kind, (figure.unit or "").lower()


def _closeness(old: Figure, new: Figure) -> tuple[float, float]:
    """Where two figures stand, most alike first: their sentences, then their descriptions."""
    return _jaccard(_stems(old.sentence), _stems(new.sentence)), _jaccard(_stems(old.about), _stems(new.about))


def _jaccard(a: frozenset[str], b: frozenset[str]) -> float:
    return len(a & b) / len(a | b) if a and b else 0.0


def _pair(old: list[Figure], new: list[Figure]) -> dict[int, int]:
    """{new index: old index}: each old figure with the new one that stands where it stood."""
    if len(old) * len(new) > _MAX_PAIRS:  # a huge rewrite: pair in reading order, stay linear
        return dict(zip(range(len(new)), range(len(old))))
    ranked = sorted(
        ((_closeness(o, n), o.value == n.value, -i, -j) for i, o in enumerate(old) for j, n in enumerate(new)),
        reverse=True,
    )
    old_of_new: dict[int, int] = {}
    used: set[int] = set()
    for _close, _equal, i, j in ranked:
        if -i not in used and -j not in old_of_new:
            old_of_new[-j] = -i
            used.add(-i)
    return old_of_new


def _match_figures(old: tuple[Figure, ...], new: tuple[Figure, ...]) -> list[FigureChange]:
    """Figures changed, new and gone, matched by what they measure and where they stand.

    Within one measure (kind and unit), each old figure pairs with the new figure whose
    sentence and description are most like its own; a pair with another value is a change.
    A figure left unpaired whose value the other version still has is unchanged: the
    parser lists a repeated figure once, so "28 villages" in a key point may have been
    folded into the body's mention in one version and not in the other.
    """
    groups: dict[tuple[str, str], tuple[list[Figure], list[Figure]]] = {}
    for fig in old:
        groups.setdefault(_measure(fig), ([], []))[0].append(fig)
    for fig in new:
        groups.setdefault(_measure(fig), ([], []))[1].append(fig)
    changes: list[FigureChange] = []
    for olds, news in groups.values():
        old_values = {(f.value, f.iso) for f in olds}
        new_values = {(f.value, f.iso) for f in news}
        old_of_new = _pair(olds, news)
        for j, fig in enumerate(news):
            before = olds[old_of_new[j]] if j in old_of_new else None
            if before is not None and (before.value, before.iso) != (fig.value, fig.iso):
                changes.append(FigureChange(fig.about or fig.text, figure_label(before), figure_label(fig)))
            elif before is None and (fig.value, fig.iso) not in old_values:
                changes.append(FigureChange(fig.about or fig.text, None, figure_label(fig)))
        paired = set(old_of_new.values())
        for i, fig in enumerate(olds):
            if i not in paired and (fig.value, fig.iso) not in new_values:
                changes.append(FigureChange(fig.about or fig.text, figure_label(fig), None))
    return changes


def diff_briefings(old: Briefing, new: Briefing) -> BriefingChange:
    """Key points added or removed, figures changed / new / gone, headline and lead changes."""
    old_points, new_points = set(old.key_points), set(new.key_points)
    changes = _match_figures(old.figures, new.figures)
    return BriefingChange(
        old_title=old.title,
        new_title=new.title,
        key_points_added=tuple(p for p in new.key_points if p not in old_points),
        key_points_removed=tuple(p for p in old.key_points if p not in new_points),
        figures=tuple(changes),
        summary_changed=old.summary != new.summary,
    )
